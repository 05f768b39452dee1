// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// x86 instructions only the hypervisor needs, as inline functions (the
// common ones are in lib/include/bh/x86.h).
#pragma once

#include <stdint.h>

#include <bh/x86.h>

namespace bh::x86 {

inline constexpr uint32_t msr_efer = 0xc0000080;
inline constexpr uint32_t msr_vm_cr = 0xc0010114;
inline constexpr uint32_t msr_vm_hsave_pa = 0xc0010117;
inline constexpr uint32_t msr_pat = 0x277;
inline constexpr uint32_t msr_apic_base = 0x1b;
inline constexpr uint32_t msr_x2apic_icr = 0x830;

inline constexpr uint64_t efer_svme = 1ull << 12;
inline constexpr uint64_t vm_cr_svmdis = 1ull << 4;
inline constexpr uint64_t cr4_la57 = 1ull << 12;
inline constexpr uint64_t apic_base_x2apic = 1ull << 10;
inline constexpr uint64_t apic_base_enable = 1ull << 11;
inline constexpr uint64_t rflags_if = 1ull << 9;


inline void write_cr0(uint64_t v) { asm volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }
inline void write_cr2(uint64_t v) { asm volatile("mov %0, %%cr2" ::"r"(v) : "memory"); }
inline void write_cr3(uint64_t v) { asm volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
inline void write_cr4(uint64_t v) { asm volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }

struct [[gnu::packed]] DescriptorTablePointer {
    uint16_t limit;
    uint64_t base;
};

inline DescriptorTablePointer read_gdtr() {
    DescriptorTablePointer p;
    asm volatile("sgdt %0" : "=m"(p));
    return p;
}
inline DescriptorTablePointer read_idtr() {
    DescriptorTablePointer p;
    asm volatile("sidt %0" : "=m"(p));
    return p;
}
inline void write_gdtr(const DescriptorTablePointer& p) { asm volatile("lgdt %0" ::"m"(p)); }
inline void write_idtr(const DescriptorTablePointer& p) { asm volatile("lidt %0" ::"m"(p)); }

inline uint16_t read_cs() { uint16_t v; asm volatile("mov %%cs, %0" : "=r"(v)); return v; }
inline uint16_t read_ss() { uint16_t v; asm volatile("mov %%ss, %0" : "=r"(v)); return v; }
inline uint16_t read_ds() { uint16_t v; asm volatile("mov %%ds, %0" : "=r"(v)); return v; }
inline uint16_t read_es() { uint16_t v; asm volatile("mov %%es, %0" : "=r"(v)); return v; }
inline uint64_t read_dr7() { uint64_t v; asm volatile("mov %%dr7, %0" : "=r"(v)); return v; }



inline void pause() { asm volatile("pause" ::: "memory"); }
inline void clgi() { asm volatile("clgi" ::: "memory"); }
inline void stgi() { asm volatile("stgi" ::: "memory"); }
inline void vmsave(uint64_t vmcb_pa) { asm volatile("vmsave %%rax" ::"a"(vmcb_pa) : "memory"); }
inline void vmload(uint64_t vmcb_pa) { asm volatile("vmload %%rax" ::"a"(vmcb_pa) : "memory"); }


}  // namespace bh::x86
