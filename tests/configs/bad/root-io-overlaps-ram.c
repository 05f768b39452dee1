/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: root_cell: memory_regions[0]: I/O region [0x100000, +0x1000) overlaps RAM */
#define ROOT_NUM_REGIONS 1
#define ROOT_REGIONS { .phys_start = 0x100000, .guest_start = 0x100000, .size = 0x1000, .flags = BH_MEM_MMIO }
#include "../base-system.h"
