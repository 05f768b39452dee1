// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The Quest-V mailbox protocol. Shared memory is only touched through
// load_shared/store_shared (atomic, each field exactly once per use) and the
// payload copies; every value read from the peer is checked before it is
// used for anything (an index, a length, a state change).
#include "mailbox.h"

#include <atomic>

#include <bh/kconfig.h>

namespace bh::ipc {

static_assert(kconfig::mailbox_slot_size >= BH_MAILBOX_MIN_SLOT_SIZE &&
                  kconfig::mailbox_slot_size <= BH_MAILBOX_MAX_SLOT_SIZE &&
                  kconfig::mailbox_slot_size % BH_MAILBOX_LINE_SIZE == 0,
              "MAILBOX_SLOT_SIZE is not a valid mailbox slot size");

namespace {

template <typename Field>
Field load_shared(const Field& field, std::memory_order order) {
    static_assert(std::atomic_ref<Field>::is_always_lock_free);
    return std::atomic_ref<Field>(const_cast<Field&>(field)).load(order);
}

template <typename Field>
void store_shared(Field& field, Field value, std::memory_order order) {
    std::atomic_ref<Field>(field).store(value, order);
}

// The words that announce progress (a slot's seq, a side's consumed count)
// carry the data: stores release, loads acquire. With doorbells they also
// form a Dekker pattern with the wake flags: a waiter stores its wake flag
// and then loads the peer's progress word, the peer stores its progress word
// and then loads the wake flag. Only sequential consistency guarantees that
// one of them sees the other (no lost wake-up), so an endpoint with a
// doorbell makes those accesses seq_cst. On x86 that turns each publishing
// store into a locked instruction, which costs a polling endpoint (that
// never sleeps and never rings) a third of its round trip for nothing.
// The order is chosen with a branch: compilers treat a memory order that
// is not a constant as seq_cst.
void store_progress(uint32_t& word, uint32_t value, bool doorbell) {
    if (doorbell)
        store_shared(word, value, std::memory_order_seq_cst);
    else
        store_shared(word, value, std::memory_order_release);
}

uint32_t load_progress(const uint32_t& word, bool doorbell) {
    return doorbell ? load_shared(word, std::memory_order_seq_cst)
                    : load_shared(word, std::memory_order_acquire);
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

bool region_fits(MutableBytes region, Geometry geometry) {
    return region.data != nullptr &&
           reinterpret_cast<uintptr_t>(region.data) % BH_MAILBOX_LINE_SIZE == 0 &&
           region.size >= region_size(geometry);
}

uint8_t* section_of(uint8_t* region, Geometry geometry, uint32_t side) {
    const uint32_t section_size =
        bh_mailbox_section_size(geometry.slot_size, geometry.slot_count);
    return region + bh_mailbox_section_offset(section_size, side);
}

}  // namespace

Result<Geometry> make_geometry(uint32_t slot_size, uint32_t slot_count) {
    if (slot_size == 0)
        slot_size = kconfig::mailbox_slot_size;
    if (!bh_mailbox_geometry_valid(slot_size, slot_count))
        return Errc::inval;
    return Geometry{slot_size, slot_count};
}

uint64_t region_size(Geometry geometry) {
    return bh_mailbox_region_size(geometry.slot_size, geometry.slot_count);
}

Result<void> format_channel(MutableBytes region, Geometry geometry) {
    if (!bh_mailbox_geometry_valid(geometry.slot_size, geometry.slot_count) ||
        !region_fits(region, geometry))
        return Errc::inval;
    auto* header = reinterpret_cast<bh_mailbox_header*>(region.data);
    // Withdraw the header first, so that no one opens a half-made channel.
    store_shared(header->magic, uint32_t{0}, std::memory_order_seq_cst);
    __builtin_memset(region.data, 0, region_size(geometry));
    for (uint32_t side = BH_MAILBOX_SIDE_0; side <= BH_MAILBOX_SIDE_1; ++side) {
        uint8_t* section = section_of(region.data, geometry, side);
        for (uint32_t index = 0; index < geometry.slot_count; ++index) {
            auto* slot = reinterpret_cast<bh_mailbox_slot_header*>(
                section + bh_mailbox_slot_offset(geometry.slot_size, index));
            // Position index - R: "the previous lap", i.e. not written yet.
            store_shared(slot->seq, index + 1 - geometry.slot_count,
                         std::memory_order_relaxed);
        }
    }
    store_shared(header->version, uint16_t{BH_MAILBOX_VERSION}, std::memory_order_relaxed);
    store_shared(header->slot_size, geometry.slot_size, std::memory_order_relaxed);
    store_shared(header->slot_count, geometry.slot_count, std::memory_order_relaxed);
    store_shared(header->section_size,
                 bh_mailbox_section_size(geometry.slot_size, geometry.slot_count),
                 std::memory_order_relaxed);
    store_shared(header->magic, uint32_t{BH_MAILBOX_MAGIC}, std::memory_order_release);
    return success();
}

// Asks the peer to ring this side's doorbell while a blocking call waits;
// withdrawn when the call returns, however it returns.
class Endpoint::WakeRequest {
public:
    WakeRequest(Endpoint& endpoint, uint32_t bh_mailbox_control::*flag)
        : endpoint_(endpoint), flag_(flag) {}
    WakeRequest(const WakeRequest&) = delete;
    WakeRequest& operator=(const WakeRequest&) = delete;
    ~WakeRequest() {
        if (armed_)
            store_shared(endpoint_.own_control()->*flag_, uint32_t{0},
                         std::memory_order_relaxed);
    }

    bool armed() const { return armed_; }
    void arm() {
        store_shared(endpoint_.own_control()->*flag_, uint32_t{1}, std::memory_order_seq_cst);
        armed_ = true;
    }

private:
    Endpoint& endpoint_;
    uint32_t bh_mailbox_control::*flag_;
    bool armed_ = false;
};

Result<Endpoint> Endpoint::open(MutableBytes region, Side side, Clock& clock,
                                const EndpointOptions& options) {
    const Geometry geometry = BH_TRY(make_geometry(options.slot_size, options.slot_count));
    if ((side != Side::zero && side != Side::one) || !region_fits(region, geometry))
        return Errc::inval;

    // The header is read once; from here on the geometry is our own.
    const auto* header = reinterpret_cast<const bh_mailbox_header*>(region.data);
    const uint32_t magic = load_shared(header->magic, std::memory_order_acquire);
    if (magic == 0)
        return Errc::again;
    const uint16_t version = load_shared(header->version, std::memory_order_relaxed);
    const uint32_t slot_size = load_shared(header->slot_size, std::memory_order_relaxed);
    const uint32_t slot_count = load_shared(header->slot_count, std::memory_order_relaxed);
    const uint32_t section_size =
        load_shared(header->section_size, std::memory_order_relaxed);
    if (magic != BH_MAILBOX_MAGIC || version != BH_MAILBOX_VERSION ||
        slot_size != geometry.slot_size || slot_count != geometry.slot_count ||
        section_size != bh_mailbox_section_size(geometry.slot_size, geometry.slot_count))
        return Errc::proto;

    Endpoint endpoint;
    const uint32_t own = static_cast<uint32_t>(side);
    endpoint.tx_section_ = section_of(region.data, geometry, own);
    endpoint.rx_section_ = section_of(region.data, geometry, own ^ 1);
    endpoint.clock_ = &clock;
    endpoint.doorbell_ = options.doorbell;
    endpoint.slot_size_ = geometry.slot_size;
    endpoint.slot_count_ = geometry.slot_count;
    endpoint.side_ = side;

    // Resume the counters of a channel that was used before (all zero on a
    // fresh one). Our published count is not stored anywhere: it is the
    // peer's consumed count plus the run of our slots still waiting for it.
    endpoint.rx_consumed_ =
        load_shared(endpoint.own_control()->consumed, std::memory_order_relaxed);
    endpoint.tx_acked_ =
        load_shared(endpoint.peer_control()->consumed, std::memory_order_acquire);
    uint32_t published = endpoint.tx_acked_;
    while (published - endpoint.tx_acked_ < endpoint.slot_count_ &&
           load_shared(reinterpret_cast<const bh_mailbox_slot_header*>(
                           endpoint.tx_slot(published))->seq,
                       std::memory_order_relaxed) == published + 1)
        ++published;
    endpoint.tx_published_ = published;
    store_shared(endpoint.own_control()->wake_on_data, uint32_t{0}, std::memory_order_relaxed);
    store_shared(endpoint.own_control()->wake_on_space, uint32_t{0}, std::memory_order_relaxed);
    return endpoint;
}

bh_mailbox_control* Endpoint::own_control() const {
    return reinterpret_cast<bh_mailbox_control*>(tx_section_);
}

const bh_mailbox_control* Endpoint::peer_control() const {
    return reinterpret_cast<const bh_mailbox_control*>(rx_section_);
}

uint8_t* Endpoint::tx_slot(uint32_t position) const {
    return tx_section_ + bh_mailbox_slot_offset(slot_size_, position & (slot_count_ - 1));
}

const uint8_t* Endpoint::rx_slot(uint32_t position) const {
    return rx_section_ + bh_mailbox_slot_offset(slot_size_, position & (slot_count_ - 1));
}

Error Endpoint::fail_protocol() {
    broken_ = true;
    return Error{Errc::proto};
}

uint64_t Endpoint::deadline_after(uint64_t timeout) {
    const uint64_t now = clock_->now();
    return timeout > UINT64_MAX - now ? UINT64_MAX : now + timeout;
}

void Endpoint::wait_for_peer(uint64_t deadline) {
    if (doorbell_ != nullptr)
        doorbell_->wait(deadline);
    else
        cpu_relax();
}

void Endpoint::ring_if_requested(uint32_t bh_mailbox_control::*wake_flag) {
    if (doorbell_ != nullptr &&
        load_shared(peer_control()->*wake_flag, std::memory_order_seq_cst) != 0)
        doorbell_->ring_peer();
}

// --- transmit ---------------------------------------------------------------

Result<void> Endpoint::accept_ack(uint32_t consumed_by_peer) {
    // The peer may only confirm slots we published and it had not confirmed.
    const uint32_t advance = consumed_by_peer - tx_acked_;
    if (advance > tx_published_ - tx_acked_)
        return fail_protocol();
    tx_acked_ = consumed_by_peer;
    return success();
}

Result<void> Endpoint::reserve_tx_slot() {
    // Acks that came with the peer's own slots often already tell that the
    // slot is free; only otherwise fetch the peer's control line.
    if (tx_published_ - tx_acked_ < slot_count_)
        return success();
    BH_TRY(accept_ack(load_progress(peer_control()->consumed, doorbell_ != nullptr)));
    if (tx_published_ - tx_acked_ < slot_count_)
        return success();
    return Errc::again;
}

Result<SlotProgress> Endpoint::try_send_slot(ConstBytes transaction) {
    if (broken_)
        return Errc::proto;
    if (transaction.size > 0 && transaction.data == nullptr)
        return Errc::inval;
    const auto identity = reinterpret_cast<uintptr_t>(transaction.data);
    if (!tx_active_) {
        if (transaction.size > UINT32_MAX)
            return Errc::msgsize;
    } else if (identity != tx_identity_ || transaction.size != tx_total_) {
        return Errc::busy;
    }
    BH_TRY(reserve_tx_slot());

    const auto total = static_cast<uint32_t>(transaction.size);
    const uint32_t offset = tx_active_ ? tx_sent_ : 0;
    const uint32_t remaining = total - offset;
    const uint32_t length = remaining < slot_size_ ? remaining : slot_size_;
    const bool ends = length == remaining;
    const uint32_t flags =
        (tx_active_ ? 0u : BH_MAILBOX_SLOT_START) | (ends ? BH_MAILBOX_SLOT_END : 0u);

    uint8_t* slot = tx_slot(tx_published_);
    auto* header = reinterpret_cast<bh_mailbox_slot_header*>(slot);
    if (length > 0)
        __builtin_memcpy(slot + sizeof(bh_mailbox_slot_header), transaction.data + offset,
                         length);
    store_shared(header->flags, flags, std::memory_order_relaxed);
    store_shared(header->length, length, std::memory_order_relaxed);
    store_shared(header->total, total, std::memory_order_relaxed);
    store_shared(header->ack, rx_consumed_, std::memory_order_relaxed);
    store_progress(header->seq, tx_published_ + 1, doorbell_ != nullptr);  // publishes the slot
    ++tx_published_;

    if (ends) {
        tx_active_ = false;
    } else {
        tx_active_ = true;
        tx_identity_ = identity;
        tx_total_ = total;
        tx_sent_ = offset + length;
    }
    ring_if_requested(&bh_mailbox_control::wake_on_data);
    return ends ? SlotProgress::complete : SlotProgress::partial;
}

Result<void> Endpoint::send(ConstBytes transaction, uint64_t timeout) {
    const uint64_t deadline = deadline_after(timeout);
    WakeRequest wake(*this, &bh_mailbox_control::wake_on_space);
    for (;;) {
        auto step = try_send_slot(transaction);
        if (step.ok()) {
            if (*step == SlotProgress::complete)
                return success();
            continue;
        }
        if (step.error() != Errc::again)
            return Error{step.error()};
        if (clock_->now() >= deadline)
            return Errc::timedout;
        if (doorbell_ != nullptr && !wake.armed()) {
            wake.arm();  // then look again before sleeping: no lost wake-up
            continue;
        }
        wait_for_peer(deadline);
    }
}

// --- receive ----------------------------------------------------------------

Result<Endpoint::SlotView> Endpoint::inspect_rx_slot() {
    const uint32_t position = rx_consumed_;
    const uint8_t* slot = rx_slot(position);
    const auto* header = reinterpret_cast<const bh_mailbox_slot_header*>(slot);

    const uint32_t seq = load_progress(header->seq, doorbell_ != nullptr);
    if (seq == position + 1 - slot_count_)
        return Errc::again;  // still the previous lap
    if (seq != position + 1)
        return fail_protocol();  // replayed, skipped or forged

    // Each field once, into a local; only the locals are checked and used.
    const uint32_t flags = load_shared(header->flags, std::memory_order_relaxed);
    const uint32_t length = load_shared(header->length, std::memory_order_relaxed);
    const uint32_t total = load_shared(header->total, std::memory_order_relaxed);
    const uint32_t ack = load_shared(header->ack, std::memory_order_relaxed);

    if ((flags & ~BH_MAILBOX_SLOT_FLAGS_ALL) != 0 || length > slot_size_)
        return fail_protocol();
    const bool starts = (flags & BH_MAILBOX_SLOT_START) != 0;
    const bool ends = (flags & BH_MAILBOX_SLOT_END) != 0;
    if (starts == rx_active_)
        return fail_protocol();  // START on exactly the first slot
    if (rx_active_ && total != rx_total_)
        return fail_protocol();
    const uint32_t received = rx_active_ ? rx_received_ : 0;
    if (length > total - received)
        return fail_protocol();
    // END on exactly the slot that completes the total; all others full, so
    // a transaction always takes max(1, ceil(total / B)) slots.
    if (ends != (length == total - received) || (!ends && length != slot_size_))
        return fail_protocol();
    BH_TRY(accept_ack(ack));
    return SlotView{flags, length, total, slot + sizeof(bh_mailbox_slot_header)};
}

Result<SlotReceipt> Endpoint::receive_slot(const ReceiveTarget& target) {
    if (broken_)
        return Errc::proto;
    const auto identity = reinterpret_cast<uintptr_t>(target.data);
    if (rx_active_ && !target.discard &&
        (rx_discarding_ || identity != rx_identity_ || target.capacity < rx_total_))
        return Errc::busy;

    const SlotView slot = BH_TRY(inspect_rx_slot());
    const bool starts = !rx_active_;
    if (starts && !target.discard && slot.total > target.capacity)
        return Errc::msgsize;  // not consumed: the caller may retry or discard
    const uint32_t received = starts ? 0 : rx_received_;
    if (!target.discard && slot.length > 0)
        __builtin_memcpy(target.data + received, slot.payload, slot.length);
    store_progress(own_control()->consumed, rx_consumed_ + 1, doorbell_ != nullptr);  // frees it
    ++rx_consumed_;

    const uint32_t now_received = received + slot.length;
    const bool complete = (slot.flags & BH_MAILBOX_SLOT_END) != 0;
    if (complete) {
        rx_active_ = false;
        rx_discarding_ = false;
    } else {
        rx_active_ = true;
        rx_discarding_ = target.discard;
        rx_identity_ = identity;
        rx_total_ = slot.total;
        rx_received_ = now_received;
    }
    ring_if_requested(&bh_mailbox_control::wake_on_space);
    return SlotReceipt{slot.total, now_received,
                       complete ? SlotProgress::complete : SlotProgress::partial};
}

Result<SlotReceipt> Endpoint::try_receive_slot(MutableBytes buffer) {
    if (buffer.size > 0 && buffer.data == nullptr)
        return Errc::inval;
    return receive_slot(ReceiveTarget{buffer.data, buffer.size, false});
}

Result<SlotReceipt> Endpoint::try_discard_slot() {
    return receive_slot(ReceiveTarget{nullptr, 0, true});
}

Result<uint32_t> Endpoint::receive_blocking(const ReceiveTarget& target, uint64_t timeout) {
    const uint64_t deadline = deadline_after(timeout);
    WakeRequest wake(*this, &bh_mailbox_control::wake_on_data);
    for (;;) {
        auto step = receive_slot(target);
        if (step.ok()) {
            if (step->progress == SlotProgress::complete)
                return step->transaction_size;
            continue;
        }
        if (step.error() != Errc::again)
            return Error{step.error()};
        if (clock_->now() >= deadline)
            return Errc::timedout;
        if (doorbell_ != nullptr && !wake.armed()) {
            wake.arm();  // then look again before sleeping: no lost wake-up
            continue;
        }
        wait_for_peer(deadline);
    }
}

Result<uint32_t> Endpoint::receive(MutableBytes buffer, uint64_t timeout) {
    if (buffer.size > 0 && buffer.data == nullptr)
        return Errc::inval;
    return receive_blocking(ReceiveTarget{buffer.data, buffer.size, false}, timeout);
}

Result<uint32_t> Endpoint::discard(uint64_t timeout) {
    return receive_blocking(ReceiveTarget{nullptr, 0, true}, timeout);
}

Result<uint32_t> Endpoint::next_transaction_size() {
    if (broken_)
        return Errc::proto;
    if (rx_active_)
        return rx_total_;
    const SlotView slot = BH_TRY(inspect_rx_slot());
    return slot.total;
}

Result<void> Endpoint::request_wake(Wake what) {
    if (doorbell_ == nullptr)
        return Errc::inval;
    uint32_t bh_mailbox_control::*flag = what == Wake::on_data ? &bh_mailbox_control::wake_on_data
                                                                 : &bh_mailbox_control::wake_on_space;
    store_shared(own_control()->*flag, uint32_t{1}, std::memory_order_seq_cst);
    return success();
}

void Endpoint::cancel_wake() {
    store_shared(own_control()->wake_on_data, uint32_t{0}, std::memory_order_relaxed);
    store_shared(own_control()->wake_on_space, uint32_t{0}, std::memory_order_relaxed);
}

}  // namespace bh::ipc
