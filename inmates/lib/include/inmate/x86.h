// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// x86 instructions the inmate library and demos need, as inline functions.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace inmate::x86 {

struct Cpuid {
    uint32_t eax, ebx, ecx, edx;
};

inline Cpuid cpuid(uint32_t leaf, uint32_t subleaf = 0) {
    Cpuid r;
    asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (static_cast<uint64_t>(hi) << 32) | lo;
}

inline void wrmsr(uint32_t msr, uint64_t value) {
    asm volatile("wrmsr" ::"c"(msr), "a"(static_cast<uint32_t>(value)),
                 "d"(static_cast<uint32_t>(value >> 32))
                 : "memory");
}

// Ordered TSC read: earlier instructions have completed (LFENCE) before it.
inline uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return (static_cast<uint64_t>(hi) << 32) | lo;
}

inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
inline uint8_t inb(uint16_t port) {
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline uint16_t inw(uint16_t port) {
    uint16_t v;
    asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline uint32_t inl(uint16_t port) {
    uint32_t v;
    asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
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
[[noreturn]] inline void halt_forever() {
    for (;;)
        asm volatile("cli; hlt" ::: "memory");
}

inline uint64_t read_cr0() {
    uint64_t v;
    asm volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}
inline uint64_t read_cr2() {
    uint64_t v;
    asm volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
inline uint64_t read_cr3() {
    uint64_t v;
    asm volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
inline uint64_t read_cr4() {
    uint64_t v;
    asm volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}
inline uint64_t read_rflags() {
    uint64_t v;
    asm volatile("pushfq; popq %0" : "=r"(v));
    return v;
}

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
