// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Physical page allocator over the cell's RAM: one bit per 4 KiB frame of
// [0, ram_end). Frames start out reserved; the kernel frees the usable
// range (everything above its image) once at boot. The kernel reaches every
// frame through its identity map, so a frame's physical address is also a
// pointer to it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <bh/result.h>

namespace bh::rtos {

inline constexpr uint64_t kPageSize = 4096;

class FrameAllocator {
public:
    // Up to 256 MiB of RAM (a cell of the QEMU PC has 16 MiB).
    static constexpr uint64_t kMaxFrames = 65536;

    // Every frame of [0, ram_end) reserved, none free.
    Result<void> init(uint64_t ram_end);
    // Makes [start, end) (page-aligned inward) allocatable.
    void release_range(uint64_t start, uint64_t end);

    // One frame, zeroed. Errc::nomem when none is left.
    Result<uint64_t> alloc();
    // `count` contiguous frames, zeroed, lowest fit.
    Result<uint64_t> alloc_contiguous(uint64_t count);
    void free(uint64_t address, uint64_t count = 1);

    uint64_t total_frames() const { return frames_; }
    uint64_t free_frames() const { return free_; }
    uint64_t ram_end() const { return frames_ * kPageSize; }

private:
    bool is_free(uint64_t frame) const { return bitmap_[frame / 64] & (1ull << (frame % 64)); }
    void set_free(uint64_t frame, bool free);

    uint64_t bitmap_[kMaxFrames / 64] = {};  // 1 = free
    uint64_t frames_ = 0;
    uint64_t free_ = 0;
    uint64_t hint_ = 0;  // no free frame below this one
};

FrameAllocator& frames();

}  // namespace bh::rtos
