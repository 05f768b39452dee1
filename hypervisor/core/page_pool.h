// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The hypervisor's only allocator: 4 KiB pages from the end of hypervisor
// memory, tracked by a bitmap. Pages come back zeroed.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <bh/result.h>
#include <bh/spinlock.h>

namespace bh {

class PagePool {
public:
    static constexpr size_t max_pages = 64 * 1024;  // 256 MiB of pool at most

    // `base` is the pool's virtual address, page aligned.
    void init(uint64_t base, size_t pages);

    // `count` contiguous pages, aligned to `count` pages when it is a power
    // of two (the IOPM and MSRPM need physically contiguous pages).
    Result<void*> alloc(size_t count = 1);
    void free(void* page, size_t count = 1);

    size_t total_pages() const { return pages_; }
    size_t used_pages() const { return used_; }

private:
    bool is_used(size_t i) const { return (bitmap_[i / 64] >> (i % 64)) & 1; }
    void set_used(size_t i, bool used) {
        if (used)
            bitmap_[i / 64] |= 1ull << (i % 64);
        else
            bitmap_[i / 64] &= ~(1ull << (i % 64));
    }

    SpinLock lock_;
    uint64_t base_ = 0;
    size_t pages_ = 0;
    size_t used_ = 0;
    uint64_t bitmap_[max_pages / 64] = {};
};

}  // namespace bh
