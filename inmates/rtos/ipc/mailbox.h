// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The Quest-V mailbox protocol over one channel region (layout:
// include/bulkhead/mailbox.h; protocol and timing: Documentation/
// channel-bound.md).
//
// Portable: builds freestanding (RTOS, no heap, no exceptions) and hosted
// (unit tests, benchmarks, the Linux tools). Every wait is bounded by a
// deadline on an injected Clock; waiting is either busy polling or sleeping
// on an injected Doorbell. The peer is untrusted: whatever it writes, an
// endpoint returns an error (proto, timedout, msgsize) rather than crash,
// hang past its deadline or overrun a buffer.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <bh/result.h>
#include <bulkhead/mailbox.h>

namespace bh::ipc {

struct ConstBytes {
    const uint8_t* data = nullptr;
    size_t size = 0;
};

struct MutableBytes {
    uint8_t* data = nullptr;
    size_t size = 0;
    constexpr operator ConstBytes() const { return {data, size}; }
};

// Monotonic time for deadlines, in whatever unit the caller's timeouts use
// (nanoseconds on the host, TSC ticks or timer ticks in the RTOS).
class Clock {
public:
    virtual uint64_t now() = 0;

protected:
    ~Clock() = default;
};

// The channel's doorbell: an interrupt in the peer cell, raised through the
// hypervisor's ivshmem-like device (never a raw IPI).
class Doorbell {
public:
    // Raise the peer's doorbell interrupt.
    virtual void ring_peer() = 0;
    // Sleep until this side's doorbell rang, or until the endpoint's Clock
    // reaches deadline. A ring that arrived since the previous wait returned
    // must make this return at once (the doorbell latches); early returns
    // are allowed, the endpoint re-checks the channel.
    virtual void wait(uint64_t deadline) = 0;

protected:
    ~Doorbell() = default;
};

enum class Side : uint32_t { zero = BH_MAILBOX_SIDE_0, one = BH_MAILBOX_SIDE_1 };

// B and R of a channel.
struct Geometry {
    uint32_t slot_size;
    uint32_t slot_count;
};

// Validates a geometry; slot_size 0 means the build's default
// (bh::kconfig::mailbox_slot_size, the Kconfig MAILBOX_SLOT_SIZE).
Result<Geometry> make_geometry(uint32_t slot_size, uint32_t slot_count = 1);

// Bytes a channel region of this geometry needs.
uint64_t region_size(Geometry geometry);

// Lays out an empty channel: zeroes the region, then publishes the header.
// Done once by whoever owns the channel (the hypervisor when it creates the
// device, or a test); endpoints open afterwards. Formatting a region with
// open endpoints resets the channel under them.
Result<void> format_channel(MutableBytes region, Geometry geometry);

struct EndpointOptions {
    uint32_t slot_size = 0;         // B; 0: the build's default
    uint32_t slot_count = 1;        // R; 1: Quest-V single slot, > 1: ring
    // With a doorbell the endpoint sleeps while it waits and rings the peer
    // when the peer asked; without, it busy-polls and never rings. A side
    // that sleeps relies on its peer to ring: give both endpoints of a
    // channel a doorbell, or neither (a sleeper whose peer never rings
    // still returns, at its deadline at the latest).
    Doorbell* doorbell = nullptr;
};

enum class SlotProgress : uint8_t { partial, complete };

// What a waiting side asks its peer to ring the doorbell for.
enum class Wake : uint8_t {
    on_data,   // after the peer publishes a slot (a receiver waits)
    on_space,  // after the peer consumes a slot (a sender waits)
};

struct SlotReceipt {
    uint32_t transaction_size;  // bytes of the whole transaction
    uint32_t received;          // bytes of it received so far
    SlotProgress progress;
};

// One side of a channel. Not thread-safe: one thread sends and receives on
// an endpoint (the protocol is half-duplex), the peer on the other side.
class Endpoint {
public:
    // Attaches to a formatted region as side. The geometry in options must
    // match the region's header (both come from the system config). Errors:
    // inval (bad region or geometry), again (region not formatted yet),
    // proto (header disagrees). Re-opening a used channel resumes its
    // counters; a side that re-opens in the middle of a transaction breaks
    // the stream for its peer (proto), which then has to re-format.
    static Result<Endpoint> open(MutableBytes region, Side side, Clock& clock,
                                 const EndpointOptions& options = {});

    Endpoint(Endpoint&&) = default;
    Endpoint& operator=(Endpoint&&) = default;
    Endpoint(const Endpoint&) = delete;
    Endpoint& operator=(const Endpoint&) = delete;
    ~Endpoint() = default;

    // Sends one transaction (any length < 4 GiB; > B spans several slots),
    // waiting at most timeout clock units. When it times out after part of
    // the transaction went out, the progress is kept: calling send again with
    // the same bytes finishes it, a different transaction gets busy (slots
    // cannot be taken back).
    Result<void> send(ConstBytes transaction, uint64_t timeout);

    // Receives one transaction into buffer and returns its size. msgsize
    // when it does not fit (nothing consumed: retry with a larger buffer, or
    // discard). A timeout in the middle keeps the progress: call receive
    // again with the same buffer, or discard.
    Result<uint32_t> receive(MutableBytes buffer, uint64_t timeout);

    // Drops the next (or the partly received) transaction; returns its size.
    Result<uint32_t> discard(uint64_t timeout);

    // Non-blocking steps: publish or consume at most one slot. again when
    // the slot is not free or not full yet. Call with the same transaction
    // or buffer until complete.
    Result<SlotProgress> try_send_slot(ConstBytes transaction);
    Result<SlotReceipt> try_receive_slot(MutableBytes buffer);
    // The same for discard(): drops at most one slot.
    Result<SlotReceipt> try_discard_slot();

    // Size of the transaction being received or waiting in the next slot;
    // again when there is none.
    Result<uint32_t> next_transaction_size();

    // For callers that wait on their own instead of in send/receive (an RTOS
    // blocks the thread in its kernel): asks the peer to ring this side's
    // doorbell after it publishes (on_data) or consumes (on_space) a slot,
    // until cancel_wake(). After asking, look at the channel once more before
    // sleeping: that look and the peer's check of the flag cannot both miss
    // (no lost wake-up). inval without a doorbell in the options, which is
    // what makes the progress words sequentially consistent.
    Result<void> request_wake(Wake what);
    void cancel_wake();

    // True after the peer broke the protocol; every call then fails with
    // proto until the channel is re-formatted and re-opened.
    bool broken() const { return broken_; }
    Geometry geometry() const { return {slot_size_, slot_count_}; }
    Side side() const { return side_; }

private:
    // A validated copy of a slot header of the peer's direction.
    struct SlotView {
        uint32_t flags;
        uint32_t length;
        uint32_t total;
        const uint8_t* payload;
    };
    struct ReceiveTarget {
        uint8_t* data;      // null: discard the bytes
        size_t capacity;
        bool discard;
    };
    class WakeRequest;

    Endpoint() = default;

    Result<SlotView> inspect_rx_slot();
    Result<SlotReceipt> receive_slot(const ReceiveTarget& target);
    Result<void> reserve_tx_slot();
    Result<void> accept_ack(uint32_t consumed_by_peer);
    Result<uint32_t> receive_blocking(const ReceiveTarget& target, uint64_t timeout);
    Error fail_protocol();
    uint64_t deadline_after(uint64_t timeout);
    void wait_for_peer(uint64_t deadline);
    void ring_if_requested(uint32_t bh_mailbox_control::*wake_flag);

    bh_mailbox_control* own_control() const;
    const bh_mailbox_control* peer_control() const;
    uint8_t* tx_slot(uint32_t position) const;
    const uint8_t* rx_slot(uint32_t position) const;

    uint8_t* tx_section_ = nullptr;        // written by this side only
    const uint8_t* rx_section_ = nullptr;  // the peer's: read, validated
    Clock* clock_ = nullptr;
    Doorbell* doorbell_ = nullptr;
    uint32_t slot_size_ = 0;
    uint32_t slot_count_ = 0;
    Side side_ = Side::zero;
    bool broken_ = false;

    // Transmit direction: positions are free-running slot counters.
    uint32_t tx_published_ = 0;  // slots published
    uint32_t tx_acked_ = 0;      // slots the peer has confirmed consumed
    bool tx_active_ = false;     // a transaction is partly published
    uintptr_t tx_identity_ = 0;  // its caller buffer (compared, never read)
    uint32_t tx_total_ = 0;
    uint32_t tx_sent_ = 0;

    // Receive direction.
    uint32_t rx_consumed_ = 0;   // slots consumed
    bool rx_active_ = false;     // a transaction is partly received
    bool rx_discarding_ = false; // ... and its bytes are being dropped
    uintptr_t rx_identity_ = 0;
    uint32_t rx_total_ = 0;
    uint32_t rx_received_ = 0;
};

}  // namespace bh::ipc
