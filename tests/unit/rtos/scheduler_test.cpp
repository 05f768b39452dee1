// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <gtest/gtest.h>

#include <memory>

#include "sched/scheduler.h"

namespace bh::rtos::sched {
namespace {

class SchedulerTest : public testing::Test {
protected:
    VcpuId create(Duration budget, Duration period, Time now = 0) {
        auto id = scheduler->create_vcpu({budget, period}, now);
        EXPECT_TRUE(id.ok());
        return id.value_or(kNoVcpu);
    }
    // ~36 KiB: on the heap, not the test's stack.
    std::unique_ptr<Scheduler> scheduler = std::make_unique<Scheduler>();
};

TEST_F(SchedulerTest, RanksByPeriodThenCreationOrder) {
    const VcpuId slow = create(1, 100);
    const VcpuId fast = create(1, 10);
    const VcpuId mid_a = create(1, 50);
    const VcpuId mid_b = create(1, 50);
    EXPECT_EQ(scheduler->priority_rank(fast), 0u);
    EXPECT_EQ(scheduler->priority_rank(mid_a), 1u);
    EXPECT_EQ(scheduler->priority_rank(mid_b), 2u);
    EXPECT_EQ(scheduler->priority_rank(slow), 3u);
    EXPECT_EQ(scheduler->priority_rank(99), kNoVcpu);
}

TEST_F(SchedulerTest, RefusedVcpuChangesNothing) {
    const VcpuId a = create(2, 4);
    create(2, 6);
    EXPECT_EQ(scheduler->create_vcpu({3, 6}, 0).error(), Errc::nospc);
    EXPECT_EQ(scheduler->create_vcpu({0, 6}, 0).error(), Errc::inval);
    EXPECT_EQ(scheduler->create_vcpu({1, 6, 0, 1}, 0).error(), Errc::inval);  // limit < 2
    EXPECT_EQ(scheduler->vcpu_count(), 2u);
    EXPECT_EQ(scheduler->priority_rank(a), 0u);
    EXPECT_FALSE(scheduler->exists(2));
}

TEST_F(SchedulerTest, RefusesBeyondItsCapacity) {
    for (uint32_t i = 0; i < kMaxVcpus; ++i)
        create(1, 1000);
    EXPECT_EQ(scheduler->create_vcpu({1, 1000}, 0).error(), Errc::nomem);
}

TEST_F(SchedulerTest, PicksTheHighestPriorityRunnableVcpuWithBudget) {
    const VcpuId low = create(5, 100);
    const VcpuId high = create(2, 10);
    auto d = scheduler->schedule(0);
    EXPECT_EQ(d.vcpu, kNoVcpu);  // nothing runnable
    EXPECT_EQ(d.timer, kNever);

    ASSERT_TRUE(scheduler->wake(low, 0).ok());
    d = scheduler->schedule(0);
    EXPECT_EQ(d.vcpu, low);
    EXPECT_EQ(d.budget_expiry, 5u);
    EXPECT_EQ(d.timer, 5u);

    ASSERT_TRUE(scheduler->wake(high, 1).ok());
    d = scheduler->schedule(1);
    EXPECT_EQ(d.vcpu, high);
    EXPECT_EQ(d.timer, 3u);
    // The preempted VCPU was charged for 0..1.
    EXPECT_EQ(scheduler->server(low)->capacity(1), 4u);

    d = scheduler->schedule(3);  // high's budget ran out at 3
    EXPECT_EQ(d.vcpu, low);
    // high is runnable without budget; its chunk (released at 1) returns
    // at 11, after low's remaining 4 run out at 7.
    EXPECT_EQ(d.timer, 7u);
    d = scheduler->schedule(7);
    EXPECT_EQ(d.vcpu, kNoVcpu);
    EXPECT_EQ(d.timer, 11u);  // high's replenishment; low's is at 100
    d = scheduler->schedule(11);
    EXPECT_EQ(d.vcpu, high);
}

TEST_F(SchedulerTest, TimerFiresWhenAHigherPriorityVcpuGetsBudgetBack) {
    const VcpuId high = create(2, 10);
    const VcpuId low = create(50, 100);
    ASSERT_TRUE(scheduler->wake(high, 0).ok());
    ASSERT_TRUE(scheduler->wake(low, 0).ok());
    EXPECT_EQ(scheduler->schedule(0).vcpu, high);
    auto d = scheduler->schedule(2);
    EXPECT_EQ(d.vcpu, low);
    EXPECT_EQ(d.budget_expiry, 52u);
    EXPECT_EQ(d.timer, 10u);  // high's chunk returns first and preempts
    d = scheduler->schedule(10);
    EXPECT_EQ(d.vcpu, high);
    EXPECT_EQ(scheduler->server(low)->capacity(10), 42u);
}

TEST_F(SchedulerTest, BlockingSplitsAndWakingRestartsTheBudget) {
    const VcpuId v = create(10, 100);
    ASSERT_TRUE(scheduler->wake(v, 20).ok());
    EXPECT_EQ(scheduler->schedule(20).vcpu, v);
    ASSERT_TRUE(scheduler->block(v, 23).ok());
    EXPECT_EQ(scheduler->running(), kNoVcpu);
    const auto& q = scheduler->server(v)->replenishments();
    ASSERT_EQ(q.size(), 2u);
    EXPECT_EQ(q[0].time, 20u);
    EXPECT_EQ(q[0].amount, 7u);
    EXPECT_EQ(q[1].time, 120u);
    EXPECT_EQ(q[1].amount, 3u);
    EXPECT_EQ(scheduler->schedule(23).vcpu, kNoVcpu);

    ASSERT_TRUE(scheduler->wake(v, 50).ok());
    EXPECT_EQ(q[0].time, 50u);
    auto d = scheduler->schedule(50);
    EXPECT_EQ(d.vcpu, v);
    EXPECT_EQ(d.budget_expiry, 57u);
}

TEST_F(SchedulerTest, BlockingAPreemptedVcpuSplitsItsUsage) {
    const VcpuId high = create(5, 10);
    const VcpuId low = create(10, 100);
    ASSERT_TRUE(scheduler->wake(low, 0).ok());
    EXPECT_EQ(scheduler->schedule(0).vcpu, low);
    ASSERT_TRUE(scheduler->wake(high, 4).ok());
    EXPECT_EQ(scheduler->schedule(4).vcpu, high);
    ASSERT_TRUE(scheduler->block(low, 6).ok());  // while preempted
    const auto& q = scheduler->server(low)->replenishments();
    ASSERT_EQ(q.size(), 2u);
    EXPECT_EQ(q[0].amount, 6u);
    EXPECT_EQ(q[1].time, 100u);
    EXPECT_EQ(q[1].amount, 4u);
}

TEST_F(SchedulerTest, WakeAndBlockAreIdempotentAndCheckIds) {
    const VcpuId v = create(1, 10);
    EXPECT_TRUE(scheduler->wake(v, 0).ok());
    EXPECT_TRUE(scheduler->wake(v, 0).ok());
    EXPECT_TRUE(scheduler->is_runnable(v));
    EXPECT_TRUE(scheduler->block(v, 0).ok());
    EXPECT_TRUE(scheduler->block(v, 0).ok());
    EXPECT_FALSE(scheduler->is_runnable(v));
    EXPECT_EQ(scheduler->wake(42, 0).error(), Errc::noent);
    EXPECT_EQ(scheduler->block(kNoVcpu, 0).error(), Errc::noent);
    EXPECT_EQ(scheduler->destroy_vcpu(42, 0).error(), Errc::noent);
    EXPECT_EQ(scheduler->server(42), nullptr);
}

TEST_F(SchedulerTest, DestroyFreesTheSlotAndTheBandwidth) {
    const VcpuId a = create(6, 10);
    const VcpuId b = create(4, 20);
    EXPECT_EQ(scheduler->create_vcpu({5, 10}, 0).error(), Errc::nospc);
    ASSERT_TRUE(scheduler->wake(a, 0).ok());
    EXPECT_EQ(scheduler->schedule(0).vcpu, a);
    ASSERT_TRUE(scheduler->destroy_vcpu(a, 1).ok());
    EXPECT_EQ(scheduler->running(), kNoVcpu);
    EXPECT_EQ(scheduler->vcpu_count(), 1u);
    EXPECT_EQ(scheduler->priority_rank(b), 0u);
    auto c = scheduler->create_vcpu({5, 10}, 1);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(*c, a);  // slot reused
    EXPECT_EQ(scheduler->priority_rank(*c), 0u);
    EXPECT_FALSE(scheduler->is_runnable(*c));  // a new VCPU starts blocked
}

TEST_F(SchedulerTest, OverrunIsChargedAtTheNextDecision) {
    const VcpuId v = create(4, 20);
    ASSERT_TRUE(scheduler->wake(v, 0).ok());
    EXPECT_EQ(scheduler->schedule(0).budget_expiry, 4u);
    auto d = scheduler->schedule(5);  // timer 1 late
    EXPECT_EQ(d.vcpu, kNoVcpu);
    // The whole budget came back at 20; the overrun of 1 is charged to it,
    // which also delays it by 1.
    EXPECT_EQ(d.timer, 21u);
    d = scheduler->schedule(21);
    EXPECT_EQ(d.vcpu, v);
    EXPECT_EQ(d.budget_expiry, 24u);
}

}  // namespace
}  // namespace bh::rtos::sched
