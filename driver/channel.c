// SPDX-License-Identifier: GPL-2.0
/*
 * Channel devices: /dev/bulkhead-channel<ID> for every channel of the root
 * cell, while the hypervisor is enabled (Documentation/channels.md).
 *
 * The root is side 0 of each of its channels and formats the region: once
 * at enable, and again whenever its peer cell is created (before the cell
 * can run), so that every new peer finds an empty channel. write() sends
 * one transaction, read() receives one; both poll the shared region every
 * millisecond (the root takes no doorbell interrupt) and give up after
 * channel_timeout_ms, or at once with -EPIPE when the peer cell is gone.
 */
#define pr_fmt(fmt) "bulkhead: " fmt

#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/io.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "../include/bulkhead/cell.h"
#include "../include/bulkhead/mailbox.h"
#include "bulkhead.h"
#include "channel_mailbox.h"

static unsigned int channel_timeout_ms = 5000;
module_param(channel_timeout_ms, uint, 0644);
MODULE_PARM_DESC(channel_timeout_ms, "ms a channel read or write waits for its peer (default 5000)");

/* How often a waiting read, write or poll looks at the shared region. */
#define BH_CHANNEL_POLL_US 1000

struct bh_channel_dev {
	struct miscdevice misc;
	char name[32];
	struct kref ref; /* the registration and every open file */
	u32 id;
	char peer[BH_CELL_NAME_LEN];
	u64 phys, size;
	u32 slot_size, slot_count;
	void *region; /* memremap of [phys, +size) */
	struct mutex lock; /* one operation at a time: the protocol is half-duplex */
	bool gone; /* the hypervisor was disabled: no hypercalls any more */
	struct bh_mbox *mbox;
	void *tx_buf, *rx_buf; /* BH_CHANNEL_MAX_TRANSACTION each */
	u32 tx_len;
	bool tx_pending; /* a write timed out with part of tx_buf sent */
	wait_queue_head_t wq;
	struct hrtimer timer; /* wakes poll()ers while they wait */
};

static struct bh_channel_dev *bh_channel_devs[BH_ABI_MAX_CHANNELS];
static unsigned int bh_channel_count;

static const struct bh_channel *bh_desc_channels(const struct bh_cell_desc *d)
{
	const u8 *p = (const u8 *)(d + 1);

	p += d->cpu_set_size;
	p += (size_t)d->num_memory_regions * sizeof(struct bh_memory_region);
	p += (size_t)d->num_irqchips * sizeof(struct bh_irqchip);
	p += (size_t)d->num_pio_ranges * sizeof(struct bh_pio_range);
	p += (size_t)d->num_pci_devices * sizeof(struct bh_pci_device);
	return (const struct bh_channel *)p;
}

static void bh_channel_free(struct kref *ref)
{
	struct bh_channel_dev *dev = container_of(ref, struct bh_channel_dev, ref);

	hrtimer_cancel(&dev->timer);
	if (dev->mbox)
		bh_mbox_close(dev->mbox);
	kfree(dev->mbox);
	if (dev->region)
		memunmap(dev->region);
	vfree(dev->tx_buf);
	vfree(dev->rx_buf);
	kfree(dev);
}

/*
 * The peer asked for a doorbell and this side published or consumed a slot
 * (called from within a bh_mbox_try_* step, dev->lock held). -EAGAIN (no
 * vector registered) is the peer's choice to poll.
 */
void bh_mbox_ring_peer(void *ring_ctx)
{
	struct bh_channel_dev *dev = ring_ctx;

	bh_hypercall(BH_HC_CHANNEL_NOTIFY, dev->id, 0);
}

/* Format the region and attach side 0; dev->lock held (or not yet shared). */
static int bh_channel_reset(struct bh_channel_dev *dev)
{
	int err;

	dev->tx_pending = false;
	bh_mbox_close(dev->mbox);
	err = bh_mbox_format(dev->region, dev->size, dev->slot_size, dev->slot_count);
	if (!err)
		err = bh_mbox_open(dev->mbox, dev->region, dev->size, BH_MAILBOX_SIDE_0, dev->slot_size,
				   dev->slot_count, dev);
	return err;
}

/* True when the peer cannot answer any more: destroyed (or never created) or failed. */
static bool bh_channel_peer_dead(struct bh_channel_dev *dev)
{
	long state = bh_hypercall(BH_HC_CHANNEL_PEER_STATE, dev->id, 0);

	return state == BH_CELL_STATE_GONE || state == BH_CELL_STATE_FAILED || state < 0;
}

/*
 * One step of waiting: 0 to try again, or why to stop. The peer's death
 * wins over a timeout, so that a reader learns the peer is gone.
 */
static int bh_channel_wait(struct bh_channel_dev *dev, unsigned long deadline)
{
	if (bh_channel_peer_dead(dev))
		return -EPIPE;
	if (time_after(jiffies, deadline))
		return -ETIMEDOUT;
	if (signal_pending(current))
		return -EINTR;
	usleep_range(BH_CHANNEL_POLL_US / 2, BH_CHANNEL_POLL_US);
	return 0;
}

static unsigned long bh_channel_deadline(void)
{
	return jiffies + msecs_to_jiffies(channel_timeout_ms);
}

/* Send tx_buf until complete; dev->lock held. */
static int bh_channel_send_pending(struct bh_channel_dev *dev)
{
	unsigned long deadline = bh_channel_deadline();
	int ret;

	for (;;) {
		ret = bh_mbox_try_send(dev->mbox, dev->tx_buf, dev->tx_len);
		if (ret == 1) {
			dev->tx_pending = false;
			/*
			 * A doorbell per transaction even to a peer that did not
			 * ask (it may poll, and count); one that waits for data
			 * was rung for every slot already.
			 */
			bh_hypercall(BH_HC_CHANNEL_NOTIFY, dev->id, 0);
			return 0;
		}
		if (ret == 0)
			continue;
		if (ret != -EAGAIN)
			return ret;
		ret = bh_channel_wait(dev, deadline);
		if (ret == -EPIPE)
			dev->tx_pending = false; /* the next peer gets a fresh channel */
		if (ret)
			return ret;
	}
}

static ssize_t bh_channel_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	struct bh_channel_dev *dev = file->private_data;
	ssize_t ret;

	if (count == 0)
		return -EINVAL;
	if (count > BH_CHANNEL_MAX_TRANSACTION)
		return -EMSGSIZE;
	if (mutex_lock_interruptible(&dev->lock))
		return -EINTR;
	ret = -ENODEV;
	if (dev->gone)
		goto out;
	/* Free slots would take a transaction nobody will read. */
	ret = -EPIPE;
	if (bh_channel_peer_dead(dev)) {
		dev->tx_pending = false;
		goto out;
	}
	/* A transaction cut short by a timeout goes out first: it cannot be taken back. */
	if (dev->tx_pending) {
		ret = bh_channel_send_pending(dev);
		if (ret)
			goto out;
	}
	ret = -EFAULT;
	if (copy_from_user(dev->tx_buf, buf, count))
		goto out;
	dev->tx_len = count;
	dev->tx_pending = true;
	ret = bh_channel_send_pending(dev);
	if (!ret)
		ret = count;
out:
	mutex_unlock(&dev->lock);
	return ret;
}

static ssize_t bh_channel_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	struct bh_channel_dev *dev = file->private_data;
	unsigned long deadline = bh_channel_deadline();
	unsigned int total = 0;
	ssize_t ret;
	long next;

	if (count == 0)
		return -EINVAL;
	if (mutex_lock_interruptible(&dev->lock))
		return -EINTR;
	ret = -ENODEV;
	if (dev->gone)
		goto out;
	for (;;) {
		next = bh_mbox_next_size(dev->mbox);
		if (next >= 0 && (next > count || next > BH_CHANNEL_MAX_TRANSACTION)) {
			ret = -EMSGSIZE; /* nothing consumed: retry with a larger buffer */
			goto out;
		}
		ret = bh_mbox_try_recv(dev->mbox, dev->rx_buf, BH_CHANNEL_MAX_TRANSACTION, &total);
		if (ret == 1)
			break;
		if (ret == 0)
			continue;
		if (ret != -EAGAIN)
			goto out;
		ret = bh_channel_wait(dev, deadline);
		if (ret)
			goto out;
	}
	ret = copy_to_user(buf, dev->rx_buf, total) ? -EFAULT : total;
out:
	mutex_unlock(&dev->lock);
	return ret;
}

static enum hrtimer_restart bh_channel_tick(struct hrtimer *timer)
{
	struct bh_channel_dev *dev = container_of(timer, struct bh_channel_dev, timer);

	/* The woken poll()ers look again, and re-arm the timer if need be. */
	wake_up_interruptible(&dev->wq);
	return HRTIMER_NORESTART;
}

static __poll_t bh_channel_poll(struct file *file, poll_table *wait)
{
	struct bh_channel_dev *dev = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &dev->wq, wait);
	/* A read or write in progress holds the lock: report nothing yet. */
	if (mutex_trylock(&dev->lock)) {
		if (dev->gone) {
			mask = EPOLLERR | EPOLLHUP;
		} else {
			if (bh_mbox_next_size(dev->mbox) >= 0)
				mask |= EPOLLIN | EPOLLRDNORM;
			else if (bh_channel_peer_dead(dev))
				mask |= EPOLLHUP;
			/* A write blocks for a free slot itself (channels.md). */
			if (!dev->tx_pending)
				mask |= EPOLLOUT | EPOLLWRNORM;
		}
		mutex_unlock(&dev->lock);
	}
	if (!(mask & (EPOLLIN | EPOLLHUP)) && !hrtimer_active(&dev->timer))
		hrtimer_start(&dev->timer, ns_to_ktime(BH_CHANNEL_POLL_US * NSEC_PER_USEC), HRTIMER_MODE_REL);
	return mask;
}

static int bh_channel_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct bh_channel_dev *dev = file->private_data;
	unsigned long size = vma->vm_end - vma->vm_start;
	u64 offset = (u64)vma->vm_pgoff << PAGE_SHIFT;

	if (offset >= dev->size || size > dev->size - offset)
		return -EINVAL;
	/* The shared region is ordinary (reserved) RAM: cached, like the peer maps it. */
	return remap_pfn_range(vma, vma->vm_start, (dev->phys + offset) >> PAGE_SHIFT, size,
			       vma->vm_page_prot);
}

static int bh_channel_open(struct inode *inode, struct file *file)
{
	/* misc_open() set private_data to our miscdevice, under misc_mtx. */
	struct bh_channel_dev *dev = container_of(file->private_data, struct bh_channel_dev, misc);

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	kref_get(&dev->ref);
	file->private_data = dev;
	return nonseekable_open(inode, file);
}

static int bh_channel_release(struct inode *inode, struct file *file)
{
	struct bh_channel_dev *dev = file->private_data;

	kref_put(&dev->ref, bh_channel_free);
	return 0;
}

static const struct file_operations bh_channel_fops = {
	.owner = THIS_MODULE,
	.open = bh_channel_open,
	.release = bh_channel_release,
	.read = bh_channel_read,
	.write = bh_channel_write,
	.poll = bh_channel_poll,
	.mmap = bh_channel_mmap,
	.llseek = no_llseek,
};

static struct bh_channel_dev *bh_channel_new(const struct bh_channel *c)
{
	struct bh_channel_dev *dev;
	u32 slot_size = c->slot_size ? c->slot_size : BH_CONFIG_MAILBOX_SLOT_SIZE;
	int err;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	kref_init(&dev->ref);
	mutex_init(&dev->lock);
	init_waitqueue_head(&dev->wq);
	hrtimer_init(&dev->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	dev->timer.function = bh_channel_tick;
	dev->id = c->id;
	memcpy(dev->peer, c->peer, sizeof(dev->peer));
	dev->peer[sizeof(dev->peer) - 1] = '\0';
	dev->phys = c->phys_start;
	dev->size = c->size;
	dev->slot_size = slot_size;
	err = -EINVAL;
	if (bh_channel_geometry(c->size, slot_size, &dev->slot_count))
		goto fail;
	err = -ENOMEM;
	dev->mbox = kzalloc(bh_mbox_size(), GFP_KERNEL);
	dev->tx_buf = vmalloc(BH_CHANNEL_MAX_TRANSACTION);
	dev->rx_buf = vmalloc(BH_CHANNEL_MAX_TRANSACTION);
	dev->region = memremap(c->phys_start, c->size, MEMREMAP_WB);
	if (!dev->mbox || !dev->tx_buf || !dev->rx_buf || !dev->region)
		goto fail;
	err = bh_channel_reset(dev);
	if (err)
		goto fail;
	snprintf(dev->name, sizeof(dev->name), "bulkhead-channel%u", c->id);
	dev->misc.minor = MISC_DYNAMIC_MINOR;
	dev->misc.name = dev->name;
	dev->misc.fops = &bh_channel_fops;
	dev->misc.mode = 0600;
	err = misc_register(&dev->misc);
	if (err)
		goto fail;
	pr_info("channel %u to \"%s\": /dev/%s, [%#llx, +%#llx), %u slots of %u bytes per direction\n",
		dev->id, dev->peer, dev->name, dev->phys, dev->size, dev->slot_count, dev->slot_size);
	return dev;
fail:
	kref_put(&dev->ref, bh_channel_free);
	return ERR_PTR(err);
}

void bh_channels_add(void)
{
	const struct bh_cell_desc *root = &bh_driver.system->root_cell;
	const struct bh_channel *c = bh_desc_channels(root);
	struct bh_channel_dev *dev;
	unsigned int i;

	for (i = 0; i < root->num_channels && i < ARRAY_SIZE(bh_channel_devs); i++) {
		dev = bh_channel_new(&c[i]);
		if (IS_ERR(dev)) {
			/* The hypervisor runs without this device; say why. */
			pr_warn("channel %u: no device (%ld)\n", c[i].id, PTR_ERR(dev));
			continue;
		}
		bh_channel_devs[bh_channel_count++] = dev;
	}
}

void bh_channels_remove(void)
{
	struct bh_channel_dev *dev;

	while (bh_channel_count) {
		dev = bh_channel_devs[--bh_channel_count];
		bh_channel_devs[bh_channel_count] = NULL;
		misc_deregister(&dev->misc);
		/* Files still open fail with -ENODEV from now on. */
		mutex_lock(&dev->lock);
		dev->gone = true;
		mutex_unlock(&dev->lock);
		wake_up_interruptible(&dev->wq);
		kref_put(&dev->ref, bh_channel_free);
	}
}

void bh_channels_peer_created(const char *name)
{
	unsigned int i;
	int err;

	for (i = 0; i < bh_channel_count; i++) {
		struct bh_channel_dev *dev = bh_channel_devs[i];

		if (strncmp(dev->peer, name, sizeof(dev->peer)))
			continue;
		mutex_lock(&dev->lock);
		err = bh_channel_reset(dev);
		mutex_unlock(&dev->lock);
		if (err)
			pr_warn("channel %u: reset for cell \"%s\" failed (%d)\n", dev->id, name, err);
	}
}
