/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Helpers for config sources (configs/, cells/, tests/configs/): C files
 * holding one packed struct that the build turns into a binary .cell file
 * (compile, then objcopy the .bhconfig section).
 */
#ifndef BULKHEAD_CONFIG_SOURCE_H
#define BULKHEAD_CONFIG_SOURCE_H

#include "config.h"

/* The one object of a config source: placed where the build extracts it. */
#define BH_CONFIG_OBJECT __attribute__((section(".bhconfig"), used, aligned(8)))

#define BH_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define BH_SIGNATURE_SYSTEM { 'B', 'H', 'S', 'Y', 'S', 'T', 'E', 'M' }
#define BH_SIGNATURE_CELL { 'B', 'H', 'C', 'E', 'L', 'L', 'D', 'C' }

/* Common region flag sets. */
#define BH_MEM_RWX (BH_MEM_READ | BH_MEM_WRITE | BH_MEM_EXECUTE)
#define BH_MEM_RAM (BH_MEM_RWX | BH_MEM_DMA)
#define BH_MEM_MMIO (BH_MEM_READ | BH_MEM_WRITE | BH_MEM_IO)

#endif /* BULKHEAD_CONFIG_SOURCE_H */
