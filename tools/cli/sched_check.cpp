// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sched_check.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "sched/admission.h"

namespace bh::cli {
namespace {

namespace sched = bh::rtos::sched;

constexpr uint64_t kNanosPerMicro = 1000;
// 10^12 us (11.6 days): keeps every sum of the analysis far below 2^64 ns.
constexpr uint64_t kMaxMicros = 1'000'000'000'000ULL;
constexpr size_t kMaxNameLength = 64;
constexpr const char* kLineFormat = "expected 'NAME C T [D]'";

struct VcpuLine {
    std::string name;
    sched::TaskParams params;  // nanoseconds; deadline always explicit
    unsigned line;
};

struct ParseFailure {
    unsigned line;  // 0: about the file as a whole
    std::string message;
};

struct ParsedFile {
    std::vector<VcpuLine> vcpus;
    std::optional<ParseFailure> failure;
};

// "12", "0.5", "2.125" microseconds -> nanoseconds.
std::optional<uint64_t> parse_micros(std::string_view text) {
    uint64_t whole = 0;
    size_t i = 0;
    if (text.empty() || text[0] < '0' || text[0] > '9')
        return std::nullopt;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        whole = whole * 10 + static_cast<uint64_t>(text[i] - '0');
        if (whole > kMaxMicros)
            return std::nullopt;
    }
    uint64_t fraction = 0;
    if (i < text.size()) {
        if (text[i] != '.')
            return std::nullopt;
        size_t digits = 0;
        for (++i; i < text.size(); ++i, ++digits) {
            if (text[i] < '0' || text[i] > '9' || digits == 3)
                return std::nullopt;
            fraction = fraction * 10 + static_cast<uint64_t>(text[i] - '0');
        }
        if (digits == 0)
            return std::nullopt;
        for (; digits < 3; ++digits)
            fraction *= 10;
    }
    const uint64_t nanos = whole * kNanosPerMicro + fraction;
    if (nanos > kMaxMicros * kNanosPerMicro)
        return std::nullopt;
    return nanos;
}

// Nanoseconds as microseconds, without trailing zeros: 2500 -> "2.5".
std::string format_micros(uint64_t nanos) {
    std::string text = std::to_string(nanos / kNanosPerMicro);
    uint64_t fraction = nanos % kNanosPerMicro;
    if (fraction != 0) {
        std::string digits = std::to_string(fraction + kNanosPerMicro).substr(1);
        while (digits.back() == '0')
            digits.pop_back();
        text += "." + digits;
    }
    return text;
}

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameLength)
        return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '_' || c == '-' || c == '.' || c == ':' || c == '/';
        if (!ok)
            return false;
    }
    return true;
}

std::vector<std::string_view> split_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
            ++i;
        size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t')
            ++i;
        if (i > start)
            fields.push_back(line.substr(start, i - start));
    }
    return fields;
}

std::optional<ParseFailure> parse_line(std::string_view text, unsigned line_number,
                                       std::optional<VcpuLine>& vcpu) {
    auto fail = [&](std::string message) {
        return std::optional<ParseFailure>(ParseFailure{line_number, std::move(message)});
    };
    if (size_t hash = text.find('#'); hash != std::string_view::npos)
        text = text.substr(0, hash);
    if (!text.empty() && text.back() == '\r')
        text.remove_suffix(1);
    const auto fields = split_fields(text);
    if (fields.empty())
        return std::nullopt;
    if (fields.size() < 3 || fields.size() > 4)
        return fail(std::string(kLineFormat) + ", got " + std::to_string(fields.size()) +
                    (fields.size() == 1 ? " field" : " fields"));
    if (!valid_name(fields[0]))
        return fail("invalid VCPU name '" + std::string(fields[0]) +
                    "' (1 to 64 of letters, digits, '_', '-', '.', ':', '/')");

    static constexpr const char* kFieldNames[] = {"C", "T", "D"};
    uint64_t times[3] = {0, 0, 0};
    for (size_t f = 1; f < fields.size(); ++f) {
        auto value = parse_micros(fields[f]);
        if (!value)
            return fail(std::string(kLineFormat) + ", " + kFieldNames[f - 1] + " '" +
                        std::string(fields[f]) +
                        "' is not a time in microseconds (at most 3 decimals, at most " +
                        std::to_string(kMaxMicros) + ")");
        times[f - 1] = *value;
    }
    const uint64_t budget = times[0], period = times[1];
    const uint64_t deadline = fields.size() == 4 ? times[2] : period;
    if (budget == 0)
        return fail("budget C must be greater than 0");
    if (budget > period)
        return fail("budget C (" + format_micros(budget) + " us) exceeds period T (" +
                    format_micros(period) + " us)");
    if (deadline > period)
        return fail("deadline D (" + format_micros(deadline) + " us) exceeds period T (" +
                    format_micros(period) + " us)");
    if (deadline < budget)
        return fail("deadline D (" + format_micros(deadline) + " us) is shorter than budget C (" +
                    format_micros(budget) + " us)");
    vcpu = VcpuLine{std::string(fields[0]), {budget, period, deadline}, line_number};
    return std::nullopt;
}

ParsedFile parse_file(const std::string& path) {
    ParsedFile parsed;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        parsed.failure = ParseFailure{0, std::string("cannot read: ") + std::strerror(errno)};
        return parsed;
    }
    std::map<std::string, unsigned, std::less<>> first_line_of;
    std::string text;
    unsigned line_number = 0;
    while (std::getline(in, text)) {
        ++line_number;
        std::optional<VcpuLine> vcpu;
        if (auto failure = parse_line(text, line_number, vcpu)) {
            parsed.failure = std::move(failure);
            return parsed;
        }
        if (!vcpu)
            continue;
        if (auto it = first_line_of.find(vcpu->name); it != first_line_of.end()) {
            parsed.failure = ParseFailure{line_number, "duplicate VCPU name '" + vcpu->name +
                                                           "' (first on line " +
                                                           std::to_string(it->second) + ")"};
            return parsed;
        }
        if (parsed.vcpus.size() == sched::kMaxVcpus) {
            parsed.failure = ParseFailure{line_number, "more than " + std::to_string(sched::kMaxVcpus) +
                                                           " VCPUs (one CPU's limit)"};
            return parsed;
        }
        first_line_of.emplace(vcpu->name, line_number);
        parsed.vcpus.push_back(std::move(*vcpu));
    }
    if (in.bad() || (!in.eof() && in.fail())) {
        parsed.failure = ParseFailure{0, std::string("cannot read: ") + std::strerror(errno)};
        return parsed;
    }
    if (parsed.vcpus.empty())
        parsed.failure = ParseFailure{0, std::string("no VCPUs (") + kLineFormat + " lines)"};
    return parsed;
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out + "\"";
}

struct Analysis {
    std::vector<sched::ResponseTime> responses;
    std::vector<uint32_t> rank_of;  // priority rank of vcpus[i]
    double utilization = 0;
    double liu_layland_bound = 0;
    bool schedulable = true;
};

Analysis analyse(const std::vector<VcpuLine>& vcpus) {
    Analysis a;
    std::vector<sched::TaskParams> tasks;
    for (const auto& v : vcpus)
        tasks.push_back(v.params);
    const auto count = static_cast<uint32_t>(tasks.size());
    a.responses.resize(count);
    // Every line was validated, so the analysis cannot fail.
    (void)sched::response_times(tasks.data(), count, a.responses.data());
    std::vector<uint32_t> order(count);
    sched::priority_order(tasks.data(), count, order.data());
    a.rank_of.resize(count);
    for (uint32_t rank = 0; rank < count; ++rank)
        a.rank_of[order[rank]] = rank;
    for (const auto& t : tasks)
        a.utilization += static_cast<double>(t.budget) / static_cast<double>(t.period);
    const double n = count;
    a.liu_layland_bound = n * (std::pow(2.0, 1.0 / n) - 1.0);
    for (const auto& r : a.responses)
        a.schedulable = a.schedulable && r.meets_deadline;
    return a;
}

void print_text(const std::string& path, const std::vector<VcpuLine>& vcpus, const Analysis& a,
                std::ostream& out) {
    std::ostringstream head;
    head << std::fixed << std::setprecision(3) << path << ": " << vcpus.size()
         << (vcpus.size() == 1 ? " VCPU" : " VCPUs") << ", utilization " << a.utilization
         << " (Liu-Layland bound " << a.liu_layland_bound << ")";
    out << head.str() << "\n";

    size_t name_width = 4;
    for (const auto& v : vcpus)
        name_width = std::max(name_width, v.name.size());
    auto row = [&](const std::string& prio, const std::string& name, const std::string& c,
                   const std::string& t, const std::string& d, const std::string& r,
                   const std::string& verdict) {
        out << std::right << std::setw(4) << prio << "  " << std::left
            << std::setw(static_cast<int>(name_width)) << name << std::right << std::setw(12) << c
            << std::setw(12) << t << std::setw(12) << d << std::setw(14) << r << "  " << verdict
            << "\n";
    };
    row("prio", "name", "C(us)", "T(us)", "D(us)", "R(us)", "deadline");
    // In priority order, which is the order the analysis reasons in.
    std::vector<size_t> by_rank(vcpus.size());
    for (size_t i = 0; i < vcpus.size(); ++i)
        by_rank[a.rank_of[i]] = i;
    for (size_t i : by_rank) {
        const auto& v = vcpus[i];
        const auto& r = a.responses[i];
        row(std::to_string(a.rank_of[i]), v.name, format_micros(v.params.budget),
            format_micros(v.params.period), format_micros(v.params.deadline),
            r.meets_deadline ? format_micros(r.response) : "> " + format_micros(v.params.deadline),
            r.meets_deadline ? "met" : "MISSED");
    }
    if (a.schedulable) {
        out << "schedulable\n";
    } else {
        std::vector<std::string> missed;
        for (size_t i : by_rank)
            if (!a.responses[i].meets_deadline)
                missed.push_back(vcpus[i].name);
        out << "not schedulable: ";
        for (size_t k = 0; k < missed.size(); ++k)
            out << (k == 0 ? "" : ", ") << missed[k];
        out << (missed.size() == 1 ? " misses its deadline\n" : " miss their deadlines\n");
    }
}

void print_json(const std::string& path, const std::vector<VcpuLine>& vcpus, const Analysis& a,
                std::ostream& out) {
    std::ostringstream o;
    o << std::setprecision(6) << "{\n  \"file\": " << json_string(path)
      << ",\n  \"schedulable\": " << (a.schedulable ? "true" : "false")
      << ",\n  \"utilization\": " << a.utilization
      << ",\n  \"liu_layland_bound\": " << a.liu_layland_bound << ",\n  \"vcpus\": [";
    for (size_t i = 0; i < vcpus.size(); ++i) {
        const auto& v = vcpus[i];
        const auto& r = a.responses[i];
        o << (i == 0 ? "\n" : ",\n") << "    {\"name\": " << json_string(v.name)
          << ", \"line\": " << v.line << ", \"priority\": " << a.rank_of[i]
          << ", \"budget_us\": " << format_micros(v.params.budget)
          << ", \"period_us\": " << format_micros(v.params.period)
          << ", \"deadline_us\": " << format_micros(v.params.deadline)
          << ", \"response_us\": " << (r.meets_deadline ? format_micros(r.response) : "null")
          << ", \"meets_deadline\": " << (r.meets_deadline ? "true" : "false") << "}";
    }
    o << "\n  ]\n}\n";
    out << o.str();
}

}  // namespace

int run_sched_check(const std::string& path, bool json, std::ostream& out, std::ostream& err) {
    const ParsedFile parsed = parse_file(path);
    if (parsed.failure) {
        err << path;
        if (parsed.failure->line != 0)
            err << ":" << parsed.failure->line;
        err << ": " << parsed.failure->message << "\n";
        return kSchedCheckMalformed;
    }
    const Analysis analysis = analyse(parsed.vcpus);
    if (json)
        print_json(path, parsed.vcpus, analysis, out);
    else
        print_text(path, parsed.vcpus, analysis, out);
    return analysis.schedulable ? kSchedCheckSchedulable : kSchedCheckNotSchedulable;
}

}  // namespace bh::cli
