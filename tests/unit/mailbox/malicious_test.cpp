// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// An untrusted peer: the test writes the peer's section of the channel
// directly (forged, replayed, inconsistent or random headers, or nothing at
// all) and checks that the endpoint answers with proto, timedout or msgsize,
// never crashes, never waits past its deadline and never writes outside the
// caller's buffer.
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <random>
#include <thread>

#include "channel_test_support.h"

namespace bh::ipc::test {
namespace {

constexpr uint32_t victim_side = BH_MAILBOX_SIDE_0;
constexpr uint32_t peer_side = BH_MAILBOX_SIDE_1;
constexpr uint32_t start = BH_MAILBOX_SLOT_START;
constexpr uint32_t end = BH_MAILBOX_SLOT_END;
constexpr uint64_t short_timeout = 200;  // SteppingClock readings

struct ForgedSlot {
    uint32_t seq;
    uint32_t flags;
    uint32_t length;
    uint32_t total;
    uint32_t ack = 0;
};

// Writes a slot of the peer's direction as a misbehaving peer could.
void forge(const Region& region, uint32_t index, const ForgedSlot& slot) {
    bh_mailbox_slot_header* header = region.slot(peer_side, index);
    std::memset(region.payload(peer_side, index), 0xAB, region.geometry().slot_size);
    header->flags = slot.flags;
    header->length = slot.length;
    header->total = slot.total;
    header->ack = slot.ack;
    std::atomic_ref<uint32_t>(header->seq).store(slot.seq, std::memory_order_release);
}

void expect_broken(Endpoint& victim) {
    std::vector<uint8_t> buffer(64);
    EXPECT_TRUE(victim.broken());
    EXPECT_EQ(victim.try_receive_slot(view(buffer)).error(), Errc::proto);
    EXPECT_EQ(victim.receive(view(buffer), short_timeout).error(), Errc::proto);
    EXPECT_EQ(victim.try_send_slot(view(buffer)).error(), Errc::proto);
    EXPECT_EQ(victim.send(view(buffer), short_timeout).error(), Errc::proto);
    EXPECT_EQ(victim.next_transaction_size().error(), Errc::proto);
}

class MaliciousPeer : public ::testing::Test {
protected:
    static constexpr uint32_t slot_size = 64;
    Region region_{make_geometry(slot_size, 1).value_or(Geometry{64, 1})};
    SteppingClock clock_;
    Endpoint victim_ = open_or_die(region_, Side::zero, clock_);
    std::vector<uint8_t> buffer_ = std::vector<uint8_t>(1024);

    Result<uint32_t> receive() { return victim_.receive(view(buffer_), short_timeout); }
};

TEST_F(MaliciousPeer, ForgedSequenceNumber) {
    forge(region_, 0, {.seq = 5, .flags = start | end, .length = 1, .total = 1});
    EXPECT_EQ(receive().error(), Errc::proto);
    expect_broken(victim_);
}

TEST_F(MaliciousPeer, SlotLongerThanItsCapacity) {
    forge(region_, 0, {.seq = 1, .flags = start | end, .length = slot_size + 1,
                       .total = slot_size + 1});
    EXPECT_EQ(receive().error(), Errc::proto);
    expect_broken(victim_);
}

TEST_F(MaliciousPeer, HugeLengthNeverReachesMemcpy) {
    forge(region_, 0, {.seq = 1, .flags = start | end, .length = 0xFFFFFFF0u,
                       .total = 0xFFFFFFF0u});
    EXPECT_EQ(receive().error(), Errc::proto);
}

TEST_F(MaliciousPeer, HugeTotalIsTooBigForTheBufferNotAProtocolError) {
    forge(region_, 0, {.seq = 1, .flags = start, .length = slot_size, .total = 0xFFFFFFFFu});
    EXPECT_EQ(receive().error(), Errc::msgsize);
    EXPECT_FALSE(victim_.broken());
    // Dropping it waits for slots that never come: the deadline ends it.
    EXPECT_EQ(victim_.discard(short_timeout).error(), Errc::timedout);
}

TEST_F(MaliciousPeer, AckForSlotsNeverSent) {
    forge(region_, 0, {.seq = 1, .flags = start | end, .length = 1, .total = 1, .ack = 1});
    EXPECT_EQ(receive().error(), Errc::proto);
    expect_broken(victim_);
}

TEST_F(MaliciousPeer, ConsumedCountAheadOfWhatWasSent) {
    std::vector<uint8_t> message(10, 1);
    ASSERT_TRUE(victim_.send(view(message), 0).ok());
    region_.control(peer_side)->consumed = 7;  // only 1 slot exists
    EXPECT_EQ(victim_.send(view(message), short_timeout).error(), Errc::proto);
    expect_broken(victim_);
}

TEST_F(MaliciousPeer, ConsumedCountGoingBackwards) {
    std::vector<uint8_t> message(10, 1);
    ASSERT_TRUE(victim_.send(view(message), 0).ok());
    region_.control(peer_side)->consumed = 1;  // honest
    ASSERT_TRUE(victim_.send(view(message), 0).ok());
    region_.control(peer_side)->consumed = 0;  // takes it back
    EXPECT_EQ(victim_.send(view(message), short_timeout).error(), Errc::proto);
}

TEST_F(MaliciousPeer, ReplayInSingleSlotLooksLikeNothingNew) {
    // With one slot, re-publishing the last seq is indistinguishable from
    // "no new slot yet": the receiver waits and times out, unharmed.
    forge(region_, 0, {.seq = 1, .flags = start | end, .length = 3, .total = 3});
    ASSERT_TRUE(receive().ok());
    forge(region_, 0, {.seq = 1, .flags = start | end, .length = 3, .total = 3});
    EXPECT_EQ(receive().error(), Errc::timedout);
    EXPECT_FALSE(victim_.broken());
    forge(region_, 0, {.seq = 0, .flags = start | end, .length = 3, .total = 3});  // older
    EXPECT_EQ(receive().error(), Errc::proto);
}

TEST(MaliciousPeerRing, ReplayedSequenceNumber) {
    Region region(make_geometry(64, 4).value_or(Geometry{64, 1}));
    SteppingClock clock;
    Endpoint victim = open_or_die(region, Side::zero, clock);
    std::vector<uint8_t> buffer(64);
    forge(region, 0, {.seq = 1, .flags = start | end, .length = 3, .total = 3});
    ASSERT_TRUE(victim.receive(view(buffer), short_timeout).ok());
    forge(region, 1, {.seq = 1, .flags = start | end, .length = 3, .total = 3});  // replay
    EXPECT_EQ(victim.receive(view(buffer), short_timeout).error(), Errc::proto);
}

struct BadSequence {
    const char* name;
    std::vector<ForgedSlot> slots;  // published one after the other
};

void PrintTo(const BadSequence& s, std::ostream* os) { *os << s.name; }

class MaliciousFraming : public ::testing::TestWithParam<BadSequence> {};

TEST_P(MaliciousFraming, IsAProtocolError) {
    Region region(make_geometry(64, 1).value_or(Geometry{64, 1}));
    SteppingClock clock;
    Endpoint victim = open_or_die(region, Side::zero, clock);
    std::vector<uint8_t> buffer(1024);
    const auto& slots = GetParam().slots;
    for (size_t i = 0; i < slots.size(); ++i) {
        forge(region, 0, slots[i]);
        auto receipt = victim.try_receive_slot(view(buffer));
        if (i + 1 < slots.size()) {
            ASSERT_TRUE(receipt.ok()) << "slot " << i << " should be acceptable";
        } else {
            EXPECT_EQ(receipt.error(), Errc::proto);
        }
    }
    EXPECT_TRUE(victim.broken());
}

INSTANTIATE_TEST_SUITE_P(
    Framing, MaliciousFraming,
    ::testing::Values(
        BadSequence{"first_slot_without_start", {{1, end, 5, 5}}},
        BadSequence{"unknown_flag", {{1, start | end | 0x4, 5, 5}}},
        BadSequence{"start_inside_transaction", {{1, start, 64, 100}, {2, start, 36, 100}}},
        BadSequence{"short_slot_without_end", {{1, start, 10, 100}}},
        BadSequence{"end_before_total", {{1, start | end, 10, 20}}},
        BadSequence{"full_total_without_end", {{1, start, 64, 64}}},
        BadSequence{"total_changes", {{1, start, 64, 100}, {2, end, 36, 101}}},
        BadSequence{"past_total", {{1, start, 64, 100}, {2, end, 64, 100}}},
        BadSequence{"skipped_sequence", {{1, start, 64, 200}, {3, 0, 64, 200}}}),
    [](const ::testing::TestParamInfo<BadSequence>& info) { return std::string(info.param.name); });

TEST(DeadPeer, ReceiveTimesOut) {
    Region region(make_geometry(64, 1).value_or(Geometry{64, 1}));
    SteppingClock clock;
    Endpoint victim = open_or_die(region, Side::zero, clock);
    std::vector<uint8_t> buffer(64);
    const uint64_t before = clock.readings();
    EXPECT_EQ(victim.receive(view(buffer), 1000).error(), Errc::timedout);
    // It gave up at the deadline: about one clock reading per look.
    EXPECT_LE(clock.readings() - before, 1002u);
    EXPECT_FALSE(victim.broken());
}

TEST(DeadPeer, SendTimesOutOnceTheSlotIsFull) {
    Region region(make_geometry(64, 1).value_or(Geometry{64, 1}));
    SteppingClock clock;
    Endpoint victim = open_or_die(region, Side::zero, clock);
    std::vector<uint8_t> message(64, 7);
    ASSERT_TRUE(victim.send(view(message), 1000).ok());
    EXPECT_EQ(victim.send(view(message), 1000).error(), Errc::timedout);
    std::vector<uint8_t> big(1000, 7);  // several slots; the peer takes none
    EXPECT_EQ(victim.send(view(big), 1000).error(), Errc::timedout);
    EXPECT_FALSE(victim.broken());
}

TEST(DeadPeer, DoorbellSleeperStillHonoursItsDeadline) {
    Region region(make_geometry(64, 1).value_or(Geometry{64, 1}));
    SteppingClock clock(10);
    class NeverRings final : public Doorbell {
    public:
        void ring_peer() override {}
        void wait(uint64_t) override { ++waits; }  // returns "early", as allowed
        int waits = 0;
    } bell;
    Endpoint victim = open_or_die(region, Side::zero, clock, &bell);
    std::vector<uint8_t> buffer(64);
    EXPECT_EQ(victim.receive(view(buffer), 1000).error(), Errc::timedout);
    EXPECT_GT(bell.waits, 0);
    EXPECT_EQ(region.control(victim_side)->wake_on_data, 0u);  // request withdrawn
}

// Random peer sections: whatever they hold, every call returns one of the
// documented results, sizes fit the buffer and nothing is written past it.
TEST(MaliciousPeerRandom, GarbageNeverCrashesOrOverflows) {
    std::mt19937_64 random(20240611);
    for (uint32_t slot_count : {1u, 4u}) {
        Region region(make_geometry(64, slot_count).value_or(Geometry{64, 1}));
        SteppingClock clock;
        std::optional<Endpoint> victim;
        constexpr size_t capacity = 200, canary = 64;
        std::vector<uint8_t> buffer(capacity + canary, 0xCC);
        std::vector<uint8_t> outgoing(150, 0x11);
        for (int round = 0; round < 3000; ++round) {
            if (!victim || victim->broken() || round % 50 == 0) {
                ASSERT_TRUE(format_channel(region.span(), region.geometry()).ok());
                victim.emplace(open_or_die(region, Side::zero, clock));
            }
            // Scribble on the peer's control line and some of its slots;
            // often with plausible values so validation goes deep.
            auto* control = region.control(peer_side);
            control->consumed = random() % 4 == 0 ? static_cast<uint32_t>(random()) : round % 3;
            for (uint32_t index = 0; index < slot_count; ++index) {
                auto* header = region.slot(peer_side, index);
                const uint64_t r = random();
                header->seq = r % 3 == 0 ? static_cast<uint32_t>(random()) : index + 1 + (r % 2);
                header->flags = static_cast<uint32_t>(random() % 8);
                header->length = random() % 2 ? static_cast<uint32_t>(random() % 130)
                                              : static_cast<uint32_t>(random());
                header->total = random() % 2 ? static_cast<uint32_t>(random() % 300)
                                             : static_cast<uint32_t>(random());
                header->ack = static_cast<uint32_t>(random() % 3);
            }
            switch (random() % 4) {
            case 0: {
                auto r = victim->try_receive_slot({buffer.data(), capacity});
                if (r.ok()) {
                    EXPECT_LE(r->received, capacity);
                } else {
                    EXPECT_TRUE(r.error() == Errc::again || r.error() == Errc::proto ||
                                r.error() == Errc::msgsize || r.error() == Errc::busy)
                        << errc_name(r.error());
                }
                break;
            }
            case 1: {
                auto r = victim->receive({buffer.data(), capacity}, 20);
                if (r.ok()) {
                    EXPECT_LE(*r, capacity);
                } else {
                    EXPECT_TRUE(r.error() == Errc::timedout || r.error() == Errc::proto ||
                                r.error() == Errc::msgsize || r.error() == Errc::busy)
                        << errc_name(r.error());
                }
                break;
            }
            case 2: {
                auto r = victim->send(view(outgoing), 20);
                if (!r.ok()) {
                    EXPECT_TRUE(r.error() == Errc::timedout || r.error() == Errc::proto)
                        << errc_name(r.error());
                }
                break;
            }
            default: {
                auto r = victim->next_transaction_size();
                if (!r.ok()) {
                    EXPECT_TRUE(r.error() == Errc::again || r.error() == Errc::proto)
                        << errc_name(r.error());
                }
            }
            }
            if (victim->broken()) {
                EXPECT_EQ(victim->next_transaction_size().error(), Errc::proto);
            }
            for (size_t i = capacity; i < buffer.size(); ++i)
                ASSERT_EQ(buffer[i], 0xCC) << "wrote past the buffer in round " << round;
        }
    }
}

// A peer that keeps changing a published header while it is being read. An
// endpoint that read a field twice (check one value, use another) would copy
// past the 32-byte buffer; ours reads each field once.
TEST(MaliciousPeerConcurrent, HeaderChangingUnderTheReader) {
    constexpr uint32_t honest = 32;
    constexpr size_t canary = 4096;
    Region region(make_geometry(4096, 1).value_or(Geometry{64, 1}));
    SteadyClock clock;
    for (int round = 0; round < 200; ++round) {
        ASSERT_TRUE(format_channel(region.span(), region.geometry()).ok());
        Endpoint victim = open_or_die(region, Side::zero, clock);
        std::atomic<bool> stop{false};
        auto* header = region.slot(peer_side, 0);
        std::memset(region.payload(peer_side, 0), 0x5A, 4096);
        std::atomic_ref<uint32_t>(header->flags).store(start | end);
        std::atomic_ref<uint32_t>(header->length).store(honest);
        std::atomic_ref<uint32_t>(header->total).store(honest);
        std::atomic_ref<uint32_t>(header->seq).store(1, std::memory_order_release);
        std::thread flipper([&] {
            std::atomic_ref<uint32_t> length(header->length), total(header->total);
            for (uint32_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
                const bool lie = i % 2 != 0;
                length.store(lie ? 4096 : honest, std::memory_order_relaxed);
                total.store(lie ? 4096 : honest, std::memory_order_relaxed);
            }
        });
        std::vector<uint8_t> buffer(honest + canary, 0xCC);
        auto receive_once = [&]() -> Result<SlotReceipt> {
            for (;;) {
                auto r = victim.try_receive_slot({buffer.data(), honest});
                if (r.ok() || r.error() != Errc::again)
                    return r;
            }
        };
        auto receipt = receive_once();
        stop.store(true);
        flipper.join();
        if (receipt.ok()) {
            EXPECT_EQ(receipt->transaction_size, honest);
        } else {
            EXPECT_TRUE(receipt.error() == Errc::msgsize || receipt.error() == Errc::proto);
        }
        for (size_t i = honest; i < buffer.size(); ++i)
            ASSERT_EQ(buffer[i], 0xCC) << "overflow in round " << round;
    }
}

}  // namespace
}  // namespace bh::ipc::test
