// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The hypervisor console: a ring page the root cell can read (bulkhead
// console) and, with Kconfig DEBUG_CONSOLE, the UART named in the config.
#pragma once

#include <bh/format.h>
#include <bulkhead/config.h>
#include <bulkhead/hypercall.h>

namespace bh::console {

void init(bh_console* ring, const bh_debug_console& uart);
void write(const char* text, size_t length);

// One line, formatted like bh::format, prefixed "bulkhead: ".
template <typename... Args>
void print(const char* fmt, const Args&... args) {
    FixedString<240> line;
    line.put(Str("bulkhead: "));
    line.format(fmt, args...);
    line.put('\n');
    write(line.c_str(), line.length());
}

}  // namespace bh::console
