/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: found "BHSYSXXX" */
#define SYS_SIGNATURE { 'B', 'H', 'S', 'Y', 'S', 'X', 'X', 'X' }
#include "../base-system.h"
