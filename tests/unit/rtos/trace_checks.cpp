// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "trace_checks.h"

#include <algorithm>

namespace bh::rtos::sched::test {

ExecutionProfile::ExecutionProfile(const std::vector<Interval>& intervals) : intervals_(intervals) {
    Duration sum = 0;
    for (const auto& i : intervals_) {
        prefix_.push_back(sum);
        sum += i.end - i.start;
    }
    prefix_.push_back(sum);
}

Duration ExecutionProfile::received_before(Time t) const {
    // First interval starting at or after t; everything before it counts,
    // the one before it only up to t.
    auto it = std::lower_bound(intervals_.begin(), intervals_.end(), t,
                               [](const Interval& i, Time x) { return i.start < x; });
    const size_t k = static_cast<size_t>(it - intervals_.begin());
    if (k == 0)
        return 0;
    const Interval& last = intervals_[k - 1];
    return prefix_[k - 1] + (std::min(t, last.end) - last.start);
}

Duration ExecutionProfile::received(Time from, Time to) const {
    return received_before(to) - received_before(from);
}

ExecutionProfile::Window ExecutionProfile::busiest_window(Duration length) const {
    // The execution in [s, s + length) is piecewise linear in s; its maxima
    // lie where s meets an interval's start or s + length an interval's end.
    Window best{0, 0};
    auto consider = [&](Time s) {
        const Duration got = received(s, s + length);
        if (got > best.received)
            best = {s, got};
    };
    for (const auto& i : intervals_) {
        consider(i.start);
        consider(i.end > length ? i.end - length : 0);
    }
    return best;
}

Duration window_allowance(const SimVcpu& vcpu) { return vcpu.budget + vcpu.max_overrun; }

static std::string describe(uint32_t v, const char* what, Time start, Duration length, Duration got,
                            Duration allowed) {
    return "VCPU " + std::to_string(v) + ": " + what + " [" + std::to_string(start) + ", " +
           std::to_string(start + length) + ") received " + std::to_string(got) + " > " +
           std::to_string(allowed);
}

std::optional<std::string> anchored_window_violation(const SimResult& r,
                                                     const std::vector<SimVcpu>& vcpus, uint32_t v) {
    const ExecutionProfile profile(r.execution[v]);
    const Duration allowed = window_allowance(vcpus[v]);
    for (Time a : r.anchors[v]) {
        const Duration got = profile.received(a, a + vcpus[v].period);
        if (got > allowed)
            return describe(v, "anchored window", a, vcpus[v].period, got, allowed);
    }
    return std::nullopt;
}

Duration dispatch_latency(const std::vector<SimVcpu>& vcpus, uint32_t v) {
    Duration latency = 0;
    for (uint32_t i = 0; i < vcpus.size(); ++i)
        if (i != v)
            latency = std::max(latency, vcpus[i].max_overrun);
    return latency;
}

std::optional<std::string> sliding_window_violation(const SimResult& r,
                                                    const std::vector<SimVcpu>& vcpus, uint32_t v,
                                                    Duration latency) {
    const ExecutionProfile profile(r.execution[v]);
    const Duration allowed = window_allowance(vcpus[v]) + latency;
    const auto busiest = profile.busiest_window(vcpus[v].period);
    if (busiest.received > allowed)
        return describe(v, "window", busiest.start, vcpus[v].period, busiest.received, allowed);
    return std::nullopt;
}

std::optional<std::string> long_window_violation(const SimResult& r, const std::vector<SimVcpu>& vcpus,
                                                 uint32_t v, uint32_t k) {
    const ExecutionProfile profile(r.execution[v]);
    const Duration allowed = (k + 1) * vcpus[v].budget + vcpus[v].max_overrun;
    const auto busiest = profile.busiest_window(k * vcpus[v].period);
    if (busiest.received > allowed)
        return describe(v, "long window", busiest.start, k * vcpus[v].period, busiest.received,
                        allowed);
    return std::nullopt;
}

std::optional<std::string> deadline_miss(const SimResult& r, uint32_t v, Time horizon) {
    for (const auto& job : r.jobs[v]) {
        if (job.deadline == kNever || job.deadline > horizon)
            continue;
        if (job.completion > job.deadline)
            return "VCPU " + std::to_string(v) + ": job released at " + std::to_string(job.release) +
                   " due " + std::to_string(job.deadline) + " completed " +
                   (job.completion == kNever ? std::string("never") : std::to_string(job.completion));
    }
    return std::nullopt;
}

}  // namespace bh::rtos::sched::test
