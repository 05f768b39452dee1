// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "channel_port.h"

#include <bh/kconfig.h>
#include <bulkhead/hypercall.h>

namespace bh::ipc {
namespace {

constexpr uint64_t kPage = BH_MAILBOX_PAGE_SIZE;

// A number of the spec: decimal or 0x hex, no sign, no overflow.
bool parse_number(Str text, uint64_t& out) {
    if (text.size == 0)
        return false;
    uint64_t base = 10;
    size_t i = 0;
    if (text.size > 2 && text.data[0] == '0' && (text.data[1] == 'x' || text.data[1] == 'X')) {
        base = 16;
        i = 2;
    }
    uint64_t value = 0;
    for (; i < text.size; ++i) {
        char c = text.data[i];
        uint64_t digit;
        if (c >= '0' && c <= '9')
            digit = static_cast<uint64_t>(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            digit = static_cast<uint64_t>(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            digit = static_cast<uint64_t>(c - 'A' + 10);
        else
            return false;
        if (value > (UINT64_MAX - digit) / base)
            return false;
        value = value * base + digit;
    }
    out = value;
    return true;
}

}  // namespace

Result<ChannelSpec> parse_channel_spec(Str text, uint64_t low, uint64_t high) {
    uint64_t field[5];
    size_t count = 0;
    size_t start = 0;
    for (size_t i = 0; i <= text.size; ++i) {
        if (i < text.size && text.data[i] != ',')
            continue;
        if (count == 5 || !parse_number(Str(text.data + start, i - start), field[count]))
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

Result<StepResult> send_step(Endpoint& endpoint, ConstBytes transaction, size_t quota) {
    size_t moved = 0;
    for (;;) {
        auto slot = endpoint.try_send_slot(transaction);
        if (!slot.ok()) {
            if (slot.error() == Errc::again)
                return StepResult{Step::blocked, 0};
            return Error{slot.error()};
        }
        if (*slot == SlotProgress::complete)
            return StepResult{Step::complete, static_cast<uint32_t>(transaction.size)};
        moved += endpoint.geometry().slot_size;  // a partial slot is a full one
        if (moved >= quota)
            return StepResult{Step::more, 0};
    }
}

Result<StepResult> receive_step(Endpoint& endpoint, MutableBytes buffer, size_t quota) {
    size_t moved = 0;
    for (;;) {
        auto slot = endpoint.try_receive_slot(buffer);
        if (!slot.ok()) {
            if (slot.error() == Errc::again)
                return StepResult{Step::blocked, 0};
            return Error{slot.error()};
        }
        if (slot->progress == SlotProgress::complete)
            return StepResult{Step::complete, slot->transaction_size};
        moved += endpoint.geometry().slot_size;
        if (moved >= quota)
            return StepResult{Step::more, slot->transaction_size};
    }
}

Result<StepResult> discard_step(Endpoint& endpoint, size_t quota) {
    size_t moved = 0;
    for (;;) {
        auto slot = endpoint.try_discard_slot();
        if (!slot.ok()) {
            if (slot.error() == Errc::again)
                return StepResult{Step::blocked, 0};
            return Error{slot.error()};
        }
        if (slot->progress == SlotProgress::complete)
            return StepResult{Step::complete, slot->transaction_size};
        moved += endpoint.geometry().slot_size;
        if (moved >= quota)
            return StepResult{Step::more, slot->transaction_size};
    }
}

}  // namespace bh::ipc
