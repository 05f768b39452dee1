// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The IDT: 256 interrupt gates into isr.S's stubs. Exceptions (0-31) are
// reported and halt the CPU; interrupts go to the registered handler and are
// acknowledged (EOI) afterwards.
#include <inmate/apic.h>
#include <inmate/inmate.h>

#include "internal.h"

extern "C" char inmate_isr_stubs[];
extern "C" char inmate_isr_stubs_end[];
extern "C" void inmate_interrupt(inmate::Frame* frame);

namespace inmate {
namespace {

struct [[gnu::packed]] Gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type;  // 0x8e: present, DPL 0, 64-bit interrupt gate
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(Gate) == 16);

struct [[gnu::packed]] Idtr {
    uint16_t limit;
    uint64_t base;
};

alignas(16) Gate idt[256];
IrqHandler handlers[256];
uint64_t unexpected_count;

const char* const exception_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
    "#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor overrun",
    "#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check", "#MC machine check",
    "#XM SIMD error", "#VE virtualisation", "#CP control protection", "reserved 22", "reserved 23",
    "reserved 24", "reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
    "#VC VMM communication", "#SX security", "reserved 31"};

template <typename... Args>
void report(const char* fmt, const Args&... args) {
    bh::FixedString<256> s;
    s.format(fmt, args...);
    console_write_unlocked(s.c_str(), s.length());
}

[[noreturn]] void exception(const Frame& f) {
    uint64_t v = f.vector;
    console_flush();
    report("\ninmate: EXCEPTION vector {} ({}) error {} at RIP {} on APIC {}\n", v, exception_names[v & 31],
           bh::hex(f.error_code), bh::hex(f.rip), apic::mode() == apic::Mode::off ? 0u : apic::id());
    report("inmate:   CS {} RFLAGS {} RSP {} SS {} CR2 {} CR3 {}\n", bh::hex(f.cs), bh::hex(f.rflags),
           bh::hex(f.rsp), bh::hex(f.ss), bh::hex(x86::read_cr2()), bh::hex(x86::read_cr3()));
    report("inmate:   RAX {} RBX {} RCX {} RDX {}\n", bh::hex(f.rax), bh::hex(f.rbx), bh::hex(f.rcx),
           bh::hex(f.rdx));
    report("inmate:   RSI {} RDI {} RBP {} R8 {}\n", bh::hex(f.rsi), bh::hex(f.rdi), bh::hex(f.rbp),
           bh::hex(f.r8));
    fatal_halt();
}

}  // namespace

void idt_init() {
    uintptr_t base = reinterpret_cast<uintptr_t>(inmate_isr_stubs);
    for (unsigned v = 0; v < 256; ++v) {
        uintptr_t entry = base + 16 * v;
        idt[v] = Gate{static_cast<uint16_t>(entry),
                      INMATE_CS64,
                      0,
                      0x8e,
                      static_cast<uint16_t>(entry >> 16),
                      static_cast<uint32_t>(entry >> 32),
                      0};
    }
    idt_load();
}

void idt_load() {
    Idtr idtr{sizeof(idt) - 1, reinterpret_cast<uint64_t>(idt)};
    asm volatile("lidt %0" ::"m"(idtr));
}

void irq_set_handler(uint8_t vector, IrqHandler handler) {
    __atomic_store_n(&handlers[vector], handler, __ATOMIC_RELEASE);
}

}  // namespace inmate

extern "C" void inmate_interrupt(inmate::Frame* frame) {
    using namespace inmate;
    uint64_t v = frame->vector;
    if (v < 32)
        exception(*frame);
    if (v == vector_spurious)
        return;  // no EOI for the spurious vector
    IrqHandler h = __atomic_load_n(&handlers[v], __ATOMIC_ACQUIRE);
    if (h != nullptr) {
        h(*frame);
    } else if (++unexpected_count <= 10) {
        report("inmate: unexpected interrupt, vector {} at RIP {}\n", v, bh::hex(frame->rip));
    }
    apic::eoi();
}
