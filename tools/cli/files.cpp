// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "files.h"

#include <bulkhead/config.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace bh::cli {

bool read_config_file(const std::string& path, ConfigFile& out, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = path + ": cannot open: " + std::strerror(errno);
        return false;
    }
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() > 4 * size_t{BH_CONFIG_MAX_SIZE}) {
        error = path + ": " + std::to_string(bytes.size()) + " bytes is far too large for a config";
        return false;
    }
    out.path = path;
    out.size = bytes.size();
    out.words.assign((bytes.size() + 7) / 8, 0);
    std::memcpy(out.words.data(), bytes.data(), bytes.size());
    return true;
}

}  // namespace bh::cli
