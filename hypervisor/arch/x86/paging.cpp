// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "paging.h"

#include "../../core/hypervisor.h"

namespace bh::x86 {

namespace {

constexpr unsigned level_shift(unsigned level) { return 12 + 9 * (level - 1); }
constexpr uint64_t level_size(unsigned level) { return 1ull << level_shift(level); }
constexpr unsigned index_at(uint64_t virt, unsigned level) { return (virt >> level_shift(level)) & 511; }

uint64_t* table_at(uint64_t entry) { return phys_to_virt<uint64_t>(entry & pte_addr_mask); }

bool table_empty(const uint64_t* table) {
    for (unsigned i = 0; i < 512; ++i)
        if (table[i] & pte_present)
            return false;
    return true;
}

Result<uint64_t> new_table() {
    void* page = BH_TRY(hypervisor().pool.alloc());
    return virt_to_phys(page);
}

}  // namespace

Result<PageTable> PageTable::create(unsigned levels, bool gbpages, bool nested) {
    PageTable t;
    t.levels_ = levels;
    t.gbpages_ = gbpages;
    t.nested_ = nested;
    t.root_phys_ = BH_TRY(new_table());
    return t;
}

PageTable PageTable::adopt(uint64_t root_phys, unsigned levels, bool gbpages, bool nested) {
    PageTable t;
    t.root_phys_ = root_phys;
    t.levels_ = levels;
    t.gbpages_ = gbpages;
    t.nested_ = nested;
    return t;
}

void PageTable::free_table(uint64_t table_phys, unsigned level) {
    uint64_t* table = phys_to_virt<uint64_t>(table_phys);
    if (level > 1)
        for (unsigned i = 0; i < 512; ++i)
            if ((table[i] & pte_present) && !(table[i] & pte_large))
                free_table(table[i] & pte_addr_mask, level - 1);
    hypervisor().pool.free(table);
}

void PageTable::destroy() {
    if (root_phys_ != 0)
        free_table(root_phys_, levels_);
    root_phys_ = 0;
}

Result<void> PageTable::split(uint64_t* entry, unsigned level) {
    uint64_t table_phys = BH_TRY(new_table());
    uint64_t* table = phys_to_virt<uint64_t>(table_phys);
    uint64_t base = *entry & pte_addr_mask & ~(level_size(level) - 1);
    uint64_t flags = *entry & ~pte_addr_mask;
    uint64_t child_flags = level - 1 == 1 ? (flags & ~pte_large) : flags;
    for (unsigned i = 0; i < 512; ++i)
        table[i] = (base + i * level_size(level - 1)) | child_flags;
    uint64_t table_flags = pte_present | pte_write | (nested_ ? pte_user : 0);
    __atomic_store_n(entry, table_phys | table_flags, __ATOMIC_RELEASE);
    return success();
}

Result<uint64_t*> PageTable::walk_to(uint64_t virt, unsigned leaf_level, bool create) {
    uint64_t* table = phys_to_virt<uint64_t>(root_phys_);
    for (unsigned level = levels_; level > leaf_level; --level) {
        uint64_t* entry = &table[index_at(virt, level)];
        if (!(*entry & pte_present)) {
            if (!create)
                return Errc::noent;
            uint64_t phys = BH_TRY(new_table());
            *entry = phys | pte_present | pte_write | (nested_ ? pte_user : 0);
        } else if (*entry & pte_large) {
            BH_TRY(split(entry, level));
        }
        table = table_at(*entry);
    }
    return &table[index_at(virt, leaf_level)];
}

Result<void> PageTable::map(uint64_t virt, uint64_t phys, uint64_t size, uint64_t flags) {
    uint64_t leaf_flags = (flags & (pte_write | pte_nx | pte_pcd | pte_pwt)) | pte_present |
                          (nested_ ? pte_user : 0);
    while (size > 0) {
        unsigned level = 1;
        for (unsigned candidate : {3u, 2u}) {
            if (candidate == 3 && !gbpages_)
                continue;
            uint64_t s = level_size(candidate);
            if ((virt & (s - 1)) == 0 && (phys & (s - 1)) == 0 && size >= s) {
                level = candidate;
                break;
            }
        }
        uint64_t* entry = BH_TRY(walk_to(virt, level, true));
        *entry = phys | leaf_flags | (level > 1 ? pte_large : 0);
        merge(virt, level);
        virt += level_size(level);
        phys += level_size(level);
        size -= level_size(level);
    }
    return success();
}

// A table whose 512 entries are leaves mapping one contiguous, aligned
// range with the same flags becomes one large leaf in its parent (the root
// regaining a region a cell had split). `virt` and `level` name the leaf
// just written; merging goes up while it can.
void PageTable::merge(uint64_t virt, unsigned level) {
    for (unsigned l = level; l + 1 <= (gbpages_ ? 3u : 2u); ++l) {
        // The parent entry, at level l + 1, of the table holding virt's level-l entry.
        uint64_t* table = phys_to_virt<uint64_t>(root_phys_);
        uint64_t* parent = nullptr;
        for (unsigned walk = levels_; walk > l; --walk) {
            parent = &table[index_at(virt, walk)];
            if (!(*parent & pte_present) || (*parent & pte_large))
                return;
            table = table_at(*parent);
        }
        // Accessed/dirty bits are the walker's, not ours: they do not count.
        constexpr uint64_t walker_bits = (1ull << 5) | (1ull << 6);
        uint64_t first = table[0] & ~walker_bits;
        if (!(first & pte_present) || (l > 1 && !(first & pte_large)))
            return;
        uint64_t base = first & pte_addr_mask & ~(level_size(l) - 1);
        uint64_t flags = first & ~pte_addr_mask;
        if (base & (level_size(l + 1) - 1))
            return;
        for (unsigned i = 1; i < 512; ++i)
            if ((table[i] & ~walker_bits) != ((base + i * level_size(l)) | flags))
                return;
        __atomic_store_n(parent, base | flags | pte_large, __ATOMIC_RELEASE);
        hypervisor().pool.free(table);
    }
}

// After an entry at `level` was cleared: a table left empty goes back to
// the pool, and so may its parent (never the root). path[l] is the entry at
// level l on the way down. Callers flush the TLBs before the pool can hand
// the page out again.
void PageTable::release_emptied(uint64_t* const* path, unsigned level) {
    for (unsigned l = level; l < levels_; ++l) {
        uint64_t* emptied = table_at(*path[l + 1]);
        if (!table_empty(emptied))
            break;
        *path[l + 1] = 0;
        hypervisor().pool.free(emptied);
    }
}

Result<void> PageTable::unmap(uint64_t virt, uint64_t size) {
    uint64_t end = virt + size;
    while (virt < end) {
        // Remove whole large pages that lie inside the range; split others.
        // path[l]: the entry at level l on the way down.
        uint64_t* path[6]{};
        uint64_t* table = phys_to_virt<uint64_t>(root_phys_);
        unsigned level = levels_;
        for (;;) {
            uint64_t* entry = &table[index_at(virt, level)];
            path[level] = entry;
            if (!(*entry & pte_present)) {
                virt = (virt & ~(level_size(level) - 1)) + level_size(level);
                break;
            }
            bool leaf = level == 1 || (*entry & pte_large);
            bool covered = (virt & (level_size(level) - 1)) == 0 && end - virt >= level_size(level);
            if (covered) {
                // A whole leaf or subtree inside the range; a subtree's
                // tables go back to the pool.
                uint64_t old = *entry;
                *entry = 0;
                if (!leaf)
                    free_table(old & pte_addr_mask, level - 1);
                virt += level_size(level);
                release_emptied(path, level);
                break;
            }
            if (leaf)
                BH_TRY(split(entry, level));
            table = table_at(*entry);
            --level;
        }
    }
    return success();
}

}  // namespace bh::x86
