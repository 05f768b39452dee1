// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// `bulkhead bound channel`: argument handling and output around
// bh::ipc::bound::round_trip_bound.
#include "bound_channel.h"

#include <array>
#include <charconv>
#include <set>

namespace bh::cli {
namespace {

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_invalid = 2;

constexpr std::string_view usage =
    "usage: bulkhead bound channel --Cs C --Ts T --Cr C --Tr T --N bytes --M bytes\n"
    "                              --K time --ds cost --dr cost [--B bytes]\n"
    "                              [--fs time] [--fr time] [--ls time] [--lr time] [--json]\n"
    "  Worst-case round trip of a request (N bytes) and reply (M bytes) over a\n"
    "  mailbox channel with slots of B bytes between a sender VCPU (Cs, Ts) and a\n"
    "  receiver VCPU (Cr, Tr) that works K before replying. Times are integers in\n"
    "  one unit of your choice; ds/dr are CPU per byte (\"0.25\" or \"1/4\"); fs/fr\n"
    "  fixed CPU per slot; ls/lr wake-up latency (poll interval or doorbell).\n"
    "  Derivation: Documentation/channel-bound.md\n";

constexpr unsigned max_decimals = 9;

bool parse_u64(std::string_view text, uint64_t& value) {
    if (text.empty())
        return false;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc{} && end == text.data() + text.size();
}

struct IntegerOption {
    std::string_view name;
    uint64_t BoundChannelOptions::*field;
};

constexpr std::array<IntegerOption, 12> integer_options{{
    {"Cs", &BoundChannelOptions::Cs},
    {"Ts", &BoundChannelOptions::Ts},
    {"Cr", &BoundChannelOptions::Cr},
    {"Tr", &BoundChannelOptions::Tr},
    {"N", &BoundChannelOptions::N},
    {"M", &BoundChannelOptions::M},
    {"K", &BoundChannelOptions::K},
    {"B", &BoundChannelOptions::B},
    {"fs", &BoundChannelOptions::fs},
    {"fr", &BoundChannelOptions::fr},
    {"ls", &BoundChannelOptions::ls},
    {"lr", &BoundChannelOptions::lr},
}};

int invalid(std::ostream& err, std::string_view message) {
    err << "bulkhead: bound channel: " << message << "\n";
    return exit_invalid;
}

void print_text(const BoundChannelOptions& o, const ipc::bound::RoundTripBound& b,
                std::ostream& out) {
    out << "worst-case round trip: " << b.total << "\n";
    if (b.single_slot())
        out << "  case (a): N = " << o.N << " and M = " << o.M
            << " bytes each fit one slot (B = " << o.B << ")\n";
    else
        out << "  case (b): N = " << o.N << " bytes in " << b.request_slots
            << " slot(s), M = " << o.M << " bytes in " << b.reply_slots
            << " slot(s) (B = " << o.B << ")\n";
    out << "  sender   (Cs = " << o.Cs << ", Ts = " << o.Ts << "): " << b.sender_phases
        << " phases, CPU " << b.sender_demand << ", budget waits " << b.sender_budget_wait
        << "\n";
    out << "  receiver (Cr = " << o.Cr << ", Tr = " << o.Tr << "): " << b.receiver_phases
        << " phases, CPU " << b.receiver_demand << ", budget waits "
        << b.receiver_budget_wait << "\n";
    out << "  wake-ups: " << b.handoffs << " hand-off(s) each way, " << b.wakeup << "\n";
}

void print_json(const ipc::bound::RoundTripBound& b, uint64_t slot_size, std::ostream& out) {
    out << "{\"case\":\"" << (b.single_slot() ? "a" : "b") << "\",\"slot_size\":" << slot_size
        << ",\"request_slots\":" << b.request_slots << ",\"reply_slots\":" << b.reply_slots
        << ",\"sender\":{\"phases\":" << b.sender_phases << ",\"demand\":" << b.sender_demand
        << ",\"budget_wait\":" << b.sender_budget_wait << "}"
        << ",\"receiver\":{\"phases\":" << b.receiver_phases
        << ",\"demand\":" << b.receiver_demand
        << ",\"budget_wait\":" << b.receiver_budget_wait << "}"
        << ",\"handoffs\":" << b.handoffs << ",\"wakeup\":" << b.wakeup
        << ",\"bound\":" << b.total << "}\n";
}

}  // namespace

std::optional<ipc::bound::ByteCost> parse_byte_cost(std::string_view text) {
    if (const auto slash = text.find('/'); slash != std::string_view::npos) {
        ipc::bound::ByteCost cost;
        if (!parse_u64(text.substr(0, slash), cost.time) ||
            !parse_u64(text.substr(slash + 1), cost.bytes) || cost.bytes == 0 ||
            cost.bytes > ipc::bound::max_byte_cost_denominator)
            return std::nullopt;
        return cost;
    }
    const auto dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    const std::string_view decimals =
        dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    if ((whole.empty() && decimals.empty()) || decimals.size() > max_decimals ||
        (dot != std::string_view::npos && decimals.empty()))
        return std::nullopt;
    uint64_t integer = 0, fraction = 0, scale = 1;
    if (!whole.empty() && !parse_u64(whole, integer))
        return std::nullopt;
    if (!decimals.empty() && !parse_u64(decimals, fraction))
        return std::nullopt;
    for (size_t i = 0; i < decimals.size(); ++i)
        scale *= 10;
    uint64_t time;
    if (__builtin_mul_overflow(integer, scale, &time) ||
        __builtin_add_overflow(time, fraction, &time))
        return std::nullopt;
    return ipc::bound::ByteCost{time, scale};
}

int run_bound_channel(const BoundChannelOptions& o, std::ostream& out, std::ostream& err) {
    if (o.Cs == 0 || o.Cs > o.Ts)
        return invalid(err, "need 0 < Cs <= Ts");
    if (o.Cr == 0 || o.Cr > o.Tr)
        return invalid(err, "need 0 < Cr <= Tr");
    if (o.B == 0 || o.B > UINT32_MAX)
        return invalid(err, "need 0 < B < 2^32");
    const auto ds = parse_byte_cost(o.ds);
    if (!ds)
        return invalid(err, "--ds: not a cost per byte (\"0.25\" or \"1/4\"): " + o.ds);
    const auto dr = parse_byte_cost(o.dr);
    if (!dr)
        return invalid(err, "--dr: not a cost per byte (\"0.25\" or \"1/4\"): " + o.dr);

    ipc::bound::RoundTrip trip;
    trip.sender = {o.Cs, o.Ts};
    trip.receiver = {o.Cr, o.Tr};
    trip.request_bytes = o.N;
    trip.reply_bytes = o.M;
    trip.work = o.K;
    trip.sender_byte_cost = *ds;
    trip.receiver_byte_cost = *dr;
    trip.slot_size = static_cast<uint32_t>(o.B);
    trip.sender_slot_cost = o.fs;
    trip.receiver_slot_cost = o.fr;
    trip.sender_wakeup = o.ls;
    trip.receiver_wakeup = o.lr;
    const auto bound = ipc::bound::round_trip_bound(trip);
    if (!bound.ok()) {
        if (bound.error() == Errc::range) {
            err << "bulkhead: bound channel: the bound does not fit in 64 bits; use a coarser "
                   "time unit\n";
            return exit_failed;
        }
        return invalid(err, std::string("invalid parameters (") + errc_name(bound.error()) + ")");
    }
    if (o.json)
        print_json(*bound, o.B, out);
    else
        print_text(o, *bound, out);
    return exit_ok;
}

int run_bound_channel(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    BoundChannelOptions options;
    std::set<std::string_view> seen;
    for (int i = 0; i < argc; ++i) {
        std::string_view word = argv[i];
        if (word == "--help" || word == "-h") {
            out << usage;
            return exit_ok;
        }
        if (word == "--json") {
            options.json = true;
            continue;
        }
        if (word.substr(0, 2) != "--")
            return invalid(err, "unexpected argument: " + std::string(word));
        word.remove_prefix(2);
        std::string_view value;
        if (const auto equals = word.find('='); equals != std::string_view::npos) {
            value = word.substr(equals + 1);
            word = word.substr(0, equals);
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return invalid(err, "--" + std::string(word) + " needs a value");
        }
        if (!seen.insert(word).second)
            return invalid(err, "--" + std::string(word) + " given twice");
        if (word == "ds" || word == "dr") {
            (word == "ds" ? options.ds : options.dr) = std::string(value);
            continue;
        }
        const IntegerOption* option = nullptr;
        for (const IntegerOption& candidate : integer_options)
            if (candidate.name == word)
                option = &candidate;
        if (option == nullptr)
            return invalid(err, "unknown option --" + std::string(word));
        if (!parse_u64(value, options.*(option->field)))
            return invalid(err, "--" + std::string(word) +
                                    ": not a non-negative integer: " + std::string(value));
    }
    for (std::string_view name : {"Cs", "Ts", "Cr", "Tr", "N", "M", "K", "ds", "dr"})
        if (!seen.contains(name))
            return invalid(err, "missing --" + std::string(name) + "\n" + std::string(usage));
    return run_bound_channel(options, out, err);
}

}  // namespace bh::cli
