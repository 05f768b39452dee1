/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: platform.ram[1]: [0x100000, +0x3fee0000) overlaps platform.ram[0] */
#define NUM_RAM_RANGES 2
#define RAM_RANGES { .start = 0x0, .size = 0x200000 }, { .start = 0x100000, .size = 0x3fee0000 }
#include "../base-system.h"
