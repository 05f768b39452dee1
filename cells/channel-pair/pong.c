/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The other end of channel 2 (see ping.c): like cells/demo (CPU 3, 16 MiB
 * at 0x3c000000, comm page 0x3d000000), the same 1 MiB at 0x3e900000, seen
 * at 0x2000000. Runs inmates/demos/channel-echo (side 1, echoes).
 */
#define CELL_NAME "channel-pong"
#define CELL_CPU 3
#define CELL_RAM_PHYS 0x3c000000
#define CELL_COMM_PHYS 0x3d000000
#define CELL_CHANNEL_ID 2
#define CELL_CHANNEL_PEER "channel-ping"
#define CELL_CHANNEL_PHYS 0x3e900000
#define CELL_CHANNEL_GUEST 0x2000000
#include "../qemu-pc-cell.h"
