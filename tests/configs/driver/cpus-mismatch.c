/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Valid, but owns CPUs 0-1 while the virtual PC has 4 online. */
#define ROOT_CPUS 0x3
#include "../base-system.h"
