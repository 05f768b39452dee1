// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// apic-timer: LAPIC timer interrupt latency. Every tick records
// latency = TSC at interrupt entry - the tick's programmed expiry (TSC), and
// after `ticks` ticks prints a histogram, min/avg/max and percentiles in ns
// (percentiles over the first 65536 ticks of a round).
//
// Arguments (all optional):
//   hz=N        tick rate (default 1000)
//   ticks=N     ticks per round (default 1000)
//   rounds=N    rounds, 0 = forever (default 1)
//   mode=M      periodic (default) | oneshot | deadline
//   wait=W      hlt (default: sleep between ticks) | spin (poll with
//               interrupts on: no wake-up from HLT in the latency)
//   apic=x2apic (library) bare: switch to x2APIC first if the CPU has it
//
// How each mode knows the programmed expiry:
//   deadline  the TSC value written to IA32_TSC_DEADLINE: exact.
//   periodic  the counter reloads at each expiry; the handler reads the
//             current count, so expiry = TSC(read) - (initial - current)
//             converted to TSC ticks. No drift, whatever the calibration
//             error (which only scales the latency itself, by < 0.1 %).
//   oneshot   the next deadline is the previous one plus the period; the
//             count is programmed from the TSC just before the write, so
//             the latency includes that programming delay.
// Deadlines lie on a fixed grid (start + k * period). A tick that comes more
// than a period late makes the grid points it passed "missed" (periodic: the
// timer coalesced them into one interrupt; one-shot/deadline: the next
// deadline is the first still ahead), and its latency counts from the first.
#include <inmate/apic.h>
#include <inmate/inmate.h>
#include <inmate/time.h>

using namespace inmate;

namespace {

// Histogram bucket upper bounds in ns (1-2-5 series); the last is open.
constexpr uint64_t bucket_limit_ns[] = {500,    1000,   2000,   5000,    10000,   20000,   50000,
                                        100000, 200000, 500000, 1000000, 2000000, 5000000};
constexpr unsigned num_buckets = sizeof(bucket_limit_ns) / sizeof(bucket_limit_ns[0]) + 1;

struct Round {
    uint64_t ticks, missed, measured, unmeasured;
    uint64_t min_ns, max_ns, sum_ns;
    uint64_t buckets[num_buckets];
};

apic::TimerMode mode = apic::TimerMode::periodic;
bool spin;
uint64_t ticks_per_round;
uint64_t period_tsc;  // the period in TSC ticks
uint32_t period_counts;  // ...and in APIC timer counts
uint64_t tsc_per_count_num, tsc_per_count_den;  // TSC ticks per APIC count = num / den

Round round;
volatile bool round_done;
// Every latency of the round (ns), for percentiles; the first max_samples.
constexpr uint32_t max_samples = 65536;
uint32_t samples[max_samples];
uint64_t next_deadline;  // oneshot, deadline: expiry of the coming tick
uint64_t prev_expiry;  // periodic: the last expiry served

void count_tick() {
    round.ticks++;
    if (round.ticks == ticks_per_round) {
        apic::timer_stop();
        round_done = true;
    }
}

void record(uint64_t latency_tsc) {
    uint64_t ns = time::tsc_to_ns(latency_tsc);
    if (round.measured < max_samples)
        samples[round.measured] = ns > 0xffffffffu ? 0xffffffffu : static_cast<uint32_t>(ns);
    round.measured++;
    round.sum_ns += ns;
    if (ns < round.min_ns)
        round.min_ns = ns;
    if (ns > round.max_ns)
        round.max_ns = ns;
    unsigned b = 0;
    while (b < num_buckets - 1 && ns >= bucket_limit_ns[b])
        ++b;
    round.buckets[b]++;
    count_tick();
}

void on_periodic(Frame&) {
    // The round's last tick stops the timer, but an expiry that came while
    // that tick was being handled is already pending in the APIC: it is
    // past the round, not part of it.
    if (round_done)
        return;
    uint64_t entry = x86::rdtsc();
    uint32_t current = apic::timer_current();
    uint64_t after = x86::rdtsc();
    uint64_t next_on_grid = prev_expiry + period_tsc;
    // The count was sampled between `entry` and `after`: the last reload
    // (= expiry) before that moment.
    uint64_t sampled = entry + (after - entry) / 2;
    uint64_t since_expiry = static_cast<uint64_t>(period_counts - current) * tsc_per_count_num / tsc_per_count_den;
    uint64_t expiry = sampled - since_expiry;
    if (static_cast<int64_t>(expiry - entry) > 0)  // that reload came after our entry
        expiry -= period_tsc;
    // Not measurable: the CPU stalled while reading the count (an emulator's
    // thread descheduled between the TSC reads), or the count places this
    // interrupt at the expiry already served. Counted, not measured.
    if (after - entry > period_tsc / 4 ||
        static_cast<int64_t>(expiry - prev_expiry) < static_cast<int64_t>(period_tsc / 2)) {
        round.unmeasured++;
        prev_expiry = static_cast<int64_t>(expiry - prev_expiry) > 0 ? expiry : next_on_grid;
        count_tick();
        return;
    }
    // Expiries since the previous tick beyond the first were coalesced into
    // this interrupt (missed); the latency counts from the first of them.
    uint64_t periods = (expiry - prev_expiry + period_tsc / 2) / period_tsc;
    uint64_t first = expiry;
    if (periods > 1) {
        round.missed += periods - 1;
        first = next_on_grid;
    }
    prev_expiry = expiry;
    record(static_cast<int64_t>(entry - first) > 0 ? entry - first : 0);
}

// One-shot and deadline modes: the next expiry on the grid that is still
// ahead; the ones already past count as missed (as periodic mode's
// coalesced expiries), so one stall is not charged to every later tick.
void advance_deadline() {
    next_deadline += period_tsc;
    uint64_t now = x86::rdtsc();
    while (next_deadline <= now) {
        next_deadline += period_tsc;
        round.missed++;
    }
}

void on_deadline(Frame&) {
    uint64_t entry = x86::rdtsc();
    record(entry - next_deadline);
    if (round_done)
        return;
    advance_deadline();
    apic::timer_set_deadline(next_deadline);
}

uint32_t counts_until(uint64_t deadline) {
    uint64_t now = x86::rdtsc();
    if (deadline <= now)
        return 1;
    uint64_t c = (deadline - now) * tsc_per_count_den / tsc_per_count_num;
    return c == 0 ? 1 : c > 0xffffffffu ? 0xffffffffu : static_cast<uint32_t>(c);
}

void on_oneshot(Frame&) {
    uint64_t entry = x86::rdtsc();
    record(entry - next_deadline);
    if (round_done)
        return;
    advance_deadline();
    apic::timer_set_count(counts_until(next_deadline));
}

void run_round() {
    round = Round{};
    round.min_ns = ~0ull;
    round_done = false;
    x86::cli();
    switch (mode) {
    case apic::TimerMode::periodic:
        irq_set_handler(vector_timer, on_periodic);
        apic::timer_start(mode, vector_timer, period_counts);
        prev_expiry = x86::rdtsc();  // the count starts now: expiry 0 of the grid
        break;
    case apic::TimerMode::deadline:
        irq_set_handler(vector_timer, on_deadline);
        apic::timer_start(mode, vector_timer, 0);
        next_deadline = x86::rdtsc() + period_tsc;
        apic::timer_set_deadline(next_deadline);
        break;
    case apic::TimerMode::oneshot:
        irq_set_handler(vector_timer, on_oneshot);
        next_deadline = x86::rdtsc() + period_tsc;
        apic::timer_start(mode, vector_timer, counts_until(next_deadline));
        break;
    }
    if (spin) {
        x86::sti();
        while (!round_done)
            x86::pause();
        x86::cli();
    } else {
        while (!round_done)
            x86::wait_for_interrupt();
    }
}

// In-place heapsort (no library here); the handler is idle by now.
void sort(uint32_t* v, uint32_t n) {
    auto sift = [v](uint32_t root, uint32_t end) {
        for (uint32_t child; (child = 2 * root + 1) < end; root = child) {
            if (child + 1 < end && v[child + 1] > v[child])
                ++child;
            if (v[root] >= v[child])
                return;
            uint32_t t = v[root];
            v[root] = v[child];
            v[child] = t;
        }
    };
    for (uint32_t i = n / 2; i-- > 0;)
        sift(i, n);
    for (uint32_t end = n; end-- > 1;) {
        uint32_t t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift(0, end);
    }
}

// The p-quantile (per mille) of the sorted samples: nearest rank.
uint32_t quantile(uint32_t n, uint32_t per_mille) {
    uint64_t rank = (static_cast<uint64_t>(n) * per_mille + 999) / 1000;
    return samples[rank == 0 ? 0 : rank - 1];
}

void print_round(uint64_t n) {
    uint64_t avg = round.measured ? round.sum_ns / round.measured : 0;
    uint32_t stored = round.measured < max_samples ? static_cast<uint32_t>(round.measured) : max_samples;
    sort(samples, stored);
    if (stored == 0) {
        print("apic-timer: round {}: ticks {} missed {} unmeasured {}: no latency measured\n", n, round.ticks,
              round.missed, round.unmeasured);
        return;
    }
    print("apic-timer: round {}: ticks {} missed {} min_ns {} avg_ns {} max_ns {} p50_ns {} p99_ns {} p999_ns {} "
          "unmeasured {}\n",
          n, round.ticks, round.missed, round.min_ns, avg, round.max_ns, quantile(stored, 500), quantile(stored, 990),
          quantile(stored, 999), round.unmeasured);
    print("apic-timer: round {} latency histogram ({} ticks, {} mode, {} Hz):\n", n, round.measured,
          apic::timer_mode_name(mode), 1000000000 / time::tsc_to_ns(period_tsc));
    uint64_t lower = 0;
    for (unsigned b = 0; b < num_buckets; ++b) {
        uint64_t count = round.buckets[b];
        if (count != 0) {
            // A bar of up to 40 '#', relative to the round's tick count.
            char bar[41];
            unsigned len = static_cast<unsigned>((count * 40 + round.measured - 1) / round.measured);
            for (unsigned i = 0; i < len; ++i)
                bar[i] = '#';
            bar[len] = '\0';
            Field from = right(frac(lower, 1000, 1), 7);
            if (b < num_buckets - 1)
                print("apic-timer:   {} .. {} us {} {}\n", from, right(frac(bucket_limit_ns[b], 1000, 1), 7),
                      dec(count, 6), bar);
            else
                print("apic-timer:   {} ..     max us {} {}\n", from, dec(count, 6), bar);
        }
        if (b < num_buckets - 1)
            lower = bucket_limit_ns[b];
    }
    print("apic-timer: round {} latency min {} us, avg {} us, max {} us, median {} us, 99% {} us\n", n,
          frac(round.min_ns, 1000, 3), frac(avg, 1000, 3), frac(round.max_ns, 1000, 3),
          frac(quantile(stored, 500), 1000, 3), frac(quantile(stored, 990), 1000, 3));
}

}  // namespace

int inmate_main() {
    uint64_t hz = arg_u64("hz", 1000);
    ticks_per_round = arg_u64("ticks", 1000);
    uint64_t rounds = arg_u64("rounds", 1);
    bh::Str m;
    if (arg_value("mode", m)) {
        if (str_equal(m, "periodic"))
            mode = apic::TimerMode::periodic;
        else if (str_equal(m, "oneshot"))
            mode = apic::TimerMode::oneshot;
        else if (str_equal(m, "deadline"))
            mode = apic::TimerMode::deadline;
        else {
            print("apic-timer: unknown mode (periodic, oneshot, deadline)\n");
            return 2;
        }
    }
    bh::Str w;
    if (arg_value("wait", w)) {
        if (str_equal(w, "spin"))
            spin = true;
        else if (!str_equal(w, "hlt")) {
            print("apic-timer: unknown wait (hlt, spin)\n");
            return 2;
        }
    }
    if (apic::mode() == apic::Mode::off || apic::timer_khz() == 0) {
        print("apic-timer: no usable local APIC timer\n");
        return 1;
    }
    if (mode == apic::TimerMode::deadline && !apic::tsc_deadline_supported()) {
        print("apic-timer: this CPU has no TSC-deadline timer (CPUID.1:ECX[24])\n");
        return 1;
    }
    if (hz == 0 || hz > 100000 || ticks_per_round == 0) {
        print("apic-timer: bad hz or ticks\n");
        return 2;
    }

    uint64_t apic_khz = apic::timer_khz();
    uint64_t counts = apic_khz * 1000 / hz;
    if (counts == 0 || counts > 0xffffffffu) {
        print("apic-timer: {} Hz does not fit the timer ({} kHz)\n", hz, apic_khz);
        return 2;
    }
    period_counts = static_cast<uint32_t>(counts);
    period_tsc = time::tsc_khz() * 1000 / hz;
    tsc_per_count_num = time::tsc_khz();
    tsc_per_count_den = apic_khz;

    Field rounds_text = rounds == 0 ? left("forever", 0) : dec(rounds);
    print("apic-timer: {} LAPIC timer ({}), {} Hz = {} TSC ticks = {} APIC counts, {} ticks per round, rounds {}, "
          "waiting with {}\n",
          apic::timer_mode_name(mode), apic::mode_name(), hz, period_tsc, period_counts, ticks_per_round,
          rounds_text, spin ? "spin" : "hlt");

    for (uint64_t n = 1; rounds == 0 || n <= rounds; ++n) {
        run_round();
        print_round(n);
    }
    apic::timer_stop();
    print("apic-timer: done\n");
    return 0;
}
