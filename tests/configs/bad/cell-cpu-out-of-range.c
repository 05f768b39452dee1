/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: cpu_set: CPU 70 is out of range (MAX_CPUS is 64) */
#define CELL_CPU_WORDS 2
#define CELL_CPUS 0, 1ull << 6
#include "../base-cell.h"
