// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The bulkhead RTOS in a cell: boot, a context-switch benchmark, then the
// demonstration task set. Arguments (`bulkhead cell load ... --args`, or
// the multiboot command line bare):
//
//   run=MS       run the task set this long, then report and exit (default
//                3000; 0 = forever)
//   trace=1      keep the execution trace and print it at the end
//   margin=US    overrun margin added to every budget in the admission
//                test (default 200)
//   bench=N      yield round trips of the benchmark (default 500; 0 = none)
//   rogue=0      do not run the threads that try to escape (default 1)
//   scale=PCT    every period, budget and job length times PCT/100 (100)
//   verbose=N    tasks report every N jobs (default 0: only start/end)
//   mem=BYTES    RAM size (default: up to the communication page, 16 MiB)
//   tasks=0      no demonstration task set (default 1)
//   channel=ID,ADDRESS,SIZE,SLOT[,VECTOR]
//                a channel of the cell's config (struct bh_channel: id,
//                guest_start, size, slot_size) that tasks may open, and the
//                doorbell vector to register for it (0 or none: the kernel
//                polls); repeatable, up to 4
//   service=ID,C_US,T_US
//                a request/reply task on channel ID, in its own address
//                space on its own VCPU with budget C and period T (admitted
//                like any VCPU); repeatable
//   chanpoll=US  how often a thread waiting on a channel without doorbell
//                looks again (default 1000)
//
// Output: see Documentation/rtos-kernel.md ("Output").
#include <inmate/apic.h>
#include <inmate/inmate.h>
#include <inmate/time.h>

#include <bulkhead/hypercall.h>

#include "arch.h"
#include "frames.h"
#include "kernel.h"
#include "klog.h"
#include "trace.h"

extern "C" {
extern const uint8_t rtos_user_image[];
extern const uint8_t rtos_user_image_end[];
extern char __image_end[];
}

using namespace bh;
using namespace bh::rtos;
using inmate::frac;
using inmate::print;

namespace {

constexpr Duration kMs = 1000000;

// The demonstration task set (times in ms before scaling). Each task runs in
// its own address space on its own VCPU with C and T as given; the task's
// period is its VCPU's.
struct TaskSpec {
    const char* name;
    uint64_t budget_us, period_us;
    uint64_t work_us, sleep_us, work2_us;
    uint64_t heavy_every, heavy_us;
    const char* role;
};

constexpr TaskSpec task_set[] = {
    {"ctrl", 2000, 10000, 1000, 0, 0, 0, 0, "periodic control loop"},
    {"sensor", 4000, 20000, 1000, 4000, 1000, 0, 0, "blocks on a timer in the middle of each job"},
    {"hog", 6000, 40000, 3000, 0, 0, 4, 8000, "every 4th job needs 8 ms: overruns its 6 ms budget"},
    {"logger", 12000, 50000, 6000, 0, 0, 0, 0, "long periodic job, lowest priority"},
};
// One VCPU too many: U would be 0.95 (below 1, so a utilisation test would
// let it in), but its worst-case response time exceeds its period, which
// the exact analysis sees. Refused at creation.
constexpr TaskSpec overload = {"extra", 8000, 50000, 4000, 0, 0, 0, 0, "would overload the cell"};

struct ServiceSpec {
    uint32_t channel;
    uint64_t budget_us, period_us;
};

struct Options {
    uint64_t run_ms, margin_us, bench, scale, verbose, chanpoll_us;
    bool trace, rogue, tasks;
    ipc::ChannelSpec channels[kMaxChannels];
    uint32_t channel_count;
    ServiceSpec services[kMaxChannels];
    uint32_t service_count;
} opt;

Vcpu* bench_vcpu;
Vcpu* rogue_vcpu;
Vcpu* task_vcpus[sizeof(task_set) / sizeof(task_set[0])];
uint32_t refused;
char refusal_line[256];  // repeated in the final report
void finish();
uint64_t frames_before_bench;

uint64_t scaled_ns(uint64_t us) { return us * 1000 * opt.scale / 100; }

template <size_t N>
void set_name(char (&out)[N], const char* in) {
    size_t i = 0;
    for (; i + 1 < N && in[i] != '\0'; ++i)
        out[i] = in[i];
    out[i] = '\0';
}

// "A,B,C": three numbers (decimal or 0x hex).
bool parse_triple(Str text, uint64_t (&out)[3]) {
    size_t field = 0, start = 0;
    for (size_t i = 0; i <= text.size; ++i) {
        if (i < text.size && text.data[i] != ',')
            continue;
        if (field == 3 || i == start)
            return false;
        uint64_t v = 0;
        size_t k = start;
        unsigned base = 10;
        if (i - start > 2 && text.data[k] == '0' && (text.data[k + 1] == 'x' || text.data[k + 1] == 'X')) {
            base = 16;
            k += 2;
        }
        for (; k < i; ++k) {
            char c = text.data[k];
            unsigned d = c >= '0' && c <= '9'   ? static_cast<unsigned>(c - '0')
                         : c >= 'a' && c <= 'f' ? static_cast<unsigned>(c - 'a' + 10)
                                                : 99;
            if (d >= base || v > (UINT64_MAX - d) / base)
                return false;
            v = v * base + d;
        }
        out[field++] = v;
        start = i + 1;
    }
    return field == 3;
}

bool starts_with(Str word, const char* prefix, Str& rest) {
    size_t n = strlen(prefix);
    if (word.size < n || memcmp(word.data, prefix, n) != 0)
        return false;
    rest = Str(word.data + n, word.size - n);
    return true;
}

// channel= and service= words (repeatable). A bad one stops the boot with
// the word named: a channel the kernel would map or a service it would
// start must be exactly what the root meant.
bool parse_channel_args(uint64_t ram_end) {
    for (size_t i = 0;; ++i) {
        Str word = inmate::arg_word(i);
        if (word.size == 0)
            break;
        Str rest;
        if (starts_with(word, "channel=", rest)) {
            auto spec = ipc::parse_channel_spec(rest, ram_end, abi::user_base);
            if (!spec.ok() || opt.channel_count == kMaxChannels) {
                print("rtos: bad argument {}: {}\n", word,
                      spec.ok() ? "too many channels" : "want ID,ADDRESS,SIZE,SLOT[,VECTOR], a page-aligned region "
                                                        "between RAM and the user window, vector 0 or 32..255");
                return false;
            }
            opt.channels[opt.channel_count++] = *spec;
        } else if (starts_with(word, "service=", rest)) {
            uint64_t v[3];
            if (!parse_triple(rest, v) || opt.service_count == kMaxChannels || v[0] > UINT32_MAX) {
                print("rtos: bad argument {}: want service=CHANNEL,C_US,T_US\n", word);
                return false;
            }
            opt.services[opt.service_count++] = {static_cast<uint32_t>(v[0]), v[1], v[2]};
        }
    }
    // One service per channel, and only on a channel the kernel has.
    for (uint32_t i = 0; i < opt.service_count; ++i) {
        uint32_t id = opt.services[i].channel;
        bool known = false;
        for (uint32_t j = 0; j < opt.channel_count; ++j)
            known = known || opt.channels[j].id == id;
        for (uint32_t j = 0; j < i; ++j)
            known = known && opt.services[j].channel != id;
        if (!known) {
            print("rtos: bad argument service={}: no channel={} argument for it, or a second service on it\n", id,
                  id);
            return false;
        }
    }
    return true;
}

// In a cell, the hypervisor says whether the cell's config has the channel:
// PEER_STATE is -ENOENT for any other id.
bool channels_declared() {
    for (uint32_t i = 0; i < opt.channel_count; ++i) {
        const ipc::ChannelSpec& c = opt.channels[i];
        if (!inmate::env().in_cell) {
            print("rtos: channel {}: channels need a cell (no hypervisor)\n", c.id);
            return false;
        }
        long peer = inmate::hypercall(BH_HC_CHANNEL_PEER_STATE, c.id, 0);
        if (peer < 0) {
            print("rtos: channel {}: not in the cell's config (peer state {})\n", c.id, peer);
            return false;
        }
        print("rtos: channel {} at {} (+{}), {} slots of {} bytes, doorbell vector {}, peer state {}\n", c.id,
              hex(c.address), hex(c.size), c.geometry.slot_count, c.geometry.slot_size, c.vector, peer);
    }
    return true;
}

uint64_t user_image_size() { return static_cast<uint64_t>(rtos_user_image_end - rtos_user_image); }

// Before the task set: the yield benchmark (two threads of one address
// space on one VCPU) and, on a VCPU of their own, threads that try to leave
// ring 3 or their address space (each is killed; the kernel goes on).
Result<void> start_bench() {
    Refusal why{};
    Kernel& k = kernel();
    if (opt.bench != 0) {
        bench_vcpu = BH_TRY(k.create_vcpu("bench", 50 * kMs, 100 * kMs, &why));
        Space* space = BH_TRY(k.create_space("bench", rtos_user_image, user_image_size()));
        BH_TRY(k.bind(*space, *bench_vcpu));
        abi::TaskArgs args{};
        args.mode = abi::task_yield_bench;
        args.iterations = opt.bench;
        for (const char* name : {"ping", "pong"}) {
            set_name(args.name, name);
            BH_TRY(k.create_thread(*space, name, args, 0));
        }
    }
    if (opt.rogue) {
        rogue_vcpu = BH_TRY(k.create_vcpu("rogue", 5 * kMs, 100 * kMs, &why));
        Space* space = BH_TRY(k.create_space("rogue", rtos_user_image, user_image_size()));
        BH_TRY(k.bind(*space, *rogue_vcpu));
        static const char* const names[abi::rogue_count] = {"rogue-read", "rogue-text", "rogue-cli", "rogue-sse",
                                                            "rogue-nx"};
        abi::TaskArgs args{};
        args.mode = abi::task_rogue;
        for (uint64_t i = 0; i < abi::rogue_count; ++i) {
            set_name(args.name, names[i]);
            args.iterations = i;
            BH_TRY(k.create_thread(*space, names[i], args, 0));
        }
    }
    return success();
}

// When the last thread has ended (the services stopped, no task set): say
// so and end the cell normally.
void all_ended() {
    klog::line("rtos: every thread has ended");
    klog::drain();
    inmate::exit(0);
}

// The channel services: each a thread in its own address space on its own
// VCPU with the C and T of its service= argument, admitted like any VCPU
// (before the task set's, so that the task set's refusal still shows what
// the whole set leaves).
void start_services() {
    Kernel& k = kernel();
    for (uint32_t i = 0; i < opt.service_count; ++i) {
        const ServiceSpec& svc = opt.services[i];
        FixedString<kNameSize - 1> name;
        name.format("chan{}", svc.channel);
        Refusal why{};
        auto v = k.create_vcpu(name.c_str(), svc.budget_us * 1000, svc.period_us * 1000, &why);
        if (!v.ok()) {
            klog::line("vcpu {} refused: {}: {}", name.c_str(), errc_name(v.error()), why.reason);
            continue;
        }
        auto space = k.create_space(name.c_str(), rtos_user_image, user_image_size());
        if (!space.ok() || !k.bind(**space, **v).ok()) {
            klog::line("rtos: ERROR: no address space for {}", name.c_str());
            continue;
        }
        abi::TaskArgs args{};
        set_name(args.name, name.c_str());
        args.mode = abi::task_channel_service;
        args.channel = svc.channel;
        args.work_ns = (*v)->budget;
        args.period_ns = (*v)->period;
        if (auto thread = k.create_thread(**space, name.c_str(), args, k.now()); !thread.ok()) {
            klog::line("rtos: ERROR: no thread for {}: {}", name.c_str(), errc_name(thread.error()));
            continue;
        }
        klog::line("vcpu {} admitted: C {} us T {} us (request/reply service on channel {})", name.c_str(),
                   svc.budget_us, svc.period_us, svc.channel);
    }
}

// The task set: admission of every VCPU (and the refusal of one more),
// an address space and a periodic thread for each, all released together
// at the time origin (the synchronous release, the worst case).
void start_task_set() {
    Kernel& k = kernel();
    k.set_all_exited_hook(all_ended);
    if (bench_vcpu != nullptr || rogue_vcpu != nullptr) {
        for (Vcpu** v : {&bench_vcpu, &rogue_vcpu})
            if (*v != nullptr) {
                if (auto r = k.destroy_vcpu(**v); !r.ok())
                    klog::line("rtos: VCPU {} not destroyed: {}", (*v)->name, errc_name(r.error()));
                *v = nullptr;
            }
        klog::line("rtos: benchmark over, its VCPUs destroyed, address spaces freed: {} of {} frames free ({} "
                   "before)",
                   frames().free_frames(), frames().total_frames(), frames_before_bench);
    }
    klog::line("rtos: admission test: exact response-time analysis, every budget + {} us overrun margin",
               opt.margin_us);
    start_services();
    if (!opt.tasks) {
        if (opt.run_ms != 0)
            k.set_end(k.now() + opt.run_ms * kMs, finish);
        return;
    }
    for (size_t i = 0; i < sizeof(task_set) / sizeof(task_set[0]); ++i) {
        const TaskSpec& t = task_set[i];
        Refusal why{};
        auto v = k.create_vcpu(t.name, scaled_ns(t.budget_us), scaled_ns(t.period_us), &why);
        if (!v.ok()) {
            klog::line("vcpu {} refused: {}: {}", t.name, errc_name(v.error()), why.reason);
            continue;
        }
        task_vcpus[i] = *v;
        klog::line("vcpu {} admitted: C {} us T {} us ({})", t.name, scaled_ns(t.budget_us) / 1000,
                   scaled_ns(t.period_us) / 1000, t.role);
    }
    uint32_t before = k.vcpu_count();
    Refusal why{};
    auto extra = k.create_vcpu(overload.name, scaled_ns(overload.budget_us), scaled_ns(overload.period_us), &why);
    if (extra.ok()) {
        klog::line("rtos: ERROR: VCPU {} was admitted but overloads the cell", overload.name);
    } else {
        ++refused;
        TextSink line(refusal_line, sizeof(refusal_line));
        line.format("vcpu {} refused: {}: {}\n", overload.name, errc_name(extra.error()), why.reason);
        klog::put(refusal_line, line.length());
        klog::line("rtos: refusal changed nothing: {} VCPUs before, {} after", before, k.vcpu_count());
    }

    // Address spaces first (copying images takes a while under emulation),
    // then the threads, all released together at the time origin.
    Space* spaces[sizeof(task_set) / sizeof(task_set[0])] = {};
    for (size_t i = 0; i < sizeof(task_set) / sizeof(task_set[0]); ++i) {
        const TaskSpec& t = task_set[i];
        if (task_vcpus[i] == nullptr)
            continue;
        auto space = k.create_space(t.name, rtos_user_image, user_image_size());
        if (!space.ok() || !k.bind(**space, *task_vcpus[i]).ok()) {
            klog::line("rtos: ERROR: no address space for {}", t.name);
            continue;
        }
        spaces[i] = *space;
    }
    Time origin = k.now() + 2 * kMs;
    k.set_origin(origin);
    for (size_t i = 0; i < sizeof(task_set) / sizeof(task_set[0]); ++i) {
        const TaskSpec& t = task_set[i];
        Vcpu* v = task_vcpus[i];
        if (spaces[i] == nullptr)
            continue;
        abi::TaskArgs args{};
        set_name(args.name, t.name);
        args.mode = abi::task_periodic;
        args.period_ns = v->period;
        args.work_ns = scaled_ns(t.work_us);
        args.sleep_ns = scaled_ns(t.sleep_us);
        args.work2_ns = scaled_ns(t.work2_us);
        args.heavy_every = t.heavy_every;
        args.heavy_work_ns = scaled_ns(t.heavy_us);
        args.verbose = opt.verbose;
        if (auto thread = k.create_thread(*spaces[i], t.name, args, origin, true); !thread.ok()) {
            klog::line("rtos: ERROR: no thread for {}: {}", t.name, errc_name(thread.error()));
            continue;
        }
        klog::line("rtos: task {}: address space cr3 {} ({} frames), VCPU {}", t.name, hex(spaces[i]->as.cr3()),
                   spaces[i]->as.frames_owned(), v->name);
    }
    if (opt.run_ms != 0)
        k.set_end(origin + opt.run_ms * kMs, finish);
}

// The end of a timed run: kernel context, interrupts off, nothing runs any
// more. The trace first, then the recap: the last lines are what a reader
// of the (small) hypervisor console ring sees.
void finish() {
    klog::drain();
    Kernel& k = kernel();
    if (trace::enabled()) {
        for (uint32_t i = 0; i < k.vcpu_slots(); ++i) {
            const Vcpu& v = k.vcpus()[i];
            if (v.in_use)
                print("trace vcpu {} {} {} {}{}\n", v.index, v.name, v.budget, v.period,
                      v.windows ? "" : " aperiodic");
        }
        trace::print_all(k.origin());
        print("trace end {} records {} dropped\n", trace::count(), trace::dropped());
    }
    uint64_t misses = 0;
    for (uint32_t i = 0; i < k.vcpu_slots(); ++i) {
        const Vcpu& v = k.vcpus()[i];
        if (!v.in_use || !v.windows)
            continue;
        const VcpuStats& s = v.stats;
        misses += s.missed;
        print("vcpu {} summary periods {} met {} overran {} missed {} max-consumed {} us budget {} us "
              "max-response {} us max-overrun {} us utilisation {}\n",
              v.name, s.periods, s.met, s.overran, s.missed, frac(s.max_consumed, 1000, 3),
              frac(v.budget, 1000, 3), frac(s.max_response, 1000, 3), frac(s.max_overrun, 1000, 3),
              frac(s.total * 1000 / (opt.run_ms * kMs), 1000, 3));
    }
    print("{}", refusal_line);
    for (uint32_t i = 0; i < kMaxChannels; ++i) {
        const Channel& c = k.channels()[i];
        if (c.configured)
            print("rtos: channel {}: {} transactions received, {} sent; {} doorbells, {} waits ended by the "
                  "doorbell, {} by their timer\n",
                  c.spec.id, c.received, c.sent, c.doorbells, c.doorbell_wakeups, c.timer_wakeups);
    }
    const SwitchCost& same = k.switch_same_space();
    const SwitchCost& cross = k.switch_cross_space();
    print("rtos: thread switches in the kernel (entry to new frame, TSC cycles): same address space {} "
          "(min {} avg {} max {}), other address space {} (min {} avg {} max {})\n",
          same.count, same.count ? same.min : 0, same.count ? same.sum / same.count : 0, same.max, cross.count,
          cross.count ? cross.min : 0, cross.count ? cross.sum / cross.count : 0, cross.max);
    print("rtos: {} timer interrupts ({} one-shot), {} system calls, console lines dropped {}\n",
          k.timer_interrupts(), inmate::apic::mode_name(), k.syscalls(), klog::dropped());
    print("rtos: done: {} ms, {} deadline misses, {} VCPU refused\n", opt.run_ms, misses, refused);
}

}  // namespace

int inmate_main() {
    opt.run_ms = inmate::arg_u64("run", 3000);
    opt.trace = inmate::arg_u64("trace", 0) != 0;
    opt.margin_us = inmate::arg_u64("margin", 200);
    opt.bench = inmate::arg_u64("bench", 500);
    opt.scale = inmate::arg_u64("scale", 100);
    opt.verbose = inmate::arg_u64("verbose", 0);
    opt.rogue = inmate::arg_u64("rogue", 1) != 0;
    opt.tasks = inmate::arg_u64("tasks", 1) != 0;
    opt.chanpoll_us = inmate::arg_u64("chanpoll", 1000);
    if (opt.scale == 0)
        opt.scale = 100;

    // RAM: the cell's memory starts at 0 and ends where the communication
    // page sits (the demo layout: 16 MiB, comm page right after it).
    uint64_t ram_end = inmate::arg_u64("mem", inmate::image_header().comm_page);
    uint64_t image_end = reinterpret_cast<uint64_t>(__image_end);
    if (auto r = frames().init(ram_end); !r.ok() || image_end >= ram_end) {
        print("rtos: RAM end {} unusable\n", hex(ram_end));
        return 1;
    }
    frames().release_range(image_end, ram_end);
    if (!parse_channel_args(ram_end) || !channels_declared())
        return 1;
    print("rtos: bulkhead RTOS, RAM {} MiB, image {}..{}, {} of {} frames free\n", ram_end >> 20,
          hex(inmate::image_header().load_address), hex(image_end), frames().free_frames(), frames().total_frames());

    auto log_buffer = frames().alloc_contiguous(32);  // 128 KiB of console queue
    if (!log_buffer.ok()) {
        print("rtos: no memory for the console queue\n");
        return 1;
    }
    klog::init(reinterpret_cast<char*>(*log_buffer), 32 * kPageSize);
    if (opt.trace) {
        auto buffer = frames().alloc_contiguous(1024);  // 4 MiB: 131072 records
        if (!buffer.ok()) {
            print("rtos: no memory for the trace\n");
            return 1;
        }
        trace::init(reinterpret_cast<void*>(*buffer), 1024 * kPageSize);
    }

    construct_kernel();
    Kernel::Config config{ram_end, opt.margin_us * 1000};
    config.channels = opt.channels;
    config.channel_count = opt.channel_count;
    config.channel_poll = opt.chanpoll_us * 1000;
    if (auto r = kernel().init(config); !r.ok()) {
        print("rtos: kernel init failed: {}\n", errc_name(r.error()));
        return 1;
    }
    const arch::Features& f = arch::features();
    print("rtos: kernel page tables at {}, NX {}, global pages {}, SMEP {}, SMAP {}; LAPIC {} one-shot timer, TSC {} "
          "kHz, APIC timer {} kHz\n",
          hex(kernel_pml4()), f.nx, f.pge, f.smep, f.smap, inmate::apic::mode_name(), inmate::time::tsc_khz(),
          inmate::apic::timer_khz());
    if (opt.tasks)
        print("rtos: task set for {} ms{}, scale {}%\n", opt.run_ms, opt.trace ? ", with trace" : "", opt.scale);
    else
        print("rtos: no task set; {} channel service(s), run {} ms (0: until they end)\n", opt.service_count,
              opt.run_ms);

    if (opt.bench != 0 || opt.rogue) {
        frames_before_bench = frames().free_frames();
        if (auto r = start_bench(); !r.ok()) {
            print("rtos: benchmark not started: {}\n", errc_name(r.error()));
            return 1;
        }
        kernel().set_all_exited_hook(start_task_set);
    } else {
        start_task_set();
    }
    kernel().run();
}
