/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: memory_regions[1]: a second communication region */
#define CELL_NUM_REGIONS 2
#define CELL_REGIONS { .phys_start = 0x3c000000, .guest_start = 0x0, .size = 0x1000, .flags = BH_MEM_READ | BH_MEM_COMM_REGION }, { .phys_start = 0x3c100000, .guest_start = 0x100000, .size = 0x1000, .flags = BH_MEM_READ | BH_MEM_COMM_REGION }
#include "../base-cell.h"
