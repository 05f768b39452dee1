// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "vm.h"

#include <inmate/inmate.h>

#include "arch.h"

namespace bh::rtos {
namespace {

constexpr uint64_t kGiB = 1ull << 30;
constexpr uint64_t kLargePage = 2ull << 20;

uint64_t kernel_pml4_phys;
uint64_t kernel_pdpt_phys;
uint64_t nx_flag;
uint64_t global_flag;

uint64_t* table(uint64_t phys) { return reinterpret_cast<uint64_t*>(phys); }

// The page table behind PD entry `pd[index]`, created on first use.
Result<uint64_t*> page_table_of(uint64_t* pd, unsigned index) {
    if (pd[index] & pte::large)
        return Errc::exist;
    if (!(pd[index] & pte::present)) {
        uint64_t pt = BH_TRY(frames().alloc());
        pd[index] = pt | pte::present | pte::write;
    }
    return table(pd[index] & pte::address_mask);
}

// The page directory behind kernel PDPT entry `index`, created on first use.
Result<uint64_t*> kernel_pd(unsigned index) {
    uint64_t* pdpt = table(kernel_pdpt_phys);
    if (!(pdpt[index] & pte::present)) {
        uint64_t pd = BH_TRY(frames().alloc());
        pdpt[index] = pd | pte::present | pte::write;
    }
    return table(pdpt[index] & pte::address_mask);
}

Result<void> map_kernel_page(uint64_t address, uint64_t flags) {
    if (address / kGiB == abi::user_base / kGiB || address >= 512 * kGiB)
        return Errc::range;  // the user window's gigabyte, or beyond PML4[0]
    uint64_t* pd = BH_TRY(kernel_pd(static_cast<unsigned>(address / kGiB)));
    uint64_t* pt = BH_TRY(page_table_of(pd, static_cast<unsigned>((address % kGiB) / kLargePage)));
    pt[(address / kPageSize) % 512] = (address & pte::address_mask) | pte::present | pte::write | global_flag | flags;
    return success();
}

}  // namespace

uint64_t kernel_pml4() { return kernel_pml4_phys; }
uint64_t nx_bit() { return nx_flag; }

Result<void> kernel_space_init(uint64_t ram_end, uint64_t comm_page, uint64_t apic_page) {
    if (ram_end > abi::user_base)
        return Errc::range;  // RAM must stay below the user window's gigabyte
    nx_flag = arch::features().nx ? pte::nx : 0;
    global_flag = arch::features().pge ? pte::global : 0;
    kernel_pml4_phys = BH_TRY(frames().alloc());
    kernel_pdpt_phys = BH_TRY(frames().alloc());
    table(kernel_pml4_phys)[0] = kernel_pdpt_phys | pte::present | pte::write;

    // RAM: 2 MiB pages, the tail (if any) in 4 KiB pages.
    uint64_t* pd = BH_TRY(kernel_pd(0));
    uint64_t large_end = ram_end / kLargePage * kLargePage;
    for (uint64_t a = 0; a < large_end; a += kLargePage)
        pd[a / kLargePage] = a | pte::present | pte::write | pte::large | global_flag;
    for (uint64_t a = large_end; a < ram_end; a += kPageSize)
        BH_TRY(map_kernel_page(a, 0));
    if (comm_page != 0 && comm_page >= ram_end)
        BH_TRY(map_kernel_page(comm_page, nx_flag));
    if (apic_page != 0)
        BH_TRY(map_kernel_page(apic_page, pte::pcd | pte::pwt | nx_flag));

    arch::write_cr3(kernel_pml4_phys);
    return success();
}

Result<void> kernel_map_shared(uint64_t address, uint64_t size) {
    if (address % kPageSize != 0 || size % kPageSize != 0 || address + size < address)
        return Errc::inval;
    for (uint64_t a = address; a < address + size; a += kPageSize)
        BH_TRY(map_kernel_page(a, nx_flag));
    return success();
}

Result<void> AddressSpace::create() {
    if (pml4_ != 0)
        return Errc::busy;
    uint64_t pages[4];
    for (unsigned i = 0; i < 4; ++i) {
        auto frame = frames().alloc();
        if (!frame.ok()) {
            for (unsigned j = 0; j < i; ++j)
                frames().free(pages[j]);
            return frame.error();
        }
        pages[i] = *frame;
    }
    pml4_ = pages[0];
    pdpt_ = pages[1];
    pd_ = pages[2];
    pt_ = pages[3];
    frames_owned_ = 4;
    constexpr uint64_t user_table = pte::present | pte::write | pte::user;
    const uint64_t* kernel_pdpt = table(kernel_pdpt_phys);
    uint64_t* pdpt = table(pdpt_);
    for (unsigned i = 0; i < 512; ++i)
        pdpt[i] = kernel_pdpt[i];  // shared kernel page directories, supervisor only
    pdpt[abi::user_base / kGiB] = pd_ | user_table;
    table(pd_)[(abi::user_base % kGiB) / kLargePage] = pt_ | user_table;
    table(pml4_)[0] = pdpt_ | user_table;
    return success();
}

void AddressSpace::destroy() {
    if (pml4_ == 0)
        return;
    uint64_t* pt = page_table();
    for (unsigned i = 0; i < 512; ++i)
        if (pt[i] & pte::present)
            frames().free(pt[i] & pte::address_mask);
    for (uint64_t frame : {pt_, pd_, pdpt_, pml4_})
        frames().free(frame);
    *this = AddressSpace{};
}

Result<uint64_t> AddressSpace::map_new(uint64_t va, uint64_t flags) {
    if (pml4_ == 0 || va % kPageSize != 0 || va < abi::user_base || va >= abi::user_top)
        return Errc::inval;
    uint64_t& entry = page_table()[(va - abi::user_base) / kPageSize];
    if (entry & pte::present)
        return Errc::exist;
    uint64_t frame = BH_TRY(frames().alloc());
    entry = frame | pte::present | pte::user | (flags & (pte::write | pte::nx));
    ++frames_owned_;
    return frame;
}

uint64_t AddressSpace::frame_of(uint64_t va) const {
    if (pml4_ == 0 || va < abi::user_base || va >= abi::user_top)
        return 0;
    uint64_t entry = page_table()[(va - abi::user_base) / kPageSize];
    return (entry & pte::present) ? (entry & pte::address_mask) : 0;
}

bool AddressSpace::user_range_ok(uint64_t va, uint64_t length, bool writable) const {
    if (pml4_ == 0 || va < abi::user_base || va > abi::user_top || length > abi::user_top - va)
        return false;
    if (length == 0)
        return true;
    for (uint64_t page = va & ~(kPageSize - 1); page < va + length; page += kPageSize) {
        uint64_t entry = page_table()[(page - abi::user_base) / kPageSize];
        if (!(entry & pte::present) || (writable && !(entry & pte::write)))
            return false;
    }
    return true;
}

Result<uint64_t> AddressSpace::load_image(const uint8_t* image, uint64_t size) {
    abi::ImageHeader h;
    if (size < sizeof(h))
        return Errc::inval;
    memcpy(&h, image, sizeof(h));
    const uint64_t stack_bottom = abi::user_stack_top - abi::user_stack_pages * kPageSize;
    if (h.magic != abi::image_magic || h.text_end % kPageSize != 0 || h.data_start % kPageSize != 0 ||
        !(abi::user_base < h.text_end && h.text_end <= h.data_start && h.data_start <= h.file_end &&
          h.file_end <= h.bss_end && h.bss_end <= stack_bottom) ||
        h.file_end - abi::user_base > size || h.entry < abi::user_base || h.entry >= h.text_end)
        return Errc::inval;
    for (uint64_t va = abi::user_base; va < h.bss_end; va += kPageSize) {
        bool text = va < h.text_end;
        uint64_t frame = BH_TRY(map_new(va, text ? 0 : pte::write | nx_flag));
        if (va < h.file_end) {
            uint64_t n = h.file_end - va < kPageSize ? h.file_end - va : kPageSize;
            memcpy(reinterpret_cast<void*>(frame), image + (va - abi::user_base), n);
        }
    }
    image_end_ = h.bss_end;
    return h.entry;
}

Result<uint64_t> AddressSpace::map_stack() {
    uint64_t top = abi::user_stack_top - stacks_ * abi::user_stack_stride;
    uint64_t bottom = top - abi::user_stack_pages * kPageSize;
    if (image_end_ == 0 || bottom < image_end_ || bottom < abi::user_base)
        return Errc::nospc;
    for (uint64_t va = bottom; va < top; va += kPageSize)
        BH_TRY(map_new(va, pte::write | nx_flag));
    ++stacks_;
    return top;
}

}  // namespace bh::rtos
