/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: pio_ranges[0]: ports [0x2f8, +8) include the hypervisor's console UART 0x2f8 */
/* check-with: system */
#define CELL_NUM_PIO 1
#define CELL_PIO { .base = 0x2f8, .length = 8 }
#include "../base-cell.h"
