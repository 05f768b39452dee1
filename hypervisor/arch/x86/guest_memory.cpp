// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "guest_memory.h"

namespace bh::x86 {

namespace {

constexpr uint64_t page_size = 4096;
constexpr uint64_t entry_present = 1ull << 0;
constexpr uint64_t entry_large = 1ull << 7;
constexpr uint64_t address_bits = 0x000ffffffffff000ull;

constexpr unsigned level_shift(unsigned level) { return 12 + 9 * (level - 1); }

// Read a 64-bit table entry at host-physical `hpa` through the identity map.
Result<uint64_t> load_entry(const GuestPaging& p, uint64_t hpa) {
    if (hpa >= p.host_limit || (hpa & 7) != 0)
        return Errc::fault;
    return __atomic_load_n(reinterpret_cast<const uint64_t*>(hpa), __ATOMIC_RELAXED);
}

// One walk of x86-64 long-mode tables rooted at `root` (levels 4 or 5),
// with `table_to_hpa` turning a table's address into a host-physical one.
template <typename TableToHpa>
Result<uint64_t> walk(const GuestPaging& p, uint64_t root, unsigned levels, uint64_t address, TableToHpa table_to_hpa) {
    uint64_t table = root & address_bits;
    for (unsigned level = levels; level >= 1; --level) {
        uint64_t table_hpa = BH_TRY(table_to_hpa(table));
        uint64_t index = (address >> level_shift(level)) & 511;
        uint64_t entry = BH_TRY(load_entry(p, table_hpa + index * 8));
        if (!(entry & entry_present))
            return Errc::noent;
        if (level == 1 || ((level == 2 || level == 3) && (entry & entry_large))) {
            uint64_t size_mask = (1ull << level_shift(level)) - 1;
            return (entry & address_bits & ~size_mask) | (address & size_mask);
        }
        table = entry & address_bits;
    }
    return Errc::noent;  // not reached
}

}  // namespace

Result<uint64_t> npt_translate(const GuestPaging& p, uint64_t gpa) {
    return walk(p, p.npt_root, p.npt_levels, gpa, [](uint64_t table) -> Result<uint64_t> { return table; });
}

Result<uint64_t> guest_translate(const GuestPaging& p, uint64_t gva) {
    return walk(p, p.cr3, p.la57 ? 5 : 4, gva, [&p](uint64_t table) { return npt_translate(p, table); });
}

size_t read_guest_virtual(const GuestPaging& p, uint64_t gva, uint8_t* out, size_t size) {
    size_t done = 0;
    while (done < size) {
        uint64_t va = gva + done;
        auto gpa = guest_translate(p, va);
        if (!gpa.ok())
            break;
        auto hpa = npt_translate(p, gpa.value());
        if (!hpa.ok())
            break;
        size_t chunk = page_size - (va & (page_size - 1));
        if (chunk > size - done)
            chunk = size - done;
        if (hpa.value() + chunk > p.host_limit)
            break;
        const auto* src = reinterpret_cast<const volatile uint8_t*>(hpa.value());
        for (size_t i = 0; i < chunk; ++i)
            out[done + i] = src[i];
        done += chunk;
    }
    return done;
}

}  // namespace bh::x86
