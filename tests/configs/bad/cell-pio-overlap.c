/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: pio_ranges[1]: ports [0x3fc, +8) overlap pio_ranges[0] */
#define CELL_NUM_PIO 2
#define CELL_PIO { .base = 0x3f8, .length = 8 }, { .base = 0x3fc, .length = 8 }
#include "../base-cell.h"
