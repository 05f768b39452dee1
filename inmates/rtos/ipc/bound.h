// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Worst-case round-trip delay of a request/reply over a mailbox channel
// between two sporadic-server VCPUs. The derivation, its assumptions and the
// closed forms are in Documentation/channel-bound.md; the names below follow
// it (Cs, Ts, N, δs, ...).
//
// All times are integers in one unit of the caller's choosing (pick one fine
// enough, e.g. nanoseconds); per-byte costs are exact ratios, rounded up per
// phase, so the bound never rounds in the optimistic direction. Overflow of
// any intermediate result is an error (range), never a wrapped number.
#pragma once

#include <stdint.h>

#include <bh/result.h>

namespace bh::ipc::bound {

// A VCPU: sporadic server with budget C every period T (0 < C <= T).
struct Server {
    uint64_t budget;
    uint64_t period;
};

// CPU time per byte as the ratio time / bytes (0.25 units per byte is
// {1, 4}); 0 < bytes <= max_byte_cost_denominator.
inline constexpr uint64_t max_byte_cost_denominator = uint64_t{1} << 32;
struct ByteCost {
    uint64_t time = 0;
    uint64_t bytes = 1;
};

// One request/reply exchange: τs sends N bytes to τr, which works K, then
// replies M bytes.
struct RoundTrip {
    Server sender;                 // (Cs, Ts) of τs's VCPU
    Server receiver;               // (Cr, Tr) of τr's VCPU
    uint64_t request_bytes = 0;    // N
    uint64_t reply_bytes = 0;      // M
    uint64_t work = 0;             // K: τr's CPU time between request and reply
    ByteCost sender_byte_cost;     // δs: τs's CPU per byte it writes or reads
    ByteCost receiver_byte_cost;   // δr: τr's CPU per byte it reads or writes
    uint32_t slot_size = 0;        // B
    uint64_t sender_slot_cost = 0;    // σs: τs's fixed CPU per slot it moves
    uint64_t receiver_slot_cost = 0;  // σr: τr's fixed CPU per slot it moves
    // λs, λr: longest time from the peer's publish (or consume) until the
    // waiting thread is ready again: the poll interval of a periodic poller,
    // the doorbell latency, or 0 for a busy poller (its poll loop is in σ).
    uint64_t sender_wakeup = 0;
    uint64_t receiver_wakeup = 0;
};

struct RoundTripBound {
    uint64_t request_slots = 0;    // ns = max(1, ceil(N / B))
    uint64_t reply_slots = 0;      // nr = max(1, ceil(M / B))
    uint64_t sender_phases = 0;    // ns + nr
    uint64_t receiver_phases = 0;  // ns + nr - 1
    uint64_t handoffs = 0;         // hand-offs in each direction: ns + nr - 1
    uint64_t sender_demand = 0;    // τs's CPU time over all its phases
    uint64_t receiver_demand = 0;  // τr's CPU time over all its phases
    uint64_t sender_budget_wait = 0;    // sum of ceil(e/Cs)(Ts - Cs) over phases
    uint64_t receiver_budget_wait = 0;  // sum of ceil(e/Cr)(Tr - Cr) over phases
    uint64_t wakeup = 0;           // handoffs * (λs + λr)
    uint64_t total = 0;            // Δwc
    bool single_slot() const { return request_slots == 1 && reply_slots == 1; }
};

// Worst-case time for a thread that is the highest-priority work of a
// sporadic-server VCPU to receive `demand` units of CPU, from any budget
// state: demand + ceil(demand / C) * (T - C). inval for a bad server, range
// on overflow.
Result<uint64_t> response_time(Server server, uint64_t demand);

// ceil(bytes * cost.time / cost.bytes).
Result<uint64_t> byte_demand(ByteCost cost, uint64_t bytes);

// Δwc for both cases: N, M <= B (one slot each way) and multi-slot messages.
Result<RoundTripBound> round_trip_bound(const RoundTrip& round_trip);

}  // namespace bh::ipc::bound
