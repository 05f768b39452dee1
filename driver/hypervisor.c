// SPDX-License-Identifier: GPL-2.0
/*
 * Loading the hypervisor image and entering it on every CPU.
 *
 * The image is copied to the start of hypervisor memory, which is mapped
 * executable with vmap_pfn() (exported on stock kernels, unlike the
 * ioremap_page_range() Jailhouse needs). The hypervisor maps itself at the
 * same address in its own page tables, so its code runs on across the switch.
 * All CPUs enter at once from stop_machine(): they rendezvous inside the
 * hypervisor, and either all continue as the root cell's guests or all
 * return the same error natively.
 */
#define pr_fmt(fmt) "bulkhead: " fmt

#include <linux/cpu.h>
#include <linux/firmware.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/stop_machine.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include <asm/tsc.h>

#include "bulkhead.h"

long bh_hypercall(unsigned long code, unsigned long arg1, unsigned long arg2)
{
	long result;

	asm volatile("vmmcall" : "=a"(result) : "a"(code), "D"(arg1), "S"(arg2) : "memory");
	return result;
}

static int bh_check_image(struct bh_request *req, const struct firmware *fw,
			  const struct bh_system_config *sys, size_t config_size)
{
	const struct bh_image_header *hdr = (const void *)fw->data;

	if (fw->size < sizeof(*hdr) ||
	    memcmp(hdr->signature, BH_IMAGE_SIGNATURE, sizeof(hdr->signature)))
		return bh_refuse(req, -EINVAL, "%s is not a bulkhead hypervisor image (bad signature)",
				 BH_HYPERVISOR_IMAGE);
	if (hdr->revision != BH_IMAGE_REVISION || hdr->header_size != sizeof(*hdr))
		return bh_refuse(req, -EINVAL,
				 "%s has image revision %u (header %u bytes); this driver needs revision %u",
				 BH_HYPERVISOR_IMAGE, hdr->revision, hdr->header_size,
				 BH_IMAGE_REVISION);
	if (hdr->file_size != fw->size || hdr->core_size < fw->size ||
	    hdr->entry_offset >= fw->size)
		return bh_refuse(req, -EINVAL,
				 "%s is corrupt: %zu bytes, header says file %llu, core %llu, entry %#llx",
				 BH_HYPERVISOR_IMAGE, fw->size, hdr->file_size, hdr->core_size,
				 hdr->entry_offset);
	/* Image, config and at least 64 pages of pool. */
	if (PAGE_ALIGN(hdr->core_size) + PAGE_ALIGN(config_size) + 64 * PAGE_SIZE >
	    sys->hypervisor_memory.size)
		return bh_refuse(req, -ENOMEM,
				 "hypervisor memory (%#llx bytes) cannot hold the image (%#llx), the config and a page pool",
				 sys->hypervisor_memory.size, hdr->core_size);
	if (hdr->max_cpus < nr_cpu_ids)
		return bh_refuse(req, -ERANGE, "%s supports %u CPUs, this machine has %u",
				 BH_HYPERVISOR_IMAGE, hdr->max_cpus, nr_cpu_ids);
	return 0;
}

/*
 * vmap() maps non-executable whatever protection it is given, and
 * set_memory_x() is not exported: clear NX in our own mapping's PTEs. Every
 * CPU flushes the range before entering (bh_enter_cpu).
 */
static int bh_make_executable(void *virt, size_t size)
{
	unsigned long addr;
	unsigned int level;
	pte_t *pte;

	for (addr = (unsigned long)virt; addr < (unsigned long)virt + size; addr += PAGE_SIZE) {
		pte = lookup_address(addr, &level);
		if (!pte || level != PG_LEVEL_4K) {
			pr_err("cannot find the page table entry of %#lx\n", addr);
			return -EFAULT;
		}
		set_pte(pte, pte_mkexec(*pte));
	}
	return 0;
}

static void bh_flush_range(void *virt, size_t size)
{
	unsigned long addr;

	for (addr = (unsigned long)virt; addr < (unsigned long)virt + size; addr += PAGE_SIZE)
		asm volatile("invlpg (%0)" ::"r"(addr) : "memory");
}

/*
 * Map hypervisor memory executable. memmap=-reserved memory inside a memory
 * section Linux uses has struct pages (vmap() wants those); memory in
 * sections of its own has none (vmap_pfn() wants exactly that).
 */
static void *bh_map_hypervisor_memory(const struct bh_memory_region *hv)
{
	unsigned long first = hv->phys_start >> PAGE_SHIFT;
	unsigned long count = hv->size >> PAGE_SHIFT;
	unsigned long i, with_pages = 0;
	void *virt = NULL;

	for (i = 0; i < count; i++)
		with_pages += pfn_valid(first + i);
	if (with_pages == count) {
		struct page **pages = kvmalloc_array(count, sizeof(*pages), GFP_KERNEL);

		if (!pages)
			return NULL;
		for (i = 0; i < count; i++)
			pages[i] = pfn_to_page(first + i);
		virt = vmap(pages, count, VM_MAP, PAGE_KERNEL_EXEC);
		kvfree(pages);
	} else if (with_pages == 0) {
		unsigned long *pfns = kvmalloc_array(count, sizeof(*pfns), GFP_KERNEL);

		if (!pfns)
			return NULL;
		for (i = 0; i < count; i++)
			pfns[i] = first + i;
		virt = vmap_pfn(pfns, count, PAGE_KERNEL_EXEC);
		kvfree(pfns);
	} else {
		pr_err("hypervisor memory straddles memory sections with and without struct pages\n");
	}
	if (virt && bh_make_executable(virt, hv->size)) {
		vunmap(virt);
		virt = NULL;
	}
	return virt;
}

/* The hypervisor's console ring, copied out in order (oldest first). */
static size_t bh_console_copy(const struct bh_console *ring, char *out, size_t size)
{
	u64 tail = READ_ONCE(ring->tail);
	u64 start = tail > BH_CONSOLE_RING_SIZE ? tail - BH_CONSOLE_RING_SIZE : 0;
	size_t n = 0;

	if (READ_ONCE(ring->signature) != BH_CONSOLE_SIGNATURE)
		return 0;
	smp_rmb();
	for (; start < tail && n + 1 < size; start++)
		out[n++] = ring->ring[start % BH_CONSOLE_RING_SIZE];
	out[n] = '\0';
	return n;
}

/*
 * While the hypervisor runs, only its console page is visible to Linux
 * (read-only): not the image header, so its place comes by hypercall.
 */
ssize_t bh_console_read(char *out, size_t size)
{
	if (!bh_driver.enabled || !bh_driver.console)
		return -ENODEV;
	return bh_console_copy(bh_driver.console, out, size);
}

/*
 * After a failed entry: the hypervisor explained itself in its console. Copy
 * it to the kernel log, and its first reason (the first line naming a CPU,
 * without the CPU, else the last line) to `reason`; every CPU's line is in
 * the kernel log.
 */
static void bh_log_console(void *virt, char *reason, size_t reason_size)
{
	const struct bh_image_header *hdr = virt;
	char *text, *line, *cursor;
	bool have_cpu_line = false;

	reason[0] = '\0';
	if (!hdr->console_offset || hdr->console_offset + PAGE_SIZE > bh_driver.hv_size)
		return;
	text = kmalloc(BH_CONSOLE_RING_SIZE + 1, GFP_KERNEL);
	if (!text)
		return;
	bh_console_copy(virt + hdr->console_offset, text, BH_CONSOLE_RING_SIZE + 1);
	cursor = text;
	while ((line = strsep(&cursor, "\n"))) {
		if (!*line)
			continue;
		pr_err("hypervisor: %s\n", line);
		if (!strncmp(line, "bulkhead: ", 10))
			line += 10;
		if (!have_cpu_line) {
			char *text_after_cpu = line;

			/* Which CPU prints first is a race: keep what it says. */
			have_cpu_line = !strncmp(line, "CPU ", 4) || strstr(line, "refused");
			if (!strncmp(line, "CPU ", 4) && strstr(line, ": "))
				text_after_cpu = strstr(line, ": ") + 2;
			strscpy(reason, text_after_cpu, reason_size);
		}
	}
	kfree(text);
}

static int bh_enter_cpu(void *data)
{
	int (*entry)(unsigned int cpu) = data;
	struct bh_image_header *hdr = bh_driver.hv_virt;

	/* CPU hotplug is blocked here, so every CPU writes the same count. */
	WRITE_ONCE(hdr->online_cpus, num_online_cpus());
	WRITE_ONCE(hdr->tsc_khz, tsc_khz);
	bh_flush_range(bh_driver.hv_virt, bh_driver.hv_size);
	return entry(smp_processor_id());
}

static int bh_leave_cpu(void *unused)
{
	return bh_hypercall(BH_HC_DISABLE, 0, 0);
}

int bh_hypervisor_enable(struct bh_request *req, struct bh_system_config *sys, size_t size)
{
	const struct firmware *fw;
	struct bh_image_header *hdr;
	void *virt;
	u64 config_offset;
	long console_phys;
	int err;

	err = request_firmware(&fw, BH_HYPERVISOR_IMAGE, bh_driver.root_device);
	if (err)
		return bh_refuse(req, err,
				 "hypervisor image %s not found: install it in /lib/firmware",
				 BH_HYPERVISOR_IMAGE);
	err = bh_check_image(req, fw, sys, size);
	if (err)
		goto out_release;

	virt = bh_map_hypervisor_memory(&sys->hypervisor_memory);
	if (!virt) {
		err = bh_refuse(req, -ENOMEM, "cannot map hypervisor memory");
		goto out_release;
	}
	hdr = virt;
	memcpy(virt, fw->data, fw->size);
	config_offset = PAGE_ALIGN(hdr->core_size);
	memset(virt + fw->size, 0, config_offset - fw->size);
	memcpy(virt + config_offset, sys, size);
	hdr->config_offset = config_offset;
	hdr->config_size = size;
	hdr->vmap_address = (unsigned long)virt;
	bh_driver.hv_virt = virt;
	bh_driver.hv_size = sys->hypervisor_memory.size;

	err = stop_machine(bh_enter_cpu, virt + hdr->entry_offset, cpu_online_mask);
	if (err) {
		char reason[160];

		bh_log_console(virt, reason, sizeof(reason));
		err = bh_refuse(req, err, "the hypervisor refused to start: %s",
				reason[0] ? reason : "see the kernel log");
		vunmap(virt);
		bh_driver.hv_virt = NULL;
		goto out_release;
	}
	pr_info("hypervisor answers: ping %#lx\n", bh_hypercall(BH_HC_PING, 0, 0));
	console_phys = bh_hypercall(BH_HC_GET_INFO, BH_INFO_CONSOLE_PAGE, 0);
	if (console_phys >= (long)sys->hypervisor_memory.phys_start &&
	    console_phys + PAGE_SIZE <= sys->hypervisor_memory.phys_start + sys->hypervisor_memory.size)
		bh_driver.console = virt + (console_phys - sys->hypervisor_memory.phys_start);
	else
		pr_warn("the hypervisor's console page is not where it should be (%#lx)\n", console_phys);

out_release:
	release_firmware(fw);
	return err;
}

int bh_hypervisor_disable(struct bh_request *req)
{
	int err;

	err = stop_machine(bh_leave_cpu, NULL, cpu_online_mask);
	if (err)
		return bh_refuse(req, err, "the hypervisor refused to disable (%d)", err);
	vunmap(bh_driver.hv_virt);
	bh_driver.hv_virt = NULL;
	bh_driver.console = NULL;
	return 0;
}
