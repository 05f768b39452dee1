/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: pci_devices[0]: unknown type 7 */
#define CELL_NUM_PCI 1
#define CELL_PCI { .bdf = 0x10, .type = 7 }
#include "../base-cell.h"
