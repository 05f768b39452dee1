// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Local APIC driver for both modes. xAPIC: 32-bit MMIO registers in the page
// at IA32_APIC_BASE (mapped uncached by the boot stub); x2APIC: MSR
// 0x800 + offset / 16, with the 64-bit ICR at 0x830 and a 32-bit ID.
#include <inmate/apic.h>
#include <inmate/inmate.h>

namespace inmate::apic {
namespace {

Mode current = Mode::off;
uintptr_t mmio_base = 0xfee00000;
uint32_t timer_lvt = lvt_masked;

constexpr uint32_t x2apic_msr(uint32_t reg) { return 0x800 + (reg >> 4); }
constexpr uint32_t msr_x2apic_icr = 0x830;

Mode detect() {
    uint64_t base = x86::rdmsr(x86::msr_apic_base);
    mmio_base = base & 0xffffff000ull;
    if (!(base & x86::apic_base_enable))
        return Mode::off;
    return (base & x86::apic_base_extd) ? Mode::x2apic : Mode::xapic;
}

}  // namespace

Mode mode() { return current; }

const char* mode_name(Mode m) {
    switch (m) {
    case Mode::xapic:
        return "xapic";
    case Mode::x2apic:
        return "x2apic";
    default:
        return "off";
    }
}

uint32_t read(uint32_t reg) {
    if (current == Mode::x2apic)
        return static_cast<uint32_t>(x86::rdmsr(x2apic_msr(reg)));
    return x86::mmio_read32(mmio_base + reg);
}

void write(uint32_t reg, uint32_t value) {
    if (current == Mode::x2apic)
        x86::wrmsr(x2apic_msr(reg), value);
    else
        x86::mmio_write32(mmio_base + reg, value);
}

Mode init() {
    current = detect();
    if (current == Mode::off) {
        // Disabled in IA32_APIC_BASE (the firmware or the hypervisor chose
        // so): turn it on in xAPIC mode, the state after reset.
        uint64_t base = x86::rdmsr(x86::msr_apic_base);
        x86::wrmsr(x86::msr_apic_base, base | x86::apic_base_enable);
        current = detect();
    }
    if (current == Mode::off)
        return current;
    write(reg_tpr, 0);
    write(reg_svr, 0x100 | vector_spurious);  // software enable
    write(reg_lvt_timer, lvt_masked);
    return current;
}

Mode enable_x2apic() {
    if (current == Mode::xapic && (x86::cpuid(1).ecx & x86::cpuid1_ecx_x2apic)) {
        uint64_t base = x86::rdmsr(x86::msr_apic_base);
        x86::wrmsr(x86::msr_apic_base, base | x86::apic_base_enable | x86::apic_base_extd);
        current = detect();
        write(reg_svr, 0x100 | vector_spurious);
    }
    return current;
}

uint32_t id() {
    uint32_t v = read(reg_id);
    return current == Mode::x2apic ? v : v >> 24;
}

void eoi() {
    if (current != Mode::off)
        write(reg_eoi, 0);
}

void send_ipi(uint32_t destination, uint32_t icr_low) {
    if (current == Mode::x2apic) {
        x86::wrmsr(msr_x2apic_icr, (static_cast<uint64_t>(destination) << 32) | icr_low);
        return;
    }
    write(reg_icr_high, destination << 24);
    write(reg_icr_low, icr_low);
    for (unsigned i = 0; i < 1000000 && (read(reg_icr_low) & icr_delivery_pending); ++i)
        x86::pause();
}

// --- timer --------------------------------------------------------------------

const char* timer_mode_name(TimerMode m) {
    switch (m) {
    case TimerMode::oneshot:
        return "one-shot";
    case TimerMode::periodic:
        return "periodic";
    default:
        return "tsc-deadline";
    }
}

bool tsc_deadline_supported() { return x86::cpuid(1).ecx & x86::cpuid1_ecx_tsc_deadline; }

void timer_start(TimerMode mode, uint8_t vector, uint32_t count) {
    uint32_t m = mode == TimerMode::periodic   ? lvt_timer_periodic
                 : mode == TimerMode::deadline ? lvt_timer_tsc_deadline
                                               : lvt_timer_oneshot;
    write(reg_timer_initial, 0);  // stop first
    write(reg_timer_divide, 0xb);  // divide by 1
    timer_lvt = m | vector;
    write(reg_lvt_timer, timer_lvt);
    if (mode == TimerMode::deadline) {
        // Order the LVT write before the first deadline (SDM 10.5.4.1).
        x86::mfence();
    } else {
        write(reg_timer_initial, count);
    }
}

void timer_set_count(uint32_t count) { write(reg_timer_initial, count); }

void timer_set_deadline(uint64_t tsc) { x86::wrmsr(x86::msr_tsc_deadline, tsc); }

void timer_stop() {
    timer_lvt |= lvt_masked;
    write(reg_lvt_timer, timer_lvt);
    write(reg_timer_initial, 0);
    if ((timer_lvt & (3u << 17)) == lvt_timer_tsc_deadline)
        x86::wrmsr(x86::msr_tsc_deadline, 0);
}

uint32_t timer_current() { return read(reg_timer_current); }
uint32_t timer_initial() { return read(reg_timer_initial); }

}  // namespace inmate::apic
