// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// `bulkhead config collect DIR`: the target side of config generation on a
// machine without Python. It copies every file that bulkhead-config-create
// (tools/config-create) reads -- /proc/iomem, /proc/ioports, /proc/cmdline,
// /proc/cpuinfo, the CPU masks, the ACPI tables, each PCI device's class,
// vendor, device and config space, DMI identity, the bulkhead enable state --
// into DIR under the same relative paths (proc/iomem, sys/bus/pci/devices/
// 0000:00:1f.0/config, ...). Symbolic links are resolved: the copy holds
// plain files and directories only. The generator then runs anywhere with
//   bulkhead config create --root DIR -o system.c
// Documentation/config-create.md describes the workflow.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace bh::cli {

// One entry of the list of what is collected, relative to the file-system
// root ("proc/iomem"). A pattern may contain one "*" path component, which
// stands for every entry of that directory (e.g. every PCI device).
struct CollectItem {
    const char* pattern;
    bool required;  // collection fails when a required file cannot be read
};

// The list the collector works from; it mirrors what the generator reads.
const std::vector<CollectItem>& config_collect_items();

// Collects from `/` into `out_dir`, which must not exist or be empty.
// Progress and the summary go to `out`, notes about skipped files and errors
// (one line each) to `err`. Returns 0 on success, 1 when a required file
// could not be read or DIR could not be written, 2 on invalid usage (empty
// or non-empty DIR).
int run_config_collect(const std::string& out_dir, std::ostream& out, std::ostream& err);

// The same, reading below `source_root` instead of `/` (tests, chroots).
int run_config_collect_from(const std::string& source_root, const std::string& out_dir, std::ostream& out,
                            std::ostream& err);

}  // namespace bh::cli
