// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Time: the TSC as the clock, its frequency from the communication page (in
// a cell) or calibrated against PIT channel 2 (bare), and the LAPIC timer's
// input clock (comm page, else calibrated against the PIT or the TSC).
#pragma once

#include <stdint.h>

#include "x86.h"

namespace inmate::time {

// Determines tsc_khz() and apic::timer_khz(). Called by the library before
// inmate_main().
void init();
uint64_t tsc_khz();
const char* tsc_source();  // "comm page", "PIT", "CPUID 0x15", "guess"
const char* apic_source();

uint64_t tsc_to_ns(uint64_t ticks);
uint64_t ns_to_tsc(uint64_t ns);
inline uint64_t now() { return x86::rdtsc(); }
uint64_t now_ns();  // since the library started

void delay_ns(uint64_t ns);  // busy-wait
// Sleeps (HLT) until the TSC reaches `deadline`, using the LAPIC timer in
// one-shot mode on vector_sleep (it leaves the timer stopped). Interrupts
// are off while it waits for the timer, and as on entry when it returns.
void sleep_until(uint64_t deadline);
inline void sleep_ns(uint64_t ns) { sleep_until(now() + ns_to_tsc(ns)); }
// Like sleep_until, but also returns as soon as `counter` (bumped by an
// interrupt handler, e.g. a channel doorbell) differs from `seen`; checked
// with interrupts off before every HLT, so no bump is missed.
void sleep_until_changed(uint64_t deadline, const volatile uint64_t& counter, uint64_t seen);

// Bare only: measures `ms` milliseconds with PIT channel 2 (port 0x42/0x43,
// gate and status in port 0x61). Returns TSC ticks, and in *apic_counts the
// LAPIC timer counts over the same interval (if not null).
uint64_t pit_measure(uint32_t ms, uint64_t* apic_counts);

}  // namespace inmate::time
