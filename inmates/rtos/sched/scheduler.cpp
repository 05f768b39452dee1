// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "scheduler.h"

namespace bh::rtos::sched {

const SporadicServer* Scheduler::server(VcpuId vcpu) const {
    return exists(vcpu) ? &vcpus_[vcpu].server : nullptr;
}

uint32_t Scheduler::priority_rank(VcpuId vcpu) const {
    for (uint32_t rank = 0; rank < count_; ++rank)
        if (by_priority_[rank] == vcpu)
            return rank;
    return kNoVcpu;
}

void Scheduler::fill_task_params(TaskParams* out) const {
    for (uint32_t rank = 0; rank < count_; ++rank) {
        const VcpuParams& p = vcpus_[by_priority_[rank]].params;
        out[rank] = {p.budget, p.period, p.deadline};
    }
}

Result<VcpuId> Scheduler::create_vcpu(const VcpuParams& params, Time now) {
    // Validate and admit first; commit only in steps that cannot fail.
    const TaskParams candidate{params.budget, params.period, params.deadline};
    BH_TRY(validate(candidate));
    BH_TRY(validate(ServerParams{params.budget, params.period, params.replenishment_limit}));
    if (count_ == kMaxVcpus)
        return Errc::nomem;
    // Passed in priority order; admit() ranks the candidate after existing
    // tasks of equal period, as by_priority_ will.
    TaskParams existing[kMaxVcpus];
    fill_task_params(existing);
    BH_TRY(admit(existing, count_, candidate));
    auto server = BH_TRY(SporadicServer::create(
        ServerParams{params.budget, params.period, params.replenishment_limit}, now));

    VcpuId id = 0;
    while (vcpus_[id].in_use)
        ++id;  // a free slot exists: count_ < kMaxVcpus
    Vcpu& vcpu = vcpus_[id];
    vcpu.in_use = true;
    vcpu.runnable = false;
    vcpu.params = params;
    vcpu.server = server;

    uint32_t rank = count_;
    while (rank > 0 && vcpus_[by_priority_[rank - 1]].params.period > params.period) {
        by_priority_[rank] = by_priority_[rank - 1];
        --rank;
    }
    by_priority_[rank] = id;
    ++count_;
    return id;
}

Result<void> Scheduler::destroy_vcpu(VcpuId vcpu, Time now) {
    if (!exists(vcpu))
        return Errc::noent;
    if (running_ == vcpu) {
        charge_running(now, StopReason::blocked);
        running_ = kNoVcpu;
    }
    uint32_t rank = priority_rank(vcpu);
    for (; rank + 1 < count_; ++rank)
        by_priority_[rank] = by_priority_[rank + 1];
    --count_;
    vcpus_[vcpu].in_use = false;
    vcpus_[vcpu].runnable = false;
    return success();
}

Result<void> Scheduler::wake(VcpuId vcpu, Time now) {
    if (!exists(vcpu))
        return Errc::noent;
    Vcpu& v = vcpus_[vcpu];
    if (v.runnable)
        return success();
    v.runnable = true;
    v.server.unblock(now);
    return success();
}

Result<void> Scheduler::block(VcpuId vcpu, Time now) {
    if (!exists(vcpu))
        return Errc::noent;
    Vcpu& v = vcpus_[vcpu];
    if (!v.runnable)
        return success();
    v.runnable = false;
    if (running_ == vcpu) {
        charge_running(now, StopReason::blocked);
        running_ = kNoVcpu;
    } else {
        // Preempted earlier and now blocked: its usage so far is split off.
        v.server.consume(now, 0, StopReason::blocked);
    }
    return success();
}

void Scheduler::charge_running(Time now, StopReason why) {
    const Duration executed = now > dispatched_at_ ? now - dispatched_at_ : 0;
    vcpus_[running_].server.consume(now, executed, why);
    dispatched_at_ = now;
}

Scheduler::Decision Scheduler::schedule(Time now) {
    if (running_ != kNoVcpu)
        charge_running(now, StopReason::preempted);

    Decision decision{kNoVcpu, kNever, kNever};
    // Higher-priority VCPUs that are runnable but out of budget preempt
    // whoever runs when their next chunk is released: that is the timer,
    // unless the chosen VCPU runs out of budget first.
    for (uint32_t rank = 0; rank < count_; ++rank) {
        const VcpuId id = by_priority_[rank];
        const Vcpu& v = vcpus_[id];
        if (!v.runnable)
            continue;
        const Duration capacity = v.server.capacity(now);
        if (capacity > 0) {
            decision.vcpu = id;
            decision.budget_expiry = saturating_add(now, capacity);
            if (decision.budget_expiry < decision.timer)
                decision.timer = decision.budget_expiry;
            break;
        }
        const Time release = v.server.next_replenishment(now);
        if (release < decision.timer)
            decision.timer = release;
    }
    running_ = decision.vcpu;
    dispatched_at_ = now;
    return decision;
}

}  // namespace bh::rtos::sched
