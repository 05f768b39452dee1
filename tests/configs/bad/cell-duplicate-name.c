/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: name: a cell named "rt" already exists */
/* check-with: system rt */
#define CELL_CPUS (1ull << 3)
#define CELL_NUM_REGIONS 1
#define CELL_REGIONS { .phys_start = 0x3d000000, .guest_start = 0x0, .size = 0x100000, .flags = BH_MEM_RAM }
#include "../base-cell.h"
