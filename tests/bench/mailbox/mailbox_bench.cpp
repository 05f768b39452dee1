// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Mailbox channel figures on the host, two threads pinned to two cores:
//  - round trip of a 64-byte transaction vs a raw cache-line ping-pong, vs
//    the two-line floor (64 bytes + a sequence word, no protocol) and vs a
//    Linux pipe round trip;
//  - throughput of 64 KiB transactions through 4 KiB slots (single slot
//    and ring mode) vs memcpy of 64 KiB on one core and vs a bare hand-off
//    of 64 KiB between the cores.
// Prints figures and their ratios; asserts nothing. Results and the
// reproducing command: Documentation/performance.md, "Channels (host)".
#include <benchmark/benchmark.h>

#include <ipc/mailbox.h>

#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include <x86intrin.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace bh;
using namespace bh::ipc;

constexpr int client_cpu = 0;
constexpr int server_cpu = 1;

void pin_to(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

// The TSC: what the RTOS would use, and cheap enough not to show in a
// polling loop (steady_clock costs a vDSO call per look).
class TscClock final : public Clock {
public:
    uint64_t now() override { return __rdtsc(); }
};

uint64_t tsc_ticks_per_ms() {
    static const uint64_t ticks = [] {
        const auto t0 = std::chrono::steady_clock::now();
        const uint64_t c0 = __rdtsc();
        while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(20)) {
        }
        return (__rdtsc() - c0) / 20;
    }();
    return ticks;
}

// A thread on the server core that runs `step` until stopped.
class ServerThread {
public:
    explicit ServerThread(std::function<void(const std::atomic<bool>&)> body)
        : thread_([this, body = std::move(body)] {
              pin_to(server_cpu);
              body(stop_);
          }) {}
    ~ServerThread() {
        stop_.store(true);
        thread_.join();
    }

private:
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

class Channel {
public:
    Channel(uint32_t slot_size, uint32_t slot_count)
        : geometry_(make_geometry(slot_size, slot_count).value_or(Geometry{4096, 1})),
          size_(region_size(geometry_)),
          bytes_(new (std::align_val_t{4096}) uint8_t[size_]()) {
        if (!format_channel({bytes_, size_}, geometry_).ok())
            std::abort();
    }
    ~Channel() { ::operator delete[](bytes_, std::align_val_t{4096}); }
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    Endpoint open(Side side, Clock& clock) {
        auto endpoint = Endpoint::open({bytes_, size_}, side, clock,
                                       EndpointOptions{geometry_.slot_size, geometry_.slot_count});
        if (!endpoint.ok())
            std::abort();
        return std::move(*endpoint);
    }

private:
    Geometry geometry_;
    size_t size_;
    uint8_t* bytes_;
};

// --- round trips ------------------------------------------------------------

void BM_CacheLinePingPong(benchmark::State& state) {
    pin_to(client_cpu);
    alignas(64) std::atomic<uint64_t> line{0};
    ServerThread server([&](const std::atomic<bool>& stop) {
        uint64_t seen = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            const uint64_t value = line.load(std::memory_order_acquire);
            if (value != seen && value % 2 == 1) {
                line.store(value + 1, std::memory_order_release);
                seen = value + 1;
            } else {
                _mm_pause();
            }
        }
    });
    uint64_t value = 0;
    for (auto _ : state) {
        line.store(value + 1, std::memory_order_release);
        while (line.load(std::memory_order_acquire) != value + 2)
            _mm_pause();
        value += 2;
    }
}
BENCHMARK(BM_CacheLinePingPong)->Name("round_trip/cache_line")->UseRealTime();

// The floor for any channel that moves 64 payload bytes plus a word saying
// they are there: two cache lines each way (here a sequence word in one line
// and the payload in the next), no checks, nothing else.
struct alignas(128) TwoLineMessage {
    std::atomic<uint32_t> seq{0};
    char header_rest[60];
    char payload[64];
};

void BM_TwoLinePingPong(benchmark::State& state) {
    pin_to(client_cpu);
    auto request = std::make_unique<TwoLineMessage>();
    auto reply = std::make_unique<TwoLineMessage>();
    ServerThread server([&](const std::atomic<bool>& stop) {
        char copy[64];
        for (uint32_t expected = 1; !stop.load(std::memory_order_relaxed);) {
            if (request->seq.load(std::memory_order_acquire) != expected) {
                _mm_pause();
                continue;
            }
            std::memcpy(copy, request->payload, sizeof copy);
            std::memcpy(reply->payload, copy, sizeof copy);
            reply->seq.store(expected++, std::memory_order_release);
        }
    });
    char message[64] = {1}, copy[64];
    uint32_t seq = 0;
    for (auto _ : state) {
        std::memcpy(request->payload, message, sizeof message);
        request->seq.store(++seq, std::memory_order_release);
        while (reply->seq.load(std::memory_order_acquire) != seq)
            _mm_pause();
        std::memcpy(copy, reply->payload, sizeof copy);
        benchmark::DoNotOptimize(copy);
    }
}
BENCHMARK(BM_TwoLinePingPong)->Name("round_trip/two_lines")->UseRealTime();

void BM_MailboxRoundTrip(benchmark::State& state) {
    pin_to(client_cpu);
    const size_t bytes = static_cast<size_t>(state.range(0));
    Channel channel(4096, 1);
    TscClock clock;
    const uint64_t poll_timeout = tsc_ticks_per_ms();  // lets the server notice stop
    const uint64_t hang_guard = 1000 * tsc_ticks_per_ms();
    Endpoint client = channel.open(Side::zero, clock);
    // Each endpoint lives on its own thread's stack: side by side they would
    // share cache lines, which two cells never do.
    ServerThread server([&](const std::atomic<bool>& stop) {
        Endpoint server_end = channel.open(Side::one, clock);
        std::vector<uint8_t> request(4096);
        while (!stop.load(std::memory_order_relaxed)) {
            auto size = server_end.receive({request.data(), request.size()}, poll_timeout);
            if (size.ok())
                (void)server_end.send({request.data(), *size}, hang_guard);
        }
    });
    std::vector<uint8_t> request(bytes, 0x5A), reply(4096);
    for (auto _ : state) {
        if (!client.send({request.data(), request.size()}, hang_guard).ok() ||
            !client.receive({reply.data(), reply.size()}, hang_guard).ok()) {
            state.SkipWithError("channel failed");
            break;
        }
    }
}
BENCHMARK(BM_MailboxRoundTrip)->Name("round_trip/mailbox")->Arg(64)->UseRealTime();

void BM_PipeRoundTrip(benchmark::State& state) {
    pin_to(client_cpu);
    const size_t bytes = static_cast<size_t>(state.range(0));
    int to_server[2], to_client[2];
    if (pipe(to_server) != 0 || pipe(to_client) != 0) {
        state.SkipWithError("pipe");
        return;
    }
    {
        ServerThread server([&](const std::atomic<bool>&) {
            std::vector<uint8_t> buffer(bytes);
            // Runs until the client closes its end (read returns 0).
            while (read(to_server[0], buffer.data(), bytes) == static_cast<ssize_t>(bytes))
                if (write(to_client[1], buffer.data(), bytes) != static_cast<ssize_t>(bytes))
                    break;
        });
        std::vector<uint8_t> request(bytes, 0x5A), reply(bytes);
        for (auto _ : state) {
            if (write(to_server[1], request.data(), bytes) != static_cast<ssize_t>(bytes) ||
                read(to_client[0], reply.data(), bytes) != static_cast<ssize_t>(bytes)) {
                state.SkipWithError("pipe I/O");
                break;
            }
        }
        close(to_server[1]);  // ends the server loop before it is joined
    }
    close(to_server[0]);
    close(to_client[0]);
    close(to_client[1]);
}
BENCHMARK(BM_PipeRoundTrip)->Name("round_trip/pipe")->Arg(64)->UseRealTime();

// --- throughput -------------------------------------------------------------

constexpr size_t transaction_bytes = 64 * 1024;

void BM_Memcpy(benchmark::State& state) {
    pin_to(client_cpu);
    std::vector<uint8_t> source(transaction_bytes, 0x5A), destination(transaction_bytes);
    for (auto _ : state) {
        std::memcpy(destination.data(), source.data(), transaction_bytes);
        benchmark::DoNotOptimize(destination.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * transaction_bytes));
}
BENCHMARK(BM_Memcpy)->Name("throughput/memcpy_64KiB")->UseRealTime();

// The hardware floor for a copy-out channel: the other core writes 64 KiB
// into a shared buffer, this core copies it out; a flag each way, no headers,
// no checks, no slots.
void BM_HandoffCopy(benchmark::State& state) {
    pin_to(client_cpu);
    std::vector<uint8_t> shared(transaction_bytes), destination(transaction_bytes);
    alignas(64) std::atomic<uint64_t> filled{0};
    alignas(64) std::atomic<uint64_t> emptied{0};
    ServerThread server([&](const std::atomic<bool>& stop) {
        for (uint64_t round = 1; !stop.load(std::memory_order_relaxed);) {
            if (emptied.load(std::memory_order_acquire) + 1 != round) {
                _mm_pause();
                continue;
            }
            std::memset(shared.data(), static_cast<int>(round), transaction_bytes);
            filled.store(round++, std::memory_order_release);
        }
    });
    uint64_t round = 0;
    for (auto _ : state) {
        ++round;
        while (filled.load(std::memory_order_acquire) != round)
            _mm_pause();
        std::memcpy(destination.data(), shared.data(), transaction_bytes);
        benchmark::DoNotOptimize(destination.data());
        emptied.store(round, std::memory_order_release);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * transaction_bytes));
}
BENCHMARK(BM_HandoffCopy)->Name("throughput/handoff_copy_64KiB")->UseRealTime();

// One-way stream of 64 KiB transactions, 4 KiB slots, R = range(0); the
// receiver copies each into its own buffer. Timed until the last one is
// received.
void BM_MailboxThroughput(benchmark::State& state) {
    pin_to(client_cpu);
    Channel channel(4096, static_cast<uint32_t>(state.range(0)));
    TscClock clock;
    const uint64_t poll_timeout = tsc_ticks_per_ms();
    const uint64_t hang_guard = 1000 * tsc_ticks_per_ms();
    Endpoint sender = channel.open(Side::zero, clock);
    alignas(64) std::atomic<uint64_t> received{0};
    ServerThread server([&](const std::atomic<bool>& stop) {
        Endpoint receiver = channel.open(Side::one, clock);
        std::vector<uint8_t> buffer(transaction_bytes);
        while (!stop.load(std::memory_order_relaxed))
            if (receiver.receive({buffer.data(), buffer.size()}, poll_timeout).ok())
                received.fetch_add(1, std::memory_order_release);
    });
    std::vector<uint8_t> message(transaction_bytes, 0x5A);
    uint64_t sent = 0;
    for (auto _ : state) {
        if (!sender.send({message.data(), message.size()}, hang_guard).ok()) {
            state.SkipWithError("channel failed");
            break;
        }
        ++sent;
    }
    while (received.load(std::memory_order_acquire) < sent)
        _mm_pause();
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * transaction_bytes));
}
BENCHMARK(BM_MailboxThroughput)
    ->Name("throughput/mailbox_64KiB_B4KiB_R")
    ->Arg(1)
    ->Arg(4)
    ->Arg(16)
    ->UseRealTime();

// --- report -----------------------------------------------------------------

// Console output plus the median per-iteration time of every benchmark, to
// print the ratios the targets are stated in.
class RatioReporter final : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& run : runs) {
            if (run.aggregate_name != "median")
                continue;
            std::string name = run.run_name.function_name;
            if (!run.run_name.args.empty())
                name += "/" + run.run_name.args;
            median_ns_[name] = run.GetAdjustedRealTime();
        }
        ConsoleReporter::ReportRuns(runs);
    }

    void print_ratios() const {
        auto ns = [&](const std::string& name) {
            auto it = median_ns_.find(name);
            return it == median_ns_.end() ? 0.0 : it->second;
        };
        auto gbps = [&](const std::string& name) {
            const double t = ns(name);
            return t > 0 ? transaction_bytes / t : 0.0;  // bytes per ns = GB/s
        };
        const double line = ns("round_trip/cache_line");
        const double two_lines = ns("round_trip/two_lines");
        const double mailbox = ns("round_trip/mailbox/64");
        const double pipe = ns("round_trip/pipe/64");
        std::printf("\nmedian round trips: cache line %.0f ns, two lines %.0f ns, mailbox 64 B "
                    "%.0f ns, pipe 64 B %.0f ns\n",
                    line, two_lines, mailbox, pipe);
        if (line > 0)
            std::printf("mailbox / cache-line round trip: %.2fx (target <= 1.3x); "
                        "two lines / cache line: %.2fx; mailbox / two lines: %.2fx\n",
                        mailbox / line, two_lines / line,
                        two_lines > 0 ? mailbox / two_lines : 0.0);
        if (mailbox > 0)
            std::printf("pipe / mailbox round trip: %.1fx\n", pipe / mailbox);
        const double copy = gbps("throughput/memcpy_64KiB");
        const double handoff = gbps("throughput/handoff_copy_64KiB");
        std::printf("memcpy 64 KiB (one core, cache-hot): %.2f GB/s\n", copy);
        std::printf("hand-off copy 64 KiB (written by the other core): %.2f GB/s\n", handoff);
        for (int slots : {1, 4, 16}) {
            const double rate =
                gbps("throughput/mailbox_64KiB_B4KiB_R/" + std::to_string(slots));
            std::printf("mailbox 64 KiB transactions, B = 4 KiB, R = %2d: %.2f GB/s = %.2fx "
                        "memcpy (target >= 0.7x), %.2fx hand-off copy\n",
                        slots, rate, copy > 0 ? rate / copy : 0.0,
                        handoff > 0 ? rate / handoff : 0.0);
        }
    }

private:
    std::map<std::string, double> median_ns_;
};

}  // namespace

int main(int argc, char** argv) {
    // Medians of repeated runs: the figures are meant to be compared, and
    // single runs on a shared two-core machine are noisy.
    std::vector<char*> args(argv, argv + argc);
    std::string repetitions = "--benchmark_repetitions=5";
    std::string min_time = "--benchmark_min_time=0.2";
    std::string aggregates = "--benchmark_report_aggregates_only=true";
    args.insert(args.begin() + 1, aggregates.data());
    args.insert(args.begin() + 1, repetitions.data());
    args.insert(args.begin() + 1, min_time.data());
    int count = static_cast<int>(args.size());
    benchmark::Initialize(&count, args.data());
    if (benchmark::ReportUnrecognizedArguments(count, args.data()))
        return 1;
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    reporter.print_ratios();
    benchmark::Shutdown();
    return 0;
}
