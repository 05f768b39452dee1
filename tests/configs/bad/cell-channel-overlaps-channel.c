/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: channels[0]: [0x3e008000, +0x10000) overlaps channel 7 of cell "peer-a" */
/* check-with: system peer-a */
#define CELL_NAME "second"
#define CELL_CPUS (1ull << 3)
#define CELL_NUM_REGIONS 1
#define CELL_REGIONS { .phys_start = 0x3d800000, .guest_start = 0x0, .size = 0x100000, .flags = BH_MEM_RAM }
#define CELL_NUM_CHANNELS 1
#define CELL_CHANNELS { .id = 8, .peer = "peer-a", .phys_start = 0x3e008000, .guest_start = 0x2000000, .size = 0x10000 }
#include "../base-cell.h"
