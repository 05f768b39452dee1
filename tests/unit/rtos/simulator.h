// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Discrete-event simulation of one physical CPU running VCPUs, for the
// scheduling tests. Each VCPU runs a list of jobs; a job is a sequence of
// execution segments separated by blocking (I/O) waits. The simulation
// drives either the production Scheduler (corrected sporadic servers) or a
// test-side rate-monotonic dispatcher over the POSIX SCHED_SPORADIC model,
// and records the execution trace, the instants the trace checks anchor
// their windows at, and when every job completed.
//
// Overruns model enforcement latency: when the timer that ends a VCPU's
// budget fires, the VCPU has already run up to max_overrun longer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sched/types.h"

namespace bh::rtos::sched::test {

struct Segment {
    Duration exec;
    Duration block_after = 0;  // I/O wait before the next segment (ignored after the last)
};

struct Job {
    Time release;
    Time deadline = kNever;  // absolute; kNever: no deadline to check
    std::vector<Segment> segments;
};

struct SimVcpu {
    Duration budget;
    Duration period;
    Duration deadline = 0;  // relative, for admission; 0: = period
    uint32_t replenishment_limit = kMaxReplenishments;
    Duration max_overrun = 0;
    bool overrun_always_max = false;  // else uniformly random in [0, max_overrun]
    std::vector<Job> jobs;            // by release time
};

struct Interval {
    Time start;
    Time end;
};

struct JobOutcome {
    Time release;
    Time deadline;
    Time completion;  // kNever: not completed within the horizon
};

enum class Policy {
    corrected,  // bh::rtos::sched::Scheduler
    posix,      // test-side POSIX SCHED_SPORADIC model, background = idle time
};

struct SimResult {
    std::string setup_error;  // e.g. the Scheduler refused a VCPU
    std::vector<std::vector<Interval>> execution;
    // Instants at which a VCPU became runnable, or was found runnable with
    // no budget to run on: it has no released-but-unused budget left over
    // from before, so the window [a, a + T) may hold at most C (+ overrun).
    std::vector<std::vector<Time>> anchors;
    std::vector<std::vector<JobOutcome>> jobs;
    std::vector<uint32_t> priority_order;  // VCPU indices, highest first
    // Broken invariants of the corrected server (sum of chunks != C, more
    // chunks than the limit, usage not below the head chunk).
    std::vector<std::string> invariant_violations;
    uint64_t overruns = 0;      // budget timers that fired late
    uint64_t blocks = 0;        // VCPU block transitions
    uint32_t max_chunks = 0;    // largest replenishment queue seen (corrected)
    bool limit_reached = false;  // some VCPU's queue was at its limit
};

SimResult simulate(const std::vector<SimVcpu>& vcpus, Time horizon, Policy policy, uint64_t seed);

// Jobs released every `period` from `phase` up to `horizon`, each a single
// segment of `exec`, due `deadline` after release (0: = period).
std::vector<Job> periodic_jobs(Duration exec, Duration period, Duration deadline, Time phase,
                               Time horizon);

}  // namespace bh::rtos::sched::test
