/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: memory_regions[0]: unknown flags 0x1000 */
#define CELL_NUM_REGIONS 1
#define CELL_REGIONS { .phys_start = 0x3c000000, .guest_start = 0x0, .size = 0x1000, .flags = 0x1000 }
#include "../base-cell.h"
