// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The AMD SVM Virtual Machine Control Block (AMD64 APM vol. 2, appendix B),
// as offsets into a 4 KiB page: plain offsets are easier to check against
// the manual than a 100-field struct with padding.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace bh::svm {

namespace offset {
// Control area.
inline constexpr size_t intercept_cr = 0x000;
inline constexpr size_t intercept_dr = 0x004;
inline constexpr size_t intercept_exceptions = 0x008;
inline constexpr size_t intercept_misc1 = 0x00c;
inline constexpr size_t intercept_misc2 = 0x010;
inline constexpr size_t iopm_base_pa = 0x040;
inline constexpr size_t msrpm_base_pa = 0x048;
inline constexpr size_t tsc_offset = 0x050;
inline constexpr size_t guest_asid = 0x058;
inline constexpr size_t tlb_control = 0x05c;
inline constexpr size_t int_ctl = 0x060;
inline constexpr size_t interrupt_shadow = 0x068;
inline constexpr size_t exit_code = 0x070;
inline constexpr size_t exit_info1 = 0x078;
inline constexpr size_t exit_info2 = 0x080;
inline constexpr size_t exit_int_info = 0x088;
inline constexpr size_t nested_control = 0x090;
inline constexpr size_t event_inject = 0x0a8;
inline constexpr size_t nested_cr3 = 0x0b0;
inline constexpr size_t clean_bits = 0x0c0;
inline constexpr size_t next_rip = 0x0c8;
// State save area.
inline constexpr size_t es = 0x400;
inline constexpr size_t cs = 0x410;
inline constexpr size_t ss = 0x420;
inline constexpr size_t ds = 0x430;
inline constexpr size_t fs = 0x440;
inline constexpr size_t gs = 0x450;
inline constexpr size_t gdtr = 0x460;
inline constexpr size_t ldtr = 0x470;
inline constexpr size_t idtr = 0x480;
inline constexpr size_t tr = 0x490;
inline constexpr size_t cpl = 0x4cb;
inline constexpr size_t efer = 0x4d0;
inline constexpr size_t cr4 = 0x548;
inline constexpr size_t cr3 = 0x550;
inline constexpr size_t cr0 = 0x558;
inline constexpr size_t dr7 = 0x560;
inline constexpr size_t dr6 = 0x568;
inline constexpr size_t rflags = 0x570;
inline constexpr size_t rip = 0x578;
inline constexpr size_t rsp = 0x5d8;
inline constexpr size_t rax = 0x5f8;
inline constexpr size_t cr2 = 0x640;
inline constexpr size_t g_pat = 0x668;
}  // namespace offset

// A segment register in the save area: selector, attributes, limit, base.
struct [[gnu::packed]] Segment {
    uint16_t selector;
    uint16_t attrib;
    uint32_t limit;
    uint64_t base;
};
static_assert(sizeof(Segment) == 16);

// intercept_misc1 bits
inline constexpr uint32_t intercept_nmi = 1u << 1;
inline constexpr uint32_t intercept_cpuid = 1u << 18;
inline constexpr uint32_t intercept_invlpga = 1u << 26;
inline constexpr uint32_t intercept_ioio = 1u << 27;
inline constexpr uint32_t intercept_msr = 1u << 28;
inline constexpr uint32_t intercept_shutdown = 1u << 31;
// intercept_misc2 bits
inline constexpr uint32_t intercept_vmrun = 1u << 0;
inline constexpr uint32_t intercept_vmmcall = 1u << 1;
inline constexpr uint32_t intercept_vmload = 1u << 2;
inline constexpr uint32_t intercept_vmsave = 1u << 3;
inline constexpr uint32_t intercept_stgi = 1u << 4;
inline constexpr uint32_t intercept_clgi = 1u << 5;
inline constexpr uint32_t intercept_skinit = 1u << 6;

inline constexpr uint64_t nested_paging_enable = 1;
inline constexpr uint8_t tlb_flush_all = 1;

// Exit codes.
inline constexpr uint64_t exit_excp_base = 0x40;
inline constexpr uint64_t exit_nmi = 0x61;
inline constexpr uint64_t exit_cpuid = 0x72;
inline constexpr uint64_t exit_invlpga = 0x7a;
inline constexpr uint64_t exit_ioio = 0x7b;
inline constexpr uint64_t exit_msr = 0x7c;
inline constexpr uint64_t exit_shutdown = 0x7f;
inline constexpr uint64_t exit_vmrun = 0x80;
inline constexpr uint64_t exit_vmmcall = 0x81;
inline constexpr uint64_t exit_vmload = 0x82;
inline constexpr uint64_t exit_vmsave = 0x83;
inline constexpr uint64_t exit_stgi = 0x84;
inline constexpr uint64_t exit_clgi = 0x85;
inline constexpr uint64_t exit_skinit = 0x86;
inline constexpr uint64_t exit_npf = 0x400;
inline constexpr uint64_t exit_invalid = ~0ull;

// EVENTINJ
inline constexpr uint64_t event_valid = 1ull << 31;
inline constexpr uint64_t event_error_valid = 1ull << 11;
inline constexpr uint64_t event_type_nmi = 2ull << 8;
inline constexpr uint64_t event_type_exception = 3ull << 8;

class Vmcb {
public:
    explicit Vmcb(uint8_t* page) : page_(page) {}
    template <typename T>
    T& at(size_t off) const {
        return *reinterpret_cast<T*>(page_ + off);
    }
    uint64_t& u64(size_t off) const { return at<uint64_t>(off); }
    uint32_t& u32(size_t off) const { return at<uint32_t>(off); }
    Segment& segment(size_t off) const { return at<Segment>(off); }

private:
    uint8_t* page_;
};

}  // namespace bh::svm
