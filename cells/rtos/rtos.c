/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The bulkhead RTOS cell for the QEMU virtual PC (demo's layout, so the two
 * do not run at the same time): CPU 3, 16 MiB of the memmap= reservation as
 * its RAM at guest-physical 0, the communication page right above it (the
 * RTOS takes its RAM size from there). No ports: it prints through the
 * hypervisor console.
 *
 * Image and arguments (Documentation/rtos-kernel.md):
 *   bulkhead cell create /cells/cells/rtos/rtos.cell
 *   bulkhead cell load rtos /inmates/rtos.bin --args "run=0"
 *   bulkhead cell start rtos
 * run=0 runs the task set until the cell is shut down; run=MS stops after
 * MS milliseconds with a report (trace=1 adds the execution trace that
 * tests/qemu/scenarios/rtos-taskset.sh checks).
 */
#define CELL_NAME "rtos"
#define CELL_CPU 3
#define CELL_RAM_PHYS 0x3c000000
#define CELL_COMM_PHYS 0x3d000000
#include "../qemu-pc-cell.h"
