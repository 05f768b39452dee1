// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "admission.h"

namespace bh::rtos::sched {

namespace {

// The existing tasks followed by at most one candidate, without copying
// them (admission runs in the RTOS kernel with a small stack).
class TaskSetView {
public:
    TaskSetView(const TaskParams* tasks, uint32_t count, const TaskParams* candidate)
        : tasks_(tasks), count_(count), candidate_(candidate) {}

    uint32_t size() const { return count_ + (candidate_ != nullptr ? 1 : 0); }
    const TaskParams& operator[](uint32_t i) const { return i < count_ ? tasks_[i] : *candidate_; }

private:
    const TaskParams* tasks_;
    uint32_t count_;
    const TaskParams* candidate_;
};

void order_by_priority(const TaskSetView& set, uint32_t* order) {
    // Insertion sort: stable, so equal periods keep array order; n <= 65.
    for (uint32_t i = 0; i < set.size(); ++i) {
        uint32_t k = i;
        while (k > 0 && set[order[k - 1]].period > set[i].period) {
            order[k] = order[k - 1];
            --k;
        }
        order[k] = i;
    }
}

// Response time of the task at rank `rank` of `order`.
ResponseTime response_time(const TaskSetView& set, const uint32_t* order, uint32_t rank) {
    const TaskParams& task = set[order[rank]];
    const Duration deadline = deadline_of(task);

    Duration response = task.budget;
    for (uint32_t k = 0; k < rank; ++k)
        response = saturating_add(response, set[order[k]].budget);

    for (;;) {
        // A saturated sum stands for "beyond 2^64 - 1": never in time.
        if (response > deadline || response == kNever)
            return {response, false};
        Duration next = task.budget;
        for (uint32_t k = 0; k < rank; ++k) {
            const TaskParams& higher = set[order[k]];
            next = saturating_add(next, saturating_mul(ceil_div(response, higher.period),
                                                       higher.budget));
        }
        if (next == response)
            return {response, true};
        response = next;  // never smaller: the right-hand side is monotonic
    }
}

Result<void> validate_all(const TaskSetView& set) {
    if (set.size() > kMaxVcpus)
        return Errc::nomem;
    for (uint32_t i = 0; i < set.size(); ++i)
        BH_TRY(validate(set[i]));
    return success();
}

}  // namespace

Result<void> validate(const TaskParams& task) {
    const Duration deadline = deadline_of(task);
    if (task.budget == 0 || task.period < task.budget)
        return Errc::inval;
    if (deadline < task.budget || deadline > task.period)
        return Errc::inval;
    return success();
}

void priority_order(const TaskParams* tasks, uint32_t count, uint32_t* order) {
    order_by_priority(TaskSetView(tasks, count, nullptr), order);
}

Result<void> response_times(const TaskParams* tasks, uint32_t count, ResponseTime* out) {
    const TaskSetView set(tasks, count, nullptr);
    BH_TRY(validate_all(set));
    uint32_t order[kMaxVcpus];
    order_by_priority(set, order);
    for (uint32_t rank = 0; rank < set.size(); ++rank)
        out[order[rank]] = response_time(set, order, rank);
    return success();
}

Result<bool> schedulable(const TaskParams* tasks, uint32_t count) {
    const TaskSetView set(tasks, count, nullptr);
    BH_TRY(validate_all(set));
    uint32_t order[kMaxVcpus];
    order_by_priority(set, order);
    for (uint32_t rank = 0; rank < set.size(); ++rank)
        if (!response_time(set, order, rank).meets_deadline)
            return false;
    return true;
}

Result<void> admit(const TaskParams* existing, uint32_t count, const TaskParams& candidate) {
    const TaskSetView set(existing, count, &candidate);
    BH_TRY(validate_all(set));
    uint32_t order[kMaxVcpus];
    order_by_priority(set, order);
    for (uint32_t rank = 0; rank < set.size(); ++rank)
        if (!response_time(set, order, rank).meets_deadline)
            return Errc::nospc;
    return success();
}

}  // namespace bh::rtos::sched
