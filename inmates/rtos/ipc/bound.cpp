// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Δwc of a mailbox round trip; Documentation/channel-bound.md derives it.
#include "bound.h"

namespace bh::ipc::bound {

namespace {

Result<uint64_t> checked_add(uint64_t a, uint64_t b) {
    uint64_t sum;
    if (__builtin_add_overflow(a, b, &sum))
        return Errc::range;
    return sum;
}

Result<uint64_t> checked_mul(uint64_t a, uint64_t b) {
    uint64_t product;
    if (__builtin_mul_overflow(a, b, &product))
        return Errc::range;
    return product;
}

Result<void> check_server(Server server) {
    if (server.budget == 0 || server.budget > server.period)
        return Errc::inval;
    return success();
}

// The phases of one thread: `count` phases of `demand` each, every one
// starting from the worst budget state (section 4 of the derivation).
class PhaseTotals {
public:
    explicit PhaseTotals(Server server) : server_(server) {}

    Result<void> add(uint64_t count, uint64_t demand) {
        if (count == 0)
            return success();
        const uint64_t response = BH_TRY(response_time(server_, demand));
        demand_ = BH_TRY(checked_add(demand_, BH_TRY(checked_mul(count, demand))));
        budget_wait_ =
            BH_TRY(checked_add(budget_wait_, BH_TRY(checked_mul(count, response - demand))));
        phases_ += count;
        return success();
    }

    uint64_t demand() const { return demand_; }
    uint64_t budget_wait() const { return budget_wait_; }
    uint64_t phases() const { return phases_; }

private:
    Server server_;
    uint64_t demand_ = 0;
    uint64_t budget_wait_ = 0;
    uint64_t phases_ = 0;
};

// CPU a thread spends on one slot of `bytes`: its fixed cost plus the bytes.
Result<uint64_t> slot_demand(uint64_t slot_cost, ByteCost byte_cost, uint64_t bytes) {
    return checked_add(slot_cost, BH_TRY(byte_demand(byte_cost, bytes)));
}

uint64_t slots_for(uint64_t bytes, uint64_t slot_size) {
    return bytes == 0 ? 1 : (bytes - 1) / slot_size + 1;
}

}  // namespace

Result<uint64_t> response_time(Server server, uint64_t demand) {
    BH_TRY(check_server(server));
    if (demand == 0)
        return uint64_t{0};
    const uint64_t periods = (demand - 1) / server.budget + 1;
    return checked_add(demand, BH_TRY(checked_mul(periods, server.period - server.budget)));
}

Result<uint64_t> byte_demand(ByteCost cost, uint64_t bytes) {
    if (cost.bytes == 0 || cost.bytes > max_byte_cost_denominator)
        return Errc::inval;
    // ceil(bytes * time / d) without 128-bit division (which would need
    // libgcc in the freestanding build): with bytes = qb*d + rb and
    // time = qt*d + rt, the product over d is qb*qt*d + qb*rt + rb*qt + rb*rt/d,
    // and rb*rt < d*d fits in 64 bits because d <= 2^32.
    const uint64_t d = cost.bytes;
    const uint64_t qb = bytes / d, rb = bytes % d;
    const uint64_t qt = cost.time / d, rt = cost.time % d;
    uint64_t demand = BH_TRY(checked_mul(BH_TRY(checked_mul(qb, qt)), d));
    demand = BH_TRY(checked_add(demand, BH_TRY(checked_mul(qb, rt))));
    demand = BH_TRY(checked_add(demand, BH_TRY(checked_mul(rb, qt))));
    const uint64_t fraction = rb * rt;
    return checked_add(demand, fraction / d + (fraction % d != 0 ? 1 : 0));
}

Result<RoundTripBound> round_trip_bound(const RoundTrip& trip) {
    BH_TRY(check_server(trip.sender));
    BH_TRY(check_server(trip.receiver));
    if (trip.slot_size == 0 || trip.sender_byte_cost.bytes == 0 ||
        trip.receiver_byte_cost.bytes == 0)
        return Errc::inval;

    const uint64_t slot = trip.slot_size;
    RoundTripBound bound;
    bound.request_slots = slots_for(trip.request_bytes, slot);
    bound.reply_slots = slots_for(trip.reply_bytes, slot);
    const uint64_t ns = bound.request_slots;
    const uint64_t nr = bound.reply_slots;
    // Every slot but a message's last is full (the protocol enforces it).
    const uint64_t last_request = trip.request_bytes - (ns - 1) * slot;
    const uint64_t last_reply = trip.reply_bytes - (nr - 1) * slot;
    const uint64_t first_reply = nr == 1 ? last_reply : slot;

    const ByteCost ds = trip.sender_byte_cost;
    const ByteCost dr = trip.receiver_byte_cost;
    const uint64_t fs = trip.sender_slot_cost;
    const uint64_t fr = trip.receiver_slot_cost;

    // τs: writes ns request slots, then reads nr reply slots; each is a
    // phase of its own because τs waits for τr in between.
    PhaseTotals sender(trip.sender);
    BH_TRY(sender.add(ns - 1, BH_TRY(slot_demand(fs, ds, slot))));
    BH_TRY(sender.add(1, BH_TRY(slot_demand(fs, ds, last_request))));
    BH_TRY(sender.add(nr - 1, BH_TRY(slot_demand(fs, ds, slot))));
    BH_TRY(sender.add(1, BH_TRY(slot_demand(fs, ds, last_reply))));

    // τr: reads ns - 1 full request slots; then, without waiting, reads the
    // last one, works K and writes the first reply slot; then writes the
    // remaining nr - 1 reply slots, each after τs emptied the slot.
    PhaseTotals receiver(trip.receiver);
    BH_TRY(receiver.add(ns - 1, BH_TRY(slot_demand(fr, dr, slot))));
    uint64_t turnaround = BH_TRY(slot_demand(fr, dr, last_request));
    turnaround = BH_TRY(checked_add(turnaround, trip.work));
    turnaround = BH_TRY(checked_add(turnaround, BH_TRY(slot_demand(fr, dr, first_reply))));
    BH_TRY(receiver.add(1, turnaround));
    if (nr >= 2) {
        BH_TRY(receiver.add(nr - 2, BH_TRY(slot_demand(fr, dr, slot))));
        BH_TRY(receiver.add(1, BH_TRY(slot_demand(fr, dr, last_reply))));
    }

    bound.sender_phases = sender.phases();
    bound.receiver_phases = receiver.phases();
    bound.handoffs = ns + nr - 1;
    bound.sender_demand = sender.demand();
    bound.receiver_demand = receiver.demand();
    bound.sender_budget_wait = sender.budget_wait();
    bound.receiver_budget_wait = receiver.budget_wait();
    bound.wakeup = BH_TRY(checked_mul(
        bound.handoffs, BH_TRY(checked_add(trip.sender_wakeup, trip.receiver_wakeup))));

    uint64_t total = BH_TRY(checked_add(bound.sender_demand, bound.sender_budget_wait));
    total = BH_TRY(checked_add(total, bound.receiver_demand));
    total = BH_TRY(checked_add(total, bound.receiver_budget_wait));
    bound.total = BH_TRY(checked_add(total, bound.wakeup));
    return bound;
}

}  // namespace bh::ipc::bound
