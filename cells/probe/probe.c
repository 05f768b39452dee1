/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The isolation-probe cell of the QEMU virtual PC (tests/qemu/scenarios/
 * cell-isolation.sh): the demo cell's layout under its own name, so that its
 * console lines ("[probe] ...") and failure reports cannot be mistaken for
 * the demo's. CPU 3, 16 MiB of the memmap= reservation as RAM at
 * guest-physical 0, a communication page at 16 MiB, no I/O ports, no
 * devices: everything inmates/demos/isolation-probe.cpp tries must stop it.
 */
#include <bulkhead/config-source.h>

BH_CONFIG_OBJECT struct {
	struct bh_cell_desc cell;
	bh_u64 cpus[1];
	struct bh_memory_region memory_regions[2];
} __attribute__((packed)) config = {
	.cell = {
		.signature = BH_SIGNATURE_CELL,
		.revision = BH_CONFIG_REVISION,
		.total_size = sizeof(config),
		.name = "probe",
		.cpu_set_size = sizeof(config.cpus),
		.num_memory_regions = BH_ARRAY_SIZE(config.memory_regions),
		.cpu_reset_address = 0x100000, /* inmates/lib links images at 1 MiB */
	},
	.cpus = { 1ull << 3 },
	.memory_regions = {
		/* RAM, loadable from the root */
		{ .phys_start = 0x3c000000, .guest_start = 0x0, .size = 0x1000000,
		  .flags = BH_MEM_RAM | BH_MEM_LOADABLE },
		/* communication region */
		{ .phys_start = 0x3d000000, .guest_start = 0x1000000, .size = 0x1000,
		  .flags = BH_MEM_READ | BH_MEM_WRITE | BH_MEM_COMM_REGION },
	},
};
