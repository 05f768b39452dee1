// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// `bulkhead sched check FILE [--json]`: offline admission test of one
// physical CPU's VCPU set, with the same response-time analysis the RTOS
// runs when a VCPU is created (inmates/rtos/sched/admission.h).
//
// FILE holds one VCPU per line, `NAME C T [D]`, times in microseconds (at
// most three decimals), D defaulting to T; `#` starts a comment, blank lines
// are ignored; equal periods rank in file order. Documentation/
// rtos-scheduling.md describes the format, the output and every error.
#pragma once

#include <iosfwd>
#include <string>

namespace bh::cli {

// Exit codes of the command.
inline constexpr int kSchedCheckSchedulable = 0;
inline constexpr int kSchedCheckNotSchedulable = 1;
inline constexpr int kSchedCheckMalformed = 2;  // also: unreadable file

// Prints each VCPU's worst-case response time and whether it meets its
// deadline, then whether the set is schedulable (a JSON object with
// `json`) to `out`; a malformed or unreadable file gives one line on `err`
// ("FILE:LINE: reason") and nothing on `out`. Returns the exit code.
int run_sched_check(const std::string& path, bool json, std::ostream& out, std::ostream& err);

}  // namespace bh::cli
