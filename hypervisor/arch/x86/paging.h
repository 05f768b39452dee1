// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// x86-64 page tables, 4- or 5-level, for the hypervisor's own address space
// and for nested paging (NPT uses the same format, with U/S set at every
// level because the nested walk is a user access).
#pragma once

#include <stdint.h>

#include <bh/result.h>

namespace bh::x86 {

inline constexpr uint64_t pte_present = 1ull << 0;
inline constexpr uint64_t pte_write = 1ull << 1;
inline constexpr uint64_t pte_user = 1ull << 2;
inline constexpr uint64_t pte_pwt = 1ull << 3;
inline constexpr uint64_t pte_pcd = 1ull << 4;
inline constexpr uint64_t pte_large = 1ull << 7;
inline constexpr uint64_t pte_nx = 1ull << 63;
inline constexpr uint64_t pte_addr_mask = 0x000ffffffffff000ull;

class PageTable {
public:
    // levels: 4 or 5; gbpages: 1 GiB leaves allowed.
    static Result<PageTable> create(unsigned levels, bool gbpages, bool nested);

    // The tables rooted at `root_phys`, made by create() with these settings.
    static PageTable adopt(uint64_t root_phys, unsigned levels, bool gbpages, bool nested);

    uint64_t root_phys() const { return root_phys_; }

    // Give every table page back to the pool (the mapped memory is not
    // touched). The object is empty afterwards.
    void destroy();

    // Map [virt, virt + size) to [phys, ...) with `flags` (pte_write, pte_nx,
    // pte_pcd...), using the largest pages alignment allows. All page
    // aligned. Fails only when the pool runs out.
    Result<void> map(uint64_t virt, uint64_t phys, uint64_t size, uint64_t flags);

    // Remove a page-aligned range, splitting large pages as needed; tables
    // left empty go back to the pool (the caller flushes TLBs before it
    // allocates again). map() merges a table that became one contiguous
    // range with uniform flags back into a large page.
    Result<void> unmap(uint64_t virt, uint64_t size);

private:
    Result<uint64_t*> walk_to(uint64_t virt, unsigned leaf_level, bool create);
    Result<void> split(uint64_t* entry, unsigned level);
    void free_table(uint64_t table_phys, unsigned level);
    void merge(uint64_t virt, unsigned level);
    void release_emptied(uint64_t* const* path, unsigned level);

    uint64_t root_phys_ = 0;
    unsigned levels_ = 4;
    bool gbpages_ = false;
    bool nested_ = false;
};

}  // namespace bh::x86
