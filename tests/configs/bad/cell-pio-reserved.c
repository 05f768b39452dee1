/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: pio_ranges[0]: reserved must be 0 */
#define CELL_NUM_PIO 1
#define CELL_PIO { .base = 0x3f8, .length = 8, .reserved = 1 }
#include "../base-cell.h"
