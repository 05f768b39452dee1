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
		.name = "rtos",
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
