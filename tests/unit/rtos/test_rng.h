// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// A small deterministic generator (SplitMix64) for the scheduling tests:
// the same seed gives the same VCPU sets on every compiler and library,
// which std:: distributions do not promise.
#pragma once

#include <cstdint>

namespace bh::rtos::sched::test {

class Rng {
public:
    explicit Rng(uint64_t seed) : state_(seed) {}

    uint64_t next() {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // Uniform in [lo, hi] (hi - lo well below 2^64: the bias is negligible here).
    uint64_t between(uint64_t lo, uint64_t hi) { return lo + next() % (hi - lo + 1); }
    bool chance(uint32_t percent) { return next() % 100 < percent; }
    // Uniform in [0, 1).
    double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
    uint64_t state_;
};

}  // namespace bh::rtos::sched::test
