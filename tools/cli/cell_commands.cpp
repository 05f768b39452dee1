// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "cell_commands.h"

#include <bulkhead/cell.h>
#include <bulkhead/hypercall.h>
#include <bulkhead/ioctl.h>
#include <config_validator.h>

#include <bh/kconfig.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "driver_client.h"
#include "files.h"

namespace bh::cli {

namespace {

namespace fs = std::filesystem;

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_invalid = 2;

std::string read_line(const fs::path& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

struct CellInfo {
    unsigned id;
    std::string name, state, cpus, reason;
};

std::vector<CellInfo> list_cells() {
    std::vector<CellInfo> cells;
    std::error_code ec;
    std::string root = read_line(BH_SYSFS_PATH "/root_cell");
    if (!root.empty())
        cells.push_back({0, root, "running", read_line("/sys/devices/system/cpu/online"), ""});
    for (const auto& entry : fs::directory_iterator(BH_SYSFS_PATH "/cells", ec)) {
        CellInfo c;
        c.id = static_cast<unsigned>(std::stoul(entry.path().filename().string()));
        c.name = read_line(entry.path() / "name");
        c.state = read_line(entry.path() / "state");
        c.cpus = read_line(entry.path() / "cpus_assigned_list");
        c.reason = read_line(entry.path() / "reason");
        cells.push_back(c);
    }
    std::sort(cells.begin(), cells.end(), [](const CellInfo& a, const CellInfo& b) { return a.id < b.id; });
    return cells;
}

std::vector<unsigned> parse_cpu_list(const std::string& list) {
    std::vector<unsigned> cpus;
    std::stringstream in(list);
    std::string part;
    while (std::getline(in, part, ',')) {
        if (part.empty())
            continue;
        auto dash = part.find('-');
        unsigned first = static_cast<unsigned>(std::stoul(part.substr(0, dash)));
        unsigned last = dash == std::string::npos ? first : static_cast<unsigned>(std::stoul(part.substr(dash + 1)));
        for (unsigned c = first; c <= last; ++c)
            cpus.push_back(c);
    }
    return cpus;
}

// A JSON string's contents (RFC 8259): quote, backslash and control
// characters escaped; everything else as it is.
std::string json_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            char esc[8];
            std::snprintf(esc, sizeof(esc), "\\u%04x", u);
            out += esc;
        } else {
            out += c;
        }
    }
    return out;
}

int cmd_list(bool json) {
    if (read_line(BH_SYSFS_PATH "/enabled") != "1") {
        std::cerr << "bulkhead: the hypervisor is not enabled (or bulkhead.ko is not loaded)\n";
        return exit_failed;
    }
    auto cells = list_cells();
    if (json) {
        std::cout << "[";
        for (size_t i = 0; i < cells.size(); ++i)
            std::cout << (i ? "," : "") << "{\"id\":" << cells[i].id << ",\"name\":\"" << json_escape(cells[i].name)
                      << "\",\"state\":\"" << json_escape(cells[i].state) << "\",\"cpus\":\""
                      << json_escape(cells[i].cpus)
                      << "\",\"reason\":\"" << json_escape(cells[i].reason) << "\"}";
        std::cout << "]\n";
        return exit_ok;
    }
    std::printf("%-4s %-24s %-16s %-12s %s\n", "ID", "NAME", "STATE", "CPUS", "REASON");
    for (const CellInfo& c : cells)
        std::printf("%-4u %-24s %-16s %-12s %s\n", c.id, c.name.c_str(), c.state.c_str(), c.cpus.c_str(),
                    c.reason.c_str());
    return exit_ok;
}

int cmd_stats(const std::string& name) {
    for (const CellInfo& c : list_cells()) {
        if (c.name == name || std::to_string(c.id) == name) {
            std::printf("cell \"%s\" (id %u), %s\n", c.name.c_str(), c.id, c.state.c_str());
            print_vmexit_table(parse_cpu_list(c.cpus));
            return exit_ok;
        }
    }
    std::cerr << "bulkhead: no cell named \"" << name << "\"\n";
    return exit_failed;
}

int cmd_create(const std::string& path) {
    ConfigFile file;
    std::string error;
    if (!read_config_file(path, file, error)) {
        std::cerr << "bulkhead: " << error << "\n";
        return exit_invalid;
    }
    config::Diagnostic diag;
    diag.set_context(path.c_str());
    auto cell = config::parse_cell(file.data(), file.size, diag);
    auto valid = cell.ok() ? config::validate_cell(*cell, false, config::Limits{kconfig::max_cpus}, diag)
                           : Result<void>(cell.error());
    if (!valid.ok()) {
        std::cerr << "bulkhead: " << diag.message() << "\n";
        return exit_invalid;
    }
    DriverClient driver;
    if (!driver.is_open() || !driver.cell_create(file.data(), file.size)) {
        std::cerr << "bulkhead: " << driver.error() << "\n";
        return exit_failed;
    }
    std::cout << "bulkhead: cell \"" << cell->name() << "\" created\n";
    return exit_ok;
}

// IMAGE or IMAGE@ADDRESS; without an address the inmate header's load
// address is used.
bool parse_image(const std::string& spec, DriverClient::Image& image, std::string& error) {
    auto at = spec.rfind('@');
    std::string path = at == std::string::npos ? spec : spec.substr(0, at);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = path + ": cannot open: " + std::strerror(errno);
        return false;
    }
    image.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (image.bytes.empty()) {
        error = path + ": empty image";
        return false;
    }
    if (at != std::string::npos) {
        try {
            size_t used = 0;
            image.target = std::stoull(spec.substr(at + 1), &used, 0);
            if (used != spec.size() - at - 1)
                throw std::invalid_argument("trailing");
        } catch (const std::exception&) {
            error = spec + ": '" + spec.substr(at + 1) + "' is not an address";
            return false;
        }
        return true;
    }
    bh_inmate_header header{};
    if (image.bytes.size() >= BH_INMATE_HEADER_OFFSET + sizeof(header)) {
        std::memcpy(&header, image.bytes.data() + BH_INMATE_HEADER_OFFSET, sizeof(header));
        if (std::memcmp(header.signature, BH_INMATE_SIGNATURE, sizeof(header.signature)) == 0) {
            image.target = header.load_address;
            return true;
        }
    }
    error = path + ": not a bulkhead inmate (no inmate header): give IMAGE@ADDRESS";
    return false;
}

int cmd_load(const std::string& name, const std::vector<std::string>& specs, const std::string* args) {
    if (specs.size() > BH_IOCTL_MAX_IMAGES) {
        std::cerr << "bulkhead: at most " << BH_IOCTL_MAX_IMAGES << " images\n";
        return exit_invalid;
    }
    if (args && args->size() >= BH_COMM_ARGS_SIZE) {
        std::cerr << "bulkhead: --args is longer than " << BH_COMM_ARGS_SIZE - 1 << " bytes\n";
        return exit_invalid;
    }
    std::vector<DriverClient::Image> images(specs.size());
    for (size_t i = 0; i < specs.size(); ++i) {
        std::string error;
        if (!parse_image(specs[i], images[i], error)) {
            std::cerr << "bulkhead: " << error << "\n";
            return exit_invalid;
        }
    }
    DriverClient driver;
    if (!driver.is_open() || !driver.cell_load(name, images, args)) {
        std::cerr << "bulkhead: " << driver.error() << "\n";
        return exit_failed;
    }
    std::cout << "bulkhead: cell \"" << name << "\" loaded\n";
    return exit_ok;
}

int cmd_request(unsigned long request, const char* what, const char* done, const std::string& name) {
    DriverClient driver;
    if (!driver.is_open() || !driver.cell_request(request, what, name)) {
        std::cerr << "bulkhead: " << driver.error() << "\n";
        return exit_failed;
    }
    std::cout << "bulkhead: cell \"" << name << "\" " << done << "\n";
    return exit_ok;
}

}  // namespace

void print_vmexit_table(const std::vector<unsigned>& only) {
    const std::string base = BH_SYSFS_PATH "/cpus";
    static const char* const names[BH_STAT_COUNT] = BH_STAT_NAMES;
    std::vector<unsigned> cpus;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(base, ec)) {
        std::string leaf = entry.path().filename().string();
        if (leaf.rfind("cpu", 0) != 0)
            continue;
        unsigned cpu = static_cast<unsigned>(std::stoul(leaf.substr(3)));
        if (only.empty() || std::find(only.begin(), only.end(), cpu) != only.end())
            cpus.push_back(cpu);
    }
    if (cpus.empty())
        return;
    std::sort(cpus.begin(), cpus.end());
    std::printf("VM exits:   %6s", "CPU");
    for (const char* name : names)
        std::printf(" %10s", name);
    std::printf("\n");
    for (unsigned cpu : cpus) {
        std::printf("            %6u", cpu);
        for (const char* name : names) {
            std::string v = read_line(base + "/cpu" + std::to_string(cpu) + "/vmexits_" + name);
            std::printf(" %10s", v.empty() ? "?" : v.c_str());
        }
        std::printf("\n");
    }
}

void add_cell_commands(CLI::App& app, int& rc) {
    auto* cell = app.add_subcommand("cell", "Create, load, start, shut down, destroy and inspect cells");
    cell->require_subcommand(1);

    auto* create = cell->add_subcommand("create", "Create a cell from a cell config (.cell)");
    static std::string create_file;
    create->add_option("FILE", create_file, "Cell config")->required();
    create->callback([&rc] { rc = cmd_create(create_file); });

    auto* load = cell->add_subcommand("load", "Stop a cell and load images into its loadable memory");
    static std::string load_name, load_args;
    static std::vector<std::string> load_images;
    load->add_option("NAME", load_name, "Cell name")->required();
    load->add_option("IMAGE", load_images, "IMAGE[@GUEST_ADDRESS]; inmates know their address")->required();
    auto* args_option = load->add_option("--args", load_args, "Boot arguments for the cell's communication page");
    load->callback([&rc, args_option] {
        rc = cmd_load(load_name, load_images, args_option->count() ? &load_args : nullptr);
    });

    static std::string name;
    struct Simple {
        const char* command;
        const char* help;
        unsigned long request;
        const char* what;
        const char* done;
    };
    static const Simple simple[] = {
        {"start", "Start a cell's CPUs at its boot address", BH_IOCTL_CELL_START, "cell start", "started"},
        {"shutdown", "Stop a cell (refused while it is locked)", BH_IOCTL_CELL_SHUTDOWN, "cell shutdown",
         "shut down"},
        {"destroy", "Destroy a cell: its CPUs and memory go back to Linux", BH_IOCTL_CELL_DESTROY, "cell destroy",
         "destroyed"},
    };
    for (const Simple& s : simple) {
        auto* sub = cell->add_subcommand(s.command, s.help);
        sub->add_option("NAME", name, "Cell name")->required();
        sub->callback([&rc, &s] { rc = cmd_request(s.request, s.what, s.done, name); });
    }

    auto* list = cell->add_subcommand("list", "List the cells: id, name, state, CPUs, failure reason");
    static bool json = false;
    list->add_flag("--json", json, "Print JSON");
    list->callback([&rc] { rc = cmd_list(json); });

    auto* stats = cell->add_subcommand("stats", "VM exits by reason per CPU of a cell");
    static std::string stats_name;
    stats->add_option("NAME", stats_name, "Cell name or id")->required();
    stats->callback([&rc] { rc = cmd_stats(stats_name); });
}

}  // namespace bh::cli
