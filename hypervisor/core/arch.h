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

}  // namespace bh
