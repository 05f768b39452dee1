/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* expect: name: "qemu-pc" is the root cell's name */
/* check-with: system */
#define CELL_NAME "qemu-pc"
#include "../base-cell.h"
