/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: irqchips[0]: address 0xfec00010 is not a page-aligned MMIO address */
#define CELL_NUM_IRQCHIPS 1
#define CELL_IRQCHIPS { .address = 0xfec00010, .pin_bitmap = { 0x10 } }
#include "../base-cell.h"
