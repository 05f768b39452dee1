// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Admission control for a physical CPU's VCPU set: exact response-time
// analysis (Joseph & Pandya 1986; Audsley et al. 1993) for rate-monotonic
// priorities, constrained deadlines (C <= D <= T) and synchronous release,
// which is the worst case for sporadic servers as for periodic tasks:
//
//     R_i = C_i + sum over j in hp(i) of ceil(R_i / T_j) * C_j
//
// iterated from R_i = C_i + sum C_j until it stops growing (R_i is the
// worst-case response time) or exceeds D_i (not schedulable). hp(i) are the
// tasks with a shorter period, and those with the same period that come
// earlier in the array (creation or file order). The iteration count is at
// most the number of higher-priority releases in [0, D_i).
#pragma once

#include <stdint.h>

#include <bh/result.h>

#include "types.h"

namespace bh::rtos::sched {

struct TaskParams {
    Duration budget;        // C > 0
    Duration period;        // T >= C
    Duration deadline = 0;  // D, relative; 0 means D = T. C <= D <= T.
};

constexpr Duration deadline_of(const TaskParams& task) {
    return task.deadline == 0 ? task.period : task.deadline;
}

// Errors of this module:
//   Errc::inval  a task's parameters are malformed (C = 0, C > T, D < C, D > T)
//   Errc::nomem  more than kMaxVcpus tasks
//   Errc::nospc  admit(): the set with the candidate would miss a deadline
Result<void> validate(const TaskParams& task);

struct ResponseTime {
    // The worst-case response time when meets_deadline; otherwise the first
    // iterate beyond the deadline (a lower bound: the analysis stops there).
    Duration response;
    bool meets_deadline;
};

// Worst-case response time of every task; out[i] belongs to tasks[i].
// Validates every task first and writes nothing on error.
Result<void> response_times(const TaskParams* tasks, uint32_t count, ResponseTime* out);

// Whether every task of the set meets its deadline.
Result<bool> schedulable(const TaskParams* tasks, uint32_t count);

// Admission test: succeeds when `existing` plus `candidate` (ranked after
// existing tasks of equal period) is schedulable; otherwise returns the
// error and changes nothing (there is nothing to change: this is a pure
// function; callers commit only on success).
Result<void> admit(const TaskParams* existing, uint32_t count, const TaskParams& candidate);

// Rate-monotonic order: order[k] is the index of the task with the k-th
// highest priority (shorter period first, ties in array order).
void priority_order(const TaskParams* tasks, uint32_t count, uint32_t* order);

}  // namespace bh::rtos::sched
