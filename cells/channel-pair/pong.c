/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The other end of channel 2 (see ping.c): like cells/demo (CPU 3, 16 MiB
 * at 0x3c000000, comm page 0x3d000000), the same 1 MiB at 0x3e900000, seen
 * at 0x2000000. Runs inmates/demos/channel-echo (side 1, echoes).
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
		.name = "channel-pong",
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
		{ .id = 2, .slot_size = 4096, .peer = "channel-ping", .phys_start = 0x3e900000,
		  .guest_start = 0x2000000, .size = 0x100000 },
	},
};
