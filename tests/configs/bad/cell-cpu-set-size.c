/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: cpu_set_size: 4 bytes is not a non-zero multiple of 8 */
#define CELL_CPU_SET_SIZE 4
#include "../base-cell.h"
