/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: cpu_set: CPU 0 belongs to the root cell */
#define CELL_CPUS 0x5
#include "../base-cell.h"
