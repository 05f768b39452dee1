// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "channel_port.h"

#include <bh/format.h>
#include <bh/kconfig.h>
#include <bulkhead/hypercall.h>

namespace bh::ipc {
namespace {

constexpr uint64_t kPage = BH_MAILBOX_PAGE_SIZE;

}  // namespace

Result<ChannelSpec> parse_channel_spec(Str text, uint64_t low, uint64_t high) {
    uint64_t field[5];
    size_t count = 0;
    size_t start = 0;
    for (size_t i = 0; i <= text.size; ++i) {
        if (i < text.size && text.data[i] != ',')
            continue;
        if (count == 5 || !parse_u64(Str(text.data + start, i - start), field[count]))
            return Errc::inval;
        ++count;
        start = i + 1;
    }
    if (count < 4)
        return Errc::inval;
    const uint64_t id = field[0], address = field[1], size = field[2];
    uint64_t slot = field[3];
    const uint64_t vector = count == 5 ? field[4] : 0;
    if (id > UINT32_MAX || slot > UINT32_MAX || !bh_channel_vector_valid(vector))
        return Errc::inval;
    if (size == 0 || address % kPage != 0 || size % kPage != 0 || address < low || address > high ||
        size > high - address)
        return Errc::inval;
    if (slot == 0)
        slot = kconfig::mailbox_slot_size;
    uint32_t slots = 0;
    if (bh_channel_geometry(size, static_cast<uint32_t>(slot), &slots) != 0)
        return Errc::inval;
    return ChannelSpec{static_cast<uint32_t>(id), address, size, Geometry{static_cast<uint32_t>(slot), slots},
                       static_cast<uint8_t>(vector)};
}

namespace {

// The loop of the three steps: move slots with `move_slot` until the
// transaction is complete, nothing can move, or `quota` bytes moved (a
// partial slot counts as a full one). `reached(slot)` says what a moved
// slot came to: complete or not, and the transaction's size if known.
template <typename MoveSlot, typename Reached>
Result<StepResult> step_slots(Endpoint& endpoint, size_t quota, MoveSlot move_slot, Reached reached) {
    size_t moved = 0;
    for (;;) {
        auto slot = move_slot();
        if (!slot.ok()) {
            if (slot.error() == Errc::again)
                return StepResult{Step::blocked, 0};
            return Error{slot.error()};
        }
        StepResult result = reached(*slot);
        if (result.step == Step::complete)
            return result;
        moved += endpoint.geometry().slot_size;
        if (moved >= quota)
            return result;
    }
}

StepResult receipt_step(const SlotReceipt& slot) {
    return {slot.progress == SlotProgress::complete ? Step::complete : Step::more, slot.transaction_size};
}

}  // namespace

Result<StepResult> send_step(Endpoint& endpoint, ConstBytes transaction, size_t quota) {
    return step_slots(
        endpoint, quota, [&] { return endpoint.try_send_slot(transaction); },
        [&](SlotProgress progress) {
            return progress == SlotProgress::complete
                       ? StepResult{Step::complete, static_cast<uint32_t>(transaction.size)}
                       : StepResult{Step::more, 0};
        });
}

Result<StepResult> receive_step(Endpoint& endpoint, MutableBytes buffer, size_t quota) {
    return step_slots(
        endpoint, quota, [&] { return endpoint.try_receive_slot(buffer); }, receipt_step);
}

Result<StepResult> discard_step(Endpoint& endpoint, size_t quota) {
    return step_slots(
        endpoint, quota, [&] { return endpoint.try_discard_slot(); }, receipt_step);
}

}  // namespace bh::ipc
