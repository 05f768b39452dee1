// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The local APIC under the hypervisor: which mode Linux runs it in, each
// CPU's APIC id, and the emulation of the writes that are intercepted so
// that a cell can only signal its own CPUs (icr_filter.h has the policy).
//
//   x2APIC: WRMSR to the ICR (0x830), to the LVTs that have a delivery mode
//           and to IA32_APIC_BASE exit; everything else is the hardware's.
//   xAPIC:  the APIC page is read-only in the cell's nested tables; every
//           write exits as a nested page fault, is decoded (mmio_decoder.h)
//           and lands here as (register offset, value).
#pragma once

#include <stdint.h>

#include <bh/result.h>
#include <bh/span.h>
#include <bulkhead/config.h>

#include "icr_filter.h"

namespace bh {
struct PerCpu;
}

namespace bh::x86::apic {

inline constexpr uint64_t xapic_page = 0xfee00000;

// x2APIC MSRs the hypervisor intercepts (writes only).
inline constexpr uint32_t msr_x2apic_lvt_cmci = 0x82f;
inline constexpr uint32_t msr_x2apic_icr = 0x830;
inline constexpr uint32_t msr_x2apic_lvt_thermal = 0x833;
inline constexpr uint32_t msr_x2apic_lvt_pmc = 0x834;
inline constexpr uint32_t msr_x2apic_lvt_lint0 = 0x835;
inline constexpr uint32_t msr_x2apic_lvt_lint1 = 0x836;

// Once, on the first CPU: the mode Linux runs the APIC in (IA32_APIC_BASE),
// checked against the config's platform.apic_mode. Fails if the APIC is
// disabled, not at 0xfee00000, or in the mode the config forbids.
Result<void> global_init(const bh_platform_info& platform);
Mode mode();

// On each CPU, with the hypervisor's page tables live: record the APIC id
// and logical destination; fails if this CPU's mode differs.
Result<void> cpu_init(PerCpu& cpu);

// A cell's ICR write (x2APIC: the MSR value; xAPIC: ICR high << 32 | low).
void icr_write(PerCpu& cpu, uint64_t icr);

// An intercepted WRMSR of a cell. false: the write is refused (#GP).
bool msr_write(PerCpu& cpu, uint32_t msr, uint64_t value);

// A cell's write to xAPIC register `offset` (page offset, 16-byte aligned).
// false: refused (#GP); true: done, or dropped by policy and reported.
bool xapic_write(PerCpu& cpu, uint32_t offset, uint32_t value);

// An NMI to the CPU with this APIC id (cross-CPU requests of the hypervisor).
void send_nmi(uint32_t apic_id);
// A fixed, edge, physical-destination interrupt (channel doorbells).
void send_fixed(uint32_t apic_id, uint8_t vector);

// Before a new guest runs on this CPU (a cell start, Linux after a SIPI):
// timer stopped, nothing in service, TPR 0.
void reset_for_new_guest(PerCpu& cpu);

// EOI for an external interrupt taken in host mode (see reset_for_new_guest).
void host_irq_acknowledge();

// The IOAPICs of the root's config (irqchips). Their pages are read-only in
// the root's nested tables: reads reach the hardware, writes exit and land
// here. Redirection entries may only send a pin the root owns (pin_bitmap)
// to CPUs of the root (check_redirection_entry); anything else is written
// masked and reported. Non-root cells get no IOAPIC.
void ioapic_setup(Span<const bh_irqchip> chips);
// The index of the IOAPIC whose register page holds `gpa`, or -1.
int ioapic_at(uint64_t gpa);
// A root write of `value` at register `offset` (0x00 IOREGSEL, 0x10 IOWIN,
// 0x40 EOI) of IOAPIC `chip`. false: not a register (the write is refused).
bool ioapic_write(PerCpu& cpu, int chip, uint32_t offset, uint32_t value);

// May a device of `cpu`'s cell send this MSI (icr_filter.h)? nullptr if so.
const char* check_msi(PerCpu& cpu, uint64_t address, uint32_t data);

}  // namespace bh::x86::apic
