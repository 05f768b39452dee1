// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// `bulkhead channel send|recv`: one transaction over a root channel device.
#pragma once

#include <CLI/CLI.hpp>

namespace bh::cli {

// Adds the `channel` subcommand tree; its callbacks store their exit code in rc.
void add_channel_commands(CLI::App& app, int& rc);

}  // namespace bh::cli
