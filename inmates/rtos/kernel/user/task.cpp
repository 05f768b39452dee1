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
//  - channel service: a request/reply server on one channel (see
//    channel_service below).
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
    Line& signed_value(int64_t v) {
        if (v < 0)
            *this << "-";
        return *this << static_cast<uint64_t>(v < 0 ? -v : v);
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

constexpr uint64_t kSecond = 1000000000;
constexpr int64_t kEagain = 11, kEmsgsize = 90, kEtimedout = 110;

// The service's request buffer: transactions up to 64 KiB (16 slots of
// 4 KiB); a larger one is refused with an error reply.
alignas(64) uint8_t request[64 * 1024];

// What the reply proves: the task saw every byte (ASCII letters change
// case, all other bytes stay).
void swap_case(uint8_t* bytes, uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) {
        uint8_t c = bytes[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            bytes[i] = static_cast<uint8_t>(c ^ 0x20);
    }
}

bool is_stop(int64_t n) {
    return n == 4 && request[0] == 's' && request[1] == 't' && request[2] == 'o' && request[3] == 'p';
}

int64_t reply(int64_t handle, const char* text, uint64_t n) { return user::chan_send(handle, text, n, 10 * kSecond); }

// A request/reply service on channel a.channel, on a VCPU of its own
// (budget a.work_ns per period a.period_ns): every transaction comes back
// with the case of its letters swapped; one larger than the buffer is
// dropped and answered with an error text; "stop" is answered and ends it.
// First it tries what the kernel must refuse (none of it may change the
// channel) and reports the answers.
int channel_service(const abi::TaskArgs& a) {
    int64_t h = user::chan_open(a.channel);
    if (h < 0) {
        Line l;
        l << "task " << a.name << ": chan_open(" << a.channel << ") failed: ";
        (l.signed_value(h) << "\n").send();
        return 1;
    }
    int64_t again = user::chan_open(a.channel);
    int64_t unknown = user::chan_open(0xdead);
    int64_t bad_handle = user::chan_send(1000, request, 1, 0);
    int64_t kernel_pointer = user::chan_send(h, reinterpret_cast<const void*>(0x100000), 16, 0);
    int64_t read_only = user::chan_receive(h, _start, 16, 0);
    int64_t empty = user::chan_send(h, request, 0, 0);
    int64_t too_big = user::chan_send(h, request, abi::chan_max_transaction + 1, 0);
    int64_t nothing = user::chan_receive(h, request, sizeof(request), 0);
    Line refused;
    refused << "task " << a.name << ": channel " << a.channel << " open; refused: open again ";
    refused.signed_value(again) << ", unknown id ";
    refused.signed_value(unknown) << ", bad handle ";
    refused.signed_value(bad_handle) << ", kernel pointer ";
    refused.signed_value(kernel_pointer) << ", read-only buffer ";
    refused.signed_value(read_only) << ", empty ";
    refused.signed_value(empty) << ", 1 MiB + 1 ";
    refused.signed_value(too_big) << "; nothing waiting ";
    refused.signed_value(nothing) << "\n";
    refused.send();
    (Line() << "task " << a.name << ": ready: budget " << a.work_ns / 1000 << " us every " << a.period_ns / 1000
            << " us, requests up to " << static_cast<uint64_t>(sizeof(request)) << " bytes\n")
        .send();

    uint64_t served = 0, bytes = 0, dropped = 0, idle = 0;
    // A request that was already there answered the non-blocking receive
    // above (the peer need not wait for "ready"): it is served first.
    bool early = nothing != -kEagain;
    for (;;) {
        int64_t n = early ? nothing : user::chan_receive(h, request, sizeof(request), 60 * kSecond);
        early = false;
        if (n == 0) {  // an empty transaction (a cell peer may send one): nothing to answer
            ++dropped;
            continue;
        }
        if (n == -kEtimedout) {
            ++idle;
            continue;
        }
        if (n == -kEmsgsize) {
            int64_t size = user::chan_discard(h, 10 * kSecond);
            ++dropped;
            Line text;
            text << "error: EMSGSIZE: request of ";
            text.signed_value(size) << " bytes, buffer " << static_cast<uint64_t>(sizeof(request));
            int64_t sent = reply(h, text.text, text.n);
            Line l;
            l << "task " << a.name << ": refused a request of ";
            (l.signed_value(size) << " bytes (buffer " << static_cast<uint64_t>(sizeof(request)) << "), error reply "
                                  << (sent > 0 ? "sent" : "failed") << "\n")
                .send();
            continue;
        }
        if (n < 0) {
            Line l;
            l << "task " << a.name << ": receive failed: ";
            (l.signed_value(n) << "\n").send();
            user::chan_close(h);
            return 1;
        }
        if (is_stop(n)) {
            Line text;
            text << "stopped after " << served << " requests";
            int64_t sent = reply(h, text.text, text.n);
            (Line() << "task " << a.name << ": stop after " << served << " requests (" << bytes << " bytes), "
                    << dropped << " refused, " << idle << " idle timeouts; CPU time "
                    << user::time(abi::clock_thread_cpu) / 1000 << " us; stop reply "
                    << (sent > 0 ? "sent" : "failed") << "\n")
                .send();
            user::chan_close(h);
            return sent > 0 ? 0 : 1;
        }
        swap_case(request, static_cast<uint64_t>(n));
        int64_t sent = user::chan_send(h, request, static_cast<uint64_t>(n), 10 * kSecond);
        if (sent != n) {
            Line l;
            l << "task " << a.name << ": reply of " << static_cast<uint64_t>(n) << " bytes failed: ";
            (l.signed_value(sent) << "\n").send();
            user::chan_close(h);
            return 1;
        }
        ++served;
        bytes += static_cast<uint64_t>(n);
        (Line() << "task " << a.name << ": request " << served << ": " << static_cast<uint64_t>(n)
                << " bytes, answered\n")
            .send();
    }
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
    if (a.mode == abi::task_channel_service)
        return channel_service(a);
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
