// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The one contract between the arch-free core and the architecture. The
// vendor implementation (SVM now, VMX later) is chosen at link time.
#pragma once

#include <bh/result.h>

namespace bh {

struct Hypervisor;
struct PerCpu;

// Once, on the first CPU, before any CPU changes state: the hypervisor's
// page tables and IDT, the root cell's nested page tables and intercept
// bitmaps. May fail; changes nothing outside hypervisor memory.
Result<void> arch_global_init(Hypervisor& hv);

// On each CPU: check the CPU, capture Linux's live state as the root cell's
// guest state, switch to the hypervisor's tables. On failure the CPU is as
// it was.
Result<void> arch_cpu_init(PerCpu& cpu);

// Undo arch_cpu_init (when another CPU failed).
void arch_cpu_restore(PerCpu& cpu);

// Run the root cell on this CPU. Returns to Linux as the guest.
[[noreturn]] void arch_cpu_activate(PerCpu& cpu);

// Print a line of the hypervisor's register state for a failure report.
void arch_dump_guest(PerCpu& cpu);

// --- cells ---------------------------------------------------------------
struct Cell;

// The cell's nested page tables and permission bitmaps, from its config.
Result<void> arch_cell_create(Cell& cell);
void arch_cell_destroy(Cell& cell);
// Change the root's nested page tables (host-physical = guest-physical).
Result<void> arch_root_map(uint64_t phys, uint64_t size, uint64_t mem_flags);
Result<void> arch_root_unmap(uint64_t phys, uint64_t size);
// Let the root access ports [base, base + length) directly, or not.
void arch_root_ports(uint16_t base, uint16_t length, bool allowed);
// Interrupt `target` so that it leaves its guest and serves its request.
void arch_send_nmi(PerCpu& target);
// A fixed interrupt with `vector` to `target` (a channel doorbell).
void arch_send_ipi(PerCpu& target, uint8_t vector);
// This CPU's next VMRUN flushes the TLB.
void arch_request_tlb_flush(PerCpu& cpu);
// Set this CPU's guest state: the cell's boot state (real mode at its
// cpu_reset_address), or the root's after a SIPI (real mode at vector).
void arch_reset_to_cell(PerCpu& cpu, Cell& cell);
void arch_reset_to_root_sipi(PerCpu& cpu, uint8_t vector);
// Wait in the hypervisor until serve_cpu_request() sets up a new guest.
void arch_park_loop(PerCpu& cpu);


}  // namespace bh
