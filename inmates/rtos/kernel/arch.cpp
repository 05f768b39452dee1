// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "arch.h"

#include <inmate/x86.h>

namespace bh::rtos::arch {
namespace {

struct [[gnu::packed]] Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
static_assert(sizeof(Tss) == 104);

struct [[gnu::packed]] Gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(Gate) == 16);

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};

// 0x08 32-bit code, 0x10 data, 0x18 64-bit code: as the library's boot GDT.
// 0x20 kernel data (SYSCALL loads SS = STAR[47:32] + 8), 0x28 user 32-bit
// code (SYSRET's base: CS = base + 16, SS = base + 8), 0x30 user data,
// 0x38 user 64-bit code, 0x40 the TSS (two slots).
alignas(16) uint64_t gdt[10] = {
    0,
    0x00cf9a000000ffff,
    0x00cf92000000ffff,
    0x00af9a000000ffff,
    0x00cf92000000ffff,
    0x00cffa000000ffff,
    0x00cff2000000ffff,
    0x00affa000000ffff,
    0,
    0,
};
alignas(16) Tss tss;
alignas(16) Gate idt[256];
Features cpu_features;

constexpr uint32_t msr_star = 0xc0000081, msr_lstar = 0xc0000082, msr_cstar = 0xc0000083,
                   msr_sfmask = 0xc0000084;
constexpr uint64_t efer_sce = 1ull << 0, efer_nxe = 1ull << 11;
constexpr uint64_t cr0_em = 1ull << 2, cr0_mp = 1ull << 1, cr0_ts = 1ull << 3;
constexpr uint64_t cr4_pge = 1ull << 7, cr4_osfxsr = 1ull << 9, cr4_osxmmexcpt = 1ull << 10,
                   cr4_smep = 1ull << 20, cr4_smap = 1ull << 21;
constexpr uint64_t rflags_tf = 1ull << 8, rflags_if = 1ull << 9, rflags_df = 1ull << 10,
                   rflags_nt = 1ull << 14, rflags_ac = 1ull << 18;

void write_cr0(uint64_t v) { asm volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }
void write_cr4(uint64_t v) { asm volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }

void load_gdt_and_tss(uint64_t stack_top) {
    tss.rsp[0] = stack_top;
    tss.iomap_base = sizeof(Tss);  // no I/O bitmap: IOPL 0 denies every port to ring 3
    uint64_t base = reinterpret_cast<uint64_t>(&tss);
    uint64_t limit = sizeof(Tss) - 1;
    gdt[8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
             (((base >> 24) & 0xff) << 56);
    gdt[9] = base >> 32;
    DescriptorPointer gdtr{sizeof(gdt) - 1, reinterpret_cast<uint64_t>(gdt)};
    asm volatile("lgdt %0" ::"m"(gdtr));
    // Reload CS (same selector value, new table) and the data segments.
    asm volatile(
        "pushq %[cs]\n"
        "leaq 1f(%%rip), %%rax\n"
        "pushq %%rax\n"
        "lretq\n"
        "1:\n"
        "movl %[ds], %%eax\n"
        "movl %%eax, %%ds\n"
        "movl %%eax, %%es\n"
        "movl %%eax, %%ss\n" ::[cs] "i"(kernel_cs),
        [ds] "i"(kernel_ds)
        : "rax", "memory");
    asm volatile("ltr %w0" ::"r"(tss_selector));
}

// The library's gates, copied; the exceptions the kernel handles itself
// (all but NMI, #DF and #MC, which stay fatal reports of the library) point
// at entry.S's stubs.
void load_idt() {
    DescriptorPointer lib;
    asm volatile("sidt %0" : "=m"(lib));
    memcpy(idt, reinterpret_cast<const void*>(lib.base), sizeof(idt));
    uint64_t stubs = reinterpret_cast<uint64_t>(rtos_exception_stubs);
    for (unsigned v = 0; v < 32; ++v) {
        if (v == 2 || v == 8 || v == 18)
            continue;
        uint64_t entry = stubs + 16 * v;
        idt[v] = Gate{static_cast<uint16_t>(entry), kernel_cs, 0, 0x8e, static_cast<uint16_t>(entry >> 16),
                      static_cast<uint32_t>(entry >> 32), 0};
    }
    DescriptorPointer idtr{sizeof(idt) - 1, reinterpret_cast<uint64_t>(idt)};
    asm volatile("lidt %0" ::"m"(idtr));
}

}  // namespace

const Features& features() { return cpu_features; }

void init_cpu(uint64_t kernel_stack_top) {
    using namespace inmate;
    rtos_kernel_stack_top = kernel_stack_top;
    load_gdt_and_tss(kernel_stack_top);
    load_idt();

    inmate::x86::Cpuid ext = inmate::x86::cpuid(0x80000000);
    cpu_features.nx = ext.eax >= 0x80000001 && (inmate::x86::cpuid(0x80000001).edx & (1u << 20));
    cpu_features.pge = inmate::x86::cpuid(1).edx & (1u << 13);
    if (inmate::x86::cpuid(0).eax >= 7) {
        inmate::x86::Cpuid l7 = inmate::x86::cpuid(7);
        cpu_features.smep = l7.ebx & (1u << 7);
        cpu_features.smap = l7.ebx & (1u << 20);
    }

    uint64_t efer = inmate::x86::rdmsr(inmate::x86::msr_efer) | efer_sce;
    if (cpu_features.nx)
        efer |= efer_nxe;
    inmate::x86::wrmsr(inmate::x86::msr_efer, efer);
    // SYSCALL: CS 0x18, SS 0x20. SYSRET (64-bit): CS 0x38|3, SS 0x30|3.
    inmate::x86::wrmsr(msr_star, (0x28ull << 48) | (static_cast<uint64_t>(kernel_cs) << 32));
    inmate::x86::wrmsr(msr_lstar, reinterpret_cast<uint64_t>(rtos_syscall_entry));
    inmate::x86::wrmsr(msr_cstar, 0);
    inmate::x86::wrmsr(msr_sfmask, rflags_if | rflags_tf | rflags_df | rflags_nt | rflags_ac);

    // No FPU/SSE for anyone: the kernel saves no such state, so ring 3 must
    // not be able to use it (x87 -> #NM, SSE -> #UD).
    write_cr0((inmate::x86::read_cr0() | cr0_em) & ~(cr0_mp | cr0_ts));
    uint64_t cr4 = inmate::x86::read_cr4() & ~(cr4_osfxsr | cr4_osxmmexcpt);
    if (cpu_features.pge)
        cr4 |= cr4_pge;
    if (cpu_features.smep)
        cr4 |= cr4_smep;
    if (cpu_features.smap)
        cr4 |= cr4_smap;
    write_cr4(cr4);
}

void user_access_begin() {
    if (cpu_features.smap)
        asm volatile("stac" ::: "memory");
}

void user_access_end() {
    if (cpu_features.smap)
        asm volatile("clac" ::: "memory");
}

}  // namespace bh::rtos::arch
