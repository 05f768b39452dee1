/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: root_cell: memory_regions[0]: [0x100000, +0x3b100000) overlaps hypervisor memory [0x3b000000, +0x1000000) */
#define ROOT_NUM_REGIONS 1
#define ROOT_REGIONS { .phys_start = 0x100000, .guest_start = 0x100000, .size = 0x3b100000, .flags = BH_MEM_RAM }
#include "../base-system.h"
