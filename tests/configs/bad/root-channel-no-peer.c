/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: qemu-pc: channels[0]: peer cell "nobody" does not exist */
/* driver: skip (channel peers may be created after the system is enabled) */
#define ROOT_NUM_CHANNELS 1
#define ROOT_CHANNELS { .id = 1, .peer = "nobody", .phys_start = 0x3e000000, .guest_start = 0x3e000000, .size = 0x10000 }
#include "../base-system.h"
