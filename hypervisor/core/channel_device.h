// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The virtual PCI device through which a non-root cell finds and drives
// each of its channels (Documentation/channels.md, "The channel device"):
// function 00:(0x10 + n).0 of the cell's configuration space is channel n of
// its config. It exists only in configuration space, which the hypervisor
// intercepts anyway, so it needs no MMIO emulation:
//
//   0x00  vendor 0x1234, device 0xbc01 (experimental IDs, as QEMU's test
//         devices use), class 0x050000 (RAM controller), revision 1
//   0x10  BAR0: 64-bit prefetchable memory, the shared region (guest_start,
//         size); sizes like a real BAR, cannot move (writing another
//         address fails the cell)
//   0x40  MSI capability (32-bit address): enabling it with a message to a
//         CPU of the cell sets the channel's doorbell vector (as the
//         SET_VECTOR hypercall does) and target CPU; disabling clears it
//   0x50  vendor-specific capability (id 0x09), 0x1c bytes:
//         0x54 channel id            (read-only)
//         0x58 slot size, 0 = default (read-only)
//         0x5c this cell's id        (read-only)
//         0x60 the peer's state      (read-only, live: BH_CELL_STATE_*,
//                                     BH_CELL_STATE_GONE)
//         0x64 doorbell              (write: ring the peer, as NOTIFY)
//         0x68 the peer's cell id    (read-only, live; 0xffffffff: gone)
//
// The command register is recorded but not enforced (the region is mapped
// for the cell's whole life). Other writes are dropped, as to read-only
// registers. Arch-free and host-testable: the caller provides the live
// values and the effects (`Hooks`).
#pragma once

#include <stdint.h>

#include <bulkhead/channel-device.h>

#include "pci.h"

namespace bh::channel_device {

inline constexpr uint16_t vendor_id = BH_CHANNEL_DEVICE_VENDOR_ID;
inline constexpr uint16_t device_id = BH_CHANNEL_DEVICE_DEVICE_ID;
inline constexpr uint8_t first_device = BH_CHANNEL_DEVICE_FIRST;  // channel n: bus 0, device first + n, function 0
inline constexpr uint32_t max_channels = 0x20 - first_device;

inline constexpr uint16_t reg_msi = BH_CHANNEL_DEVICE_MSI;
inline constexpr uint16_t reg_vendor_cap = BH_CHANNEL_DEVICE_VENDOR_CAP;
inline constexpr uint16_t reg_channel_id = BH_CHANNEL_DEVICE_CHANNEL_ID;
inline constexpr uint16_t reg_slot_size = BH_CHANNEL_DEVICE_SLOT_SIZE;
inline constexpr uint16_t reg_cell_id = BH_CHANNEL_DEVICE_CELL_ID;
inline constexpr uint16_t reg_peer_state = BH_CHANNEL_DEVICE_PEER_STATE;
inline constexpr uint16_t reg_doorbell = BH_CHANNEL_DEVICE_DOORBELL;
inline constexpr uint16_t reg_peer_id = BH_CHANNEL_DEVICE_PEER_ID;
inline constexpr uint8_t vendor_cap_length = BH_CHANNEL_DEVICE_VENDOR_CAP_LENGTH;
// The command bits the device records (pci.h's for cells, less error reporting).
inline constexpr uint16_t command_recorded =
    pci::command_io | pci::command_memory | pci::command_master | pci::command_intx_disable;

// The channel index a bus/device/function stands for, or -1.
constexpr int channel_of(uint16_t bdf, uint32_t channel_count) {
    uint32_t device = (bdf >> 3) & 0x1f;
    if ((bdf >> 8) != 0 || (bdf & 7) != 0 || device < first_device || device - first_device >= channel_count)
        return -1;
    return static_cast<int>(device - first_device);
}

constexpr uint16_t bdf_of(uint32_t channel_index) {
    return static_cast<uint16_t>((first_device + channel_index) << 3);
}

// What the config says of the channel.
struct Channel {
    uint32_t id{};
    uint32_t slot_size{};
    uint32_t cell_id{};
    uint64_t region{};  // guest-physical
    uint64_t size{};    // a power of two is not required; BAR sizing rounds up
};

// What the cell wrote, kept per channel.
struct State {
    uint16_t command{};
    uint8_t bar_sizing{};  // bit 0: low dword, bit 1: high dword read as mask
    uint8_t interrupt_line{};
    uint16_t msi_control{};
    uint32_t msi_address{};
    uint16_t msi_data{};
};

// Hooks the hypervisor provides:
//   uint32_t peer_state();                    BH_CELL_STATE_* or _GONE
//   uint32_t peer_id();                       0xffffffff when gone
//   void ring();                              the doorbell
//   const char* check_msi(uint64_t, uint32_t) nullptr if the cell may
//   void set_doorbell(uint8_t vector, uint32_t apic_id)  vector 0: none

uint32_t read(const Channel& channel, const State& state, uint16_t offset, uint8_t size, uint32_t peer_state,
              uint32_t peer_id);

namespace detail {
uint64_t bar_mask(uint64_t size);
}  // namespace detail

// A cell's write; returns nullptr, or why the cell fails.
template <typename Hooks>
const char* write(const Channel& channel, State& state, uint16_t offset, uint8_t size, uint32_t value,
                  Hooks& hooks) {
    uint16_t dword = offset & ~3u;
    unsigned shift = offset - dword;
    switch (dword) {
    case pci::reg_command:
        if (shift < 2)
            state.command = static_cast<uint16_t>(pci::merge(state.command, shift, size, value) & command_recorded);
        return nullptr;
    case pci::reg_bar0:
    case pci::reg_bar0 + 4: {
        if (size != 4)
            return "a partial write to a BAR";
        bool high = dword == pci::reg_bar0 + 4;
        uint8_t bit = high ? 2 : 1;
        uint64_t current = channel.region;
        uint32_t current_half = high ? static_cast<uint32_t>(current >> 32) : static_cast<uint32_t>(current) | 0xc;
        if (value == 0xffffffffu) {
            state.bar_sizing |= bit;
            return nullptr;
        }
        state.bar_sizing &= static_cast<uint8_t>(~bit);
        if (value == current_half || (!high && (value & ~0xfu) == (current_half & ~0xfu)))
            return nullptr;
        return "moving a BAR (the cell's memory regions fix where it lives)";
    }
    case 0x3c:
        if (shift == 0)
            state.interrupt_line = static_cast<uint8_t>(value);
        return nullptr;
    case reg_msi:
    case reg_msi + 4:
    case reg_msi + 8: {
        uint32_t control = state.msi_control;
        uint32_t address = state.msi_address;
        uint32_t data = state.msi_data;
        if (dword == reg_msi)
            control = pci::merge(control << 16, shift, size, value) >> 16;
        else if (dword == reg_msi + 4)
            address = pci::merge(address, shift, size, value);
        else
            data = pci::merge(data, shift, size, value) & 0xffff;
        control &= pci::msi_enable;  // only enable is writable: one message, 32-bit address
        if (control & pci::msi_enable) {
            if (const char* why = hooks.check_msi(address, data))
                return why;
            hooks.set_doorbell(static_cast<uint8_t>(data & 0xff), (address >> 12) & 0xff);
        } else if (state.msi_control & pci::msi_enable) {
            hooks.set_doorbell(0, 0);
        }
        state.msi_control = static_cast<uint16_t>(control);
        state.msi_address = address & 0xfffffffcu;
        state.msi_data = static_cast<uint16_t>(data);
        return nullptr;
    }
    case reg_doorbell:
        hooks.ring();
        return nullptr;
    default:
        return nullptr;  // read-only
    }
}

}  // namespace bh::channel_device
