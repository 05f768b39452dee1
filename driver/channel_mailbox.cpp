// SPDX-License-Identifier: GPL-2.0
//
// C entry points into the portable mailbox endpoint for the channel devices
// (driver/channel.c). The endpoint lives in memory the C side allocates.
#include "channel_mailbox.h"

#include <ipc/mailbox.h>

using bh::ipc::Endpoint;

namespace {

// Only the blocking calls read the clock; the driver uses none of them.
class NoClock final : public bh::ipc::Clock {
public:
    uint64_t now() override { return 0; }
};

constinit NoClock no_clock;

// Rings the peer through the driver (BH_HC_CHANNEL_NOTIFY) when the peer
// asked for it. wait() belongs to the blocking calls, which the driver
// does not use: it polls.
class DriverDoorbell final : public bh::ipc::Doorbell {
public:
    void* ctx = nullptr;
    void ring_peer() override { bh_mbox_ring_peer(ctx); }
    void wait(uint64_t) override {}
};

struct Holder {
    bool open;
    DriverDoorbell doorbell;
    alignas(Endpoint) unsigned char storage[sizeof(Endpoint)];
    Endpoint& endpoint() { return *reinterpret_cast<Endpoint*>(storage); }
};

Holder& holder(bh_mbox* m) { return *reinterpret_cast<Holder*>(m); }

int error(bh::Errc e) { return bh::to_errno(e); }

}  // namespace

extern "C" {

unsigned long bh_mbox_size(void) { return sizeof(Holder); }

int bh_mbox_format(void* region, unsigned long long size, unsigned int slot_size, unsigned int slot_count) {
    auto geometry = bh::ipc::make_geometry(slot_size, slot_count);
    if (!geometry.ok())
        return error(geometry.error());
    auto r = bh::ipc::format_channel({static_cast<uint8_t*>(region), static_cast<size_t>(size)}, *geometry);
    return r.ok() ? 0 : error(r.error());
}

int bh_mbox_open(bh_mbox* m, void* region, unsigned long long size, unsigned int side, unsigned int slot_size,
                 unsigned int slot_count, void* ring_ctx) {
    Holder& h = holder(m);
    bh_mbox_close(m);
    if (side > 1)
        return error(bh::Errc::inval);
    bh::ipc::EndpointOptions options;
    options.slot_size = slot_size;
    options.slot_count = slot_count;
    new (&h.doorbell) DriverDoorbell();
    h.doorbell.ctx = ring_ctx;
    options.doorbell = &h.doorbell;
    auto opened = Endpoint::open({static_cast<uint8_t*>(region), static_cast<size_t>(size)},
                                 side == 0 ? bh::ipc::Side::zero : bh::ipc::Side::one, no_clock, options);
    if (!opened.ok())
        return error(opened.error());
    new (h.storage) Endpoint(static_cast<Endpoint&&>(*opened));
    h.open = true;
    return 0;
}

void bh_mbox_close(bh_mbox* m) {
    Holder& h = holder(m);
    if (h.open)
        h.endpoint().~Endpoint();
    h.open = false;
}

int bh_mbox_try_send(bh_mbox* m, const void* data, unsigned int len) {
    Holder& h = holder(m);
    if (!h.open)
        return error(bh::Errc::nodev);
    auto r = h.endpoint().try_send_slot({static_cast<const uint8_t*>(data), len});
    if (!r.ok())
        return error(r.error());
    return *r == bh::ipc::SlotProgress::complete ? 1 : 0;
}

int bh_mbox_try_recv(bh_mbox* m, void* buf, unsigned int cap, unsigned int* total) {
    Holder& h = holder(m);
    if (!h.open)
        return error(bh::Errc::nodev);
    auto r = h.endpoint().try_receive_slot({static_cast<uint8_t*>(buf), cap});
    if (!r.ok())
        return error(r.error());
    *total = r->transaction_size;
    return r->progress == bh::ipc::SlotProgress::complete ? 1 : 0;
}

long bh_mbox_next_size(bh_mbox* m) {
    Holder& h = holder(m);
    if (!h.open)
        return error(bh::Errc::nodev);
    auto r = h.endpoint().next_transaction_size();
    return r.ok() ? static_cast<long>(*r) : error(r.error());
}

int bh_mbox_broken(bh_mbox* m) {
    Holder& h = holder(m);
    return h.open && h.endpoint().broken();
}

}  // extern "C"
