/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: cpu_set: empty */
#define CELL_CPUS 0
#include "../base-cell.h"
