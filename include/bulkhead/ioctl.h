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
#define BH_IOCTL_ABI_VERSION 1
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

#define BH_IOCTL_TYPE 0xbd
#define BH_IOCTL_ENABLE _IOW(BH_IOCTL_TYPE, 0, struct bh_ioctl_config)
#define BH_IOCTL_DISABLE _IO(BH_IOCTL_TYPE, 1)
#define BH_IOCTL_CELL_CREATE _IOW(BH_IOCTL_TYPE, 2, struct bh_ioctl_config)
#define BH_IOCTL_INFO _IOR(BH_IOCTL_TYPE, 8, struct bh_ioctl_info)

#endif /* BULKHEAD_IOCTL_H */
