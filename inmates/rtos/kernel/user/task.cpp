// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The user program of the RTOS's task set: one image, loaded into every
// task's own address space; what a task does comes from its TaskArgs.
//
//  - periodic: each job burns `work_ns` of its own CPU time (heavier every
//    `heavy_every`-th job), optionally sleeps `sleep_ns` on a timer and
//    burns `work2_ns` more, then waits for its next release.
//  - yield bench: `iterations` yield round trips with another thread of the
//    same VCPU, timed with the TSC in user mode.
#include "syscalls.h"

using namespace bh::rtos;

extern "C" char _start[];  // crt.S, in the read-only text

namespace {

// A line built in user memory, written with one system call.
struct Line {
    char text[abi::write_max];
    size_t n = 0;
    Line& operator<<(const char* s) {
        while (*s != '\0' && n < sizeof(text))
            text[n++] = *s++;
        return *this;
    }
    Line& operator<<(uint64_t v) {
        char digits[24];
        size_t k = 0;
        do {
            digits[k++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        while (k > 0 && n < sizeof(text))
            text[n++] = digits[--k];
        return *this;
    }
    void send() { user::write(text, n); }
};

// Burns `ns` of this thread's CPU time (preemption does not count).
void burn(uint64_t ns) {
    uint64_t start = user::time(abi::clock_thread_cpu);
    while (user::time(abi::clock_thread_cpu) - start < ns)
        for (unsigned i = 0; i < 100; ++i)
            asm volatile("" ::: "memory");
}

int yield_bench(const abi::TaskArgs& a) {
    uint64_t min = ~0ull, sum = 0;
    for (uint64_t i = 0; i < a.iterations; ++i) {
        uint64_t t = user::rdtsc();
        user::yield();
        uint64_t d = user::rdtsc() - t;
        sum += d;
        if (d < min)
            min = d;
    }
    (Line() << "bench " << a.name << ": yield round trip (two thread switches, same address space) min " << min
            << " avg " << (a.iterations ? sum / a.iterations : 0) << " cycles over " << a.iterations << "\n")
        .send();
    return 0;
}

// Each case must end in an exception that kills the thread; returning is a
// failure the kernel reports (exit code 1).
int rogue(const abi::TaskArgs& a) {
    switch (a.iterations) {
    case abi::rogue_read_kernel: {
        const char* kernel_text = reinterpret_cast<const char*>(0x100000);
        int64_t r = user::write(kernel_text, 16);
        (Line() << "task " << a.name << ": write() of kernel memory returned " << (r < 0 ? "-" : "")
                << static_cast<uint64_t>(r < 0 ? -r : r) << "\n")
            .send();
        return *reinterpret_cast<const volatile uint64_t*>(kernel_text) != 0;
    }
    case abi::rogue_write_text:
        *reinterpret_cast<volatile uint8_t*>(_start) = 0xc3;
        return 1;
    case abi::rogue_cli:
        asm volatile("cli");
        return 1;
    case abi::rogue_sse:
        asm volatile("xorps %%xmm0, %%xmm0" ::: "memory");
        return 1;
    case abi::rogue_exec_stack: {
        volatile uint8_t code[16] = {0xc3};  // ret
        reinterpret_cast<void (*)()>(const_cast<uint8_t*>(code))();
        return 1;
    }
    }
    return 1;
}

}  // namespace

// The compiler may call these (struct copies); user programs have no library.
extern "C" void* memcpy(void* dst, const void* src, size_t n) {
    auto* d = static_cast<char*>(dst);
    auto* s = static_cast<const char*>(src);
    for (size_t i = 0; i < n; ++i)
        d[i] = s[i];
    return dst;
}

extern "C" void* memset(void* dst, int c, size_t n) {
    auto* d = static_cast<char*>(dst);
    for (size_t i = 0; i < n; ++i)
        d[i] = static_cast<char>(c);
    return dst;
}

extern "C" int task_main(const abi::TaskArgs* args) {
    const abi::TaskArgs a = *args;
    if (a.mode == abi::task_yield_bench)
        return yield_bench(a);
    if (a.mode == abi::task_rogue)
        return rogue(a);
    Line hello;
    hello << "task " << a.name << ": in user mode, own address space, period " << a.period_ns / 1000
          << " us, job " << a.work_ns / 1000 << " us";
    if (a.sleep_ns != 0)
        hello << " + sleep " << a.sleep_ns / 1000 << " us + " << a.work2_ns / 1000 << " us";
    if (a.heavy_every != 0)
        hello << ", every " << a.heavy_every << "th job " << a.heavy_work_ns / 1000 << " us";
    (hello << "\n").send();
    uint64_t heavy = 0;
    for (uint64_t job = 0; a.jobs == 0 || job < a.jobs; ++job) {
        bool is_heavy = a.heavy_every != 0 && job % a.heavy_every == a.heavy_every - 1;
        burn(is_heavy ? a.heavy_work_ns : a.work_ns);
        heavy += is_heavy;
        if (a.sleep_ns != 0) {
            user::sleep_until(user::time(abi::clock_monotonic) + a.sleep_ns);
            burn(a.work2_ns);
        }
        if (a.verbose != 0 && job % a.verbose == a.verbose - 1)
            (Line() << "task " << a.name << ": " << job + 1 << " jobs, " << heavy << " heavy\n").send();
        user::wait_next_period();
    }
    return 0;
}
