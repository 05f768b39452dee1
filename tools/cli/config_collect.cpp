// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// `bulkhead config collect DIR` (see config_collect.h).
//
// Files under /proc and /sys report a size of 0 or 4096 whatever they hold,
// so every file is read to its end with read(2) rather than copied by size,
// and a read error is told apart from the end of the file.
#include "config_collect.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace bh::cli {

namespace fs = std::filesystem;

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_invalid = 2;

// No file the generator reads comes close; this only bounds a mistake.
constexpr size_t max_file_size = 64u << 20;

struct ReadResult {
    bool ok = false;
    int error = 0;  // errno when !ok
    std::string bytes;
};

ReadResult read_whole_file(const fs::path& path) {
    ReadResult result;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        result.error = errno;
        return result;
    }
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof(buffer));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            result.error = errno;
            ::close(fd);
            return result;
        }
        if (n == 0)
            break;
        result.bytes.append(buffer, static_cast<size_t>(n));
        if (result.bytes.size() > max_file_size) {
            result.error = EFBIG;
            ::close(fd);
            return result;
        }
    }
    ::close(fd);
    result.ok = true;
    return result;
}

bool write_whole_file(const fs::path& path, const std::string& bytes, std::string& error) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) {
        error = "cannot create " + path.parent_path().string() + ": " + ec.message();
        return false;
    }
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    if (!file) {
        error = "cannot create " + path.string() + ": " + std::strerror(errno);
        return false;
    }
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    file.close();
    if (!file) {
        error = "cannot write " + path.string();
        return false;
    }
    return true;
}

std::vector<std::string> split_path(const std::string& pattern) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= pattern.size()) {
        size_t slash = pattern.find('/', start);
        if (slash == std::string::npos)
            slash = pattern.size();
        if (slash > start)
            parts.push_back(pattern.substr(start, slash - start));
        start = slash + 1;
    }
    return parts;
}

// Expands a pattern into relative paths that exist below `root`. A "*"
// component lists that directory (following symbolic links, as the sysfs
// device lists are links); a final "*" keeps regular files only.
std::vector<std::string> expand(const fs::path& root, const std::string& pattern) {
    std::vector<std::string> current{""};
    std::vector<std::string> parts = split_path(pattern);
    for (size_t i = 0; i < parts.size(); ++i) {
        bool last = i + 1 == parts.size();
        std::vector<std::string> next;
        for (const std::string& prefix : current) {
            if (parts[i] != "*") {
                next.push_back(prefix.empty() ? parts[i] : prefix + "/" + parts[i]);
                continue;
            }
            std::error_code ec;
            fs::directory_iterator it(root / prefix, ec);
            if (ec)
                continue;
            std::vector<std::string> names;
            for (const fs::directory_entry& entry : it) {
                std::error_code type_ec;
                if (last && !fs::is_regular_file(entry.path(), type_ec))
                    continue;
                if (!last && !fs::is_directory(entry.path(), type_ec))
                    continue;
                names.push_back(entry.path().filename().string());
            }
            std::sort(names.begin(), names.end());
            for (const std::string& name : names)
                next.push_back(prefix.empty() ? name : prefix + "/" + name);
        }
        current = std::move(next);
    }
    return current;
}

bool is_glob(const std::string& pattern) { return pattern.find('*') != std::string::npos; }

}  // namespace

const std::vector<CollectItem>& config_collect_items() {
    static const std::vector<CollectItem> items = {
        {"proc/iomem", true},
        {"proc/ioports", true},
        {"proc/cmdline", true},
        {"proc/cpuinfo", true},
        {"proc/sys/kernel/hostname", false},
        {"proc/tty/driver/serial", false},
        {"sys/devices/system/cpu/possible", true},
        {"sys/devices/system/cpu/present", false},
        {"sys/devices/system/cpu/online", false},
        {"sys/firmware/acpi/tables/*", false},
        {"sys/bus/pci/devices/*/class", false},
        {"sys/bus/pci/devices/*/vendor", false},
        {"sys/bus/pci/devices/*/device", false},
        {"sys/bus/pci/devices/*/subsystem_vendor", false},
        {"sys/bus/pci/devices/*/subsystem_device", false},
        {"sys/bus/pci/devices/*/revision", false},
        {"sys/bus/pci/devices/*/resource", false},
        {"sys/bus/pci/devices/*/config", false},
        {"sys/class/dmi/id/sys_vendor", false},
        {"sys/class/dmi/id/product_name", false},
        {"sys/class/dmi/id/product_version", false},
        {"sys/class/dmi/id/board_vendor", false},
        {"sys/class/dmi/id/board_name", false},
        {"sys/class/dmi/id/bios_vendor", false},
        {"sys/class/dmi/id/bios_version", false},
        {"sys/class/dmi/id/bios_date", false},
        {"sys/devices/bulkhead/enabled", false},
    };
    return items;
}

int run_config_collect_from(const std::string& source_root, const std::string& out_dir, std::ostream& out,
                            std::ostream& err) {
    const char* prog = "bulkhead config collect";
    if (out_dir.empty()) {
        err << prog << ": usage: bulkhead config collect DIR (a new or empty directory)\n";
        return exit_invalid;
    }
    const fs::path root = source_root.empty() ? fs::path("/") : fs::path(source_root);
    const fs::path dest(out_dir);
    std::error_code ec;
    if (fs::exists(dest, ec)) {
        if (!fs::is_directory(dest, ec)) {
            err << prog << ": " << out_dir << " exists and is not a directory: name a new directory\n";
            return exit_invalid;
        }
        if (!fs::is_empty(dest, ec)) {
            err << prog << ": " << out_dir
                << " is not empty: name a new directory, so that no stale file of another machine is mixed in\n";
            return exit_invalid;
        }
    }
    fs::create_directories(dest, ec);
    if (ec) {
        err << prog << ": cannot create " << out_dir << ": " << ec.message() << "\n";
        return exit_failed;
    }
    if (root == fs::path("/") && ::geteuid() != 0)
        err << prog << ": note: not running as root: /proc/iomem shows zero addresses and the ACPI tables "
                       "are unreadable to other users; run it as root\n";

    size_t copied = 0, skipped = 0, bytes = 0;
    bool required_missing = false;
    for (const CollectItem& item : config_collect_items()) {
        std::vector<std::string> paths = expand(root, item.pattern);
        if (paths.empty()) {
            // A glob over a directory that does not exist: no ACPI, no PCI.
            out << "  absent: " << item.pattern << "\n";
            continue;
        }
        for (const std::string& rel : paths) {
            const fs::path source = root / rel;
            std::error_code exists_ec;
            if (!fs::exists(source, exists_ec)) {
                if (item.required) {
                    err << prog << ": required file " << source.string() << " does not exist\n";
                    required_missing = true;
                } else if (!is_glob(item.pattern)) {
                    out << "  absent: " << rel << "\n";
                }
                continue;
            }
            ReadResult content = read_whole_file(source);
            if (!content.ok) {
                err << prog << ": " << (item.required ? "cannot read required file " : "skipped unreadable ")
                    << source.string() << ": " << std::strerror(content.error) << "\n";
                if (item.required)
                    required_missing = true;
                ++skipped;
                continue;
            }
            std::string error;
            if (!write_whole_file(dest / rel, content.bytes, error)) {
                err << prog << ": " << error << "\n";
                return exit_failed;
            }
            ++copied;
            bytes += content.bytes.size();
        }
    }
    if (required_missing) {
        err << prog << ": incomplete: a required file is missing, the generator cannot use " << out_dir << "\n";
        return exit_failed;
    }
    out << "collected " << copied << " files (" << bytes << " bytes) into " << out_dir;
    if (skipped != 0)
        out << ", skipped " << skipped << " unreadable";
    out << "\nnext, on any machine with Python 3 and jinja2: bulkhead config create --root " << out_dir
        << " -o system.c\n";
    return exit_ok;
}

int run_config_collect(const std::string& out_dir, std::ostream& out, std::ostream& err) {
    return run_config_collect_from("/", out_dir, out, err);
}

}  // namespace bh::cli
