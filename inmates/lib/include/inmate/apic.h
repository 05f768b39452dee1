// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Local APIC of the current CPU, in whichever mode is enabled: xAPIC (MMIO
// page at the IA32_APIC_BASE address) or x2APIC (MSRs 0x800+). The mode is
// read from IA32_APIC_BASE bit 10; the library never switches it on its own
// (enable_x2apic() does, on request, and only bare).
#pragma once

#include <stdint.h>

namespace inmate::apic {

enum class Mode { off, xapic, x2apic };

// Register offsets in the xAPIC page; x2APIC MSR = 0x800 + offset / 16.
constexpr uint32_t reg_id = 0x20;
constexpr uint32_t reg_version = 0x30;
constexpr uint32_t reg_tpr = 0x80;
constexpr uint32_t reg_eoi = 0xb0;
constexpr uint32_t reg_svr = 0xf0;
constexpr uint32_t reg_esr = 0x280;
constexpr uint32_t reg_icr_low = 0x300;
constexpr uint32_t reg_icr_high = 0x310;
constexpr uint32_t reg_lvt_timer = 0x320;
constexpr uint32_t reg_timer_initial = 0x380;
constexpr uint32_t reg_timer_current = 0x390;
constexpr uint32_t reg_timer_divide = 0x3e0;

constexpr uint32_t lvt_masked = 1u << 16;
constexpr uint32_t lvt_timer_oneshot = 0u << 17;
constexpr uint32_t lvt_timer_periodic = 1u << 17;
constexpr uint32_t lvt_timer_tsc_deadline = 2u << 17;

// ICR low word.
constexpr uint32_t icr_fixed = 0u << 8;
constexpr uint32_t icr_nmi = 4u << 8;
constexpr uint32_t icr_init = 5u << 8;
constexpr uint32_t icr_startup = 6u << 8;
constexpr uint32_t icr_level_assert = 1u << 14;
constexpr uint32_t icr_delivery_pending = 1u << 12;

// Detects the mode and software-enables the APIC (SVR, spurious vector 0xff,
// TPR 0). Called by the library on every CPU before inmate_main().
Mode init();
Mode mode();
const char* mode_name(Mode m);
inline const char* mode_name() { return mode_name(mode()); }
// xAPIC -> x2APIC if CPUID says the CPU has it. Returns the new mode.
Mode enable_x2apic();

uint32_t read(uint32_t reg);
void write(uint32_t reg, uint32_t value);
uint32_t id();
void eoi();
// Sends an IPI: xAPIC writes ICR high (destination << 24) then low;
// x2APIC writes the 64-bit ICR MSR (destination << 32 | low).
void send_ipi(uint32_t destination, uint32_t icr_low);

// --- timer (divide by 1: one count per input clock) ----------------------
enum class TimerMode { oneshot, periodic, deadline };
const char* timer_mode_name(TimerMode m);
bool tsc_deadline_supported();
// Input clock of the timer in kHz: the communication page's apic_khz in a
// cell, calibrated otherwise (time.cpp). 0 before time::init().
uint64_t timer_khz();
// Programs the LVT (vector, mode, unmasked) and, except for deadline mode,
// the initial count, which starts the timer.
void timer_start(TimerMode mode, uint8_t vector, uint32_t count);
void timer_set_count(uint32_t count);  // one-shot/periodic: (re)start
void timer_set_deadline(uint64_t tsc);  // deadline mode; 0 disarms
void timer_stop();  // masks the LVT and clears the count/deadline
uint32_t timer_current();
uint32_t timer_initial();

}  // namespace inmate::apic
