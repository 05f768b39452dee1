/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: root_cell.signature: expected "BHCELLDC" */
#define ROOT_SIGNATURE { 'X', 'H', 'C', 'E', 'L', 'L', 'D', 'C' }
#include "../base-system.h"
