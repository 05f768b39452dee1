/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: channels[1]: id 1 used twice (also channels[0]) */
#define CELL_NUM_CHANNELS 2
#define CELL_CHANNELS { .id = 1, .peer = "linux", .phys_start = 0x3e000000, .guest_start = 0x10000000, .size = 0x10000 }, { .id = 1, .peer = "linux", .phys_start = 0x3e010000, .guest_start = 0x10010000, .size = 0x10000 }
#include "../base-cell.h"
