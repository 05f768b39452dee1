/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The bulkhead RTOS with a channel to the root cell, for the QEMU virtual PC:
 * cells/rtos's layout (CPU 3, 16 MiB of the memmap= reservation as RAM at
 * guest-physical 0, comm page above it), plus channel 3 to the root: 1 MiB
 * of the reservation at 0x3ea00000 (free: channel 1 is at 0x3e800000,
 * channel 2 at 0x3e900000), seen by the cell at 0x2000000 and by the root
 * 1:1. The root's end is in tests/configs/driver/qemu-pc-rtos-channel.derive.
 *
 * The RTOS does not see its config: the root passes the channel's values
 * (and the doorbell vector) as boot arguments, and the service task that
 * answers on it with its VCPU's budget and period
 * (Documentation/rtos-kernel.md, "Channels"):
 *   bulkhead cell create /cells/cells/rtos-channel/rtos-channel.cell
 *   bulkhead cell load rtos-channel /inmates/rtos.bin --args \
 *       "run=0 tasks=0 channel=3,0x2000000,0x100000,4096,0x40 service=3,1000,10000"
 *   bulkhead cell start rtos-channel
 */
#define CELL_NAME "rtos-channel"
#define CELL_CPU 3
#define CELL_RAM_PHYS 0x3c000000
#define CELL_COMM_PHYS 0x3d000000
#define CELL_CHANNEL_ID 3
#define CELL_CHANNEL_PEER "qemu-pc"
#define CELL_CHANNEL_PHYS 0x3ea00000
#define CELL_CHANNEL_GUEST 0x2000000
#include "../qemu-pc-cell.h"
