/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: found "BHCELLXX" */
#define CELL_SIGNATURE { 'B', 'H', 'C', 'E', 'L', 'L', 'X', 'X' }
#include "../base-cell.h"
