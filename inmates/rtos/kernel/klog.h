// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The kernel's console queue. Kernel code never prints directly while
// threads run: a console write (a hypercall in a cell, a polled UART bare)
// takes long and cannot be preempted, which would delay a higher-priority
// VCPU's release or overrun the running VCPU's budget. Instead, lines go
// into a ring here (a bounded copy) and the idle loop prints them one at a
// time, with interrupts enabled between lines: console output only ever
// costs the time no VCPU wants. A full ring drops lines and counts them.
//
// All calls run with interrupts disabled (kernel context), so the ring
// needs no further synchronisation on its one CPU.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <bh/format.h>

namespace bh::rtos::klog {

void init(char* buffer, size_t size);
// Appends one line (the text as given; callers end it with '\n').
bool put(const char* text, size_t length);
// Takes the oldest line into `out` (truncated to `capacity`); false if none.
bool take(char* out, size_t capacity, size_t& length);
bool empty();
uint64_t dropped();
size_t high_water();

template <typename... Args>
void line(const char* fmt, const Args&... args) {
    FixedString<256> s;
    s.format(fmt, args...);
    s.put('\n');
    put(s.c_str(), s.length());
}

// Prints every queued line now (interrupts off; for the end of a run).
void drain();

}  // namespace bh::rtos::klog
