/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: root_cell: cpu_set: must contain CPU 0 */
#define ROOT_CPUS 0xe
#include "../base-system.h"
