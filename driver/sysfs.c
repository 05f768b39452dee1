// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/devices/bulkhead: read-only state for scripts and monitoring.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "bulkhead.h"

static ssize_t enabled_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", bh_driver.enabled);
}
static DEVICE_ATTR_RO(enabled);

static ssize_t abi_version_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", BH_IOCTL_ABI_VERSION);
}
static DEVICE_ATTR_RO(abi_version);

static ssize_t config_revision_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", BH_CONFIG_REVISION);
}
static DEVICE_ATTR_RO(config_revision);

static ssize_t root_cell_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	ssize_t len;

	mutex_lock(&bh_driver.lock);
	len = sysfs_emit(buf, "%s\n", bh_driver.enabled ? bh_driver.system->root_cell.name : "");
	mutex_unlock(&bh_driver.lock);
	return len;
}
static DEVICE_ATTR_RO(root_cell);

static struct attribute *bh_attrs[] = {
	&dev_attr_enabled.attr,
	&dev_attr_abi_version.attr,
	&dev_attr_config_revision.attr,
	&dev_attr_root_cell.attr,
	NULL,
};

static const struct attribute_group bh_attr_group = {
	.attrs = bh_attrs,
};

int bh_sysfs_init(struct device *dev)
{
	return sysfs_create_group(&dev->kobj, &bh_attr_group);
}

void bh_sysfs_exit(struct device *dev)
{
	sysfs_remove_group(&dev->kobj, &bh_attr_group);
}
