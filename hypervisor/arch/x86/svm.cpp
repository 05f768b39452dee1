// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// AMD SVM: the root cell is the running Linux, resumed as a guest with its
// live state on every CPU; nested paging keeps it out of hypervisor memory.
//
// Under QEMU TCG there is no NRIP save, no decode assists, no flush-by-ASID:
// next RIPs are computed here (CPUID/RDMSR/WRMSR 2 bytes, VMMCALL 3; IOIO
// reports it in EXITINFO2) and TLB_CONTROL flushes everything. Writes to
// the xAPIC page are decoded in software (mmio_decoder.h) from instruction
// bytes fetched through the guest's page tables (guest_memory.h).
#include "../../core/arch.h"
#include "../../core/console.h"
#include "../../core/hypervisor.h"
#include "../../core/pci.h"
#include "../../core/pci_config.h"
#include "apic.h"
#include "cpu.h"
#include "guest_memory.h"
#include "mmio_decoder.h"
#include "paging.h"
#include "vmcb.h"

extern "C" char bh_exception_stubs[];
extern "C" char bh_nmi_handler[];
extern "C" char bh_host_irq_stub[];
extern "C" [[noreturn]] void bh_vmrun_loop(bh::PerCpu* cpu);
extern "C" [[noreturn]] void bh_return_to_native(const bh::GuestRegs* regs, const uint64_t* frame);
extern "C" volatile uint64_t bh_host_nmi_count;
volatile uint64_t bh_host_nmi_count;

namespace bh {

namespace {

using svm::Vmcb;
namespace off = svm::offset;

constexpr uint64_t gib = 1ull << 30;
constexpr uint64_t apic_mmio_base = x86::apic::xapic_page;
constexpr uint8_t vector_ud = 6;
constexpr uint8_t vector_gp = 13;
constexpr uint32_t reports_max = 16;  // failure reports printed per kind

struct [[gnu::packed]] IdtGate {
    uint16_t offset_low{};
    uint16_t selector{};
    uint8_t ist{};
    uint8_t type_attr{};
    uint16_t offset_mid{};
    uint32_t offset_high{};
    uint32_t reserved{};
};
static_assert(sizeof(IdtGate) == 16);

struct ArchState {
    alignas(4096) IdtGate idt[256]{};
    x86::PageTable host_tables{};
    x86::PageTable root_npt{};
    uint8_t* iopm{};
    uint8_t* msrpm{};
    uint64_t host_limit{};  // the host identity map covers [0, host_limit)
    uint32_t reports_io{};
    uint32_t reports_npf{};
    uint32_t reports_decode{};
    uint32_t reports_pci{};
    uint64_t config_ones_page{};  // physical: what the root reads of a device a cell owns (ECAM)
};
constinit ArchState arch;

// --- bitmaps ---------------------------------------------------------------

void msrpm_set(uint8_t* msrpm, uint32_t msr, bool read, bool write, bool intercept) {
    uint32_t base;
    uint32_t index;
    if (msr < 0x2000) {
        base = 0;
        index = msr;
    } else if (msr >= 0xc0000000 && msr < 0xc0002000) {
        base = 0x800;
        index = msr - 0xc0000000;
    } else {
        base = 0x1000;
        index = msr - 0xc0010000;
    }
    uint8_t& byte = msrpm[base + index / 4];
    unsigned bit = (index % 4) * 2;
    uint8_t mask = static_cast<uint8_t>((read ? 1u << bit : 0) | (write ? 1u << (bit + 1) : 0));
    byte = intercept ? static_cast<uint8_t>(byte | mask) : static_cast<uint8_t>(byte & ~mask);
}

void msrpm_intercept(uint32_t msr, bool read, bool write) { msrpm_set(arch.msrpm, msr, read, write, true); }

// The PCI configuration ports are the hypervisor's, whatever a config says
// (core/pci_config.h).
constexpr bool is_pci_config_port(uint32_t port) { return port >= pci::address_port && port < pci::ports_end; }

// 12 KiB, deny by default, the given ranges allowed.
Result<uint8_t*> build_iopm(Span<const bh_pio_range> allowed) {
    auto* iopm = static_cast<uint8_t*>(BH_TRY(hypervisor().pool.alloc(3)));
    __builtin_memset(iopm, 0xff, 3 * 4096);
    for (const bh_pio_range& range : allowed)
        for (uint32_t port = range.base; port < static_cast<uint32_t>(range.base) + range.length; ++port)
            if (!is_pci_config_port(port))
                iopm[port / 8] &= static_cast<uint8_t>(~(1u << (port % 8)));
    return iopm;
}

Result<void> build_bitmaps(const config::CellView& root) {
    // 12 KiB IOPM: a set bit intercepts the port. Deny by default.
    arch.iopm = BH_TRY(build_iopm(root.pio_ranges()));

    // 8 KiB MSRPM: the MSRs that would let the root take the CPU from us.
    arch.msrpm = static_cast<uint8_t*>(BH_TRY(hypervisor().pool.alloc(2)));
    msrpm_intercept(x86::msr_efer, true, true);
    msrpm_intercept(x86::msr_vm_cr, true, true);
    msrpm_intercept(x86::msr_vm_hsave_pa, true, true);
    // The APIC: its mode is Linux's choice at boot, and IPIs go through the
    // filter. The x2APIC ICR exits in both modes (xAPIC: #GP, as hardware).
    msrpm_intercept(x86::msr_apic_base, false, true);
    msrpm_intercept(x86::apic::msr_x2apic_icr, false, true);
    if (x86::apic::mode() == x86::apic::Mode::x2apic)
        for (uint32_t msr : {x86::apic::msr_x2apic_lvt_cmci, x86::apic::msr_x2apic_lvt_thermal,
                             x86::apic::msr_x2apic_lvt_pmc, x86::apic::msr_x2apic_lvt_lint0,
                             x86::apic::msr_x2apic_lvt_lint1})
            msrpm_intercept(msr, false, true);
    return success();
}

// --- page tables -----------------------------------------------------------

uint64_t top_of_ram(const bh_platform_info& platform) {
    uint64_t top = 4 * gib;
    for (uint32_t i = 0; i < platform.num_ram_ranges; ++i) {
        uint64_t end = platform.ram[i].start + platform.ram[i].size;
        if (end > top)
            top = end;
    }
    return (top + gib - 1) & ~(gib - 1);
}

Result<void> build_host_tables(Hypervisor& hv) {
    unsigned levels = hv.la57 ? 5 : 4;
    arch.host_tables = BH_TRY(x86::PageTable::create(levels, hv.gbpages, false));
    // Physical memory, identity mapped in the lower half, never executable.
    // The last GiB below 4 GiB is device memory: uncached.
    uint64_t top = top_of_ram(hv.system.system().platform);
    BH_TRY(arch.host_tables.map(0, 0, 3 * gib, x86::pte_write | x86::pte_nx));
    BH_TRY(arch.host_tables.map(3 * gib, 3 * gib, gib, x86::pte_write | x86::pte_nx | x86::pte_pcd | x86::pte_pwt));
    if (top > 4 * gib)
        BH_TRY(arch.host_tables.map(4 * gib, 4 * gib, top - 4 * gib, x86::pte_write | x86::pte_nx));
    arch.host_limit = top > 4 * gib ? top : 4 * gib;
    // Hypervisor memory where the driver mapped it, so code keeps running.
    BH_TRY(arch.host_tables.map(hv.virt_base, hv.phys_base, hv.size, x86::pte_write));
    hv.host_page_table = arch.host_tables.root_phys();
    return success();
}

Result<void> build_root_npt(Hypervisor& hv) {
    unsigned levels = hv.la57 ? 5 : 4;
    arch.root_npt = BH_TRY(x86::PageTable::create(levels, hv.gbpages, true));
    for (const bh_memory_region& r : hv.system.root().memory_regions()) {
        uint64_t flags = 0;
        if (r.flags & BH_MEM_WRITE)
            flags |= x86::pte_write;
        if (!(r.flags & BH_MEM_EXECUTE))
            flags |= x86::pte_nx;
        BH_TRY(arch.root_npt.map(r.guest_start, r.phys_start, r.size, flags));
    }
    // The root's ends of channels: shared RAM outside its memory regions
    // (the validator checked they are RAM outside hypervisor memory). They
    // stay mapped for as long as the hypervisor runs; peers come and go.
    for (const bh_channel& c : hv.system.root().channels())
        BH_TRY(arch.root_npt.map(c.phys_start, c.phys_start, c.size, x86::pte_write | x86::pte_nx));
    // The local APIC page: reads go to the hardware, writes exit (xAPIC:
    // emulated through the IPI filter; x2APIC: the page is not the APIC).
    // Mapped last, so that no config region can make it writable.
    BH_TRY(arch.root_npt.map(apic_mmio_base, apic_mmio_base, 4096, x86::pte_nx));
    // The IOAPICs likewise: reads direct, writes filtered (apic.h).
    x86::apic::ioapic_setup(hv.system.root().irqchips());
    for (const bh_irqchip& chip : hv.system.root().irqchips())
        BH_TRY(arch.root_npt.map(chip.address, chip.address, 4096, x86::pte_nx));
    // The console ring, read-only, for `bulkhead console`.
    uint64_t console = virt_to_phys(hv.console);
    BH_TRY(arch.root_npt.map(console, console, 4096, x86::pte_nx));
    return success();
}

// --- cells -------------------------------------------------------------------

uint64_t npt_flags(uint64_t mem_flags) {
    uint64_t flags = 0;
    if (mem_flags & BH_MEM_WRITE)
        flags |= x86::pte_write;
    if (!(mem_flags & BH_MEM_EXECUTE))
        flags |= x86::pte_nx;
    return flags;
}

// A cell's MSRs: everything exits (and fails the cell) except what an OS
// needs for itself; the APIC's IPI and LVT writes go through the filter.
Result<uint8_t*> build_cell_msrpm() {
    auto* msrpm = static_cast<uint8_t*>(BH_TRY(hypervisor().pool.alloc(2)));
    __builtin_memset(msrpm, 0xff, 2 * 4096);
    constexpr uint32_t own_state[] = {0x174, 0x175, 0x176,  // SYSENTER
                                      0x277,                // PAT (the VMCB's g_pat)
                                      0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,  // SYSCALL
                                      0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103};  // FS, GS, KGS, TSC_AUX
    for (uint32_t msr : own_state)
        msrpm_set(msrpm, msr, true, true, false);
    msrpm_set(msrpm, 0x10, true, false, false);  // TSC, read
    msrpm_set(msrpm, x86::msr_apic_base, true, false, false);
    if (x86::apic::mode() == x86::apic::Mode::x2apic) {
        for (uint32_t msr = 0x800; msr < 0x900; ++msr)
            msrpm_set(msrpm, msr, true, true, false);
        for (uint32_t msr : {x86::apic::msr_x2apic_icr, x86::apic::msr_x2apic_lvt_cmci, x86::apic::msr_x2apic_lvt_thermal,
                             x86::apic::msr_x2apic_lvt_pmc, x86::apic::msr_x2apic_lvt_lint0,
                             x86::apic::msr_x2apic_lvt_lint1})
            msrpm_set(msrpm, msr, false, true, true);
    }
    return msrpm;
}

Result<void> build_cell_npt(const Cell& cell, x86::PageTable& npt) {
    for (const bh_memory_region& r : cell.view.memory_regions())
        BH_TRY(npt.map(r.guest_start, r.phys_start, r.size, npt_flags(r.flags)));
    for (const bh_channel& c : cell.view.channels())
        BH_TRY(npt.map(c.guest_start, c.phys_start, c.size, x86::pte_write | x86::pte_nx));
    if (x86::apic::mode() == x86::apic::Mode::xapic)
        BH_TRY(npt.map(apic_mmio_base, apic_mmio_base, 4096, x86::pte_nx));  // writes are emulated
    return success();
}

x86::PageTable cell_npt(const Cell& cell) {
    Hypervisor& hv = hypervisor();
    return x86::PageTable::adopt(cell.arch_npt_root, hv.la57 ? 5 : 4, hv.gbpages, true);
}

uint64_t current_npt(const PerCpu& cpu) {
    return cpu.cell != nullptr ? cpu.cell->arch_npt_root : arch.root_npt.root_phys();
}

// The control area every guest shares; bitmaps and tables per cell.
void setup_control(Vmcb& vmcb, const void* iopm, const void* msrpm, uint64_t npt_root) {
    vmcb.u32(off::intercept_misc1) =
        svm::intercept_nmi | svm::intercept_cpuid | svm::intercept_ioio | svm::intercept_msr | svm::intercept_shutdown;
    vmcb.u32(off::intercept_misc2) = svm::intercept_vmrun | svm::intercept_vmmcall | svm::intercept_vmload |
                                     svm::intercept_vmsave | svm::intercept_stgi | svm::intercept_clgi |
                                     svm::intercept_skinit;
    vmcb.u64(off::iopm_base_pa) = virt_to_phys(iopm);
    vmcb.u64(off::msrpm_base_pa) = virt_to_phys(msrpm);
    vmcb.u32(off::guest_asid) = 1;
    vmcb.at<uint8_t>(off::tlb_control) = svm::tlb_flush_all;  // another guest's translations
    vmcb.u64(off::nested_control) = svm::nested_paging_enable;
    vmcb.u64(off::nested_cr3) = npt_root;
}

// A CPU right after INIT/SIPI: 16-bit real mode at cs_base:ip.
void set_real_mode(Vmcb& vmcb, uint64_t cs_base, uint16_t ip) {
    svm::Segment data{0, 0x93, 0xffff, 0};
    vmcb.segment(off::cs) = svm::Segment{static_cast<uint16_t>(cs_base >> 4), 0x9b, 0xffff, cs_base};
    for (size_t seg : {off::ds, off::es, off::ss, off::fs, off::gs})
        vmcb.segment(seg) = data;
    vmcb.segment(off::gdtr) = svm::Segment{0, 0, 0xffff, 0};
    vmcb.segment(off::idtr) = svm::Segment{0, 0, 0xffff, 0};
    vmcb.segment(off::ldtr) = svm::Segment{0, 0x82, 0xffff, 0};
    vmcb.segment(off::tr) = svm::Segment{0, 0x8b, 0xffff, 0};
    vmcb.at<uint8_t>(off::cpl) = 0;
    vmcb.u64(off::efer) = x86::efer_svme;
    vmcb.u64(off::cr0) = 0x10;  // ET
    vmcb.u64(off::cr2) = 0;
    vmcb.u64(off::cr3) = 0;
    vmcb.u64(off::cr4) = 0;
    vmcb.u64(off::dr6) = 0xffff0ff0;
    vmcb.u64(off::dr7) = 0x400;
    vmcb.u64(off::rflags) = 2;
    vmcb.u64(off::rip) = ip;
    vmcb.u64(off::rsp) = 0;
    vmcb.u64(off::rax) = 0;
    vmcb.u64(off::g_pat) = 0x0007040600070406ull;
}

// VMRUN does not load FS/GS/TR/LDTR and the SYSCALL MSRs; the previous
// guest's values are still in the CPU. Load reset values, so that no cell
// sees another's (Linux's kernel addresses, for one).
void load_clean_hidden_state(PerCpu& cpu, Vmcb& vmcb) {
    constexpr size_t kernel_gs_base = 0x620, star = 0x600, lstar = 0x608, cstar = 0x610, sfmask = 0x618,
                     sysenter_cs = 0x628, sysenter_esp = 0x630, sysenter_eip = 0x638;
    for (size_t msr : {kernel_gs_base, star, lstar, cstar, sfmask, sysenter_cs, sysenter_esp, sysenter_eip})
        vmcb.u64(msr) = 0;
    x86::vmload(cpu.vmcb_pa);
}

// The FPU/SSE/AVX registers still hold the previous guest's data: reset
// them to their initial state.
alignas(64) constinit uint8_t clean_xsave_area[4096] = {};
void clear_extended_state() {
    constexpr uint32_t mxcsr_default = 0x1f80;
    __builtin_memcpy(clean_xsave_area + 24, &mxcsr_default, sizeof(mxcsr_default));
    bool xsave = x86::cpuid(1).ecx & (1u << 26);
    if (xsave && (x86::read_cr4() & (1ull << 18))) {
        uint32_t lo, hi;
        asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        // XSTATE_BV = 0 in the area: every enabled component to its init state.
        asm volatile("xrstor %0" ::"m"(clean_xsave_area), "a"(lo), "d"(hi) : "memory");
    } else {
        asm volatile("fxrstor %0" ::"m"(clean_xsave_area) : "memory");
    }
}

void start_guest(PerCpu& cpu, const void* iopm, const void* msrpm, uint64_t npt_root, uint64_t cs_base,
                 uint16_t ip) {
    __builtin_memset(cpu.vmcb, 0, sizeof(cpu.vmcb));
    Vmcb vmcb(cpu.vmcb);
    setup_control(vmcb, iopm, msrpm, npt_root);
    set_real_mode(vmcb, cs_base, ip);
    load_clean_hidden_state(cpu, vmcb);
    clear_extended_state();
    cpu.regs = GuestRegs{};
    x86::apic::reset_for_new_guest(cpu);
}

// A cell broke a rule on this CPU: explain, stop the cell.
template <typename... Args>
void fail_cell(PerCpu& cpu, const char* fmt, const Args&... args) {
    FixedString<BH_CELL_REASON_SIZE - 1> reason;
    reason.format(fmt, args...);
    cell_fail(cpu, reason.c_str());
}

void build_idt() {
    uint16_t cs = x86::read_cs();
    for (unsigned v = 0; v < 256; ++v) {
        uint64_t handler = v == 2    ? reinterpret_cast<uint64_t>(bh_nmi_handler)
                           : v < 32 ? reinterpret_cast<uint64_t>(bh_exception_stubs) + 16 * v
                                    : reinterpret_cast<uint64_t>(bh_host_irq_stub);
        IdtGate& g = arch.idt[v];
        g.offset_low = static_cast<uint16_t>(handler);
        g.selector = cs;
        g.ist = 0;
        g.type_attr = 0x8e;  // present, DPL 0, 64-bit interrupt gate
        g.offset_mid = static_cast<uint16_t>(handler >> 16);
        g.offset_high = static_cast<uint32_t>(handler >> 32);
        g.reserved = 0;
    }
}

// --- guest state -----------------------------------------------------------

// A segment as the VMCB wants it, from Linux's GDT descriptor.
svm::Segment segment_from_gdt(uint64_t gdt_base, uint16_t selector) {
    svm::Segment s{};
    s.selector = selector;
    if ((selector & ~7u) == 0)
        return s;  // null selector: unusable
    uint64_t desc = *reinterpret_cast<const uint64_t*>(gdt_base + (selector & ~7u));
    s.attrib = static_cast<uint16_t>(((desc >> 40) & 0xff) | (((desc >> 52) & 0xf) << 8));
    uint32_t limit = static_cast<uint32_t>((desc & 0xffff) | ((desc >> 32) & 0xf0000));
    if (desc & (1ull << 55))
        limit = (limit << 12) | 0xfff;
    s.limit = limit;
    s.base = ((desc >> 16) & 0xffffff) | (((desc >> 56) & 0xff) << 24);
    return s;
}

void inject_exception(Vmcb& vmcb, uint8_t vector, bool has_error = false, uint32_t error = 0) {
    uint64_t event = svm::event_valid | svm::event_type_exception | vector;
    if (has_error)
        event |= svm::event_error_valid | (static_cast<uint64_t>(error) << 32);
    vmcb.u64(off::event_inject) = event;
}

void emulate_cpuid(PerCpu& cpu, Vmcb& vmcb) {
    uint32_t leaf = static_cast<uint32_t>(vmcb.u64(off::rax));
    uint32_t subleaf = static_cast<uint32_t>(cpu.regs.rcx);
    x86::CpuidResult r{};
    if (leaf == 0x40000000) {
        r = {0x40000001, 0x6b6c7562, 0x64616568, 0};  // "bulkhead"
    } else if (leaf >= 0x40000001 && leaf <= 0x400000ff) {
        r = {0, 0, 0, 0};
    } else {
        r = x86::cpuid(leaf, subleaf);
        if (leaf == 1)
            r.ecx |= 1u << 31;  // running under a hypervisor
        else if (leaf == 0x80000001)
            r.ecx &= ~(1u << 2);  // SVM belongs to the hypervisor
        else if (leaf == 0x8000000a)
            r = {0, 0, 0, 0};
    }
    vmcb.u64(off::rax) = r.eax;
    cpu.regs.rbx = r.ebx;
    cpu.regs.rcx = r.ecx;
    cpu.regs.rdx = r.edx;
    vmcb.u64(off::rip) += 2;
}

void emulate_msr(PerCpu& cpu, Vmcb& vmcb) {
    bool write = vmcb.u64(off::exit_info1) & 1;
    uint32_t msr = static_cast<uint32_t>(cpu.regs.rcx);
    uint64_t value = (cpu.regs.rdx << 32) | (vmcb.u64(off::rax) & 0xffffffff);
    uint64_t result = 0;
    switch (msr) {
    case x86::msr_efer:
        if (write)
            vmcb.u64(off::efer) = value | x86::efer_svme;  // VMRUN requires SVME
        else
            result = vmcb.u64(off::efer) & ~x86::efer_svme;
        break;
    case x86::msr_vm_cr:
        if (write && cpu.cell != nullptr)
            return fail_cell(cpu, "WRMSR of VM_CR is not permitted");
        if (write)
            return inject_exception(vmcb, vector_gp, true, 0);
        result = x86::vm_cr_svmdis | (1ull << 3);  // disabled and locked
        break;
    case x86::msr_vm_hsave_pa:
        if (write && cpu.cell != nullptr)
            return fail_cell(cpu, "WRMSR of VM_HSAVE_PA is not permitted");
        if (write)
            return inject_exception(vmcb, vector_gp, true, 0);
        result = 0;
        break;
    default:
        // The APIC's MSRs are intercepted for writes only.
        if (!write || !x86::apic::msr_write(cpu, msr, value)) {
            if (cpu.cell != nullptr)
                return fail_cell(cpu, "{} of MSR {} is not permitted", write ? "WRMSR" : "RDMSR", hex(msr));
            return inject_exception(vmcb, vector_gp, true, 0);
        }
        break;
    }
    if (!write) {
        vmcb.u64(off::rax) = result & 0xffffffff;
        cpu.regs.rdx = result >> 32;
    }
    vmcb.u64(off::rip) += 2;
}

// The result of an emulated IN: AL/AX keep RAX's other bits; EAX clears
// the upper half, as any 32-bit register write does.
void set_in_result(Vmcb& vmcb, unsigned size, uint32_t value) {
    uint64_t rax = vmcb.u64(off::rax);
    vmcb.u64(off::rax) = size == 4 ? value : size == 2 ? (rax & ~0xffffull) | (value & 0xffff)
                                                        : (rax & ~0xffull) | (value & 0xff);
}

// Ports 0xCF8-0xCFF: the configuration space each cell may see.
void handle_pci_config_port(PerCpu& cpu, Vmcb& vmcb, uint16_t port, bool in, unsigned size) {
    ++cpu.stats[BH_STAT_PCI_CONFIG];
    uint32_t value = static_cast<uint32_t>(vmcb.u64(off::rax));
    PciPortOutcome outcome = pci_port_access(cpu, port, in, static_cast<uint8_t>(size), value);
    const pci::BdfText bdf(outcome.bdf);
    if (outcome.refusal != nullptr)
        return fail_cell(cpu, "PCI {} offset {}: {} (RIP {})", bdf.text, hex(outcome.offset), outcome.refusal,
                         hex(vmcb.u64(off::rip)));
    if (outcome.root_refusal != nullptr) {
        ++cpu.stats[BH_STAT_MSI_BLOCKED];
        if (__atomic_fetch_add(&arch.reports_pci, 1, __ATOMIC_RELAXED) < reports_max)
            console::print("root cell: CPU {}: config write of PCI {} offset {} value {} dropped: {}", cpu.cpu_id,
                           bdf.text, hex(outcome.offset), hex(value), outcome.root_refusal);
    }
    if (outcome.hidden) {
        ++cpu.stats[BH_STAT_PCI_HIDDEN];
        if (__atomic_fetch_add(&arch.reports_pci, 1, __ATOMIC_RELAXED) < reports_max)
            console::print("root cell: CPU {}: config {} of PCI {} offset {}, a device of another cell: {}", cpu.cpu_id,
                           in ? "read" : "write", bdf.text, hex(outcome.offset), in ? "reads as absent" : "dropped");
    }
    if (in)
        set_in_result(vmcb, size, value);
    vmcb.u64(off::rip) = vmcb.u64(off::exit_info2);
}

void handle_ioio(PerCpu& cpu, Vmcb& vmcb) {
    uint64_t info = vmcb.u64(off::exit_info1);
    uint16_t port = static_cast<uint16_t>(info >> 16);
    bool in = info & 1;
    unsigned size = (info & (1u << 4)) ? 1 : (info & (1u << 5)) ? 2 : 4;
    constexpr uint64_t ioio_string = 1u << 2;
    if (is_pci_config_port(port) && !(info & ioio_string) && port + size <= pci::ports_end)
        return handle_pci_config_port(cpu, vmcb, port, in, size);
    if (cpu.cell != nullptr)
        return fail_cell(cpu, "{} of I/O port {} is not permitted (RIP {})", in ? "read" : "write", hex(port),
                         hex(vmcb.u64(off::rip)));
    if (__atomic_fetch_add(&arch.reports_io, 1, __ATOMIC_RELAXED) < reports_max)
        console::print("root cell: CPU {}: port {} {} denied at RIP {}", cpu.cpu_id, hex(port), in ? "read" : "write",
                       hex(vmcb.u64(off::rip)));
    // A port the root does not own reads as a missing device.
    if (in && !(info & (1u << 2))) {
        uint64_t mask = size == 4 ? 0xffffffffull : size == 2 ? 0xffffull : 0xffull;
        vmcb.u64(off::rax) = (vmcb.u64(off::rax) & ~mask) | mask;
    }
    vmcb.u64(off::rip) = vmcb.u64(off::exit_info2);
}

void handle_npf(PerCpu& cpu, Vmcb& vmcb) {
    uint64_t info = vmcb.u64(off::exit_info1);
    uint64_t gpa = vmcb.u64(off::exit_info2);
    const char* access = (info & (1u << 4)) ? "instruction fetch" : (info & 2) ? "write" : "read";
    if (cpu.cell != nullptr)
        return fail_cell(cpu, "{} of guest-physical {} outside its memory (RIP {})", access, hex(gpa),
                         hex(vmcb.u64(off::rip)));
    if (__atomic_fetch_add(&arch.reports_npf, 1, __ATOMIC_RELAXED) < reports_max)
        console::print("root cell: CPU {}: {} of guest-physical {} denied at RIP {}", cpu.cpu_id, access, hex(gpa),
                       hex(vmcb.u64(off::rip)));
    // The root may not touch memory it does not own: the access faults in
    // the root, where Linux reports the culprit.
    inject_exception(vmcb, vector_gp, true, 0);
}

// The guest's 16 general-purpose registers in ModRM order.
void guest_gprs(const PerCpu& cpu, const Vmcb& vmcb, uint64_t (&regs)[16]) {
    const GuestRegs& g = cpu.regs;
    uint64_t values[16] = {vmcb.u64(off::rax), g.rcx, g.rdx, g.rbx, vmcb.u64(off::rsp), g.rbp, g.rsi, g.rdi,
                           g.r8,  g.r9,  g.r10, g.r11, g.r12, g.r13, g.r14, g.r15};
    for (unsigned i = 0; i < 16; ++i)
        regs[i] = values[i];
}

// Report an instruction the xAPIC emulation refuses, with its bytes.
void report_refused_instruction(PerCpu& cpu, Vmcb& vmcb, const char* why, const uint8_t* bytes, size_t count) {
    if (__atomic_fetch_add(&arch.reports_decode, 1, __ATOMIC_RELAXED) >= reports_max)
        return;
    char text[3 * x86::max_instruction_length + 1];
    size_t n = 0;
    for (size_t i = 0; i < count; ++i) {
        text[n++] = "0123456789abcdef"[bytes[i] >> 4];
        text[n++] = "0123456789abcdef"[bytes[i] & 15];
        text[n++] = ' ';
    }
    text[n > 0 ? n - 1 : 0] = '\0';
    console::print("root cell: CPU {}: APIC write at RIP {} not emulated ({}): bytes {}", cpu.cpu_id,
                   hex(vmcb.u64(off::rip)), why, static_cast<const char*>(text));
}

// Where a trapped MMIO write goes: the xAPIC page, or an IOAPIC (its index),
// or the ECAM page of a device a cell owns (dropped).
constexpr int target_xapic = -1;
constexpr int target_none = -2;
constexpr int target_hidden_config = -3;

// A write to the xAPIC page or an IOAPIC: fetch and decode the instruction,
// emulate the register write, skip the instruction. Anything unexpected is
// refused with #GP in the root; nothing is guessed.
void handle_emulated_write(PerCpu& cpu, Vmcb& vmcb, uint64_t gpa, int target) {
    uint64_t rip = vmcb.u64(off::rip);
    uint8_t bytes[x86::max_instruction_length]{};
    size_t fetched = 0;
    constexpr uint64_t efer_lma = 1ull << 10;
    constexpr uint16_t cs_long = 1u << 9;
    if (!(vmcb.u64(off::efer) & efer_lma) || !(vmcb.segment(off::cs).attrib & cs_long)) {
        report_refused_instruction(cpu, vmcb, "not in 64-bit mode", bytes, 0);
        return inject_exception(vmcb, vector_gp, true, 0);
    }
    Hypervisor& hv = hypervisor();
    x86::GuestPaging paging{vmcb.u64(off::cr3), (vmcb.u64(off::cr4) & x86::cr4_la57) != 0,
                            current_npt(cpu), hv.la57 ? 5u : 4u, arch.host_limit};
    fetched = x86::read_guest_virtual(paging, rip, bytes, sizeof(bytes));
    x86::MmioWrite insn;
    x86::DecodeStatus status = x86::decode_mmio_write(bytes, fetched, insn);
    if (status != x86::DecodeStatus::ok) {
        report_refused_instruction(cpu, vmcb, fetched == 0 ? "instruction not readable"
                                                           : x86::decode_status_name(status),
                                   bytes, fetched);
        return inject_exception(vmcb, vector_gp, true, 0);
    }
    uint64_t regs[16];
    guest_gprs(cpu, vmcb, regs);
    // The decoded operand must name the faulting byte: if the code changed
    // under us, refuse rather than emulate something else.
    uint64_t address = x86::effective_address(insn.memory, regs, rip + insn.length);
    uint32_t offset = static_cast<uint32_t>(gpa & 0xfff);
    if (target == target_hidden_config && (address & 0xfff) == offset) {
        ++cpu.stats[BH_STAT_PCI_HIDDEN];
        if (__atomic_fetch_add(&arch.reports_pci, 1, __ATOMIC_RELAXED) < reports_max)
            console::print("root cell: CPU {}: ECAM write at {}, a device of another cell: dropped", cpu.cpu_id,
                           hex(gpa));
        vmcb.u64(off::rip) = rip + insn.length;
        return;
    }
    if ((address & 0xfff) != offset || (offset & 0xf) != 0) {
        report_refused_instruction(cpu, vmcb, (offset & 0xf) != 0 ? "unaligned register" : "operand mismatch",
                                   bytes, insn.length);
        return inject_exception(vmcb, vector_gp, true, 0);
    }
    uint32_t value = x86::written_value(insn, regs);
    if (target == target_xapic && !x86::apic::xapic_write(cpu, offset, value)) {
        report_refused_instruction(cpu, vmcb, "APIC page write in x2APIC mode", bytes, insn.length);
        return inject_exception(vmcb, vector_gp, true, 0);
    }
    if (target >= 0 && !x86::apic::ioapic_write(cpu, target, offset, value)) {
        report_refused_instruction(cpu, vmcb, "not an IOAPIC register", bytes, insn.length);
        return inject_exception(vmcb, vector_gp, true, 0);
    }
    vmcb.u64(off::rip) = rip + insn.length;
}

// The emulated page a nested page fault wrote to, or target_none. Only the
// root's tables hold the IOAPIC pages.
int emulated_write_target(const PerCpu& cpu, const Vmcb& vmcb) {
    constexpr uint64_t npf_present = 1ull << 0;
    constexpr uint64_t npf_write = 1ull << 1;
    constexpr uint64_t npf_final_address = 1ull << 32;
    uint64_t info = vmcb.u64(off::exit_info1);
    uint64_t gpa = vmcb.u64(off::exit_info2);
    if (!(info & npf_present) || !(info & npf_write) || !(info & npf_final_address))
        return target_none;
    if ((gpa & ~0xfffull) == apic_mmio_base)
        return target_xapic;
    if (cpu.cell != nullptr)
        return target_none;
    if (int chip = x86::apic::ioapic_at(gpa); chip >= 0)
        return chip;
    const bh_platform_info& platform = hypervisor().system.system().platform;
    uint64_t ecam = platform.pci_mmconfig_base;
    if (ecam != 0 && gpa >= ecam && gpa < ecam + ((platform.pci_mmconfig_end_bus + 1ull) << 20) &&
        pci_hidden_from_root(static_cast<uint16_t>((gpa - ecam) >> 12)))
        return target_hidden_config;
    return target_none;
}

void handle_vmmcall(PerCpu& cpu, Vmcb& vmcb, bool& leave) {
    leave = false;
    int64_t result;
    if (vmcb.at<uint8_t>(off::cpl) != 0)
        result = to_errno(Errc::perm);
    else
        result = handle_hypercall(cpu, vmcb.u64(off::rax), cpu.regs.rdi, cpu.regs.rsi, leave);
    vmcb.u64(off::rax) = static_cast<uint64_t>(result);
    vmcb.u64(off::rip) += 3;
}

[[noreturn]] void fatal(PerCpu& cpu, const char* why) {
    console::print("FATAL: CPU {}: {}", cpu.cpu_id, why);
    arch_dump_guest(cpu);
    x86::halt_forever();
}

}  // namespace

// --- the arch contract -----------------------------------------------------

Result<void> arch_global_init(Hypervisor& hv) {
    hv.la57 = x86::read_cr4() & x86::cr4_la57;
    hv.gbpages = x86::cpuid(0x80000001).edx & (1u << 26);
    BH_TRY(x86::apic::global_init(hv.system.system().platform));
    BH_TRY(build_host_tables(hv));
    BH_TRY(build_root_npt(hv));
    BH_TRY(build_bitmaps(hv.system.root()));
    if (hv.system.system().platform.pci_mmconfig_base != 0) {
        void* ones = BH_TRY(hv.pool.alloc(1));
        __builtin_memset(ones, 0xff, 4096);
        arch.config_ones_page = virt_to_phys(ones);
    }
    build_idt();
    console::print("{}-level paging, {} pages; host tables and root cell NPT built", hv.la57 ? 5 : 4,
                   hv.gbpages ? "1 GiB" : "2 MiB");
    return success();
}

Result<void> arch_cpu_init(PerCpu& cpu) {
    Hypervisor& hv = hypervisor();
    if (!(x86::cpuid(0x80000001).ecx & (1u << 2))) {
        console::print("CPU {}: no AMD SVM", cpu.cpu_id);
        return Errc::nodev;
    }
    if (!(x86::cpuid(0x8000000a).edx & 1)) {
        console::print("CPU {}: SVM without nested paging", cpu.cpu_id);
        return Errc::io;
    }
    if (x86::rdmsr(x86::msr_vm_cr) & x86::vm_cr_svmdis) {
        console::print("CPU {}: SVM disabled by firmware (VM_CR.SVMDIS)", cpu.cpu_id);
        return Errc::perm;
    }
    uint64_t efer = x86::rdmsr(x86::msr_efer);
    if (efer & x86::efer_svme) {
        console::print("CPU {}: SVM is in use (EFER.SVME set: is kvm_amd loaded?)", cpu.cpu_id);
        return Errc::busy;
    }

    x86::DescriptorTablePointer gdtr = x86::read_gdtr();
    x86::DescriptorTablePointer idtr = x86::read_idtr();
    cpu.linux_cr3 = x86::read_cr3();
    cpu.linux_gdtr_base = gdtr.base;
    cpu.linux_gdtr_limit = gdtr.limit;
    cpu.linux_idtr_base = idtr.base;
    cpu.linux_idtr_limit = idtr.limit;

    x86::wrmsr(x86::msr_efer, efer | x86::efer_svme);
    cpu.svm_enabled = true;
    x86::wrmsr(x86::msr_vm_hsave_pa, virt_to_phys(cpu.host_save));

    __builtin_memset(cpu.vmcb, 0, sizeof(cpu.vmcb));
    cpu.vmcb_pa = virt_to_phys(cpu.vmcb);
    Vmcb vmcb(cpu.vmcb);
    setup_control(vmcb, arch.iopm, arch.msrpm, arch.root_npt.root_phys());

    // The guest is Linux, exactly as it is now, returning 0 from arch_entry:
    // callee-saved registers and the return address come from the frame
    // entry.S pushed on Linux's stack.
    const auto* frame = reinterpret_cast<const uint64_t*>(cpu.linux_rsp);
    cpu.regs.r15 = frame[0];
    cpu.regs.r14 = frame[1];
    cpu.regs.r13 = frame[2];
    cpu.regs.r12 = frame[3];
    cpu.regs.rbx = frame[4];
    cpu.regs.rbp = frame[5];
    vmcb.segment(off::cs) = segment_from_gdt(gdtr.base, x86::read_cs());
    vmcb.segment(off::ss) = segment_from_gdt(gdtr.base, x86::read_ss());
    vmcb.segment(off::ds) = segment_from_gdt(gdtr.base, x86::read_ds());
    vmcb.segment(off::es) = segment_from_gdt(gdtr.base, x86::read_es());
    vmcb.segment(off::gdtr) = svm::Segment{0, 0, gdtr.limit, gdtr.base};
    vmcb.segment(off::idtr) = svm::Segment{0, 0, idtr.limit, idtr.base};
    vmcb.at<uint8_t>(off::cpl) = 0;
    vmcb.u64(off::efer) = efer | x86::efer_svme;
    vmcb.u64(off::cr0) = x86::read_cr0();
    vmcb.u64(off::cr2) = x86::read_cr2();
    vmcb.u64(off::cr3) = cpu.linux_cr3;
    vmcb.u64(off::cr4) = x86::read_cr4();
    vmcb.u64(off::dr6) = 0xffff0ff0;
    vmcb.u64(off::dr7) = x86::read_dr7();
    vmcb.u64(off::rflags) = x86::read_rflags();
    vmcb.u64(off::rip) = frame[6];
    vmcb.u64(off::rsp) = cpu.linux_rsp + 7 * sizeof(uint64_t);
    vmcb.u64(off::rax) = 0;
    vmcb.u64(off::g_pat) = x86::rdmsr(x86::msr_pat);

    // Host mode: Linux's GDT copied (its selectors stay valid for IRET),
    // the hypervisor's IDT and page tables.
    size_t gdt_bytes = gdtr.limit + 1u < sizeof(cpu.gdt) ? gdtr.limit + 1u : sizeof(cpu.gdt);
    __builtin_memcpy(cpu.gdt, reinterpret_cast<const void*>(gdtr.base), gdt_bytes);
    x86::write_gdtr({static_cast<uint16_t>(gdt_bytes - 1), reinterpret_cast<uint64_t>(cpu.gdt)});
    x86::write_idtr({sizeof(arch.idt) - 1, reinterpret_cast<uint64_t>(arch.idt)});
    x86::write_cr3(hv.host_page_table);
    cpu.paging_switched = true;
    // The APIC page is reachable now (identity map).
    return x86::apic::cpu_init(cpu);
}

void arch_cpu_restore(PerCpu& cpu) {
    if (cpu.paging_switched) {
        x86::write_cr3(cpu.linux_cr3);
        x86::write_gdtr({cpu.linux_gdtr_limit, cpu.linux_gdtr_base});
        x86::write_idtr({cpu.linux_idtr_limit, cpu.linux_idtr_base});
        cpu.paging_switched = false;
    }
    if (cpu.svm_enabled) {
        x86::wrmsr(x86::msr_vm_hsave_pa, 0);
        x86::wrmsr(x86::msr_efer, x86::rdmsr(x86::msr_efer) & ~x86::efer_svme);
        cpu.svm_enabled = false;
    }
}

[[noreturn]] void arch_cpu_activate(PerCpu& cpu) {
    // GIF stays 0 in host mode: interrupts and NMIs wait for the guest.
    x86::clgi();
    bh_vmrun_loop(&cpu);
}

Result<void> arch_cell_create(Cell& cell) {
    Hypervisor& hv = hypervisor();
    auto npt = BH_TRY(x86::PageTable::create(hv.la57 ? 5 : 4, hv.gbpages, true));
    cell.arch_npt_root = npt.root_phys();
    BH_TRY(build_cell_npt(cell, npt));
    cell.arch_iopm = BH_TRY(build_iopm(cell.view.pio_ranges()));
    cell.arch_msrpm = BH_TRY(build_cell_msrpm());
    return success();
}

void arch_cell_destroy(Cell& cell) {
    if (cell.arch_npt_root != 0)
        cell_npt(cell).destroy();
    if (cell.arch_iopm != nullptr)
        hypervisor().pool.free(cell.arch_iopm, 3);
    if (cell.arch_msrpm != nullptr)
        hypervisor().pool.free(cell.arch_msrpm, 2);
    cell.arch_npt_root = 0;
    cell.arch_iopm = nullptr;
    cell.arch_msrpm = nullptr;
}

Result<void> arch_root_map(uint64_t phys, uint64_t size, uint64_t mem_flags) {
    return arch.root_npt.map(phys, phys, size, npt_flags(mem_flags));
}

Result<void> arch_root_unmap(uint64_t phys, uint64_t size) { return arch.root_npt.unmap(phys, size); }

void arch_root_ports(uint16_t base, uint16_t length, bool allowed) {
    for (uint32_t port = base; port < static_cast<uint32_t>(base) + length; ++port) {
        if (is_pci_config_port(port))
            continue;
        auto bit = static_cast<uint8_t>(1u << (port % 8));
        // Root CPUs read the bitmap at every I/O instruction: no flush.
        if (allowed)
            __atomic_and_fetch(&arch.iopm[port / 8], static_cast<uint8_t>(~bit), __ATOMIC_RELEASE);
        else
            __atomic_or_fetch(&arch.iopm[port / 8], bit, __ATOMIC_RELEASE);
    }
}

uint32_t arch_port_read(uint16_t port, uint8_t size) { return x86::port_read(port, size); }

void arch_port_write(uint16_t port, uint8_t size, uint32_t value) { x86::port_write(port, size, value); }

void arch_root_hide_config(uint16_t bdf, bool hidden) {
    const bh_platform_info& platform = hypervisor().system.system().platform;
    if (platform.pci_mmconfig_base == 0 || (bdf >> 8) > platform.pci_mmconfig_end_bus)
        return;
    uint64_t page = platform.pci_mmconfig_base + (static_cast<uint64_t>(bdf) << 12);
    // Only a page the root's config gave it is touched; the caller flushes.
    const bh_memory_region* region = nullptr;
    for (const bh_memory_region& r : hypervisor().system.root().memory_regions())
        if (page >= r.phys_start && page + 4096 <= r.phys_start + r.size)
            region = &r;
    if (region == nullptr)
        return;
    (void)arch.root_npt.unmap(page, 4096);
    // Reads of the ones page need no exit; writes fault and are dropped.
    // Failing to map (pool exhausted) leaves the page unmapped: the root's
    // accesses then fault, which is safe.
    if (hidden)
        (void)arch.root_npt.map(page, arch.config_ones_page, 4096, x86::pte_nx);
    else
        (void)arch.root_npt.map(page, page, 4096, npt_flags(region->flags));
}

const char* arch_check_msi(PerCpu& cpu, uint64_t address, uint32_t data) {
    return x86::apic::check_msi(cpu, address, data);
}

void arch_send_nmi(PerCpu& target) { x86::apic::send_nmi(target.apic_id); }

void arch_send_ipi(PerCpu& target, uint8_t vector) { x86::apic::send_fixed(target.apic_id, vector); }

void arch_request_tlb_flush(PerCpu& cpu) { Vmcb(cpu.vmcb).at<uint8_t>(off::tlb_control) = svm::tlb_flush_all; }

void arch_reset_to_cell(PerCpu& cpu, Cell& cell) {
    uint64_t reset = cell.view.desc().cpu_reset_address;
    start_guest(cpu, cell.arch_iopm, cell.arch_msrpm, cell.arch_npt_root, reset & ~0xffffull,
                static_cast<uint16_t>(reset & 0xffff));
    cpu.cell = &cell;
}

void arch_reset_to_root_sipi(PerCpu& cpu, uint8_t vector) {
    start_guest(cpu, arch.iopm, arch.msrpm, arch.root_npt.root_phys(), static_cast<uint64_t>(vector) << 12, 0);
    cpu.cell = nullptr;
}

void arch_park_loop(PerCpu& cpu) {
    // GIF=1 only around HLT: an NMI (a request) wakes the CPU, interrupts
    // stay blocked (RFLAGS.IF=0 in host mode).
    while (!serve_cpu_request(cpu)) {
        x86::stgi();
        asm volatile("hlt" ::: "memory");
        x86::clgi();
    }
}

void arch_dump_guest(PerCpu& cpu) {
    Vmcb vmcb(cpu.vmcb);
    console::print("  exit {} info1 {} info2 {} RIP {} RSP {} CR0 {} CR3 {} CR4 {} EFER {}",
                   hex(vmcb.u64(off::exit_code)), hex(vmcb.u64(off::exit_info1)), hex(vmcb.u64(off::exit_info2)),
                   hex(vmcb.u64(off::rip)), hex(vmcb.u64(off::rsp)), hex(vmcb.u64(off::cr0)),
                   hex(vmcb.u64(off::cr3)), hex(vmcb.u64(off::cr4)), hex(vmcb.u64(off::efer)));
}

}  // namespace bh

using namespace bh;

// After every #VMEXIT, on the hypervisor stack with GIF = 0. Returns 0 to
// resume the guest, 1 when this CPU leaves the hypervisor.
extern "C" int bh_handle_exit(PerCpu* cpu_ptr) {
    PerCpu& cpu = *cpu_ptr;
    Vmcb vmcb(cpu.vmcb);
    uint64_t code = vmcb.u64(off::exit_code);
    bool leave = false;

    vmcb.at<uint8_t>(off::tlb_control) = 0;
    ++cpu.stats[BH_STAT_TOTAL];
    // An event that was being delivered when the exit hit goes in again.
    uint64_t pending = vmcb.u64(off::exit_int_info);
    vmcb.u64(off::event_inject) = (pending & svm::event_valid) ? pending : 0;

    switch (code) {
    case svm::exit_cpuid:
        ++cpu.stats[BH_STAT_CPUID];
        emulate_cpuid(cpu, vmcb);
        break;
    case svm::exit_vmmcall:
        ++cpu.stats[BH_STAT_VMMCALL];
        handle_vmmcall(cpu, vmcb, leave);
        break;
    case svm::exit_msr:
        ++cpu.stats[BH_STAT_MSR];
        emulate_msr(cpu, vmcb);
        break;
    case svm::exit_ioio:
        ++cpu.stats[BH_STAT_IOIO];
        handle_ioio(cpu, vmcb);
        break;
    case svm::exit_npf:
        if (int target = emulated_write_target(cpu, vmcb); target != target_none) {
            if (target != target_hidden_config)
                ++cpu.stats[target == target_xapic ? BH_STAT_XAPIC : BH_STAT_IOAPIC];
            // An exit while an event was being delivered: the event goes
            // in again and the write is retried after it.
            if (!(vmcb.u64(off::event_inject) & svm::event_valid))
                handle_emulated_write(cpu, vmcb, vmcb.u64(off::exit_info2), target);
            break;
        }
        ++cpu.stats[BH_STAT_NPF];
        handle_npf(cpu, vmcb);
        break;
    case svm::exit_nmi:
        ++cpu.stats[BH_STAT_NMI];
        // The NMI is still pending in host mode: take it on the
        // hypervisor's IDT. A request from another CPU is served; any
        // other NMI belongs to the guest.
        x86::stgi();
        x86::clgi();
        if (__atomic_load_n(&cpu.request_seq, __ATOMIC_ACQUIRE) != cpu.done_seq)
            serve_cpu_request(cpu);
        // A non-root cell gets no NMI: a requester's re-sent NMI may arrive
        // after its request was served, and must not reach the inmate.
        else if (cpu.cell == nullptr && !(vmcb.u64(off::event_inject) & svm::event_valid))
            vmcb.u64(off::event_inject) = svm::event_valid | svm::event_type_nmi | 2;
        break;
    case svm::exit_shutdown:
        ++cpu.stats[BH_STAT_SHUTDOWN];
        if (cpu.cell != nullptr) {
            fail_cell(cpu, "triple fault (shutdown) at RIP {}", hex(vmcb.u64(off::rip)));
            break;
        }
        fatal(cpu, "the root cell triple-faulted");
    case svm::exit_vmrun:
    case svm::exit_vmload:
    case svm::exit_vmsave:
    case svm::exit_stgi:
    case svm::exit_clgi:
    case svm::exit_skinit:
        ++cpu.stats[BH_STAT_OTHER];
        inject_exception(vmcb, vector_ud);
        break;
    case svm::exit_invalid:
        if (cpu.cell != nullptr) {
            fail_cell(cpu, "its CPU state is invalid (VMEXIT_INVALID)");
            break;
        }
        fatal(cpu, "VMRUN refused the guest state (VMEXIT_INVALID)");
    default:
        ++cpu.stats[BH_STAT_OTHER];
        if (cpu.cell != nullptr) {
            fail_cell(cpu, "unexpected #VMEXIT {}", hex(code));
            break;
        }
        fatal(cpu, "unexpected #VMEXIT");
    }
    // A failed cell's CPU, or one asked to stop, waits until it is given a
    // new guest (a restarted cell, or Linux after a SIPI).
    if (cpu.cell != nullptr && __atomic_load_n(&cpu.cell->state, __ATOMIC_ACQUIRE) == BH_CELL_STATE_FAILED)
        cpu.parked = true;
    if (cpu.parked)
        arch_park_loop(cpu);
    return leave ? 1 : 0;
}

// This CPU returns to native execution: Linux continues after its VMMCALL.
extern "C" [[noreturn]] void bh_leave(PerCpu* cpu_ptr) {
    PerCpu& cpu = *cpu_ptr;
    Vmcb vmcb(cpu.vmcb);
    svm::Segment gdtr = vmcb.segment(off::gdtr);
    svm::Segment idtr = vmcb.segment(off::idtr);

    __atomic_sub_fetch(&hypervisor().cpus_active, 1, __ATOMIC_ACQ_REL);
    x86::write_cr0(vmcb.u64(off::cr0));
    x86::write_cr4(vmcb.u64(off::cr4));
    // Hypervisor memory is mapped at the same address in Linux's tables,
    // so this stack and code survive the switch.
    x86::write_cr3(vmcb.u64(off::cr3));
    x86::wrmsr(x86::msr_pat, vmcb.u64(off::g_pat));
    x86::write_gdtr({static_cast<uint16_t>(gdtr.limit), gdtr.base});
    x86::write_idtr({static_cast<uint16_t>(idtr.limit), idtr.base});
    uint16_t ds = vmcb.segment(off::ds).selector;
    uint16_t es = vmcb.segment(off::es).selector;
    asm volatile("mov %0, %%ds; mov %1, %%es" ::"r"(ds), "r"(es));
    asm volatile("mov %0, %%dr7" ::"r"(vmcb.u64(off::dr7)));
    x86::stgi();  // needs SVME, so before clearing it
    x86::wrmsr(x86::msr_vm_hsave_pa, 0);
    x86::wrmsr(x86::msr_efer, vmcb.u64(off::efer) & ~x86::efer_svme);

    uint64_t frame[5] = {
        vmcb.u64(off::rip),
        vmcb.segment(off::cs).selector,
        vmcb.u64(off::rflags),
        vmcb.u64(off::rsp),
        vmcb.segment(off::ss).selector,
    };
    bh_return_to_native(&cpu.regs, frame);
}

// A fault in host mode is a hypervisor bug: report it and stop this CPU.
extern "C" void bh_host_irq() { x86::apic::host_irq_acknowledge(); }

extern "C" [[noreturn]] void bh_exception(const uint64_t* frame) {
    console::print("FATAL: host exception {} (error {}) at RIP {}, CR2 {}", frame[0], hex(frame[1]), hex(frame[2]),
                   hex(x86::read_cr2()));
    x86::halt_forever();
}
