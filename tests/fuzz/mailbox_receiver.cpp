// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// libFuzzer target: an endpoint whose peer is the fuzzer. The input is a
// script that writes arbitrary bytes, plausible slot headers, or honest
// protocol steps (through a real endpoint on the peer's side) into the
// peer's section of the channel, and makes the endpoint under test receive,
// send, discard, inspect and re-open in between. ASan and UBSan
// catch any access outside the region or the caller's buffers; the checks
// below catch broken promises of the API (sizes larger than the buffer,
// results outside the documented set, a broken endpoint that recovers).
//
// Build and run: tests/fuzz/run.sh
#include <ipc/mailbox.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <initializer_list>
#include <new>
#include <optional>
#include <vector>

namespace {

using namespace bh;
using namespace bh::ipc;

class SteppingClock final : public Clock {
public:
    uint64_t now() override { return ++now_; }

private:
    uint64_t now_ = 0;
};

// Reads the script; past its end every read yields zero.
class Script {
public:
    Script(const uint8_t* data, size_t size) : data_(data), size_(size) {}
    bool done() const { return offset_ >= size_; }
    uint8_t byte() { return offset_ < size_ ? data_[offset_++] : 0; }
    uint32_t word() {
        uint32_t value = 0;
        for (int i = 0; i < 4; ++i)
            value = value << 8 | byte();
        return value;
    }
    size_t take(uint8_t* out, size_t wanted) {
        const size_t n = wanted < size_ - offset_ ? wanted : size_ - offset_;
        memcpy(out, data_ + offset_, n);
        offset_ += n;
        return n;
    }

private:
    const uint8_t* data_;
    size_t size_;
    size_t offset_ = 0;
};

[[noreturn]] void broken_promise() { __builtin_trap(); }

bool one_of(Errc e, std::initializer_list<Errc> allowed) {
    for (Errc a : allowed)
        if (e == a)
            return true;
    return false;
}

struct AlignedRegion {
    explicit AlignedRegion(size_t n)
        : size(n), bytes(new (std::align_val_t{BH_MAILBOX_PAGE_SIZE}) uint8_t[n]()) {}
    ~AlignedRegion() { ::operator delete[](bytes, std::align_val_t{BH_MAILBOX_PAGE_SIZE}); }
    AlignedRegion(const AlignedRegion&) = delete;
    AlignedRegion& operator=(const AlignedRegion&) = delete;
    size_t size;
    uint8_t* bytes;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Script script(data, size);
    auto geometry = make_geometry(64u * (1 + (script.byte() & 3)), 1u << (script.byte() % 3));
    if (!geometry.ok())
        broken_promise();
    const uint32_t slot_size = geometry->slot_size, slot_count = geometry->slot_count;
    AlignedRegion region(region_size(*geometry));  // exactly the size: ASan guards the end
    if (!format_channel({region.bytes, region.size}, *geometry).ok())
        broken_promise();
    const uint32_t section_size = bh_mailbox_section_size(slot_size, slot_count);
    uint8_t* peer = region.bytes + bh_mailbox_section_offset(section_size, BH_MAILBOX_SIDE_1);

    SteppingClock clock;
    const EndpointOptions options{slot_size, slot_count, nullptr};
    auto opened = Endpoint::open({region.bytes, region.size}, Side::zero, clock, options);
    if (!opened.ok())
        broken_promise();
    std::optional<Endpoint> endpoint(std::move(*opened));
    // The fuzzer's honest hands: a real endpoint on the peer's side, whose
    // slots the raw writes then corrupt at will.
    auto peer_opened = Endpoint::open({region.bytes, region.size}, Side::one, clock, options);
    if (!peer_opened.ok())
        broken_promise();
    Endpoint honest_peer(std::move(*peer_opened));
    const auto* own_control = reinterpret_cast<const bh_mailbox_control*>(
        region.bytes + bh_mailbox_section_offset(section_size, BH_MAILBOX_SIDE_0));

    // The receive buffer is reused while a transaction is in progress (the
    // API requires the same buffer), so its capacity is fixed per input.
    const size_t capacity = script.byte() * 4u;
    std::vector<uint8_t> buffer(capacity);
    std::vector<uint8_t> outgoing(slot_size * 3 + 17, 0x42);
    std::vector<uint8_t> peer_message(script.byte() % (slot_size * 3 + 1), 0x24);
    std::vector<uint8_t> peer_inbox(outgoing.size());

    while (!script.done()) {
        const bool was_broken = endpoint->broken();
        switch (script.byte() % 10) {
        case 0: {  // raw bytes anywhere in the peer's section
            const uint32_t offset = (script.byte() << 8 | script.byte()) % section_size;
            script.take(peer + offset, (section_size - offset) < 64 ? section_size - offset : 64);
            break;
        }
        case 1: {  // a plausible slot header near the position the endpoint expects
            const uint32_t position = own_control->consumed + script.byte() % 3 - 1;
            auto* header = reinterpret_cast<bh_mailbox_slot_header*>(
                peer + bh_mailbox_slot_offset(slot_size, position & (slot_count - 1)));
            header->flags = script.byte() % 8;
            header->length = script.byte() % 2 ? script.word() : script.byte() % (slot_size + 2);
            header->total = script.byte() % 2 ? script.word() : script.byte() * 3u;
            header->ack = script.byte() % 2 ? script.word() : script.byte() % 4;
            header->seq = position + 1 - (script.byte() % 3 == 0 ? slot_count : 0);
            break;
        }
        case 8:  // an honest slot from the peer
            (void)honest_peer.try_send_slot({peer_message.data(), peer_message.size()});
            break;
        case 9:  // the peer honestly consumes one of ours
            (void)honest_peer.try_receive_slot({peer_inbox.data(), peer_inbox.size()});
            break;
        case 2: {
            auto r = endpoint->try_receive_slot({buffer.data(), buffer.size()});
            if (r.ok() ? (r->received > capacity || r->received > r->transaction_size)
                       : !one_of(r.error(), {Errc::again, Errc::proto, Errc::msgsize, Errc::busy}))
                broken_promise();
            break;
        }
        case 3: {
            auto r = endpoint->receive({buffer.data(), buffer.size()}, script.byte() % 16);
            if (r.ok() ? *r > capacity
                       : !one_of(r.error(), {Errc::timedout, Errc::proto, Errc::msgsize, Errc::busy}))
                broken_promise();
            break;
        }
        case 4: {
            const size_t length = script.byte() % (outgoing.size() + 1);
            // Always the same buffer start, so a resumed send is legal; a
            // different length mid-transaction must be refused as busy.
            auto r = endpoint->try_send_slot({outgoing.data(), length});
            if (!r.ok() && !one_of(r.error(), {Errc::again, Errc::proto, Errc::busy}))
                broken_promise();
            break;
        }
        case 5: {
            auto r = endpoint->discard(script.byte() % 16);
            if (!r.ok() && !one_of(r.error(), {Errc::timedout, Errc::proto}))
                broken_promise();
            break;
        }
        case 6: {
            auto r = endpoint->next_transaction_size();
            if (!r.ok() && !one_of(r.error(), {Errc::again, Errc::proto}))
                broken_promise();
            break;
        }
        default: {  // re-open over whatever the memory now holds
            auto r = Endpoint::open({region.bytes, region.size}, Side::zero, clock, options);
            if (!r.ok()) {
                if (!one_of(r.error(), {Errc::proto, Errc::again}))
                    broken_promise();
                break;
            }
            endpoint.emplace(std::move(*r));
            continue;  // a fresh endpoint may be healthy again
        }
        }
        if (was_broken && !endpoint->broken())
            broken_promise();  // only re-opening repairs an endpoint
    }
    return 0;
}
