// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Time and capacity constants of the RTOS scheduling core.
//
// Portable and freestanding: no heap, no exceptions, no libc. Every time is
// an absolute instant in nanoseconds on the cell's monotonic clock, every
// duration a span of nanoseconds; both are unsigned 64-bit and all sums
// saturate at kNever instead of wrapping (2^64 ns is 584 years).
#pragma once

#include <stdint.h>

namespace bh::rtos::sched {

using Time = uint64_t;
using Duration = uint64_t;

// "No such instant": a timer that never needs to fire, an unbounded value.
inline constexpr Time kNever = UINT64_MAX;

// Replenishment-queue slots per VCPU (the array size; a VCPU may be created
// with a lower limit, see ServerParams::replenishment_limit).
inline constexpr uint32_t kMaxReplenishments = 32;

// VCPUs one scheduler (one physical CPU) can hold.
inline constexpr uint32_t kMaxVcpus = 64;

constexpr uint64_t saturating_add(uint64_t a, uint64_t b) {
    return a > kNever - b ? kNever : a + b;
}

constexpr uint64_t saturating_mul(uint64_t a, uint64_t b) {
    if (a == 0 || b == 0)
        return 0;
    return a > kNever / b ? kNever : a * b;
}

// ceil(a / b) for b > 0, without the overflow of (a + b - 1) / b.
constexpr uint64_t ceil_div(uint64_t a, uint64_t b) {
    return a / b + (a % b != 0 ? 1 : 0);
}

}  // namespace bh::rtos::sched
