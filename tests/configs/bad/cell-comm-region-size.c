/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: memory_regions[0]: a communication region is one page, not 0x2000 */
#define CELL_NUM_REGIONS 1
#define CELL_REGIONS { .phys_start = 0x3c000000, .guest_start = 0x0, .size = 0x2000, .flags = BH_MEM_READ | BH_MEM_COMM_REGION }
#include "../base-cell.h"
