/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Channel demo cell for the QEMU virtual PC: like cells/demo (CPU 3, 16 MiB
 * of the memmap= reservation at guest-physical 0, a communication page),
 * plus channel 1 to the root cell: 1 MiB of the reservation at 0x3e800000
 * (free: hypervisor 0x3b000000, demo 0x3c000000, second 0x3d200000), seen by
 * the cell at 0x2000000 and by the root 1:1. The root's end is in
 * tests/configs/driver/qemu-pc-channel.derive. Runs inmates/demos/channel-echo.
 */
#define CELL_NAME "channel-echo"
#define CELL_CPU 3
#define CELL_RAM_PHYS 0x3c000000
#define CELL_COMM_PHYS 0x3d000000
#define CELL_CHANNEL_ID 1
#define CELL_CHANNEL_PEER "qemu-pc"
#define CELL_CHANNEL_PHYS 0x3e800000
#define CELL_CHANNEL_GUEST 0x2000000
#include "../qemu-pc-cell.h"
