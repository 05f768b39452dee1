/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: platform.apic_mode: unknown mode 7 */
#define APIC_MODE 7
#include "../base-system.h"
