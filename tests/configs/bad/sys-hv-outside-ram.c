/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: hypervisor_memory: [0x80000000, +0x1000000) is outside RAM */
#define HV_START 0x80000000
#include "../base-system.h"
