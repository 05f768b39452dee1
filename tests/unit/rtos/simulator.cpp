// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "simulator.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <numeric>

#include "posix_sporadic_server.h"
#include "sched/scheduler.h"
#include "test_rng.h"

namespace bh::rtos::sched::test {

namespace {

constexpr uint32_t kIdle = UINT32_MAX;

class Dispatcher {
public:
    struct Pick {
        uint32_t vcpu;  // kIdle
        Time timer;
        Time budget_expiry;
    };
    virtual ~Dispatcher() = default;
    virtual void wake(uint32_t v, Time now) = 0;
    virtual void block(uint32_t v, Time now) = 0;
    virtual Pick schedule(Time now) = 0;
    // Runnable, but without budget to run at its own priority.
    virtual bool out_of_budget(uint32_t v, Time now) const = 0;
    virtual void check_invariants(uint32_t, bool, SimResult&) const {}
};

class CorrectedDispatcher final : public Dispatcher {
public:
    bool create(const std::vector<SimVcpu>& vcpus, SimResult& result) {
        for (uint32_t i = 0; i < vcpus.size(); ++i) {
            const auto& v = vcpus[i];
            auto id = scheduler_.create_vcpu({v.budget, v.period, v.deadline, v.replenishment_limit}, 0);
            if (!id) {
                result.setup_error = "VCPU " + std::to_string(i) + " refused: " + errc_name(id.error());
                return false;
            }
            ids_.push_back(*id);
            sim_index_.resize(std::max<size_t>(sim_index_.size(), *id + 1), kIdle);
            sim_index_[*id] = i;
        }
        result.priority_order.resize(vcpus.size());
        for (uint32_t i = 0; i < vcpus.size(); ++i)
            result.priority_order[scheduler_.priority_rank(ids_[i])] = i;
        return true;
    }

    void wake(uint32_t v, Time now) override { (void)scheduler_.wake(ids_[v], now); }
    void block(uint32_t v, Time now) override { (void)scheduler_.block(ids_[v], now); }
    Pick schedule(Time now) override {
        auto d = scheduler_.schedule(now);
        return {d.vcpu == kNoVcpu ? kIdle : sim_index_[d.vcpu], d.timer, d.budget_expiry};
    }
    bool out_of_budget(uint32_t v, Time now) const override {
        return scheduler_.server(ids_[v])->capacity(now) == 0;
    }
    void check_invariants(uint32_t v, bool full, SimResult& result) const override {
        const SporadicServer& s = *scheduler_.server(ids_[v]);
        const auto& q = s.replenishments();
        result.max_chunks = std::max(result.max_chunks, q.size());
        if (q.size() == s.replenishment_limit())
            result.limit_reached = true;
        if (q.size() > s.replenishment_limit() || q.empty())
            result.invariant_violations.push_back("VCPU " + std::to_string(v) + ": " +
                                                  std::to_string(q.size()) + " chunks");
        else if (s.usage() >= q.front().amount)
            result.invariant_violations.push_back("VCPU " + std::to_string(v) +
                                                  ": usage not below the head chunk");
        if (full && s.total_budget() != s.budget())
            result.invariant_violations.push_back("VCPU " + std::to_string(v) + ": chunks sum to " +
                                                  std::to_string(s.total_budget()));
    }

private:
    Scheduler scheduler_;
    std::vector<VcpuId> ids_;
    std::vector<uint32_t> sim_index_;
};

// Rate-monotonic dispatching over POSIX SCHED_SPORADIC threads; a thread at
// sched_ss_low_priority runs only when no thread is at its high priority.
class PosixDispatcher final : public Dispatcher {
public:
    void create(const std::vector<SimVcpu>& vcpus, SimResult& result) {
        for (const auto& v : vcpus)
            threads_.push_back({PosixSporadicServer(v.budget, v.period, v.replenishment_limit), false});
        order_.resize(vcpus.size());
        std::iota(order_.begin(), order_.end(), 0u);
        std::stable_sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) {
            return vcpus[a].period < vcpus[b].period;
        });
        result.priority_order = order_;
    }

    void wake(uint32_t v, Time now) override {
        Thread& t = threads_[v];
        t.server.advance(now, false);
        t.runnable = true;
        t.server.wake(now);
    }
    void block(uint32_t v, Time now) override {
        if (running_ == v) {
            charge(now, true);
            running_ = kIdle;
        }
        threads_[v].runnable = false;
    }
    Pick schedule(Time now) override {
        if (running_ != kIdle)
            charge(now, false);
        for (auto& t : threads_)
            t.server.advance(now, t.runnable);
        Pick pick{kIdle, kNever, kNever};
        for (uint32_t v : order_)
            if (threads_[v].runnable && threads_[v].server.foreground()) {
                pick.vcpu = v;
                break;
            }
        running_foreground_ = pick.vcpu != kIdle;
        if (pick.vcpu == kIdle)
            for (uint32_t v : order_)
                if (threads_[v].runnable) {
                    pick.vcpu = v;
                    break;
                }
        if (running_foreground_)
            pick.budget_expiry = now + threads_[pick.vcpu].server.capacity();
        pick.timer = pick.budget_expiry;
        for (const auto& t : threads_)
            pick.timer = std::min(pick.timer, t.server.next_replenishment());
        running_ = pick.vcpu;
        dispatched_at_ = now;
        return pick;
    }
    bool out_of_budget(uint32_t v, Time) const override { return !threads_[v].server.foreground(); }

private:
    struct Thread {
        PosixSporadicServer server;
        bool runnable;
    };
    void charge(Time now, bool blocked) {
        // Background execution is not charged: that is the standard's rule.
        if (running_foreground_)
            threads_[running_].server.charge_foreground(now, now - dispatched_at_, blocked);
        dispatched_at_ = now;
    }

    std::vector<Thread> threads_;
    std::vector<uint32_t> order_;
    uint32_t running_ = kIdle;
    bool running_foreground_ = false;
    Time dispatched_at_ = 0;
};

struct VcpuState {
    size_t next_job = 0;         // first job not released yet
    std::deque<size_t> pending;  // released, unfinished; front() runs
    size_t segment = 0;
    Duration remaining = 0;
    Time io_until = kNever;
    bool ready = false;
    bool throttled = false;
};

class Simulation {
public:
    Simulation(const std::vector<SimVcpu>& vcpus, Time horizon, Dispatcher& dispatcher,
               SimResult& result, uint64_t seed)
        : vcpus_(vcpus), horizon_(horizon), dispatcher_(dispatcher), result_(result), rng_(seed),
          state_(vcpus.size()) {
        result_.execution.resize(vcpus.size());
        result_.anchors.resize(vcpus.size());
        result_.jobs.resize(vcpus.size());
        for (size_t v = 0; v < vcpus.size(); ++v)
            for (const Job& job : vcpus[v].jobs)
                result_.jobs[v].push_back({job.release, job.deadline, kNever});
    }

    void run() {
        Time now = 0;
        handle_external_events(now);
        for (uint64_t step = 0;; ++step) {
            const Dispatcher::Pick pick = dispatcher_.schedule(now);
            observe(now, pick.vcpu, step % 16 == 0);
            if (now >= horizon_)
                break;

            Time next = std::min(horizon_, next_external_event());
            bool late_timer = false;
            if (pick.vcpu != kIdle) {
                next = std::min(next, now + state_[pick.vcpu].remaining);
                Time timer = pick.timer;
                const SimVcpu& spec = vcpus_[pick.vcpu];
                if (pick.timer == pick.budget_expiry && spec.max_overrun > 0) {
                    timer += spec.overrun_always_max ? spec.max_overrun
                                                     : rng_.between(0, spec.max_overrun);
                    late_timer = true;
                }
                next = std::min(next, timer);
            } else {
                next = std::min(next, pick.timer);
            }

            if (pick.vcpu != kIdle) {
                record_execution(pick.vcpu, now, next);
                state_[pick.vcpu].remaining -= next - now;
                if (late_timer && next > pick.budget_expiry)
                    ++result_.overruns;
            }
            now = next;
            if (pick.vcpu != kIdle && state_[pick.vcpu].remaining == 0)
                finish_segment(pick.vcpu, now);
            handle_external_events(now);
        }
    }

private:
    void observe(Time now, uint32_t running, bool full_check) {
        for (uint32_t v = 0; v < vcpus_.size(); ++v) {
            VcpuState& s = state_[v];
            const bool throttled = s.ready && dispatcher_.out_of_budget(v, now);
            if (throttled && !s.throttled)
                result_.anchors[v].push_back(now);
            s.throttled = throttled;
            if (full_check || v == running)
                dispatcher_.check_invariants(v, full_check, result_);
        }
    }

    Time next_external_event() const {
        Time next = kNever;
        for (size_t v = 0; v < vcpus_.size(); ++v) {
            const VcpuState& s = state_[v];
            if (s.next_job < vcpus_[v].jobs.size())
                next = std::min(next, vcpus_[v].jobs[s.next_job].release);
            next = std::min(next, s.io_until);
        }
        return next;
    }

    void record_execution(uint32_t v, Time from, Time to) {
        auto& trace = result_.execution[v];
        if (!trace.empty() && trace.back().end == from)
            trace.back().end = to;
        else
            trace.push_back({from, to});
    }

    void become_ready(uint32_t v, Time now) {
        state_[v].ready = true;
        result_.anchors[v].push_back(now);
        dispatcher_.wake(v, now);
    }

    void start_job(uint32_t v) {
        VcpuState& s = state_[v];
        s.segment = 0;
        s.remaining = vcpus_[v].jobs[s.pending.front()].segments[0].exec;
    }

    void handle_external_events(Time now) {
        for (uint32_t v = 0; v < vcpus_.size(); ++v) {
            VcpuState& s = state_[v];
            const auto& jobs = vcpus_[v].jobs;
            while (s.next_job < jobs.size() && jobs[s.next_job].release <= now) {
                s.pending.push_back(s.next_job++);
                if (s.pending.size() == 1 && s.io_until == kNever)
                    start_job(v);
            }
            if (s.io_until <= now)
                s.io_until = kNever;
            if (!s.ready && s.io_until == kNever && !s.pending.empty())
                become_ready(v, now);
        }
    }

    void finish_segment(uint32_t v, Time now) {
        VcpuState& s = state_[v];
        const Job& job = vcpus_[v].jobs[s.pending.front()];
        if (s.segment + 1 < job.segments.size()) {
            const Duration wait = job.segments[s.segment].block_after;
            ++s.segment;
            s.remaining = job.segments[s.segment].exec;
            if (wait > 0) {
                s.io_until = now + wait;
                go_blocked(v, now);
            }
            return;
        }
        result_.jobs[v][s.pending.front()].completion = now;
        s.pending.pop_front();
        if (!s.pending.empty())
            start_job(v);
        else
            go_blocked(v, now);
    }

    void go_blocked(uint32_t v, Time now) {
        state_[v].ready = false;
        ++result_.blocks;
        dispatcher_.block(v, now);
    }

    const std::vector<SimVcpu>& vcpus_;
    Time horizon_;
    Dispatcher& dispatcher_;
    SimResult& result_;
    Rng rng_;
    std::vector<VcpuState> state_;
};

}  // namespace

SimResult simulate(const std::vector<SimVcpu>& vcpus, Time horizon, Policy policy, uint64_t seed) {
    SimResult result;
    std::unique_ptr<Dispatcher> dispatcher;
    if (policy == Policy::corrected) {
        auto corrected = std::make_unique<CorrectedDispatcher>();
        if (!corrected->create(vcpus, result))
            return result;
        dispatcher = std::move(corrected);
    } else {
        auto posix = std::make_unique<PosixDispatcher>();
        posix->create(vcpus, result);
        dispatcher = std::move(posix);
    }
    Simulation(vcpus, horizon, *dispatcher, result, seed).run();
    return result;
}

std::vector<Job> periodic_jobs(Duration exec, Duration period, Duration deadline, Time phase,
                               Time horizon) {
    std::vector<Job> jobs;
    const Duration relative = deadline == 0 ? period : deadline;
    for (Time release = phase; release < horizon; release += period)
        jobs.push_back({release, release + relative, {{exec, 0}}});
    return jobs;
}

}  // namespace bh::rtos::sched::test
