// SPDX-License-Identifier: GPL-2.0
/*
 * bulkhead.ko: the Linux side of the bulkhead hypervisor.
 *
 * /dev/bulkhead takes the CLI's requests; /sys/devices/bulkhead shows state.
 * Every request is validated completely before anything changes: a refused
 * request leaves the system as it was and explains itself, both in the
 * kernel log and in the caller's message buffer.
 */
#define pr_fmt(fmt) "bulkhead: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/ioport.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "bulkhead.h"
#include "validator.h"

#define BH_DRIVER_VERSION "0.1"

struct bh_driver bh_driver = {
	.lock = __MUTEX_INITIALIZER(bh_driver.lock),
};

int bh_refuse(struct bh_request *req, int err, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(req->message, sizeof(req->message), fmt, args);
	va_end(args);
	pr_err("%s (%d)\n", req->message, err);
	return err;
}

/* Hand the refusal's reason to the caller, if it gave a buffer. */
static void bh_report(const struct bh_request *req, const struct bh_ioctl_config *arg)
{
	char __user *dst = u64_to_user_ptr(arg->message_address);
	size_t len;

	if (!dst || !arg->message_size || !req->message[0])
		return;
	len = min_t(size_t, strnlen(req->message, sizeof(req->message) - 1), arg->message_size - 1);
	if (copy_to_user(dst, req->message, len) || put_user('\0', dst + len))
		pr_warn("could not return the message to the caller\n");
}

/*
 * Copy a config blob from user space. Size limits come first, so that no
 * caller can make the driver allocate more than BH_CONFIG_MAX_SIZE.
 */
static int bh_copy_config(struct bh_request *req, const struct bh_ioctl_config *arg, void **out)
{
	void *buf;

	if (arg->config_size == 0 || arg->config_size > BH_CONFIG_MAX_SIZE)
		return bh_refuse(req, arg->config_size ? -E2BIG : -EINVAL,
				 "config size %u is not between 1 and %u bytes", arg->config_size,
				 BH_CONFIG_MAX_SIZE);
	if (!arg->config_address)
		return bh_refuse(req, -EFAULT, "config address is NULL");
	/* kmalloc memory is 8-byte aligned, as the validator requires. */
	buf = kvmalloc(arg->config_size, GFP_KERNEL);
	if (!buf)
		return bh_refuse(req, -ENOMEM, "no memory for a %u-byte config", arg->config_size);
	if (copy_from_user(buf, u64_to_user_ptr(arg->config_address), arg->config_size)) {
		kvfree(buf);
		return bh_refuse(req, -EFAULT, "config address %#llx is not readable",
				 arg->config_address);
	}
	*out = buf;
	return 0;
}

/*
 * The CPUs of the root cell must be exactly the CPUs Linux runs on: the
 * hypervisor takes every one of them, and hands cells only CPUs it holds.
 */
static int bh_check_root_cpus(struct bh_request *req, const struct bh_system_config *sys)
{
	const u64 *cpu_words = (const u64 *)(&sys->root_cell + 1);
	unsigned int capacity = sys->root_cell.cpu_set_size * 8;
	unsigned int cpu;

	for (cpu = 0; cpu < max(capacity, nr_cpu_ids); cpu++) {
		bool in_config = cpu < capacity && (cpu_words[cpu / 64] >> (cpu % 64)) & 1;
		bool online = cpu < nr_cpu_ids && cpu_online(cpu);

		if (in_config != online)
			return bh_refuse(req, -EINVAL,
					 "root_cell.cpu_set: CPU %u is %s in the config but %s in Linux; the root cell must own exactly the online CPUs",
					 cpu, in_config ? "present" : "absent",
					 online ? "online" : "offline");
	}
	return 0;
}

/*
 * Hypervisor memory must be hidden from Linux with memmap= so that nothing
 * else can own it. Tell the user the exact parameter.
 */
static int bh_claim_hypervisor_memory(struct bh_request *req, const struct bh_memory_region *hv)
{
	if (region_intersects(hv->phys_start, hv->size, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE) !=
	    REGION_DISJOINT)
		return bh_refuse(req, -EINVAL,
				 "hypervisor memory [%#llx, +%#llx) is Linux RAM: reserve it by adding memmap=%#llx$%#llx to the kernel command line",
				 hv->phys_start, hv->size, hv->size, hv->phys_start);
	if (!request_mem_region(hv->phys_start, hv->size, "bulkhead hypervisor"))
		return bh_refuse(req, -EBUSY,
				 "hypervisor memory [%#llx, +%#llx) is in use by another driver",
				 hv->phys_start, hv->size);
	return 0;
}

static long bh_ioctl_enable(struct bh_request *req, const struct bh_ioctl_config *arg)
{
	struct bh_system_config *sys;
	void *config;
	int err;

	err = bh_copy_config(req, arg, &config);
	if (err)
		return err;
	err = bh_validate_system_config(config, arg->config_size, BH_MAX_CPUS, req->message,
					sizeof(req->message));
	if (err) {
		pr_err("system config refused: %s (%d)\n", req->message, err);
		goto out_free;
	}
	sys = config;
	if (bh_driver.enabled) {
		err = bh_refuse(req, -EBUSY, "the hypervisor is already enabled");
		goto out_free;
	}
	err = bh_check_root_cpus(req, sys);
	if (err)
		goto out_free;
	err = bh_claim_hypervisor_memory(req, &sys->hypervisor_memory);
	if (err)
		goto out_free;

	/* The module must not go away under a running hypervisor. */
	if (!try_module_get(THIS_MODULE)) {
		err = bh_refuse(req, -ENODEV, "the driver is being unloaded");
		goto out_release;
	}
	err = bh_hypervisor_enable(req, sys, arg->config_size);
	if (err) {
		module_put(THIS_MODULE);
		goto out_release;
	}
	/* The system config stays with the driver while enabled. */
	bh_driver.system = sys;
	bh_driver.system_size = arg->config_size;
	bh_driver.enabled = true;
	if (bh_sysfs_cpus_add(bh_driver.root_device) || bh_cells_sysfs_add(bh_driver.root_device))
		pr_warn("no per-CPU statistics in sysfs (out of memory)\n");
	bh_channels_add();
	pr_info("enabled: root cell \"%s\" on %u CPUs\n", sys->root_cell.name, num_online_cpus());
	return 0;

out_release:
	release_mem_region(sys->hypervisor_memory.phys_start, sys->hypervisor_memory.size);
out_free:
	kvfree(config);
	return err;
}

static long bh_ioctl_disable(struct bh_request *req)
{
	const struct bh_memory_region *hv;
	char names[128];
	int err;

	if (!bh_driver.enabled)
		return bh_refuse(req, -EINVAL, "the hypervisor is not enabled");
	if (bh_driver.cell_count) {
		bh_cell_names(names, sizeof(names));
		return bh_refuse(req, -EBUSY, "%u cell%s still exist%s (%s): destroy %s first",
				 bh_driver.cell_count, bh_driver.cell_count == 1 ? "" : "s",
				 bh_driver.cell_count == 1 ? "s" : "", names,
				 bh_driver.cell_count == 1 ? "it" : "them");
	}
	/* Statistics and channel devices go first: they call the hypervisor. */
	bh_channels_remove();
	bh_cells_sysfs_remove();
	bh_sysfs_cpus_remove();
	err = bh_hypervisor_disable(req);
	if (err) {
		if (bh_sysfs_cpus_add(bh_driver.root_device) || bh_cells_sysfs_add(bh_driver.root_device))
			pr_warn("no per-CPU statistics in sysfs (out of memory)\n");
		bh_channels_add();
		return err;
	}
	hv = &bh_driver.system->hypervisor_memory;
	release_mem_region(hv->phys_start, hv->size);
	kvfree(bh_driver.system);
	bh_driver.system = NULL;
	bh_driver.enabled = false;
	module_put(THIS_MODULE);
	pr_info("disabled\n");
	return 0;
}

static long bh_ioctl_cell_create(struct bh_request *req, const struct bh_ioctl_config *arg)
{
	void *config;
	int err;

	err = bh_copy_config(req, arg, &config);
	if (err)
		return err;
	err = bh_validate_cell_config(config, arg->config_size, BH_MAX_CPUS, req->message,
				      sizeof(req->message));
	if (err) {
		pr_err("cell config refused: %s (%d)\n", req->message, err);
		goto out_free;
	}
	if (!bh_driver.enabled) {
		err = bh_refuse(req, -ENODEV,
				"cell \"%s\": the hypervisor is not enabled (run 'bulkhead enable' first)",
				((struct bh_cell_desc *)config)->name);
		goto out_free;
	}
	err = bh_cell_create(req, config, arg->config_size);
out_free:
	kvfree(config);
	return err;
}

static long bh_ioctl_info(void __user *uarg)
{
	struct bh_ioctl_info info = {
		.abi_version = BH_IOCTL_ABI_VERSION,
		.enabled = bh_driver.enabled,
		.online_cpus = num_online_cpus(),
		.version = BH_DRIVER_VERSION,
	};

	if (bh_driver.enabled) {
		info.hypervisor_memory_start = bh_driver.system->hypervisor_memory.phys_start;
		info.hypervisor_memory_size = bh_driver.system->hypervisor_memory.size;
		info.cell_count = 1 + bh_driver.cell_count;
	}
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

/* Copy a message to a caller's buffer of message_size bytes at address. */
static void bh_report_to(const struct bh_request *req, u64 address, u32 size)
{
	struct bh_ioctl_config where = { .message_address = address, .message_size = size };

	bh_report(req, &where);
}

/* The cell ioctls: load, start, shut down, destroy. */
static long bh_cell_ioctl(unsigned int cmd, void __user *uarg)
{
	struct bh_ioctl_cell_request request;
	struct bh_ioctl_cell_load *load = NULL;
	struct bh_request *req;
	u64 message_address;
	u32 message_size;
	long err;

	if (cmd == BH_IOCTL_CELL_LOAD) {
		load = memdup_user(uarg, sizeof(*load));
		if (IS_ERR(load))
			return PTR_ERR(load);
		message_address = load->message_address;
		message_size = load->message_size;
	} else {
		if (copy_from_user(&request, uarg, sizeof(request)))
			return -EFAULT;
		message_address = request.message_address;
		message_size = request.message_size;
	}
	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req) {
		kfree(load);
		return -ENOMEM;
	}
	if (mutex_lock_interruptible(&bh_driver.lock)) {
		kfree(req);
		kfree(load);
		return -EINTR;
	}
	err = load ? bh_cell_load(req, load) : bh_cell_request(req, cmd, &request);
	mutex_unlock(&bh_driver.lock);
	if (err)
		bh_report_to(req, message_address, message_size);
	kfree(req);
	kfree(load);
	return err;
}

static long bh_ioctl(struct file *file, unsigned int cmd, unsigned long uarg)
{
	struct bh_ioctl_config config_arg;
	struct bh_ioctl_message message_arg;
	struct bh_request *req;
	bool has_config_arg = cmd == BH_IOCTL_ENABLE || cmd == BH_IOCTL_CELL_CREATE;
	long err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	switch (cmd) {
	case BH_IOCTL_INFO:
		return bh_ioctl_info((void __user *)uarg);
	case BH_IOCTL_CELL_LOAD:
	case BH_IOCTL_CELL_START:
	case BH_IOCTL_CELL_SHUTDOWN:
	case BH_IOCTL_CELL_DESTROY:
		return bh_cell_ioctl(cmd, (void __user *)uarg);
	case BH_IOCTL_ENABLE:
	case BH_IOCTL_DISABLE:
	case BH_IOCTL_CELL_CREATE:
		break;
	default:
		pr_err_ratelimited("unknown ioctl %#x\n", cmd);
		return -ENOTTY;
	}

	if (has_config_arg && copy_from_user(&config_arg, (void __user *)uarg, sizeof(config_arg)))
		return -EFAULT;
	if (cmd == BH_IOCTL_DISABLE) {
		if (copy_from_user(&message_arg, (void __user *)uarg, sizeof(message_arg)))
			return -EFAULT;
		if (message_arg.reserved)
			return -EINVAL;
	}

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	if (mutex_lock_interruptible(&bh_driver.lock)) {
		kfree(req);
		return -EINTR;
	}
	switch (cmd) {
	case BH_IOCTL_ENABLE:
		err = bh_ioctl_enable(req, &config_arg);
		break;
	case BH_IOCTL_DISABLE:
		err = bh_ioctl_disable(req);
		break;
	default:
		err = bh_ioctl_cell_create(req, &config_arg);
		break;
	}
	mutex_unlock(&bh_driver.lock);
	if (err && has_config_arg)
		bh_report(req, &config_arg);
	else if (err && cmd == BH_IOCTL_DISABLE)
		bh_report_to(req, message_arg.message_address, message_arg.message_size);
	kfree(req);
	return err;
}

/*
 * While the hypervisor runs, CPU hotplug of root CPUs would send INIT and
 * SIPI to a CPU in guest mode, resetting it out of the hypervisor's control.
 * Until the hypervisor virtualizes INIT/SIPI for the root, offlining is
 * refused (the kernel rolls the request back), and onlining a CPU the root
 * does not own is stopped by the hypervisor's IPI filter.
 */
static int bh_cpu_offline(unsigned int cpu)
{
	if (READ_ONCE(bh_driver.enabled) && !READ_ONCE(bh_driver.cpus_changing)) {
		pr_err("CPU %u cannot go offline while the hypervisor runs; run 'bulkhead disable' first\n",
		       cpu);
		return -EBUSY;
	}
	return 0;
}

static enum cpuhp_state bh_hotplug_state;

static const struct file_operations bh_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = bh_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice bh_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "bulkhead",
	.fops = &bh_fops,
	.mode = 0600,
};

static int __init bh_init(void)
{
	int err;

	bh_driver.root_device = root_device_register("bulkhead");
	if (IS_ERR(bh_driver.root_device))
		return PTR_ERR(bh_driver.root_device);
	err = bh_sysfs_init(bh_driver.root_device);
	if (err)
		goto out_root;
	err = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "bulkhead:online", NULL, bh_cpu_offline);
	if (err < 0)
		goto out_sysfs;
	bh_hotplug_state = err;
	err = misc_register(&bh_misc);
	if (err)
		goto out_hotplug;
	pr_info("driver %s loaded\n", BH_DRIVER_VERSION);
	return 0;

out_hotplug:
	cpuhp_remove_state_nocalls(bh_hotplug_state);
out_sysfs:
	bh_sysfs_exit(bh_driver.root_device);
out_root:
	root_device_unregister(bh_driver.root_device);
	return err;
}

static void __exit bh_exit(void)
{
	struct bh_request req = {};

	misc_deregister(&bh_misc);
	mutex_lock(&bh_driver.lock);
	if (bh_driver.enabled && bh_ioctl_disable(&req))
		pr_crit("could not disable the hypervisor on unload: %s\n", req.message);
	mutex_unlock(&bh_driver.lock);
	cpuhp_remove_state_nocalls(bh_hotplug_state);
	bh_sysfs_exit(bh_driver.root_device);
	root_device_unregister(bh_driver.root_device);
	pr_info("driver unloaded\n");
}

module_init(bh_init);
module_exit(bh_exit);

MODULE_DESCRIPTION("bulkhead static partitioning hypervisor driver");
MODULE_LICENSE("GPL");
MODULE_VERSION(BH_DRIVER_VERSION);
MODULE_FIRMWARE(BH_HYPERVISOR_IMAGE);
