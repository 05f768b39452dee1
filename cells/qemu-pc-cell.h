/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The shape of a one-CPU cell on the QEMU virtual PC: 16 MiB of the memmap=
 * reservation as RAM at guest-physical 0 (loadable from the root), and a
 * communication page right above it at 16 MiB, where inmates/lib and the RTOS
 * expect it. No ports, no devices: such a cell prints through the hypervisor
 * console. A cell source defines its name, CPU and host-physical addresses,
 * then includes this file:
 *
 *   #define CELL_NAME "demo"
 *   #define CELL_CPU 3
 *   #define CELL_RAM_PHYS 0x3c000000
 *   #define CELL_COMM_PHYS 0x3d000000
 *   #include "../qemu-pc-cell.h"
 *
 * A cell with one channel also defines CELL_CHANNEL_ID, CELL_CHANNEL_PEER
 * (the other cell's name), CELL_CHANNEL_PHYS (1 MiB, host-physical) and
 * CELL_CHANNEL_GUEST (where the cell sees it). A cell given a range of I/O
 * ports (a UART, say) defines CELL_PIO_BASE and CELL_PIO_LENGTH. A cell given
 * a PCI device defines CELL_PCI_BDF and its memory BAR, CELL_PCI_BAR_PHYS and
 * CELL_PCI_BAR_SIZE (mapped 1:1: the BAR stays where the firmware put it).
 */
#include <bulkhead/config-source.h>

#if !defined(CELL_NAME) || !defined(CELL_CPU) || !defined(CELL_RAM_PHYS) || !defined(CELL_COMM_PHYS)
#error "define CELL_NAME, CELL_CPU, CELL_RAM_PHYS and CELL_COMM_PHYS first"
#endif

BH_CONFIG_OBJECT struct {
	struct bh_cell_desc cell;
	bh_u64 cpus[1];
#ifdef CELL_PCI_BDF
	struct bh_memory_region memory_regions[3];
#else
	struct bh_memory_region memory_regions[2];
#endif
#ifdef CELL_PIO_BASE
	struct bh_pio_range pio_ranges[1];
#endif
#ifdef CELL_PCI_BDF
	struct bh_pci_device pci_devices[1];
#endif
#ifdef CELL_CHANNEL_ID
	struct bh_channel channels[1];
#endif
} __attribute__((packed)) config = {
	.cell = {
		.signature = BH_SIGNATURE_CELL,
		.revision = BH_CONFIG_REVISION,
		.total_size = sizeof(config),
		.name = CELL_NAME,
		.cpu_set_size = sizeof(config.cpus),
		.num_memory_regions = BH_ARRAY_SIZE(config.memory_regions),
#ifdef CELL_PIO_BASE
		.num_pio_ranges = BH_ARRAY_SIZE(config.pio_ranges),
#endif
#ifdef CELL_PCI_BDF
		.num_pci_devices = BH_ARRAY_SIZE(config.pci_devices),
#endif
#ifdef CELL_CHANNEL_ID
		.num_channels = BH_ARRAY_SIZE(config.channels),
#endif
		.cpu_reset_address = 0x100000, /* inmates/lib links images at 1 MiB */
	},
	.cpus = { 1ull << (CELL_CPU) },
	.memory_regions = {
		/* RAM, loadable from the root */
		{ .phys_start = CELL_RAM_PHYS, .guest_start = 0x0, .size = 0x1000000,
		  .flags = BH_MEM_RAM | BH_MEM_LOADABLE },
		/* communication region */
		{ .phys_start = CELL_COMM_PHYS, .guest_start = 0x1000000, .size = 0x1000,
		  .flags = BH_MEM_READ | BH_MEM_WRITE | BH_MEM_COMM_REGION },
#ifdef CELL_PCI_BDF
		/* the device's memory BAR */
		{ .phys_start = CELL_PCI_BAR_PHYS, .guest_start = CELL_PCI_BAR_PHYS, .size = CELL_PCI_BAR_SIZE,
		  .flags = BH_MEM_MMIO },
#endif
	},
#ifdef CELL_PIO_BASE
	.pio_ranges = {
		{ .base = CELL_PIO_BASE, .length = CELL_PIO_LENGTH },
	},
#endif
#ifdef CELL_PCI_BDF
	.pci_devices = {
		{ .bdf = CELL_PCI_BDF, .type = BH_PCI_TYPE_DEVICE },
	},
#endif
#ifdef CELL_CHANNEL_ID
	.channels = {
		{ .id = CELL_CHANNEL_ID, .slot_size = 4096, .peer = CELL_CHANNEL_PEER,
		  .phys_start = CELL_CHANNEL_PHYS, .guest_start = CELL_CHANNEL_GUEST, .size = 0x100000 },
	},
#endif
};
