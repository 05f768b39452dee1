/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A cell that owns a UART: the QEMU virtual PC's COM3 (I/O ports
 * 0x3e8-0x3ef), taken from the root while the cell exists. Otherwise like
 * cells/demo (CPU 3, 16 MiB at 0x3c000000, comm page 0x3d000000). An inmate
 * prints there with the boot argument uart=0x3e8:
 *   bulkhead cell create /cells/cells/uart/uart.cell
 *   bulkhead cell load uart /inmates/hello.bin --args "uart=0x3e8 beats=3"
 *   bulkhead cell start uart
 * The UART is polled: its interrupt line is not the cell's (IOAPIC pins are
 * not assigned to cells yet).
 */
#define CELL_NAME "uart"
#define CELL_CPU 3
#define CELL_RAM_PHYS 0x3c000000
#define CELL_COMM_PHYS 0x3d000000
#define CELL_PIO_BASE 0x3e8
#define CELL_PIO_LENGTH 8
#include "../qemu-pc-cell.h"
