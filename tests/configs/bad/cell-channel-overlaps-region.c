/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: channels[0]: guest-physical [0x0, +0x10000) overlaps memory_regions[0] */
#define CELL_NUM_CHANNELS 1
#define CELL_CHANNELS { .id = 1, .peer = "linux", .phys_start = 0x3e000000, .guest_start = 0x0, .size = 0x10000 }
#include "../base-cell.h"
