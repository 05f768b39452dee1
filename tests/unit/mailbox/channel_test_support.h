// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Host stand-ins for what the RTOS and the hypervisor provide to a mailbox
// endpoint (clock, doorbell, the shared region), for the unit tests.
#pragma once

#include <ipc/mailbox.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

namespace bh::ipc::test {

// Real time in nanoseconds.
class SteadyClock final : public Clock {
public:
    uint64_t now() override {
        return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                         std::chrono::steady_clock::now().time_since_epoch())
                                         .count());
    }
};

// Deterministic time: every reading advances by `step`, so a blocking call
// with timeout t gives up after about t / step looks at the channel, however
// fast or slow the machine is.
class SteppingClock final : public Clock {
public:
    explicit SteppingClock(uint64_t step = 1) : step_(step) {}
    uint64_t now() override { return now_ += step_; }
    uint64_t readings() const { return now_ / step_; }

private:
    uint64_t step_;
    uint64_t now_ = 0;
};

// A channel region as the hypervisor would map it: page aligned, formatted.
class Region {
public:
    explicit Region(Geometry geometry, bool format = true)
        : geometry_(geometry), size_(region_size(geometry)),
          bytes_(new (std::align_val_t{BH_MAILBOX_PAGE_SIZE}) uint8_t[size_]) {
        std::memset(bytes_.get(), 0, size_);
        if (format && !format_channel(span(), geometry_).ok())
            std::abort();
    }

    MutableBytes span() const { return {bytes_.get(), size_}; }
    uint8_t* data() const { return bytes_.get(); }
    size_t size() const { return size_; }
    Geometry geometry() const { return geometry_; }

    EndpointOptions options(Doorbell* doorbell = nullptr) const {
        return EndpointOptions{geometry_.slot_size, geometry_.slot_count, doorbell};
    }

    // Direct access to a side's words, as a (malicious) peer would write them.
    uint8_t* section(uint32_t side) const {
        return bytes_.get() + bh_mailbox_section_offset(
                                  bh_mailbox_section_size(geometry_.slot_size,
                                                          geometry_.slot_count),
                                  side);
    }
    bh_mailbox_control* control(uint32_t side) const {
        return reinterpret_cast<bh_mailbox_control*>(section(side));
    }
    bh_mailbox_slot_header* slot(uint32_t side, uint32_t index) const {
        return reinterpret_cast<bh_mailbox_slot_header*>(
            section(side) + bh_mailbox_slot_offset(geometry_.slot_size, index));
    }
    uint8_t* payload(uint32_t side, uint32_t index) const {
        return reinterpret_cast<uint8_t*>(slot(side, index)) + sizeof(bh_mailbox_slot_header);
    }

private:
    struct AlignedDelete {
        void operator()(uint8_t* p) const {
            ::operator delete[](p, std::align_val_t{BH_MAILBOX_PAGE_SIZE});
        }
    };
    Geometry geometry_;
    size_t size_;
    std::unique_ptr<uint8_t[], AlignedDelete> bytes_;
};

// Both doorbells of a channel: ringing one side's wakes the other side's
// waiter; a ring is remembered until the waiter has seen it.
class DoorbellPair {
public:
    class End final : public Doorbell {
    public:
        void ring_peer() override { peer_->ring(); }
        void wait(uint64_t deadline) override {
            std::unique_lock lock(mutex_);
            const auto until = std::chrono::steady_clock::time_point(
                std::chrono::nanoseconds(deadline > max_deadline ? max_deadline : deadline));
            cv_.wait_until(lock, until, [&] { return rung_; });
            rung_ = false;
        }
        uint64_t rings_received() {
            std::lock_guard lock(mutex_);
            return rings_;
        }

    private:
        friend class DoorbellPair;
        // Far enough for any test, near enough not to overflow time_point.
        static constexpr uint64_t max_deadline = uint64_t{1} << 62;
        void ring() {
            {
                std::lock_guard lock(mutex_);
                rung_ = true;
                ++rings_;
            }
            cv_.notify_one();
        }
        End* peer_ = nullptr;
        std::mutex mutex_;
        std::condition_variable cv_;
        bool rung_ = false;
        uint64_t rings_ = 0;
    };

    DoorbellPair() {
        ends_[0].peer_ = &ends_[1];
        ends_[1].peer_ = &ends_[0];
    }
    End& side(uint32_t side) { return ends_[side]; }

private:
    End ends_[2];
};

// "Waiting" by giving the CPU away: a poller that behaves on a loaded
// two-core machine. It never rings (the peer then never sleeps on it).
class YieldingDoorbell final : public Doorbell {
public:
    void ring_peer() override {}
    void wait(uint64_t) override { std::this_thread::yield(); }
};

// Deterministic contents: byte i of transaction `seed`.
inline uint8_t pattern_byte(uint64_t seed, size_t i) {
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + i * 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    return static_cast<uint8_t>(x ^ (x >> 17));
}

inline std::vector<uint8_t> pattern(uint64_t seed, size_t size) {
    std::vector<uint8_t> bytes(size);
    for (size_t i = 0; i < size; ++i)
        bytes[i] = pattern_byte(seed, i);
    return bytes;
}

inline ConstBytes view(const std::vector<uint8_t>& v) { return {v.data(), v.size()}; }
inline MutableBytes view(std::vector<uint8_t>& v) { return {v.data(), v.size()}; }

inline Endpoint open_or_die(const Region& region, Side side, Clock& clock,
                            Doorbell* doorbell = nullptr) {
    auto endpoint = Endpoint::open(region.span(), side, clock, region.options(doorbell));
    if (!endpoint.ok())
        std::abort();
    return std::move(*endpoint);
}

}  // namespace bh::ipc::test
