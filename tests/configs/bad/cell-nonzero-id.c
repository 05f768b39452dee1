/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: id: must be 0 in a config */
#define CELL_ID 5
#include "../base-cell.h"
