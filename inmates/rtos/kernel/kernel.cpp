// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "kernel.h"

#include <bulkhead/hypercall.h>
#include <inmate/apic.h>
#include <inmate/time.h>
#include <inmate/x86.h>

#include "arch.h"
#include "klog.h"
#include "trace.h"

extern "C" [[noreturn]] void rtos_resume(inmate::Frame* frame);

namespace bh::rtos {
namespace {

using inmate::Frame;
using u128 = unsigned __int128;

// In .bss (a constant-initialised Kernel would land in .data, 50 KiB of
// the image file); constructed by construct_kernel().
alignas(Kernel) uint8_t kernel_storage[sizeof(Kernel)];

constexpr uint64_t rflags_reserved = 1ull << 1;
constexpr uint64_t rflags_if = 1ull << 9;
// What a user program may keep in RFLAGS: CF PF AF ZF SF TF DF OF AC.
constexpr uint64_t rflags_user = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x40000;

// EBADF, for a channel handle that is not the caller's (bh::Errc has no
// such code: nothing else needs it).
constexpr int64_t kEbadf = 9;

alignas(16) uint8_t kernel_stack[16384];
alignas(16) uint8_t idle_stack[8192];

template <size_t N>
void copy_name(char (&out)[N], const char* in) {
    size_t i = 0;
    for (; i + 1 < N && in[i] != '\0'; ++i)
        out[i] = in[i];
    out[i] = '\0';
}

// A kernel-mode frame that starts `fn` on `stack_top` with interrupts off.
void kernel_frame(Frame& f, void (*fn)(), uint8_t* stack_top) {
    f = Frame{};
    f.rip = reinterpret_cast<uint64_t>(fn);
    f.cs = arch::kernel_cs;
    f.rflags = rflags_reserved;
    f.rsp = reinterpret_cast<uint64_t>(stack_top) - 8;  // as if called
    f.ss = arch::kernel_ds;
}

// Idle: print queued console lines one by one with interrupts off (a line
// is never interrupted half-way), open an interrupt window after each, and
// halt when there is nothing to do. An interrupt that makes a thread
// runnable does not come back here: the idle context is simply dropped.
[[noreturn]] void idle_loop() {
    char text[512];
    for (;;) {
        size_t n;
        if (klog::take(text, sizeof(text), n)) {
            inmate::console_write(text, n);
            asm volatile("sti; nop; cli" ::: "memory");
            continue;
        }
        inmate::x86::wait_for_interrupt();
    }
}

void finish_trampoline();
void (*finish_function)();
void finish_trampoline() {
    finish_function();
    inmate::exit(0);
}

}  // namespace

Kernel& kernel() { return *std::launder(reinterpret_cast<Kernel*>(kernel_storage)); }
Kernel& construct_kernel() { return *new (kernel_storage) Kernel(); }

void SwitchCost::add(uint64_t cycles) {
    ++count;
    sum += cycles;
    if (cycles < min)
        min = cycles;
    if (cycles > max)
        max = cycles;
}

// --- time and the one-shot timer ------------------------------------------------

Time Kernel::now() const {
    uint64_t ticks = inmate::x86::rdtsc() - tsc0_;
    return static_cast<Time>((static_cast<u128>(ticks) * ns_per_tsc_) >> 32);
}

void Kernel::arm_timer(Time at) {
    namespace apic = inmate::apic;
    // Already armed for that instant (the usual case when only the thread
    // changes): no APIC write, which in a cell in xAPIC mode is a VM exit.
    if (at == armed_at_)
        return;
    armed_at_ = at;
    if (at == kNever) {
        apic::timer_set_count(0);
        return;
    }
    // Round up: a timer that fires early only costs a second interrupt, but
    // rounding down would fire before the event every time.
    uint64_t target = tsc0_ + static_cast<uint64_t>((static_cast<u128>(at) * tsc_per_ns_) >> 32) + 1;
    uint64_t tsc = inmate::x86::rdtsc();
    uint64_t counts = 1;
    if (target > tsc)
        counts = static_cast<uint64_t>((static_cast<u128>(target - tsc) * counts_per_tsc_) >> 32) + 1;
    if (counts > 0xffffffffu)
        counts = 0xffffffffu;
    apic::timer_set_count(static_cast<uint32_t>(counts));
}

Result<void> Kernel::init(const Config& config) {
    namespace apic = inmate::apic;
    uint64_t tsc_khz = inmate::time::tsc_khz();
    uint64_t apic_khz = apic::timer_khz();
    if (tsc_khz == 0 || apic_khz == 0 || apic::mode() == apic::Mode::off)
        return Errc::nodev;
    margin_ = config.admission_margin;
    ns_per_tsc_ = (1000000ull << 32) / tsc_khz;
    tsc_per_ns_ = (tsc_khz << 32) / 1000000ull + 1;
    counts_per_tsc_ = (apic_khz << 32) / tsc_khz + 1;

    arch::init_cpu(reinterpret_cast<uint64_t>(kernel_stack + sizeof(kernel_stack)));
    uint64_t apic_page = apic::mode() == apic::Mode::xapic
                             ? (inmate::x86::rdmsr(inmate::x86::msr_apic_base) & 0xffffff000ull)
                             : 0;
    const auto& env = inmate::env();
    uint64_t comm = env.comm != nullptr ? reinterpret_cast<uint64_t>(env.comm) : 0;
    BH_TRY(kernel_space_init(config.ram_end, comm, apic_page));
    current_cr3_ = kernel_pml4();
    BH_TRY(init_channels(config));

    inmate::irq_set_handler(inmate::vector_timer, [](Frame& f) { kernel().on_timer(f); });
    // One-shot mode on vector_timer, divide by 1, not counting yet.
    apic::timer_start(apic::TimerMode::oneshot, inmate::vector_timer, 0);
    armed_at_ = kNever;
    tsc0_ = inmate::x86::rdtsc();
    return success();
}

// --- objects --------------------------------------------------------------------

Vcpu* Kernel::vcpu_of(sched::VcpuId id) {
    for (Vcpu& v : vcpus_)
        if (v.in_use && v.sched_id == id)
            return &v;
    return nullptr;
}

Result<Vcpu*> Kernel::create_vcpu(const char* name, Duration budget, Duration period, Refusal* refusal) {
    auto refuse = [refusal](Errc e, const char* fmt, auto... args) {
        if (refusal != nullptr) {
            refusal->error = e;
            TextSink sink(refusal->reason, sizeof(refusal->reason));
            sink.format(fmt, args...);
        }
        return e;
    };
    if (budget == 0 || budget > period)
        return refuse(Errc::inval, "invalid parameters: need 0 < C <= T");
    if (budget + margin_ > period)
        return refuse(Errc::inval, "C plus the overrun margin ({} us) exceeds T", margin_ / 1000);
    Vcpu* slot = nullptr;
    for (Vcpu& v : vcpus_)
        if (!v.in_use) {
            slot = &v;
            break;
        }
    if (slot == nullptr)
        return refuse(Errc::nomem, "no VCPU slot left ({} per kernel)", kMaxVcpus);

    // The analysis in creation order (ties in period rank by it, as in the
    // scheduler), every budget with the margin for timer latency: a late
    // budget timer is extra interference for lower VCPUs and blocking for
    // higher ones (Documentation/rtos-scheduling.md section 4).
    sched::TaskParams set[kMaxVcpus + 1];
    const char* names[kMaxVcpus + 1];
    uint32_t n = 0;
    uint64_t ppm = 0;  // utilisation, parts per million, without the margin
    for (const Vcpu& v : vcpus_)
        if (v.in_use) {
            set[n] = {v.budget + margin_, v.period, 0};
            names[n++] = v.name;
            ppm += v.budget * 1000000 / v.period;
        }
    ppm += budget * 1000000 / period;
    sched::TaskParams candidate{budget + margin_, period, 0};
    auto admitted = sched::admit(set, n, candidate);
    if (!admitted.ok()) {
        if (admitted.error() != Errc::nospc)
            return refuse(admitted.error(), "admission failed");
        set[n] = candidate;
        names[n] = name;
        sched::ResponseTime rt[kMaxVcpus + 1];
        uint32_t order[kMaxVcpus + 1];
        (void)sched::response_times(set, n + 1, rt);
        sched::priority_order(set, n + 1, order);
        for (uint32_t k = 0; k <= n; ++k) {
            uint32_t i = order[k];
            if (!rt[i].meets_deadline)
                return refuse(Errc::nospc,
                              "not schedulable: with it, {} would respond in more than {} us, after its deadline "
                              "{} us (U = {} with it)",
                              names[i], rt[i].response / 1000, sched::deadline_of(set[i]) / 1000,
                              inmate::frac(ppm, 1000000, 3).text);
        }
        return refuse(Errc::nospc, "not schedulable");
    }

    Time t = now();
    auto id = sched_.create_vcpu(sched::VcpuParams{budget, period, 0, sched::kMaxReplenishments}, t);
    if (!id.ok())
        return refuse(id.error(), "the scheduler refused it");
    Vcpu& v = *slot;
    v = Vcpu{};
    v.in_use = true;
    v.index = static_cast<uint32_t>(slot - vcpus_);
    v.sched_id = *id;
    copy_name(v.name, name);
    v.budget = budget;
    v.period = period;
    return &v;
}

Result<void> Kernel::destroy_vcpu(Vcpu& v) {
    if (!v.in_use)
        return Errc::noent;
    if (v.head != nullptr)
        return Errc::busy;
    for (const Thread& t : threads_)
        if (t.vcpu == &v && (t.state == ThreadState::ready || t.state == ThreadState::sleeping))
            return Errc::busy;
    Time t = now();
    if (running_ == v.sched_id)
        end_segment(t);
    BH_TRY(sched_.destroy_vcpu(v.sched_id, t));
    if (v.space != nullptr)
        v.space->vcpu = nullptr;
    v = Vcpu{};
    return success();
}

Result<Space*> Kernel::create_space(const char* name, const uint8_t* image, uint64_t size) {
    Space* s = nullptr;
    for (Space& candidate : spaces_)
        if (!candidate.in_use) {
            s = &candidate;
            break;
        }
    if (s == nullptr)
        return Errc::nomem;
    *s = Space{};
    BH_TRY(s->as.create());
    auto entry = s->as.load_image(image, size);
    if (!entry.ok()) {
        s->as.destroy();
        return entry.error();
    }
    s->entry = *entry;
    s->in_use = true;
    copy_name(s->name, name);
    return s;
}

Result<void> Kernel::bind(Space& space, Vcpu& vcpu) {
    if (!space.in_use || !vcpu.in_use)
        return Errc::noent;
    if (space.vcpu == &vcpu && vcpu.space == &space)
        return success();
    if (space.vcpu != nullptr || vcpu.space != nullptr)
        return Errc::busy;  // one address space, one VCPU
    space.vcpu = &vcpu;
    vcpu.space = &space;
    return success();
}

Result<Thread*> Kernel::create_thread(Space& space, const char* name, const abi::TaskArgs& args, Time start,
                                      bool periodic) {
    if (!space.in_use || space.vcpu == nullptr || !space.as.exists())
        return Errc::inval;
    if (periodic && space.vcpu->windows)
        return Errc::busy;
    Thread* t = nullptr;
    for (Thread& candidate : threads_)
        if (candidate.state == ThreadState::unused || candidate.state == ThreadState::dead) {
            t = &candidate;
            break;
        }
    if (t == nullptr)
        return Errc::nomem;
    // A stack of its own; the arguments go to its top, 16-byte aligned.
    uint64_t stack_top = BH_TRY(space.as.map_stack());
    uint64_t args_va = (stack_top - sizeof(abi::TaskArgs)) & ~0xfull;
    uint64_t frame = space.as.frame_of(args_va & ~(kPageSize - 1));
    if (frame == 0 || (args_va & ~(kPageSize - 1)) != ((args_va + sizeof(args) - 1) & ~(kPageSize - 1)))
        return Errc::fault;
    memcpy(reinterpret_cast<void*>(frame + (args_va & (kPageSize - 1))), &args, sizeof(args));

    *t = Thread{};
    t->index = static_cast<uint32_t>(t - threads_);
    copy_name(t->name, name);
    t->space = &space;
    t->vcpu = space.vcpu;
    t->frame.rip = space.entry;
    t->frame.cs = arch::user_cs;
    t->frame.rflags = rflags_reserved | rflags_if;
    t->frame.rsp = args_va;
    t->frame.ss = arch::user_ds;
    t->frame.rdi = args_va;
    ++space.threads;
    ++live_threads_;
    if (periodic) {
        Vcpu& v = *space.vcpu;
        t->periodic = true;
        t->job = 0;
        t->release = start;
        v.windows = true;
        v.window = 0;
        v.window_start = start;
        v.window_consumed = 0;
        v.window_done = kNever;
    }
    Time n = now();
    if (start <= n)
        push_ready(*t, n);
    else {
        t->state = ThreadState::sleeping;
        t->wake_at = start;
    }
    return t;
}

// --- scheduling with accounting ------------------------------------------------------

void Kernel::end_segment(Time now) {
    if (running_ == sched::kNoVcpu)
        return;
    Vcpu& v = *vcpu_of(running_);
    account(v, accounted_to_, now);
    accounted_to_ = now;
    Duration ran = now - dispatched_at_;
    if (current_ != nullptr && current_->vcpu == &v)
        current_->cpu += ran;
    v.stats.total += ran;
    ++v.stats.segments;
    Duration overrun = now > expiry_ ? now - expiry_ : 0;
    if (overrun > 0) {
        ++v.stats.overruns;
        if (overrun > v.stats.max_overrun)
            v.stats.max_overrun = overrun;
    }
    if (now > origin_)
        trace::segment(v.index, dispatched_at_ > origin_ ? dispatched_at_ : origin_, now, overrun);
    running_ = sched::kNoVcpu;
}

void Kernel::vcpu_wake(Vcpu& v, Time now) {
    if (sched_.is_runnable(v.sched_id))
        return;
    (void)sched_.wake(v.sched_id, now);
    if (now >= origin_)
        trace::record(trace::Kind::anchor, v.index, now);
}

void Kernel::vcpu_block(Vcpu& v, Time now) {
    if (running_ == v.sched_id)
        end_segment(now);
    (void)sched_.block(v.sched_id, now);
    v.throttled = false;
}

void Kernel::observe_throttling(Time now) {
    for (Vcpu& v : vcpus_) {
        if (!v.in_use)
            continue;
        bool throttled = sched_.is_runnable(v.sched_id) && sched_.server(v.sched_id)->capacity(now) == 0;
        if (throttled && !v.throttled && now >= origin_)
            trace::record(trace::Kind::anchor, v.index, now);
        v.throttled = throttled;
    }
}

// --- period windows ------------------------------------------------------------------

void Kernel::account(Vcpu& v, Time from, Time to) {
    if (!v.windows)
        return;
    if (from < v.window_start && v.window == 0)
        from = v.window_start < to ? v.window_start : to;  // before the first release
    while (from < to) {
        close_windows(v, from);
        Time end = v.window_start + v.period;
        Time upto = to < end ? to : end;
        v.window_consumed += upto - from;
        from = upto;
    }
}

void Kernel::close_windows(Vcpu& v, Time t) {
    if (!v.windows)
        return;
    while (t >= v.window_start + v.period) {
        emit_window(v);
        ++v.window;
        v.window_start += v.period;
        v.window_consumed = 0;
        v.window_done = kNever;
    }
}

// One line per VCPU and period: what it consumed in the window of its
// period, and whether its deadline held. "done": the job finished in its
// period (response R from the release). "overran": it did not, but the VCPU
// received its whole budget in the window; the task asked for more than its
// reservation, which the server refused, so the VCPU's guarantee held.
// "late": the job is unfinished and the VCPU got less than C: a deadline
// miss of the VCPU (the analysis says this never happens to an admitted one).
void Kernel::emit_window(Vcpu& v) {
    VcpuStats& s = v.stats;
    ++s.periods;
    if (v.window_consumed > s.max_consumed)
        s.max_consumed = v.window_consumed;
    const char* us = "us";
    if (v.window_done != kNever) {
        Duration r = v.window_done - v.window_start;
        ++s.met;
        if (r > s.max_response)
            s.max_response = r;
        klog::line("vcpu {} period {} consumed {} {} budget {} {} job done {} {} deadline met", v.name, v.window,
                   inmate::frac(v.window_consumed, 1000, 3).text, us, inmate::frac(v.budget, 1000, 3).text, us,
                   inmate::frac(r, 1000, 3).text, us);
    } else if (v.window_consumed >= v.budget) {
        ++s.overran;
        klog::line("vcpu {} period {} consumed {} {} budget {} {} job overran deadline met", v.name, v.window,
                   inmate::frac(v.window_consumed, 1000, 3).text, us, inmate::frac(v.budget, 1000, 3).text, us);
    } else {
        ++s.missed;
        klog::line("vcpu {} period {} consumed {} {} budget {} {} job late deadline MISSED", v.name, v.window,
                   inmate::frac(v.window_consumed, 1000, 3).text, us, inmate::frac(v.budget, 1000, 3).text, us);
    }
}

// --- threads ------------------------------------------------------------------------

void Kernel::push_ready(Thread& t, Time now) {
    Vcpu& v = *t.vcpu;
    t.state = ThreadState::ready;
    t.next = nullptr;
    bool first = v.head == nullptr;
    if (first)
        v.head = &t;
    else
        v.tail->next = &t;
    v.tail = &t;
    if (first)
        vcpu_wake(v, now);
}

void Kernel::remove_ready(Thread& t, Time now) {
    Vcpu& v = *t.vcpu;
    Thread* prev = nullptr;
    for (Thread* p = v.head; p != nullptr; prev = p, p = p->next) {
        if (p != &t)
            continue;
        if (prev == nullptr)
            v.head = p->next;
        else
            prev->next = p->next;
        if (v.tail == p)
            v.tail = prev;
        break;
    }
    t.next = nullptr;
    if (v.head == nullptr)
        vcpu_block(v, now);
}

void Kernel::sleep(Thread& t, Time until, Time now) {
    remove_ready(t, now);
    t.state = ThreadState::sleeping;
    t.wake_at = until;
}

void Kernel::wake_sleepers(Time now) {
    for (Thread& t : threads_)
        if (t.state == ThreadState::sleeping && t.wake_at <= now)
            push_ready(t, now);
}

Time Kernel::next_wake() const {
    Time next = kNever;
    for (const Thread& t : threads_)
        if (t.state == ThreadState::sleeping && t.wake_at < next)
            next = t.wake_at;
    return next;
}

void Kernel::end_thread(Thread& t, Time now) {
    if (t.state == ThreadState::ready)
        remove_ready(t, now);
    if (t.periodic) {
        // Its periods end with it (the current, unfinished one is not reported).
        close_windows(*t.vcpu, now);
        t.vcpu->windows = false;
        t.periodic = false;
    }
    t.state = ThreadState::dead;
    if (current_ == &t)
        current_ = nullptr;
    --live_threads_;
    Space& s = *t.space;
    if (--s.threads == 0) {
        for (Channel& c : channels_)
            if (c.owner == &s)
                release_channel(c);
        // Its page tables may be the live ones: leave them first.
        if (current_cr3_ == s.as.cr3()) {
            arch::write_cr3(kernel_pml4());
            current_cr3_ = kernel_pml4();
        }
        s.as.destroy();
        if (s.vcpu != nullptr)
            s.vcpu->space = nullptr;
        s = Space{};
    }
    if (live_threads_ == 0 && all_exited_ != nullptr)
        all_exited_();
}

// --- entries and the dispatcher ------------------------------------------------------

void Kernel::enter(Frame& f, Time now) {
    if (arch::from_user(f) && current_ != nullptr) {
        current_->frame = f;
        current_->frame.rflags = (f.rflags & rflags_user) | rflags_reserved | rflags_if;
    }
    // The running VCPU's time so far goes to its windows, then every window
    // that has ended is reported.
    if (running_ != sched::kNoVcpu) {
        account(*vcpu_of(running_), accounted_to_, now);
        accounted_to_ = now;
    }
    for (Vcpu& v : vcpus_)
        if (v.in_use)
            close_windows(v, now);
}

void Kernel::dispatch(Frame& f, Time now, uint64_t entry_tsc) {
    wake_sleepers(now);
    if (now >= end_)
        return stop(f, now);
    end_segment(now);
    sched::Scheduler::Decision d = sched_.schedule(now);
    running_ = d.vcpu;
    dispatched_at_ = now;
    accounted_to_ = now;
    expiry_ = d.budget_expiry;
    observe_throttling(now);
    Thread* next = d.vcpu == sched::kNoVcpu ? nullptr : vcpu_of(d.vcpu)->head;
    Time timer = d.timer;
    Time wake = next_wake();
    if (wake < timer)
        timer = wake;
    if (end_ < timer)
        timer = end_;
    arm_timer(timer);
    switch_to(f, next, entry_tsc);
}

void Kernel::switch_to(Frame& f, Thread* next, uint64_t entry_tsc) {
    Thread* previous = arch::from_user(f) ? current_ : nullptr;
    if (next == nullptr) {
        current_ = nullptr;
        if (arch::from_user(f))
            kernel_frame(f, idle_loop, idle_stack + sizeof(idle_stack));
        // else: the idle loop (or the boot context) was interrupted: it goes on.
        return;
    }
    uint64_t cr3 = next->space->as.cr3();
    bool cross = cr3 != current_cr3_;
    if (cross) {
        arch::write_cr3(cr3);
        current_cr3_ = cr3;
    }
    f = next->frame;
    current_ = next;
    if (previous != nullptr && previous != next)
        (cross ? switch_cross_ : switch_same_).add(inmate::x86::rdtsc() - entry_tsc);
}

void Kernel::stop(Frame& f, Time now) {
    end_segment(now);
    for (Vcpu& v : vcpus_)
        if (v.in_use && v.windows)
            close_windows(v, end_);  // complete periods only
    arm_timer(kNever);
    current_ = nullptr;
    if (current_cr3_ != kernel_pml4()) {
        arch::write_cr3(kernel_pml4());
        current_cr3_ = kernel_pml4();
    }
    finish_function = finish_;
    kernel_frame(f, finish_trampoline, idle_stack + sizeof(idle_stack));
}

[[noreturn]] void Kernel::run() {
    Frame* f = reinterpret_cast<Frame*>(kernel_stack + sizeof(kernel_stack) - sizeof(Frame));
    kernel_frame(*f, idle_loop, idle_stack + sizeof(idle_stack));
    Time t = now();
    enter(*f, t);
    dispatch(*f, t, inmate::x86::rdtsc());
    rtos_resume(f);
}

void Kernel::on_timer(Frame& f) {
    uint64_t entry_tsc = inmate::x86::rdtsc();
    ++timer_irqs_;
    armed_at_ = kNever;  // a one-shot timer that fired is disarmed
    Time t = now();
    enter(f, t);
    dispatch(f, t, entry_tsc);
}

bool Kernel::on_syscall(Frame& f) {
    uint64_t entry_tsc = inmate::x86::rdtsc();
    ++syscalls_;
    Time t = now();
    enter(f, t);
    Thread& th = *current_;
    int64_t result = -static_cast<int64_t>(Errc::nosys);
    // Only a call that changes what is runnable goes through the scheduler;
    // the others return straight to the caller (its VCPU keeps running,
    // its budget timer stays armed).
    bool reschedule = false;
    switch (f.rax) {
    case abi::sys_write:
        result = sys_write(th, f.rdi, f.rsi);
        break;
    case abi::sys_sleep_until:
        result = 0;
        if (f.rdi > t) {
            sleep(th, f.rdi, t);
            reschedule = true;
        }
        break;
    case abi::sys_yield: {
        Vcpu& v = *th.vcpu;
        if (v.head == &th && th.next != nullptr) {
            v.head = th.next;
            v.tail->next = &th;
            v.tail = &th;
            th.next = nullptr;
            reschedule = true;
        }
        result = 0;
        break;
    }
    case abi::sys_wait_next_period:
        result = sys_wait_next_period(th, t);
        reschedule = th.state != ThreadState::ready;
        break;
    case abi::sys_get_time:
        result = sys_get_time(th, f.rdi, t);
        break;
    case abi::sys_chan_open:
        result = sys_chan_open(th, f.rdi);
        break;
    case abi::sys_chan_close:
        result = sys_chan_close(th, f.rdi);
        break;
    case abi::sys_chan_send:
    case abi::sys_chan_receive:
    case abi::sys_chan_discard:
        return channel_call(th, f, t, entry_tsc);
    case abi::sys_exit:
        klog::line("rtos: thread {} exited with {} after {} us of CPU time", th.name, static_cast<int64_t>(f.rdi),
                   inmate::frac(th.cpu + (t - dispatched_at_), 1000, 3).text);
        end_thread(th, t);  // its slot may be reused at once (the all-exited hook)
        dispatch(f, t, entry_tsc);
        return false;
    }
    th.frame.rax = static_cast<uint64_t>(result);
    if (reschedule) {
        dispatch(f, t, entry_tsc);
        return false;
    }
    f.rax = th.frame.rax;
    f.rflags = th.frame.rflags;
    return true;
}

// A channel's doorbell: wake the threads that wait on it, then schedule as
// after a timer interrupt (one of them may now run).
void Kernel::on_doorbell(Frame& f) {
    uint64_t entry_tsc = inmate::x86::rdtsc();
    Time t = now();
    enter(f, t);
    for (Channel& c : channels_) {
        if (!c.configured || c.spec.vector != f.vector)
            continue;
        ++c.doorbells;
        for (Thread& th : threads_)
            if (th.state == ThreadState::sleeping && th.waiting_on == &c) {
                th.woken_by_doorbell = true;
                push_ready(th, t);
            }
    }
    dispatch(f, t, entry_tsc);
}

void Kernel::on_exception(Frame& f) {
    static const char* const names[32] = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#09", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
        "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31"};
    if (!arch::from_user(f) || current_ == nullptr) {
        FixedString<256> s;
        s.format("\nrtos: KERNEL EXCEPTION {} error {} at RIP {} RSP {} CR2 {} CR3 {}\n", names[f.vector & 31],
                 hex(f.error_code), hex(f.rip), hex(f.rsp), hex(inmate::x86::read_cr2()), hex(inmate::x86::read_cr3()));
        inmate::console_write_unlocked(s.c_str(), s.length());
        inmate::exit(98);
    }
    uint64_t entry_tsc = inmate::x86::rdtsc();
    Time t = now();
    enter(f, t);
    Thread& th = *current_;
    klog::line("rtos: thread {} killed: {} error {} at RIP {} (CR2 {})", th.name, names[f.vector & 31],
               hex(f.error_code), hex(f.rip), hex(inmate::x86::read_cr2()));
    end_thread(th, t);
    dispatch(f, t, entry_tsc);
}

// --- system calls -----------------------------------------------------------------

int64_t Kernel::sys_write(Thread& t, uint64_t text, uint64_t length) {
    if (length > abi::write_max)
        return -static_cast<int64_t>(Errc::inval);
    if (!t.space->as.user_range_ok(text, length, false))
        return -static_cast<int64_t>(Errc::fault);
    char copy[abi::write_max];
    arch::user_access_begin();
    memcpy(copy, reinterpret_cast<const void*>(text), length);
    arch::user_access_end();
    klog::put(copy, length);
    return static_cast<int64_t>(length);
}

int64_t Kernel::sys_wait_next_period(Thread& t, Time now) {
    if (!t.periodic)
        return -static_cast<int64_t>(Errc::inval);
    Vcpu& v = *t.vcpu;
    trace::record(trace::Kind::job, v.index, t.job, t.release, now);
    if (v.windows && v.window == t.job && v.window_done == kNever)
        v.window_done = now;
    ++t.job;
    t.release += v.period;
    if (t.release > now)
        sleep(t, t.release, now);
    return static_cast<int64_t>(t.job);
}

int64_t Kernel::sys_get_time(Thread& t, uint64_t clock, Time now) {
    switch (clock) {
    case abi::clock_monotonic:
        return static_cast<int64_t>(now);
    case abi::clock_thread_cpu:
        return static_cast<int64_t>(t.cpu + (now - dispatched_at_));
    case abi::clock_job_release:
        return t.periodic ? static_cast<int64_t>(t.release) : -static_cast<int64_t>(Errc::inval);
    }
    return -static_cast<int64_t>(Errc::inval);
}

// --- channels ------------------------------------------------------------------------

uint64_t KernelClock::now() { return kernel().now(); }

void ChannelDoorbell::ring_peer() {
    // The root registers no vector and polls: -EAGAIN, nothing delivered.
    (void)inmate::hypercall(BH_HC_CHANNEL_NOTIFY, id, 0);
}

Result<void> Kernel::init_channels(const Config& config) {
    channel_poll_ = config.channel_poll != 0 ? config.channel_poll : 1000000;
    if (config.channel_count > kMaxChannels)
        return Errc::nospc;
    for (uint32_t i = 0; i < config.channel_count; ++i) {
        const ipc::ChannelSpec& spec = config.channels[i];
        for (uint32_t j = 0; j < i; ++j)
            if (channels_[j].spec.id == spec.id ||
                (spec.vector != 0 && channels_[j].spec.vector == spec.vector))
                return Errc::exist;
        if (spec.vector == inmate::vector_timer || spec.vector == inmate::vector_sleep ||
            spec.vector == inmate::vector_spurious)
            return Errc::busy;
        BH_TRY(kernel_map_shared(spec.address, spec.size));
        Channel& c = channels_[i];
        c.configured = true;
        c.spec = spec;
        c.doorbell.id = spec.id;
        if (spec.vector != 0) {
            inmate::irq_set_handler(spec.vector, [](Frame& f) { kernel().on_doorbell(f); });
            long r = inmate::hypercall(BH_HC_CHANNEL_SET_VECTOR, spec.id, spec.vector);
            if (r != 0)
                return static_cast<Errc>(-r);
        }
    }
    return success();
}

Channel* Kernel::channel_of(const Thread& t, uint64_t handle) {
    if (handle >= kMaxChannels)
        return nullptr;
    Channel& c = channels_[handle];
    return c.configured && c.attached && c.owner == t.space ? &c : nullptr;
}

void Kernel::release_channel(Channel& c) {
    if (c.attached) {
        c.endpoint().cancel_wake();
        c.endpoint().~Endpoint();
    }
    c.attached = false;
    c.owner = nullptr;
    klog::line("rtos: channel {} closed: {} transactions received, {} sent; {} doorbells, {} waits ended by the "
               "doorbell, {} by their timer",
               c.spec.id, c.received, c.sent, c.doorbells, c.doorbell_wakeups, c.timer_wakeups);
}

int64_t Kernel::sys_chan_open(Thread& t, uint64_t id) {
    for (uint32_t i = 0; i < kMaxChannels; ++i) {
        Channel& c = channels_[i];
        if (!c.configured || c.spec.id != id)
            continue;
        if (c.owner != nullptr)
            return -static_cast<int64_t>(Errc::busy);
        // Attach afresh: the endpoint resumes the counters the region holds.
        ipc::EndpointOptions options;
        options.slot_size = c.spec.geometry.slot_size;
        options.slot_count = c.spec.geometry.slot_count;
        options.doorbell = c.spec.vector != 0 ? &c.doorbell : nullptr;
        auto opened = ipc::Endpoint::open({reinterpret_cast<uint8_t*>(c.spec.address), c.spec.size},
                                          ipc::Side::one, clock_, options);
        if (!opened.ok())
            return -static_cast<int64_t>(opened.error());
        new (c.endpoint_storage) ipc::Endpoint(static_cast<ipc::Endpoint&&>(*opened));
        c.attached = true;
        c.owner = t.space;
        return i;
    }
    return -static_cast<int64_t>(Errc::noent);
}

int64_t Kernel::sys_chan_close(Thread& t, uint64_t handle) {
    Channel* c = channel_of(t, handle);
    if (c == nullptr)
        return -kEbadf;
    release_channel(*c);
    return 0;
}

// send, receive and discard. Each kernel entry moves at most kChannelQuota
// bytes; then the thread re-executes its SYSCALL (the frame is rewound), so
// a pending interrupt is taken in between and the copying is charged to
// the caller's VCPU like any of its work. With nothing to move, the thread
// sleeps until the channel's doorbell or its deadline (or, without a
// doorbell, the next poll), then re-executes the call the same way.
bool Kernel::channel_call(Thread& th, Frame& f, Time now, uint64_t entry_tsc) {
    const uint64_t number = f.rax;
    const bool restarted = th.restart;
    th.restart = false;
    if (restarted && th.waiting_on != nullptr) {
        ++(th.woken_by_doorbell ? th.waiting_on->doorbell_wakeups : th.waiting_on->timer_wakeups);
        th.waiting_on = nullptr;
    }
    th.woken_by_doorbell = false;
    Channel* c = channel_of(th, f.rdi);
    const bool send = number == abi::sys_chan_send;
    const bool receive = number == abi::sys_chan_receive;
    const uint64_t buffer = f.rsi;
    const uint64_t length = f.rdx;
    const uint64_t timeout = send || receive ? f.r10 : f.rsi;

    auto finish = [&](int64_t result) {
        if (c != nullptr && c->attached && c->spec.vector != 0)
            c->endpoint().cancel_wake();
        th.frame.rax = static_cast<uint64_t>(result);
        f.rax = th.frame.rax;
        f.rflags = th.frame.rflags;
        return true;
    };
    auto fail = [&](Errc e) { return finish(-static_cast<int64_t>(e)); };
    if (c == nullptr)
        return finish(-kEbadf);
    if (send || receive) {
        if (length == 0)
            return fail(Errc::inval);
        if (send && length > abi::chan_max_transaction)
            return fail(Errc::msgsize);
        if (!th.space->as.user_range_ok(buffer, length, receive))
            return fail(Errc::fault);
    }
    if (!restarted) {
        th.nonblocking = timeout == 0;
        th.call_deadline = sched::saturating_add(now, timeout);
    }
    ipc::Endpoint& ep = c->endpoint();
    auto step_once = [&]() {
        arch::user_access_begin();
        auto step = send      ? ipc::send_step(ep, {reinterpret_cast<const uint8_t*>(buffer), length}, kChannelQuota)
                    : receive ? ipc::receive_step(ep, {reinterpret_cast<uint8_t*>(buffer), length}, kChannelQuota)
                              : ipc::discard_step(ep, kChannelQuota);
        arch::user_access_end();
        return step;
    };
    auto first = step_once();
    const bool will_wait =
        first.ok() && first->step == ipc::Step::blocked && c->spec.vector != 0 && now < th.call_deadline;
    // Before waiting, ask the peer to ring, then look once more: a slot that
    // came between the first look and the request would ring nobody.
    if (will_wait)
        (void)ep.request_wake(send ? ipc::Wake::on_space : ipc::Wake::on_data);
    auto step = will_wait ? step_once() : std::move(first);
    if (!step.ok())
        return fail(step.error());
    switch (step->step) {
    case ipc::Step::complete:
        ++(send ? c->sent : c->received);
        return finish(send ? static_cast<int64_t>(length) : static_cast<int64_t>(step->size));
    case ipc::Step::more:
        // Go on in a fresh entry: IRETQ to the SYSCALL itself lets a pending
        // interrupt in first.
        th.restart = true;
        f.rip -= 2;  // SYSCALL is 0F 05
        f.rax = number;
        f.rflags = th.frame.rflags;
        th.frame = f;
        return false;
    case ipc::Step::blocked:
        break;
    }
    if (now >= th.call_deadline)
        return fail(th.nonblocking ? Errc::again : Errc::timedout);
    th.restart = true;
    th.frame.rip -= 2;
    th.frame.rax = number;
    Time wake = th.call_deadline;
    if (c->spec.vector == 0 && sched::saturating_add(now, channel_poll_) < wake)
        wake = now + channel_poll_;
    sleep(th, wake, now);
    th.waiting_on = c;
    ++c->waits;
    dispatch(f, now, entry_tsc);
    return false;
}

}  // namespace bh::rtos

extern "C" bool rtos_syscall(inmate::Frame* frame) { return bh::rtos::kernel().on_syscall(*frame); }
extern "C" void rtos_exception(inmate::Frame* frame) { bh::rtos::kernel().on_exception(*frame); }
