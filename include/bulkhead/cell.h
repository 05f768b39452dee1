/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Non-root cells: the boot contract between the hypervisor, the loader
 * (`bulkhead cell load`) and an inmate. Documentation/inmates.md explains
 * every field; this header is the byte layout.
 *
 * - The inmate image is a flat binary. At BH_INMATE_HEADER_OFFSET it carries
 *   struct bh_inmate_header: where it must be loaded (guest-physical, equal to
 *   the cell's cpu_reset_address), how much memory it uses, and where it
 *   expects its communication page (a link-time constant of the image).
 * - Every CPU of the cell starts in 16-bit real mode at cpu_reset_address:
 *   CS.base = cpu_reset_address & ~0xffff, CS.selector = (CS.base >> 4) &
 *   0xffff, IP = cpu_reset_address & 0xffff, other segments base 0, limit
 *   0xffff, interrupts off, paging off.
 * - The communication page (struct bh_comm_page) is one page of the cell's
 *   memory (region flag BH_MEM_COMM_REGION) that the hypervisor fills before
 *   the cell starts: identity, clocks, boot arguments, and the state /
 *   message handshake for shutdown requests.
 * - Console: hypercall BH_HC_CONSOLE_WRITE (hypercall.h), at most
 *   BH_CONSOLE_WRITE_MAX bytes per call.
 * - Under bulkhead, CPUID leaf BH_CPUID_LEAF returns EBX, ECX, EDX =
 *   BH_CPUID_SIG_EBX, BH_CPUID_SIG_ECX, 0 ("bulkhead").
 */
#ifndef BULKHEAD_CELL_H
#define BULKHEAD_CELL_H

#include "types.h"

/* --- detection ------------------------------------------------------------ */
#define BH_CPUID_LEAF 0x40000000u
#define BH_CPUID_SIG_EBX 0x6b6c7562u /* "bulk" */
#define BH_CPUID_SIG_ECX 0x64616568u /* "head" */
#define BH_CPUID_SIG_EDX 0u

/* Bytes of text one BH_HC_CONSOLE_WRITE may carry. */
#define BH_CONSOLE_WRITE_MAX 256u

/* --- the inmate image header ------------------------------------------- */
#define BH_INMATE_SIGNATURE "BHINMATE" /* 8 bytes, not NUL-terminated */
#define BH_INMATE_REVISION 1
#define BH_INMATE_HEADER_OFFSET 0x10u /* from the first byte of the image */
/* Where inmates/lib links its images (QEMU's multiboot loader wants >= 1 MiB). */
#define BH_INMATE_DEFAULT_LOAD_ADDRESS 0x100000ull
/* Where inmates/lib images expect their communication page by default. */
#define BH_INMATE_DEFAULT_COMM_PAGE 0x1000000ull

struct bh_inmate_header {
	char signature[8]; /* BH_INMATE_SIGNATURE */
	bh_u32 revision; /* BH_INMATE_REVISION */
	bh_u32 header_size; /* sizeof(struct bh_inmate_header) */
	bh_u64 load_address; /* guest-physical address of byte 0 of the image */
	bh_u64 file_size; /* bytes of the image file */
	bh_u64 memory_size; /* bytes from load_address the image uses (bss, stacks) */
	bh_u64 comm_page; /* guest-physical address of its struct bh_comm_page */
	bh_u64 entry_offset; /* 16-bit entry, from the image start (always 0 today) */
	bh_u64 reserved; /* 0 */
};

/* --- the communication page -------------------------------------------- */
#define BH_COMM_SIGNATURE "BHCOMMPG" /* 8 bytes, not NUL-terminated */
#define BH_COMM_REVISION 1
#define BH_COMM_ARGS_SIZE 256u /* boot arguments, NUL included */

/* cell_state: written by the cell only. */
#define BH_CELL_STATE_RUNNING 0u /* set by the hypervisor at start */
#define BH_CELL_STATE_RUNNING_LOCKED 1u /* refuses shutdown requests */
#define BH_CELL_STATE_SHUT_DOWN 2u /* the inmate ended normally */
#define BH_CELL_STATE_FAILED 3u /* the inmate ended with an error or exception */
/* Never in a comm page: BH_HC_CHANNEL_PEER_STATE's "no such cell (any more)". */
#define BH_CELL_STATE_GONE 4u

/* msg_to_cell: written by the hypervisor only. */
#define BH_COMM_MSG_NONE 0u
#define BH_COMM_MSG_SHUTDOWN_REQUEST 1u

/* reply_from_cell: written by the cell only, in answer to msg_to_cell. */
#define BH_COMM_REPLY_NONE 0u
#define BH_COMM_REPLY_APPROVED 1u
#define BH_COMM_REPLY_DENIED 2u

/*
 * Handshake ordering (both directions): the writer of a message first clears
 * the peer's answer field, issues a full barrier (mfence), then writes its own
 * field. The cell polls msg_to_cell at its own pace.
 */
struct bh_comm_page {
	char signature[8]; /* BH_COMM_SIGNATURE, written by the hypervisor */
	bh_u32 revision; /* BH_COMM_REVISION */
	bh_u32 cell_id; /* the cell's id (root = 0) */
	bh_u32 num_cpus; /* CPUs assigned to the cell */
	bh_u32 flags; /* reserved, 0 */
	bh_u32 tsc_khz; /* TSC frequency; 0 = unknown, the cell must calibrate */
	bh_u32 apic_khz; /* LAPIC timer input clock (divide by 1); 0 = unknown */
	bh_u32 cell_state; /* BH_CELL_STATE_*, written by the cell */
	bh_u32 msg_to_cell; /* BH_COMM_MSG_*, written by the hypervisor */
	bh_u32 reply_from_cell; /* BH_COMM_REPLY_*, written by the cell */
	bh_u32 reserved0; /* 0 */
	bh_u64 reserved1[2]; /* 0 */
	/* `bulkhead cell load ... --args "..."`: NUL-terminated, at most
	 * BH_COMM_ARGS_SIZE - 1 characters; empty when none were given. */
	char args[BH_COMM_ARGS_SIZE];
	bh_u8 reserved2[4096 - 64 - BH_COMM_ARGS_SIZE];
};

BH_STATIC_ASSERT(sizeof(struct bh_inmate_header) == 64, "inmate header ABI");
BH_STATIC_ASSERT(__builtin_offsetof(struct bh_inmate_header, load_address) == 16, "inmate header ABI");
BH_STATIC_ASSERT(__builtin_offsetof(struct bh_inmate_header, comm_page) == 40, "inmate header ABI");
BH_STATIC_ASSERT(sizeof(struct bh_comm_page) == 4096, "comm page ABI");
BH_STATIC_ASSERT(__builtin_offsetof(struct bh_comm_page, tsc_khz) == 24, "comm page ABI");
BH_STATIC_ASSERT(__builtin_offsetof(struct bh_comm_page, cell_state) == 32, "comm page ABI");
BH_STATIC_ASSERT(__builtin_offsetof(struct bh_comm_page, args) == 64, "comm page ABI");

#endif /* BULKHEAD_CELL_H */
