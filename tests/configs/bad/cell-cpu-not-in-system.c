/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: cpu_set: CPU 5 is not one of the system's CPUs */
/* check-with: system */
#define CELL_CPUS (1ull << 5)
#include "../base-cell.h"
