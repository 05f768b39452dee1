// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <gtest/gtest.h>

#include <vector>

#include "sched/admission.h"
#include "test_rng.h"

namespace bh::rtos::sched {
namespace {

std::vector<ResponseTime> analyse(const std::vector<TaskParams>& tasks) {
    std::vector<ResponseTime> out(tasks.size());
    EXPECT_TRUE(response_times(tasks.data(), static_cast<uint32_t>(tasks.size()), out.data()).ok());
    return out;
}

// Buttazzo, Hard Real-Time Computing Systems, the response-time analysis
// example: U = 0.883 is above the Liu-Layland bound for three tasks
// (0.780), yet the set is schedulable, with R3 exactly at its deadline.
TEST(Admission, ButtazzoExampleIsSchedulableAboveTheLiuLaylandBound) {
    const auto r = analyse({{1, 4}, {2, 6}, {3, 10}});
    EXPECT_EQ(r[0].response, 1u);
    EXPECT_EQ(r[1].response, 3u);
    EXPECT_EQ(r[2].response, 10u);
    for (const auto& x : r)
        EXPECT_TRUE(x.meets_deadline);
}

// Burns & Wellings, Real-Time Systems and Programming Languages: tasks
// a (3, 7), b (3, 12), c (5, 20) have response times 3, 6 and 20.
TEST(Admission, BurnsWellingsExample) {
    const auto r = analyse({{5, 20}, {3, 7}, {3, 12}});  // any order in
    EXPECT_EQ(r[1].response, 3u);
    EXPECT_EQ(r[2].response, 6u);
    EXPECT_EQ(r[0].response, 20u);
    EXPECT_TRUE(r[0].meets_deadline);
}

TEST(Admission, ReportsAMissWithTheFirstIterateBeyondTheDeadline) {
    // R2: 5 -> 3 + 2*2 = 7 > 6.
    const auto r = analyse({{2, 4}, {3, 6}});
    EXPECT_TRUE(r[0].meets_deadline);
    EXPECT_FALSE(r[1].meets_deadline);
    EXPECT_EQ(r[1].response, 7u);
}

TEST(Admission, EqualPeriodsRankInArrayOrder) {
    auto r = analyse({{2, 10}, {3, 10}});
    EXPECT_EQ(r[0].response, 2u);
    EXPECT_EQ(r[1].response, 5u);
    r = analyse({{3, 10}, {2, 10}});
    EXPECT_EQ(r[0].response, 3u);
    EXPECT_EQ(r[1].response, 5u);
    uint32_t order[3];
    const std::vector<TaskParams> tasks{{1, 20}, {1, 10}, {1, 10}};
    priority_order(tasks.data(), 3, order);
    EXPECT_EQ(order[0], 1u);
    EXPECT_EQ(order[1], 2u);
    EXPECT_EQ(order[2], 0u);
}

TEST(Admission, ConstrainedDeadlines) {
    EXPECT_FALSE(analyse({{1, 4}, {2, 6, 2}})[1].meets_deadline);  // R = 3 > 2
    EXPECT_TRUE(analyse({{1, 4}, {2, 6, 3}})[1].meets_deadline);
}

TEST(Admission, AdmitAcceptsOrRefusesWithAnError) {
    const std::vector<TaskParams> set{{1, 4}, {2, 6}};
    EXPECT_TRUE(admit(set.data(), 2, {3, 10}).ok());
    EXPECT_EQ(admit(set.data(), 2, {4, 10}).error(), Errc::nospc);   // R3 > 10
    EXPECT_EQ(admit(set.data(), 2, {2, 5}).error(), Errc::nospc);    // pushes (2,6) to 8
    EXPECT_TRUE(admit(set.data(), 2, {1, 5}).ok());                  // (2,6) still at 4
    EXPECT_EQ(admit(set.data(), 2, {0, 10}).error(), Errc::inval);
    EXPECT_EQ(admit(set.data(), 2, {11, 10}).error(), Errc::inval);
    EXPECT_EQ(admit(set.data(), 2, {3, 10, 2}).error(), Errc::inval);   // D < C
    EXPECT_EQ(admit(set.data(), 2, {3, 10, 11}).error(), Errc::inval);  // D > T
    EXPECT_TRUE(admit(nullptr, 0, {10, 10}).ok());
    // The existing set is read, never written.
    EXPECT_EQ(set[0].budget, 1u);
    EXPECT_EQ(set[1].period, 6u);
}

TEST(Admission, RefusesMoreThanOneCpusWorthOfVcpus) {
    std::vector<TaskParams> set(kMaxVcpus, TaskParams{1, 1'000'000});
    EXPECT_TRUE(schedulable(set.data(), kMaxVcpus).value());
    EXPECT_EQ(admit(set.data(), kMaxVcpus, {1, 1'000'000}).error(), Errc::nomem);
    set.push_back({1, 1'000'000});
    std::vector<ResponseTime> out(set.size());
    EXPECT_EQ(response_times(set.data(), kMaxVcpus + 1, out.data()).error(), Errc::nomem);
}

TEST(Admission, LargeTimesSaturateInsteadOfWrapping) {
    // 2^63 + 2^63 wraps to 0 in plain uint64_t arithmetic.
    const Duration half = Duration{1} << 63;
    const auto r = analyse({{half, kNever}, {half, kNever}});
    EXPECT_TRUE(r[0].meets_deadline);
    EXPECT_EQ(r[0].response, half);
    EXPECT_FALSE(r[1].meets_deadline);
    EXPECT_EQ(r[1].response, kNever);
}

// The analysis is exact: for random small sets it equals the response of
// the first jobs of a synchronous rate-monotonic schedule simulated tick by
// tick (the critical instant for constrained deadlines).
TEST(Admission, MatchesASimulatedSynchronousSchedule) {
    test::Rng rng(7);
    for (int round = 0; round < 2000; ++round) {
        const auto n = static_cast<uint32_t>(rng.between(1, 5));
        std::vector<TaskParams> tasks;
        for (uint32_t i = 0; i < n; ++i) {
            const Duration period = rng.between(2, 40);
            const Duration budget = rng.between(1, std::max<Duration>(1, period / n));
            tasks.push_back({budget, period, rng.chance(30) ? rng.between(budget, period) : 0});
        }
        const auto rt = analyse(tasks);
        std::vector<uint32_t> order(n);
        priority_order(tasks.data(), n, order.data());

        std::vector<Duration> left(n), first_done(n, kNever);
        std::vector<uint32_t> jobs(n, 0);
        Duration longest = 0;
        for (const auto& t : tasks)
            longest = std::max(longest, t.period);
        for (Time tick = 0; tick < 4 * longest; ++tick) {
            for (uint32_t i = 0; i < n; ++i)
                if (tick % tasks[i].period == 0) {
                    left[i] += tasks[i].budget;
                    ++jobs[i];
                }
            for (uint32_t k = 0; k < n; ++k) {
                const uint32_t i = order[k];
                if (left[i] == 0)
                    continue;
                if (--left[i] == 0 && first_done[i] == kNever && jobs[i] == 1)
                    first_done[i] = tick + 1;
                // A backlog from a late first job never completes "first".
                break;
            }
        }
        for (uint32_t i = 0; i < n; ++i) {
            const Duration deadline = deadline_of(tasks[i]);
            const bool simulated_ok = first_done[i] <= deadline;
            ASSERT_EQ(rt[i].meets_deadline, simulated_ok) << "round " << round << " task " << i;
            if (simulated_ok) {
                ASSERT_EQ(rt[i].response, first_done[i]) << "round " << round << " task " << i;
            }
        }
    }
}

}  // namespace
}  // namespace bh::rtos::sched
