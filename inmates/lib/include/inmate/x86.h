// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// x86 instructions the inmate library and demos need, as inline functions.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <bh/x86.h>

namespace inmate::x86 {

// The instructions shared with the hypervisor (lib/include/bh/x86.h).
using Cpuid = bh::x86::CpuidResult;
using bh::x86::cpuid;
using bh::x86::halt_forever;
using bh::x86::inb;
using bh::x86::inl;
using bh::x86::inw;
using bh::x86::outb;
using bh::x86::outl;
using bh::x86::outw;
using bh::x86::rdmsr;
using bh::x86::read_cr0;
using bh::x86::read_cr2;
using bh::x86::read_cr3;
using bh::x86::read_cr4;
using bh::x86::read_rflags;
using bh::x86::wrmsr;


// Ordered TSC read: earlier instructions have completed (LFENCE) before it.
inline uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return (static_cast<uint64_t>(hi) << 32) | lo;
}

inline uint32_t mmio_read32(uintptr_t addr) { return *reinterpret_cast<volatile uint32_t*>(addr); }
inline void mmio_write32(uintptr_t addr, uint32_t v) { *reinterpret_cast<volatile uint32_t*>(addr) = v; }

inline void cli() { asm volatile("cli" ::: "memory"); }
inline void sti() { asm volatile("sti" ::: "memory"); }
inline void pause() { asm volatile("pause"); }
inline void mfence() { asm volatile("mfence" ::: "memory"); }
inline void barrier() { asm volatile("" ::: "memory"); }
// Enable interrupts and halt until one arrives (no lost wake-up: STI's
// interrupt shadow covers HLT), then disable them again.
inline void wait_for_interrupt() { asm volatile("sti; hlt; cli" ::: "memory"); }


// MSRs.
constexpr uint32_t msr_apic_base = 0x1b;
constexpr uint32_t msr_tsc_deadline = 0x6e0;
constexpr uint32_t msr_efer = 0xc0000080;
constexpr uint32_t msr_vm_hsave_pa = 0xc0010117;

constexpr uint64_t apic_base_bsp = 1u << 8;
constexpr uint64_t apic_base_extd = 1u << 10;  // x2APIC mode
constexpr uint64_t apic_base_enable = 1u << 11;
constexpr uint64_t efer_svme = 1u << 12;

// CPUID leaf 1 feature bits.
constexpr uint32_t cpuid1_ecx_x2apic = 1u << 21;
constexpr uint32_t cpuid1_ecx_tsc_deadline = 1u << 24;
constexpr uint32_t cpuid1_ecx_hypervisor = 1u << 31;

}  // namespace inmate::x86
