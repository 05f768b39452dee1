/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Constants shared by the boot stub (header.S, isr.S) and the C++ side of the
 * inmate library. Plain #defines: this file is included by assembly.
 */
#pragma once

/* How a CPU reached inmate_entry(). */
#define INMATE_BOOT_CELL 0 /* 16-bit reset entry: the boot CPU of a cell */
#define INMATE_BOOT_MULTIBOOT 1 /* multiboot v1 (EAX = 0x2BADB002) */
#define INMATE_BOOT_UNKNOWN_LOADER 2 /* multiboot entry, but no magic in EAX */
#define INMATE_BOOT_SECONDARY 3 /* any other CPU of a cell */

/* GDT selectors of the boot GDT (it stays loaded). */
#define INMATE_CS32 0x08
#define INMATE_DS 0x10
#define INMATE_CS64 0x18

/* CPUs that get a stack; later ones park in 32-bit mode. */
#define INMATE_MAX_CPUS 16
#define INMATE_BOOT_STACK_SIZE 0x4000 /* the boot CPU */
#define INMATE_CPU_STACK_SHIFT 12 /* 4 KiB for each other CPU */

/* Identity map: 2 MiB pages for [0, 4 GiB); [3 GiB, 4 GiB) is uncached. */
#define INMATE_IDMAP_PAGES 2048
#define INMATE_UC_FIRST_PAGE 1536

#define INMATE_MULTIBOOT_MAGIC 0x1BADB002 /* in the image header */
#define INMATE_MULTIBOOT_BOOT_MAGIC 0x2BADB002 /* in EAX at entry */
/* Flags: bit 1 memory info, bit 16 "a.out kludge": the address fields. */
#define INMATE_MULTIBOOT_FLAGS 0x00010002
