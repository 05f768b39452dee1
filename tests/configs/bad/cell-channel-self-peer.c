/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: channels[0]: peer "rt" is the cell itself */
#define CELL_NUM_CHANNELS 1
#define CELL_CHANNELS { .id = 1, .peer = "rt", .phys_start = 0x3e000000, .guest_start = 0x10000000, .size = 0x10000 }
#include "../base-cell.h"
