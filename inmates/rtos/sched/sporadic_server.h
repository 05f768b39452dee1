// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The budget of one VCPU: a sporadic server (budget C, period T) under the
// corrected rules of Stanovich, Baker, Wang and González Harbour, "Defects of
// the POSIX Sporadic Server and How to Correct Them" (RTAS 2010).
//
// The budget C is kept as chunks (t, b) in a replenishment queue ordered by
// t: chunk b may be used from instant t on. Whatever part of a chunk is
// consumed comes back T after that chunk's own release time t. The sum of all
// chunks is always exactly C; the VCPU's "usage" is what it has consumed of
// the head chunk so far. Documentation/rtos-scheduling.md states the rules,
// why they bound the VCPU's demand like a periodic task (C, T), and which
// POSIX defects they remove.
#pragma once

#include <stdint.h>

#include <bh/result.h>

#include "types.h"

namespace bh::rtos::sched {

class Scheduler;

struct Replenishment {
    Time time;        // release: usable from this instant on
    Duration amount;  // > 0
};

// Chunks ordered by release time (equal times in insertion order), in a
// fixed ring of kMaxReplenishments slots.
class ReplenishmentQueue {
public:
    static constexpr uint32_t kCapacity = kMaxReplenishments;
    static_assert((kCapacity & (kCapacity - 1)) == 0, "ring index math needs a power of two");

    uint32_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

    // The i-th chunk in release order; i < size().
    const Replenishment& operator[](uint32_t i) const { return slots_[slot(i)]; }
    Replenishment& operator[](uint32_t i) { return slots_[slot(i)]; }
    const Replenishment& front() const { return (*this)[0]; }
    Replenishment& front() { return (*this)[0]; }

    void pop_front();
    // Removes the i-th chunk, keeping the order of the rest.
    void erase(uint32_t i);
    // Inserts after every chunk released at or before r.time. The caller
    // guarantees size() < kCapacity.
    void insert(const Replenishment& r);

private:
    static uint32_t wrap(uint32_t i) { return i & (kCapacity - 1); }
    uint32_t slot(uint32_t i) const { return wrap(head_ + i); }

    Replenishment slots_[kCapacity] = {};
    uint32_t head_ = 0;
    uint32_t size_ = 0;
};

struct ServerParams {
    Duration budget;  // C > 0
    Duration period;  // T >= C
    // How many chunks the budget may be split into, 2..kMaxReplenishments
    // (POSIX's sched_ss_max_repl). At the limit, split-check merges the
    // unused remnant into the next chunk instead of adding one.
    uint32_t replenishment_limit = kMaxReplenishments;
};

// Checks C > 0, T >= C and the limit's range.
Result<void> validate(const ServerParams& params);

// Why the VCPU stopped running (or, with executed == 0, that it blocked
// while it was not running).
enum class StopReason : uint8_t {
    preempted,  // still runnable: budget-check only
    blocked,    // no longer runnable: budget-check, then split-check
};

class SporadicServer {
public:
    // A server with its whole budget in one chunk released at `now`.
    static Result<SporadicServer> create(const ServerParams& params, Time now);

    Duration budget() const { return budget_; }
    Duration period() const { return period_; }
    uint32_t replenishment_limit() const { return limit_; }

    // Budget the VCPU may run on at `now`: 0 while the head chunk is not
    // released yet. The scheduler arms the budget timer at now + capacity.
    Duration capacity(Time now) const;

    // End of a timeslice: the VCPU ran for `executed` up to `now` (one
    // contiguous stretch, the part beyond capacity being an overrun). Charges
    // it, runs budget-check, and split-check when `why` is blocked.
    void consume(Time now, Duration executed, StopReason why);

    // The VCPU became runnable at `now` (unblock-check).
    void unblock(Time now);

    // Earliest chunk release strictly after `now`, or kNever. While the
    // capacity is 0 this is when it becomes positive again.
    Time next_replenishment(Time now) const;

    // Inspection (tests, statistics, migration of the queue).
    const ReplenishmentQueue& replenishments() const { return queue_; }
    Duration usage() const { return usage_; }
    // Sum of all chunks; the rules keep it equal to budget().
    Duration total_budget() const;

private:
    friend class Scheduler;  // stores servers in fixed slots
    SporadicServer() = default;

    void budget_check(Time now);
    void split_check(Time now);
    // Folds into the head every following chunk released before the head's
    // remaining capacity, consumed from `start` on without a gap, runs out.
    void merge_into_head(Time start);
    void requeue(Replenishment chunk);

    ReplenishmentQueue queue_;
    Duration usage_ = 0;
    Duration budget_ = 0;
    Duration period_ = 0;
    uint32_t limit_ = 0;
};

}  // namespace bh::rtos::sched
