/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: pio_ranges[0]: ports 0xfff0 + 32 run past 0xffff */
#define CELL_NUM_PIO 1
#define CELL_PIO { .base = 0xfff0, .length = 0x20 }
#include "../base-cell.h"
