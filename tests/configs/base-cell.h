/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A valid cell config for the QEMU virtual PC whose fields a test config can
 * override by defining a knob before including this file.
 */
#include <bulkhead/config-source.h>

#ifndef CELL_SIGNATURE
#define CELL_SIGNATURE BH_SIGNATURE_CELL
#endif
#ifndef CELL_REVISION
#define CELL_REVISION BH_CONFIG_REVISION
#endif
#ifndef CELL_TOTAL_SIZE_DELTA
#define CELL_TOTAL_SIZE_DELTA 0
#endif
#ifndef CELL_NAME
#define CELL_NAME "rt"
#endif
#ifndef CELL_ID
#define CELL_ID 0
#endif
#ifndef CELL_FLAGS
#define CELL_FLAGS 0
#endif
#ifndef CELL_CPU_WORDS
#define CELL_CPU_WORDS 1
#endif
#ifndef CELL_CPUS
#define CELL_CPUS (1ull << 2)
#endif
#ifndef CELL_CPU_SET_SIZE
#define CELL_CPU_SET_SIZE sizeof(config.cpus)
#endif
#ifndef CELL_NUM_REGIONS
#define CELL_NUM_REGIONS 2
#define CELL_REGIONS \
	{ .phys_start = 0x3c000000, .guest_start = 0x0, .size = 0x800000, .flags = BH_MEM_RAM | BH_MEM_LOADABLE }, \
	{ .phys_start = 0x3c800000, .guest_start = 0x800000, .size = 0x1000, \
	  .flags = BH_MEM_READ | BH_MEM_WRITE | BH_MEM_COMM_REGION }
#endif
#ifndef CELL_NUM_REGIONS_FIELD
#define CELL_NUM_REGIONS_FIELD CELL_NUM_REGIONS
#endif
#ifndef CELL_NUM_PIO
#define CELL_NUM_PIO 0
#define CELL_PIO
#endif
#ifndef CELL_NUM_PCI
#define CELL_NUM_PCI 0
#define CELL_PCI
#endif
#ifndef CELL_NUM_IRQCHIPS
#define CELL_NUM_IRQCHIPS 0
#define CELL_IRQCHIPS
#endif
#ifndef CELL_NUM_CHANNELS
#define CELL_NUM_CHANNELS 0
#define CELL_CHANNELS
#endif

BH_CONFIG_OBJECT struct {
	struct bh_cell_desc cell;
	bh_u64 cpus[CELL_CPU_WORDS];
	struct bh_memory_region memory_regions[CELL_NUM_REGIONS];
	struct bh_irqchip irqchips[CELL_NUM_IRQCHIPS];
	struct bh_pio_range pio_ranges[CELL_NUM_PIO];
	struct bh_pci_device pci_devices[CELL_NUM_PCI];
	struct bh_channel channels[CELL_NUM_CHANNELS];
} __attribute__((packed)) config = {
	.cell = {
		.signature = CELL_SIGNATURE,
		.revision = CELL_REVISION,
		.total_size = sizeof(config) + CELL_TOTAL_SIZE_DELTA,
		.name = CELL_NAME,
		.id = CELL_ID,
		.flags = CELL_FLAGS,
		.cpu_set_size = CELL_CPU_SET_SIZE,
		.num_memory_regions = CELL_NUM_REGIONS_FIELD,
		.num_irqchips = CELL_NUM_IRQCHIPS,
		.num_pio_ranges = CELL_NUM_PIO,
		.num_pci_devices = CELL_NUM_PCI,
		.num_channels = CELL_NUM_CHANNELS,
	},
	.cpus = { CELL_CPUS },
	.memory_regions = { CELL_REGIONS },
	.irqchips = { CELL_IRQCHIPS },
	.pio_ranges = { CELL_PIO },
	.pci_devices = { CELL_PCI },
	.channels = { CELL_CHANNELS },
};
