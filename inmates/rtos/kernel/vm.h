// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Page tables. The kernel's own tables replace the library's boot identity
// map: 4-level, the cell's RAM identity-mapped with 2 MiB global pages
// (supervisor only), plus the communication page and, in xAPIC mode, the
// APIC page (uncached). An AddressSpace is a PML4 of its own whose kernel
// half points at the kernel's shared page directories and whose user part
// [abi::user_base, abi::user_top) has its own 4 KiB page tables, with
// frames from the page allocator that belong to it alone.
#pragma once

#include <stdint.h>

#include <bh/result.h>

#include "abi.h"
#include "frames.h"

namespace bh::rtos {

namespace pte {
inline constexpr uint64_t present = 1ull << 0;
inline constexpr uint64_t write = 1ull << 1;
inline constexpr uint64_t user = 1ull << 2;
inline constexpr uint64_t pwt = 1ull << 3;
inline constexpr uint64_t pcd = 1ull << 4;
inline constexpr uint64_t large = 1ull << 7;
inline constexpr uint64_t global = 1ull << 8;
inline constexpr uint64_t nx = 1ull << 63;
inline constexpr uint64_t address_mask = 0x000ffffffffff000ull;
}  // namespace pte

// Builds the kernel's tables and switches to them. `comm_page` and
// `apic_page` are mapped when not 0.
Result<void> kernel_space_init(uint64_t ram_end, uint64_t comm_page, uint64_t apic_page);
// Maps [address, address + size) (page aligned) for the kernel: shared
// memory such as a channel region, read/write, NX, write-back like the peer
// maps it. Before any address space exists (they share the kernel's page
// directories as they are then). Errc::exist when it overlaps RAM.
Result<void> kernel_map_shared(uint64_t address, uint64_t size);
uint64_t kernel_pml4();
// NX bit for the kernel's and users' data pages (0 without NX support).
uint64_t nx_bit();

class AddressSpace {
public:
    static constexpr uint32_t kUserPages = (abi::user_top - abi::user_base) / kPageSize;

    Result<void> create();
    // Frees every frame it owns (tables included).
    void destroy();
    bool exists() const { return pml4_ != 0; }

    // Maps a fresh zeroed frame at `va` (page-aligned, in the user window)
    // with `flags` (pte::write, nx_bit()); returns the frame.
    Result<uint64_t> map_new(uint64_t va, uint64_t flags);
    // Loads a user image (abi::ImageHeader first). Returns the entry.
    Result<uint64_t> load_image(const uint8_t* image, uint64_t size);
    // Maps the next thread stack (abi::user_stack_stride below the previous
    // one); returns its top. Errc::nospc when it would reach the image.
    Result<uint64_t> map_stack();

    // Whether [va, va + length) is mapped user memory (writable if asked).
    bool user_range_ok(uint64_t va, uint64_t length, bool writable) const;
    // The frame behind a mapped user page, or 0.
    uint64_t frame_of(uint64_t va) const;

    uint64_t cr3() const { return pml4_; }
    uint64_t frames_owned() const { return frames_owned_; }

private:
    uint64_t* page_table() const { return reinterpret_cast<uint64_t*>(pt_); }

    uint64_t pml4_ = 0;
    uint64_t pdpt_ = 0;
    uint64_t pd_ = 0;
    uint64_t pt_ = 0;  // one page table: the user window is 2 MiB
    uint64_t frames_owned_ = 0;
    uint64_t image_end_ = 0;  // bss end
    uint32_t stacks_ = 0;
};

}  // namespace bh::rtos
