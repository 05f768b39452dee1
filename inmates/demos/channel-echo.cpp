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
// doorbell (sleep on the doorbell instead of polling: the endpoint asks the
// root to ring whenever it waits, and its waits get a 60 s deadline, so that
// an echo only completes in time if the rings arrive), ping=N (be side 0
// instead, of a channel to another cell: format the region, send N
// transactions of 1 B .. 1 MiB, check each echo byte for byte, then send
// "stop").
#include <bh/kconfig.h>
#include <bulkhead/hypercall.h>
#include <inmate/inmate.h>
#include <inmate/time.h>
#include <ipc/mailbox.h>

using namespace inmate;

namespace {

class TscClock final : public bh::ipc::Clock {
public:
    uint64_t now() override { return time::now(); }
};

TscClock tsc_clock;
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
    uint64_t seen = 0;
    uint64_t deadline_wakeups = 0;
    void ring_peer() override { (void)hypercall(BH_HC_CHANNEL_NOTIFY, channel, 0); }
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
        auto sent = ep.send({outgoing, n}, patience);
        if (!sent.ok())
            panic("channel-echo: ping {}: send of {} bytes: {}", i, n, bh::errc_name(sent.error()));
        auto got = ep.receive({buffer, sizeof(buffer)}, patience);
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

}  // namespace

int inmate_main() {
    uint32_t id = static_cast<uint32_t>(arg_u64("id", 1));
    uint64_t at = arg_u64("at", 0x2000000);
    uint64_t size = arg_u64("size", 0x100000);
    uint32_t slot = static_cast<uint32_t>(arg_u64("slot", 4096));
    uint64_t vector = arg_u64("vector", 0x40);
    uint64_t stall = arg_u64("stall", 0);
    bool sleep_on_doorbell = arg_flag("doorbell") && vector != 0 && env().in_cell;
    if (slot == 0)
        slot = bh::kconfig::mailbox_slot_size;
    uint32_t slots = 0;
    if (bh_channel_geometry(size, slot, &slots) != 0)
        panic("channel-echo: no mailbox geometry for size {} slot {}", bh::hex(size), slot);

    if (vector != 0 && env().in_cell) {
        irq_set_handler(static_cast<uint8_t>(vector), on_doorbell);
        long r = hypercall(BH_HC_CHANNEL_SET_VECTOR, id, vector);
        if (r != 0)
            panic("channel-echo: SET_VECTOR {} for channel {}: {}", vector, id, r);
        irq_enable();
    }
    // Bad arguments are refused, never fatal (what every cell may try).
    long bad_vector = hypercall(BH_HC_CHANNEL_SET_VECTOR, id, 7);
    long bad_id = hypercall(BH_HC_CHANNEL_PEER_STATE, 0xdead, 0);
    long peer = hypercall(BH_HC_CHANNEL_PEER_STATE, id, 0);
    print("channel-echo: channel {} at {} (+{}), {} slots of {} bytes; peer state {}; "
          "bad vector -> {}, bad id -> {}\n",
          id, bh::hex(at), bh::hex(size), slots, slot, peer, bad_vector, bad_id);

    bh::ipc::EndpointOptions options;
    options.slot_size = slot;
    options.slot_count = slots;
    if (sleep_on_doorbell) {
        halt_doorbell.channel = id;
        halt_doorbell.seen = doorbells;
        options.doorbell = &halt_doorbell;
    }
    bh::ipc::MutableBytes region{reinterpret_cast<uint8_t*>(at), static_cast<size_t>(size)};
    // Waiting on the doorbell, a wait ends early only if the peer rings.
    const uint64_t patience = time::ns_to_tsc(sleep_on_doorbell ? 60000000000ull : 1000000000ull);
    if (uint64_t pings = arg_u64("ping", 0); pings != 0)
        return ping(region, options, pings, patience);

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
        auto got = ep.receive({buffer, sizeof(buffer)}, patience);
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
        uint64_t rings = doorbells;
        print("channel-echo: echoed {} bytes (transaction {}, doorbells {})\n", *got, count, rings);
    }
}
