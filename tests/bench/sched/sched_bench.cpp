// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// bench_sched: what the RTOS pays per scheduling decision and per admission
// test. The decision scans VCPUs in priority order until one has budget, so
// its worst case grows with the VCPUs above the one chosen; admission runs
// response-time analysis over the whole set.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "sched/admission.h"
#include "sched/scheduler.h"

namespace {

using namespace bh::rtos::sched;

constexpr Duration kMillisecond = 1'000'000;

// SplitMix64, so every run benchmarks the same sets.
struct Rng {
    uint64_t state;
    uint64_t next() {
        uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

// n VCPUs, periods log-uniform in [1, 100] ms, utilisations from UUniFast
// summing to `total` (below the Liu-Layland limit, so always admitted).
std::vector<TaskParams> random_set(uint32_t n, double total, uint64_t seed) {
    Rng rng{seed};
    std::vector<TaskParams> set;
    double left = total;
    for (uint32_t i = 0; i < n; ++i) {
        double share = left;
        if (i + 1 < n) {
            const double rest = left * std::pow(rng.unit(), 1.0 / (n - i - 1));
            share = left - rest;
            left = rest;
        }
        const auto period = static_cast<Duration>(std::pow(10.0, 2.0 * rng.unit()) * kMillisecond);
        const auto budget = std::max<Duration>(1000, static_cast<Duration>(share * period));
        set.push_back({budget, period, 0});
    }
    return set;
}

std::unique_ptr<Scheduler> scheduler_with(const std::vector<TaskParams>& set) {
    auto scheduler = std::make_unique<Scheduler>();
    for (const auto& t : set)
        if (!scheduler->create_vcpu({t.budget, t.period}, 0).ok())
            return nullptr;
    return scheduler;
}

// Every VCPU always runnable: each decision follows the previous one's
// timer (a budget running out or a replenishment), charging the VCPU that
// ran. The scan passes every throttled VCPU above the one it picks.
void BM_ScheduleDecision(benchmark::State& state) {
    const auto n = static_cast<uint32_t>(state.range(0));
    auto scheduler = scheduler_with(random_set(n, 0.6, n));
    if (!scheduler) {
        state.SkipWithError("set not admitted");
        return;
    }
    for (VcpuId id = 0; id < n; ++id)
        (void)scheduler->wake(id, 0);
    Time now = 0;
    for (auto _ : state) {
        const auto decision = scheduler->schedule(now);
        benchmark::DoNotOptimize(decision);
        now = decision.timer == kNever ? now + kMillisecond : decision.timer;
    }
    state.counters["vcpus"] = n;
}
BENCHMARK(BM_ScheduleDecision)->RangeMultiplier(2)->Range(1, kMaxVcpus);

// A thread wakes its VCPU, which preempts, runs 50 us and blocks: two
// decisions plus unblock-check and split-check per iteration.
void BM_WakeRunBlock(benchmark::State& state) {
    const auto n = static_cast<uint32_t>(state.range(0));
    auto scheduler = scheduler_with(random_set(n, 0.6, n));
    if (!scheduler) {
        state.SkipWithError("set not admitted");
        return;
    }
    Time now = 0;
    VcpuId next = 0;
    for (auto _ : state) {
        (void)scheduler->wake(next, now);
        benchmark::DoNotOptimize(scheduler->schedule(now));
        now += 50'000;
        (void)scheduler->block(next, now);
        benchmark::DoNotOptimize(scheduler->schedule(now));
        now += 5 * kMillisecond;
        next = (next + 1) % n;
    }
    state.SetItemsProcessed(state.iterations() * 2);
    state.counters["vcpus"] = n;
}
BENCHMARK(BM_WakeRunBlock)->RangeMultiplier(2)->Range(1, kMaxVcpus);

// Admitting one more VCPU into a set of n - 1: exact RTA over all n, at a
// total utilisation of 0.6 and of 0.85 (more iterations per task).
void BM_Admission(benchmark::State& state) {
    const auto n = static_cast<uint32_t>(state.range(0));
    const double utilisation = static_cast<double>(state.range(1)) / 100.0;
    auto set = random_set(n, utilisation, 1000 + n);
    const TaskParams candidate = set.back();
    set.pop_back();
    const bool admitted = admit(set.data(), n - 1, candidate).ok();
    for (auto _ : state) {
        auto result = admit(set.data(), n - 1, candidate);
        benchmark::DoNotOptimize(result);
    }
    state.counters["vcpus"] = n;
    state.counters["admitted"] = admitted;
}
BENCHMARK(BM_Admission)->ArgsProduct({{2, 4, 8, 16, 32, 64}, {60, 85}});

}  // namespace

BENCHMARK_MAIN();
