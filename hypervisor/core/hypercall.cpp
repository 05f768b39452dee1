// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Hypercalls from the root cell. Every argument is checked before use; a
// wrong code or argument is an error to the caller, never a fault here.
#include "console.h"
#include "hypervisor.h"

namespace bh {

namespace {

int64_t get_info(uint64_t which) {
    Hypervisor& hv = hypervisor();
    switch (which) {
    case BH_INFO_MEM_POOL_PAGES:
        return static_cast<int64_t>(hv.pool.total_pages());
    case BH_INFO_MEM_POOL_USED:
        return static_cast<int64_t>(hv.pool.used_pages());
    case BH_INFO_NUM_CELLS:
        return 1;
    case BH_INFO_NUM_CPUS:
        return __atomic_load_n(&hv.cpus_active, __ATOMIC_ACQUIRE);
    case BH_INFO_CONSOLE_PAGE:
        return static_cast<int64_t>(virt_to_phys(hv.console));
    default:
        return to_errno(Errc::inval);
    }
}

int64_t cpu_stats(uint64_t cpu_id, uint64_t stat) {
    if (stat >= BH_STAT_COUNT)
        return to_errno(Errc::inval);
    if (cpu_id >= kconfig::max_cpus || cpu_id >= hypervisor().online_cpus)
        return to_errno(Errc::noent);
    // Counters only grow; a torn read is impossible for aligned 64-bit loads.
    return static_cast<int64_t>(__atomic_load_n(&percpu(static_cast<uint32_t>(cpu_id)).stats[stat],
                                                 __ATOMIC_RELAXED) &
                                0x7fffffffffffffffull);
}

}  // namespace

int64_t handle_hypercall(PerCpu& cpu, uint64_t code, uint64_t arg1, uint64_t arg2, bool& leave) {
    leave = false;
    switch (code) {
    case BH_HC_DISABLE:
        console::print("CPU {}: disable", cpu.cpu_id);
        leave = true;
        return 0;
    case BH_HC_GET_INFO:
        return get_info(arg1);
    case BH_HC_CPU_STATS:
        return cpu_stats(arg1, arg2);
    case BH_HC_PING:
        return BH_HC_PING_REPLY;
    default:
        return to_errno(Errc::nosys);
    }
}

}  // namespace bh
