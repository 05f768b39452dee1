/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: flags: unknown bits 0x80 */
#define SYS_FLAGS 0x80
#include "../base-system.h"
