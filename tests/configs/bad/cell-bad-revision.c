/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: revision: expected 1, found 0 */
#define CELL_REVISION 0
#include "../base-cell.h"
