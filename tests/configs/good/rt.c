/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The test corpus' valid cell "rt": CPU 2, 8 MiB + comm page. */
#include "../base-cell.h"
