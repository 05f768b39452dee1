/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: pci_devices[1]: 0x0:0x10 listed twice (also pci_devices[0]) */
#define CELL_NUM_PCI 2
#define CELL_PCI { .bdf = 0x10 }, { .bdf = 0x10 }
#include "../base-cell.h"
