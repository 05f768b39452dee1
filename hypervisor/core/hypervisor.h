// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The hypervisor's global and per-CPU state.
//
// Hypervisor memory (from the system config) holds, in order: the image
// (code, data, bss with the per-CPU array), the system config copied by the
// driver, and the page pool. The driver maps all of it at one virtual
// address in Linux's kernel half, and the hypervisor's own page tables map it
// at the same address, so that code keeps running across the switch.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <bh/kconfig.h>
#include <bh/result.h>
#include <bh/spinlock.h>
#include <bulkhead/config.h>
#include <bulkhead/hypercall.h>
#include <bulkhead/image.h>

#include "cell.h"
#include "config_validator.h"
#include "page_pool.h"

namespace bh {

// Guest general-purpose registers that VMRUN does not switch (RAX and RSP
// live in the VMCB). The order is entry.S's.
struct GuestRegs {
    uint64_t rbx{}, rcx{}, rdx{}, rsi{}, rdi{}, rbp{}, r8{}, r9{}, r10{}, r11{}, r12{}, r13{}, r14{}, r15{};
};

inline constexpr size_t percpu_stack_size = 16 * 1024;

struct alignas(4096) PerCpu {
    uint8_t vmcb[4096]{};       // the root cell's VMCB on this CPU
    uint8_t host_save[4096]{};  // VM_HSAVE_PA area
    uint64_t gdt[16]{};         // copy of Linux's GDT, used in host mode
    GuestRegs regs{};
    uint64_t vmcb_pa{};
    uint32_t cpu_id{};
    int32_t error{};  // -errno of this CPU's init, 0 when fine
    bool svm_enabled{};
    bool paging_switched{};
    // Linux's state at entry, restored on failure and on disable.
    uint64_t linux_rsp{};
    uint64_t linux_cr3{};
    uint16_t linux_gdtr_limit{};
    uint64_t linux_gdtr_base{};
    uint16_t linux_idtr_limit{};
    uint64_t linux_idtr_base{};
    uint64_t stats[BH_STAT_COUNT]{};
    // The local APIC as this CPU found it at entry (arch/x86/apic.cpp); the
    // IPI filter of every CPU reads these.
    uint32_t apic_id{};
    uint32_t apic_ldr{};       // logical destination (xAPIC: the LDR as written)
    uint32_t apic_dfr{};       // xAPIC destination format
    uint32_t apic_icr_high{};  // xAPIC: the cell's last ICR high write
    bool apic_ready{};         // set once apic_id is valid
    // Cells (core/cell.cpp): whose guest runs here, and what other CPUs
    // ask of this one (served from the NMI exit or the park loop).
    Cell* cell{};  // nullptr: the root cell
    volatile uint32_t request{};
    volatile uint32_t request_seq{};
    volatile uint32_t done_seq{};
    Cell* request_cell{};
    uint8_t request_vector{};
    volatile bool parked{};
    bool wait_for_sipi{};  // a root CPU given back by a cell, waiting for Linux
    bool absorb_sipi{};    // started by a virtual SIPI: Linux's second SIPI is void
    uint32_t pci_address{};  // this CPU's guest's 0xCF8 latch (core/pci_config.h)
    SpinLock request_lock{};
    alignas(16) uint8_t stack[percpu_stack_size]{};

    uint64_t stack_top() const { return reinterpret_cast<uint64_t>(stack + sizeof(stack)); }
};

struct Hypervisor {
    bh_image_header* header{};
    uint64_t virt_base{};  // where hypervisor memory is mapped
    uint64_t phys_base{};
    uint64_t size{};
    config::SystemView system{};
    PagePool pool{};
    bh_console* console{};      // one page from the pool
    uint64_t host_page_table{};  // physical root of the hypervisor's tables
    uint32_t online_cpus{};
    bool gbpages{};  // the CPU supports 1 GiB pages
    bool la57{};     // Linux runs with 5-level paging
    volatile int32_t init_error{};
    volatile uint32_t barrier_entered{};
    volatile uint32_t barrier_initialized{};
    volatile uint32_t cpus_active{};  // CPUs that run the root cell as a guest
};

Hypervisor& hypervisor();
PerCpu& percpu(uint32_t cpu);

// A CPU that entered the hypervisor. Linux CPU numbers may have gaps (a CPU
// offline at enable), so the count of online CPUs is no bound on them.
inline bool cpu_entered(uint32_t cpu) {
    return cpu < kconfig::max_cpus && __atomic_load_n(&percpu(cpu).apic_ready, __ATOMIC_ACQUIRE);
}

// Translations within hypervisor memory.
inline uint64_t virt_to_phys(const void* p) {
    return reinterpret_cast<uint64_t>(p) - hypervisor().virt_base + hypervisor().phys_base;
}
template <typename T = void>
inline T* phys_to_virt(uint64_t pa) {
    return reinterpret_cast<T*>(pa - hypervisor().phys_base + hypervisor().virt_base);
}

// Hypercall dispatch, arch-free. Returns the value for the caller's RAX;
// sets `leave` when this CPU must return to native execution.
int64_t handle_hypercall(PerCpu& cpu, uint64_t code, uint64_t arg1, uint64_t arg2, bool& leave);

}  // namespace bh
