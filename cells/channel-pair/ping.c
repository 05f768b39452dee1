/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One of two cells joined by channel 2 (the other: pong.c), for the
 * channel-cells scenario: like cells/second (CPU 2, 16 MiB at 0x3d200000,
 * comm page 0x3e200000), plus the channel: 1 MiB of the memmap= reservation
 * at 0x3e900000 (after channel-echo's 0x3e800000), seen at 0x2000000. Runs
 * inmates/demos/channel-echo with ping=N (side 0).
 */
#define CELL_NAME "channel-ping"
#define CELL_CPU 2
#define CELL_RAM_PHYS 0x3d200000
#define CELL_COMM_PHYS 0x3e200000
#define CELL_CHANNEL_ID 2
#define CELL_CHANNEL_PEER "channel-pong"
#define CELL_CHANNEL_PHYS 0x3e900000
#define CELL_CHANNEL_GUEST 0x2000000
#include "../qemu-pc-cell.h"
