// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "frames.h"

#include <inmate/inmate.h>

namespace bh::rtos {

namespace {
FrameAllocator allocator;
}

FrameAllocator& frames() { return allocator; }

Result<void> FrameAllocator::init(uint64_t ram_end) {
    uint64_t count = ram_end / kPageSize;
    if (count == 0 || count > kMaxFrames)
        return Errc::range;
    frames_ = count;
    free_ = 0;
    hint_ = count;
    for (uint64_t& word : bitmap_)
        word = 0;
    return success();
}

void FrameAllocator::set_free(uint64_t frame, bool free) {
    uint64_t bit = 1ull << (frame % 64);
    if (free)
        bitmap_[frame / 64] |= bit;
    else
        bitmap_[frame / 64] &= ~bit;
}

void FrameAllocator::release_range(uint64_t start, uint64_t end) {
    uint64_t first = (start + kPageSize - 1) / kPageSize;
    uint64_t last = end / kPageSize;
    if (last > frames_)
        last = frames_;
    for (uint64_t f = first; f < last; ++f) {
        if (!is_free(f)) {
            set_free(f, true);
            ++free_;
        }
    }
    if (first < hint_)
        hint_ = first;
}

Result<uint64_t> FrameAllocator::alloc() { return alloc_contiguous(1); }

Result<uint64_t> FrameAllocator::alloc_contiguous(uint64_t count) {
    if (count == 0 || count > free_)
        return Errc::nomem;
    uint64_t run = 0;
    for (uint64_t f = hint_; f < frames_; ++f) {
        if (!is_free(f)) {
            run = 0;
            continue;
        }
        if (++run < count)
            continue;
        uint64_t first = f + 1 - count;
        for (uint64_t g = first; g <= f; ++g)
            set_free(g, false);
        free_ -= count;
        if (first == hint_)
            hint_ = f + 1;
        void* p = reinterpret_cast<void*>(first * kPageSize);
        memset(p, 0, count * kPageSize);
        return first * kPageSize;
    }
    return Errc::nomem;
}

void FrameAllocator::free(uint64_t address, uint64_t count) {
    uint64_t first = address / kPageSize;
    for (uint64_t f = first; f < first + count && f < frames_; ++f) {
        if (!is_free(f)) {
            set_free(f, true);
            ++free_;
        }
    }
    if (first < hint_)
        hint_ = first;
}

}  // namespace bh::rtos
