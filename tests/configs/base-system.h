/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A valid system config (the QEMU virtual PC's layout) whose fields a test
 * config can override by defining a knob before including this file. Each
 * file in bad/ breaks exactly one rule this way.
 */
#include <bulkhead/config-source.h>

#ifndef SYS_SIGNATURE
#define SYS_SIGNATURE BH_SIGNATURE_SYSTEM
#endif
#ifndef SYS_REVISION
#define SYS_REVISION BH_CONFIG_REVISION
#endif
#ifndef SYS_TOTAL_SIZE_DELTA
#define SYS_TOTAL_SIZE_DELTA 0
#endif
#ifndef SYS_FLAGS
#define SYS_FLAGS 0
#endif
#ifndef HV_START
#define HV_START 0x3b000000
#endif
#ifndef HV_SIZE
#define HV_SIZE 0x1000000
#endif
#ifndef CONSOLE_TYPE
#define CONSOLE_TYPE BH_CONSOLE_UART_PIO
#endif
#ifndef APIC_MODE
#define APIC_MODE BH_APIC_MODE_AUTO
#endif
#ifndef NUM_RAM_RANGES
#define NUM_RAM_RANGES 2
#define RAM_RANGES { .start = 0x0, .size = 0xa0000 }, { .start = 0x100000, .size = 0x3fee0000 }
#endif
#ifndef ROOT_SIGNATURE
#define ROOT_SIGNATURE BH_SIGNATURE_CELL
#endif
#ifndef ROOT_NAME
#define ROOT_NAME "qemu-pc"
#endif
#ifndef ROOT_CPUS
#define ROOT_CPUS 0xf
#endif
#ifndef ROOT_NUM_REGIONS
#define ROOT_NUM_REGIONS 3
#define ROOT_REGIONS \
	{ .phys_start = 0x0, .guest_start = 0x0, .size = 0xa0000, .flags = BH_MEM_RAM }, \
	{ .phys_start = 0x100000, .guest_start = 0x100000, .size = 0x3af00000, .flags = BH_MEM_RAM }, \
	{ .phys_start = 0xfec00000, .guest_start = 0xfec00000, .size = 0x1000, .flags = BH_MEM_MMIO }
#endif
#ifndef ROOT_NUM_CHANNELS
#define ROOT_NUM_CHANNELS 0
#define ROOT_CHANNELS
#endif

BH_CONFIG_OBJECT struct {
	struct bh_system_config system;
	bh_u64 cpus[1];
	struct bh_memory_region memory_regions[ROOT_NUM_REGIONS];
	struct bh_channel channels[ROOT_NUM_CHANNELS];
} __attribute__((packed)) config = {
	.system = {
		.signature = SYS_SIGNATURE,
		.revision = SYS_REVISION,
		.total_size = sizeof(config) + SYS_TOTAL_SIZE_DELTA,
		.flags = SYS_FLAGS,
		.hypervisor_memory = { .phys_start = HV_START, .size = HV_SIZE },
		.debug_console = { .address = 0x2f8, .type = CONSOLE_TYPE },
		.platform = {
			.apic_mode = APIC_MODE,
			.num_ram_ranges = NUM_RAM_RANGES,
			.ram = { RAM_RANGES },
		},
		.root_cell = {
			.signature = ROOT_SIGNATURE,
			.revision = BH_CONFIG_REVISION,
			.total_size = sizeof(config) - __builtin_offsetof(struct bh_system_config, root_cell),
			.name = ROOT_NAME,
			.cpu_set_size = sizeof(config.cpus),
			.num_memory_regions = ROOT_NUM_REGIONS,
			.num_channels = ROOT_NUM_CHANNELS,
		},
	},
	.cpus = { ROOT_CPUS },
	.memory_regions = { ROOT_REGIONS },
	.channels = { ROOT_CHANNELS },
};
