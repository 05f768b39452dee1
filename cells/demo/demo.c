/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Demo cell for the QEMU virtual PC: CPU 3, 16 MiB of the memmap= reservation
 * as its RAM at guest-physical 0, a communication page (cells/qemu-pc-cell.h). It has no ports: it
 * prints through the hypervisor console.
 */
#define CELL_NAME "demo"
#define CELL_CPU 3
#define CELL_RAM_PHYS 0x3c000000
#define CELL_COMM_PHYS 0x3d000000
#include "../qemu-pc-cell.h"
