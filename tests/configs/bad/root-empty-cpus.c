/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: root_cell: cpu_set: empty */
#define ROOT_CPUS 0
#include "../base-system.h"
