/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Valid for the validator, but its hypervisor memory (0x20000000) is Linux
 * RAM in the virtual PC: the driver must refuse and name the memmap= to add.
 */
#define HV_START 0x20000000
#define ROOT_NUM_REGIONS 2
#define ROOT_REGIONS \
	{ .phys_start = 0x100000, .guest_start = 0x100000, .size = 0x1ff00000, .flags = BH_MEM_RAM }, \
	{ .phys_start = 0x21000000, .guest_start = 0x21000000, .size = 0x1a000000, .flags = BH_MEM_RAM }
#include "../base-system.h"
