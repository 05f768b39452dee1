// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The RTOS kernel's side of a channel, the parts that touch no CPU state
// and so build for the host too (tests/unit/mailbox/channel_port_test.cpp):
//
//  - the boot argument that declares a channel to the kernel (the cell's
//    config is not visible to a cell; the root passes what it says), and
//  - transfers in bounded steps: the kernel runs with interrupts off, so a
//    system call moves at most a quota of bytes per kernel entry and then
//    lets interrupts in before it goes on (Documentation/rtos-kernel.md,
//    "Channels").
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <bh/format.h>
#include <bh/result.h>

#include "mailbox.h"

namespace bh::ipc {

struct ChannelSpec {
    uint32_t id;
    uint64_t address;  // where the cell sees the region (guest-physical)
    uint64_t size;
    Geometry geometry;  // B as given (0: the build's default), R as bh_channel_geometry()
    uint8_t vector;     // doorbell vector, 0: none (the kernel polls)
};

// Parses "ID,ADDRESS,SIZE,SLOT[,VECTOR]", numbers decimal or 0x hex, the
// values of the channel in the cell's config (struct bh_channel: id,
// guest_start, size, slot_size) plus the doorbell vector to register.
// Refused with inval, naming nothing half-parsed: a missing or malformed
// field, trailing text, a region that is not page aligned, not a page
// multiple, outside [low, high) (where the caller can map a channel), or
// too small for one slot; a vector other than 0 or 32..255.
Result<ChannelSpec> parse_channel_spec(Str text, uint64_t low, uint64_t high);

// What one bounded step of a transfer did.
enum class Step : uint8_t {
    complete,  // the whole transaction is sent / received / dropped
    more,      // the quota ran out: more slots may be ready right now
    blocked,   // nothing more can move until the peer acts
};

struct StepResult {
    Step step;
    uint32_t size;  // the transaction's bytes, once known (receive, discard)
};

// Sends slots of `transaction` until it is complete, no slot is free, or at
// least `quota` payload bytes were copied in this step. At least one slot
// moves if one can, whatever the quota. The endpoint keeps the progress:
// call again with the same transaction to go on.
Result<StepResult> send_step(Endpoint& endpoint, ConstBytes transaction, size_t quota);

// Receives slots into `buffer` the same way. msgsize when the next
// transaction is larger than the buffer: nothing consumed (discard it, or
// call with a larger buffer).
Result<StepResult> receive_step(Endpoint& endpoint, MutableBytes buffer, size_t quota);

// Drops the next (or the partly received) transaction the same way (no
// copy, but the quota counts every slot as B bytes all the same, so that a
// peer streaming a huge transaction cannot keep the caller for long).
Result<StepResult> discard_step(Endpoint& endpoint, size_t quota);

}  // namespace bh::ipc
