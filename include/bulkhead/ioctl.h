/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The interface of /dev/bulkhead, between the driver and the CLI.
 *
 * Every ioctl that takes a config also takes a message buffer: when the
 * driver refuses, it writes the one-line reason there (and to the kernel
 * log), so that the CLI can print exactly why.
 */
#ifndef BULKHEAD_IOCTL_H
#define BULKHEAD_IOCTL_H

#include "types.h"

#ifdef __KERNEL__
#include <linux/ioctl.h>
#else
#include <sys/ioctl.h>
#endif

#define BH_DEVICE_PATH "/dev/bulkhead"
#define BH_SYSFS_PATH "/sys/devices/bulkhead"
#define BH_IOCTL_ABI_VERSION 2
#define BH_IOCTL_MESSAGE_MAX 256u

struct bh_ioctl_config {
	bh_u64 config_address; /* user pointer to the config blob */
	bh_u32 config_size; /* bytes, at most BH_CONFIG_MAX_SIZE */
	bh_u32 message_size; /* capacity of the message buffer, may be 0 */
	bh_u64 message_address; /* user buffer for a refusal's reason, or 0 */
};

/* A cell by id (id >= 0) or by name (id == -1). */
struct bh_ioctl_cell_id {
	bh_s32 id;
	bh_u32 reserved; /* must be 0 */
	char name[32]; /* NUL terminated when id == -1 */
};

/* One image for BH_IOCTL_CELL_LOAD. */
struct bh_ioctl_image {
	bh_u64 source_address; /* user pointer */
	bh_u64 size; /* bytes */
	bh_u64 target_address; /* guest-physical, inside a loadable region */
};

#define BH_IOCTL_MAX_IMAGES 16u

/* Load images into a cell (stopping it first) and set its boot arguments. */
struct bh_ioctl_cell_load {
	struct bh_ioctl_cell_id cell;
	bh_u32 num_images; /* at most BH_IOCTL_MAX_IMAGES */
	bh_u32 reserved; /* must be 0 */
	bh_u64 args_address; /* user pointer to NUL-terminated boot arguments, or 0 */
	bh_u64 message_address; /* user buffer for a refusal's reason, or 0 */
	bh_u32 message_size;
	bh_u32 reserved2; /* must be 0 */
	struct bh_ioctl_image images[BH_IOCTL_MAX_IMAGES];
};

/* Start, shut down or destroy a cell; the refusal's reason comes back. */
struct bh_ioctl_cell_request {
	struct bh_ioctl_cell_id cell;
	bh_u64 message_address;
	bh_u32 message_size;
	bh_u32 reserved; /* must be 0 */
};

/* Disable: the refusal's reason comes back (e.g. the cells that still exist). */
struct bh_ioctl_message {
	bh_u64 message_address; /* user buffer, or 0 */
	bh_u32 message_size;
	bh_u32 reserved; /* must be 0 */
};

struct bh_ioctl_info {
	bh_u32 abi_version; /* BH_IOCTL_ABI_VERSION */
	bh_u32 enabled; /* 1 while the hypervisor runs */
	bh_u64 hypervisor_memory_start; /* of the enabled system, else 0 */
	bh_u64 hypervisor_memory_size;
	bh_u32 cell_count; /* root cell included, 0 when disabled */
	bh_u32 online_cpus; /* as Linux sees them */
	char version[32]; /* driver version string */
};

BH_STATIC_ASSERT(sizeof(struct bh_ioctl_config) == 24, "ioctl config ABI");
BH_STATIC_ASSERT(sizeof(struct bh_ioctl_cell_id) == 40, "ioctl cell id ABI");
BH_STATIC_ASSERT(sizeof(struct bh_ioctl_info) == 64, "ioctl info ABI");
BH_STATIC_ASSERT(sizeof(struct bh_ioctl_image) == 24, "ioctl image ABI");
BH_STATIC_ASSERT(sizeof(struct bh_ioctl_cell_load) == 72 + 16 * 24, "ioctl cell load ABI");
BH_STATIC_ASSERT(sizeof(struct bh_ioctl_cell_request) == 56, "ioctl cell request ABI");
BH_STATIC_ASSERT(sizeof(struct bh_ioctl_message) == 16, "ioctl message ABI");

#define BH_IOCTL_TYPE 0xbd
#define BH_IOCTL_ENABLE _IOW(BH_IOCTL_TYPE, 0, struct bh_ioctl_config)
#define BH_IOCTL_DISABLE _IOW(BH_IOCTL_TYPE, 1, struct bh_ioctl_message)
#define BH_IOCTL_CELL_CREATE _IOW(BH_IOCTL_TYPE, 2, struct bh_ioctl_config)
#define BH_IOCTL_CELL_LOAD _IOW(BH_IOCTL_TYPE, 3, struct bh_ioctl_cell_load)
#define BH_IOCTL_CELL_START _IOW(BH_IOCTL_TYPE, 4, struct bh_ioctl_cell_request)
#define BH_IOCTL_CELL_SHUTDOWN _IOW(BH_IOCTL_TYPE, 5, struct bh_ioctl_cell_request)
#define BH_IOCTL_CELL_DESTROY _IOW(BH_IOCTL_TYPE, 6, struct bh_ioctl_cell_request)
#define BH_IOCTL_INFO _IOR(BH_IOCTL_TYPE, 8, struct bh_ioctl_info)

#endif /* BULKHEAD_IOCTL_H */
