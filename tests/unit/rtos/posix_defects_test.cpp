// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The defects of POSIX SCHED_SPORADIC that Stanovich, Baker, Wang and
// González Harbour (RTAS 2010) describe, each as a concrete scenario run
// twice: with the test-side model of the POSIX rules, where the defect
// shows, and with the production Scheduler (corrected rules), where it does
// not. Time unit: 1 ns (the numbers are small on purpose, so the timelines
// in the comments can be checked by hand).
#include <gtest/gtest.h>

#include <algorithm>
#include <bitset>
#include <vector>

#include "sched/admission.h"
#include "simulator.h"
#include "trace_checks.h"

namespace bh::rtos::sched::test {
namespace {

std::vector<TaskParams> as_tasks(const std::vector<SimVcpu>& vcpus, bool with_overrun) {
    std::vector<TaskParams> tasks;
    for (const auto& v : vcpus)
        tasks.push_back({v.budget + (with_overrun ? v.max_overrun : 0), v.period, v.deadline});
    return tasks;
}

Duration received(const SimResult& r, uint32_t v, Time from, Time to) {
    return ExecutionProfile(r.execution[v]).received(from, to);
}

// Premature replenishment. POSIX posts activation_time only when the thread
// becomes runnable or is lifted from background priority; a replenishment
// arriving while it is preempted at foreground priority joins the current
// activation, and is given back at activation_time + T instead of T after
// its own arrival.
//
//   H (5, 15) periodic; S (4, 20) server; L (17, 40) periodic, all from 0.
//   S: 2 units of work at 0, 12 units at 15.
//   0-5 H, 5-7 S (blocks: 2 units due back at 20), 7-15 L,
//   15 S wakes with 2 left (activation 15) but H runs 15-20,
//   20 the 2 units return; S runs 20-24 on all 4.
//   POSIX: all 4 return at 15 + 20 = 35, S runs 35-39: 10 units in [0, 40),
//          L gets 8 + 6 + 1 = 15 of its 17 by 40: deadline missed.
//   Corrected: the chunk released at 15 returns at 35, the one released
//          at 20 at 40: S runs 35-37, L runs 37-40 and completes at 40.
// The response-time analysis (S as a (4, 20) task) gives R_L = 40 = D_L.
TEST(PosixDefects, PrematureReplenishment) {
    const Time horizon = 80;
    std::vector<SimVcpu> vcpus(3);
    vcpus[0] = {5, 15, 0, kMaxReplenishments, 0, false, periodic_jobs(5, 15, 0, 0, horizon)};
    vcpus[1] = {4, 20, 0, kMaxReplenishments, 0, false, {{0, kNever, {{2}}}, {15, kNever, {{12}}}}};
    vcpus[2] = {17, 40, 0, kMaxReplenishments, 0, false, periodic_jobs(17, 40, 0, 0, horizon)};

    const auto tasks = as_tasks(vcpus, false);
    std::vector<ResponseTime> rt(3);
    ASSERT_TRUE(response_times(tasks.data(), 3, rt.data()).ok());
    EXPECT_TRUE(rt[2].meets_deadline);
    EXPECT_EQ(rt[2].response, 40u);

    const SimResult posix = simulate(vcpus, horizon, Policy::posix, 1);
    EXPECT_EQ(received(posix, 1, 0, 40), 10u);  // a (4, 20) task can demand 8
    EXPECT_EQ(posix.jobs[2][0].completion, 42u);
    EXPECT_TRUE(deadline_miss(posix, 2, horizon).has_value());

    const SimResult corrected = simulate(vcpus, horizon, Policy::corrected, 1);
    ASSERT_EQ(corrected.setup_error, "");
    EXPECT_EQ(received(corrected, 1, 0, 40), 8u);
    EXPECT_EQ(corrected.jobs[2][0].completion, 40u);
    for (uint32_t v = 0; v < 3; ++v) {
        EXPECT_EQ(deadline_miss(corrected, v, horizon), std::nullopt);
        EXPECT_EQ(anchored_window_violation(corrected, vcpus, v), std::nullopt);
    }
    EXPECT_TRUE(corrected.invariant_violations.empty());
}

// Budget amplification. POSIX floors the capacity at zero after an overrun
// ("if the available execution capacity would become negative ... it shall
// be set to zero") yet replenishes "the execution time consumed", overrun
// included: every overrun adds budget, and the server's share grows.
//
//   S (4, 20), its budget timer always 1 late; L (12, 20) periodic.
//   S: 2 units at 0, blocks until 10, then always has work.
//   POSIX: the two chunks grow 2, 3, 4, ... up to the cap of 4 and S runs
//          4 + 1 every 10 time units: 10 per 20, L gets 10 of its 12.
//   Corrected: each overrun is charged to the next chunk and delays it;
//          S runs 2 (1 + 1 overrun) per 10.5 on average, at most its 4
//          per 20, and L meets every deadline.
// Admission with the overrun counted as budget (5, 20) gives R_L = 17.
TEST(PosixDefects, BudgetAmplification) {
    const Time horizon = 400;
    std::vector<SimVcpu> vcpus(2);
    vcpus[0] = {4, 20, 0, kMaxReplenishments, 1, true, {{0, kNever, {{2, 8}, {1'000'000}}}}};
    vcpus[1] = {12, 20, 0, kMaxReplenishments, 0, false, periodic_jobs(12, 20, 0, 0, horizon)};

    const auto tasks = as_tasks(vcpus, true);
    std::vector<ResponseTime> rt(2);
    ASSERT_TRUE(response_times(tasks.data(), 2, rt.data()).ok());
    EXPECT_EQ(rt[1].response, 17u);

    const SimResult posix = simulate(vcpus, horizon, Policy::posix, 1);
    EXPECT_GT(posix.overruns, 0u);
    EXPECT_EQ(received(posix, 0, 200, 400), 100u);  // 10 per 20 instead of 4 (+1)
    EXPECT_TRUE(long_window_violation(posix, vcpus, 0, 8).has_value());
    EXPECT_TRUE(deadline_miss(posix, 1, horizon).has_value());

    const SimResult corrected = simulate(vcpus, horizon, Policy::corrected, 1);
    ASSERT_EQ(corrected.setup_error, "");
    EXPECT_GT(corrected.overruns, 0u);
    // At most its 4 per 20 (each overrun also delays the next chunk a
    // little, hence not quite 40), and not starved either.
    EXPECT_LE(received(corrected, 0, 200, 400), 40u);
    EXPECT_GE(received(corrected, 0, 200, 400), 36u);
    EXPECT_EQ(long_window_violation(corrected, vcpus, 0, 8), std::nullopt);
    EXPECT_EQ(sliding_window_violation(corrected, vcpus, 0), std::nullopt);
    EXPECT_EQ(deadline_miss(corrected, 1, horizon), std::nullopt);
    EXPECT_TRUE(corrected.invariant_violations.empty());
}

// The replenishment-queue limit. POSIX keeps at most sched_ss_max_repl
// replenishments pending by demoting the thread to sched_ss_low_priority as
// soon as that many are pending, although it still has capacity; execution
// at that priority is not charged, so the thread keeps running whenever the
// CPU is otherwise idle and the budget no longer bounds it.
//
//   S (40, 400) with a limit of 2; one job of 40 x (5 units, then 5 idle).
//   POSIX: after the second block two replenishments are pending; S is
//          demoted with 30 units of capacity and runs all its work in the
//          background: 200 units in [0, 400).
//   Corrected: at the limit the remnant (30) merges into the next chunk
//          (due at 400), the queue stays at 2 chunks summing to 40, and S
//          receives 10 units in [0, 400).
TEST(PosixDefects, QueueLimitHandling) {
    const Time horizon = 1200;
    std::vector<Segment> io_bound(40, Segment{5, 5});
    std::vector<SimVcpu> vcpus(1);
    vcpus[0] = {40, 400, 0, 2, 0, false, {{0, kNever, io_bound}}};

    const SimResult posix = simulate(vcpus, horizon, Policy::posix, 1);
    EXPECT_EQ(received(posix, 0, 0, 400), 200u);
    EXPECT_TRUE(anchored_window_violation(posix, vcpus, 0).has_value());
    EXPECT_TRUE(sliding_window_violation(posix, vcpus, 0).has_value());

    const SimResult corrected = simulate(vcpus, horizon, Policy::corrected, 1);
    ASSERT_EQ(corrected.setup_error, "");
    EXPECT_EQ(received(corrected, 0, 0, 400), 10u);
    EXPECT_TRUE(corrected.limit_reached);
    EXPECT_LE(corrected.max_chunks, 2u);
    EXPECT_TRUE(corrected.invariant_violations.empty());
    EXPECT_EQ(anchored_window_violation(corrected, vcpus, 0), std::nullopt);
    EXPECT_EQ(sliding_window_violation(corrected, vcpus, 0), std::nullopt);
    EXPECT_EQ(long_window_violation(corrected, vcpus, 0, 2), std::nullopt);
}

// Why the window bound is anchored for VCPUs that others preempt: "at most
// C in every window of length T" contradicts meeting deadlines under RM.
// H (1, 3) and L (2, 4), both periodic with C = T's job: RTA gives R_L = 3.
// RM (and the corrected servers) meet every deadline, but L runs [1, 3) and
// [4, 6), 3 units in [1, 5). No schedule of L that keeps every window of 4
// at 2 or less meets L's deadlines: an exhaustive search at quarter-unit
// resolution over [0, 16) finds none (Documentation/rtos-scheduling.md has
// the argument for continuous time).
TEST(PosixDefects, StrictSlidingWindowContradictsDeadlines) {
    const Time horizon = 48;
    std::vector<SimVcpu> vcpus(2);
    vcpus[0] = {1, 3, 0, kMaxReplenishments, 0, false, periodic_jobs(1, 3, 0, 0, horizon)};
    vcpus[1] = {2, 4, 0, kMaxReplenishments, 0, false, periodic_jobs(2, 4, 0, 0, horizon)};
    const SimResult corrected = simulate(vcpus, horizon, Policy::corrected, 1);
    ASSERT_EQ(corrected.setup_error, "");
    EXPECT_EQ(deadline_miss(corrected, 1, horizon), std::nullopt);
    EXPECT_EQ(received(corrected, 1, 1, 5), 3u);
    EXPECT_TRUE(sliding_window_violation(corrected, vcpus, 1).has_value());
    EXPECT_EQ(anchored_window_violation(corrected, vcpus, 1), std::nullopt);

    // Quarter-unit slots; H holds [3j, 3j + 1). State: which of the last 16
    // slots (one window of length 4) L ran in.
    constexpr int kSlotsPerUnit = 4, kWindow = 4 * kSlotsPerUnit, kNeed = 2 * kSlotsPerUnit;
    constexpr int kSlots = 16 * kSlotsPerUnit;
    std::vector<bool> reachable(1 << kWindow, false), next(1 << kWindow);
    reachable[0] = true;
    for (int slot = 0; slot < kSlots; ++slot) {
        std::fill(next.begin(), next.end(), false);
        const bool h_runs = slot % (3 * kSlotsPerUnit) < kSlotsPerUnit;
        for (uint32_t mask = 0; mask < reachable.size(); ++mask) {
            if (!reachable[mask])
                continue;
            for (uint32_t l_runs = 0; l_runs <= (h_runs ? 0u : 1u); ++l_runs) {
                const uint32_t shifted = ((mask << 1) | l_runs) & ((1u << kWindow) - 1);
                const int in_window = static_cast<int>(std::bitset<kWindow>(shifted).count());
                if (in_window > kNeed)
                    continue;  // more than C in the window ending here
                if ((slot + 1) % kWindow == 0 && in_window < kNeed)
                    continue;  // L's job of this period did not get C
                next[shifted] = true;
            }
        }
        reachable.swap(next);
    }
    EXPECT_EQ(std::count(reachable.begin(), reachable.end(), true), 0);
}

}  // namespace
}  // namespace bh::rtos::sched::test
