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

#include "driver_client.h"
#include "files.h"

namespace bh::cli {
namespace {

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_invalid = 2;

config::Limits build_limits() { return config::Limits{bh::kconfig::max_cpus}; }

// Reads and checks one or more configs as a set; prints the first problem.
int check_configs(const std::vector<std::string>& paths, bool quiet, std::vector<ConfigFile>& files) {
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
    auto result = config::validate_set(Span<const config::Blob>(blobs.data(), blobs.size()), build_limits(), diag);
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
    if (int rc = check_configs({path}, true, files); rc != exit_ok)
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

    auto* info = app.add_subcommand("info", "Show driver and hypervisor state");
    info->callback([&] { rc = cmd_info(); });

    auto* config = app.add_subcommand("config", "Check and create configs");
    config->require_subcommand(1);
    auto* check = config->add_subcommand("check", "Validate configs: a system config first, then cells");
    std::vector<std::string> check_files;
    check->add_option("FILE", check_files, "Config files (.cell)")->required();
    check->callback([&] { rc = cmd_config_check(check_files); });

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
