// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Entering the hypervisor: every online CPU arrives here at once (the driver
// uses stop_machine), the first one initialises what is shared, and either
// all CPUs continue as the root cell's guest, or all return the error and
// Linux carries on natively.
#include <stddef.h>

#include "../arch/x86/asm_offsets.h"
#include "arch.h"
#include "console.h"
#include "hypervisor.h"

extern "C" char __image_start[];
extern "C" bh_image_header bh_image_header_start;

namespace bh {

static_assert(offsetof(PerCpu, regs) == PERCPU_REGS);
static_assert(offsetof(PerCpu, vmcb_pa) == PERCPU_VMCB_PA);
static_assert(offsetof(GuestRegs, rdi) == REG_RDI && offsetof(GuestRegs, r15) == REG_R15);

namespace {

constinit Hypervisor the_hypervisor;
constinit PerCpu cpus[kconfig::max_cpus];
volatile uint32_t first_cpu_claimed;

constexpr uint64_t page_size = 4096;

// All CPUs meet here; none leaves before every online CPU arrived.
void barrier(volatile uint32_t& counter, uint32_t expected) {
    __atomic_add_fetch(&counter, 1, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(&counter, __ATOMIC_ACQUIRE) < expected)
        __builtin_ia32_pause();
}

// Errors found before the first barrier (global init, a CPU id out of
// range) are every CPU's, kept apart from the per-CPU ones of init_error.
volatile int32_t entry_error;

void record_entry_error(int32_t error) {
    int32_t none = 0;
    __atomic_compare_exchange_n(&entry_error, &none, error, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

void record_error(int32_t error) {
    int32_t none = 0;
    __atomic_compare_exchange_n(&the_hypervisor.init_error, &none, error, false, __ATOMIC_ACQ_REL,
                                __ATOMIC_ACQUIRE);
}

Result<void> global_init() {
    Hypervisor& hv = the_hypervisor;
    bh_image_header* header = &bh_image_header_start;
    hv.header = header;
    hv.virt_base = reinterpret_cast<uint64_t>(__image_start);
    hv.online_cpus = header->online_cpus;

    if (header->config_offset < header->core_size || header->config_size == 0 ||
        header->config_size > BH_CONFIG_MAX_SIZE)
        return Errc::inval;
    const void* config = reinterpret_cast<const void*>(hv.virt_base + header->config_offset);
    config::Diagnostic diag;
    hv.system = BH_TRY(config::parse_system(config, header->config_size, diag));
    const bh_system_config& sys = hv.system.system();
    hv.phys_base = sys.hypervisor_memory.phys_start;
    hv.size = sys.hypervisor_memory.size;

    uint64_t pool_start = (header->config_offset + header->config_size + page_size - 1) & ~(page_size - 1);
    if (pool_start >= hv.size)
        return Errc::nomem;
    hv.pool.init(hv.virt_base + pool_start, (hv.size - pool_start) / page_size);

    hv.console = static_cast<bh_console*>(BH_TRY(hv.pool.alloc()));
    header->console_offset = reinterpret_cast<uint64_t>(hv.console) - hv.virt_base;
    console::init(hv.console, sys.debug_console);
    console::print("hypervisor memory [{}, +{}), {} CPUs, page pool {} pages", hex(hv.phys_base), hex(hv.size),
                   hv.online_cpus, hv.pool.total_pages());

    // The driver checked the config; a hypervisor trusts nobody.
    auto valid = config::validate_system(hv.system, config::Limits{kconfig::max_cpus}, diag);
    if (!valid.ok()) {
        console::print("system config refused: {}", diag.message());
        return valid.error();
    }
    if (hv.online_cpus == 0 || hv.online_cpus > kconfig::max_cpus) {
        console::print("{} online CPUs, but this build supports {}", hv.online_cpus, kconfig::max_cpus);
        return Errc::range;
    }
    return arch_global_init(hv);
}

}  // namespace

Hypervisor& hypervisor() { return the_hypervisor; }
PerCpu& percpu(uint32_t cpu) { return cpus[cpu]; }

}  // namespace bh

using namespace bh;

// Called on Linux's stack: where this CPU's hypervisor stack ends.
extern "C" uint64_t bh_percpu_stack_top(uint32_t cpu_id) {
    // An out-of-range id gets the last CPU's stack only to report the
    // error from bh_entry; it never runs a guest.
    uint32_t index = cpu_id < kconfig::max_cpus ? cpu_id : kconfig::max_cpus - 1;
    return percpu(index).stack_top();
}

extern "C" int bh_entry(uint32_t cpu_id, uint64_t linux_rsp) {
    Hypervisor& hv = hypervisor();
    uint32_t online = bh_image_header_start.online_cpus;

    // After the first barrier only entry errors may end a CPU's entry: a
    // fast CPU may already have put its own error in init_error and wait at
    // the second barrier, which every CPU must then reach.
    if (__atomic_exchange_n(&first_cpu_claimed, 1, __ATOMIC_ACQ_REL) == 0) {
        auto result = global_init();
        if (!result.ok())
            record_entry_error(to_errno(result.error()));
    }
    if (cpu_id >= kconfig::max_cpus)
        record_entry_error(to_errno(Errc::range));
    barrier(hv.barrier_entered, online);
    if (int32_t error = __atomic_load_n(&entry_error, __ATOMIC_ACQUIRE); error != 0) {
        record_error(error);
        return error;
    }

    PerCpu& cpu = percpu(cpu_id);
    cpu.cpu_id = cpu_id;
    cpu.linux_rsp = linux_rsp;
    // The root cell must own exactly the CPUs that entered.
    auto result = Result<void>{};
    if (!hv.system.root().has_cpu(cpu_id) || hv.system.root().cpu_count() != online) {
        console::print("CPU {}: the root cell's cpu_set ({} CPUs) does not match the {} online CPUs", cpu_id,
                       hv.system.root().cpu_count(), online);
        result = Errc::inval;
    } else {
        result = arch_cpu_init(cpu);
    }
    if (!result.ok()) {
        cpu.error = to_errno(result.error());
        record_error(cpu.error);
    }
    barrier(hv.barrier_initialized, online);
    if (hv.init_error != 0) {
        if (cpu.error == 0)
            arch_cpu_restore(cpu);
        else
            console::print("CPU {}: initialisation failed ({})", cpu_id, errc_name(static_cast<Errc>(-cpu.error)));
        return hv.init_error;
    }
    __atomic_add_fetch(&hv.cpus_active, 1, __ATOMIC_ACQ_REL);
    arch_cpu_activate(cpu);
}
