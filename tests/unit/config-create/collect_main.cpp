// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// A stand-alone driver of the config collector for the Python tests
// (test_collect.py) and for collecting in a virtual PC before the CLI is
// built:  bh-collect [--from SOURCE_ROOT] DIR
#include <config_collect.h>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
    std::string from = "/";
    int i = 1;
    if (argc > 2 && std::string(argv[1]) == "--from") {
        from = argv[2];
        i = 3;
    }
    if (argc != i + 1) {
        std::cerr << "usage: bh-collect [--from SOURCE_ROOT] DIR\n";
        return 2;
    }
    return bh::cli::run_config_collect_from(from, argv[i], std::cout, std::cerr);
}
