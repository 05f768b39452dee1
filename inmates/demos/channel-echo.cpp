// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// channel-echo: side 1 of one channel (Documentation/channels.md). Receives
// transactions and sends each one back unchanged, until a transaction is
// exactly "stop". Uses the portable mailbox (inmates/rtos/ipc), polling by
// default; it registers a doorbell vector either way and counts the root's
// rings (the root rings after every transaction it sends, and for every
// slot while this side asks for it).
//
// Arguments (defaults match cells/channel-echo): id=1 (channel id),
// at=0x2000000 (guest-physical start of the region), size=0x100000,
// slot=4096 (the config's slot_size, 0 = the build's default),
// vector=0x40 (0: no doorbell), stall=N (tests: stop for good after N
// bytes of an echo, in the middle of the transaction, as a hung peer would),
// stall-rx=N (tests: the same on the receiving side: take a transaction
// larger than N slot by slot and stop for good once N bytes of it are in),
// doorbell (sleep on the doorbell instead of polling: the endpoint asks the
// root to ring whenever it waits, and its waits get a 60 s deadline, so that
// an echo only completes in time if the rings arrive), ping=N (be side 0
// instead, of a channel to another cell: format the region, send N
// transactions of 1 B .. 1 MiB, check each echo byte for byte, then send
// "stop"; with watch, every wait is cut into 1 ms slices between which
// it asks the hypervisor for the peer's state (BH_HC_CHANNEL_PEER_STATE):
// a peer gone or failed ends the wait with an error long before its
// timeout, and ping then stays alive printing a heartbeat a second;
// timeout=MS overrides the waits' timeout), bench=N (side 0 of a channel to
// another cell, polling: calibrate
// the per-slot and per-byte costs and the poll iteration on a loopback
// channel in this cell's own memory, then time N round trips of 64 B and N
// of 8 KiB against a peer that echoes, print the figures, send "stop";
// Documentation/channel-bound.md section 11), quiet (side 1: no line per
// echo, for bench), pci (find the channel as an OS would, on its virtual
// PCI device: region from BAR0, id and slot size from the device, doorbell
// vector through the device's MSI, rings and the peer's state through its
// registers, no channel hypercalls; `id` picks among several devices).
#include <bh/kconfig.h>
#include <bulkhead/channel-device.h>
#include <bulkhead/hypercall.h>
#include <inmate/apic.h>
#include <inmate/inmate.h>
#include <inmate/pci.h>
#include <inmate/time.h>
#include <ipc/mailbox.h>

using namespace inmate;

namespace {

class TscClock final : public bh::ipc::Clock {
public:
    uint64_t now() override { return time::now(); }
};

TscClock tsc_clock;

// The device of channel `id`; its region, size and slot size.
uint16_t find_channel_device(uint32_t id, uint64_t& at, uint64_t& size, uint32_t& slot) {
    uint16_t dev = pci::none;
    for (uint16_t from = 0; (dev = pci::find(BH_CHANNEL_DEVICE_VENDOR_ID, BH_CHANNEL_DEVICE_DEVICE_ID, from)) != pci::none;
         from = static_cast<uint16_t>(dev + 1))
        if (pci::read32(dev, BH_CHANNEL_DEVICE_CHANNEL_ID) == id)
            break;
    if (dev == pci::none)
        return dev;
    if (!pci::memory_bar(dev, 0, at, size))
        return pci::none;
    slot = pci::read32(dev, BH_CHANNEL_DEVICE_SLOT_SIZE);
    print("channel-echo: channel {} is PCI device {} ({}:{}) of cell {}: BAR0 {} (+{}), peer cell {}\n", id,
          pci::bdf_text(dev), hex_pad(BH_CHANNEL_DEVICE_VENDOR_ID, 4), hex_pad(BH_CHANNEL_DEVICE_DEVICE_ID, 4),
          pci::read32(dev, BH_CHANNEL_DEVICE_CELL_ID), bh::hex(at), bh::hex(size),
          static_cast<int32_t>(pci::read32(dev, BH_CHANNEL_DEVICE_PEER_ID)));
    return dev;
}
volatile uint64_t doorbells;
// One transaction of the largest size the root's device sends.
alignas(64) uint8_t buffer[BH_CHANNEL_MAX_TRANSACTION];
alignas(64) uint8_t outgoing[BH_CHANNEL_MAX_TRANSACTION];  // ping mode

void on_doorbell(Frame&) { doorbells = doorbells + 1; }

// Sleeps (HLT) until the doorbell interrupt or the deadline; a ring since
// the previous wait returned ends the next wait at once (the latch the
// endpoint relies on). Rings the peer with BH_HC_CHANNEL_NOTIFY.
class HaltDoorbell final : public bh::ipc::Doorbell {
public:
    uint32_t channel = 0;
    uint16_t device = pci::none;  // the channel's PCI device, if rings go there
    uint64_t seen = 0;
    uint64_t deadline_wakeups = 0;
    void ring_peer() override {
        if (device != pci::none)
            pci::write32(device, BH_CHANNEL_DEVICE_DOORBELL, 1);
        else
            (void)hypercall(BH_HC_CHANNEL_NOTIFY, channel, 0);
    }
    void wait(uint64_t deadline) override {
        time::sleep_until_changed(deadline, doorbells, seen);
        uint64_t now_seen = doorbells;
        if (now_seen == seen)
            ++deadline_wakeups;
        seen = now_seen;
    }
};

HaltDoorbell halt_doorbell;

bool is_stop(uint32_t size) {
    return size == 4 && buffer[0] == 's' && buffer[1] == 't' && buffer[2] == 'o' && buffer[3] == 'p';
}

// ping's waits with watch: the endpoint's send and receive keep their
// progress when they time out, so a long wait can be cut into slices, and
// the peer's state asked between them. A peer that is gone (destroyed) or
// failed will never answer: the wait ends then, not at its timeout.
struct PeerWatch {
    uint32_t channel = 0;
    bool enabled = false;
    long dead_state = 0;  // the state that ended a wait

    bool peer_dead() {
        long state = hypercall(BH_HC_CHANNEL_PEER_STATE, channel, 0);
        if (state == BH_CELL_STATE_GONE || state == BH_CELL_STATE_FAILED || state < 0) {
            dead_state = state;
            return true;
        }
        return false;
    }

    // Runs step(slice) until it stops timing out, the peer dies (ok
    // false, dead_state set) or timeout ticks have passed.
    template <typename Step>
    auto run(uint64_t timeout, Step&& step) -> decltype(step(timeout)) {
        if (!enabled)
            return step(timeout);
        const uint64_t slice = time::ns_to_tsc(1000000);
        const uint64_t deadline = time::now() + timeout;
        for (;;) {
            uint64_t now = time::now();
            uint64_t left = now < deadline ? deadline - now : 0;
            auto result = step(left < slice ? left : slice);
            if (result.ok() || result.error() != bh::Errc::timedout || left <= slice)
                return result;
            if (peer_dead())
                return result;  // timedout, with dead_state telling why
        }
    }
};

PeerWatch watch;

// After the peer's death ends a wait: say how long it waited of what, then
// show that this cell runs on, until it is destroyed.
[[noreturn]] void peer_gone(uint64_t i, const char* what, uint32_t n, uint64_t waited, uint64_t timeout) {
    print("channel-echo: ping {}: {} of {} bytes: peer gone (state {}) after {} ms of its {} ms timeout\n", i,
          what, n, watch.dead_state, time::tsc_to_ns(waited) / 1000000, time::tsc_to_ns(timeout) / 1000000);
    for (uint64_t beat = 1;; ++beat) {
        time::sleep_ns(1000000000);
        print("channel-echo: ping: alive after the peer's death, heartbeat {}\n", beat);
    }
}

// Side 0 of a channel between two cells: this side formats it (before the
// peer starts), then sends and checks.
int ping(bh::ipc::MutableBytes region, const bh::ipc::EndpointOptions& options, uint64_t count,
         uint64_t patience) {
    auto formatted = bh::ipc::format_channel(region, {options.slot_size, options.slot_count});
    if (!formatted.ok())
        panic("channel-echo: ping: format: {}", bh::errc_name(formatted.error()));
    auto opened = bh::ipc::Endpoint::open(region, bh::ipc::Side::zero, tsc_clock, options);
    if (!opened.ok())
        panic("channel-echo: ping: open: {}", bh::errc_name(opened.error()));
    bh::ipc::Endpoint& ep = *opened;
    print("channel-echo: ping: ready\n");
    static constexpr uint32_t sizes[] = {1, 100, 4096, 4097, 65536, BH_CHANNEL_MAX_TRANSACTION};
    for (uint64_t i = 0; i < count; ++i) {
        uint32_t n = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
        for (uint32_t k = 0; k < n; ++k)
            outgoing[k] = static_cast<uint8_t>(i * 31 + k * 7 + (k >> 11));
        uint64_t t0 = time::now();
        auto sent = watch.run(patience, [&](uint64_t t) { return ep.send({outgoing, n}, t); });
        if (!sent.ok() && watch.dead_state != 0)
            peer_gone(i, "send", n, time::now() - t0, patience);
        if (!sent.ok())
            panic("channel-echo: ping {}: send of {} bytes: {}", i, n, bh::errc_name(sent.error()));
        t0 = time::now();
        auto got = watch.run(patience, [&](uint64_t t) { return ep.receive({buffer, sizeof(buffer)}, t); });
        if (!got.ok() && watch.dead_state != 0)
            peer_gone(i, "receive", n, time::now() - t0, patience);
        if (!got.ok())
            panic("channel-echo: ping {}: receive: {}", i, bh::errc_name(got.error()));
        if (*got != n || memcmp(buffer, outgoing, n) != 0)
            panic("channel-echo: ping {}: echo of {} bytes differs ({} bytes back)", i, n, *got);
    }
    uint64_t rings = doorbells;
    print("channel-echo: ping: {} round trips ok, {} doorbells, {} waits ended by their deadline\n", count, rings,
          halt_doorbell.deadline_wakeups);
    static const uint8_t stop[] = {'s', 't', 'o', 'p'};
    auto sent = ep.send({stop, sizeof(stop)}, patience);
    if (!sent.ok())
        panic("channel-echo: ping: send stop: {}", bh::errc_name(sent.error()));
    return 0;
}

// --- bench mode -------------------------------------------------------------

uint64_t ns_of(uint64_t ticks) { return time::tsc_to_ns(ticks); }

// "12.345" (microseconds, three decimals) of a duration in ns.
struct Micros {
    char text[32];
    explicit Micros(uint64_t ns) {
        char digits[24];
        int n = 0;
        uint64_t whole = ns / 1000;
        do {
            digits[n++] = static_cast<char>('0' + whole % 10);
            whole /= 10;
        } while (whole != 0);
        int at = 0;
        while (n > 0)
            text[at++] = digits[--n];
        uint64_t frac = ns % 1000;
        text[at++] = '.';
        text[at++] = static_cast<char>('0' + frac / 100);
        text[at++] = static_cast<char>('0' + frac / 10 % 10);
        text[at++] = static_cast<char>('0' + frac % 10);
        text[at] = 0;
    }
};

void sort(uint64_t* v, uint64_t n) {  // heap sort, ascending
    auto sift = [v](uint64_t root, uint64_t end) {
        for (;;) {
            uint64_t child = 2 * root + 1;
            if (child >= end)
                return;
            if (child + 1 < end && v[child + 1] > v[child])
                ++child;
            if (v[root] >= v[child])
                return;
            uint64_t t = v[root];
            v[root] = v[child];
            v[child] = t;
            root = child;
        }
    };
    for (uint64_t i = n / 2; i-- > 0;)
        sift(i, n);
    for (uint64_t end = n; end-- > 1;) {
        uint64_t t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift(0, end);
    }
}

constexpr uint64_t max_bench = 10000;
uint64_t samples[max_bench];
// The loopback channel of the calibration: one slot of 4 KiB, in this cell.
alignas(4096) uint8_t loopback[64 * 1024];

template <typename F>
uint64_t timed(F&& f) {
    uint64_t t0 = time::now();
    f();
    return time::now() - t0;
}

// Costs in ns, each the maximum over the calibration's repetitions.
struct Calibration {
    uint64_t small = 0;   // one slot of 1 byte: publish (send) or consume (receive)
    uint64_t full = 0;    // one full slot of B bytes, either way
    uint64_t poll = 0;    // one poll iteration that finds nothing
    uint64_t poll_median = 0;
};

// Times, on a channel both of whose ends are in this cell (formatted with
// one slot, as the bound assumes), each single-slot step of a request/reply:
// side 0 publishes, side 1 consumes, side 1 publishes, side 0 consumes,
// for 1-byte and full slots; and the empty poll iteration of a waiting
// receiver (a try that finds nothing, the clock read of its deadline check,
// PAUSE). No peer runs on this region, so these are CPU costs only.
Calibration calibrate(uint32_t slot, uint64_t reps) {
    bh::ipc::MutableBytes region{loopback, sizeof(loopback)};
    auto formatted = bh::ipc::format_channel(region, {slot, 1});
    if (!formatted.ok())
        panic("channel-echo: bench: loopback format: {}", bh::errc_name(formatted.error()));
    bh::ipc::EndpointOptions options;
    options.slot_size = slot;
    options.slot_count = 1;
    auto a = bh::ipc::Endpoint::open(region, bh::ipc::Side::zero, tsc_clock, options);
    auto b = bh::ipc::Endpoint::open(region, bh::ipc::Side::one, tsc_clock, options);
    if (!a.ok() || !b.ok())
        panic("channel-echo: bench: loopback open");
    Calibration cal;
    auto step = [&](auto&& result) {
        if (!result.ok())
            panic("channel-echo: bench: loopback step: {}", bh::errc_name(result.error()));
    };
    for (uint64_t r = 0; r < reps; ++r) {
        for (uint32_t n : {1u, slot}) {
            uint64_t& worst = n == 1 ? cal.small : cal.full;
            for (uint32_t k = 0; k < n; ++k)
                outgoing[k] = static_cast<uint8_t>(r + k);
            uint64_t t;
            t = timed([&] { step((*a).try_send_slot({outgoing, n})); });
            worst = t > worst ? t : worst;
            t = timed([&] { step((*b).try_receive_slot({buffer, n})); });
            worst = t > worst ? t : worst;
            t = timed([&] { step((*b).try_send_slot({buffer, n})); });
            worst = t > worst ? t : worst;
            t = timed([&] { step((*a).try_receive_slot({buffer, n})); });
            worst = t > worst ? t : worst;
            if (memcmp(buffer, outgoing, n) != 0)
                panic("channel-echo: bench: loopback echo differs");
        }
        uint64_t t = timed([&] {
            auto none = (*a).try_receive_slot({buffer, slot});
            if (none.ok() || none.error() != bh::Errc::again)
                panic("channel-echo: bench: empty poll found something");
            (void)tsc_clock.now();
            __builtin_ia32_pause();
        });
        cal.poll = t > cal.poll ? t : cal.poll;
        if (r < max_bench)
            samples[r] = t;
    }
    uint64_t n = reps < max_bench ? reps : max_bench;
    sort(samples, n);
    cal.poll_median = ns_of(samples[n / 2]);
    cal.small = ns_of(cal.small);
    cal.full = ns_of(cal.full);
    cal.poll = ns_of(cal.poll);
    return cal;
}

// Side 0 of a channel to a cell that echoes (channel-echo quiet): the
// calibration, then count round trips of n bytes each way, timed one by one.
void bench_size(bh::ipc::Endpoint& ep, uint32_t n, uint64_t count, uint64_t patience) {
    for (uint64_t i = 0; i < count; ++i) {
        uint8_t tag = static_cast<uint8_t>(i * 13 + n);
        outgoing[0] = tag;
        outgoing[n - 1] = static_cast<uint8_t>(tag ^ 0x5a);
        uint64_t t0 = time::now();
        auto sent = ep.send({outgoing, n}, patience);
        if (!sent.ok())
            panic("channel-echo: bench {}: send of {} bytes: {}", i, n, bh::errc_name(sent.error()));
        auto got = ep.receive({buffer, sizeof(buffer)}, patience);
        uint64_t t1 = time::now();
        if (!got.ok())
            panic("channel-echo: bench {}: receive: {}", i, bh::errc_name(got.error()));
        if (*got != n || buffer[0] != outgoing[0] || buffer[n - 1] != outgoing[n - 1])
            panic("channel-echo: bench {}: echo of {} bytes differs ({} bytes back)", i, n, *got);
        samples[i] = t1 - t0;
    }
    for (uint64_t i = 0; i < count; ++i)
        samples[i] = ns_of(samples[i]);
    sort(samples, count);
    uint64_t p99 = samples[(count * 99 + 99) / 100 - 1];
    print("channel-bound: N=M={} B={}: {} round trips: min {} us, median {} us, p99 {} us, max {} us "
          "(max_ns={})\n",
          n, ep.geometry().slot_size, count, Micros(samples[0]).text, Micros(samples[count / 2]).text,
          Micros(p99).text, Micros(samples[count - 1]).text, samples[count - 1]);
}

int bench(bh::ipc::MutableBytes region, const bh::ipc::EndpointOptions& options, uint64_t count,
          uint64_t patience) {
    if (count > max_bench)
        count = max_bench;
    const uint32_t slot = options.slot_size;
    // Calibration first, before the peer starts: nothing else runs then.
    // Warm-up (TCG translates each path once), then the measured run.
    (void)calibrate(slot, 50);
    constexpr uint64_t reps = 2000;
    Calibration cal = calibrate(slot, reps);
    print("channel-bound: calibration ({} repetitions, max, ns): slot of 1 B {}, slot of {} B {}, "
          "empty poll {} (median {}); tsc {} kHz\n",
          reps, cal.small, slot, cal.full, cal.poll, cal.poll_median, time::tsc_khz());
    // The bound's parameters, with a margin of 1/4 on each: sigma per slot
    // covers the 1-byte step and the poll iteration that found the slot;
    // delta per byte is the whole full-slot step divided by B (so sigma is
    // counted twice for a full slot: pessimistic); lambda, the hand-off of
    // a polling receiver, is one empty poll iteration.
    uint64_t sigma = (cal.small + cal.poll) * 5 / 4;
    uint64_t delta_num = cal.full * 5 / 4;
    uint64_t lambda = cal.poll * 5 / 4;
    print("channel-bound: parameters (ns, margin 1/4): sigma={} delta={}/{} lambda={} K=0\n", sigma,
          delta_num, slot, lambda);

    auto formatted = bh::ipc::format_channel(region, {options.slot_size, options.slot_count});
    if (!formatted.ok())
        panic("channel-echo: bench: format: {}", bh::errc_name(formatted.error()));
    auto opened = bh::ipc::Endpoint::open(region, bh::ipc::Side::zero, tsc_clock, options);
    if (!opened.ok())
        panic("channel-echo: bench: open: {}", bh::errc_name(opened.error()));
    bh::ipc::Endpoint& ep = *opened;
    print("channel-echo: ping: ready\n");
    // Untimed warm-up: the first round trip waits for the peer to start;
    // then 100 ms of round trips while the root, which started it, goes
    // back to sleep (under -icount the root's instructions would count in
    // the cells' time).
    uint64_t warm_end = 0;
    uint64_t warm = 0;
    for (; warm < 100 || time::now() < warm_end; ++warm) {
        if (warm == 1)
            warm_end = time::now() + time::ns_to_tsc(100000000);
        auto sent = ep.send({outgoing, 64}, patience);
        auto got = sent.ok() ? ep.receive({buffer, sizeof(buffer)}, patience) : bh::Result<uint32_t>(sent.error());
        if (!got.ok())
            panic("channel-echo: bench: warm-up {}: {}", warm, bh::errc_name(got.error()));
    }
    print("channel-bound: warm-up: {} round trips\n", warm);
    bench_size(ep, 64, count, patience);
    bench_size(ep, 8192, count, patience);
    static const uint8_t stop[] = {'s', 't', 'o', 'p'};
    auto sent = ep.send({stop, sizeof(stop)}, patience);
    if (!sent.ok())
        panic("channel-echo: bench: send stop: {}", bh::errc_name(sent.error()));
    print("channel-bound: done\n");
    return 0;
}

// stall-rx=N: receive slot by slot; a transaction larger than N is left
// half-received once N bytes of it are in, and this side hangs there (its
// peer's send is then stuck in the middle of the transaction).
bh::Result<uint32_t> receive_or_stall(bh::ipc::Endpoint& ep, uint64_t stall_rx) {
    for (;;) {
        auto step = ep.try_receive_slot({buffer, sizeof(buffer)});
        if (!step.ok()) {
            if (step.error() != bh::Errc::again)
                return step.error();
            continue;
        }
        if (step->progress == bh::ipc::SlotProgress::complete)
            return step->transaction_size;
        if (step->transaction_size > stall_rx && step->received >= stall_rx) {
            print("channel-echo: stalling after receiving {} of {} bytes\n", step->received, step->transaction_size);
            for (;;)
                time::sleep_ns(1000000000);
        }
    }
}

}  // namespace

int inmate_main() {
    uint32_t id = static_cast<uint32_t>(arg_u64("id", 1));
    uint64_t at = arg_u64("at", 0x2000000);
    uint64_t size = arg_u64("size", 0x100000);
    uint32_t slot = static_cast<uint32_t>(arg_u64("slot", 4096));
    uint64_t vector = arg_u64("vector", 0x40);
    uint64_t stall = arg_u64("stall", 0);
    bool sleep_on_doorbell = arg_flag("doorbell") && vector != 0 && env().in_cell;
    uint16_t device = pci::none;
    if (arg_flag("pci")) {
        device = find_channel_device(id, at, size, slot);
        if (device == pci::none)
            panic("channel-echo: no PCI device for channel {}", id);
    }
    if (slot == 0)
        slot = bh::kconfig::mailbox_slot_size;
    uint32_t slots = 0;
    if (bh_channel_geometry(size, slot, &slots) != 0)
        panic("channel-echo: no mailbox geometry for size {} slot {}", bh::hex(size), slot);

    if (vector != 0 && env().in_cell) {
        irq_set_handler(static_cast<uint8_t>(vector), on_doorbell);
        if (device != pci::none) {
            uint8_t msi = pci::find_capability(device, pci::cap_msi);
            if (msi == 0)
                panic("channel-echo: the channel device has no MSI capability");
            pci::enable_msi(device, msi, apic::id(), static_cast<uint8_t>(vector));
        } else if (long r = hypercall(BH_HC_CHANNEL_SET_VECTOR, id, vector); r != 0) {
            panic("channel-echo: SET_VECTOR {} for channel {}: {}", vector, id, r);
        }
        irq_enable();
    }
    if (device != pci::none) {
        print("channel-echo: channel {} at {} (+{}), {} slots of {} bytes; peer state {} (from the device)\n", id,
              bh::hex(at), bh::hex(size), slots, slot, pci::read32(device, BH_CHANNEL_DEVICE_PEER_STATE));
    } else {
        // Bad arguments are refused, never fatal (what every cell may try).
        long bad_vector = hypercall(BH_HC_CHANNEL_SET_VECTOR, id, 7);
        long bad_id = hypercall(BH_HC_CHANNEL_PEER_STATE, 0xdead, 0);
        long peer = hypercall(BH_HC_CHANNEL_PEER_STATE, id, 0);
        print("channel-echo: channel {} at {} (+{}), {} slots of {} bytes; peer state {}; "
              "bad vector -> {}, bad id -> {}\n",
              id, bh::hex(at), bh::hex(size), slots, slot, peer, bad_vector, bad_id);
    }

    bh::ipc::EndpointOptions options;
    options.slot_size = slot;
    options.slot_count = slots;
    if (sleep_on_doorbell) {
        halt_doorbell.channel = id;
        halt_doorbell.device = device;
        halt_doorbell.seen = doorbells;
        options.doorbell = &halt_doorbell;
    }
    bh::ipc::MutableBytes region{reinterpret_cast<uint8_t*>(at), static_cast<size_t>(size)};
    // Waiting on the doorbell, a wait ends early only if the peer rings.
    const uint64_t patience = time::ns_to_tsc(sleep_on_doorbell ? 60000000000ull : 1000000000ull);
    if (uint64_t pings = arg_u64("ping", 0); pings != 0) {
        watch.channel = id;
        watch.enabled = arg_flag("watch");
        uint64_t timeout_ms = arg_u64("timeout", 0);
        return ping(region, options, pings, timeout_ms != 0 ? time::ns_to_tsc(timeout_ms * 1000000) : patience);
    }
    if (uint64_t rounds = arg_u64("bench", 0); rounds != 0) {
        if (sleep_on_doorbell)
            panic("channel-echo: bench polls; drop 'doorbell'");
        return bench(region, options, rounds, 10 * patience);
    }
    const bool quiet = arg_flag("quiet");
    const uint64_t stall_rx = arg_u64("stall-rx", 0);

    // The root formatted the region when it created this cell; a peer cell
    // formats it when it starts (again: not yet, for up to 10 s).
    for (int tries = 0; tries < 1000; ++tries) {
        auto probe = bh::ipc::Endpoint::open(region, bh::ipc::Side::one, tsc_clock, options);
        if (probe.ok() || probe.error() != bh::Errc::again)
            break;
        time::sleep_ns(10000000);
    }
    auto opened = bh::ipc::Endpoint::open(region, bh::ipc::Side::one, tsc_clock, options);
    if (!opened.ok())
        panic("channel-echo: open: {}", bh::errc_name(opened.error()));
    bh::ipc::Endpoint& ep = *opened;
    print("channel-echo: ready ({})\n", sleep_on_doorbell ? "sleeps on the doorbell" : "polls");
    uint64_t count = 0;
    for (;;) {
        auto got = stall_rx != 0 ? receive_or_stall(ep, stall_rx) : ep.receive({buffer, sizeof(buffer)}, patience);
        if (!got.ok()) {
            if (got.error() == bh::Errc::timedout)
                continue;
            panic("channel-echo: receive: {}", bh::errc_name(got.error()));
        }
        if (is_stop(*got)) {
            uint64_t rings = doorbells;
            print("channel-echo: stop after {} transactions, {} doorbells, {} waits ended by their deadline\n",
                  count, rings, halt_doorbell.deadline_wakeups);
            return 0;
        }
        if (stall != 0 && *got > stall) {
            // Publish slots up to `stall` bytes, then hang mid-transaction.
            uint64_t slots_out = 0;
            while (slots_out * slot < stall) {
                auto step = ep.try_send_slot({buffer, *got});
                if (step.ok())
                    ++slots_out;
                else if (step.error() != bh::Errc::again)
                    panic("channel-echo: send slot: {}", bh::errc_name(step.error()));
            }
            print("channel-echo: stalling after {} of {} bytes\n", slots_out * slot, *got);
            for (;;)
                time::sleep_ns(1000000000);
        }
        auto sent = ep.send({buffer, *got}, sleep_on_doorbell ? patience : 10 * patience);
        if (!sent.ok())
            panic("channel-echo: send of {} bytes: {}", *got, bh::errc_name(sent.error()));
        ++count;
        if (quiet)
            continue;
        uint64_t rings = doorbells;
        print("channel-echo: echoed {} bytes (transaction {}, doorbells {})\n", *got, count, rings);
    }
}
