// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// PCI configuration space through ports 0xCF8/0xCFC (the mechanism a
// bulkhead cell is given: the hypervisor filters it, Documentation/cells.md),
// and the few things inmates do with it.
#pragma once

#include <stdint.h>

#include "inmate.h"

namespace inmate::pci {

inline constexpr uint16_t none = 0xffff;  // no such bus/device/function
inline constexpr uint8_t cap_msi = 0x05;
inline constexpr uint8_t cap_vendor = 0x09;

uint32_t read32(uint16_t bdf, uint16_t offset);
uint16_t read16(uint16_t bdf, uint16_t offset);
void write32(uint16_t bdf, uint16_t offset, uint32_t value);
void write16(uint16_t bdf, uint16_t offset, uint16_t value);

// The first function on bus 0 with this vendor and device id, from `from`
// on (to find the next ones); none if there is none.
uint16_t find(uint16_t vendor, uint16_t device, uint16_t from = 0);
// The offset of the first capability with `id`, or 0.
uint8_t find_capability(uint16_t bdf, uint8_t id);
// Memory BAR `index` (32- or 64-bit): its address and size, measured as an
// OS does (all ones written with decoding off, the mask read back, the BAR
// and the command register restored). False for an I/O BAR.
bool memory_bar(uint16_t bdf, unsigned index, uint64_t& address, uint64_t& size);
// Program the MSI capability at `msi` with one message to `apic_id`
// (physical, fixed delivery) and enable it.
void enable_msi(uint16_t bdf, uint8_t msi, uint32_t apic_id, uint8_t vector);
// "bb:dd.f"
Field bdf_text(uint16_t bdf);

}  // namespace inmate::pci
