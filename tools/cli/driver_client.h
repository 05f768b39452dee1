// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The CLI's side of /dev/bulkhead.
#pragma once

#include <bulkhead/ioctl.h>

#include <string>
#include <vector>

namespace bh::cli {

class DriverClient {
public:
    // Opens /dev/bulkhead; on failure `error()` explains, naming the likely
    // cause (module not loaded, not root).
    DriverClient();
    ~DriverClient();
    DriverClient(const DriverClient&) = delete;
    DriverClient& operator=(const DriverClient&) = delete;

    bool is_open() const { return fd_ >= 0; }
    const std::string& error() const { return error_; }

    // Each returns true on success; else error() holds the driver's reason.
    bool enable(const void* config, size_t size);
    bool disable();
    bool cell_create(const void* config, size_t size);
    bool info(bh_ioctl_info& out);

    struct Image {
        std::vector<char> bytes;
        uint64_t target;
    };
    bool cell_load(const std::string& name, const std::vector<Image>& images, const std::string* args);
    // BH_IOCTL_CELL_START, _SHUTDOWN or _DESTROY.
    bool cell_request(unsigned long request, const char* what, const std::string& name);

private:
    bool config_request(unsigned long request, const char* what, const void* config, size_t size);
    int fd_ = -1;
    std::string error_;
};

}  // namespace bh::cli
