/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: channels[0]: [0x1000000, +0x10000) overlaps the root cell's memory_regions[1] */
/* check-with: system */
#define CELL_NUM_CHANNELS 1
#define CELL_CHANNELS { .id = 9, .peer = "ghost", .phys_start = 0x1000000, .guest_start = 0x2000000, .size = 0x10000 }
#include "../base-cell.h"
