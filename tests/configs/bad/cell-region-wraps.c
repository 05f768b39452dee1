/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: memory_regions[0]: start plus size 0x2000 wraps around */
#define CELL_NUM_REGIONS 1
#define CELL_REGIONS { .phys_start = 0xfffffffffffff000ull, .guest_start = 0x0, .size = 0x2000, .flags = BH_MEM_RAM }
#include "../base-cell.h"
