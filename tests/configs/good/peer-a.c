/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One end of channel 7, with peer-b. */
#define CELL_NAME "peer-a"
#define CELL_NUM_CHANNELS 1
#define CELL_CHANNELS { .id = 7, .slot_size = 4096, .peer = "peer-b", .phys_start = 0x3e000000, \
	.guest_start = 0x10000000, .size = 0x10000 }
#include "../base-cell.h"
