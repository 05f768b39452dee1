/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: memory_regions[0]: phys_start 0x3c000800, guest_start 0x0 and size 0x1000 must be multiples of 4096 bytes */
#define CELL_NUM_REGIONS 1
#define CELL_REGIONS { .phys_start = 0x3c000800, .guest_start = 0x0, .size = 0x1000, .flags = BH_MEM_RAM }
#include "../base-cell.h"
