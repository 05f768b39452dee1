// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Test-side reference model of POSIX SCHED_SPORADIC as the standard words it
// (IEEE Std 1003.1-2017, XSH 2.8.4), used to show the defects that the
// corrected rules in inmates/rtos/sched remove. It is deliberately faithful
// to the standard, defects included:
//
//  * priority: sched_priority ("foreground") while capacity > 0 and fewer
//    than max_repl replenishments are pending, else sched_ss_low_priority
//    ("background"); background execution is not charged;
//  * activation_time is posted when the thread becomes runnable at
//    foreground priority or a replenishment lifts it from background; a
//    replenishment that arrives while it is already foreground does not
//    post one (-> premature replenishment);
//  * preempted: consumed time is subtracted, floored at 0; blocked or
//    exhausted: likewise, and a replenishment of "the execution time
//    consumed since activation_time" is scheduled at activation_time + T
//    (-> budget amplification when an overrun is floored away but
//    replenished);
//  * a replenishment adds its amount, capping the capacity at the initial
//    budget.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sched/types.h"

namespace bh::rtos::sched::test {

class PosixSporadicServer {
public:
    PosixSporadicServer(Duration budget, Duration period, uint32_t max_repl)
        : budget_(budget), period_(period), max_repl_(max_repl), capacity_(budget) {}

    // Carries out replenishments due at or before `now`. `runnable` says
    // whether the thread was runnable meanwhile (so it may be lifted to
    // foreground priority with a new activation time).
    void advance(Time now, bool runnable);
    bool foreground() const { return capacity_ > 0 && pending_.size() < max_repl_; }
    Duration capacity() const { return capacity_; }

    // Became runnable at `now` (call advance(now, false) first).
    void wake(Time now);
    // Ran at foreground priority for `executed`, up to `now`; then blocked
    // or was preempted (exhaustion is detected from the capacity).
    void charge_foreground(Time now, Duration executed, bool blocked);

    Time next_replenishment() const;
    size_t pending_count() const { return pending_.size(); }
    // Capacity plus pending replenishments: the budget the thread holds.
    // POSIX lets it grow past the initial budget.
    Duration held_budget() const;

private:
    struct Pending {
        Time time;
        Duration amount;
    };
    void schedule_replenishment(Time now);
    void replenish(const Pending& r, bool runnable);

    Duration budget_;
    Duration period_;
    uint32_t max_repl_;
    Duration capacity_;
    Time activation_ = 0;
    Duration consumed_since_activation_ = 0;
    std::vector<Pending> pending_;  // in time order
};

}  // namespace bh::rtos::sched::test
