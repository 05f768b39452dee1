/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: root_cell: channels[0]: the root cell is mapped 1:1, but phys_start 0x3e000000 != guest_start 0x3e100000 */
#define ROOT_NUM_CHANNELS 1
#define ROOT_CHANNELS { .id = 1, .peer = "nobody", .phys_start = 0x3e000000, .guest_start = 0x3e100000, .size = 0x10000 }
#include "../base-system.h"
