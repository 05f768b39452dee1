// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// PCI configuration space for inmates (inmate/pci.h).
#include <inmate/pci.h>

namespace inmate::pci {

namespace {

void select(uint16_t bdf, uint16_t offset) {
    x86::outl(0xcf8, 0x80000000u | static_cast<uint32_t>(bdf) << 8 | (offset & 0xfc));
}

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
    constexpr const char* digits = "0123456789abcdef";
    unsigned bus = bdf >> 8, dev = (bdf >> 3) & 0x1f;
    const char text[] = {digits[bus >> 4], digits[bus & 15], ':', digits[dev >> 4], digits[dev & 15], '.',
                         digits[bdf & 7], '\0'};
    Field f{};
    for (size_t i = 0; i < sizeof(text); ++i)
        f.text[i] = text[i];
    return f;
}

}  // namespace inmate::pci
