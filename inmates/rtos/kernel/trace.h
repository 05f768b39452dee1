// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The execution trace of a run (argument trace=1): what the scheduler
// charged to each VCPU and when, kept in memory while the task set runs and
// printed after it, so that recording costs a few stores and printing does
// not disturb the schedule. inmates/rtos/kernel/tools/check-trace.py recomputes every
// per-period figure and the budget bounds of Documentation/rtos-scheduling.md
// section 5 from these lines alone.
//
//   trace x V START END OVERRUN  V ran in [START, END) (contiguous stretches
//                                merged); OVERRUN: how far it ran past its
//                                budget expiry in it (0: never)
//   trace a V T                  anchor: V became runnable at T, or was
//                                runnable with no budget left from T on
//   trace j V K RELEASE DONE     V's thread finished job K (released at
//                                RELEASE) at DONE
//
// Times are ns since the task set's time origin.
#pragma once

#include <stdint.h>

namespace bh::rtos::trace {

enum class Kind : uint8_t { segment, anchor, job };

void init(void* buffer, uint64_t bytes);
bool enabled();
void record(Kind kind, uint32_t vcpu, uint64_t a, uint64_t b = 0, uint64_t c = 0);
// An execution segment; merged into the previous record when that is a
// segment of the same VCPU ending at `start`.
void segment(uint32_t vcpu, uint64_t start, uint64_t end, uint64_t overrun);
uint64_t count();
uint64_t dropped();
// Queues every record as text lines (klog), `origin` subtracted.
void print_all(uint64_t origin);

}  // namespace bh::rtos::trace
