// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Runs bulkhead's config validator (hypervisor/core/config_validator.cpp) on
// one system config file, for the Python tests of the generator
// (test_generator.py): bh-validate FILE.cell
// Prints "ok" or the validator's one-line diagnostic; exit status 0 or 1.
#include <config_validator.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: bh-validate FILE.cell\n";
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.eof() && !in) {
        std::cerr << argv[1] << ": cannot read\n";
        return 2;
    }
    std::vector<uint64_t> words((bytes.size() + 7) / 8);
    std::memcpy(words.data(), bytes.data(), bytes.size());
    bh::config::Diagnostic diag;
    auto view = bh::config::parse_system(words.data(), bytes.size(), diag);
    if (view.ok()) {
        bh::config::Limits limits{BH_ABI_MAX_CPUS};
        if (bh::config::validate_system(*view, limits, diag).ok()) {
            std::cout << "ok\n";
            return 0;
        }
    }
    std::cout << diag.message() << "\n";
    return 1;
}
