// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The RTOS kernel's portable channel parts (inmates/rtos/ipc/channel_port):
// the channel boot argument, transfers in bounded steps as the kernel's
// system calls make them, the wake requests a blocking system call leaves
// for the peer, and what a misbehaving peer gets.
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include <bh/kconfig.h>
#include <ipc/channel_port.h>

#include "channel_test_support.h"

namespace bh::ipc::test {
namespace {

constexpr uint64_t kLow = 0x1000000;  // the kernel's RAM ends here in the test
constexpr uint64_t kHigh = 0x40000000;  // the user window starts here

// A step that must succeed: its outcome (the test fails otherwise).
StepResult must(const Result<StepResult>& r) {
    EXPECT_TRUE(r.ok()) << errc_name(r.error());
    return r.ok() ? *r : StepResult{Step::blocked, UINT32_MAX};
}

Result<ChannelSpec> parse(const std::string& text) {
    return parse_channel_spec(Str(text.data(), text.size()), kLow, kHigh);
}

TEST(ChannelSpec, ParsesTheConfigValues) {
    auto spec = parse("1,0x2000000,0x100000,4096,0x40");
    ASSERT_TRUE(spec.ok());
    EXPECT_EQ(spec->id, 1u);
    EXPECT_EQ(spec->address, 0x2000000u);
    EXPECT_EQ(spec->size, 0x100000u);
    EXPECT_EQ(spec->geometry.slot_size, 4096u);
    EXPECT_EQ(spec->geometry.slot_count, 64u);  // as bh_channel_geometry derives it for 1 MiB
    EXPECT_EQ(spec->vector, 0x40);

    auto no_vector = parse("7,33554432,65536,1024");
    ASSERT_TRUE(no_vector.ok());
    EXPECT_EQ(no_vector->id, 7u);
    EXPECT_EQ(no_vector->vector, 0);
    uint32_t r = 0;
    ASSERT_EQ(bh_channel_geometry(65536, 1024, &r), 0);
    EXPECT_EQ(no_vector->geometry.slot_count, r);

    auto default_slot = parse("2,0x2000000,0x100000,0");
    ASSERT_TRUE(default_slot.ok());
    EXPECT_EQ(default_slot->geometry.slot_size, kconfig::mailbox_slot_size);
}

TEST(ChannelSpec, RefusesEveryMalformedOrMisplacedSpec) {
    for (const char* bad : {
             "",                                        // nothing
             "1,0x2000000,0x100000",                    // no slot size
             "1,0x2000000,0x100000,4096,0x40,1",        // a field too many
             "1,0x2000000,0x100000,4096,",              // empty field
             ",0x2000000,0x100000,4096",                // empty id
             "1,0x2000000,0x100000,4096x",              // junk
             "-1,0x2000000,0x100000,4096",              // sign
             "1,0x,0x100000,4096",                      // no hex digits
             "1,0x2000000,0x100000,4096,7",             // exception vector
             "1,0x2000000,0x100000,4096,256",           // no such vector
             "4294967296,0x2000000,0x100000,4096",      // id beyond 32 bits
             "1,0x2000000,0x100000,4294967296",         // slot beyond 32 bits
             "1,99999999999999999999999,0x100000,4096", // overflow
             "1,0x2000800,0x100000,4096",               // not page aligned
             "1,0x2000000,0x100800,4096",               // not a page multiple
             "1,0x2000000,0,4096",                      // empty region
             "1,0x0,0x100000,4096",                     // inside the kernel's RAM
             "1,0xfff000,0x2000,4096",                  // overlapping its end
             "1,0x3ff00000,0x200000,4096",              // into the user window
             "1,0x40000000,0x100000,4096",              // in it
             "1,0xfffffffffffff000,0x2000,4096",        // wrapping around
             "1,0x2000000,0x2000,4096",                 // not even one slot of 4 KiB fits
             "1,0x2000000,0x100000,100",                // slot size not a line multiple
         }) {
        EXPECT_EQ(parse(bad).error(), Errc::inval) << '"' << bad << '"';
    }
}

// Two endpoints on one region: "kernel" is the RTOS's side, "peer" the
// root's, both driven by the test.
class ChannelPort : public ::testing::Test {
protected:
    static constexpr uint32_t B = 64;
    static constexpr uint32_t R = 8;
    Region region_{make_geometry(B, R).value_or(Geometry{B, 1})};
    SteppingClock clock_;
    DoorbellPair bells_;
    Endpoint kernel_ = open_or_die(region_, Side::one, clock_, &bells_.side(1));
    Endpoint peer_ = open_or_die(region_, Side::zero, clock_, &bells_.side(0));
};

TEST_F(ChannelPort, SendMovesAtMostTheQuotaPerStepAndResumes) {
    auto message = pattern(1, 5 * B);
    StepResult step = must(send_step(kernel_, view(message), 2 * B));
    EXPECT_EQ(step.step, Step::more);
    // Exactly two slots were published: the peer finds the third missing.
    std::vector<uint8_t> got(5 * B);
    for (int slot = 0; slot < 2; ++slot) {
        auto r = peer_.try_receive_slot(view(got));
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r->progress, SlotProgress::partial);
    }
    EXPECT_EQ(peer_.try_receive_slot(view(got)).error(), Errc::again);
    step = must(send_step(kernel_, view(message), 2 * B));
    EXPECT_EQ(step.step, Step::more);
    step = must(send_step(kernel_, view(message), 2 * B));
    EXPECT_EQ(step.step, Step::complete);
    EXPECT_EQ(step.size, 5 * B);
    auto rest = peer_.receive(view(got), 100);
    ASSERT_TRUE(rest.ok());
    EXPECT_EQ(*rest, 5 * B);
    EXPECT_EQ(got, message);
}

TEST_F(ChannelPort, AQuotaBelowOneSlotStillMovesOne) {
    auto message = pattern(2, 3 * B);
    for (int i = 0; i < 2; ++i) {
        StepResult step = must(send_step(kernel_, view(message), 1));
        EXPECT_EQ(step.step, Step::more);
    }
    StepResult step = must(send_step(kernel_, view(message), 1));
    EXPECT_EQ(step.step, Step::complete);
}

TEST_F(ChannelPort, SendBlocksOnAFullRingAndGoesOnWhenThePeerConsumes) {
    auto message = pattern(3, 20 * B + 5);  // 21 slots through a ring of 8
    std::vector<uint8_t> got(message.size());
    StepResult step = must(send_step(kernel_, view(message), SIZE_MAX));
    EXPECT_EQ(step.step, Step::blocked);
    bool done = false;
    uint32_t peer_size = 0;
    for (int round = 0; round < 10 && !done; ++round) {
        StepResult peer_step = must(receive_step(peer_, view(got), SIZE_MAX));
        if (peer_step.step == Step::complete)
            peer_size = peer_step.size;
        step = must(send_step(kernel_, view(message), SIZE_MAX));
        done = step.step == Step::complete;
    }
    ASSERT_TRUE(done);
    if (peer_size == 0) {
        StepResult last = must(receive_step(peer_, view(got), SIZE_MAX));
        ASSERT_EQ(last.step, Step::complete);
        peer_size = last.size;
    }
    EXPECT_EQ(peer_size, message.size());
    EXPECT_EQ(got, message);
}

TEST_F(ChannelPort, ReceiveOfNothingIsBlockedAndChangesNothing) {
    std::vector<uint8_t> buffer(B, 0x5a);
    StepResult step = must(receive_step(kernel_, view(buffer), SIZE_MAX));
    EXPECT_EQ(step.step, Step::blocked);
    EXPECT_EQ(buffer, std::vector<uint8_t>(B, 0x5a));
    EXPECT_EQ(kernel_.next_transaction_size().error(), Errc::again);
}

TEST_F(ChannelPort, ATooLargeTransactionIsRefusedUnconsumedThenDiscardedInSteps) {
    auto big = pattern(4, 12 * B);  // more than the ring: the peer blocks half-way
    ASSERT_EQ(send_step(peer_, view(big), SIZE_MAX)->step, Step::blocked);
    std::vector<uint8_t> small(100);
    EXPECT_EQ(receive_step(kernel_, view(small), SIZE_MAX).error(), Errc::msgsize);
    EXPECT_EQ(kernel_.next_transaction_size().value_or(0), 12 * B);  // still there
    EXPECT_FALSE(kernel_.broken());

    uint32_t dropped = 0;
    bool sent = false;
    for (int round = 0; round < 20 && dropped == 0; ++round) {
        StepResult step = must(discard_step(kernel_, 3 * B));
        if (round == 0) {
            EXPECT_EQ(step.step, Step::more);  // 3 of the 8 slots there, then the quota
        }
        if (step.step == Step::complete)
            dropped = step.size;
        if (!sent)  // the rest, as far as it fits
            sent = must(send_step(peer_, view(big), SIZE_MAX)).step == Step::complete;
    }
    EXPECT_EQ(dropped, 12 * B);
    // The next transaction arrives intact.
    auto next = pattern(5, 70);
    ASSERT_EQ(send_step(peer_, view(next), SIZE_MAX)->step, Step::complete);
    StepResult step = must(receive_step(kernel_, view(small), SIZE_MAX));
    EXPECT_EQ(step.step, Step::complete);
    EXPECT_EQ(step.size, 70u);
    EXPECT_TRUE(std::equal(next.begin(), next.end(), small.begin()));
}

TEST_F(ChannelPort, APartialReceiveContinuesOnlyIntoTheSameBuffer) {
    auto message = pattern(6, 4 * B);
    ASSERT_EQ(send_step(peer_, view(message), SIZE_MAX)->step, Step::complete);
    std::vector<uint8_t> a(4 * B), b(4 * B);
    StepResult step = must(receive_step(kernel_, view(a), B));
    EXPECT_EQ(step.step, Step::more);
    EXPECT_EQ(step.size, 4 * B);  // known from the first slot
    EXPECT_EQ(receive_step(kernel_, view(b), B).error(), Errc::busy);
    step = must(receive_step(kernel_, view(a), SIZE_MAX));
    EXPECT_EQ(step.step, Step::complete);
    EXPECT_EQ(a, message);
}

TEST_F(ChannelPort, WakeRequestsMakeThePeerRing) {
    std::vector<uint8_t> one(1, 'x');
    std::vector<uint8_t> buffer(B);
    // Without a request the peer does not ring for a slot.
    ASSERT_EQ(send_step(peer_, view(one), SIZE_MAX)->step, Step::complete);
    EXPECT_EQ(bells_.side(1).rings_received(), 0u);
    ASSERT_EQ(receive_step(kernel_, view(buffer), SIZE_MAX)->step, Step::complete);

    ASSERT_TRUE(kernel_.request_wake(Wake::on_data).ok());
    EXPECT_EQ(region_.control(BH_MAILBOX_SIDE_1)->wake_on_data, 1u);
    ASSERT_EQ(send_step(peer_, view(one), SIZE_MAX)->step, Step::complete);
    EXPECT_EQ(bells_.side(1).rings_received(), 1u);
    kernel_.cancel_wake();
    EXPECT_EQ(region_.control(BH_MAILBOX_SIDE_1)->wake_on_data, 0u);
    ASSERT_EQ(receive_step(kernel_, view(buffer), SIZE_MAX)->step, Step::complete);

    // A sender waiting for space asks to be rung when the peer consumes.
    auto big = pattern(7, (R + 1) * B);
    ASSERT_EQ(send_step(kernel_, view(big), SIZE_MAX)->step, Step::blocked);
    ASSERT_TRUE(kernel_.request_wake(Wake::on_space).ok());
    std::vector<uint8_t> got(big.size());
    ASSERT_TRUE(peer_.try_receive_slot(view(got)).ok());
    EXPECT_EQ(bells_.side(1).rings_received(), 2u);
    kernel_.cancel_wake();
}

TEST(ChannelPortNoDoorbell, AWakeRequestNeedsADoorbell) {
    Region region(make_geometry(64, 2).value_or(Geometry{64, 1}));
    SteppingClock clock;
    Endpoint endpoint = open_or_die(region, Side::one, clock);
    EXPECT_EQ(endpoint.request_wake(Wake::on_data).error(), Errc::inval);
    EXPECT_EQ(region.control(BH_MAILBOX_SIDE_1)->wake_on_data, 0u);
}

// The peer writes its slot headers directly: every step call answers
// proto, and nothing is written past the caller's buffer.
TEST_F(ChannelPort, AForgedSlotIsAnErrorForEveryKindOfStep) {
    bh_mailbox_slot_header* slot = region_.slot(BH_MAILBOX_SIDE_0, 0);
    slot->flags = BH_MAILBOX_SLOT_START | BH_MAILBOX_SLOT_END;
    slot->length = B + 1;  // longer than a slot
    slot->total = B + 1;
    std::atomic_ref<uint32_t>(slot->seq).store(1, std::memory_order_release);
    std::vector<uint8_t> buffer(2 * B + 16, 0xee);
    auto step = receive_step(kernel_, MutableBytes{buffer.data(), 2 * B}, SIZE_MAX);
    EXPECT_EQ(step.error(), Errc::proto);
    EXPECT_TRUE(kernel_.broken());
    EXPECT_EQ(buffer, std::vector<uint8_t>(2 * B + 16, 0xee));
    EXPECT_EQ(discard_step(kernel_, SIZE_MAX).error(), Errc::proto);
    auto message = pattern(8, 10);
    EXPECT_EQ(send_step(kernel_, view(message), SIZE_MAX).error(), Errc::proto);
}

TEST_F(ChannelPort, AForgedAckIsAnErrorForTheSender) {
    // The peer confirms slots this side never published.
    std::atomic_ref<uint32_t>(region_.control(BH_MAILBOX_SIDE_0)->consumed).store(100, std::memory_order_release);
    auto message = pattern(9, (R + 1) * B);  // needs the ack once the ring is full
    auto step = send_step(kernel_, view(message), SIZE_MAX);
    EXPECT_EQ(step.error(), Errc::proto);
}

}  // namespace
}  // namespace bh::ipc::test
