// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "posix_sporadic_server.h"

#include <algorithm>

namespace bh::rtos::sched::test {

void PosixSporadicServer::replenish(const Pending& r, bool runnable) {
    const bool was_foreground = foreground();
    capacity_ = std::min(budget_, capacity_ + r.amount);
    if (runnable && !was_foreground && foreground()) {
        activation_ = r.time;
        consumed_since_activation_ = 0;
    }
}

void PosixSporadicServer::advance(Time now, bool runnable) {
    while (!pending_.empty() && pending_.front().time <= now) {
        const Pending r = pending_.front();
        pending_.erase(pending_.begin());
        replenish(r, runnable);
    }
}

void PosixSporadicServer::wake(Time now) {
    if (foreground()) {
        activation_ = now;
        consumed_since_activation_ = 0;
    }
}

void PosixSporadicServer::schedule_replenishment(Time now) {
    const Duration amount = consumed_since_activation_;
    consumed_since_activation_ = 0;
    if (amount == 0)
        return;
    const Pending r{activation_ + period_, amount};
    if (r.time <= now) {
        // "carried out immediately"; the thread is runnable only if it was
        // exhausted, not blocked, which the caller's next advance() sees.
        pending_.insert(pending_.begin(), Pending{now, amount});
        return;
    }
    auto pos = std::upper_bound(pending_.begin(), pending_.end(), r.time,
                                [](Time t, const Pending& p) { return t < p.time; });
    pending_.insert(pos, r);
}

void PosixSporadicServer::charge_foreground(Time now, Duration executed, bool blocked) {
    consumed_since_activation_ += executed;
    capacity_ = executed >= capacity_ ? 0 : capacity_ - executed;  // "set to zero"
    if (blocked || capacity_ == 0)
        schedule_replenishment(now);
}

Time PosixSporadicServer::next_replenishment() const {
    return pending_.empty() ? kNever : pending_.front().time;
}

Duration PosixSporadicServer::held_budget() const {
    Duration sum = capacity_;
    for (const auto& p : pending_)
        sum += p.amount;
    return sum;
}

}  // namespace bh::rtos::sched::test
