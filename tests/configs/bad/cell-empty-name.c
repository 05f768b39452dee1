/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: name: must not be empty */
#define CELL_NAME ""
#include "../base-cell.h"
