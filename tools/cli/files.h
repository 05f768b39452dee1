// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bh::cli {

// A config file's bytes, 8-byte aligned as the validator requires.
struct ConfigFile {
    std::string path;
    std::vector<uint64_t> words;
    size_t size = 0;
    const void* data() const { return words.data(); }
};

// Reads a file; on failure returns false and sets `error` to a one-line
// reason naming the file.
bool read_config_file(const std::string& path, ConfigFile& out, std::string& error);

}  // namespace bh::cli
