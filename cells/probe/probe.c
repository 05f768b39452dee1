/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The isolation-probe cell of the QEMU virtual PC (tests/qemu/scenarios/
 * cell-isolation.sh): the demo cell's layout under its own name, so that its
 * console lines ("[probe] ...") and failure reports cannot be mistaken for
 * the demo's. CPU 3, 16 MiB of the memmap= reservation as RAM at
 * guest-physical 0, a communication page at 16 MiB, no I/O ports, no
 * devices: everything inmates/demos/isolation-probe.cpp tries must stop it.
 */
#define CELL_NAME "probe"
#define CELL_CPU 3
#define CELL_RAM_PHYS 0x3c000000
#define CELL_COMM_PHYS 0x3d000000
#include "../qemu-pc-cell.h"
