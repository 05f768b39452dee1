/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: memory_regions[1]: guest-physical [0x1000, +0x1000) overlaps memory_regions[0] [0x0, +0x2000) */
#define CELL_NUM_REGIONS 2
#define CELL_REGIONS { .phys_start = 0x3c000000, .guest_start = 0x0, .size = 0x2000, .flags = BH_MEM_RAM }, { .phys_start = 0x3c100000, .guest_start = 0x1000, .size = 0x1000, .flags = BH_MEM_RAM }
#include "../base-cell.h"
