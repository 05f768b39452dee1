/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BULKHEAD_DRIVER_H
#define BULKHEAD_DRIVER_H

#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "../include/bulkhead/config.h"
#include "../include/bulkhead/hypercall.h"
#include "../include/bulkhead/image.h"
#include "../include/bulkhead/ioctl.h"

/* Largest CPU number + 1 the driver accepts in configs (Kconfig MAX_CPUS). */
#include "bh_kconfig.h"
#define BH_MAX_CPUS BH_CONFIG_MAX_CPUS

/* One ioctl's scratch state: the reason of a refusal. */
struct bh_request {
	char message[BH_IOCTL_MESSAGE_MAX];
};

struct bh_driver {
	struct mutex lock; /* serialises every request */
	struct device *root_device; /* /sys/devices/bulkhead */
	bool enabled;
	struct bh_system_config *system; /* while enabled */
	size_t system_size;
	unsigned int cell_count; /* non-root cells */
	void *hv_virt; /* hypervisor memory, mapped while enabled */
	const struct bh_console *console; /* its console page, within hv_virt */
	bool cpus_changing; /* the driver itself takes CPUs off or on line */
	size_t hv_size;
};

extern struct bh_driver bh_driver;

/* Record and log why a request is refused; returns err. */
__printf(3, 4) int bh_refuse(struct bh_request *req, int err, const char *fmt, ...);

/* Call the hypervisor (only while enabled). */
long bh_hypercall(unsigned long code, unsigned long arg1, unsigned long arg2);
/* Copy the hypervisor console's text; -ENODEV while disabled. */
ssize_t bh_console_read(char *out, size_t size);

int bh_hypervisor_enable(struct bh_request *req, struct bh_system_config *sys, size_t size);
int bh_hypervisor_disable(struct bh_request *req);
int bh_cell_create(struct bh_request *req, const void *config, size_t size);
int bh_cell_load(struct bh_request *req, struct bh_ioctl_cell_load *arg);
int bh_cell_request(struct bh_request *req, unsigned int cmd, struct bh_ioctl_cell_request *arg);
int bh_cells_sysfs_add(struct device *dev);
void bh_cells_sysfs_remove(void);
void bh_cell_names(char *buf, size_t size);

/* Channel devices of the root cell (channel.c), while enabled. */
void bh_channels_add(void);
void bh_channels_remove(void);
/* A cell named name was created: its channels to the root start empty. */
void bh_channels_peer_created(const char *name);

int bh_sysfs_init(struct device *dev);
/* Per-CPU statistics directories, while the hypervisor runs. */
int bh_sysfs_cpus_add(struct device *dev);
void bh_sysfs_cpus_remove(void);
void bh_sysfs_exit(struct device *dev);

#endif /* BULKHEAD_DRIVER_H */
