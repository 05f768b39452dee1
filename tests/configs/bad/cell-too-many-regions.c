/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: num_memory_regions: 100 exceeds the limit of 64 */
#define CELL_NUM_REGIONS_FIELD 100
#include "../base-cell.h"
