/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The QEMU virtual PC's system config (configs/x86/qemu-pc.c, copied: that
 * file must stay byte-equal to the config generator's output) with one
 * channel: id 1 to the cell "channel-echo" (cells/channel-echo), 1 MiB of
 * the memmap= reservation at 0x3e800000, mapped 1:1 into the root. The
 * channel-root scenario enables with it. Keep it in step with qemu-pc.c.
 */
#include <bulkhead/config-source.h>

BH_CONFIG_OBJECT struct {
	struct bh_system_config system;
	bh_u64 cpus[1];
	struct bh_memory_region memory_regions[13];
	struct bh_irqchip irqchips[1];
	struct bh_pio_range pio_ranges[2];
	struct bh_pci_device pci_devices[4];
	struct bh_channel channels[1];
} __attribute__((packed)) config = {
	.system = {
		.signature = BH_SIGNATURE_SYSTEM,
		.revision = BH_CONFIG_REVISION,
		.total_size = sizeof(config),
		.flags = BH_SYS_FLAG_VIRTUAL_CONSOLE,
		.hypervisor_memory = {
			.phys_start = 0x3b000000,
			.size = 0x1000000,
		},
		.debug_console = {
			.address = 0x2f8, /* COM2: the virtual PC's second serial port */
			.type = BH_CONSOLE_UART_PIO,
		},
		.platform = {
			.pci_mmconfig_base = 0xb0000000,
			.pci_mmconfig_end_bus = 0xff,
			.apic_mode = BH_APIC_MODE_AUTO,
			.pm_timer_port = 0x608,
			.num_ram_ranges = 2,
			.ram = {
				{ .start = 0x0, .size = 0xa0000 },
				/* up to the ACPI tables' end at 1 GiB */
				{ .start = 0x100000, .size = 0x3ff00000 },
			},
		},
		.root_cell = {
			.signature = BH_SIGNATURE_CELL,
			.revision = BH_CONFIG_REVISION,
			.total_size = sizeof(config) - __builtin_offsetof(struct bh_system_config, root_cell),
			.name = "qemu-pc",
			.cpu_set_size = sizeof(config.cpus),
			.num_memory_regions = BH_ARRAY_SIZE(config.memory_regions),
			.num_irqchips = BH_ARRAY_SIZE(config.irqchips),
			.num_pio_ranges = BH_ARRAY_SIZE(config.pio_ranges),
			.num_pci_devices = BH_ARRAY_SIZE(config.pci_devices),
			.num_channels = BH_ARRAY_SIZE(config.channels),
		},
	},
	.cpus = { 0xf },
	.memory_regions = {
		/* low RAM, BIOS data */
		{ .phys_start = 0x0, .guest_start = 0x0, .size = 0xa0000, .flags = BH_MEM_RAM },
		/* VGA window and ROMs */
		{ .phys_start = 0xa0000, .guest_start = 0xa0000, .size = 0x60000, .flags = BH_MEM_MMIO | BH_MEM_EXECUTE },
		/* RAM below the memmap= reservation */
		{ .phys_start = 0x100000, .guest_start = 0x100000, .size = 0x3af00000, .flags = BH_MEM_RAM },
		/* RAM above the reservation */
		{ .phys_start = 0x3f000000, .guest_start = 0x3f000000, .size = 0xfe0000, .flags = BH_MEM_RAM },
		/* ACPI tables: e820-reserved, holds the FACS and DSDT Linux uses at run time */
		{ .phys_start = 0x3ffe0000, .guest_start = 0x3ffe0000, .size = 0x20000, .flags = BH_MEM_READ | BH_MEM_WRITE },
		/* PCI 32-bit MMIO window below MMCONFIG */
		{ .phys_start = 0x40000000, .guest_start = 0x40000000, .size = 0x70000000, .flags = BH_MEM_MMIO },
		/* PCI MMCONFIG */
		{ .phys_start = 0xb0000000, .guest_start = 0xb0000000, .size = 0x10000000, .flags = BH_MEM_MMIO },
		/* PCI 32-bit MMIO window above MMCONFIG */
		{ .phys_start = 0xc0000000, .guest_start = 0xc0000000, .size = 0x3ec00000, .flags = BH_MEM_MMIO },
		/* IOAPIC */
		{ .phys_start = 0xfec00000, .guest_start = 0xfec00000, .size = 0x1000, .flags = BH_MEM_MMIO },
		/* HPET */
		{ .phys_start = 0xfed00000, .guest_start = 0xfed00000, .size = 0x1000, .flags = BH_MEM_MMIO },
		/* ICH9 root complex register block */
		{ .phys_start = 0xfed1c000, .guest_start = 0xfed1c000, .size = 0x4000, .flags = BH_MEM_MMIO },
		/* BIOS flash */
		{ .phys_start = 0xfffc0000, .guest_start = 0xfffc0000, .size = 0x40000, .flags = BH_MEM_MMIO | BH_MEM_EXECUTE },
		/* PCI 64-bit MMIO window */
		{ .phys_start = 0x100000000, .guest_start = 0x100000000, .size = 0x800000000, .flags = BH_MEM_MMIO },
	},
	.irqchips = {
		{ .address = 0xfec00000, .id = 0, .pin_base = 0,
		  .pin_bitmap = { 0xffffff } },
	},
	.pio_ranges = {
		/* everything but COM2 (0x2f8-0x2ff), the hypervisor's console */
		{ .base = 0x0, .length = 0x2f8 },
		{ .base = 0x300, .length = 0xfd00 },
	},
	.pci_devices = {
		{ .bdf = 0x0000, .type = BH_PCI_TYPE_BRIDGE }, /* 00:00.0 host bridge */
		{ .bdf = 0x00f8, .type = BH_PCI_TYPE_BRIDGE }, /* 00:1f.0 ISA bridge */
		{ .bdf = 0x00fa, .type = BH_PCI_TYPE_DEVICE }, /* 00:1f.2 SATA */
		{ .bdf = 0x00fb, .type = BH_PCI_TYPE_DEVICE }, /* 00:1f.3 SMBus */
	},
	.channels = {
		{ .id = 1, .slot_size = 4096, .peer = "channel-echo", .phys_start = 0x3e800000,
		  .guest_start = 0x3e800000, .size = 0x100000 },
	},
};
