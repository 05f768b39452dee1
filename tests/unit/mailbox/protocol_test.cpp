// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The mailbox protocol with both endpoints on one thread: layout, opening,
// framing, partial progress, ring mode, doorbell requests, counter wrap.
#include <gtest/gtest.h>

#include <bh/kconfig.h>

#include "channel_test_support.h"

namespace bh::ipc::test {
namespace {

constexpr uint64_t no_wait = 0;
constexpr uint32_t side0 = BH_MAILBOX_SIDE_0;
constexpr uint32_t side1 = BH_MAILBOX_SIDE_1;

Geometry geometry(uint32_t slot_size, uint32_t slot_count = 1) {
    auto g = make_geometry(slot_size, slot_count);
    EXPECT_TRUE(g.ok());
    return g.value_or(Geometry{64, 1});
}

TEST(MailboxLayout, AbiOffsetsAndSizes) {
    EXPECT_EQ(sizeof(bh_mailbox_header), 64u);
    EXPECT_EQ(sizeof(bh_mailbox_control), 64u);
    EXPECT_EQ(sizeof(bh_mailbox_slot_header), 64u);
    EXPECT_EQ(offsetof(bh_mailbox_slot_header, seq), 0u);
    EXPECT_EQ(offsetof(bh_mailbox_slot_header, ack), 16u);
    // One 4 KiB slot: header page, then per side control + slot header +
    // 4 KiB payload rounded up to two pages.
    EXPECT_EQ(bh_mailbox_section_size(4096, 1), 8192u);
    EXPECT_EQ(bh_mailbox_region_size(4096, 1), 4096u + 2 * 8192u);
    EXPECT_EQ(bh_mailbox_section_size(64, 1), 4096u);
    // Slot headers 128-byte aligned: stride 64 + B rounded up to 128.
    EXPECT_EQ(bh_mailbox_slot_offset(4096, 0), 128u);
    EXPECT_EQ(bh_mailbox_slot_offset(4096, 3), 128u + 3 * 4224u);
    EXPECT_EQ(bh_mailbox_slot_offset(64, 5), 128u + 5 * 128u);
    EXPECT_EQ(bh_mailbox_slot_offset(192, 1), 128u + 256u);
    EXPECT_EQ(bh_mailbox_section_size(4096, 16), 69632u);  // 128 + 16 * 4224 -> 17 pages
}

TEST(MailboxLayout, GeometryValidation) {
    auto default_geometry = make_geometry(0);
    ASSERT_TRUE(default_geometry.ok());
    EXPECT_EQ(default_geometry->slot_size, kconfig::mailbox_slot_size);
    EXPECT_EQ(default_geometry->slot_count, 1u);
    EXPECT_TRUE(make_geometry(64, 64).ok());
    EXPECT_EQ(make_geometry(32).error(), Errc::inval);       // below one line
    EXPECT_EQ(make_geometry(100).error(), Errc::inval);      // not whole lines
    EXPECT_EQ(make_geometry(BH_MAILBOX_MAX_SLOT_SIZE + 64).error(), Errc::inval);
    EXPECT_EQ(make_geometry(64, 0).error(), Errc::inval);
    EXPECT_EQ(make_geometry(64, 3).error(), Errc::inval);    // not a power of two
    EXPECT_EQ(make_geometry(64, 128).error(), Errc::inval);
}

TEST(MailboxOpen, RefusesBadRegionsAndHeaders) {
    SteppingClock clock;
    Region region(geometry(256));
    const EndpointOptions options = region.options();

    EXPECT_EQ(Endpoint::open({region.data(), region.size() - 1}, Side::zero, clock, options)
                  .error(),
              Errc::inval);
    EXPECT_EQ(Endpoint::open({region.data() + 8, region.size() - 8}, Side::zero, clock, options)
                  .error(),
              Errc::inval);
    EXPECT_EQ(Endpoint::open({nullptr, region.size()}, Side::zero, clock, options).error(),
              Errc::inval);
    EXPECT_EQ(Endpoint::open(region.span(), static_cast<Side>(2), clock, options).error(),
              Errc::inval);
    // Configured geometry differs from the channel's header.
    EXPECT_EQ(Endpoint::open(region.span(), Side::zero, clock, EndpointOptions{128, 1}).error(),
              Errc::proto);
    EXPECT_EQ(Endpoint::open(region.span(), Side::zero, clock, EndpointOptions{256, 2}).error(),
              Errc::proto);  // fits the region, but the channel has one slot
    EXPECT_EQ(Endpoint::open(region.span(), Side::zero, clock, EndpointOptions{256, 16}).error(),
              Errc::inval);  // a ring of 16 needs a bigger region than this one

    auto* header = reinterpret_cast<bh_mailbox_header*>(region.data());
    header->version = BH_MAILBOX_VERSION + 1;
    EXPECT_EQ(Endpoint::open(region.span(), Side::zero, clock, options).error(), Errc::proto);
    header->version = BH_MAILBOX_VERSION;
    header->section_size += BH_MAILBOX_PAGE_SIZE;
    EXPECT_EQ(Endpoint::open(region.span(), Side::zero, clock, options).error(), Errc::proto);
    header->section_size -= BH_MAILBOX_PAGE_SIZE;
    header->magic ^= 1;
    EXPECT_EQ(Endpoint::open(region.span(), Side::zero, clock, options).error(), Errc::proto);
    header->magic = 0;  // not formatted (yet)
    EXPECT_EQ(Endpoint::open(region.span(), Side::zero, clock, options).error(), Errc::again);
    ASSERT_TRUE(format_channel(region.span(), region.geometry()).ok());
    EXPECT_TRUE(Endpoint::open(region.span(), Side::zero, clock, options).ok());
}

TEST(MailboxOpen, FormatRefusesBadInput) {
    Region region(geometry(64), false);
    EXPECT_EQ(format_channel(region.span(), Geometry{64, 3}).error(), Errc::inval);
    EXPECT_EQ(format_channel({region.data(), region.size() - 1}, region.geometry()).error(),
              Errc::inval);
    ASSERT_TRUE(format_channel(region.span(), region.geometry()).ok());
    const auto* header = reinterpret_cast<const bh_mailbox_header*>(region.data());
    EXPECT_EQ(header->magic, BH_MAILBOX_MAGIC);
    EXPECT_EQ(header->slot_size, 64u);
    EXPECT_EQ(header->section_size, 4096u);
}

TEST(MailboxProtocol, SingleSlotTransactionBothWays) {
    SteppingClock clock;
    Region region(geometry(4096));
    Endpoint a = open_or_die(region, Side::zero, clock);
    Endpoint b = open_or_die(region, Side::one, clock);

    const auto request = pattern(1, 100);
    ASSERT_TRUE(a.send(view(request), no_wait).ok());
    EXPECT_EQ(region.slot(side0, 0)->seq, 1u);
    EXPECT_EQ(region.slot(side0, 0)->flags, BH_MAILBOX_SLOT_START | BH_MAILBOX_SLOT_END);
    // The slot is full: a second transaction has to wait for the receiver.
    EXPECT_EQ(a.send(view(request), no_wait).error(), Errc::timedout);

    std::vector<uint8_t> buffer(4096);
    auto size = b.receive(view(buffer), no_wait);
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size, 100u);
    EXPECT_TRUE(std::equal(request.begin(), request.end(), buffer.begin()));
    EXPECT_EQ(region.control(side1)->consumed, 1u);
    EXPECT_EQ(b.receive(view(buffer), no_wait).error(), Errc::timedout);

    const auto reply = pattern(2, 4096);  // exactly one full slot
    ASSERT_TRUE(b.send(view(reply), no_wait).ok());
    EXPECT_EQ(region.slot(side1, 0)->ack, 1u);  // b's consumed count rides along
    auto reply_size = a.receive(view(buffer), no_wait);
    ASSERT_TRUE(reply_size.ok());
    EXPECT_EQ(*reply_size, 4096u);
    EXPECT_EQ(buffer, reply);
}

TEST(MailboxProtocol, MultiSlotTransactionStepBySlot) {
    SteppingClock clock;
    Region region(geometry(64));
    Endpoint a = open_or_die(region, Side::zero, clock);
    Endpoint b = open_or_die(region, Side::one, clock);

    const auto message = pattern(3, 64 * 3 + 10);  // 4 slots, the last with 10 bytes
    std::vector<uint8_t> buffer(message.size());
    for (uint32_t slot = 0; slot < 4; ++slot) {
        auto sent = a.try_send_slot(view(message));
        ASSERT_TRUE(sent.ok()) << slot;
        EXPECT_EQ(*sent, slot == 3 ? SlotProgress::complete : SlotProgress::partial);
        EXPECT_EQ(a.try_send_slot(view(message)).error(), Errc::again);  // single slot

        const uint32_t flags = region.slot(side0, 0)->flags;
        EXPECT_EQ((flags & BH_MAILBOX_SLOT_START) != 0, slot == 0);
        EXPECT_EQ((flags & BH_MAILBOX_SLOT_END) != 0, slot == 3);
        EXPECT_EQ(region.slot(side0, 0)->length, slot == 3 ? 10u : 64u);
        EXPECT_EQ(region.slot(side0, 0)->total, message.size());

        auto receipt = b.try_receive_slot(view(buffer));
        ASSERT_TRUE(receipt.ok()) << slot;
        EXPECT_EQ(receipt->transaction_size, message.size());
        EXPECT_EQ(receipt->received, slot == 3 ? message.size() : (slot + 1) * 64u);
        EXPECT_EQ(receipt->progress, slot == 3 ? SlotProgress::complete : SlotProgress::partial);
        EXPECT_EQ(b.try_receive_slot(view(buffer)).error(), Errc::again);
    }
    EXPECT_EQ(buffer, message);
}

TEST(MailboxProtocol, EmptyTransactionTakesOneSlot) {
    SteppingClock clock;
    Region region(geometry(64));
    Endpoint a = open_or_die(region, Side::zero, clock);
    Endpoint b = open_or_die(region, Side::one, clock);
    ASSERT_TRUE(a.send(ConstBytes{}, no_wait).ok());
    EXPECT_EQ(region.slot(side0, 0)->length, 0u);
    auto size = b.receive(MutableBytes{}, no_wait);
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size, 0u);
}

TEST(MailboxProtocol, TooSmallBufferConsumesNothing) {
    SteppingClock clock;
    Region region(geometry(64));
    Endpoint a = open_or_die(region, Side::zero, clock);
    Endpoint b = open_or_die(region, Side::one, clock);
    const auto message = pattern(4, 50);
    ASSERT_TRUE(a.send(view(message), no_wait).ok());

    std::vector<uint8_t> small(49), fitting(50);
    EXPECT_EQ(b.receive(view(small), no_wait).error(), Errc::msgsize);
    EXPECT_EQ(region.control(side1)->consumed, 0u);
    EXPECT_FALSE(b.broken());
    auto size = b.next_transaction_size();
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size, 50u);
    ASSERT_TRUE(b.receive(view(fitting), no_wait).ok());
    EXPECT_EQ(fitting, message);
    EXPECT_EQ(b.next_transaction_size().error(), Errc::again);
}

TEST(MailboxProtocol, DiscardDropsATransaction) {
    SteppingClock clock;
    Region region(geometry(64));
    Endpoint a = open_or_die(region, Side::zero, clock);
    Endpoint b = open_or_die(region, Side::one, clock);
    const auto dropped = pattern(5, 130), kept = pattern(6, 20);
    std::vector<uint8_t> buffer(200);

    // Slots go one at a time through the single slot: interleave.
    ASSERT_EQ(*a.try_send_slot(view(dropped)), SlotProgress::partial);
    ASSERT_TRUE(b.try_receive_slot(view(buffer)).ok());  // start receiving it...
    ASSERT_EQ(*a.try_send_slot(view(dropped)), SlotProgress::partial);
    EXPECT_EQ(b.discard(no_wait).error(), Errc::timedout);  // ...then drop it
    ASSERT_EQ(*a.try_send_slot(view(dropped)), SlotProgress::complete);
    EXPECT_EQ(b.receive(view(buffer), no_wait).error(), Errc::busy);  // drop in progress
    auto size = b.discard(no_wait);
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size, 130u);

    ASSERT_TRUE(a.send(view(kept), no_wait).ok());
    auto kept_size = b.receive(view(buffer), no_wait);
    ASSERT_TRUE(kept_size.ok());
    EXPECT_EQ(*kept_size, 20u);
    EXPECT_TRUE(std::equal(kept.begin(), kept.end(), buffer.begin()));
}

TEST(MailboxProtocol, TimedOutSendResumesWithTheSameBytesOnly) {
    SteppingClock clock;
    Region region(geometry(64));
    Endpoint a = open_or_die(region, Side::zero, clock);
    Endpoint b = open_or_die(region, Side::one, clock);
    const auto message = pattern(7, 150), other = pattern(8, 150);
    std::vector<uint8_t> buffer(150);

    EXPECT_EQ(a.send(view(message), 100).error(), Errc::timedout);  // first slot went out
    EXPECT_EQ(a.send(view(other), 100).error(), Errc::busy);        // may not interleave
    for (int slot = 0; slot < 3; ++slot) {
        auto receipt = b.try_receive_slot(view(buffer));
        ASSERT_TRUE(receipt.ok()) << slot;
        EXPECT_EQ(receipt->progress, slot == 2 ? SlotProgress::complete : SlotProgress::partial);
        if (slot < 2) {
            EXPECT_EQ(a.send(view(message), 100).ok(), slot == 1) << slot;
        }
    }
    EXPECT_EQ(buffer, message);
    auto fresh = a.try_send_slot(view(other));  // a new transaction now
    ASSERT_TRUE(fresh.ok());
    EXPECT_EQ(*fresh, SlotProgress::partial);
}

TEST(MailboxProtocol, TimedOutReceiveResumesIntoTheSameBuffer) {
    SteppingClock clock;
    Region region(geometry(64));
    Endpoint a = open_or_die(region, Side::zero, clock);
    Endpoint b = open_or_die(region, Side::one, clock);
    const auto message = pattern(9, 100);
    std::vector<uint8_t> buffer(100), other(100);

    ASSERT_EQ(*a.try_send_slot(view(message)), SlotProgress::partial);
    EXPECT_EQ(b.receive(view(buffer), 50).error(), Errc::timedout);
    ASSERT_EQ(*a.try_send_slot(view(message)), SlotProgress::complete);
    EXPECT_EQ(b.receive(view(other), 50).error(), Errc::busy);
    EXPECT_EQ(b.receive({buffer.data(), 99}, 50).error(), Errc::busy);  // shrunk
    auto size = b.receive(view(buffer), 50);
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(buffer, message);
}

TEST(MailboxProtocol, RingModeRunsAhead) {
    SteppingClock clock;
    Region region(geometry(64, 4));
    Endpoint a = open_or_die(region, Side::zero, clock);
    Endpoint b = open_or_die(region, Side::one, clock);
    std::vector<std::vector<uint8_t>> messages;
    for (uint64_t i = 0; i < 4; ++i)
        messages.push_back(pattern(10 + i, 10 + i));
    for (const auto& m : messages)
        ASSERT_TRUE(a.send(view(m), no_wait).ok());  // four slots, nobody reading
    // A send that got no slot out leaves no transaction behind (big below is
    // not refused as busy).
    EXPECT_EQ(a.send(view(messages[0]), no_wait).error(), Errc::timedout);

    const auto big = pattern(20, 64 * 6);  // more slots than the ring holds
    std::vector<uint8_t> buffer(64 * 6);
    for (const auto& m : messages) {
        auto size = b.receive(view(buffer), no_wait);
        ASSERT_TRUE(size.ok());
        ASSERT_EQ(*size, m.size());
        EXPECT_TRUE(std::equal(m.begin(), m.end(), buffer.begin()));
    }
    EXPECT_EQ(a.send(view(big), no_wait).error(), Errc::timedout);  // 4 of 6 slots out
    EXPECT_EQ(b.receive(view(buffer), no_wait).error(), Errc::timedout);
    ASSERT_TRUE(a.send(view(big), no_wait).ok());
    ASSERT_TRUE(b.receive(view(buffer), no_wait).ok());
    EXPECT_EQ(buffer, big);
}

TEST(MailboxProtocol, ReopenedEndpointsResume) {
    SteppingClock clock;
    Region region(geometry(64, 2));
    const auto first = pattern(30, 70), second = pattern(31, 5);
    std::vector<uint8_t> buffer(70);
    {
        Endpoint a = open_or_die(region, Side::zero, clock);
        Endpoint b = open_or_die(region, Side::one, clock);
        ASSERT_TRUE(a.send(view(first), no_wait).ok());
        ASSERT_TRUE(b.receive(view(buffer), no_wait).ok());
        ASSERT_TRUE(a.send(view(second), no_wait).ok());  // left in the ring
    }
    Endpoint a = open_or_die(region, Side::zero, clock);
    Endpoint b = open_or_die(region, Side::one, clock);
    auto size = b.receive(view(buffer), no_wait);
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size, 5u);
    EXPECT_TRUE(std::equal(second.begin(), second.end(), buffer.begin()));
    ASSERT_TRUE(a.send(view(first), no_wait).ok());
    ASSERT_TRUE(b.receive(view(buffer), no_wait).ok());
    EXPECT_EQ(buffer, first);
}

// Positions are 32-bit and wrap; the ring index and the "previous lap" value
// must stay right across the wrap.
TEST(MailboxProtocol, CountersWrapAround) {
    for (uint32_t slot_count : {1u, 4u}) {
        SteppingClock clock;
        Region region(geometry(64, slot_count));
        const uint32_t start = UINT32_MAX - 5;  // as if 2^32 - 6 slots went before
        for (uint32_t side : {side0, side1}) {
            region.control(side)->consumed = start;
            for (uint32_t p = start - slot_count; p != start; ++p)
                region.slot(side, p & (slot_count - 1))->seq = p + 1;
        }
        Endpoint a = open_or_die(region, Side::zero, clock);
        Endpoint b = open_or_die(region, Side::one, clock);
        std::vector<uint8_t> buffer(256);
        for (uint64_t i = 0; i < 8; ++i) {
            const auto message = pattern(40 + i, 1 + 30 * i);  // 1 to 4 slots
            bool sent_all = false;
            for (;;) {
                if (!sent_all) {
                    auto sent = a.try_send_slot(view(message));
                    ASSERT_TRUE(sent.ok() || sent.error() == Errc::again);
                    sent_all = sent.ok() && *sent == SlotProgress::complete;
                }
                auto got = b.try_receive_slot(view(buffer));
                ASSERT_TRUE(got.ok() || got.error() == Errc::again)
                    << errc_name(got.error()) << " slot_count " << slot_count << " i " << i;
                if (got.ok() && got->progress == SlotProgress::complete)
                    break;
            }
            EXPECT_TRUE(sent_all);
            EXPECT_TRUE(std::equal(message.begin(), message.end(), buffer.begin())) << i;
        }
        EXPECT_LT(region.control(side1)->consumed, 100u);  // wrapped past zero
    }
}

// A test doorbell that records what the endpoint asked for.
class RecordingDoorbell final : public Doorbell {
public:
    RecordingDoorbell(Region& region, uint32_t own_side) : region_(region), side_(own_side) {}
    void ring_peer() override { ++rings; }
    void wait(uint64_t) override {
        ++waits;
        const auto* control = region_.control(side_);
        armed_when_waiting = control->wake_on_data != 0 || control->wake_on_space != 0;
    }
    int rings = 0;
    int waits = 0;
    bool armed_when_waiting = false;

private:
    Region& region_;
    uint32_t side_;
};

TEST(MailboxDoorbell, RingsOnlyWhenThePeerAsked) {
    SteppingClock clock;
    Region region(geometry(64));
    RecordingDoorbell bell_a(region, side0), bell_b(region, side1);
    Endpoint a = open_or_die(region, Side::zero, clock, &bell_a);
    Endpoint b = open_or_die(region, Side::one, clock, &bell_b);
    const auto message = pattern(50, 10);
    std::vector<uint8_t> buffer(10);

    ASSERT_TRUE(a.send(view(message), no_wait).ok());
    EXPECT_EQ(bell_a.rings, 0);  // b is not waiting

    // b waits for data: it asks for a doorbell before it sleeps, withdraws
    // the request when it gives up.
    ASSERT_TRUE(b.receive(view(buffer), no_wait).ok());
    EXPECT_EQ(b.receive(view(buffer), 10).error(), Errc::timedout);
    EXPECT_GT(bell_b.waits, 0);
    EXPECT_TRUE(bell_b.armed_when_waiting);
    EXPECT_EQ(region.control(side1)->wake_on_data, 0u);

    region.control(side1)->wake_on_data = 1;  // as b does while it sleeps
    ASSERT_TRUE(a.send(view(message), no_wait).ok());
    EXPECT_EQ(bell_a.rings, 1);
    region.control(side1)->wake_on_data = 0;

    region.control(side0)->wake_on_space = 1;  // a sleeps until the slot frees
    ASSERT_TRUE(b.receive(view(buffer), no_wait).ok());
    EXPECT_EQ(bell_b.rings, 1);
}

TEST(MailboxDoorbell, SleepingReceiverIsWokenBySend) {
    SteppingClock clock(1000);
    Region region(geometry(64));
    // a's doorbell wait delivers a's pending send from inside b's sleep: the
    // ring must come from the send itself because b asked for it.
    class SendWhileAsleep final : public Doorbell {
    public:
        Endpoint* sender = nullptr;
        ConstBytes message;
        void ring_peer() override {}
        void wait(uint64_t) override {
            if (sender != nullptr && sender->send(message, 0).ok())
                sender = nullptr;
        }
    } bell_b;
    class CountingDoorbell final : public Doorbell {
    public:
        int rings = 0;
        void ring_peer() override { ++rings; }
        void wait(uint64_t) override {}
    } bell_a;
    Endpoint a = open_or_die(region, Side::zero, clock, &bell_a);
    Endpoint b = open_or_die(region, Side::one, clock, &bell_b);
    const auto message = pattern(51, 33);
    bell_b.sender = &a;
    bell_b.message = view(message);
    std::vector<uint8_t> buffer(33);
    auto size = b.receive(view(buffer), 1'000'000);
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(buffer, message);
    EXPECT_EQ(bell_a.rings, 1);
}

}  // namespace
}  // namespace bh::ipc::test
