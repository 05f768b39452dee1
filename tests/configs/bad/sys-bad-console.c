/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: debug_console.type: unknown type 9 */
#define CONSOLE_TYPE 9
#include "../base-system.h"
