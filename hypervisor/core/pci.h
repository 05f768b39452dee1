// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// PCI configuration space of devices given to cells: what the hypervisor
// lets a cell do to its own device, and what it does to a device when a cell
// gets it or gives it back. Arch-free and host-testable: the configuration
// space is reached through an `Io` the caller provides (the hypervisor's goes
// through ports 0xCF8/0xCFC; the unit tests' is an array), and the check of
// an MSI message (an x86 matter) is a callable the caller provides too.
//
// Policy for a cell's writes to its device (type-0 header only; bridges stay
// with the root cell):
//   - IDs, class, header type, subsystem, capability pointer: dropped (they
//     are read-only; dropping keeps odd devices from doing anything else).
//   - Command: I/O and memory decode, bus master, parity/SERR reporting and
//     INTx disable may change; other bits are written as 0. Status: as
//     written (write-1-to-clear). BIST is never started.
//   - BARs and the expansion ROM BAR: the BAR stays where the root cell's
//     firmware put it, since the cell's memory regions map exactly that.
//     Writing all ones sizes it: the hypervisor measures the size mask on
//     the device with decode off, and the next read returns the mask, as on
//     hardware. Writing the BAR's current value back ends sizing. Any other
//     value is refused. The ROM BAR's enable bit may change.
//   - MSI: written, unless the result would be MSI enabled with a message
//     the `MsiCheck` refuses (a CPU outside the cell, say) or with multiple
//     messages. So the device never holds an enabled message the cell may
//     not send.
//   - MSI-X: enabling it is refused (its table lives in a BAR, which the
//     hypervisor does not intercept yet).
//   - Everything else from offset 0x40 on: as written (device-specific).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <bh/pci.h>
#include <bh/result.h>

namespace bh::pci {

// Type-1 configuration access (the CF8 mechanism).
inline constexpr uint16_t address_port = 0xcf8;
inline constexpr uint16_t data_port = 0xcfc;
inline constexpr uint16_t ports_end = 0xd00;  // 0xcf8..0xcff, rounded for range checks
inline constexpr uint32_t config_size = 256;

// A decoded 0xCF8 value plus the data port used: which device and register.
struct ConfigAddress {
    bool enabled{};
    bool extended{};  // bits 30:24 set (reserved, or AMD's extended registers)
    uint16_t bdf{};   // bus << 8 | device << 3 | function
    uint16_t offset{};
};

constexpr ConfigAddress decode_address(uint32_t address_value, uint16_t data_port_used) {
    ConfigAddress a;
    a.enabled = (address_value & address_enable) != 0;
    a.extended = (address_value & 0x7f000000u) != 0;
    a.bdf = static_cast<uint16_t>((address_value >> 8) & 0xffff);
    a.offset = static_cast<uint16_t>((address_value & 0xfc) + (data_port_used - data_port));
    return a;
}

// Header registers (type 0).
inline constexpr uint16_t reg_vendor = 0x00;
inline constexpr uint16_t reg_command = 0x04;
inline constexpr uint16_t reg_header_type = 0x0e;
inline constexpr uint16_t reg_bar0 = 0x10;
inline constexpr uint16_t reg_rom = 0x30;
inline constexpr uint16_t reg_capabilities = 0x34;
inline constexpr uint16_t reg_status = 0x06;
inline constexpr uint16_t status_capabilities = 1u << 4;

inline constexpr uint16_t command_io = 1u << 0;
inline constexpr uint16_t command_memory = 1u << 1;
inline constexpr uint16_t command_master = 1u << 2;
inline constexpr uint16_t command_parity = 1u << 6;
inline constexpr uint16_t command_serr = 1u << 8;
inline constexpr uint16_t command_intx_disable = 1u << 10;
inline constexpr uint16_t command_cell_writable =
    command_io | command_memory | command_master | command_parity | command_serr | command_intx_disable;

inline constexpr uint8_t cap_msi = 0x05;
inline constexpr uint8_t cap_msix = 0x11;
inline constexpr uint8_t cap_vendor = 0x09;
inline constexpr uint16_t msi_enable = 1u << 0;
inline constexpr uint16_t msi_multiple_enable = 7u << 4;
inline constexpr uint16_t msi_64bit = 1u << 7;
inline constexpr uint16_t msi_per_vector_mask = 1u << 8;
inline constexpr uint16_t msix_enable = 1u << 15;

inline constexpr unsigned bar_count = 6;
inline constexpr unsigned rom_index = 6;  // the ROM BAR's slot in Device's arrays

// What the hypervisor keeps of a device a cell owns.
struct Device {
    uint16_t bdf{};
    uint8_t msi{};     // offset of the MSI capability, 0 = none
    uint8_t msix{};    // offset of the MSI-X capability, 0 = none
    uint8_t sizing{};  // bit n: BAR n (6: ROM) reads as its size mask
    uint32_t size_mask[bar_count + 1]{};
};

// What became of a write: done (possibly adjusted), or refused and why.
struct WriteOutcome {
    const char* refusal{};  // nullptr: the write was carried out or dropped as read-only
    constexpr bool refused() const { return refusal != nullptr; }
};

namespace detail {

constexpr uint32_t size_mask_of(uint8_t size) {
    return size == 4 ? 0xffffffffu : size == 2 ? 0xffffu : 0xffu;
}

}  // namespace detail

// A register dword after a write of `size` bytes at its byte `shift`.
constexpr uint32_t merge(uint32_t dword, unsigned shift, uint8_t size, uint32_t value) {
    uint32_t mask = detail::size_mask_of(size) << (8 * shift);
    return (dword & ~mask) | ((value << (8 * shift)) & mask);
}

namespace detail {


// The BAR slot (0-5, 6 = ROM) of a register dword, or -1.
constexpr int bar_slot(uint16_t dword_offset) {
    if (dword_offset >= reg_bar0 && dword_offset < reg_bar0 + 4 * bar_count)
        return (dword_offset - reg_bar0) / 4;
    return dword_offset == reg_rom ? static_cast<int>(rom_index) : -1;
}

constexpr bool overlaps(uint16_t a, uint16_t a_size, uint16_t b, uint16_t b_size) {
    return a < b + b_size && b < a + a_size;
}

// MSI capability length in bytes, from its control word.
constexpr uint16_t msi_length(uint16_t control) {
    uint16_t length = (control & msi_64bit) ? 14 : 10;
    return (control & msi_per_vector_mask) ? length + 10 : length;
}

}  // namespace detail

// Calls visit(offset, id) for each capability of the device (any header
// type) until it returns true. False for a malformed list: a pointer into
// the header, or a chain longer than the 48 capabilities that fit in 192
// bytes (a loop).
template <typename Io, typename Visit>
bool walk_capabilities(Io& io, Visit visit) {
    if (!(io.read(reg_status, 2) & status_capabilities))
        return true;
    auto at = static_cast<uint8_t>(io.read(reg_capabilities, 1) & 0xfc);
    for (unsigned n = 0; at != 0; ++n) {
        if (n == 48 || at < 0x40)
            return false;
        if (visit(at, static_cast<uint8_t>(io.read(at, 1))))
            return true;
        at = static_cast<uint8_t>(io.read(at + 1, 1) & 0xfc);
    }
    return true;
}

// The offset of the first capability with `id`, or 0 (also for a broken
// list).
template <typename Io>
uint8_t find_capability(Io& io, uint8_t id) {
    uint8_t found = 0;
    walk_capabilities(io, [&](uint8_t at, uint8_t cap) {
        found = cap == id ? at : 0;
        return found != 0;
    });
    return found;
}

// The device at `io` as a cell may own it: present, a type-0 header, with
// its MSI and MSI-X capabilities found. Errc::nodev when absent, Errc::inval
// for a bridge (or a malformed capability list).
template <typename Io>
Result<Device> probe(Io& io, uint16_t bdf) {
    Device dev;
    dev.bdf = bdf;
    if ((io.read(reg_vendor, 2) & 0xffff) == 0xffff)
        return Errc::nodev;
    if ((io.read(reg_header_type, 1) & 0x7f) != 0)
        return Errc::inval;
    bool well_formed = walk_capabilities(io, [&](uint8_t at, uint8_t id) {
        if (id == cap_msi && dev.msi == 0)
            dev.msi = at;
        if (id == cap_msix && dev.msix == 0)
            dev.msix = at;
        return false;
    });
    if (!well_formed)
        return Errc::inval;
    return dev;
}

// A device changes hands: no decoding, no DMA, no interrupts. The new owner
// enables what it uses.
template <typename Io>
void quiesce(Io& io, Device& dev) {
    io.write(reg_command, 2, command_intx_disable);
    if (dev.msi != 0)
        io.write(dev.msi + 2, 2, io.read(dev.msi + 2, 2) & ~(msi_enable | msi_multiple_enable));
    if (dev.msix != 0)
        io.write(dev.msix + 2, 2, io.read(dev.msix + 2, 2) & ~msix_enable);
    dev.sizing = 0;
}

// A write to the MSI capability at `msi` (0: none): nullptr when it is
// outside the capability, or leaves MSI disabled, or enabled with a single
// message `msi_check(address, data)` accepts; else why not.
template <typename Io, typename MsiCheck>
const char* check_msi_write(Io& io, uint8_t msi, uint16_t offset, uint8_t size, uint32_t value,
                            MsiCheck&& msi_check) {
    if (msi == 0)
        return nullptr;
    uint16_t control = static_cast<uint16_t>(io.read(msi + 2, 2));
    if (!detail::overlaps(offset, size, msi, detail::msi_length(control)))
        return nullptr;
    // The capability as it would be after the write. Capabilities are
    // dword aligned: the write's dword is in it.
    uint32_t regs[6];
    for (unsigned i = 0; i < 6; ++i)
        regs[i] = msi + 4 * i < config_size ? io.read(static_cast<uint16_t>(msi + 4 * i), 4) : 0;
    uint16_t dword = offset & ~3u;
    unsigned index = (dword - msi) / 4;
    regs[index] = merge(regs[index], offset - dword, size, value);
    auto new_control = static_cast<uint16_t>(regs[0] >> 16);
    if (!(new_control & msi_enable))
        return nullptr;
    if (new_control & msi_multiple_enable)
        return "MSI with multiple messages";
    bool wide = new_control & msi_64bit;
    uint64_t address = regs[1] | (wide ? static_cast<uint64_t>(regs[2]) << 32 : 0);
    uint32_t data = (wide ? regs[3] : regs[2]) & 0xffff;
    return msi_check(address, data);
}

// A cell's read of its device; `offset` is aligned to `size` (1, 2 or 4).
template <typename Io>
uint32_t read(Io& io, const Device& dev, uint16_t offset, uint8_t size) {
    uint16_t dword = offset & ~3u;
    int slot = detail::bar_slot(dword);
    if (slot >= 0 && (dev.sizing & (1u << slot)))
        return (dev.size_mask[slot] >> (8 * (offset - dword))) & detail::size_mask_of(size);
    return io.read(offset, size);
}

// A cell's write to its device; `offset` is aligned to `size` (1, 2 or 4)
// and below config_size. `msi_check(address, data)` returns nullptr for a
// message the cell may program, else why not.
template <typename Io, typename MsiCheck>
WriteOutcome write(Io& io, Device& dev, uint16_t offset, uint8_t size, uint32_t value, MsiCheck&& msi_check) {
    uint16_t dword = offset & ~3u;
    unsigned shift = offset - dword;
    value &= detail::size_mask_of(size);

    if (int slot = detail::bar_slot(dword); slot >= 0) {
        if (size != 4)
            return {"a partial write to a BAR"};
        auto bit = static_cast<uint8_t>(1u << slot);
        uint32_t all_ones = slot == static_cast<int>(rom_index) ? 0xfffff800u : 0xffffffffu;
        if ((value & all_ones) == all_ones) {
            // Size it on the device, as the cell would, with decode off so
            // that the BAR decodes nothing while it holds all ones.
            uint32_t command = io.read(reg_command, 2);
            io.write(reg_command, 2, command & ~(command_io | command_memory));
            uint32_t original = io.read(dword, 4);
            io.write(dword, 4, value);
            dev.size_mask[slot] = io.read(dword, 4);
            io.write(dword, 4, original);
            io.write(reg_command, 2, command);
            dev.sizing |= bit;
            return {};
        }
        dev.sizing &= static_cast<uint8_t>(~bit);
        uint32_t current = io.read(dword, 4);
        if (value == current)
            return {};
        if (slot == static_cast<int>(rom_index) && (value & ~1u) == (current & ~1u)) {
            io.write(dword, 4, value);  // the ROM's decode enable
            return {};
        }
        return {"moving a BAR (the cell's memory regions fix where it lives)"};
    }

    if (dword < 0x40) {
        switch (dword) {
        case reg_command: {
            if (shift >= 2) {
                io.write(offset, size, value);  // status only: write-1-to-clear as written
                return {};
            }
            // Status bits not written must not be written as 1 (that would
            // clear them): take the command half from the device only.
            uint32_t merged = merge(io.read(reg_command, 2), shift, size, value);
            uint32_t command = merged & command_cell_writable;
            if (shift + size > 2)
                io.write(reg_command, 4, command | (merged & 0xffff0000u));
            else
                io.write(reg_command, 2, command);
            return {};
        }
        case 0x0c: {
            // Cache line size and latency timer; never BIST (offset 0x0f).
            for (unsigned b = 0; b < size; ++b)
                if (shift + b < 2)
                    io.write(static_cast<uint16_t>(offset + b), 1, (value >> (8 * b)) & 0xff);
            return {};
        }
        case 0x3c:
            if (shift == 0)
                io.write(dword, 1, value & 0xff);  // interrupt line: scratch for the OS
            return {};
        default:
            return {};  // read-only registers
        }
    }

    if (dev.msi != 0 && detail::overlaps(offset, size, dev.msi,
                                         detail::msi_length(static_cast<uint16_t>(io.read(dev.msi + 2, 2))))) {
        if (const char* why = check_msi_write(io, dev.msi, offset, size, value, msi_check))
            return {why};
        io.write(offset, size, value);
        return {};
    }
    if (dev.msix != 0 && detail::overlaps(offset, size, dev.msix + 2, 2)) {
        uint32_t merged = merge(io.read(dev.msix, 4), offset - dev.msix, size, value);
        if ((merged >> 16) & msix_enable)
            return {"enabling MSI-X (not supported for cells yet)"};
    }
    io.write(offset, size, value);
    return {};
}

}  // namespace bh::pci
