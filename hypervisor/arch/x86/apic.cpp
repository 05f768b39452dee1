// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "apic.h"

#include "../../core/console.h"
#include "../../core/hypervisor.h"
#include "cpu.h"

#include <bh/spinlock.h>

namespace bh::x86::apic {

namespace {

// xAPIC register offsets in the APIC page.
constexpr uint32_t reg_id = 0x020;
constexpr uint32_t reg_tpr = 0x080;
constexpr uint32_t reg_eoi = 0x0b0;
constexpr uint32_t reg_ldr = 0x0d0;
constexpr uint32_t reg_dfr = 0x0e0;
constexpr uint32_t reg_svr = 0x0f0;
constexpr uint32_t reg_esr = 0x280;
constexpr uint32_t reg_lvt_cmci = 0x2f0;
constexpr uint32_t reg_icr_low = 0x300;
constexpr uint32_t reg_icr_high = 0x310;
constexpr uint32_t reg_lvt_timer = 0x320;
constexpr uint32_t reg_lvt_thermal = 0x330;
constexpr uint32_t reg_lvt_pmc = 0x340;
constexpr uint32_t reg_lvt_lint0 = 0x350;
constexpr uint32_t reg_lvt_lint1 = 0x360;
constexpr uint32_t reg_lvt_error = 0x370;
constexpr uint32_t reg_timer_initial = 0x380;
constexpr uint32_t reg_timer_divide = 0x3e0;

constexpr uint32_t msr_x2apic_id = 0x802;
constexpr uint64_t apic_base_address = 0x000ffffffffff000ull;
constexpr uint32_t reports_first = 16;     // reports printed in full per kind
constexpr uint32_t reports_every = 1024;   // then one in this many

struct State {
    Mode mode{};
    uint32_t reports_ipi{};
    uint32_t reports_write{};
};
constinit State state;

bool should_report(uint32_t& counter) {
    uint32_t n = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
    return n < reports_first || n % reports_every == 0;
}

volatile uint32_t* xapic_register(uint32_t offset) {
    // The hypervisor's page tables map physical memory at VA = PA, device
    // memory below 4 GiB uncached.
    return reinterpret_cast<volatile uint32_t*>(xapic_page + offset);
}
uint32_t xapic_read(uint32_t offset) { return *xapic_register(offset); }
void xapic_write_real(uint32_t offset, uint32_t value) { *xapic_register(offset) = value; }

void send_physical(uint32_t apic_id, uint32_t low) {
    if (state.mode == Mode::x2apic) {
        wrmsr(msr_x2apic_icr, (static_cast<uint64_t>(apic_id) << 32) | low);
        return;
    }
    // The previous IPI must have left the ICR (bounded: a wedged APIC must
    // not hang the hypervisor).
    for (int i = 0; i < 1000000 && (xapic_read(reg_icr_low) & icr_busy); ++i)
        pause();
    xapic_write_real(reg_icr_high, apic_id << 24);
    xapic_write_real(reg_icr_low, low);
}

// The CPUs of the cell that `sender` runs: those whose guest is the same
// cell (the root's are the CPUs no cell took). Callers also require
// apic_ready: only CPUs that entered the hypervisor count. Linux's CPU
// numbers may have gaps (a CPU offline at enable), so the bound is
// max_cpus, not the number of CPUs that entered.
bool same_cell(const PerCpu& sender, uint32_t cpu) {
    if (cpu >= kconfig::max_cpus)
        return false;
    return percpu(cpu).cell == sender.cell;
}

PerCpu* cpu_with_apic_id(uint32_t apic_id) {
    for (uint32_t c = 0; c < kconfig::max_cpus; ++c)
        if (__atomic_load_n(&percpu(c).apic_ready, __ATOMIC_ACQUIRE) && percpu(c).apic_id == apic_id)
            return &percpu(c);
    return nullptr;
}

// Linux brings a CPU online with INIT, SIPI, SIPI. A CPU a cell gave back
// already waits in the hypervisor; any other root CPU is parked by the INIT
// (it is one Linux offlined, maybe for a cell create that was refused). The
// first SIPI starts Linux's trampoline in guest mode. Returns true when
// consumed.
bool virtual_init_sipi(PerCpu& sender, uint64_t icr, bool x2apic) {
    uint32_t low = static_cast<uint32_t>(icr);
    uint32_t mode = delivery_mode_of(low);
    if (sender.cell != nullptr || (mode != dm_init && mode != dm_startup) || shorthand_of(low) != sh_none ||
        (low & icr_dest_logical))
        return false;
    uint32_t dest = x2apic ? static_cast<uint32_t>(icr >> 32) : static_cast<uint32_t>(icr >> 56);
    PerCpu* target = cpu_with_apic_id(dest);
    if (target == nullptr || target->cell != nullptr)
        return false;
    // Linux sends a second SIPI after the one that started the CPU.
    if (mode == dm_startup && target->absorb_sipi) {
        target->absorb_sipi = false;
        return true;
    }
    if (!target->wait_for_sipi) {
        // Only an asserting INIT stops a CPU; a de-assert is void.
        if (mode != dm_init || !(low & icr_level_assert))
            return false;
        return root_virtual_init(sender, *target);
    }
    if (mode == dm_startup && root_virtual_sipi(sender, *target, static_cast<uint8_t>(low & icr_vector)))
        target->absorb_sipi = true;
    return true;
}

struct CellCpus {
    CellCpu cpus[max_cell_cpus];
    uint32_t linux_id[max_cell_cpus];
    uint32_t count;
    uint32_t self;
};

void collect_cell_cpus(const PerCpu& sender, CellCpus& out) {
    out.count = 0;
    out.self = 0;
    for (uint32_t c = 0; c < kconfig::max_cpus; ++c) {
        const PerCpu& other = percpu(c);
        if (!__atomic_load_n(&other.apic_ready, __ATOMIC_ACQUIRE) || !same_cell(sender, c))
            continue;
        if (c == sender.cpu_id)
            out.self = out.count;
        out.cpus[out.count] = {other.apic_id, __atomic_load_n(&other.apic_ldr, __ATOMIC_RELAXED),
                               __atomic_load_n(&other.apic_dfr, __ATOMIC_RELAXED)};
        out.linux_id[out.count] = c;
        ++out.count;
    }
}

void report_refused_ipi(PerCpu& cpu, uint64_t icr, const IcrDecision& d) {
    ++cpu.stats[BH_STAT_IPI_BLOCKED];
    uint32_t low = static_cast<uint32_t>(icr);
    const char* kind = delivery_mode_name(delivery_mode_of(low));
    const char* dest_kind = shorthand_of(low) != sh_none      ? "shorthand destination"
                            : (low & icr_dest_logical) != 0 ? "logical destination"
                                                            : "physical APIC id";
    const char* why = d.refusal == Refusal::delivery_mode ? "delivery mode never allowed for a cell"
                                                          : "not a CPU of the cell";
    if (cpu.cell != nullptr) {
        // A non-root cell that signals outside itself is stopped.
        FixedString<BH_CELL_REASON_SIZE - 1> reason;
        reason.format("{} IPI to {} {}: {}", kind, dest_kind, hex(d.refused_destination), why);
        cell_fail(cpu, reason.c_str());
        return;
    }
    if (!should_report(state.reports_ipi))
        return;
    console::print("root cell: CPU {}: blocked {} IPI (vector {}, ICR {}) to {} {}: {}", cpu.cpu_id, kind,
                   hex(low & icr_vector), hex(icr), dest_kind, hex(d.refused_destination), why);
}

bool lvt_delivery_mode_allowed(uint32_t value) {
    switch (delivery_mode_of(value)) {
    case dm_fixed:
    case dm_nmi:
    case dm_extint:
        return true;
    default:
        return false;  // SMI, INIT and reserved would take the CPU from us
    }
}

void report_refused_write(PerCpu& cpu, const char* what, uint64_t value) {
    if (should_report(state.reports_write))
        console::print("root cell: CPU {}: refused {} write {}", cpu.cpu_id, what, hex(value));
}

}  // namespace

Mode mode() { return state.mode; }

Result<void> global_init(const bh_platform_info& platform) {
    uint64_t base = rdmsr(msr_apic_base);
    if (!(base & apic_base_enable)) {
        console::print("the local APIC is disabled (IA32_APIC_BASE {})", hex(base));
        return Errc::nodev;
    }
    if ((base & apic_base_address) != xapic_page) {
        console::print("the local APIC is at {}, bulkhead needs it at {}", hex(base & apic_base_address),
                       hex(xapic_page));
        return Errc::nodev;
    }
    state.mode = (base & apic_base_x2apic) ? Mode::x2apic : Mode::xapic;
    const char* name = state.mode == Mode::x2apic ? "x2APIC" : "xAPIC";
    if ((platform.apic_mode == BH_APIC_MODE_XAPIC && state.mode != Mode::xapic) ||
        (platform.apic_mode == BH_APIC_MODE_X2APIC && state.mode != Mode::x2apic)) {
        console::print("Linux runs the APIC in {} mode, but the system config requires {}", name,
                       platform.apic_mode == BH_APIC_MODE_XAPIC ? "xAPIC" : "x2APIC");
        return Errc::inval;
    }
    state.reports_ipi = 0;
    state.reports_write = 0;
    console::print("APIC in {} mode: {}", name,
                   state.mode == Mode::x2apic ? "ICR and LVT writes intercepted"
                                              : "APIC page write-protected, writes decoded and emulated");
    return success();
}

Result<void> cpu_init(PerCpu& cpu) {
    uint64_t base = rdmsr(msr_apic_base);
    Mode mine = (base & apic_base_x2apic) ? Mode::x2apic : Mode::xapic;
    if (mine != state.mode || !(base & apic_base_enable) || (base & apic_base_address) != xapic_page) {
        console::print("CPU {}: IA32_APIC_BASE {} differs from the first CPU's APIC mode", cpu.cpu_id, hex(base));
        return Errc::inval;
    }
    uint32_t initial_id = cpuid(1).ebx >> 24;
    if (mine == Mode::x2apic) {
        cpu.apic_id = static_cast<uint32_t>(rdmsr(msr_x2apic_id));
        cpu.apic_ldr = x2apic_logical_id(cpu.apic_id);
        cpu.apic_dfr = 0;
        initial_id = cpuid(0xb).edx;
    } else {
        cpu.apic_id = xapic_read(reg_id) >> 24;
        cpu.apic_ldr = xapic_read(reg_ldr);
        cpu.apic_dfr = xapic_read(reg_dfr);
    }
    cpu.apic_icr_high = 0;
    if (cpu.apic_id != initial_id)
        console::print("CPU {}: APIC id {} (CPUID says {})", cpu.cpu_id, cpu.apic_id, initial_id);
    __atomic_store_n(&cpu.apic_ready, true, __ATOMIC_RELEASE);
    return success();
}

void icr_write(PerCpu& cpu, uint64_t icr) {
    ++cpu.stats[BH_STAT_IPI];
    if (virtual_init_sipi(cpu, icr, state.mode == Mode::x2apic))
        return;
    CellCpus cell;
    collect_cell_cpus(cpu, cell);
    IcrDecision d = filter_icr(state.mode, icr, cell.cpus, cell.count, cell.self);
    for (uint32_t i = 0; i < cell.count; ++i)
        if (d.targets.contains(i))
            send_physical(cell.cpus[i].apic_id, d.send_low);
    if (d.refusal != Refusal::none)
        report_refused_ipi(cpu, icr, d);
}

bool msr_write(PerCpu& cpu, uint32_t msr, uint64_t value) {
    switch (msr) {
    case msr_apic_base:
        // Linux picks the APIC mode at boot; a change under the hypervisor
        // (mode, base, disable) would void the filter.
        if (value == rdmsr(msr_apic_base))
            return true;
        report_refused_write(cpu, "IA32_APIC_BASE", value);
        return false;
    case msr_x2apic_icr:
        if (state.mode != Mode::x2apic)
            return false;
        icr_write(cpu, value);
        return true;
    case msr_x2apic_lvt_cmci:
    case msr_x2apic_lvt_thermal:
    case msr_x2apic_lvt_pmc:
    case msr_x2apic_lvt_lint0:
    case msr_x2apic_lvt_lint1:
        if (state.mode != Mode::x2apic)
            return false;
        if (!lvt_delivery_mode_allowed(static_cast<uint32_t>(value))) {
            report_refused_write(cpu, "LVT (delivery mode)", value);
            return true;
        }
        wrmsr(msr, value);
        return true;
    default:
        return false;
    }
}

bool xapic_write(PerCpu& cpu, uint32_t offset, uint32_t value) {
    if (state.mode != Mode::xapic)
        return false;  // the page is not the APIC in x2APIC mode
    switch (offset) {
    case reg_icr_low:
        icr_write(cpu, (static_cast<uint64_t>(cpu.apic_icr_high) << 32) | value);
        return true;
    case reg_icr_high:
        cpu.apic_icr_high = value;
        xapic_write_real(offset, value);  // harmless alone; reads see it
        return true;
    case reg_ldr:
        __atomic_store_n(&cpu.apic_ldr, value & 0xff000000u, __ATOMIC_RELAXED);
        xapic_write_real(offset, value);
        return true;
    case reg_dfr:
        __atomic_store_n(&cpu.apic_dfr, value | 0x0fffffffu, __ATOMIC_RELAXED);
        xapic_write_real(offset, value);
        return true;
    case reg_lvt_cmci:
    case reg_lvt_thermal:
    case reg_lvt_pmc:
    case reg_lvt_lint0:
    case reg_lvt_lint1:
        if (!lvt_delivery_mode_allowed(value)) {
            report_refused_write(cpu, "LVT (delivery mode)", value);
            return true;
        }
        xapic_write_real(offset, value);
        return true;
    case reg_tpr:
    case reg_eoi:
    case reg_svr:
    case reg_esr:
    case reg_lvt_timer:
    case reg_lvt_error:
    case reg_timer_initial:
    case reg_timer_divide:
        xapic_write_real(offset, value);
        return true;
    case reg_id:
        // The APIC id is what the filter knows the CPU by.
        report_refused_write(cpu, "APIC ID", value);
        return true;
    default:
        // Read-only, reserved or AMD extended registers: dropped.
        if (should_report(state.reports_write))
            console::print("root cell: CPU {}: ignored write {} to APIC register {}", cpu.cpu_id, hex(value),
                           hex(offset));
        return true;
    }
}

void send_nmi(uint32_t apic_id) { send_physical(apic_id, dm_nmi << 8); }

void send_fixed(uint32_t apic_id, uint8_t vector) {
    constexpr uint32_t level_assert = 1u << 14;
    send_physical(apic_id, level_assert | vector);  // delivery mode fixed (0)
}

namespace {

// An interrupt still requested (IRR) from the previous guest, vectors 32-255.
bool irr_pending() {
    constexpr uint32_t reg_irr = 0x200;
    for (uint32_t r = 1; r < 8; ++r) {
        uint32_t bits = state.mode == Mode::x2apic ? static_cast<uint32_t>(rdmsr(0x820 + r))
                                                   : xapic_read(reg_irr + 0x10 * r);
        if (bits != 0)
            return true;
    }
    return false;
}

}  // namespace

void reset_for_new_guest(PerCpu& cpu) {
    constexpr uint32_t lvt_masked = 1u << 16;
    constexpr uint32_t reg_isr = 0x100;
    if (state.mode == Mode::x2apic) {
        wrmsr(0x832, lvt_masked);  // LVT timer
        wrmsr(0x838, 0);           // initial count
        wrmsr(0x808, 0);           // TPR
        for (int i = 0; i < 256; ++i) {
            bool in_service = false;
            for (uint32_t r = 0; r < 8; ++r)
                in_service = in_service || rdmsr(0x810 + r) != 0;
            if (!in_service)
                break;
            wrmsr(0x80b, 0);  // EOI
        }
    } else {
        xapic_write_real(reg_lvt_timer, lvt_masked);
        xapic_write_real(reg_timer_initial, 0);
        xapic_write_real(reg_tpr, 0);
        for (int i = 0; i < 256; ++i) {
            bool in_service = false;
            for (uint32_t r = 0; r < 8; ++r)
                in_service = in_service || xapic_read(reg_isr + 0x10 * r) != 0;
            if (!in_service)
                break;
            xapic_write_real(reg_eoi, 0);
        }
    }
    // An interrupt the old guest left requested (Linux's timer, an IPI)
    // would reach the new guest's IDT at its first STI: no guest gets
    // another's interrupt. Software cannot clear IRR, so the interrupts are
    // taken here, in host mode (bh_host_irq acknowledges and drops them).
    // A software-disabled APIC (Linux disables it on a CPU it offlines)
    // holds them back: it is enabled for the drain, then put back.
    if (irr_pending()) {
        constexpr uint32_t svr_enable = 1u << 8;
        constexpr uint32_t msr_x2apic_svr = 0x80f;
        bool x2 = state.mode == Mode::x2apic;
        uint32_t svr = x2 ? static_cast<uint32_t>(rdmsr(msr_x2apic_svr)) : xapic_read(reg_svr);
        if (!(svr & svr_enable)) {
            if (x2)
                wrmsr(msr_x2apic_svr, svr | svr_enable);
            else
                xapic_write_real(reg_svr, svr | svr_enable);
        }
        for (int i = 0; i < 100 && irr_pending(); ++i) {
            stgi();
            asm volatile("sti; nop; nop; cli" ::: "memory");
            clgi();
        }
        if (!(svr & svr_enable)) {
            if (x2)
                wrmsr(msr_x2apic_svr, svr);
            else
                xapic_write_real(reg_svr, svr);
        }
        if (irr_pending())
            console::print("CPU {}: an interrupt of the previous guest is still pending", cpu.cpu_id);
    }
    cpu.apic_icr_high = 0;
}

void host_irq_acknowledge() {
    if (state.mode == Mode::x2apic)
        wrmsr(0x80b, 0);
    else
        xapic_write_real(reg_eoi, 0);
}

// --- IOAPIC ------------------------------------------------------------------

namespace {

constexpr uint32_t ioapic_regsel = 0x00;
constexpr uint32_t ioapic_window = 0x10;
constexpr uint32_t ioapic_eoi = 0x40;
constexpr uint32_t ioapic_reg_version = 0x01;
constexpr uint32_t ioapic_reg_redirection = 0x10;

struct Ioapic {
    uint64_t base{};
    uint64_t pin_bitmap[4]{};
    uint32_t pins{};       // read from the version register at first use
    uint32_t selected{};   // the root's last IOREGSEL
    uint32_t reports{};
    SpinLock lock;         // IOREGSEL + IOWIN pairs of the hypervisor's own
};
constinit Ioapic ioapics[BH_ABI_MAX_IRQCHIPS];
constinit uint32_t ioapic_count = 0;

volatile uint32_t* ioapic_register(const Ioapic& chip, uint32_t offset) {
    return reinterpret_cast<volatile uint32_t*>(chip.base + offset);
}
uint32_t ioapic_read_indirect(const Ioapic& chip, uint32_t index) {
    *ioapic_register(chip, ioapic_regsel) = index;
    return *ioapic_register(chip, ioapic_window);
}

}  // namespace

void ioapic_setup(Span<const bh_irqchip> chips) {
    ioapic_count = 0;
    for (const bh_irqchip& c : chips) {
        if (ioapic_count == BH_ABI_MAX_IRQCHIPS)
            break;
        Ioapic& chip = ioapics[ioapic_count++];
        chip = Ioapic{};
        chip.base = c.address;
        // The bitmap counts from the chip's pin 0.
        for (int w = 0; w < 4; ++w)
            chip.pin_bitmap[w] = c.pin_bitmap[w];
    }
}

int ioapic_at(uint64_t gpa) {
    for (uint32_t i = 0; i < ioapic_count; ++i)
        if ((gpa & ~0xfffull) == ioapics[i].base)
            return static_cast<int>(i);
    return -1;
}

bool ioapic_write(PerCpu& cpu, int chip_index, uint32_t offset, uint32_t value) {
    Ioapic& chip = ioapics[chip_index];
    LockGuard guard(chip.lock);
    if (chip.pins == 0)
        chip.pins = ((ioapic_read_indirect(chip, ioapic_reg_version) >> 16) & 0xff) + 1;
    switch (offset) {
    case ioapic_regsel:
        chip.selected = value & 0xff;
        *ioapic_register(chip, ioapic_regsel) = chip.selected;
        return true;
    case ioapic_eoi:
        *ioapic_register(chip, ioapic_eoi) = value;
        return true;
    case ioapic_window:
        break;
    default:
        return false;
    }
    uint32_t index = chip.selected;
    if (index < ioapic_reg_redirection || index >= ioapic_reg_redirection + 2 * chip.pins) {
        // ID and arbitration registers: nothing another cell depends on.
        *ioapic_register(chip, ioapic_regsel) = index;
        *ioapic_register(chip, ioapic_window) = value;
        return true;
    }
    uint32_t pin = (index - ioapic_reg_redirection) / 2;
    bool high = (index - ioapic_reg_redirection) & 1;
    uint32_t other = ioapic_read_indirect(chip, high ? index - 1 : index + 1);
    uint64_t entry = high ? (static_cast<uint64_t>(value) << 32) | other : (static_cast<uint64_t>(other) << 32) | value;

    // A masked entry cannot fire: it needs no look at the destination.
    bool owned = (chip.pin_bitmap[pin / 64] >> (pin % 64)) & 1;
    RteVerdict verdict = RteVerdict::allowed;
    if (!(entry & rte_masked) && owned) {
        CellCpus cell;
        collect_cell_cpus(cpu, cell);
        verdict = check_redirection_entry(state.mode, entry, cell.cpus, cell.count);
    }
    bool refused = !(entry & rte_masked) &&
                   (!owned || verdict == RteVerdict::delivery_mode || verdict == RteVerdict::destination);
    if (refused) {
        ++cpu.stats[BH_STAT_IOAPIC_BLOCKED];
        // Masked, the pin cannot fire anywhere; the rest as the root wrote it.
        if (high) {
            *ioapic_register(chip, ioapic_regsel) = index - 1;
            *ioapic_register(chip, ioapic_window) = other | static_cast<uint32_t>(rte_masked);
        } else {
            value |= static_cast<uint32_t>(rte_masked);
        }
        if (should_report(chip.reports))
            console::print("root cell: CPU {}: IOAPIC {} pin {} entry {} written masked: {}", cpu.cpu_id,
                           hex(chip.base), pin, hex(entry),
                           owned ? rte_verdict_name(verdict) : "the pin is not the root's");
    }
    *ioapic_register(chip, ioapic_regsel) = index;
    *ioapic_register(chip, ioapic_window) = value;
    return true;
}

const char* check_msi(PerCpu& cpu, uint64_t address, uint32_t data) {
    CellCpus cell;
    collect_cell_cpus(cpu, cell);
    return cpu.cell == nullptr ? check_root_msi_message(state.mode, address, data, cell.cpus, cell.count)
                               : check_msi_message(state.mode, address, data, cell.cpus, cell.count);
}

}  // namespace bh::x86::apic
