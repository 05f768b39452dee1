/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: channels[0]: phys_start 0x3e000100, guest_start 0x10000000 and size 0x10000 must be non-zero multiples of 4096 bytes */
#define CELL_NUM_CHANNELS 1
#define CELL_CHANNELS { .id = 1, .peer = "linux", .phys_start = 0x3e000100, .guest_start = 0x10000000, .size = 0x10000 }
#include "../base-cell.h"
