// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/devices/bulkhead: read-only state for scripts and monitoring.
 *
 *   enabled, abi_version, config_revision, root_cell
 *   console                    the hypervisor console (while enabled)
 *   mem_pool_size, mem_pool_used   hypervisor page pool, in pages
 *   cpus/cpuN/vmexits_<reason> VM exits of CPU N by reason (while enabled)
 */
#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "bulkhead.h"

static ssize_t enabled_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(bh_driver.enabled));
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

static ssize_t console_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	ssize_t len;

	mutex_lock(&bh_driver.lock);
	len = bh_console_read(buf, PAGE_SIZE);
	mutex_unlock(&bh_driver.lock);
	return len;
}
static DEVICE_ATTR_RO(console);

static ssize_t bh_info_show(char *buf, unsigned long which)
{
	long value;

	mutex_lock(&bh_driver.lock);
	value = bh_driver.enabled ? bh_hypercall(BH_HC_GET_INFO, which, 0) : -ENODEV;
	mutex_unlock(&bh_driver.lock);
	return value < 0 ? value : sysfs_emit(buf, "%ld\n", value);
}

static ssize_t mem_pool_size_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return bh_info_show(buf, BH_INFO_MEM_POOL_PAGES);
}
static DEVICE_ATTR_RO(mem_pool_size);

static ssize_t mem_pool_used_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return bh_info_show(buf, BH_INFO_MEM_POOL_USED);
}
static DEVICE_ATTR_RO(mem_pool_used);

static struct attribute *bh_attrs[] = {
	&dev_attr_enabled.attr,
	&dev_attr_abi_version.attr,
	&dev_attr_config_revision.attr,
	&dev_attr_root_cell.attr,
	&dev_attr_console.attr,
	&dev_attr_mem_pool_size.attr,
	&dev_attr_mem_pool_used.attr,
	NULL,
};

static const struct attribute_group bh_attr_group = {
	.attrs = bh_attrs,
};

/* Per-CPU statistics: one directory per CPU under the hypervisor. */
struct bh_stat_attribute {
	struct kobj_attribute attr;
	unsigned int stat;
};

static const char *const bh_stat_names[BH_STAT_COUNT] = BH_STAT_NAMES;
static struct bh_stat_attribute bh_stat_attrs[BH_STAT_COUNT];
static struct attribute *bh_stat_attr_list[BH_STAT_COUNT + 1];
static char bh_stat_attr_names[BH_STAT_COUNT][32];
static const struct attribute_group bh_stat_group = {
	.attrs = bh_stat_attr_list,
};
static struct kobject *bh_cpus_kobj;
static struct kobject **bh_cpu_kobjs;
static unsigned int bh_cpu_kobj_count;

/*
 * The directories exist only while the hypervisor runs and are removed
 * before it stops, so a read here always finds it: no lock needed, which
 * also keeps removal (which waits for readers) free of lock inversion.
 */
static ssize_t bh_stat_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct bh_stat_attribute *stat = container_of(attr, struct bh_stat_attribute, attr);
	unsigned int cpu;
	long value;

	if (kstrtouint(kobject_name(kobj) + 3, 10, &cpu))
		return -EINVAL;
	value = bh_hypercall(BH_HC_CPU_STATS, cpu, stat->stat);
	return value < 0 ? value : sysfs_emit(buf, "%ld\n", value);
}

void bh_sysfs_cpus_remove(void)
{
	unsigned int i;

	for (i = 0; i < bh_cpu_kobj_count; i++)
		kobject_put(bh_cpu_kobjs[i]);
	kfree(bh_cpu_kobjs);
	bh_cpu_kobjs = NULL;
	bh_cpu_kobj_count = 0;
	kobject_put(bh_cpus_kobj);
	bh_cpus_kobj = NULL;
}

int bh_sysfs_cpus_add(struct device *dev)
{
	unsigned int cpu;
	int err;

	bh_cpus_kobj = kobject_create_and_add("cpus", &dev->kobj);
	if (!bh_cpus_kobj)
		return -ENOMEM;
	bh_cpu_kobjs = kcalloc(nr_cpu_ids, sizeof(*bh_cpu_kobjs), GFP_KERNEL);
	if (!bh_cpu_kobjs) {
		err = -ENOMEM;
		goto fail;
	}
	for_each_online_cpu(cpu) {
		char name[16];
		struct kobject *kobj;

		snprintf(name, sizeof(name), "cpu%u", cpu);
		kobj = kobject_create_and_add(name, bh_cpus_kobj);
		if (!kobj) {
			err = -ENOMEM;
			goto fail;
		}
		bh_cpu_kobjs[bh_cpu_kobj_count++] = kobj;
		err = sysfs_create_group(kobj, &bh_stat_group);
		if (err)
			goto fail;
	}
	return 0;
fail:
	bh_sysfs_cpus_remove();
	return err;
}

int bh_sysfs_init(struct device *dev)
{
	unsigned int i;

	for (i = 0; i < BH_STAT_COUNT; i++) {
		snprintf(bh_stat_attr_names[i], sizeof(bh_stat_attr_names[i]), "vmexits_%s",
			 bh_stat_names[i]);
		sysfs_attr_init(&bh_stat_attrs[i].attr.attr);
		bh_stat_attrs[i].attr.attr.name = bh_stat_attr_names[i];
		bh_stat_attrs[i].attr.attr.mode = 0444;
		bh_stat_attrs[i].attr.show = bh_stat_show;
		bh_stat_attrs[i].stat = i;
		bh_stat_attr_list[i] = &bh_stat_attrs[i].attr.attr;
	}
	return sysfs_create_group(&dev->kobj, &bh_attr_group);
}

void bh_sysfs_exit(struct device *dev)
{
	sysfs_remove_group(&dev->kobj, &bh_attr_group);
}
