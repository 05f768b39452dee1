/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: total_size: header says */
#define SYS_TOTAL_SIZE_DELTA 8
#include "../base-system.h"
