/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: hypervisor_memory: phys_start 0x3b000000 and size 0x10000 */
#define HV_SIZE 0x10000
#include "../base-system.h"
