/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The virtual PCI device through which a non-root cell finds each of its
 * channels (Documentation/channels.md, "The channel device"): what the
 * hypervisor presents (hypervisor/core/channel_device.h) and what a cell's
 * driver reads and writes (inmates/demos/channel-echo.cpp).
 *
 * Channel n of the cell's config is bus 0, device BH_CHANNEL_DEVICE_FIRST + n,
 * function 0 (the first 16 channels). BAR0 is the shared region; the MSI
 * capability at BH_CHANNEL_DEVICE_MSI sets the doorbell; the vendor-specific
 * capability at BH_CHANNEL_DEVICE_VENDOR_CAP holds the registers below.
 */
#ifndef BULKHEAD_CHANNEL_DEVICE_H
#define BULKHEAD_CHANNEL_DEVICE_H

#define BH_CHANNEL_DEVICE_VENDOR_ID 0x1234 /* experimental IDs, as QEMU's test devices */
#define BH_CHANNEL_DEVICE_DEVICE_ID 0xbc01
#define BH_CHANNEL_DEVICE_FIRST 0x10 /* device number of channel 0 */

/* Configuration-space offsets. */
#define BH_CHANNEL_DEVICE_MSI 0x40 /* MSI capability, 32-bit address */
#define BH_CHANNEL_DEVICE_VENDOR_CAP 0x50 /* vendor-specific capability */
#define BH_CHANNEL_DEVICE_VENDOR_CAP_LENGTH 0x1c
#define BH_CHANNEL_DEVICE_CHANNEL_ID 0x54 /* read-only */
#define BH_CHANNEL_DEVICE_SLOT_SIZE 0x58 /* read-only; 0 = the build's default */
#define BH_CHANNEL_DEVICE_CELL_ID 0x5c /* this cell's id */
#define BH_CHANNEL_DEVICE_PEER_STATE 0x60 /* live: BH_CELL_STATE_*, BH_CELL_STATE_GONE */
#define BH_CHANNEL_DEVICE_DOORBELL 0x64 /* write: ring the peer */
#define BH_CHANNEL_DEVICE_PEER_ID 0x68 /* live; 0xffffffff: gone */

#endif /* BULKHEAD_CHANNEL_DEVICE_H */
