/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Hypercalls (VMMCALL on AMD, VMCALL on Intel) and the hypervisor console.
 *
 * ABI: code in RAX, arguments in RDI and RSI, result in RAX (>= 0 success,
 * negative errno failure). Only CPL 0 of a cell may call; anything else gets
 * -EPERM. Every argument is validated; a bad code returns -ENOSYS.
 */
#ifndef BULKHEAD_HYPERCALL_H
#define BULKHEAD_HYPERCALL_H

#include "types.h"

#define BH_HC_DISABLE 0 /* every root CPU, one after another */
#define BH_HC_GET_INFO 1 /* RDI = BH_INFO_* */
#define BH_HC_CPU_STATS 2 /* RDI = cpu, RSI = BH_STAT_*; -ENOENT for no CPU */
#define BH_HC_PING 3 /* returns BH_HC_PING_REPLY: proves the hypervisor answers */
#define BH_HC_CONSOLE_WRITE 4 /* RDI = guest-physical text, RSI = length <= BH_CONSOLE_WRITE_MAX */

/*
 * Cell management, root cell only. States are BH_CELL_STATE_* of cell.h as
 * the hypervisor sees them; a cell that is created or shut down is
 * BH_CELL_STATE_SHUT_DOWN.
 */
#define BH_HC_CELL_CREATE 5 /* RDI = guest-physical config, RSI = size; returns the new id */
#define BH_HC_CELL_SET_LOADABLE 6 /* RDI = id: stop it, map its loadable regions into the root */
#define BH_HC_CELL_START 7 /* RDI = id: unmap loadable regions, start its CPUs */
#define BH_HC_CELL_SHUTDOWN 8 /* RDI = id: stop its CPUs (refused while it is locked) */
#define BH_HC_CELL_DESTROY 9 /* RDI = id: stop, scrub, give CPUs and memory back */
#define BH_HC_CELL_GET_STATE 10 /* RDI = id: returns BH_CELL_STATE_* */
#define BH_HC_CELL_GET_REASON 11 /* RDI = id, RSI = guest-physical buffer of BH_CELL_REASON_SIZE */

#define BH_CELL_REASON_SIZE 128u /* why a cell failed, NUL-terminated */

/*
 * Channels (Documentation/channels.md), any cell, for channels the calling
 * cell is an endpoint of (its config lists the id); any other id is
 * -ENOENT. The peer is the cell its config names.
 *
 * NOTIFY rings the peer's doorbell: the hypervisor itself sends a fixed
 * IPI with the vector the peer registered to the peer's first CPU (never a
 * raw IPI of the sender). -EAGAIN when the peer registered no vector, or
 * does not exist or run. The root cell registers no vector (it polls), so
 * notifying the root always returns -EAGAIN: harmless, nothing delivered.
 *
 * SET_VECTOR registers the caller's doorbell vector for the channel:
 * BH_CHANNEL_VECTOR_MIN..255, or 0 for none (-EINVAL otherwise); -EPERM
 * from the root cell. Forgotten when the cell is destroyed.
 *
 * PEER_STATE returns the peer's BH_CELL_STATE_* (as BH_HC_CELL_GET_STATE),
 * or BH_CELL_STATE_GONE while no cell of the peer's name exists (never
 * created, or destroyed): how a sender sees its peer die.
 */
#define BH_HC_CHANNEL_NOTIFY 12 /* RDI = channel id */
#define BH_HC_CHANNEL_SET_VECTOR 13 /* RDI = channel id, RSI = vector or 0 */
#define BH_HC_CHANNEL_PEER_STATE 14 /* RDI = channel id: returns BH_CELL_STATE_* */

#define BH_CHANNEL_VECTOR_MIN 32u /* below are exceptions */
#define BH_CHANNEL_VECTOR_MAX 255u

/* Non-zero when v may be registered with BH_HC_CHANNEL_SET_VECTOR. */
static inline int bh_channel_vector_valid(bh_u64 v)
{
	return v == 0 || (v >= BH_CHANNEL_VECTOR_MIN && v <= BH_CHANNEL_VECTOR_MAX);
}

#define BH_HC_PING_REPLY 0x42484b44 /* "BHKD" */

#define BH_INFO_MEM_POOL_PAGES 0
#define BH_INFO_MEM_POOL_USED 1
#define BH_INFO_NUM_CELLS 2
#define BH_INFO_NUM_CPUS 3 /* CPUs running under the hypervisor */
#define BH_INFO_CONSOLE_PAGE 4 /* physical address of the console page */
#define BH_INFO_CELL_CPUS 5 /* RSI = cell id: its CPU set (first 64 CPUs) */

/* Reasons a CPU left guest mode, counted per CPU. */
#define BH_STAT_TOTAL 0
#define BH_STAT_CPUID 1
#define BH_STAT_VMMCALL 2
#define BH_STAT_MSR 3
#define BH_STAT_IOIO 4
#define BH_STAT_NPF 5
#define BH_STAT_NMI 6
#define BH_STAT_XAPIC 7 /* trapped writes to the xAPIC page */
#define BH_STAT_SHUTDOWN 8
#define BH_STAT_OTHER 9
/* Not exit reasons: what the exits above did. */
#define BH_STAT_IPI 10 /* ICR writes of the cell (x2APIC MSR or xAPIC page) */
#define BH_STAT_IPI_BLOCKED 11 /* ...of which (part) was dropped: not the cell's CPUs, or INIT/SIPI/SMI */
#define BH_STAT_IOAPIC 12 /* trapped writes to an IOAPIC page (emulated) */
#define BH_STAT_IOAPIC_BLOCKED 13 /* redirection entries written masked: a pin or CPU not the cell's */
#define BH_STAT_PCI_CONFIG 14 /* PCI configuration accesses through ports 0xcfc-0xcff (emulated) */
#define BH_STAT_PCI_HIDDEN 15 /* ...and ECAM writes, to a device another cell owns: dropped */
#define BH_STAT_MSI_BLOCKED 16 /* root config writes dropped: an MSI to a CPU not the root's */
#define BH_STAT_COUNT 17

#define BH_STAT_NAMES                                                              \
	{ "total", "cpuid", "hypercall", "msr", "pio", "npf", "nmi", "xapic", \
	  "shutdown", "other", "ipi", "ipi_blocked", "ioapic", "ioapic_blocked",    \
	  "pci_config", "pci_hidden", "msi_blocked" }

/*
 * The console ring: a page of hypervisor memory mapped read-only into the
 * root cell. The hypervisor appends; readers copy from tail - size..tail.
 */
#define BH_CONSOLE_RING_SIZE 4032u
struct bh_console {
	bh_u32 signature; /* BH_CONSOLE_SIGNATURE once initialised */
	bh_u32 lock; /* writers' spinlock, hypervisor-internal */
	bh_u64 tail; /* bytes ever written; ring index = tail % size */
	bh_u64 reserved[6];
	char ring[BH_CONSOLE_RING_SIZE];
};
#define BH_CONSOLE_SIGNATURE 0x434e4f43u /* "CONC" */

BH_STATIC_ASSERT(sizeof(struct bh_console) == 4096, "console page ABI");

#endif /* BULKHEAD_HYPERCALL_H */
