// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Randomised discrete-event simulation of the scheduling core: 10,000 VCPU
// sets (4 shards of 2,500, seeded, so every run sees the same sets), each
// admitted by the Scheduler's response-time analysis and run for 20 of its
// longest periods. Half the VCPUs are periodic (a job of at most C every T,
// due D after release); the others misbehave: they ask for up to 2C per
// job, block at random and, for half of them, overrun their budget timer.
//
// For every set:
//  (a) every VCPU receives at most C (+ its worst overrun) in any window of
//      length T that starts when it wakes or runs out of budget, the
//      highest-priority VCPU in every window of length T, and every VCPU at
//      most (k + 1)C (+ overrun) in any window of length kT; the
//      replenishment queue sums to C and never exceeds its limit;
//  (b) if the set is schedulable with each overrun counted as budget,
//      no periodic job misses its deadline.
// The same checks run on the POSIX SCHED_SPORADIC model must fail on a good
// share of the sets, or they would not be testing anything.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "sched/admission.h"
#include "simulator.h"
#include "test_rng.h"
#include "trace_checks.h"

namespace bh::rtos::sched::test {
namespace {

constexpr uint32_t kShards = 4;
constexpr uint32_t kSetsPerShard = 2500;
constexpr uint32_t kLongWindowPeriods = 4;

struct GeneratedSet {
    std::vector<SimVcpu> vcpus;
    std::vector<bool> periodic;
    Time horizon = 0;
    bool schedulable_with_overruns = false;
};

std::vector<TaskParams> tasks_of(const std::vector<SimVcpu>& vcpus, bool with_overrun) {
    std::vector<TaskParams> tasks;
    for (const auto& v : vcpus)
        tasks.push_back({v.budget + (with_overrun ? v.max_overrun : 0), v.period, v.deadline});
    return tasks;
}

// Response-time analysis that also covers overruns: a VCPU's overrun is
// budget to the VCPUs below it, and blocking to those above it (its late
// budget timer also delays their replenishment):
//   R_i = C_i + o_i + B_i + sum over hp(i) of ceil(R_i / T_j) (C_j + o_j),
//   B_i = the largest overrun o_j of a lower-priority VCPU.
bool schedulable_with_overruns(const std::vector<SimVcpu>& vcpus) {
    const auto tasks = tasks_of(vcpus, false);
    const auto n = static_cast<uint32_t>(tasks.size());
    std::vector<uint32_t> order(n);
    priority_order(tasks.data(), n, order.data());
    for (uint32_t rank = 0; rank < n; ++rank) {
        const SimVcpu& v = vcpus[order[rank]];
        Duration blocking = 0;
        for (uint32_t k = rank + 1; k < n; ++k)
            blocking = std::max(blocking, vcpus[order[k]].max_overrun);
        const Duration deadline = v.deadline == 0 ? v.period : v.deadline;
        Duration response = 0, next = v.budget + v.max_overrun + blocking;
        while (next != response) {
            response = next;
            if (response > deadline)
                return false;
            next = v.budget + v.max_overrun + blocking;
            for (uint32_t k = 0; k < rank; ++k) {
                const SimVcpu& h = vcpus[order[k]];
                next += ceil_div(response, h.period) * (h.budget + h.max_overrun);
            }
        }
    }
    return true;
}

bool schedulable_set(const std::vector<TaskParams>& tasks) {
    auto r = schedulable(tasks.data(), static_cast<uint32_t>(tasks.size()));
    return r.ok() && *r;
}

// Budgets and periods: UUniFast utilisations (Bini & Buttazzo) for a total
// drawn from [0.3, 0.95], periods in [1, 20] us, redrawn until the RTA
// admits the set.
std::vector<SimVcpu> draw_parameters(Rng& rng, std::vector<bool>& periodic) {
    static constexpr uint32_t kLimits[] = {2, 3, 4, 8, kMaxReplenishments};
    const auto n = static_cast<uint32_t>(rng.between(1, 8));
    for (;;) {
        std::vector<SimVcpu> vcpus(n);
        periodic.assign(n, false);
        double left = 0.3 + 0.65 * rng.unit();
        for (uint32_t i = 0; i < n; ++i) {
            double share = left;
            if (i + 1 < n) {
                const double rest = left * std::pow(rng.unit(), 1.0 / (n - i - 1));
                share = left - rest;
                left = rest;
            }
            SimVcpu& v = vcpus[i];
            v.period = (i > 0 && rng.chance(10)) ? vcpus[rng.between(0, i - 1)].period
                                                 : rng.between(1000, 20000);
            v.budget = std::max<Duration>(1, static_cast<Duration>(share * static_cast<double>(v.period)));
            if (rng.chance(30))
                v.deadline = rng.between(v.budget, v.period);
            v.replenishment_limit = kLimits[rng.between(0, 4)];
            periodic[i] = rng.chance(50);
        }
        // Overruns are timer latency: small against every period, at most
        // a quarter of the VCPU's own budget.
        Duration shortest = kNever;
        for (const auto& v : vcpus)
            shortest = std::min(shortest, v.period);
        for (uint32_t i = 0; i < n; ++i)
            if (!periodic[i] && rng.chance(50))
                vcpus[i].max_overrun =
                    rng.between(1, std::max<Duration>(1, std::min(vcpus[i].budget / 4, shortest / 10)));
        if (schedulable_set(tasks_of(vcpus, false)))
            return vcpus;
    }
}

GeneratedSet generate(uint64_t seed) {
    Rng rng(seed);
    GeneratedSet set;
    set.vcpus = draw_parameters(rng, set.periodic);
    Duration longest = 0;
    for (const auto& v : set.vcpus)
        longest = std::max(longest, v.period);
    set.horizon = 20 * longest;
    for (size_t i = 0; i < set.vcpus.size(); ++i) {
        SimVcpu& v = set.vcpus[i];
        if (set.periodic[i]) {
            const Duration relative = v.deadline == 0 ? v.period : v.deadline;
            Time release = rng.chance(50) ? 0 : rng.between(0, v.period - 1);
            for (; release < set.horizon; release += v.period) {
                const Duration exec = rng.chance(50) ? v.budget : rng.between(1, v.budget);
                v.jobs.push_back({release, release + relative, {{exec, 0}}});
            }
        } else {
            Time arrival = rng.chance(50) ? 0 : rng.between(0, v.period);
            while (arrival < set.horizon) {
                Job job{arrival, kNever, {}};
                const auto segments = rng.between(1, 4);
                for (uint64_t s = 0; s < segments; ++s)
                    job.segments.push_back({rng.between(1, 2 * v.budget),
                                            rng.chance(30) ? 0 : rng.between(1, v.period / 2)});
                v.jobs.push_back(std::move(job));
                arrival += rng.between(0, 2 * v.period);
            }
        }
    }
    set.schedulable_with_overruns = schedulable_with_overruns(set.vcpus);
    return set;
}

// Every check on one simulated set; the first failure, or "".
std::string check_set(const GeneratedSet& set, const SimResult& r, uint64_t& jobs_checked) {
    if (!r.setup_error.empty())
        return r.setup_error;
    if (!r.invariant_violations.empty())
        return r.invariant_violations.front();
    for (uint32_t i = 0; i < set.vcpus.size(); ++i)
        if (auto v = anchored_window_violation(r, set.vcpus, i))
            return *v;
    // The other bounds assume every VCPU gets through its budget within its
    // period, overruns and their blocking included.
    if (!set.schedulable_with_overruns)
        return "";
    const uint32_t top = r.priority_order.front();
    if (auto v = sliding_window_violation(r, set.vcpus, top, dispatch_latency(set.vcpus, top)))
        return *v;
    for (uint32_t i = 0; i < set.vcpus.size(); ++i) {
        if (auto v = long_window_violation(r, set.vcpus, i, kLongWindowPeriods))
            return *v;
        if (set.periodic[i]) {
            if (auto v = deadline_miss(r, i, set.horizon))
                return *v;
            jobs_checked += r.jobs[i].size();
        }
    }
    return "";
}

class RandomVcpuSets : public testing::TestWithParam<uint32_t> {};

TEST_P(RandomVcpuSets, CorrectedServersKeepBudgetsAndDeadlines) {
    uint64_t deadline_sets = 0, jobs_checked = 0, overruns = 0, blocks = 0, limit_sets = 0;
    uint32_t failures = 0;
    for (uint32_t i = 0; i < kSetsPerShard; ++i) {
        const uint64_t seed = uint64_t{GetParam()} * kSetsPerShard + i;
        const GeneratedSet set = generate(seed);
        const SimResult r = simulate(set.vcpus, set.horizon, Policy::corrected, seed);
        const std::string failure = check_set(set, r, jobs_checked);
        if (!failure.empty() && ++failures <= 5)
            ADD_FAILURE() << "set " << seed << " (" << set.vcpus.size() << " VCPUs): " << failure;
        deadline_sets += set.schedulable_with_overruns;
        overruns += r.overruns;
        blocks += r.blocks;
        limit_sets += r.limit_reached;
    }
    EXPECT_EQ(failures, 0u);
    std::printf("shard %u: %u sets, %llu checked for deadlines (%llu periodic jobs), "
                "%llu overruns, %llu blocks, %llu sets hit a queue limit\n",
                GetParam(), kSetsPerShard, static_cast<unsigned long long>(deadline_sets),
                static_cast<unsigned long long>(jobs_checked),
                static_cast<unsigned long long>(overruns), static_cast<unsigned long long>(blocks),
                static_cast<unsigned long long>(limit_sets));
    // The sets must exercise what the checks are about.
    EXPECT_GT(deadline_sets, kSetsPerShard / 2);
    EXPECT_GT(overruns, 1000u);
    EXPECT_GT(limit_sets, kSetsPerShard / 20);
}

INSTANTIATE_TEST_SUITE_P(Shards, RandomVcpuSets, testing::Range(0u, kShards));

TEST(RandomVcpuSetsPosix, SameChecksCatchThePosixRules) {
    constexpr uint32_t kSets = 1000;
    uint32_t flagged = 0;
    for (uint32_t i = 0; i < kSets; ++i) {
        const uint64_t seed = 1'000'000 + i;
        const GeneratedSet set = generate(seed);
        const SimResult r = simulate(set.vcpus, set.horizon, Policy::posix, seed);
        uint64_t jobs = 0;
        flagged += !check_set(set, r, jobs).empty();
    }
    std::printf("POSIX model: %u of %u sets fail the checks\n", flagged, kSets);
    EXPECT_GT(flagged, kSets / 10);
}

}  // namespace
}  // namespace bh::rtos::sched::test
