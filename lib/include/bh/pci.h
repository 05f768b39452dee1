// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// PCI bits the hypervisor and the inmates share: the type-1 configuration
// address (port 0xCF8) and the "bb:dd.f" form of a bus/device/function.
#pragma once

#include <stdint.h>

namespace bh::pci {

inline constexpr uint32_t address_enable = 1u << 31;

// What to write to port 0xCF8 to reach `offset` (its dword) of `bdf`.
constexpr uint32_t config_address(uint16_t bdf, uint16_t offset) {
    return address_enable | static_cast<uint32_t>(bdf) << 8 | (offset & 0xfcu);
}

// "bb:dd.f", NUL terminated.
struct BdfText {
    char text[8];
    constexpr explicit BdfText(uint16_t bdf) : text{} {
        constexpr const char* digits = "0123456789abcdef";
        unsigned bus = bdf >> 8, dev = (bdf >> 3) & 0x1f;
        const char chars[] = {digits[bus >> 4], digits[bus & 15], ':', digits[dev >> 4], digits[dev & 15], '.',
                              digits[bdf & 7], '\0'};
        for (unsigned i = 0; i < sizeof(chars); ++i)
            text[i] = chars[i];
    }
};

}  // namespace bh::pci
