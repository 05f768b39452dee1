/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The image header (include/bulkhead/image.h) at offset 0 of bulkhead.bin.
 * Sizes and the entry offset are absolute symbols from hypervisor.lds. */
	.section .header, "a"
	.globl bh_image_header_start
bh_image_header_start:
	.ascii "BHIMAGE1"		/* signature */
	.long 1				/* revision */
	.long 96			/* header_size */
	.quad __bh_file_size
	.quad __bh_core_size
	.quad __bh_entry_offset
	.long BH_CONFIG_MAX_CPUS	/* max_cpus, from Kconfig */
	.long 0
	.zero 48			/* driver and hypervisor fields */
	.section .note.GNU-stack, "", @progbits
