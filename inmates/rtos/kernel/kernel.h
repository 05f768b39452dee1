// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The bulkhead RTOS kernel of one CPU: VCPUs (sporadic servers from
// inmates/rtos/sched, rate-monotonic, admitted by exact response-time
// analysis), address spaces bound one-to-one to VCPUs, user threads with
// their contexts, system calls, and a tickless one-shot LAPIC timer
// programmed for the next event only.
//
// Execution model: one kernel stack, no kernel preemption. Every entry
// (SYSCALL, the timer interrupt, an exception) saves the interrupted user
// context into the running thread's control block, handles the event with
// interrupts off, then asks the scheduler who runs next and returns into
// that thread by rewriting the entry's frame (and CR3) before IRETQ. With
// nothing to run, the frame becomes the idle loop's, which prints queued
// console lines and halts; an interrupt there simply abandons it.
// Documentation/rtos-kernel.md describes the design and its figures.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <bh/result.h>
#include <inmate/inmate.h>
#include <ipc/channel_port.h>
#include <ipc/mailbox.h>
#include <sched/scheduler.h>

#include "abi.h"
#include "vm.h"

namespace bh::rtos {

using sched::Duration;
using sched::Time;
using sched::kNever;

inline constexpr uint32_t kMaxThreads = 32;
inline constexpr uint32_t kMaxVcpus = 16;
inline constexpr uint32_t kMaxSpaces = 16;
inline constexpr uint32_t kMaxChannels = 4;
inline constexpr size_t kNameSize = 16;
// Payload bytes a channel system call copies per kernel entry before it
// lets pending interrupts in (Documentation/rtos-kernel.md, "Channels").
inline constexpr size_t kChannelQuota = 8192;

struct Vcpu;
struct Channel;

struct Space {
    bool in_use;
    char name[kNameSize];
    AddressSpace as;
    uint64_t entry;
    Vcpu* vcpu;  // the one VCPU it is bound to (null until bound)
    uint32_t threads;  // threads not yet ended
};

enum class ThreadState : uint8_t { unused, ready, sleeping, dead };

// The thread control block: its saved context and its scheduling state.
struct Thread {
    ThreadState state;
    uint32_t index;
    char name[kNameSize];
    inmate::Frame frame;  // user context while it does not run
    Space* space;
    Vcpu* vcpu;
    Thread* next;  // in its VCPU's ready queue
    Time wake_at;  // while sleeping
    Duration cpu;  // CPU time charged to its VCPU while it ran
    bool periodic;
    uint64_t job;  // current job (periodic)
    Time release;  // its release
    // A channel call that did not finish in one kernel entry resumes by
    // executing the same SYSCALL again (its frame is rewound to it), with
    // the deadline it started with.
    bool restart;
    bool nonblocking;  // ... and it was called with timeout 0
    Time call_deadline;
    Channel* waiting_on;  // sleeping until this channel's doorbell (or the deadline)
    bool woken_by_doorbell;
};

struct VcpuStats {
    uint64_t periods, met, overran, missed;
    Duration max_consumed, max_response, max_overrun, total;
    uint64_t segments, overruns;
};

struct Vcpu {
    bool in_use;
    uint32_t index;
    sched::VcpuId sched_id;
    char name[kNameSize];
    Duration budget, period;
    Space* space;
    Thread* head;  // ready threads; the head runs when the VCPU does
    Thread* tail;
    bool throttled;  // runnable with no capacity (last observed)
    // Period windows [origin + kT, origin + (k+1)T) of its periodic thread.
    bool windows;
    uint64_t window;
    Time window_start;
    Duration window_consumed;
    Time window_done;  // the window's job finished at (kNever: not yet)
    VcpuStats stats;
};

// The kernel's time for channel deadlines.
class KernelClock final : public ipc::Clock {
public:
    uint64_t now() override;
};

// Rings the peer through the hypervisor (BH_HC_CHANNEL_NOTIFY). The kernel
// only takes non-blocking steps, so the endpoint never sleeps in wait():
// returning at once is what the Doorbell contract allows for a poller.
class ChannelDoorbell final : public ipc::Doorbell {
public:
    uint32_t id = 0;
    void ring_peer() override;
    void wait(uint64_t) override {}
};

// A channel the kernel was given at boot; the RTOS is its side 1.
struct Channel {
    bool configured;
    ipc::ChannelSpec spec;
    Space* owner;  // the address space that has it open, or null
    bool attached;  // endpoint() is valid
    alignas(ipc::Endpoint) uint8_t endpoint_storage[sizeof(ipc::Endpoint)];
    ChannelDoorbell doorbell;
    // Figures: doorbell interrupts; waits of threads, ended by a doorbell or
    // by their timer (deadline or poll).
    uint64_t doorbells, waits, doorbell_wakeups, timer_wakeups;
    uint64_t sent, received;  // transactions

    ipc::Endpoint& endpoint() { return *std::launder(reinterpret_cast<ipc::Endpoint*>(endpoint_storage)); }
};

struct SwitchCost {
    uint64_t count, min, max, sum;  // TSC cycles, kernel entry to frame rewritten
    void add(uint64_t cycles);
};

struct Refusal {
    Errc error;
    char reason[200];
};

class Kernel {
public:
    struct Config {
        uint64_t ram_end;
        Duration admission_margin;  // added to every budget in the admission test
        const ipc::ChannelSpec* channels = nullptr;
        uint32_t channel_count = 0;
        Duration channel_poll = 1000000;  // how often a waiter looks at a channel without a doorbell
    };

    Result<void> init(const Config& config);
    Time now() const;

    Result<Vcpu*> create_vcpu(const char* name, Duration budget, Duration period, Refusal* refusal);
    Result<void> destroy_vcpu(Vcpu& vcpu);
    Result<Space*> create_space(const char* name, const uint8_t* image, uint64_t size);
    // One address space to one VCPU, for good.
    Result<void> bind(Space& space, Vcpu& vcpu);
    // A thread of `space` (bound) that starts at `start` with RDI pointing
    // to a copy of `args` on its stack. A periodic thread's job k is
    // released at start + k * its VCPU's period, and the VCPU's period
    // windows are accounted from `start` on (one periodic thread per VCPU).
    Result<Thread*> create_thread(Space& space, const char* name, const abi::TaskArgs& args, Time start,
                                  bool periodic = false);

    // Called (kernel context) when the last thread has ended.
    void set_all_exited_hook(void (*hook)()) { all_exited_ = hook; }
    // Stops everything at `end` and runs `finish` on the idle stack.
    void set_end(Time end, void (*finish)()) {
        end_ = end;
        finish_ = finish;
    }
    // Trace times are relative to this instant.
    void set_origin(Time origin) { origin_ = origin; }
    Time origin() const { return origin_; }

    // Leaves the boot context for good: the scheduler runs from here on.
    [[noreturn]] void run();

    // Entries (entry.S, the library's interrupt dispatch).
    // True: the caller goes on (only f.rax changed); false: f was rewritten.
    bool on_syscall(inmate::Frame& f);
    void on_timer(inmate::Frame& f);
    void on_exception(inmate::Frame& f);
    void on_doorbell(inmate::Frame& f);

    const Channel* channels() const { return channels_; }

    const Vcpu* vcpus() const { return vcpus_; }
    uint32_t vcpu_slots() const { return kMaxVcpus; }
    uint32_t vcpu_count() const { return sched_.vcpu_count(); }
    const sched::Scheduler& scheduler() const { return sched_; }
    const SwitchCost& switch_same_space() const { return switch_same_; }
    const SwitchCost& switch_cross_space() const { return switch_cross_; }
    uint64_t timer_interrupts() const { return timer_irqs_; }
    uint64_t syscalls() const { return syscalls_; }

private:
    void enter(inmate::Frame& f, Time now);
    void dispatch(inmate::Frame& f, Time now, uint64_t entry_tsc);
    void switch_to(inmate::Frame& f, Thread* next, uint64_t entry_tsc);
    void stop(inmate::Frame& f, Time now);

    // Scheduler calls wrapped with the accounting and the trace.
    void end_segment(Time now);
    void vcpu_wake(Vcpu& v, Time now);
    void vcpu_block(Vcpu& v, Time now);
    void observe_throttling(Time now);

    void push_ready(Thread& t, Time now);
    void remove_ready(Thread& t, Time now);
    void sleep(Thread& t, Time until, Time now);
    void wake_sleepers(Time now);
    Time next_wake() const;
    void end_thread(Thread& t, Time now);

    void account(Vcpu& v, Time from, Time to);
    void close_windows(Vcpu& v, Time t);
    void emit_window(Vcpu& v);

    void arm_timer(Time at);
    Vcpu* vcpu_of(sched::VcpuId id);

    int64_t sys_write(Thread& t, uint64_t text, uint64_t length);
    int64_t sys_wait_next_period(Thread& t, Time now);
    int64_t sys_get_time(Thread& t, uint64_t clock, Time now);
    int64_t sys_chan_open(Thread& t, uint64_t id);
    int64_t sys_chan_close(Thread& t, uint64_t handle);
    // send, receive, discard: may block; returns as on_syscall does.
    bool channel_call(Thread& t, inmate::Frame& f, Time now, uint64_t entry_tsc);
    Channel* channel_of(const Thread& t, uint64_t handle);
    void release_channel(Channel& c);
    Result<void> init_channels(const Config& config);

    sched::Scheduler sched_;
    Vcpu vcpus_[kMaxVcpus] = {};
    Thread threads_[kMaxThreads] = {};
    Space spaces_[kMaxSpaces] = {};
    Channel channels_[kMaxChannels] = {};
    KernelClock clock_;
    Duration channel_poll_ = 0;
    Thread* current_ = nullptr;
    uint64_t current_cr3_ = 0;
    uint32_t live_threads_ = 0;

    sched::VcpuId running_ = sched::kNoVcpu;  // as the scheduler sees it
    Time dispatched_at_ = 0;
    Time expiry_ = kNever;
    Time accounted_to_ = 0;  // windows hold the running VCPU's time up to here

    Time armed_at_ = kNever;  // what the one-shot timer is counting towards
    Duration margin_ = 0;
    Time origin_ = 0;
    Time end_ = kNever;
    void (*finish_)() = nullptr;
    void (*all_exited_)() = nullptr;

    uint64_t tsc0_ = 0;
    uint64_t ns_per_tsc_ = 0;  // 32.32 fixed point
    uint64_t tsc_per_ns_ = 0;
    uint64_t counts_per_tsc_ = 0;  // APIC timer counts per TSC tick
    SwitchCost switch_same_{0, ~0ull, 0, 0};
    SwitchCost switch_cross_{0, ~0ull, 0, 0};
    uint64_t timer_irqs_ = 0;
    uint64_t syscalls_ = 0;
};

Kernel& kernel();
// Once, before anything else uses kernel().
Kernel& construct_kernel();

}  // namespace bh::rtos
