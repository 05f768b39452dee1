/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: memory_regions[0]: RAM region [0x80000000, +0x100000) is outside RAM */
/* check-with: system */
#define CELL_NUM_REGIONS 1
#define CELL_REGIONS { .phys_start = 0x80000000, .guest_start = 0x0, .size = 0x100000, .flags = BH_MEM_RAM }
#include "../base-cell.h"
