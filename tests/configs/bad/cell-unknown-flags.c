/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: flags: unknown bits 0x100 */
#define CELL_FLAGS 0x100
#include "../base-cell.h"
