// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The channel device's configuration space (channel_device.h).
#include "channel_device.h"

namespace bh::channel_device {

namespace detail {

// The BAR's size mask: the region's size rounded up to a power of two.
uint64_t bar_mask(uint64_t size) {
    uint64_t rounded = 4096;
    while (rounded < size && rounded != 0)
        rounded <<= 1;
    return ~(rounded - 1);
}

}  // namespace detail

namespace {

uint32_t dword_at(const Channel& channel, const State& state, uint16_t dword, uint32_t peer_state,
                  uint32_t peer_id) {
    constexpr uint32_t bar_flags = 0xc;  // 64-bit, prefetchable
    switch (dword) {
    case pci::reg_vendor: return static_cast<uint32_t>(device_id) << 16 | vendor_id;
    case pci::reg_command: return static_cast<uint32_t>(pci::status_capabilities) << 16 | state.command;
    case 0x08: return 0x05000000u | 1;  // RAM controller, revision 1
    case pci::reg_bar0:
        return (state.bar_sizing & 1) ? (static_cast<uint32_t>(detail::bar_mask(channel.size)) | bar_flags)
                                      : (static_cast<uint32_t>(channel.region) | bar_flags);
    case pci::reg_bar0 + 4:
        return (state.bar_sizing & 2) ? static_cast<uint32_t>(detail::bar_mask(channel.size) >> 32)
                                      : static_cast<uint32_t>(channel.region >> 32);
    case 0x2c: return static_cast<uint32_t>(device_id) << 16 | vendor_id;  // subsystem
    case pci::reg_capabilities: return reg_msi;
    case 0x3c: return state.interrupt_line;
    case reg_msi: return static_cast<uint32_t>(state.msi_control) << 16 | reg_vendor_cap << 8 | pci::cap_msi;
    case reg_msi + 4: return state.msi_address;
    case reg_msi + 8: return state.msi_data;
    case reg_vendor_cap: return static_cast<uint32_t>(vendor_cap_length) << 16 | pci::cap_vendor;
    case reg_channel_id: return channel.id;
    case reg_slot_size: return channel.slot_size;
    case reg_cell_id: return channel.cell_id;
    case reg_peer_state: return peer_state;
    case reg_peer_id: return peer_id;
    default: return 0;
    }
}

}  // namespace

uint32_t read(const Channel& channel, const State& state, uint16_t offset, uint8_t size, uint32_t peer_state,
              uint32_t peer_id) {
    uint16_t dword = offset & ~3u;
    uint32_t value = dword_at(channel, state, dword, peer_state, peer_id) >> (8 * (offset - dword));
    return size == 4 ? value : size == 2 ? (value & 0xffff) : (value & 0xff);
}

}  // namespace bh::channel_device
