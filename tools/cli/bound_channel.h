// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// `bulkhead bound channel`: prints the worst-case round-trip delay Δwc of a
// request/reply over a mailbox channel (Documentation/channel-bound.md).
//
//   bulkhead bound channel --Cs C --Ts T --Cr C --Tr T --N bytes --M bytes
//                          --K time --ds cost --dr cost [--B bytes]
//                          [--fs time] [--fr time] [--ls time] [--lr time]
//                          [--json]
//
// Times are integers in one unit of the user's choice (say ns). --ds/--dr
// are CPU time per byte, as a decimal ("0.25") or a ratio ("1/4"). --B
// defaults to the build's MAILBOX_SLOT_SIZE. --fs/--fr are the fixed CPU
// cost per slot of the sender/receiver, --ls/--lr their wake-up latency
// (poll interval or doorbell latency); all four default to 0.
//
// Two entry points, same behaviour and exit codes as the rest of the CLI
// (0 ok, 1 the bound cannot be computed (overflow), 2 invalid input):
//  - the CLI11 main binds the options to a BoundChannelOptions (integers as
//    uint64_t, ds/dr as strings, all of Cs..dr required) and calls
//    run_bound_channel(options, out, err);
//  - or it forwards the words after `bound channel` to
//    run_bound_channel(argc, argv, out, err), which parses them itself.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include <bh/kconfig.h>

#include <ipc/bound.h>

namespace bh::cli {

struct BoundChannelOptions {
    uint64_t Cs = 0, Ts = 0;  // sender VCPU budget and period
    uint64_t Cr = 0, Tr = 0;  // receiver VCPU budget and period
    uint64_t N = 0;           // request bytes
    uint64_t M = 0;           // reply bytes
    uint64_t K = 0;           // receiver's work between request and reply
    std::string ds = "0";     // sender CPU per byte
    std::string dr = "0";     // receiver CPU per byte
    uint64_t B = bh::kconfig::mailbox_slot_size;  // slot size
    uint64_t fs = 0, fr = 0;  // fixed CPU per slot, sender / receiver
    uint64_t ls = 0, lr = 0;  // wake-up latency, sender / receiver
    bool json = false;
};

int run_bound_channel(const BoundChannelOptions& options, std::ostream& out, std::ostream& err);

// argv holds only the words after `bound channel` (no program name);
// "--name value" and "--name=value" are accepted, and --help.
int run_bound_channel(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// "0.25" -> {25, 100}, "1/4" -> {1, 4}; nullopt when malformed or too fine
// (at most 9 decimals).
std::optional<bh::ipc::bound::ByteCost> parse_byte_cost(std::string_view text);

}  // namespace bh::cli
