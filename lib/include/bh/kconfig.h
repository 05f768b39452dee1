// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The build's Kconfig choices as typed constants (make menuconfig to change).
#pragma once

#include <stdint.h>

#include "bh_kconfig.h"

namespace bh::kconfig {

inline constexpr bool debug_console =
#ifdef BH_CONFIG_DEBUG_CONSOLE
    true;
#else
    false;
#endif
inline constexpr uint32_t max_cpus = BH_CONFIG_MAX_CPUS;
inline constexpr uint32_t max_cells = BH_CONFIG_MAX_CELLS;
inline constexpr uint32_t page_pool_pages = BH_CONFIG_PAGE_POOL_PAGES;
inline constexpr uint32_t mailbox_slot_size = BH_CONFIG_MAILBOX_SLOT_SIZE;

static_assert((mailbox_slot_size & (mailbox_slot_size - 1)) == 0,
              "MAILBOX_SLOT_SIZE must be a power of two");

}  // namespace bh::kconfig
