/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: total_size: the counts describe */
#define CELL_NUM_REGIONS_FIELD 3
#include "../base-cell.h"
