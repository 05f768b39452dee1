/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: platform.ram[0]: start 0x100 */
#define NUM_RAM_RANGES 1
#define RAM_RANGES { .start = 0x100, .size = 0x3fee0000 }
#include "../base-system.h"
