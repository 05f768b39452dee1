// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "page_pool.h"



namespace bh {

namespace {
constexpr uint64_t page_size = 4096;
}

void PagePool::init(uint64_t base, size_t pages) {
    base_ = base;
    pages_ = pages < max_pages ? pages : max_pages;
    used_ = 0;
    for (uint64_t& word : bitmap_)
        word = 0;
}

Result<void*> PagePool::alloc(size_t count) {
    if (count == 0)
        return Errc::inval;
    size_t step = (count & (count - 1)) == 0 ? count : 1;
    LockGuard guard(lock_);
    for (size_t start = 0; start + count <= pages_; start += step) {
        size_t i = 0;
        while (i < count && !is_used(start + i))
            ++i;
        if (i < count)
            continue;
        for (i = 0; i < count; ++i)
            set_used(start + i, true);
        used_ += count;
        void* p = reinterpret_cast<void*>(base_ + start * page_size);
        __builtin_memset(p, 0, count * page_size);
        return p;
    }
    return Errc::nomem;
}

void PagePool::free(void* page, size_t count) {
    size_t start = (reinterpret_cast<uint64_t>(page) - base_) / page_size;
    LockGuard guard(lock_);
    for (size_t i = 0; i < count && start + i < pages_; ++i) {
        if (is_used(start + i)) {
            set_used(start + i, false);
            --used_;
        }
    }
}

}  // namespace bh
