/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A second cell for the QEMU virtual PC, beside "demo": CPU 2, another 16 MiB
 * of the memmap= reservation as its RAM at guest-physical 0, a communication
 * page. It prints through the hypervisor console.
 */
#define CELL_NAME "second"
#define CELL_CPU 2
#define CELL_RAM_PHYS 0x3d200000
#define CELL_COMM_PHYS 0x3e200000
#include "../qemu-pc-cell.h"
