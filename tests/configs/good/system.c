/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The test corpus' valid system config. */
#include "../base-system.h"
