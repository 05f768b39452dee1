// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Checks on a simulated execution trace, independent of how the scheduler
// decided it. Documentation/rtos-scheduling.md ("What the simulator checks")
// explains each bound and why the literal "at most C in every window of
// length T" cannot hold for a VCPU that is preempted by others.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "simulator.h"

namespace bh::rtos::sched::test {

// Cumulative execution of one VCPU.
class ExecutionProfile {
public:
    explicit ExecutionProfile(const std::vector<Interval>& intervals);
    // Execution within [from, to).
    Duration received(Time from, Time to) const;
    struct Window {
        Time start;
        Duration received;
    };
    // The window [s, s + length) with the most execution (s >= 0).
    Window busiest_window(Duration length) const;

private:
    Duration received_before(Time t) const;
    std::vector<Interval> intervals_;
    std::vector<Duration> prefix_;  // execution before intervals_[i]
};

// Budget allowance of a window: C plus the VCPU's worst overrun.
Duration window_allowance(const SimVcpu& vcpu);

// For every anchor a (the VCPU became runnable, or was runnable with no
// budget): execution in [a, a + T) <= C + max_overrun.
std::optional<std::string> anchored_window_violation(const SimResult& r,
                                                     const std::vector<SimVcpu>& vcpus, uint32_t v);
// Every window of length T: execution <= C + max_overrun + latency. Holds
// for a VCPU nobody preempts (the highest-priority one), where `latency` is
// the longest its dispatch can be late: other VCPUs' late budget timers.
std::optional<std::string> sliding_window_violation(const SimResult& r,
                                                    const std::vector<SimVcpu>& vcpus, uint32_t v,
                                                    Duration latency = 0);
// The longest any VCPU but v lets its budget timer be late.
Duration dispatch_latency(const std::vector<SimVcpu>& vcpus, uint32_t v);
// Every window of length k*T: execution <= (k + 1) * C + max_overrun: the
// long-run rate is C/T, whatever the VCPU's priority.
std::optional<std::string> long_window_violation(const SimResult& r, const std::vector<SimVcpu>& vcpus,
                                                 uint32_t v, uint32_t k);
// Jobs whose deadline passed before the horizon without completion by it.
std::optional<std::string> deadline_miss(const SimResult& r, uint32_t v, Time horizon);

}  // namespace bh::rtos::sched::test
