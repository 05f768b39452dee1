/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The other end of channel 7, with peer-a. */
#define CELL_NAME "peer-b"
#define CELL_CPUS (1ull << 3)
#define CELL_NUM_REGIONS 1
#define CELL_REGIONS { .phys_start = 0x3d000000, .guest_start = 0x0, .size = 0x100000, .flags = BH_MEM_RAM }
#define CELL_NUM_CHANNELS 1
#define CELL_CHANNELS { .id = 7, .slot_size = 4096, .peer = "peer-a", .phys_start = 0x3e000000, \
	.guest_start = 0x20000000, .size = 0x10000 }
#include "../base-cell.h"
