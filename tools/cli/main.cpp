// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// bulkhead: the command-line interface to the bulkhead hypervisor.
//
// Exit codes (Documentation/cli.md):
//   0  success
//   1  the operation was refused or failed (driver, hypervisor, system)
//   2  invalid usage or invalid input (bad arguments, malformed config)
#include <CLI/CLI.hpp>

#include <config_validator.h>

#include <bh/kconfig.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "bound_channel.h"
#include "cell_commands.h"
#include "channel_commands.h"
#include "config_collect.h"
#include "driver_client.h"
#include "files.h"
#include "sched_check.h"

#include <unistd.h>

#include <bulkhead/hypercall.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace bh::cli {
namespace {

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_invalid = 2;

config::Limits build_limits() { return config::Limits{bh::kconfig::max_cpus}; }

// Reads and checks one or more configs as a set; prints the first problem.
int check_configs(const std::vector<std::string>& paths, bool quiet, std::vector<ConfigFile>& files,
                  config::PeerPolicy peers = config::PeerPolicy::must_exist) {
    files.clear();
    files.reserve(paths.size());
    std::vector<config::Blob> blobs;
    for (const std::string& path : paths) {
        std::string error;
        ConfigFile file;
        if (!read_config_file(path, file, error)) {
            std::cerr << "bulkhead: " << error << "\n";
            return exit_invalid;
        }
        files.push_back(std::move(file));
    }
    for (const ConfigFile& f : files)
        blobs.push_back(config::Blob{f.data(), f.size, f.path.c_str()});
    config::Diagnostic diag;
    auto result =
        config::validate_set(Span<const config::Blob>(blobs.data(), blobs.size()), build_limits(), diag, peers);
    if (!result.ok()) {
        std::cerr << "bulkhead: " << diag.message() << "\n";
        return exit_invalid;
    }
    if (!quiet)
        for (const ConfigFile& f : files)
            std::cout << f.path << ": ok\n";
    return exit_ok;
}

int cmd_config_check(const std::vector<std::string>& paths) {
    std::vector<ConfigFile> files;
    return check_configs(paths, false, files);
}

int cmd_enable(const std::string& path) {
    std::vector<ConfigFile> files;
    // The root's channel peers are cells created after enable.
    if (int rc = check_configs({path}, true, files, config::PeerPolicy::may_be_absent); rc != exit_ok)
        return rc;
    if (config::classify(files[0].data(), files[0].size) != config::BlobKind::system) {
        std::cerr << "bulkhead: " << path << ": is a cell config; enable takes a system config\n";
        return exit_invalid;
    }
    DriverClient driver;
    if (!driver.is_open() || !driver.enable(files[0].data(), files[0].size)) {
        std::cerr << "bulkhead: " << driver.error() << "\n";
        return exit_failed;
    }
    std::cout << "bulkhead: enabled\n";
    return exit_ok;
}

int cmd_disable() {
    DriverClient driver;
    if (!driver.is_open() || !driver.disable()) {
        std::cerr << "bulkhead: " << driver.error() << "\n";
        return exit_failed;
    }
    std::cout << "bulkhead: disabled\n";
    return exit_ok;
}

// One line of a sysfs file, or "" when it cannot be read.
std::string read_sysfs(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

int cmd_console() {
    std::ifstream in(BH_SYSFS_PATH "/console");
    if (!in) {
        std::cerr << "bulkhead: cannot read " BH_SYSFS_PATH "/console (is bulkhead.ko loaded?)\n";
        return exit_failed;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad() || (text.empty() && read_sysfs(BH_SYSFS_PATH "/enabled") != "1")) {
        std::cerr << "bulkhead: the hypervisor is not enabled: it has no console\n";
        return exit_failed;
    }
    std::cout << text;
    return exit_ok;
}

// The config generator is Python: find it beside an installed CLI or in the
// source tree the CLI was built in.
int cmd_config_create(const std::vector<std::string>& args) {
    namespace fs = std::filesystem;
    std::vector<fs::path> candidates;
    if (const char* env = std::getenv("BULKHEAD_CONFIG_CREATE"))
        candidates.emplace_back(env);
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        candidates.push_back(exe.parent_path() / "../lib/bulkhead/config-create/bulkhead-config-create");
        candidates.push_back(exe.parent_path() / "../../tools/config-create/bulkhead-config-create");
    }
    candidates.emplace_back("/usr/lib/bulkhead/config-create/bulkhead-config-create");
    for (const fs::path& script : candidates) {
        if (!fs::exists(script, ec))
            continue;
        std::vector<std::string> storage = {"/usr/bin/python3", script.lexically_normal().string()};
        storage.insert(storage.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (std::string& a : storage)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        std::cerr << "bulkhead: cannot run /usr/bin/python3 " << script << ": " << std::strerror(errno)
                  << " (on a target without Python use 'bulkhead config collect DIR' and run config create "
                     "--root DIR elsewhere)\n";
        return exit_failed;
    }
    std::cerr << "bulkhead: the config generator (bulkhead-config-create) is not installed; on a target "
                 "without it use 'bulkhead config collect DIR' and run 'bulkhead config create --root DIR' "
                 "on a build machine\n";
    return exit_failed;
}

int cmd_info() {
    DriverClient driver;
    bh_ioctl_info info{};
    if (!driver.is_open() || !driver.info(info)) {
        std::cerr << "bulkhead: " << driver.error() << "\n";
        return exit_failed;
    }
    std::printf("driver:      bulkhead %.*s (ioctl ABI %u, config revision %u)\n",
                static_cast<int>(sizeof(info.version)), info.version, info.abi_version, BH_CONFIG_REVISION);
    std::printf("hypervisor:  %s\n", info.enabled ? "enabled" : "disabled");
    std::printf("online CPUs: %u\n", info.online_cpus);
    if (info.enabled) {
        std::printf("hypervisor memory: [%#llx, +%#llx)\n",
                    static_cast<unsigned long long>(info.hypervisor_memory_start),
                    static_cast<unsigned long long>(info.hypervisor_memory_size));
        std::printf("cells:       %u\n", info.cell_count);
        std::string pool = read_sysfs(BH_SYSFS_PATH "/mem_pool_size");
        std::string used = read_sysfs(BH_SYSFS_PATH "/mem_pool_used");
        if (!pool.empty())
            std::printf("page pool:   %s of %s pages used\n", used.c_str(), pool.c_str());
        print_vmexit_table({});
    }
    return exit_ok;
}

}  // namespace

int run(int argc, char** argv) {
    CLI::App app{"bulkhead: static partitioning hypervisor control"};
    app.require_subcommand(1);
    app.footer("Exit codes: 0 success, 1 refused or failed, 2 invalid usage or input.");
    int rc = exit_ok;

    auto* enable = app.add_subcommand("enable", "Load the hypervisor and turn Linux into the root cell");
    std::string enable_file;
    enable->add_option("FILE", enable_file, "System config (.cell)")->required();
    enable->callback([&] { rc = cmd_enable(enable_file); });

    auto* disable = app.add_subcommand("disable", "Stop the hypervisor; Linux runs natively again");
    disable->callback([&] { rc = cmd_disable(); });

    auto* info = app.add_subcommand("info", "Show driver and hypervisor state, VM exits per CPU");
    info->callback([&] { rc = cmd_info(); });

    add_cell_commands(app, rc);
    add_channel_commands(app, rc);

    auto* console = app.add_subcommand("console", "Print the hypervisor console");
    console->callback([&] { rc = cmd_console(); });

    auto* sched = app.add_subcommand("sched", "Real-time scheduling analysis");
    sched->require_subcommand(1);
    auto* sched_check = sched->add_subcommand(
        "check", "Response-time analysis of a VCPU set file (lines: NAME C T [D], microseconds)");
    std::string sched_file;
    bool sched_json = false;
    sched_check->add_option("FILE", sched_file, "VCPU set file")->required();
    sched_check->add_flag("--json", sched_json, "Print JSON");
    sched_check->footer("Exit codes: 0 schedulable, 1 not schedulable, 2 malformed file.");
    sched_check->callback([&] { rc = run_sched_check(sched_file, sched_json, std::cout, std::cerr); });

    auto* bound = app.add_subcommand("bound", "Worst-case bounds");
    bound->require_subcommand(1);
    auto* bound_channel = bound->add_subcommand(
        "channel", "Worst-case round trip over a mailbox channel (Documentation/channel-bound.md); --help");
    bound_channel->allow_extras();
    bound_channel->prefix_command();
    bound_channel->set_help_flag();  // its own parser documents the options
    bound_channel->callback([&] {
        std::vector<std::string> words = bound_channel->remaining();
        std::vector<const char*> argv;
        for (const std::string& w : words)
            argv.push_back(w.c_str());
        rc = run_bound_channel(static_cast<int>(argv.size()), argv.data(), std::cout, std::cerr);
    });

    auto* config = app.add_subcommand("config", "Check and create configs");
    config->require_subcommand(1);
    auto* check = config->add_subcommand("check", "Validate configs: a system config first, then cells");
    std::vector<std::string> check_files;
    check->add_option("FILE", check_files, "Config files (.cell)")->required();
    check->callback([&] { rc = cmd_config_check(check_files); });
    auto* collect = config->add_subcommand(
        "collect", "Copy what the config generator reads from this machine into DIR (no Python needed)");
    std::string collect_dir;
    collect->add_option("DIR", collect_dir, "Empty or new directory")->required();
    collect->callback([&] { rc = run_config_collect(collect_dir, std::cout, std::cerr); });
    auto* create = config->add_subcommand(
        "create", "Generate a system config source for this machine (Python 3 + jinja2); see --help of the generator");
    std::vector<std::string> create_args;
    create->allow_extras();
    create->set_help_flag();  // --help goes to the generator
    create->prefix_command();
    create->callback([&] { rc = cmd_config_create(create->remaining()); });

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "bulkhead: " << e.what() << " (see 'bulkhead --help')\n";
        return exit_invalid;
    }
    return rc;
}

}  // namespace bh::cli

int main(int argc, char** argv) { return bh::cli::run(argc, argv); }
