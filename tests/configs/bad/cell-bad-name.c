/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: name: character 2 of "rt cell" */
#define CELL_NAME "rt cell"
#include "../base-cell.h"
