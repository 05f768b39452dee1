/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Channel demo cell for the QEMU virtual PC: like cells/demo (CPU 3, 16 MiB
 * of the memmap= reservation at guest-physical 0, a communication page),
 * plus channel 1 to the root cell: 1 MiB of the reservation at 0x3e800000
 * (free: hypervisor 0x3b000000, demo 0x3c000000, second 0x3d200000), seen by
 * the cell at 0x2000000 and by the root 1:1. The root's end is in
 * tests/configs/driver/qemu-pc-channel.c. Runs inmates/demos/channel-echo.
 */
#include <bulkhead/config-source.h>

BH_CONFIG_OBJECT struct {
	struct bh_cell_desc cell;
	bh_u64 cpus[1];
	struct bh_memory_region memory_regions[2];
	struct bh_channel channels[1];
} __attribute__((packed)) config = {
	.cell = {
		.signature = BH_SIGNATURE_CELL,
		.revision = BH_CONFIG_REVISION,
		.total_size = sizeof(config),
		.name = "channel-echo",
		.cpu_set_size = sizeof(config.cpus),
		.num_memory_regions = BH_ARRAY_SIZE(config.memory_regions),
		.num_channels = BH_ARRAY_SIZE(config.channels),
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
	.channels = {
		{ .id = 1, .slot_size = 4096, .peer = "qemu-pc", .phys_start = 0x3e800000,
		  .guest_start = 0x2000000, .size = 0x100000 },
	},
};
