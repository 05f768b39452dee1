// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// `bulkhead cell ...`: create, load, start, shutdown, destroy, list, stats.
#pragma once

#include <CLI/CLI.hpp>

namespace bh::cli {

// Adds the `cell` subcommand tree; its callbacks store their exit code in rc.
void add_cell_commands(CLI::App& app, int& rc);

// Per-CPU VM-exit table of the CPUs in `cpus` (all when empty).
void print_vmexit_table(const std::vector<unsigned>& cpus);

}  // namespace bh::cli
