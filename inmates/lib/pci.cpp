// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// PCI configuration space for inmates (inmate/pci.h).
#include <inmate/pci.h>

#include <bh/pci.h>

namespace inmate::pci {

namespace {

void select(uint16_t bdf, uint16_t offset) { x86::outl(0xcf8, bh::pci::config_address(bdf, offset)); }

}  // namespace

uint32_t read32(uint16_t bdf, uint16_t offset) {
    select(bdf, offset);
    return x86::inl(0xcfc);
}

uint16_t read16(uint16_t bdf, uint16_t offset) {
    select(bdf, offset);
    return x86::inw(static_cast<uint16_t>(0xcfc + (offset & 2)));
}

void write32(uint16_t bdf, uint16_t offset, uint32_t value) {
    select(bdf, offset);
    x86::outl(0xcfc, value);
}

void write16(uint16_t bdf, uint16_t offset, uint16_t value) {
    select(bdf, offset);
    x86::outw(static_cast<uint16_t>(0xcfc + (offset & 2)), value);
}

uint16_t find(uint16_t vendor, uint16_t device, uint16_t from) {
    uint32_t wanted = static_cast<uint32_t>(device) << 16 | vendor;
    for (uint32_t bdf = from; bdf < 0x100; ++bdf)
        if (read32(static_cast<uint16_t>(bdf), 0) == wanted)
            return static_cast<uint16_t>(bdf);
    return none;
}

uint8_t find_capability(uint16_t bdf, uint8_t id) {
    if (!(read16(bdf, 0x06) & (1u << 4)))
        return 0;
    auto at = static_cast<uint8_t>(read32(bdf, 0x34) & 0xfc);
    for (unsigned n = 0; at != 0 && n < 48; ++n) {
        uint32_t header = read32(bdf, at);
        if ((header & 0xff) == id)
            return at;
        at = static_cast<uint8_t>((header >> 8) & 0xfc);
    }
    return 0;
}

bool memory_bar(uint16_t bdf, unsigned index, uint64_t& address, uint64_t& size) {
    auto reg = static_cast<uint16_t>(0x10 + 4 * index);
    uint32_t low = read32(bdf, reg);
    if (low & 1)
        return false;  // I/O
    bool wide = ((low >> 1) & 3) == 2;
    uint32_t high = wide ? read32(bdf, reg + 4) : 0;
    uint16_t command = read16(bdf, 0x04);
    write16(bdf, 0x04, static_cast<uint16_t>(command & ~3u));  // no I/O or memory decoding
    write32(bdf, reg, 0xffffffff);
    if (wide)
        write32(bdf, reg + 4, 0xffffffff);
    uint64_t mask = (wide ? static_cast<uint64_t>(read32(bdf, reg + 4)) << 32 : 0xffffffff00000000ull) |
                    (read32(bdf, reg) & ~0xfull);
    write32(bdf, reg, low);
    if (wide)
        write32(bdf, reg + 4, high);
    write16(bdf, 0x04, command);
    address = (static_cast<uint64_t>(high) << 32) | (low & ~0xfull);
    size = ~mask + 1;
    return true;
}

void enable_msi(uint16_t bdf, uint8_t msi, uint32_t apic_id, uint8_t vector) {
    uint16_t control = read16(bdf, msi + 2);
    bool wide = control & (1u << 7);
    write32(bdf, msi + 4, 0xfee00000u | (apic_id & 0xff) << 12);
    if (wide)
        write32(bdf, msi + 8, 0);
    write16(bdf, static_cast<uint16_t>(msi + (wide ? 12 : 8)), vector);
    write16(bdf, msi + 2, static_cast<uint16_t>((control & ~0x70u) | 1u));
}

Field bdf_text(uint16_t bdf) {
    bh::pci::BdfText bdf_chars(bdf);
    Field f{};
    for (size_t i = 0; i < sizeof(bdf_chars.text); ++i)
        f.text[i] = bdf_chars.text[i];
    return f;
}

}  // namespace inmate::pci
