/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: pio_ranges[0]: length is 0 */
#define CELL_NUM_PIO 1
#define CELL_PIO { .base = 0x3f8, .length = 0 }
#include "../base-cell.h"
