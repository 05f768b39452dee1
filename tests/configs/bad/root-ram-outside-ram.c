/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: root_cell: memory_regions[0]: RAM region [0x80000000, +0x1000) is outside RAM */
#define ROOT_NUM_REGIONS 1
#define ROOT_REGIONS { .phys_start = 0x80000000, .guest_start = 0x80000000, .size = 0x1000, .flags = BH_MEM_RAM }
#include "../base-system.h"
