// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Reading a guest's memory from host mode, for instruction fetch without
// decode assists: guest-virtual -> guest-physical through the guest's own
// page tables (4- or 5-level, read through the nested tables), then
// guest-physical -> host-physical through the cell's NPT, then a load
// through the hypervisor's identity map of physical memory.
//
// Every step refuses what is not mapped: the hypervisor never reads memory
// on a cell's behalf that the cell could not read itself, nor memory outside
// its own identity map.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <bh/result.h>

namespace bh::x86 {

struct GuestPaging {
    uint64_t cr3;         // the guest's CR3
    bool la57;            // the guest's CR4.LA57: 5-level guest tables
    uint64_t npt_root;    // host-physical root of the cell's nested tables
    unsigned npt_levels;  // 4 or 5
    uint64_t host_limit;  // the hypervisor's identity map covers [0, host_limit)
};

// Host-physical address of guest-physical `gpa`, if the NPT maps it.
Result<uint64_t> npt_translate(const GuestPaging& p, uint64_t gpa);

// Guest-physical address of guest-virtual `gva` (64-bit paging only).
Result<uint64_t> guest_translate(const GuestPaging& p, uint64_t gva);

// Copy up to `size` bytes from guest-virtual `gva` (pages may differ in
// mapping). Returns how many bytes were readable from the start: the copy
// stops at the first page that is not mapped.
size_t read_guest_virtual(const GuestPaging& p, uint64_t gva, uint8_t* out, size_t size);

}  // namespace bh::x86
