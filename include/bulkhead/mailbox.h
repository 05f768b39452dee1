/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bulkhead channel mailbox: the shared-memory layout of one channel.
 *
 * A channel is a shared-memory region between two cells (the hypervisor's
 * ivshmem-like device maps it into both). On it runs the Quest-V mailbox:
 * each direction has a slot of B bytes; the sender fills the slot when it is
 * empty, the receiver empties it when it is full. A transaction is one or
 * more slots, START set on the first, END on the last. With slot_count R > 1
 * a direction is a ring of R slots (the sender may run R slots ahead); R = 1
 * is Quest-V's single slot.
 *
 * Region layout (every offset is from the start of the region):
 *
 *   0                        struct bh_mailbox_header (one 64-byte line; the
 *                            rest of the first page is reserved, zero)
 *   BH_MAILBOX_PAGE_SIZE     section of side 0
 *   .. + section_size        section of side 1
 *
 * A side's section holds everything that side writes, and nothing else:
 *
 *   0                        struct bh_mailbox_control (64 bytes; the rest of
 *                            its 128-byte pair is reserved)
 *   128 + i * slot_stride    slot i of this side's transmit direction:
 *                            struct bh_mailbox_slot_header (64 bytes), then
 *                            slot_size bytes of payload
 *
 * with slot_stride = 64 + slot_size rounded up to 128, so that every slot
 * header shares an aligned 128-byte pair with the first line of its payload
 * (x86 cores may fetch the other line of such a pair along with a missed
 * one; Documentation/performance.md found no effect on the host it measured).
 * section_size is rounded up to whole pages. Because each section has exactly
 * one writer, the hypervisor can map a side's section read-only into the
 * peer (as Jailhouse's ivshmem 2.0 does with output sections); the protocol
 * does not depend on it.
 *
 * Synchronisation. Counters are free-running 32-bit values compared by
 * difference. Slot i of a direction carries stream position p (p mod R == i)
 * when its seq is p + 1. The sender writes payload and the other header
 * fields, then seq with release semantics; the receiver reads seq with
 * acquire semantics, then every other field exactly once. The receiver frees
 * slots by storing its consumed count (release); the sender reads it
 * (acquire) before reusing a slot. A formatted slot i starts with
 * seq = i + 1 - R (mod 2^32): "position i - R", the previous lap, so that a
 * receiver always knows which value means "not yet written".
 *
 * The peer is untrusted: everything read from the peer's section, and from
 * the header after open, is copied once and validated. Kernel C reads with
 * READ_ONCE()/smp_load_acquire() and writes with WRITE_ONCE()/
 * smp_store_release(); C++ uses std::atomic_ref.
 *
 * The protocol is specified in Documentation/channel-bound.md ("Protocol")
 * and implemented in inmates/rtos/ipc/mailbox.cpp.
 */
#ifndef BULKHEAD_MAILBOX_H
#define BULKHEAD_MAILBOX_H

#include "types.h"

#define BH_MAILBOX_MAGIC 0x584f424du /* "MBOX" in little-endian memory */
#define BH_MAILBOX_VERSION 1u

#define BH_MAILBOX_PAGE_SIZE 4096u
#define BH_MAILBOX_LINE_SIZE 64u
#define BH_MAILBOX_SLOT_ALIGN 128u /* a pair of lines */

/* Slot capacity B: a multiple of the line size within these bounds. */
#define BH_MAILBOX_MIN_SLOT_SIZE 64u
#define BH_MAILBOX_MAX_SLOT_SIZE (16u * 1024u * 1024u)
/*
 * Slots per direction R: a power of two, so that a free-running position
 * maps to the same slot (position mod R) across the 2^32 wrap.
 */
#define BH_MAILBOX_MAX_SLOT_COUNT 64u

/* struct bh_mailbox_slot_header.flags */
#define BH_MAILBOX_SLOT_START 0x1u /* first slot of a transaction */
#define BH_MAILBOX_SLOT_END 0x2u /* last slot of a transaction */
#define BH_MAILBOX_SLOT_FLAGS_ALL 0x3u

/* Sides of a channel; side n transmits from section n. */
#define BH_MAILBOX_SIDE_0 0u
#define BH_MAILBOX_SIDE_1 1u

/* Written once, when the channel is formatted; read once by each opener. */
struct bh_mailbox_header {
	bh_u32 magic; /* BH_MAILBOX_MAGIC, stored last (release) */
	bh_u16 version; /* BH_MAILBOX_VERSION */
	bh_u16 reserved0; /* 0 */
	bh_u32 slot_size; /* B, payload bytes per slot */
	bh_u32 slot_count; /* R, slots per direction */
	bh_u32 section_size; /* bytes per side section, page multiple */
	bh_u32 reserved[11]; /* 0 */
};

/* First line of a side's section. Written by that side only. */
struct bh_mailbox_control {
	bh_u32 consumed; /* slots of the peer's direction consumed */
	bh_u32 wake_on_data; /* non-zero: ring me after publishing a slot */
	bh_u32 wake_on_space; /* non-zero: ring me after consuming a slot */
	bh_u32 reserved[13];
};

/* Header line of a slot; the payload follows it. */
struct bh_mailbox_slot_header {
	bh_u32 seq; /* stream position + 1; stored last (release) */
	bh_u32 flags; /* BH_MAILBOX_SLOT_* */
	bh_u32 length; /* payload bytes in this slot, <= B; B unless END */
	bh_u32 total; /* transaction bytes, equal in all its slots */
	bh_u32 ack; /* the writer's control.consumed when it published */
	bh_u32 reserved[11];
};

BH_STATIC_ASSERT(sizeof(struct bh_mailbox_header) == 64, "mailbox header ABI");
BH_STATIC_ASSERT(__builtin_offsetof(struct bh_mailbox_header, slot_size) == 8,
		 "mailbox header ABI");
BH_STATIC_ASSERT(__builtin_offsetof(struct bh_mailbox_header, section_size) == 16,
		 "mailbox header ABI");
BH_STATIC_ASSERT(sizeof(struct bh_mailbox_control) == 64, "mailbox control ABI");
BH_STATIC_ASSERT(__builtin_offsetof(struct bh_mailbox_control, wake_on_data) == 4,
		 "mailbox control ABI");
BH_STATIC_ASSERT(__builtin_offsetof(struct bh_mailbox_control, wake_on_space) == 8,
		 "mailbox control ABI");
BH_STATIC_ASSERT(sizeof(struct bh_mailbox_slot_header) == 64, "mailbox slot ABI");
BH_STATIC_ASSERT(__builtin_offsetof(struct bh_mailbox_slot_header, flags) == 4,
		 "mailbox slot ABI");
BH_STATIC_ASSERT(__builtin_offsetof(struct bh_mailbox_slot_header, length) == 8,
		 "mailbox slot ABI");
BH_STATIC_ASSERT(__builtin_offsetof(struct bh_mailbox_slot_header, total) == 12,
		 "mailbox slot ABI");
BH_STATIC_ASSERT(__builtin_offsetof(struct bh_mailbox_slot_header, ack) == 16,
		 "mailbox slot ABI");

/* Non-zero when (slot_size, slot_count) is a geometry this ABI allows. */
static inline int bh_mailbox_geometry_valid(bh_u32 slot_size, bh_u32 slot_count)
{
	return slot_size >= BH_MAILBOX_MIN_SLOT_SIZE &&
	       slot_size <= BH_MAILBOX_MAX_SLOT_SIZE &&
	       slot_size % BH_MAILBOX_LINE_SIZE == 0 && slot_count >= 1 &&
	       slot_count <= BH_MAILBOX_MAX_SLOT_COUNT &&
	       (slot_count & (slot_count - 1)) == 0;
}

/* Distance between consecutive slots of a section. */
static inline bh_u32 bh_mailbox_slot_stride(bh_u32 slot_size)
{
	return ((bh_u32)sizeof(struct bh_mailbox_slot_header) + slot_size +
		BH_MAILBOX_SLOT_ALIGN - 1) &
	       ~(BH_MAILBOX_SLOT_ALIGN - 1);
}

/* Bytes of one side's section, for a valid geometry (fits in 32 bits). */
static inline bh_u32 bh_mailbox_section_size(bh_u32 slot_size, bh_u32 slot_count)
{
	bh_u64 bytes = BH_MAILBOX_SLOT_ALIGN +
		       (bh_u64)slot_count * bh_mailbox_slot_stride(slot_size);

	return (bh_u32)((bytes + BH_MAILBOX_PAGE_SIZE - 1) &
			~(bh_u64)(BH_MAILBOX_PAGE_SIZE - 1));
}

/* Offset of side's section in the region. */
static inline bh_u64 bh_mailbox_section_offset(bh_u32 section_size, bh_u32 side)
{
	return BH_MAILBOX_PAGE_SIZE + (bh_u64)side * section_size;
}

/* Bytes of the whole channel region, for a valid geometry. */
static inline bh_u64 bh_mailbox_region_size(bh_u32 slot_size, bh_u32 slot_count)
{
	return BH_MAILBOX_PAGE_SIZE +
	       2 * (bh_u64)bh_mailbox_section_size(slot_size, slot_count);
}

/* Offset of slot index's header within a section. */
static inline bh_u64 bh_mailbox_slot_offset(bh_u32 slot_size, bh_u32 index)
{
	return BH_MAILBOX_SLOT_ALIGN + (bh_u64)index * bh_mailbox_slot_stride(slot_size);
}

/* Largest transaction one read() or write() of a root channel device moves. */
#define BH_CHANNEL_MAX_TRANSACTION (1u << 20)

/*
 * The geometry of a configured channel (struct bh_channel): slot_size B
 * from the config (the caller resolves 0 to the build's default) and
 * the largest slot count R that fits the region, at most
 * BH_MAILBOX_MAX_SLOT_COUNT. Both endpoints derive it from the same config
 * fields, so they agree without storing R anywhere. Returns 0 and fills
 * *slot_count, or -1 when not even one slot fits or B is invalid.
 */
static inline int bh_channel_geometry(bh_u64 region_size, bh_u32 slot_size, bh_u32 *slot_count)
{
	bh_u32 r;

	for (r = BH_MAILBOX_MAX_SLOT_COUNT; r >= 1; r /= 2) {
		if (bh_mailbox_geometry_valid(slot_size, r) &&
		    bh_mailbox_region_size(slot_size, r) <= region_size) {
			*slot_count = r;
			return 0;
		}
	}
	return -1;
}

#endif /* BULKHEAD_MAILBOX_H */
