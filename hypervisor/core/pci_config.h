// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// PCI configuration space as each cell sees it. The hypervisor owns ports
// 0xCF8-0xCFF on every CPU: each CPU has its own address latch (0xCF8), and
// the data port's accesses are carried out by the hypervisor under one lock.
//   - The root cell reaches every device except those cells own, which read
//     as absent (all ones) and ignore writes, through the ports and, where
//     the platform has one, through the ECAM window (their 4 KiB page there
//     is replaced by a read-only page of ones). Its writes through the ports
//     that would leave a device's MSI enabled towards a CPU that is not the
//     root's are dropped (its ECAM writes are not intercepted).
//   - A non-root cell reads its own devices (through the policy of pci.h)
//     and sees no other device; a config write it may not make (to another
//     device, or one the policy refuses) fails the cell, like a port it was
//     not given.
#pragma once

#include <stdint.h>

#include <bh/result.h>

#include "config_validator.h"

namespace bh {

struct Cell;
struct PerCpu;

// What a config-space port access came to.
struct PciPortOutcome {
    const char* refusal{};  // a cell's forbidden write: why (the cell fails)
    uint16_t bdf{};
    uint16_t offset{};
    bool hidden{};  // the root touched a device a cell owns (report it)
    const char* root_refusal{};  // a root write dropped (an MSI to a CPU not the root's): why
};

// An IN (`value` is set) or OUT (`value` is written) of `size` bytes at
// `port` in [0xcf8, 0xcff] by `cpu`'s guest.
PciPortOutcome pci_port_access(PerCpu& cpu, uint16_t port, bool in, uint8_t size, uint32_t& value);

// Cell create, before anything changes: every device of the cell exists and
// has a type-0 header. Prints why not.
Result<void> pci_check_devices(const config::CellView& cell);
// Cell create, once nothing can fail: the devices leave the root (quiet,
// hidden from it). Destroy: they come back to it, quiet.
void pci_take_devices(Cell& cell);
void pci_return_devices(Cell& cell);
// The cell stopped (shut down, failed, about to be restarted): its devices
// stop decoding, mastering and interrupting.
void pci_quiesce_devices(const Cell& cell);

// The root's ECAM page of `bdf` is hidden from it (a cell owns the device).
bool pci_hidden_from_root(uint16_t bdf);

}  // namespace bh
