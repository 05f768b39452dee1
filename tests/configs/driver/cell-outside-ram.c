/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A cell whose RAM region [0x80000000, +1 MiB) lies in the virtual PC's PCI
 * window, not in RAM. Valid on its own (the CLI's and the driver's checks
 * pass, the driver claims the range and takes CPU 3 from Linux); the
 * hypervisor, which knows the system's RAM, must refuse it, and the driver
 * must then give CPU 3 and the range back (tests/qemu/scenarios/cell-errors.sh).
 */
#define CELL_NAME "outside"
#define CELL_CPUS (1ull << 3)
#define CELL_NUM_REGIONS 1
#define CELL_REGIONS { .phys_start = 0x80000000, .guest_start = 0x0, .size = 0x100000, .flags = BH_MEM_RAM }
#include "../base-cell.h"
