/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The hypervisor image (firmware file bulkhead.bin): a flat binary that
 * starts with this header. The driver copies the image to the start of
 * hypervisor memory, fills in the fields marked "driver", and enters it on
 * every CPU at entry_offset.
 */
#ifndef BULKHEAD_IMAGE_H
#define BULKHEAD_IMAGE_H

#include "types.h"

#define BH_IMAGE_SIGNATURE "BHIMAGE1"
#define BH_IMAGE_REVISION 1
#define BH_HYPERVISOR_IMAGE "bulkhead.bin"

struct bh_image_header {
	char signature[8]; /* BH_IMAGE_SIGNATURE */
	bh_u32 revision; /* BH_IMAGE_REVISION */
	bh_u32 header_size; /* sizeof(struct bh_image_header) */
	bh_u64 file_size; /* bytes of the image file */
	bh_u64 core_size; /* bytes of memory the image needs (bss included) */
	bh_u64 entry_offset; /* offset of arch_entry from the image start */
	bh_u32 max_cpus; /* per-CPU areas the image was built for */
	bh_u32 tsc_khz; /* driver: Linux's TSC frequency, 0 = unknown */
	/* Filled in by the driver before entry. */
	bh_u64 config_offset; /* system config, from hypervisor memory start */
	bh_u64 config_size;
	bh_u64 vmap_address; /* where Linux mapped hypervisor memory */
	bh_u32 online_cpus; /* CPUs that will enter */
	bh_u32 reserved1;
	/* Written by the hypervisor. */
	bh_u64 console_offset; /* struct bh_console ring in hypervisor memory */
	bh_u32 entered_cpus; /* rendezvous counter */
	bh_s32 init_error; /* first CPU error, as -errno */
};

BH_STATIC_ASSERT(sizeof(struct bh_image_header) == 96, "image header ABI");

#endif /* BULKHEAD_IMAGE_H */
