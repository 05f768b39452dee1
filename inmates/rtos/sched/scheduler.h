// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The VCPU scheduler of one physical CPU: rate-monotonic priorities over
// sporadic-server budgets, tickless.
//
// VCPUs are bound to one physical CPU (as in Quest-V); each CPU of a cell
// runs its own Scheduler. The RTOS calls, with the current time:
//   wake()/block()  when a VCPU gains its first / loses its last runnable
//                   thread,
//   schedule()      after those, and whenever the one-shot timer fires;
//                   it charges the VCPU that was running for the time since
//                   it was dispatched (also when it is preempted), picks the
//                   highest-priority runnable VCPU with budget, and tells
//                   when the timer must fire next.
// Nothing here blocks, allocates or reads a clock.
#pragma once

#include <stdint.h>

#include <bh/result.h>

#include "admission.h"
#include "sporadic_server.h"
#include "types.h"

namespace bh::rtos::sched {

using VcpuId = uint32_t;
inline constexpr VcpuId kNoVcpu = UINT32_MAX;

struct VcpuParams {
    Duration budget;        // C
    Duration period;        // T; the priority: shorter is higher
    Duration deadline = 0;  // D for admission; 0 means D = T
    uint32_t replenishment_limit = kMaxReplenishments;
};

class Scheduler {
public:
    struct Decision {
        VcpuId vcpu;         // to run now, or kNoVcpu: idle
        Time timer;          // program the one-shot timer for this instant (kNever: none)
        Time budget_expiry;  // when vcpu's capacity runs out (kNever when idle)
    };

    // Admits a VCPU (response-time analysis over this CPU's set with it
    // added) and adds it, blocked. Errors: Errc::inval (parameters),
    // Errc::nomem (kMaxVcpus reached), Errc::nospc (not schedulable); on
    // error nothing changes.
    Result<VcpuId> create_vcpu(const VcpuParams& params, Time now);
    // Errc::noent for an unknown id. Removing the running VCPU makes the
    // CPU idle until the next schedule().
    Result<void> destroy_vcpu(VcpuId vcpu, Time now);

    // Blocked -> runnable (unblock-check). Waking a runnable VCPU is a no-op.
    Result<void> wake(VcpuId vcpu, Time now);
    // Runnable -> blocked: charges it if it was running, then split-check.
    // Blocking a blocked VCPU is a no-op.
    Result<void> block(VcpuId vcpu, Time now);

    Decision schedule(Time now);

    VcpuId running() const { return running_; }
    uint32_t vcpu_count() const { return count_; }
    bool exists(VcpuId vcpu) const { return vcpu < kMaxVcpus && vcpus_[vcpu].in_use; }
    bool is_runnable(VcpuId vcpu) const { return exists(vcpu) && vcpus_[vcpu].runnable; }
    // The VCPU's budget state; nullptr for an unknown id.
    const SporadicServer* server(VcpuId vcpu) const;
    // 0 is the highest priority; kNoVcpu for an unknown id.
    uint32_t priority_rank(VcpuId vcpu) const;

private:
    struct Vcpu {
        bool in_use = false;
        bool runnable = false;
        VcpuParams params = {};
        SporadicServer server;
    };

    // Charges the running VCPU for the time since dispatch.
    void charge_running(Time now, StopReason why);
    void fill_task_params(TaskParams* out) const;

    Vcpu vcpus_[kMaxVcpus];
    // Ids in priority order: shorter period first, equal periods in
    // creation order (a new VCPU goes after all of equal period).
    VcpuId by_priority_[kMaxVcpus] = {};
    uint32_t count_ = 0;
    VcpuId running_ = kNoVcpu;
    Time dispatched_at_ = 0;
};

}  // namespace bh::rtos::sched
