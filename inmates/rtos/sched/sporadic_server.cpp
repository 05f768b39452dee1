// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Corrected sporadic-server rules (Stanovich et al., RTAS 2010). The rule
// names below (budget-check, split-check, unblock-check) are the paper's.
#include "sporadic_server.h"

namespace bh::rtos::sched {

void ReplenishmentQueue::pop_front() {
    head_ = wrap(head_ + 1);
    --size_;
}

void ReplenishmentQueue::erase(uint32_t i) {
    for (uint32_t k = i; k + 1 < size_; ++k)
        slots_[slot(k)] = slots_[slot(k + 1)];
    --size_;
}

void ReplenishmentQueue::insert(const Replenishment& r) {
    uint32_t pos = size_;
    while (pos > 0 && slots_[slot(pos - 1)].time > r.time) {
        slots_[slot(pos)] = slots_[slot(pos - 1)];
        --pos;
    }
    slots_[slot(pos)] = r;
    ++size_;
}

Result<void> validate(const ServerParams& params) {
    if (params.budget == 0 || params.period < params.budget)
        return Errc::inval;
    if (params.replenishment_limit < 2 || params.replenishment_limit > kMaxReplenishments)
        return Errc::inval;
    return success();
}

Result<SporadicServer> SporadicServer::create(const ServerParams& params, Time now) {
    BH_TRY(validate(params));
    SporadicServer server;
    server.budget_ = params.budget;
    server.period_ = params.period;
    server.limit_ = params.replenishment_limit;
    server.queue_.insert({now, params.budget});
    return server;
}

Duration SporadicServer::capacity(Time now) const {
    const Replenishment& head = queue_.front();
    // usage_ < head.amount holds between calls (budget-check restores it).
    return head.time > now ? 0 : head.amount - usage_;
}

void SporadicServer::consume(Time now, Duration executed, StopReason why) {
    usage_ = saturating_add(usage_, executed);
    budget_check(now);
    if (why == StopReason::blocked)
        split_check(now);
}

void SporadicServer::unblock(Time now) {
    if (capacity(now) == 0)
        return;  // the scheduler's timer fires at the head's release
    // The head is consumed from now on: its replenishment counts from now,
    // not from when it was released while the VCPU had nothing to do.
    queue_.front().time = now;
    merge_into_head(now);
}

Time SporadicServer::next_replenishment(Time now) const {
    for (uint32_t i = 0; i < queue_.size(); ++i)
        if (queue_[i].time > now)
            return queue_[i].time;
    return kNever;
}

Duration SporadicServer::total_budget() const {
    Duration sum = 0;
    for (uint32_t i = 0; i < queue_.size(); ++i)
        sum += queue_[i].amount;
    return sum;
}

void SporadicServer::requeue(Replenishment chunk) { queue_.insert(chunk); }

void SporadicServer::budget_check(Time now) {
    if (usage_ < queue_.front().amount)
        return;  // the head chunk still has capacity

    // An overrun of whole budgets moves every chunk on by whole periods;
    // this is what popping and re-queueing each chunk that often would do,
    // in bounded time.
    if (usage_ >= budget_) {
        uint64_t periods = usage_ / budget_;
        Duration shift = saturating_mul(periods, period_);
        for (uint32_t i = 0; i < queue_.size(); ++i)
            queue_[i].time = saturating_add(queue_[i].time, shift);
        usage_ -= periods * budget_;
    }

    // Every chunk used up comes back T after its own release time. usage_ <
    // budget_ here, so this pops fewer chunks than the queue holds and never
    // meets a chunk it has just re-queued.
    while (usage_ >= queue_.front().amount) {
        Replenishment exhausted = queue_.front();
        queue_.pop_front();
        usage_ -= exhausted.amount;
        exhausted.time = saturating_add(exhausted.time, period_);
        requeue(exhausted);
    }

    // The residual usage was executed in [now - usage_, now) and charged to
    // the new head. If any of it ran before that head's release it is an
    // overrun: the head is delayed by it, so the overrun is paid back and
    // the head's tokens are not used twice within T.
    if (usage_ == 0)
        return;
    Replenishment& head = queue_.front();
    if (saturating_add(head.time, usage_) > now) {
        head.time = saturating_add(head.time, usage_);
        merge_into_head(head.time);
    }
}

void SporadicServer::split_check(Time now) {
    Replenishment& head = queue_.front();
    if (usage_ == 0 || head.time > now)
        return;
    const Time released = head.time;
    const Duration consumed = usage_;
    const Duration remnant = head.amount - usage_;  // > 0: capacity was positive
    if (queue_.size() >= limit_) {
        // No room for another chunk: the unused remnant joins the next
        // chunk (later, never earlier), so the total stays C and the count
        // stays within the limit.
        queue_.pop_front();
        queue_.front().amount += remnant;
    } else {
        head.amount = remnant;
    }
    usage_ = 0;
    requeue({saturating_add(released, period_), consumed});
}

void SporadicServer::merge_into_head(Time start) {
    Replenishment& head = queue_.front();
    Duration remaining = head.amount - usage_;
    // Observation 3 of the paper: a chunk released before the head runs out
    // (consumed without a gap from `start`) adds nothing a contiguous run
    // could not already use, so it may share the head's release time.
    while (queue_.size() > 1 && queue_[1].time <= saturating_add(start, remaining)) {
        head.amount += queue_[1].amount;
        remaining += queue_[1].amount;
        queue_.erase(1);
    }
}

}  // namespace bh::rtos::sched
