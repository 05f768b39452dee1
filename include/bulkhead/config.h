/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bulkhead configuration ABI: system configs and cell descriptors.
 *
 * A configuration is a flat little-endian blob. A *cell file* is one
 * struct bh_cell_desc followed by its variable arrays; a *system file* is one
 * struct bh_system_config whose last member is the root cell's descriptor,
 * followed by the root cell's arrays. The arrays follow a descriptor in this
 * order, each immediately after the previous one:
 *
 *   bh_u64                  cpu_set[cpu_set_size / 8]   (bit n = CPU n)
 *   struct bh_memory_region memory_regions[num_memory_regions]
 *   struct bh_irqchip       irqchips[num_irqchips]
 *   struct bh_pio_range     pio_ranges[num_pio_ranges]
 *   struct bh_pci_device    pci_devices[num_pci_devices]
 *   struct bh_channel       channels[num_channels]
 *
 * Every structure has a fixed layout (checked below) so that the driver, the
 * hypervisor, the RTOS and the tools agree byte for byte. Documentation of
 * every field: Documentation/config-format.md. The only validator of these
 * blobs is hypervisor/core/config_validator.cpp.
 */
#ifndef BULKHEAD_CONFIG_H
#define BULKHEAD_CONFIG_H

#include "types.h"

#define BH_CONFIG_REVISION 1

/* Signatures are 8 bytes, not NUL-terminated. */
#define BH_SYSTEM_SIGNATURE "BHSYSTEM"
#define BH_CELL_SIGNATURE "BHCELLDC"
#define BH_SIGNATURE_LEN 8

#define BH_CELL_NAME_LEN 32
#define BH_CONFIG_PAGE_SIZE 4096ull

/*
 * Hard ABI limits. They bound what the driver copies from user space before
 * any other check; Kconfig may choose smaller limits for a build.
 */
#define BH_CONFIG_MAX_SIZE (64u * 1024u)
#define BH_ABI_MAX_CPUS 256u
#define BH_ABI_MAX_MEMORY_REGIONS 64u
#define BH_ABI_MAX_IRQCHIPS 8u
#define BH_ABI_MAX_PIO_RANGES 64u
#define BH_ABI_MAX_PCI_DEVICES 64u
#define BH_ABI_MAX_CHANNELS 32u
#define BH_MAX_RAM_RANGES 16u

/* struct bh_memory_region.flags */
#define BH_MEM_READ 0x0001ull
#define BH_MEM_WRITE 0x0002ull
#define BH_MEM_EXECUTE 0x0004ull
#define BH_MEM_DMA 0x0008ull
#define BH_MEM_IO 0x0010ull /* device memory, not RAM */
#define BH_MEM_COMM_REGION 0x0020ull /* the cell's communication page */
#define BH_MEM_LOADABLE 0x0040ull /* root may write it while loading */
#define BH_MEM_ROOT_SHARED 0x0080ull /* stays mapped in the root cell */
#define BH_MEM_FLAGS_ALL 0x00ffull

struct bh_memory_region {
	bh_u64 phys_start; /* host-physical start, page aligned */
	bh_u64 guest_start; /* guest-physical start, page aligned */
	bh_u64 size; /* bytes, page multiple, non-zero */
	bh_u64 flags; /* BH_MEM_* */
};

/* An IOAPIC and the pins of it that belong to the cell. */
struct bh_irqchip {
	bh_u64 address; /* MMIO base of the IOAPIC */
	bh_u32 id; /* IOAPIC id */
	bh_u32 pin_base; /* GSI of pin 0 */
	bh_u64 pin_bitmap[4]; /* bit n = pin n belongs to the cell */
};

/* A range of I/O ports the cell may access directly. */
struct bh_pio_range {
	bh_u16 base;
	bh_u16 length; /* ports, non-zero; base + length <= 0x10000 */
	bh_u32 reserved; /* must be 0 */
};

#define BH_PCI_TYPE_DEVICE 0u
#define BH_PCI_TYPE_BRIDGE 1u

struct bh_pci_device {
	bh_u16 domain;
	bh_u16 bdf; /* bus << 8 | device << 3 | function */
	bh_u8 type; /* BH_PCI_TYPE_* */
	bh_u8 reserved[3]; /* must be 0 */
};

/*
 * One endpoint of a channel. Both cells of a channel name it with the same
 * id, the same host-physical region, and each other as peer.
 */
struct bh_channel {
	bh_u32 id; /* system-wide channel number */
	bh_u32 slot_size; /* mailbox slot capacity B in bytes; 0 = default */
	char peer[BH_CELL_NAME_LEN]; /* name of the peer cell, NUL padded */
	bh_u64 phys_start; /* shared region, host-physical */
	bh_u64 guest_start; /* where this cell sees it */
	bh_u64 size; /* bytes, page multiple */
};

/* struct bh_cell_desc.flags */
#define BH_CELL_PASSIVE_COMMREG 0x1u /* cell never answers shutdown requests */
#define BH_CELL_FLAGS_ALL 0x1u

struct bh_cell_desc {
	char signature[BH_SIGNATURE_LEN]; /* BH_CELL_SIGNATURE */
	bh_u32 revision; /* BH_CONFIG_REVISION */
	bh_u32 total_size; /* this descriptor plus its arrays, bytes */
	char name[BH_CELL_NAME_LEN]; /* NUL terminated, non-empty */
	bh_u32 id; /* 0 in files; assigned at creation */
	bh_u32 flags; /* BH_CELL_* */
	bh_u32 cpu_set_size; /* bytes, non-zero multiple of 8 */
	bh_u32 num_memory_regions;
	bh_u32 num_irqchips;
	bh_u32 num_pio_ranges;
	bh_u32 num_pci_devices;
	bh_u32 num_channels;
	bh_u64 cpu_reset_address; /* guest-physical entry of the cell's CPUs */
	bh_u64 reserved[2]; /* must be 0 */
};

#define BH_CONSOLE_NONE 0u
#define BH_CONSOLE_UART_PIO 1u /* 8250-compatible UART on I/O ports */
#define BH_CONSOLE_UART_MMIO 2u /* 8250-compatible UART, 32-bit MMIO */

struct bh_debug_console {
	bh_u64 address; /* I/O port or MMIO base */
	bh_u32 type; /* BH_CONSOLE_* */
	bh_u32 divider; /* baud divisor; 0 = leave as firmware set it */
};

struct bh_ram_range {
	bh_u64 start;
	bh_u64 size;
};

#define BH_APIC_MODE_AUTO 0u
#define BH_APIC_MODE_XAPIC 1u
#define BH_APIC_MODE_X2APIC 2u

struct bh_platform_info {
	bh_u64 pci_mmconfig_base; /* 0 = no MMCONFIG */
	bh_u8 pci_mmconfig_end_bus;
	bh_u8 apic_mode; /* BH_APIC_MODE_* */
	bh_u16 reserved0; /* must be 0 */
	bh_u32 pm_timer_port; /* ACPI PM timer I/O port, 0 = none */
	bh_u32 tsc_khz; /* 0 = measure */
	bh_u32 apic_khz; /* 0 = measure */
	bh_u32 num_ram_ranges; /* valid entries in ram[] */
	bh_u32 reserved1; /* must be 0 */
	struct bh_ram_range ram[BH_MAX_RAM_RANGES]; /* all RAM, reserved included */
};

#define BH_SYS_FLAG_VIRTUAL_CONSOLE 0x1u /* console ring readable by root */
#define BH_SYS_FLAGS_ALL 0x1u

struct bh_system_config {
	char signature[BH_SIGNATURE_LEN]; /* BH_SYSTEM_SIGNATURE */
	bh_u32 revision; /* BH_CONFIG_REVISION */
	bh_u32 total_size; /* whole blob, root cell arrays included */
	bh_u32 flags; /* BH_SYS_FLAG_* */
	bh_u32 reserved; /* must be 0 */
	struct bh_memory_region hypervisor_memory; /* phys_start, size */
	struct bh_debug_console debug_console;
	struct bh_platform_info platform;
	struct bh_cell_desc root_cell; /* its arrays follow the struct */
};

BH_STATIC_ASSERT(sizeof(struct bh_memory_region) == 32, "memory region ABI");
BH_STATIC_ASSERT(sizeof(struct bh_irqchip) == 48, "irqchip ABI");
BH_STATIC_ASSERT(sizeof(struct bh_pio_range) == 8, "pio range ABI");
BH_STATIC_ASSERT(sizeof(struct bh_pci_device) == 8, "pci device ABI");
BH_STATIC_ASSERT(sizeof(struct bh_channel) == 64, "channel ABI");
BH_STATIC_ASSERT(sizeof(struct bh_cell_desc) == 104, "cell descriptor ABI");
BH_STATIC_ASSERT(sizeof(struct bh_debug_console) == 16, "console ABI");
BH_STATIC_ASSERT(sizeof(struct bh_platform_info) == 288, "platform ABI");
BH_STATIC_ASSERT(sizeof(struct bh_system_config) == 464, "system config ABI");

#endif /* BULKHEAD_CONFIG_H */
