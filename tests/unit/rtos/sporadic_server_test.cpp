// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// One test (or a few) per corrected sporadic-server rule, on a server
// driven by hand. Budget C = 10, period T = 100 unless said otherwise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "sched/sporadic_server.h"
#include "test_rng.h"

namespace bh::rtos::sched {
namespace {

std::vector<Replenishment> chunks(const SporadicServer& s) {
    std::vector<Replenishment> out;
    for (uint32_t i = 0; i < s.replenishments().size(); ++i)
        out.push_back(s.replenishments()[i]);
    return out;
}

MATCHER_P2(Chunk, time, amount, "") { return arg.time == Time(time) && arg.amount == Duration(amount); }

SporadicServer make(Time now, Duration budget = 10, Duration period = 100, uint32_t limit = kMaxReplenishments) {
    auto s = SporadicServer::create({budget, period, limit}, now);
    EXPECT_TRUE(s.ok());
    return *s;
}

TEST(ReplenishmentQueue, KeepsReleaseOrderAndInsertionOrderForTies) {
    ReplenishmentQueue q;
    q.insert({30, 1});
    q.insert({10, 2});
    q.insert({30, 3});
    q.insert({20, 4});
    ASSERT_EQ(q.size(), 4u);
    EXPECT_EQ(q[0].amount, 2u);
    EXPECT_EQ(q[1].amount, 4u);
    EXPECT_EQ(q[2].amount, 1u);
    EXPECT_EQ(q[3].amount, 3u);
    q.erase(1);
    q.pop_front();
    EXPECT_EQ(q.front().amount, 1u);
    EXPECT_EQ(q[1].amount, 3u);
    // Wrap around the ring many times.
    for (uint32_t i = 0; i < 3 * ReplenishmentQueue::kCapacity; ++i) {
        q.pop_front();
        q.insert({100 + i, i});
        q.insert({100 + i, i});
        q.pop_front();
    }
    EXPECT_EQ(q.size(), 2u);
    EXPECT_LE(q[0].time, q[1].time);
}

TEST(SporadicServer, RejectsMalformedParameters) {
    EXPECT_EQ(SporadicServer::create({0, 100}, 0).error(), Errc::inval);
    EXPECT_EQ(SporadicServer::create({101, 100}, 0).error(), Errc::inval);
    EXPECT_EQ(SporadicServer::create({10, 100, 1}, 0).error(), Errc::inval);
    EXPECT_EQ(SporadicServer::create({10, 100, kMaxReplenishments + 1}, 0).error(), Errc::inval);
    EXPECT_TRUE(SporadicServer::create({100, 100, 2}, 0).ok());
}

TEST(SporadicServer, StartsWithTheWholeBudgetReleasedAtCreation) {
    const SporadicServer s = make(50);
    EXPECT_EQ(s.capacity(49), 0u);
    EXPECT_EQ(s.capacity(50), 10u);
    EXPECT_THAT(chunks(s), testing::ElementsAre(Chunk(50, 10)));
    EXPECT_EQ(s.next_replenishment(0), 50u);
    EXPECT_EQ(s.next_replenishment(50), kNever);
}

TEST(SporadicServer, PreemptionChargesWithoutTouchingTheQueue) {
    SporadicServer s = make(0);
    s.unblock(0);
    s.consume(4, 4, StopReason::preempted);
    EXPECT_EQ(s.capacity(4), 6u);
    EXPECT_EQ(s.usage(), 4u);
    EXPECT_THAT(chunks(s), testing::ElementsAre(Chunk(0, 10)));
}

// Budget-check: a used-up chunk comes back T after its own release time,
// not after the time it ran out.
TEST(SporadicServer, ExhaustedChunkReturnsOnePeriodAfterItsRelease) {
    SporadicServer s = make(0);
    s.unblock(5);                              // head released at 5
    s.consume(30, 4, StopReason::preempted);   // ran 26..30
    s.consume(60, 6, StopReason::preempted);   // ran 54..60: used up
    EXPECT_EQ(s.capacity(60), 0u);
    EXPECT_THAT(chunks(s), testing::ElementsAre(Chunk(105, 10)));
    EXPECT_EQ(s.next_replenishment(60), 105u);
    EXPECT_EQ(s.capacity(105), 10u);
}

TEST(SporadicServer, EachExhaustedChunkKeepsItsOwnReleaseTime) {
    SporadicServer s = make(0);
    s.unblock(0);
    s.consume(3, 3, StopReason::blocked);  // (0,7) (100,3)
    s.unblock(50);                         // (50,7) (100,3)
    s.consume(57, 7, StopReason::preempted);
    EXPECT_THAT(chunks(s), testing::ElementsAre(Chunk(100, 3), Chunk(150, 7)));
}

// Budget-check, overrun: the residual was used before the next chunk's
// release; that chunk is delayed by it and starts with it charged.
TEST(SporadicServer, OverrunDelaysTheNextChunkAndIsCharged) {
    SporadicServer s = make(0);
    s.unblock(0);
    s.consume(4, 4, StopReason::blocked);   // (0,6) (100,4)
    s.unblock(10);                          // (10,6) (100,4)
    s.consume(18, 8, StopReason::preempted);  // 6 allowed, 2 overrun
    EXPECT_THAT(chunks(s), testing::ElementsAre(Chunk(102, 4), Chunk(110, 6)));
    EXPECT_EQ(s.usage(), 2u);
    EXPECT_EQ(s.capacity(101), 0u);
    EXPECT_EQ(s.capacity(102), 2u);  // 4 - the 2 already used
    EXPECT_EQ(s.total_budget(), 10u);
}

TEST(SporadicServer, OverrunMergesWithAChunkItNowReaches) {
    // Chunks (100,4) and (103,6): the overrun delays the first to 102 with
    // 2 of it used; its remaining 2 last until 104 >= 103, so both merge.
    SporadicServer s = make(0);
    s.unblock(0);
    s.consume(4, 4, StopReason::blocked);  // (0,6) (100,4)
    s.unblock(3);                          // (3,6) (100,4)
    s.consume(11, 8, StopReason::preempted);  // 6 allowed, 2 overrun
    EXPECT_THAT(chunks(s), testing::ElementsAre(Chunk(102, 10)));
    EXPECT_EQ(s.usage(), 2u);
    EXPECT_EQ(s.capacity(102), 8u);
}

TEST(SporadicServer, OverrunMergeCountsOnlyTheRemainingCapacity) {
    // (100,4) delayed to 102 with 2 of it used lasts until 104: a chunk
    // released at 105 stays apart (merging on the head's full amount, 106,
    // would release 1 unit of it early).
    SporadicServer s = make(0);
    s.unblock(0);
    s.consume(4, 4, StopReason::blocked);  // (0,6) (100,4)
    s.unblock(5);                          // (5,6) (100,4)
    s.consume(13, 8, StopReason::preempted);  // 6 allowed, 2 overrun
    EXPECT_THAT(chunks(s), testing::ElementsAre(Chunk(102, 4), Chunk(105, 6)));
}

TEST(SporadicServer, ResidualOnAnAlreadyReleasedChunkIsNoOverrun) {
    // The next chunk was released before the residual ran: it is ordinary
    // consumption of that chunk, nothing is delayed.
    SporadicServer s = make(0, 10, 20);
    s.unblock(0);
    s.consume(2, 2, StopReason::blocked);  // (0,8) (20,2)
    s.unblock(2);                          // 20 > 2 + 8: no merge
    s.consume(40, 9, StopReason::preempted);  // 8 of the head + 1 of (20,2)
    EXPECT_THAT(chunks(s), testing::ElementsAre(Chunk(20, 2), Chunk(22, 8)));
    EXPECT_EQ(s.usage(), 1u);
    EXPECT_EQ(s.capacity(40), 1u);
}

TEST(SporadicServer, OverrunOfSeveralBudgetsMovesEveryChunkByWholePeriods) {
    SporadicServer s = make(0);
    s.unblock(0);
    s.consume(3, 3, StopReason::blocked);  // (0,7) (100,3)
    s.unblock(10);
    s.consume(45, 35, StopReason::preempted);  // 7 allowed, 28 overrun
    // 35 = three whole budgets (every chunk +300: (310,7) (400,3)) + 5,
    // used from (310,7) before its release: delayed to 315, 5 charged.
    // Popping and re-queueing chunk by chunk gives the same queue.
    EXPECT_THAT(chunks(s), testing::ElementsAre(Chunk(315, 7), Chunk(400, 3)));
    EXPECT_EQ(s.usage(), 5u);
    EXPECT_EQ(s.total_budget(), 10u);
}

// Split-check: blocking splits the head into the unused remnant (same
// release) and the consumed part (back at release + T).
TEST(SporadicServer, BlockingSplitsTheHead) {
    SporadicServer s = make(0);
    s.unblock(20);
    s.consume(23, 3, StopReason::blocked);
    EXPECT_THAT(chunks(s), testing::ElementsAre(Chunk(20, 7), Chunk(120, 3)));
    EXPECT_EQ(s.usage(), 0u);
    EXPECT_EQ(s.capacity(23), 7u);
}

TEST(SporadicServer, BlockingWithoutUsageOrBudgetSplitsNothing) {
    SporadicServer s = make(0);
    s.unblock(0);
    s.consume(0, 0, StopReason::blocked);
    EXPECT_THAT(chunks(s), testing::ElementsAre(Chunk(0, 10)));
    s.consume(10, 10, StopReason::blocked);  // exhausted, then blocked
    EXPECT_THAT(chunks(s), testing::ElementsAre(Chunk(100, 10)));
}

// At the limit the remnant merges into the next chunk (which keeps its
// own, later, release) instead of taking a slot.
TEST(SporadicServer, AtTheLimitTheRemnantMergesIntoTheNextChunk) {
    SporadicServer s = make(0, 10, 100, 2);
    s.unblock(0);
    s.consume(1, 1, StopReason::blocked);  // (0,9) (100,1): full
    s.unblock(2);                          // (2,9) (100,1)
    s.consume(3, 1, StopReason::blocked);  // remnant 8 joins (100,1); (102,1) added
    EXPECT_THAT(chunks(s), testing::ElementsAre(Chunk(100, 9), Chunk(102, 1)));
    EXPECT_EQ(s.capacity(3), 0u);
    EXPECT_EQ(s.total_budget(), 10u);
}

// Unblock-check: the head's release moves to now, and chunks released
// before the head would run out merge into it.
TEST(SporadicServer, UnblockRestartsTheHeadAndMergesWhatItWouldReach) {
    SporadicServer s = make(0);
    s.unblock(0);
    s.consume(4, 4, StopReason::blocked);   // (0,6) (100,4)
    s.unblock(95);                          // 100 <= 95 + 6: merged
    EXPECT_THAT(chunks(s), testing::ElementsAre(Chunk(95, 10)));

    SporadicServer t = make(0);
    t.unblock(0);
    t.consume(4, 4, StopReason::blocked);   // (0,6) (100,4)
    t.unblock(90);                          // 100 > 90 + 6: kept apart
    EXPECT_THAT(chunks(t), testing::ElementsAre(Chunk(90, 6), Chunk(100, 4)));
}

TEST(SporadicServer, UnblockWithoutCapacityChangesNothing) {
    SporadicServer s = make(0);
    s.unblock(0);
    s.consume(10, 10, StopReason::blocked);  // (100,10)
    s.unblock(50);
    EXPECT_THAT(chunks(s), testing::ElementsAre(Chunk(100, 10)));
    EXPECT_EQ(s.next_replenishment(50), 100u);
}

TEST(SporadicServer, NextReplenishmentIsTheFirstReleaseAfterNow) {
    SporadicServer s = make(0);
    s.unblock(0);
    s.consume(2, 2, StopReason::blocked);  // (0,8) (100,2)
    EXPECT_EQ(s.next_replenishment(2), 100u);
    EXPECT_EQ(s.next_replenishment(100), kNever);
}

// Whatever the sequence of events, the chunks sum to C, never exceed the
// limit, and the usage stays below the head chunk.
TEST(SporadicServer, RandomEventSequencesKeepTheInvariants) {
    test::Rng rng(42);
    for (int round = 0; round < 200; ++round) {
        const Duration budget = rng.between(1, 50);
        const Duration period = budget + rng.between(0, 200);
        const uint32_t limit = static_cast<uint32_t>(rng.between(2, kMaxReplenishments));
        SporadicServer s = make(0, budget, period, limit);
        Time now = 0;
        bool runnable = false;
        for (int step = 0; step < 500; ++step) {
            now += rng.between(0, period / 2 + 1);
            if (!runnable) {
                s.unblock(now);
                runnable = true;
                continue;
            }
            const Duration cap = s.capacity(now);
            const Duration ran = cap == 0 ? 0 : rng.between(0, cap + (rng.chance(10) ? budget : 0));
            now += ran;
            const bool block = rng.chance(40);
            s.consume(now, ran, block ? StopReason::blocked : StopReason::preempted);
            runnable = !block;
            ASSERT_EQ(s.total_budget(), budget);
            ASSERT_LE(s.replenishments().size(), limit);
            ASSERT_LT(s.usage(), s.replenishments().front().amount);
            for (uint32_t i = 1; i < s.replenishments().size(); ++i)
                ASSERT_LE(s.replenishments()[i - 1].time, s.replenishments()[i].time);
        }
    }
}

}  // namespace
}  // namespace bh::rtos::sched
