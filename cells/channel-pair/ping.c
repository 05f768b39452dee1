/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One of two cells joined by channel 2 (the other: pong.c), for the
 * channel-cells scenario: like cells/second (CPU 2, 16 MiB at 0x3d200000,
 * comm page 0x3e200000), plus the channel: 1 MiB of the memmap= reservation
 * at 0x3e900000 (after channel-echo's 0x3e800000), seen at 0x2000000. Runs
 * inmates/demos/channel-echo with ping=N (side 0).
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
		.name = "channel-ping",
		.cpu_set_size = sizeof(config.cpus),
		.num_memory_regions = BH_ARRAY_SIZE(config.memory_regions),
		.num_channels = BH_ARRAY_SIZE(config.channels),
		.cpu_reset_address = 0x100000, /* inmates/lib links images at 1 MiB */
	},
	.cpus = { 1ull << 2 },
	.memory_regions = {
		/* RAM, loadable from the root */
		{ .phys_start = 0x3d200000, .guest_start = 0x0, .size = 0x1000000,
		  .flags = BH_MEM_RAM | BH_MEM_LOADABLE },
		/* communication region */
		{ .phys_start = 0x3e200000, .guest_start = 0x1000000, .size = 0x1000,
		  .flags = BH_MEM_READ | BH_MEM_WRITE | BH_MEM_COMM_REGION },
	},
	.channels = {
		{ .id = 2, .slot_size = 4096, .peer = "channel-pong", .phys_start = 0x3e900000,
		  .guest_start = 0x2000000, .size = 0x100000 },
	},
};
