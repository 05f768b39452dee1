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

bool DriverClient::enable(const void* config, size_t size) {
    return config_request(BH_IOCTL_ENABLE, "enable", config, size);
}

bool DriverClient::disable() {
    char message[BH_IOCTL_MESSAGE_MAX] = {};
    bh_ioctl_message arg{};
    arg.message_address = reinterpret_cast<uintptr_t>(message);
    arg.message_size = sizeof(message);
    if (::ioctl(fd_, BH_IOCTL_DISABLE, &arg) == 0)
        return true;
    int e = errno;
    error_ = std::string("disable refused: ") + (message[0] ? message : std::strerror(e)) + " (" +
             std::strerror(e) + ")";
    return false;
}

bool DriverClient::cell_create(const void* config, size_t size) {
    return config_request(BH_IOCTL_CELL_CREATE, "cell create", config, size);
}

namespace {
bh_ioctl_cell_id cell_by_name(const std::string& name) {
    bh_ioctl_cell_id id{};
    id.id = -1;
    std::strncpy(id.name, name.c_str(), sizeof(id.name) - 1);
    return id;
}
}  // namespace

bool DriverClient::cell_load(const std::string& name, const std::vector<Image>& images, const std::string* args) {
    char message[BH_IOCTL_MESSAGE_MAX] = {};
    bh_ioctl_cell_load arg{};
    arg.cell = cell_by_name(name);
    arg.num_images = static_cast<uint32_t>(images.size());
    arg.args_address = args ? reinterpret_cast<uintptr_t>(args->c_str()) : 0;
    arg.message_address = reinterpret_cast<uintptr_t>(message);
    arg.message_size = sizeof(message);
    for (size_t i = 0; i < images.size() && i < BH_IOCTL_MAX_IMAGES; ++i) {
        arg.images[i].source_address = reinterpret_cast<uintptr_t>(images[i].bytes.data());
        arg.images[i].size = images[i].bytes.size();
        arg.images[i].target_address = images[i].target;
    }
    if (::ioctl(fd_, BH_IOCTL_CELL_LOAD, &arg) == 0)
        return true;
    int e = errno;
    error_ = std::string("cell load refused: ") + (message[0] ? message : std::strerror(e)) + " (" +
             std::strerror(e) + ")";
    return false;
}

bool DriverClient::cell_request(unsigned long request, const char* what, const std::string& name) {
    char message[BH_IOCTL_MESSAGE_MAX] = {};
    bh_ioctl_cell_request arg{};
    arg.cell = cell_by_name(name);
    arg.message_address = reinterpret_cast<uintptr_t>(message);
    arg.message_size = sizeof(message);
    if (::ioctl(fd_, request, &arg) == 0)
        return true;
    int e = errno;
    error_ = std::string(what) + " refused: " + (message[0] ? message : std::strerror(e)) + " (" +
             std::strerror(e) + ")";
    return false;
}

bool DriverClient::info(bh_ioctl_info& out) {
    if (::ioctl(fd_, BH_IOCTL_INFO, &out) == 0)
        return true;
    error_ = std::string("info failed: ") + std::strerror(errno);
    return false;
}

}  // namespace bh::cli
