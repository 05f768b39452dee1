/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: hypervisor_memory: phys_start 0x3b000800 */
#define HV_START 0x3b000800
#include "../base-system.h"
