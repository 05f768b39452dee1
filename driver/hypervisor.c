// SPDX-License-Identifier: GPL-2.0
/*
 * Loading the hypervisor image and entering it on every CPU.
 */
#define pr_fmt(fmt) "bulkhead: " fmt

#include <linux/firmware.h>
#include <linux/io.h>
#include <linux/string.h>

#include "bulkhead.h"

static int bh_check_image(struct bh_request *req, const struct firmware *fw,
			  const struct bh_system_config *sys)
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
	if (hdr->core_size + sys->total_size > sys->hypervisor_memory.size)
		return bh_refuse(req, -ENOMEM,
				 "hypervisor memory (%#llx bytes) cannot hold the image (%#llx) and the config",
				 sys->hypervisor_memory.size, hdr->core_size);
	if (hdr->max_cpus < nr_cpu_ids)
		return bh_refuse(req, -ERANGE, "%s supports %u CPUs, this machine has %u",
				 BH_HYPERVISOR_IMAGE, hdr->max_cpus, nr_cpu_ids);
	return 0;
}

int bh_hypervisor_enable(struct bh_request *req, struct bh_system_config *sys, size_t size)
{
	const struct firmware *fw;
	int err;

	err = request_firmware(&fw, BH_HYPERVISOR_IMAGE, bh_driver.root_device);
	if (err)
		return bh_refuse(req, err,
				 "hypervisor image %s not found: install it in /lib/firmware",
				 BH_HYPERVISOR_IMAGE);
	err = bh_check_image(req, fw, sys);
	if (err)
		goto out;
	err = bh_refuse(req, -ENOEXEC, "entering the hypervisor is not built yet");
out:
	release_firmware(fw);
	return err;
}

int bh_hypervisor_disable(struct bh_request *req)
{
	return bh_refuse(req, -EINVAL, "the hypervisor is not enabled");
}

int bh_cell_create(struct bh_request *req, const void *config, size_t size)
{
	return bh_refuse(req, -ENODEV, "the hypervisor is not enabled");
}
