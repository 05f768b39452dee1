// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The channel round-trip bound: hand-computed cases, the closed forms of
// Documentation/channel-bound.md, monotonicity, and a discrete-time
// simulation of two budget-limited VCPUs whose round trips must never exceed
// the bound.
#include <gtest/gtest.h>

#include <ipc/bound.h>

#include <algorithm>
#include <random>
#include <vector>

namespace bh::ipc::bound {
namespace {

TEST(ResponseTime, WaitsOneGapPerBudgetStarted) {
    const Server server{2, 10};
    EXPECT_EQ(*response_time(server, 0), 0u);
    EXPECT_EQ(*response_time(server, 1), 9u);   // 1 + 1 * 8
    EXPECT_EQ(*response_time(server, 2), 10u);  // 2 + 1 * 8
    EXPECT_EQ(*response_time(server, 3), 19u);  // 3 + 2 * 8
    EXPECT_EQ(*response_time(server, 4), 20u);
    EXPECT_EQ(*response_time(Server{5, 5}, 123), 123u);  // a full CPU never waits
    EXPECT_EQ(response_time(Server{0, 5}, 1).error(), Errc::inval);
    EXPECT_EQ(response_time(Server{6, 5}, 1).error(), Errc::inval);
    EXPECT_EQ(response_time(Server{1, UINT64_MAX}, 2).error(), Errc::range);
}

TEST(ByteDemand, RoundsUpExactly) {
    EXPECT_EQ(*byte_demand({1, 4}, 10), 3u);  // 2.5
    EXPECT_EQ(*byte_demand({1, 4}, 12), 3u);  // exact
    EXPECT_EQ(*byte_demand({0, 1}, 1u << 30), 0u);
    EXPECT_EQ(*byte_demand({3, 1}, 7), 21u);
    EXPECT_EQ(byte_demand({1, 0}, 1).error(), Errc::inval);
    EXPECT_EQ(byte_demand({1, max_byte_cost_denominator + 1}, 1).error(), Errc::inval);
    EXPECT_EQ(byte_demand({UINT64_MAX, 1}, 2).error(), Errc::range);
    // Against 128-bit arithmetic over awkward values.
    std::mt19937_64 random(7);
    for (int i = 0; i < 10000; ++i) {
        const uint64_t bytes = random() >> (random() % 64);
        const ByteCost cost{random() >> (random() % 64),
                            1 + (random() % max_byte_cost_denominator)};
        const unsigned __int128 exact =
            (static_cast<unsigned __int128>(bytes) * cost.time + cost.bytes - 1) / cost.bytes;
        auto demand = byte_demand(cost, bytes);
        if (exact > UINT64_MAX) {
            EXPECT_EQ(demand.error(), Errc::range);
        } else {
            ASSERT_TRUE(demand.ok());
            EXPECT_EQ(*demand, static_cast<uint64_t>(exact)) << bytes << " " << cost.time;
        }
    }
}

// Case (a), worked by hand in Documentation/channel-bound.md section 6.
TEST(RoundTripBound, SingleSlotByHand) {
    RoundTrip trip;
    trip.sender = {2, 10};
    trip.receiver = {3, 12};
    trip.request_bytes = 100;
    trip.reply_bytes = 50;
    trip.work = 4;
    trip.sender_byte_cost = {1, 100};
    trip.receiver_byte_cost = {1, 50};
    trip.slot_size = 4096;
    trip.sender_slot_cost = 1;
    trip.receiver_slot_cost = 1;
    trip.sender_wakeup = 2;
    trip.receiver_wakeup = 5;
    auto bound = round_trip_bound(trip);
    ASSERT_TRUE(bound.ok());
    EXPECT_TRUE(bound->single_slot());
    // τs: write 1 + ceil(1) = 2 -> 10; read 1 + ceil(0.5) = 2 -> 10.
    // τr: 1 + 2 + 4 + 1 + 1 = 9 -> 9 + 3 * 9 = 36. Wake-ups 2 + 5.
    EXPECT_EQ(bound->sender_demand, 4u);
    EXPECT_EQ(bound->sender_budget_wait, 16u);
    EXPECT_EQ(bound->receiver_demand, 9u);
    EXPECT_EQ(bound->receiver_budget_wait, 27u);
    EXPECT_EQ(bound->wakeup, 7u);
    EXPECT_EQ(bound->total, 63u);
    EXPECT_EQ(bound->sender_phases, 2u);
    EXPECT_EQ(bound->receiver_phases, 1u);
}

// Case (b), worked by hand in Documentation/channel-bound.md section 6.
TEST(RoundTripBound, MultiSlotByHand) {
    RoundTrip trip;
    trip.sender = {5, 20};
    trip.receiver = {4, 10};
    trip.request_bytes = 150;  // 64 + 64 + 22
    trip.reply_bytes = 70;     // 64 + 6
    trip.work = 3;
    trip.sender_byte_cost = {1, 16};
    trip.receiver_byte_cost = {1, 32};
    trip.slot_size = 64;
    trip.sender_slot_cost = 1;
    trip.receiver_slot_cost = 2;
    trip.sender_wakeup = 1;
    trip.receiver_wakeup = 2;
    auto bound = round_trip_bound(trip);
    ASSERT_TRUE(bound.ok());
    EXPECT_FALSE(bound->single_slot());
    EXPECT_EQ(bound->request_slots, 3u);
    EXPECT_EQ(bound->reply_slots, 2u);
    EXPECT_EQ(bound->sender_phases, 5u);
    EXPECT_EQ(bound->receiver_phases, 4u);
    EXPECT_EQ(bound->handoffs, 4u);
    // τs: 5, 5, 3 (writes), 5, 2 (reads); 15 of budget wait each.
    EXPECT_EQ(bound->sender_demand, 20u);
    EXPECT_EQ(bound->sender_budget_wait, 75u);
    // τr: 4, 4 (reads), 2 + 1 + 3 + 2 + 2 = 10 (turnaround), 3 (last write).
    EXPECT_EQ(bound->receiver_demand, 21u);
    EXPECT_EQ(bound->receiver_budget_wait, 6u + 6u + 18u + 6u);
    EXPECT_EQ(bound->wakeup, 12u);
    EXPECT_EQ(bound->total, 164u);
}

// Quest-V's own harness (kernel/sched/msgt.c): both VCPUs (20 ms, 100 ms),
// 64-byte messages in a 2 KiB slot; in microseconds at 1 ns per byte.
TEST(RoundTripBound, QuestVHarnessParameters) {
    RoundTrip trip;
    trip.sender = {20'000, 100'000};
    trip.receiver = {20'000, 100'000};
    trip.request_bytes = 64;
    trip.reply_bytes = 64;
    trip.sender_byte_cost = {1, 1000};
    trip.receiver_byte_cost = {1, 1000};
    trip.slot_size = 2048;
    auto bound = round_trip_bound(trip);
    ASSERT_TRUE(bound.ok());
    // Three budget gaps of 80 ms: two for τs (before writing, before
    // reading the reply), one for τr.
    EXPECT_EQ(bound->total, 3 * 80'000u + 4u);
}

uint64_t closed_form_a(const RoundTrip& t) {
    auto R = [](Server s, uint64_t e) { return *response_time(s, e); };
    auto d = [](ByteCost c, uint64_t n) { return *byte_demand(c, n); };
    return R(t.sender, t.sender_slot_cost + d(t.sender_byte_cost, t.request_bytes)) +
           R(t.sender, t.sender_slot_cost + d(t.sender_byte_cost, t.reply_bytes)) +
           R(t.receiver, 2 * t.receiver_slot_cost + d(t.receiver_byte_cost, t.request_bytes) +
                             t.work + d(t.receiver_byte_cost, t.reply_bytes)) +
           t.sender_wakeup + t.receiver_wakeup;
}

RoundTrip random_trip(std::mt19937_64& random, uint64_t max_bytes) {
    RoundTrip t;
    const uint64_t cs = 1 + random() % 50, cr = 1 + random() % 50;
    t.sender = {cs, cs + random() % 200};
    t.receiver = {cr, cr + random() % 200};
    t.request_bytes = random() % (max_bytes + 1);
    t.reply_bytes = random() % (max_bytes + 1);
    t.work = random() % 100;
    t.sender_byte_cost = {random() % 5, 1 + random() % 8};
    t.receiver_byte_cost = {random() % 5, 1 + random() % 8};
    t.slot_size = 64u << (random() % 4);
    t.sender_slot_cost = random() % 10;
    t.receiver_slot_cost = random() % 10;
    t.sender_wakeup = random() % 20;
    t.receiver_wakeup = random() % 20;
    return t;
}

TEST(RoundTripBound, ClosedFormOfCaseA) {
    std::mt19937_64 random(1);
    for (int i = 0; i < 2000; ++i) {
        RoundTrip t = random_trip(random, 64);  // N, M <= B
        auto bound = round_trip_bound(t);
        ASSERT_TRUE(bound.ok());
        EXPECT_TRUE(bound->single_slot());
        EXPECT_EQ(bound->total, closed_form_a(t));
    }
}

// When every phase fits one budget, each costs its demand plus one gap.
TEST(RoundTripBound, ClosedFormOfCaseBWhenPhasesFitTheBudget) {
    std::mt19937_64 random(2);
    for (int i = 0; i < 2000; ++i) {
        RoundTrip t = random_trip(random, 2000);
        t.sender = {100'000, 100'000 + random() % 500};  // more than any phase needs
        t.receiver = {100'000, 100'000 + random() % 500};
        t.sender_slot_cost += 1;  // no phase is free, so each waits one gap
        t.receiver_slot_cost += 1;
        auto bound = round_trip_bound(t);
        ASSERT_TRUE(bound.ok());
        const uint64_t ns = bound->request_slots, nr = bound->reply_slots;
        EXPECT_EQ(ns, t.request_bytes == 0 ? 1 : (t.request_bytes + t.slot_size - 1) / t.slot_size);
        const uint64_t expected = bound->sender_demand + bound->receiver_demand +
                                  (ns + nr) * (t.sender.period - t.sender.budget) +
                                  (ns + nr - 1) * (t.receiver.period - t.receiver.budget) +
                                  (ns + nr - 1) * (t.sender_wakeup + t.receiver_wakeup);
        EXPECT_EQ(bound->total, expected);
        // Demands: every byte moved once by each side, fixed costs per slot.
        EXPECT_GE(bound->sender_demand, (ns + nr) * t.sender_slot_cost);
        EXPECT_GE(bound->receiver_demand, t.work + (ns + nr) * t.receiver_slot_cost);
    }
}

TEST(RoundTripBound, NoBudgetGapsOnAFullCpu) {
    std::mt19937_64 random(3);
    for (int i = 0; i < 500; ++i) {
        RoundTrip t = random_trip(random, 5000);
        t.sender.period = t.sender.budget;
        t.receiver.period = t.receiver.budget;
        auto bound = round_trip_bound(t);
        ASSERT_TRUE(bound.ok());
        EXPECT_EQ(bound->sender_budget_wait + bound->receiver_budget_wait, 0u);
        EXPECT_EQ(bound->total, bound->sender_demand + bound->receiver_demand + bound->wakeup);
    }
}

TEST(RoundTripBound, MonotoneInEveryParameter) {
    std::mt19937_64 random(4);
    auto total = [](const RoundTrip& t) {
        auto b = round_trip_bound(t);
        EXPECT_TRUE(b.ok());
        return b.value_or(RoundTripBound{}).total;
    };
    for (int i = 0; i < 3000; ++i) {
        const RoundTrip base = random_trip(random, 3000);
        const uint64_t reference = total(base);
        const uint64_t step = 1 + random() % 100;
        auto grown = [&](auto mutate) {
            RoundTrip t = base;
            mutate(t);
            return total(t);
        };
        // More work, bytes, costs, latency or longer periods never help.
        EXPECT_GE(grown([&](RoundTrip& t) { t.request_bytes += step; }), reference);
        EXPECT_GE(grown([&](RoundTrip& t) { t.reply_bytes += step; }), reference);
        EXPECT_GE(grown([&](RoundTrip& t) { t.work += step; }), reference);
        EXPECT_GE(grown([&](RoundTrip& t) { t.sender_byte_cost.time += step; }), reference);
        EXPECT_GE(grown([&](RoundTrip& t) { t.receiver_byte_cost.time += step; }), reference);
        EXPECT_GE(grown([&](RoundTrip& t) { t.sender_slot_cost += step; }), reference);
        EXPECT_GE(grown([&](RoundTrip& t) { t.receiver_slot_cost += step; }), reference);
        EXPECT_GE(grown([&](RoundTrip& t) { t.sender_wakeup += step; }), reference);
        EXPECT_GE(grown([&](RoundTrip& t) { t.receiver_wakeup += step; }), reference);
        EXPECT_GE(grown([&](RoundTrip& t) { t.sender.period += step; }), reference);
        EXPECT_GE(grown([&](RoundTrip& t) { t.receiver.period += step; }), reference);
        // A bigger budget never hurts.
        EXPECT_LE(grown([&](RoundTrip& t) {
                      t.sender.budget = std::min(t.sender.period, t.sender.budget + step);
                  }),
                  reference);
        EXPECT_LE(grown([&](RoundTrip& t) {
                      t.receiver.budget = std::min(t.receiver.period, t.receiver.budget + step);
                  }),
                  reference);
        // Doubling the slot merges pairs of slots: fewer phases and hand-offs.
        EXPECT_LE(grown([&](RoundTrip& t) { t.slot_size *= 2; }), reference);
    }
}

TEST(RoundTripBound, RefusesBadParametersAndOverflow) {
    RoundTrip t;
    t.sender = {1, 2};
    t.receiver = {1, 2};
    t.slot_size = 64;
    EXPECT_TRUE(round_trip_bound(t).ok());
    RoundTrip bad = t;
    bad.slot_size = 0;
    EXPECT_EQ(round_trip_bound(bad).error(), Errc::inval);
    bad = t;
    bad.sender = {3, 2};
    EXPECT_EQ(round_trip_bound(bad).error(), Errc::inval);
    bad = t;
    bad.receiver = {0, 2};
    EXPECT_EQ(round_trip_bound(bad).error(), Errc::inval);
    bad = t;
    bad.receiver_byte_cost = {1, 0};
    EXPECT_EQ(round_trip_bound(bad).error(), Errc::inval);
    bad = t;
    bad.work = UINT64_MAX;
    EXPECT_EQ(round_trip_bound(bad).error(), Errc::range);
    bad = t;
    bad.request_bytes = UINT64_MAX;
    bad.sender_byte_cost = {2, 1};
    EXPECT_EQ(round_trip_bound(bad).error(), Errc::range);
    bad = t;
    bad.sender_wakeup = UINT64_MAX;
    EXPECT_TRUE(round_trip_bound(bad).ok());  // one hand-off: just fits
    bad.receiver_wakeup = 1;
    EXPECT_EQ(round_trip_bound(bad).error(), Errc::range);
}

// --- simulation ---------------------------------------------------------------
//
// Tick-by-tick model of a VCPU: it may run in a tick only if it ran fewer
// than C ticks in the T - 1 ticks before it. That is the sliding-window
// limit every sporadic server obeys, with the latest replenishment any of
// them allows (each tick's budget comes back exactly T later), so its supply
// is the worst the derivation has to cover. On each VCPU the channel thread
// has priority; a background thread (the other threads of the VCPU, or the
// channel thread's own busy polling) takes budget whenever the channel
// thread does not need it, with a random appetite.
class SimulatedVcpu {
public:
    SimulatedVcpu(Server server, double appetite, std::mt19937_64& random)
        : server_(server), appetite_(appetite), random_(random),
          ran_(server.period, false) {}

    // Advances one tick; returns true when the channel thread ran.
    bool tick(bool channel_ready) {
        bool ran = false, channel_ran = false;
        if (window_ < server_.budget) {
            if (channel_ready)
                ran = channel_ran = true;
            else
                ran = std::uniform_real_distribution<>(0, 1)(random_) < appetite_;
        }
        // window_ counts the runs in the T - 1 ticks before the next one:
        // add this tick, drop the one that falls out (for T = 1, this one).
        const uint64_t period = server_.period;
        ran_[now_ % period] = ran;
        window_ += ran;
        window_ -= ran_[(now_ + 1) % period];
        ++now_;
        return channel_ran;
    }

private:
    Server server_;
    double appetite_;
    std::mt19937_64& random_;
    std::vector<bool> ran_;
    uint64_t window_ = 0;
    uint64_t now_ = 0;
};

struct Phase {
    int side;  // 0 sender, 1 receiver
    uint64_t demand;
};

// The chain of phases of one round trip, as the bound counts them.
std::vector<Phase> phases_of(const RoundTrip& t, const RoundTripBound& b) {
    const uint64_t slot = t.slot_size;
    auto bytes_of = [&](uint64_t total, uint64_t count, uint64_t i) {
        return i + 1 < count ? slot : total - (count - 1) * slot;
    };
    auto s = [&](uint64_t bytes) {
        return t.sender_slot_cost + *byte_demand(t.sender_byte_cost, bytes);
    };
    auto r = [&](uint64_t bytes) {
        return t.receiver_slot_cost + *byte_demand(t.receiver_byte_cost, bytes);
    };
    std::vector<Phase> chain;
    for (uint64_t i = 0; i < b.request_slots; ++i) {
        const uint64_t bytes = bytes_of(t.request_bytes, b.request_slots, i);
        chain.push_back({0, s(bytes)});
        if (i + 1 < b.request_slots)
            chain.push_back({1, r(bytes)});
        else
            chain.push_back({1, r(bytes) + t.work + r(bytes_of(t.reply_bytes, b.reply_slots, 0))});
    }
    for (uint64_t i = 0; i < b.reply_slots; ++i) {
        if (i > 0)
            chain.push_back({1, r(bytes_of(t.reply_bytes, b.reply_slots, i))});
        chain.push_back({0, s(bytes_of(t.reply_bytes, b.reply_slots, i))});
    }
    return chain;
}

// One simulated round trip; returns its length in ticks.
uint64_t simulate(const RoundTrip& t, const std::vector<Phase>& chain, std::mt19937_64& random) {
    const double appetites[] = {0.0, 0.3, 0.7, 1.0};
    SimulatedVcpu vcpu[2] = {SimulatedVcpu(t.sender, appetites[random() % 4], random),
                             SimulatedVcpu(t.receiver, appetites[random() % 4], random)};
    // An arbitrary budget state to start from: some history of background load.
    const uint64_t warmup = random() % (2 * std::max(t.sender.period, t.receiver.period) + 1);
    for (uint64_t i = 0; i < warmup; ++i)
        vcpu[0].tick(false), vcpu[1].tick(false);

    uint64_t now = 0, ready_at = 0;
    size_t phase = 0;
    uint64_t remaining = chain[0].demand;
    const uint64_t wakeup[2] = {t.sender_wakeup, t.receiver_wakeup};
    for (;;) {
        // Phases with nothing to do complete as soon as they start.
        while (now >= ready_at && remaining == 0) {
            if (++phase == chain.size())
                return now;
            remaining = chain[phase].demand;
            const uint64_t latency = wakeup[chain[phase].side];
            ready_at = now + (latency == 0 ? 0 : random() % (latency + 1));
        }
        const bool active = now >= ready_at;
        for (int side = 0; side < 2; ++side) {
            const bool ready = active && chain[phase].side == side;
            if (vcpu[side].tick(ready))
                --remaining;
        }
        ++now;
    }
}

TEST(RoundTripSimulation, LemmaIsTightFromAJustDepletedBudget) {
    // Background runs flat out from tick 0: it uses ticks [0, C) of every
    // period, so a phase released at C finds the budget spent as late as
    // possible and finishes exactly at R(e).
    std::mt19937_64 random(5);
    const Server server{3, 10};
    for (uint64_t demand = 1; demand <= 10; ++demand) {
        SimulatedVcpu vcpu(server, 1.0, random);
        for (uint64_t i = 0; i < server.budget; ++i)
            vcpu.tick(false);
        uint64_t elapsed = 0;
        for (uint64_t left = demand; left > 0; ++elapsed)
            left -= vcpu.tick(true);
        EXPECT_EQ(elapsed, *response_time(server, demand)) << demand;
    }
}

TEST(RoundTripSimulation, NoSimulatedRoundTripExceedsTheBound) {
    std::mt19937_64 random(6);
    for (int trial = 0; trial < 3000; ++trial) {
        RoundTrip t;
        const uint64_t cs = 1 + random() % 5, cr = 1 + random() % 5;
        t.sender = {cs, cs + random() % 10};
        t.receiver = {cr, cr + random() % 10};
        t.slot_size = 4 + random() % 12;
        t.request_bytes = random() % 40;
        t.reply_bytes = random() % 40;
        t.work = random() % 8;
        t.sender_byte_cost = {random() % 3, 1 + random() % 4};
        t.receiver_byte_cost = {random() % 3, 1 + random() % 4};
        t.sender_slot_cost = random() % 3;
        t.receiver_slot_cost = random() % 3;
        t.sender_wakeup = random() % 4;
        t.receiver_wakeup = random() % 4;
        auto bound = round_trip_bound(t);
        ASSERT_TRUE(bound.ok());
        const auto chain = phases_of(t, *bound);
        ASSERT_EQ(chain.size(), bound->sender_phases + bound->receiver_phases);
        for (int run = 0; run < 5; ++run) {
            const uint64_t measured = simulate(t, chain, random);
            ASSERT_LE(measured, bound->total) << "trial " << trial;
        }
    }
}

}  // namespace
}  // namespace bh::ipc::bound
