// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Hypercalls from the root cell. Every argument is checked before use; a
// wrong code or argument is an error to the caller, never a fault here.
#include "console.h"
#include "hypervisor.h"

namespace bh {

namespace {

int64_t get_info(uint64_t which, uint64_t arg2) {
    Hypervisor& hv = hypervisor();
    switch (which) {
    case BH_INFO_MEM_POOL_PAGES:
        return static_cast<int64_t>(hv.pool.total_pages());
    case BH_INFO_MEM_POOL_USED:
        return static_cast<int64_t>(hv.pool.used_pages());
    case BH_INFO_NUM_CELLS:
        return cell_count();
    case BH_INFO_NUM_CPUS:
        return __atomic_load_n(&hv.cpus_active, __ATOMIC_ACQUIRE);
    case BH_INFO_CONSOLE_PAGE:
        return static_cast<int64_t>(virt_to_phys(hv.console));
    case BH_INFO_CELL_CPUS:
        return cell_cpus(arg2);
    default:
        return to_errno(Errc::inval);
    }
}

int64_t cpu_stats(uint64_t cpu_id, uint64_t stat) {
    if (stat >= BH_STAT_COUNT)
        return to_errno(Errc::inval);
    if (cpu_id >= kconfig::max_cpus || !cpu_entered(static_cast<uint32_t>(cpu_id)))
        return to_errno(Errc::noent);
    // Counters only grow; a torn read is impossible for aligned 64-bit loads.
    return static_cast<int64_t>(__atomic_load_n(&percpu(static_cast<uint32_t>(cpu_id)).stats[stat],
                                                 __ATOMIC_RELAXED) &
                                0x7fffffffffffffffull);
}

}  // namespace

int64_t handle_hypercall(PerCpu& cpu, uint64_t code, uint64_t arg1, uint64_t arg2, bool& leave) {
    leave = false;
    bool from_root = cpu.cell == nullptr;
    // What a non-root cell may call; everything else is the root's.
    switch (code) {
    case BH_HC_CONSOLE_WRITE:
        return cell_console_write(cpu, arg1, arg2);
    case BH_HC_PING:
        return BH_HC_PING_REPLY;
    case BH_HC_CHANNEL_NOTIFY:
        return channel_notify(cpu, arg1);
    case BH_HC_CHANNEL_SET_VECTOR:
        return channel_set_vector(cpu, arg1, arg2);
    case BH_HC_CHANNEL_PEER_STATE:
        return channel_peer_state(cpu, arg1);
    case BH_HC_GET_INFO:
    case BH_HC_CPU_STATS:
        break;
    default:
        if (!from_root)
            return to_errno(Errc::perm);
    }
    switch (code) {
    case BH_HC_DISABLE: {
        // Every CPU must be the root's and running Linux: a CPU left in a
        // cell or parked would stay in memory the driver is about to free.
        bool parked = false;
        for (uint32_t i = 0; i < kconfig::max_cpus; ++i)
            parked = parked || (cpu_entered(i) && (percpu(i).parked || percpu(i).cell != nullptr));
        if (cells_exist() || parked) {
            console::print("CPU {}: disable refused: destroy all cells first", cpu.cpu_id);
            return to_errno(Errc::busy);
        }
        console::print("CPU {}: disable", cpu.cpu_id);
        leave = true;
        return 0;
    }
    case BH_HC_CELL_CREATE:
        return cell_create(cpu, arg1, arg2);
    case BH_HC_CELL_SET_LOADABLE:
        return cell_set_loadable(cpu, arg1);
    case BH_HC_CELL_START:
        return cell_start(cpu, arg1);
    case BH_HC_CELL_SHUTDOWN:
        return cell_shutdown(cpu, arg1);
    case BH_HC_CELL_DESTROY:
        return cell_destroy(cpu, arg1);
    case BH_HC_CELL_GET_STATE:
        return cell_get_state(arg1);
    case BH_HC_CELL_GET_REASON:
        return cell_get_reason(arg1, arg2);
    case BH_HC_GET_INFO:
        return get_info(arg1, arg2);
    case BH_HC_CPU_STATS:
        return cpu_stats(arg1, arg2);
    case BH_HC_PING:
        return BH_HC_PING_REPLY;
    default:
        return to_errno(Errc::nosys);
    }
}

}  // namespace bh
