/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: platform.num_ram_ranges: 0 is not between 1 and 16 */
#define NUM_RAM_RANGES 0
#define RAM_RANGES
#include "../base-system.h"
