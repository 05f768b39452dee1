// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Between the parts of the inmate library; not for inmates.
#pragma once

#include <inmate/inmate.h>

namespace inmate {

void console_init(bool hypercall_console);
// From now on, write to the 16550 at `port` (boot argument uart=PORT).
void console_use_uart(uint16_t port);
void console_flush();  // a pending partial line (hypercall console)
void idt_init();
// Exception or unexpected-state report: prints, marks the cell FAILED, halts.
[[noreturn]] void fatal_halt();
void comm_set_state(uint32_t state);

}  // namespace inmate
