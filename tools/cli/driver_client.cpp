// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "driver_client.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bh::cli {

DriverClient::DriverClient() {
    fd_ = ::open(BH_DEVICE_PATH, O_RDWR | O_CLOEXEC);
    if (fd_ < 0) {
        int e = errno;
        error_ = std::string("cannot open " BH_DEVICE_PATH ": ") + std::strerror(e);
        if (e == ENOENT)
            error_ += " (is bulkhead.ko loaded? try 'modprobe bulkhead')";
        else if (e == EACCES || e == EPERM)
            error_ += " (bulkhead needs root)";
    }
}

DriverClient::~DriverClient() {
    if (fd_ >= 0)
        ::close(fd_);
}

bool DriverClient::config_request(unsigned long request, const char* what, const void* config, size_t size) {
    char message[BH_IOCTL_MESSAGE_MAX] = {};
    bh_ioctl_config arg{};
    arg.config_address = reinterpret_cast<uintptr_t>(config);
    arg.config_size = static_cast<uint32_t>(size);
    arg.message_address = reinterpret_cast<uintptr_t>(message);
    arg.message_size = sizeof(message);
    if (::ioctl(fd_, request, &arg) == 0)
        return true;
    int e = errno;
    error_ = std::string(what) + " refused: " + (message[0] ? message : std::strerror(e)) + " (" +
             std::strerror(e) + ")";
    return false;
}

bool DriverClient::simple_request(unsigned long request, const char* what) {
    if (::ioctl(fd_, request) == 0)
        return true;
    error_ = std::string(what) + " failed: " + std::strerror(errno) + " (see dmesg)";
    return false;
}

bool DriverClient::enable(const void* config, size_t size) {
    return config_request(BH_IOCTL_ENABLE, "enable", config, size);
}

bool DriverClient::disable() { return simple_request(BH_IOCTL_DISABLE, "disable"); }

bool DriverClient::cell_create(const void* config, size_t size) {
    return config_request(BH_IOCTL_CELL_CREATE, "cell create", config, size);
}

bool DriverClient::info(bh_ioctl_info& out) {
    if (::ioctl(fd_, BH_IOCTL_INFO, &out) == 0)
        return true;
    error_ = std::string("info failed: ") + std::strerror(errno);
    return false;
}

}  // namespace bh::cli
