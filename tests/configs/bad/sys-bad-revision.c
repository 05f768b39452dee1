/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: revision: expected 1, found 99 */
#define SYS_REVISION 99
#include "../base-system.h"
