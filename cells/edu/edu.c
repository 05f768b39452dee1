/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A cell with a PCI device: QEMU's "edu" card at 00:05.0 (the virtual PC
 * started with -device edu,addr=0x5 and enabled with the system config
 * tests/configs/driver/qemu-pc-edu, whose root cell lists the device). The
 * cell owns the device's configuration space (filtered by the hypervisor)
 * and its 1 MiB BAR0; it programs the device's MSI to its own CPU.
 * Otherwise like cells/demo (CPU 3, 16 MiB at 0x3c000000, comm page
 * 0x3d000000). inmates/demos/pci-edu drives it:
 *   bulkhead cell create /cells/cells/edu/edu.cell
 *   bulkhead cell load edu /inmates/pci-edu.bin
 *   bulkhead cell start edu
 */
#define CELL_NAME "edu"
#define CELL_CPU 3
#define CELL_RAM_PHYS 0x3c000000
#define CELL_COMM_PHYS 0x3d000000
#define CELL_PCI_BDF 0x0028
#define CELL_PCI_BAR_PHYS 0xfea00000
#define CELL_PCI_BAR_SIZE 0x100000
#include "../qemu-pc-cell.h"
