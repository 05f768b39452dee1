/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: memory_regions[0]: size is 0 */
#define CELL_NUM_REGIONS 1
#define CELL_REGIONS { .phys_start = 0x3c000000, .guest_start = 0x0, .size = 0, .flags = BH_MEM_RAM }
#include "../base-cell.h"
