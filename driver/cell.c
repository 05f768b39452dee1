// SPDX-License-Identifier: GPL-2.0
/*
 * Non-root cells: the Linux side of create, load, start, shut down and
 * destroy. Linux gives up the cell's CPUs (remove_cpu) and PCI devices (they
 * leave the bus) and never touches its memory; the hypervisor does the rest. Every step that fails undoes the
 * ones before, so a refused request leaves Linux and the cells as they were.
 */
#define pr_fmt(fmt) "bulkhead: " fmt

#include <linux/cpu.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../include/bulkhead/cell.h"
#include "bulkhead.h"

struct bh_cell {
	struct list_head list;
	u32 id;
	char name[BH_CELL_NAME_LEN];
	struct bh_cell_desc *config; /* kmalloc'ed, validated */
	size_t config_size;
	struct cpumask cpus;
	struct kobject kobj; /* /sys/devices/bulkhead/cells/<id> */
	unsigned int claimed; /* memory regions claimed from iomem */
};

static LIST_HEAD(bh_cells);
static struct kobject *bh_cells_kobj;

static const struct bh_memory_region *bh_cell_regions(const struct bh_cell_desc *desc)
{
	return (const void *)((const u8 *)(desc + 1) + desc->cpu_set_size);
}

static bool bh_cell_has_cpu(const struct bh_cell_desc *desc, unsigned int cpu)
{
	const u64 *words = (const u64 *)(desc + 1);

	return cpu < desc->cpu_set_size * 8 && (words[cpu / 64] >> (cpu % 64)) & 1;
}

static bool bh_region_is_ram(const struct bh_memory_region *r)
{
	return !(r->flags & BH_MEM_IO);
}

/* The last line the hypervisor printed: why it refused. */
static void bh_hypervisor_reason(struct bh_request *req, const char *what, int err)
{
	char *text = kmalloc(BH_CONSOLE_RING_SIZE + 1, GFP_KERNEL);
	char *end, *line = NULL;

	if (text && bh_console_read(text, BH_CONSOLE_RING_SIZE + 1) > 0) {
		end = text + strlen(text);
		while (end > text && end[-1] == '\n')
			*--end = '\0';
		line = strrchr(text, '\n');
		line = line ? line + 1 : text;
		if (!strncmp(line, "bulkhead: ", 10))
			line += 10;
	}
	bh_refuse(req, err, "%s refused by the hypervisor: %s", what, line ? line : "see 'bulkhead console'");
	kfree(text);
}

/* --- sysfs: /sys/devices/bulkhead/cells/<id>/ ------------------------------ */

static const char *bh_state_name(long state)
{
	switch (state) {
	case BH_CELL_STATE_RUNNING:
		return "running";
	case BH_CELL_STATE_RUNNING_LOCKED:
		return "running/locked";
	case BH_CELL_STATE_SHUT_DOWN:
		return "shut down";
	case BH_CELL_STATE_FAILED:
		return "failed";
	}
	return "unknown";
}

#define to_bh_cell(k) container_of(k, struct bh_cell, kobj)

static ssize_t name_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_bh_cell(kobj)->name);
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	long state = bh_hypercall(BH_HC_CELL_GET_STATE, to_bh_cell(kobj)->id, 0);

	return state < 0 ? state : sysfs_emit(buf, "%s\n", bh_state_name(state));
}

static ssize_t cpus_assigned_list_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(&to_bh_cell(kobj)->cpus));
}

static ssize_t reason_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	char *reason = kzalloc(BH_CELL_REASON_SIZE, GFP_KERNEL);
	ssize_t len;
	long err;

	if (!reason)
		return -ENOMEM;
	err = bh_hypercall(BH_HC_CELL_GET_REASON, to_bh_cell(kobj)->id, __pa(reason));
	reason[BH_CELL_REASON_SIZE - 1] = '\0';
	len = err < 0 ? err : sysfs_emit(buf, "%s\n", reason);
	kfree(reason);
	return len;
}

static struct kobj_attribute bh_cell_name_attr = __ATTR_RO(name);
static struct kobj_attribute bh_cell_state_attr = __ATTR_RO(state);
static struct kobj_attribute bh_cell_cpus_attr = __ATTR_RO(cpus_assigned_list);
static struct kobj_attribute bh_cell_reason_attr = __ATTR_RO(reason);

static struct attribute *bh_cell_attrs[] = {
	&bh_cell_name_attr.attr,
	&bh_cell_state_attr.attr,
	&bh_cell_cpus_attr.attr,
	&bh_cell_reason_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(bh_cell);

static void bh_cell_release(struct kobject *kobj)
{
	struct bh_cell *cell = to_bh_cell(kobj);

	kfree(cell->config);
	kfree(cell);
}

static struct kobj_type bh_cell_ktype = {
	.release = bh_cell_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = bh_cell_groups,
};

int bh_cells_sysfs_add(struct device *dev)
{
	bh_cells_kobj = kobject_create_and_add("cells", &dev->kobj);
	return bh_cells_kobj ? 0 : -ENOMEM;
}

void bh_cells_sysfs_remove(void)
{
	kobject_put(bh_cells_kobj);
	bh_cells_kobj = NULL;
}

/* --- lifecycle ------------------------------------------------------------- */

/* "a, b, c" for messages; cut short (with "...") when it does not fit. */
void bh_cell_names(char *buf, size_t size)
{
	const struct bh_cell *cell;
	size_t used = 0;

	buf[0] = '\0';
	list_for_each_entry(cell, &bh_cells, list) {
		int n = snprintf(buf + used, size - used, "%s\"%s\"", used ? ", " : "", cell->name);

		if (n < 0 || used + n >= size) {
			if (size > 4)
				strscpy(buf + size - 4, "...", 4);
			return;
		}
		used += n;
	}
}

static struct bh_cell *bh_find_cell(const struct bh_ioctl_cell_id *id)
{
	struct bh_cell *cell;

	list_for_each_entry(cell, &bh_cells, list)
		if (id->id >= 0 ? cell->id == id->id : !strncmp(cell->name, id->name, sizeof(id->name)))
			return cell;
	return NULL;
}

static int bh_lookup(struct bh_request *req, struct bh_ioctl_cell_id *id, struct bh_cell **out)
{
	id->name[sizeof(id->name) - 1] = '\0';
	if (id->reserved)
		return bh_refuse(req, -EINVAL, "cell id: reserved field must be 0");
	if (!bh_driver.enabled)
		return bh_refuse(req, -ENODEV, "the hypervisor is not enabled");
	*out = bh_find_cell(id);
	if (!*out)
		return id->id >= 0 ? bh_refuse(req, -ENOENT, "no cell with id %d", id->id) :
				     bh_refuse(req, -ENOENT, "no cell named \"%s\"", id->name);
	return 0;
}

static const struct bh_pci_device *bh_cell_pci_devices(const struct bh_cell_desc *desc)
{
	const u8 *p = (const u8 *)bh_cell_regions(desc);

	p += desc->num_memory_regions * sizeof(struct bh_memory_region);
	p += desc->num_irqchips * sizeof(struct bh_irqchip);
	p += desc->num_pio_ranges * sizeof(struct bh_pio_range);
	return (const struct bh_pci_device *)p;
}

/*
 * Linux lets go of the cell's PCI devices: drivers unbind, the devices leave
 * the bus. A device Linux does not know is left to the hypervisor's checks.
 */
static void bh_remove_pci_devices(struct bh_cell *cell)
{
	const struct bh_pci_device *d = bh_cell_pci_devices(cell->config);
	struct pci_dev *dev;
	unsigned int i;

	for (i = 0; i < cell->config->num_pci_devices; i++) {
		dev = pci_get_domain_bus_and_slot(d[i].domain, PCI_BUS_NUM(d[i].bdf), d[i].bdf & 0xff);
		if (!dev)
			continue;
		pr_info("cell \"%s\": PCI device %s leaves Linux\n", cell->name, pci_name(dev));
		pci_stop_and_remove_bus_device_locked(dev);
		pci_dev_put(dev);
	}
}

/*
 * Linux takes the cell's devices back (after destroy, or a refused create)
 * with their BARs where they were: the firmware's addresses, which cell
 * configs name. A plain rescan would treat them as unassigned and move them.
 */
static void bh_restore_pci_devices(struct bh_cell *cell)
{
	const struct bh_pci_device *d = bh_cell_pci_devices(cell->config);
	struct pci_bus *bus;
	struct pci_dev *dev;
	unsigned int i, bar;

	pci_lock_rescan_remove();
	for (i = 0; i < cell->config->num_pci_devices; i++) {
		bus = pci_find_bus(d[i].domain, PCI_BUS_NUM(d[i].bdf));
		dev = bus ? pci_get_slot(bus, d[i].bdf & 0xff) : NULL;
		if (dev) {
			pci_dev_put(dev); /* Linux never let go of it */
			continue;
		}
		dev = bus ? pci_scan_single_device(bus, d[i].bdf & 0xff) : NULL;
		if (!dev) {
			pr_warn("cell \"%s\": PCI device %04x:%02x:%02x.%u did not come back\n", cell->name,
				d[i].domain, PCI_BUS_NUM(d[i].bdf), PCI_SLOT(d[i].bdf), PCI_FUNC(d[i].bdf));
			continue;
		}
		for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
			if (dev->resource[bar].flags && !dev->resource[bar].parent &&
			    pci_claim_resource(dev, bar))
				pr_warn("%s: BAR %u could not keep its address\n", pci_name(dev), bar);
		/* Whatever could not be claimed gets a new address. */
		pci_assign_unassigned_bus_resources(bus);
		pci_bus_add_device(dev);
		pr_info("cell \"%s\": PCI device %s is Linux's again\n", cell->name, pci_name(dev));
	}
	pci_unlock_rescan_remove();
}

static void bh_release_regions(struct bh_cell *cell, unsigned int count)
{
	const struct bh_memory_region *r = bh_cell_regions(cell->config);
	unsigned int i, done = 0;

	for (i = 0; i < cell->config->num_memory_regions && done < count; i++) {
		if (!bh_region_is_ram(&r[i]))
			continue;
		release_mem_region(r[i].phys_start, r[i].size);
		done++;
	}
}

/* The existing cell one of whose RAM regions overlaps [start, +size), if any. */
static const struct bh_cell *bh_cell_with_ram(u64 start, u64 size, unsigned int *index)
{
	const struct bh_cell *other;
	const struct bh_memory_region *r;
	unsigned int i;

	list_for_each_entry(other, &bh_cells, list) {
		r = bh_cell_regions(other->config);
		for (i = 0; i < other->config->num_memory_regions; i++) {
			if (bh_region_is_ram(&r[i]) && start < r[i].phys_start + r[i].size &&
			    r[i].phys_start < start + size) {
				*index = i;
				return other;
			}
		}
	}
	return NULL;
}

/* The existing cell that holds a CPU, if any. */
static const struct bh_cell *bh_cell_with_cpu(unsigned int cpu)
{
	const struct bh_cell *other;

	list_for_each_entry(other, &bh_cells, list)
		if (cpumask_test_cpu(cpu, &other->cpus))
			return other;
	return NULL;
}

/* Cell RAM must be memory Linux does not use: reserved with memmap=. */
static int bh_claim_regions(struct bh_request *req, struct bh_cell *cell)
{
	const struct bh_memory_region *r = bh_cell_regions(cell->config);
	const struct bh_cell *other;
	unsigned int i, j;

	for (i = 0; i < cell->config->num_memory_regions; i++) {
		if (!bh_region_is_ram(&r[i]))
			continue;
		other = bh_cell_with_ram(r[i].phys_start, r[i].size, &j);
		if (other) {
			bh_release_regions(cell, cell->claimed);
			return bh_refuse(req, -EBUSY,
					 "cell \"%s\": memory_regions[%u] [%#llx, +%#llx) overlaps memory of cell \"%s\" (its memory_regions[%u] [%#llx, +%#llx))",
					 cell->name, i, r[i].phys_start, r[i].size, other->name, j,
					 bh_cell_regions(other->config)[j].phys_start,
					 bh_cell_regions(other->config)[j].size);
		}
		if (region_intersects(r[i].phys_start, r[i].size, IORESOURCE_SYSTEM_RAM,
				      IORES_DESC_NONE) != REGION_DISJOINT) {
			bh_release_regions(cell, cell->claimed);
			return bh_refuse(req, -EINVAL,
					 "cell \"%s\": memory_regions[%u] [%#llx, +%#llx) is Linux RAM: reserve it with memmap=",
					 cell->name, i, r[i].phys_start, r[i].size);
		}
		if (!request_mem_region(r[i].phys_start, r[i].size, "bulkhead cell")) {
			bh_release_regions(cell, cell->claimed);
			return bh_refuse(req, -EBUSY,
					 "cell \"%s\": memory_regions[%u] [%#llx, +%#llx) is in use",
					 cell->name, i, r[i].phys_start, r[i].size);
		}
		cell->claimed++;
	}
	return 0;
}

static void bh_online_cpus(const struct cpumask *cpus)
{
	unsigned int cpu;

	for_each_cpu(cpu, cpus)
		if (add_cpu(cpu))
			pr_err("CPU %u did not come back to Linux\n", cpu);
}

/*
 * After the hypervisor refused a cell, Linux brings the CPUs it gave up
 * back with INIT/SIPI. The hypervisor only lets that through for CPUs a cell
 * gave back (they wait for the SIPI in the hypervisor); a CPU that never
 * left the root stays offline. Say so in the refusal, which the user sees.
 */
static void bh_note_stranded_cpus(struct bh_request *req, const struct cpumask *cpus)
{
	size_t len = strnlen(req->message, sizeof(req->message));
	unsigned int cpu;

	for_each_cpu(cpu, cpus) {
		if (cpu_online(cpu))
			continue;
		pr_err("CPU %u stays offline: bring it back with 'echo 1 > /sys/devices/system/cpu/cpu%u/online' after 'bulkhead disable'\n",
		       cpu, cpu);
		len += scnprintf(req->message + len, sizeof(req->message) - len,
				 "; CPU %u could not be given back to Linux", cpu);
	}
}

static int bh_offline_cpus(struct bh_request *req, struct bh_cell *cell)
{
	struct cpumask done;
	unsigned int cpu;
	int err;

	cpumask_clear(&done);
	for_each_cpu(cpu, &cell->cpus) {
		WRITE_ONCE(bh_driver.cpus_changing, true);
		err = remove_cpu(cpu);
		WRITE_ONCE(bh_driver.cpus_changing, false);
		if (err) {
			bh_online_cpus(&done);
			return bh_refuse(req, err, "cell \"%s\": CPU %u cannot go offline (%d)",
					 cell->name, cpu, err);
		}
		cpumask_set_cpu(cpu, &done);
	}
	return 0;
}

int bh_cell_create(struct bh_request *req, const void *config, size_t size)
{
	const struct bh_cell_desc *desc = config;
	struct bh_ioctl_cell_id by_name = { .id = -1 };
	struct bh_cell *cell;
	unsigned int cpu;
	long id;
	int err;

	strscpy(by_name.name, desc->name, sizeof(by_name.name));
	if (bh_find_cell(&by_name))
		return bh_refuse(req, -EEXIST, "a cell named \"%s\" already exists", desc->name);
	cell = kzalloc(sizeof(*cell), GFP_KERNEL);
	if (!cell)
		return bh_refuse(req, -ENOMEM, "no memory for a cell");
	/* kmalloc: physically contiguous, as the hypervisor reads it. */
	cell->config = kmemdup(config, size, GFP_KERNEL);
	if (!cell->config) {
		kfree(cell);
		return bh_refuse(req, -ENOMEM, "no memory for a cell config");
	}
	cell->config_size = size;
	strscpy(cell->name, desc->name, sizeof(cell->name));
	for (cpu = 0; cpu < desc->cpu_set_size * 8; cpu++) {
		if (!bh_cell_has_cpu(desc, cpu))
			continue;
		if (cpu < nr_cpu_ids && bh_cell_with_cpu(cpu)) {
			err = bh_refuse(req, -EBUSY, "cell \"%s\": CPU %u is already used by cell \"%s\"",
					cell->name, cpu, bh_cell_with_cpu(cpu)->name);
			goto out_free;
		}
		if (cpu >= nr_cpu_ids || !cpu_online(cpu)) {
			err = bh_refuse(req, -EINVAL, "cell \"%s\": CPU %u is not an online CPU of the root cell",
					cell->name, cpu);
			goto out_free;
		}
		cpumask_set_cpu(cpu, &cell->cpus);
	}

	err = bh_claim_regions(req, cell);
	if (err)
		goto out_free;
	err = bh_offline_cpus(req, cell);
	if (err)
		goto out_release;
	bh_remove_pci_devices(cell);
	id = bh_hypercall(BH_HC_CELL_CREATE, __pa(cell->config), size);
	if (id < 0) {
		err = id;
		bh_hypervisor_reason(req, "cell create", err);
		bh_restore_pci_devices(cell);
		WRITE_ONCE(bh_driver.cpus_changing, true);
		bh_online_cpus(&cell->cpus);
		WRITE_ONCE(bh_driver.cpus_changing, false);
		bh_note_stranded_cpus(req, &cell->cpus);
		goto out_release;
	}
	cell->id = id;
	/* Before the cell can run: its channels to the root start empty. */
	bh_channels_peer_created(cell->name);
	list_add_tail(&cell->list, &bh_cells);
	bh_driver.cell_count++;
	if (kobject_init_and_add(&cell->kobj, &bh_cell_ktype, bh_cells_kobj, "%u", cell->id))
		pr_warn("cell \"%s\": no sysfs directory\n", cell->name);
	pr_info("cell \"%s\" created (id %u, CPUs %*pbl)\n", cell->name, cell->id,
		cpumask_pr_args(&cell->cpus));
	return 0;

out_release:
	bh_release_regions(cell, cell->claimed);
out_free:
	kfree(cell->config);
	kfree(cell);
	return err;
}

/* The guest-physical range of a loadable region, as host-physical. */
static int bh_loadable_target(const struct bh_cell *cell, u64 target, u64 size, u64 *phys)
{
	const struct bh_memory_region *r = bh_cell_regions(cell->config);
	unsigned int i;

	for (i = 0; i < cell->config->num_memory_regions; i++) {
		if (!(r[i].flags & BH_MEM_LOADABLE) || !(r[i].flags & BH_MEM_WRITE))
			continue;
		if (target >= r[i].guest_start && size <= r[i].size &&
		    target - r[i].guest_start <= r[i].size - size) {
			*phys = r[i].phys_start + (target - r[i].guest_start);
			return 0;
		}
	}
	return -ERANGE;
}

static const struct bh_memory_region *bh_comm_region(const struct bh_cell *cell)
{
	const struct bh_memory_region *r = bh_cell_regions(cell->config);
	unsigned int i;

	for (i = 0; i < cell->config->num_memory_regions; i++)
		if (r[i].flags & BH_MEM_COMM_REGION)
			return &r[i];
	return NULL;
}

static int bh_copy_to_phys(u64 phys, const void __user *src, u64 size)
{
	void *dst = memremap(phys, size, MEMREMAP_WB);
	int err = 0;

	if (!dst)
		return -ENOMEM;
	if (copy_from_user(dst, src, size))
		err = -EFAULT;
	memunmap(dst);
	return err;
}

int bh_cell_load(struct bh_request *req, struct bh_ioctl_cell_load *arg)
{
	char args[BH_COMM_ARGS_SIZE];
	struct bh_cell *cell;
	u64 phys[BH_IOCTL_MAX_IMAGES];
	unsigned int i;
	long ret;
	int err;

	err = bh_lookup(req, &arg->cell, &cell);
	if (err)
		return err;
	if (arg->reserved || arg->reserved2)
		return bh_refuse(req, -EINVAL, "cell load: reserved fields must be 0");
	if (arg->num_images > BH_IOCTL_MAX_IMAGES)
		return bh_refuse(req, -E2BIG, "cell load: %u images, at most %u", arg->num_images,
				 BH_IOCTL_MAX_IMAGES);
	/* Check every target before stopping the cell. */
	for (i = 0; i < arg->num_images; i++) {
		const struct bh_ioctl_image *img = &arg->images[i];

		if (!img->size || bh_loadable_target(cell, img->target_address, img->size, &phys[i]))
			return bh_refuse(req, -ERANGE,
					 "cell \"%s\": image %u [%#llx, +%#llx) is not inside a loadable region",
					 cell->name, i, img->target_address, img->size);
	}
	args[0] = '\0';
	if (arg->args_address) {
		long len = strncpy_from_user(args, u64_to_user_ptr(arg->args_address), sizeof(args));

		if (len < 0)
			return bh_refuse(req, -EFAULT, "cell load: arguments not readable");
		if (len == sizeof(args))
			return bh_refuse(req, -E2BIG, "cell load: arguments longer than %u bytes",
					 BH_COMM_ARGS_SIZE - 1);
		if (!bh_comm_region(cell))
			return bh_refuse(req, -EINVAL, "cell \"%s\" has no communication region for arguments",
					 cell->name);
	}

	ret = bh_hypercall(BH_HC_CELL_SET_LOADABLE, cell->id, 0);
	if (ret < 0) {
		bh_hypervisor_reason(req, "cell load", ret);
		return ret;
	}
	for (i = 0; i < arg->num_images; i++) {
		const struct bh_ioctl_image *img = &arg->images[i];

		err = bh_copy_to_phys(phys[i], u64_to_user_ptr(img->source_address), img->size);
		if (err)
			return bh_refuse(req, err, "cell \"%s\": image %u could not be copied (%d)",
					 cell->name, i, err);
	}
	if (bh_comm_region(cell)) {
		u64 at = bh_comm_region(cell)->phys_start + offsetof(struct bh_comm_page, args);
		char *dst = memremap(at, sizeof(args), MEMREMAP_WB);

		if (!dst)
			return bh_refuse(req, -ENOMEM, "cell \"%s\": cannot map its communication page",
					 cell->name);
		memcpy(dst, args, sizeof(args));
		memunmap(dst);
	}
	pr_info("cell \"%s\": %u images loaded\n", cell->name, arg->num_images);
	return 0;
}

int bh_cell_request(struct bh_request *req, unsigned int cmd, struct bh_ioctl_cell_request *arg)
{
	static const struct {
		unsigned int cmd;
		unsigned long hypercall;
		const char *what;
	} ops[] = {
		{ BH_IOCTL_CELL_START, BH_HC_CELL_START, "cell start" },
		{ BH_IOCTL_CELL_SHUTDOWN, BH_HC_CELL_SHUTDOWN, "cell shutdown" },
		{ BH_IOCTL_CELL_DESTROY, BH_HC_CELL_DESTROY, "cell destroy" },
	};
	struct bh_cell *cell;
	unsigned int i;
	long ret;
	int err;

	if (arg->reserved)
		return bh_refuse(req, -EINVAL, "reserved field must be 0");
	err = bh_lookup(req, &arg->cell, &cell);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(ops) && ops[i].cmd != cmd; i++)
		;
	ret = bh_hypercall(ops[i].hypercall, cell->id, 0);
	if (ret < 0) {
		bh_hypervisor_reason(req, ops[i].what, ret);
		return ret;
	}
	if (cmd != BH_IOCTL_CELL_DESTROY)
		return 0;

	/* The hypervisor scrubbed the memory and holds the CPUs for Linux. */
	list_del(&cell->list);
	bh_driver.cell_count--;
	bh_release_regions(cell, cell->claimed);
	bh_restore_pci_devices(cell);
	WRITE_ONCE(bh_driver.cpus_changing, true);
	bh_online_cpus(&cell->cpus);
	WRITE_ONCE(bh_driver.cpus_changing, false);
	pr_info("cell \"%s\" destroyed\n", cell->name);
	kobject_put(&cell->kobj);
	return 0;
}
