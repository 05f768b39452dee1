// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// `bulkhead channel send ID FILE|-` writes the whole input as one
// transaction to /dev/bulkhead-channel<ID>; `bulkhead channel recv ID
// [FILE]` reads one transaction and writes it to FILE (default stdout).
// The device does the protocol, the waiting and the timeouts
// (Documentation/channels.md); this only moves bytes and explains errors.
#include "channel_commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <bulkhead/mailbox.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace bh::cli {
namespace {

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_invalid = 2;

std::string device_path(unsigned id) { return "/dev/bulkhead-channel" + std::to_string(id); }

const char* errno_name(int e) {
    switch (e) {
    case EMSGSIZE: return "EMSGSIZE";
    case EINVAL: return "EINVAL";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EPIPE: return "EPIPE";
    case ENODEV: return "ENODEV";
    case ENOENT: return "ENOENT";
    case EPROTO: return "EPROTO";
    case EBUSY: return "EBUSY";
    case EINTR: return "EINTR";
    default: return "E?";
    }
}

void report(unsigned id, const char* what, int e) {
    std::cerr << "bulkhead: channel " << id << ": " << what << ": " << std::strerror(e) << " (" << errno_name(e)
              << ")\n";
}

// All of fd, up to limit bytes (one more tells "too large").
bool read_all(int fd, std::vector<char>& out, size_t limit) {
    out.clear();
    char chunk[65536];
    while (out.size() <= limit) {
        ssize_t n = ::read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        if (n == 0)
            break;
        out.insert(out.end(), chunk, chunk + n);
    }
    return true;
}

int cmd_send(unsigned id, const std::string& file) {
    int in = file == "-" ? STDIN_FILENO : ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        std::cerr << "bulkhead: " << file << ": " << std::strerror(errno) << "\n";
        return exit_invalid;
    }
    std::vector<char> data;
    // Read past the device's maximum, so that the device refuses it (EMSGSIZE).
    bool ok = read_all(in, data, BH_CHANNEL_MAX_TRANSACTION);
    int read_errno = errno;
    if (in != STDIN_FILENO)
        ::close(in);
    if (!ok) {
        std::cerr << "bulkhead: " << file << ": " << std::strerror(read_errno) << "\n";
        return exit_invalid;
    }
    int dev = ::open(device_path(id).c_str(), O_RDWR | O_CLOEXEC);
    if (dev < 0) {
        report(id, ("open " + device_path(id)).c_str(), errno);
        return exit_failed;
    }
    ssize_t n = ::write(dev, data.data(), data.size());
    int e = errno;
    ::close(dev);
    if (n < 0) {
        report(id, ("send of " + std::to_string(data.size()) + " bytes").c_str(), e);
        return exit_failed;
    }
    return exit_ok;
}

int cmd_recv(unsigned id, const std::string& file, size_t buffer_size) {
    int dev = ::open(device_path(id).c_str(), O_RDWR | O_CLOEXEC);
    if (dev < 0) {
        report(id, ("open " + device_path(id)).c_str(), errno);
        return exit_failed;
    }
    std::vector<char> buffer(buffer_size);
    ssize_t n = ::read(dev, buffer.data(), buffer.size());
    int e = errno;
    ::close(dev);
    if (n < 0) {
        report(id, ("receive into " + std::to_string(buffer_size) + " bytes").c_str(), e);
        return exit_failed;
    }
    int out = file.empty() || file == "-" ? STDOUT_FILENO
                                          : ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        std::cerr << "bulkhead: " << file << ": " << std::strerror(errno) << "\n";
        return exit_failed;
    }
    for (ssize_t done = 0; done < n;) {
        ssize_t w = ::write(out, buffer.data() + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            std::cerr << "bulkhead: " << (file.empty() ? "stdout" : file) << ": " << std::strerror(errno) << "\n";
            return exit_failed;
        }
        done += w;
    }
    if (out != STDOUT_FILENO)
        ::close(out);
    return exit_ok;
}

}  // namespace

void add_channel_commands(CLI::App& app, int& rc) {
    auto* channel = app.add_subcommand("channel", "Send or receive one transaction over a channel to a cell");
    channel->require_subcommand(1);

    auto* send = channel->add_subcommand("send", "Send FILE (or stdin: -) as one transaction, at most 1 MiB");
    static unsigned send_id = 0;
    static std::string send_file;
    send->add_option("ID", send_id, "Channel id (/dev/bulkhead-channel<ID>)")->required();
    send->add_option("FILE", send_file, "Input file, - for stdin")->required();
    send->callback([&rc] { rc = cmd_send(send_id, send_file); });

    auto* recv = channel->add_subcommand("recv", "Receive one transaction into FILE (default stdout)");
    static unsigned recv_id = 0;
    static std::string recv_file;
    static size_t recv_buffer = BH_CHANNEL_MAX_TRANSACTION;
    recv->add_option("ID", recv_id, "Channel id (/dev/bulkhead-channel<ID>)")->required();
    recv->add_option("FILE", recv_file, "Output file, - or none for stdout");
    recv->add_option("--buffer", recv_buffer, "read() buffer size in bytes (a smaller transaction fits)")
        ->check(CLI::Range(size_t{1}, size_t{BH_CHANNEL_MAX_TRANSACTION}));
    recv->callback([&rc] { rc = cmd_recv(recv_id, recv_file, recv_buffer); });
}

}  // namespace bh::cli
