// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The channel's virtual PCI device (channel_device.h): what a cell reads in
// its configuration space, and what its writes do.
#include <gtest/gtest.h>

#include <vector>

#include "channel_device.h"

namespace {

using namespace bh::channel_device;

struct FakeHooks {
    int rings = 0;
    std::vector<std::pair<uint8_t, uint32_t>> doorbells;
    uint32_t allowed_cpu = 3;
    void ring() { ++rings; }
    const char* check_msi(uint64_t address, uint32_t) {
        return ((address >> 12) & 0xff) == allowed_cpu ? nullptr : "an MSI to a CPU outside the cell";
    }
    void set_doorbell(uint8_t vector, uint32_t apic_id) { doorbells.push_back({vector, apic_id}); }
};

const Channel channel{7, 4096, 2, 0x2000000, 0x100000};

uint32_t rd(const State& s, uint16_t offset, uint8_t size = 4) { return read(channel, s, offset, size, 1, 3); }

TEST(ChannelDevice, OnlyItsChannelsHaveDevices) {
    EXPECT_EQ(channel_of(0x0080, 2), 0);  // 00:10.0
    EXPECT_EQ(channel_of(0x0088, 2), 1);  // 00:11.0
    EXPECT_EQ(channel_of(0x0090, 2), -1);
    EXPECT_EQ(channel_of(0x0081, 2), -1);  // function 1
    EXPECT_EQ(channel_of(0x0180, 2), -1);  // bus 1
    EXPECT_EQ(channel_of(0x0078, 2), -1);
    EXPECT_EQ(bdf_of(1), 0x0088);
}

TEST(ChannelDevice, HeaderAndCapabilities) {
    State s;
    EXPECT_EQ(rd(s, 0x00), 0xbc011234u);
    EXPECT_EQ(rd(s, 0x02, 2), 0xbc01u);
    EXPECT_EQ(rd(s, 0x08) >> 8, 0x050000u);
    EXPECT_EQ(rd(s, 0x0e, 1), 0u);  // type-0 header
    EXPECT_EQ(rd(s, 0x06, 2) & 0x10, 0x10u);
    EXPECT_EQ(rd(s, 0x10), 0x0200000cu);  // 64-bit prefetchable at 32 MiB
    EXPECT_EQ(rd(s, 0x14), 0u);
    EXPECT_EQ(rd(s, 0x34, 1), reg_msi);
    EXPECT_EQ(rd(s, reg_msi, 1), 0x05u);
    EXPECT_EQ(rd(s, reg_msi + 1, 1), reg_vendor_cap);
    EXPECT_EQ(rd(s, reg_vendor_cap, 1), 0x09u);
    EXPECT_EQ(rd(s, reg_vendor_cap + 1, 1), 0u);
    EXPECT_EQ(rd(s, reg_vendor_cap + 2, 1), vendor_cap_length);
    EXPECT_EQ(rd(s, reg_channel_id), 7u);
    EXPECT_EQ(rd(s, reg_slot_size), 4096u);
    EXPECT_EQ(rd(s, reg_cell_id), 2u);
    EXPECT_EQ(rd(s, reg_peer_state), 1u);
    EXPECT_EQ(rd(s, reg_peer_id), 3u);
    EXPECT_EQ(rd(s, 0xfc), 0u);
}

TEST(ChannelDevice, BarSizesButDoesNotMove) {
    State s;
    FakeHooks h;
    EXPECT_EQ(write(channel, s, 0x10, 4, 0xffffffff, h), nullptr);
    EXPECT_EQ(write(channel, s, 0x14, 4, 0xffffffff, h), nullptr);
    EXPECT_EQ(rd(s, 0x10), 0xfff0000cu);  // 1 MiB
    EXPECT_EQ(rd(s, 0x14), 0xffffffffu);
    EXPECT_EQ(write(channel, s, 0x10, 4, 0x0200000c, h), nullptr);
    EXPECT_EQ(write(channel, s, 0x14, 4, 0, h), nullptr);
    EXPECT_EQ(rd(s, 0x10), 0x0200000cu);
    EXPECT_NE(write(channel, s, 0x10, 4, 0x3000000c, h), nullptr);
    EXPECT_NE(write(channel, s, 0x14, 4, 1, h), nullptr);
    EXPECT_NE(write(channel, s, 0x10, 2, 0, h), nullptr);
    EXPECT_EQ(rd(s, 0x10), 0x0200000cu);
}

TEST(ChannelDevice, MsiSetsTheDoorbellOnlyForTheCellsCpus) {
    State s;
    FakeHooks h;
    EXPECT_EQ(write(channel, s, reg_msi + 4, 4, 0xfee05000, h), nullptr);  // CPU 5: not checked while off
    EXPECT_EQ(write(channel, s, reg_msi + 8, 2, 0x41, h), nullptr);
    EXPECT_TRUE(h.doorbells.empty());
    EXPECT_STREQ(write(channel, s, reg_msi + 2, 2, 1, h), "an MSI to a CPU outside the cell");
    EXPECT_EQ(rd(s, reg_msi + 2, 2), 0u);
    EXPECT_EQ(write(channel, s, reg_msi + 4, 4, 0xfee03000, h), nullptr);
    EXPECT_EQ(write(channel, s, reg_msi + 2, 2, 0xffff, h), nullptr);  // only enable sticks
    EXPECT_EQ(rd(s, reg_msi + 2, 2), 1u);
    ASSERT_EQ(h.doorbells.size(), 1u);
    EXPECT_EQ(h.doorbells[0], std::make_pair(uint8_t{0x41}, uint32_t{3}));
    // Moving it elsewhere while enabled is refused; off clears the doorbell.
    EXPECT_NE(write(channel, s, reg_msi + 4, 4, 0xfee05000, h), nullptr);
    EXPECT_EQ(rd(s, reg_msi + 4), 0xfee03000u);
    EXPECT_EQ(write(channel, s, reg_msi + 2, 2, 0, h), nullptr);
    ASSERT_EQ(h.doorbells.size(), 2u);
    EXPECT_EQ(h.doorbells[1].first, 0u);
}

TEST(ChannelDevice, DoorbellRingsAndReadOnlyRegistersStay) {
    State s;
    FakeHooks h;
    EXPECT_EQ(write(channel, s, reg_doorbell, 4, 1, h), nullptr);
    EXPECT_EQ(write(channel, s, reg_doorbell, 4, 0, h), nullptr);
    EXPECT_EQ(h.rings, 2);
    EXPECT_EQ(write(channel, s, reg_channel_id, 4, 99, h), nullptr);
    EXPECT_EQ(write(channel, s, 0x00, 4, 0, h), nullptr);
    EXPECT_EQ(rd(s, reg_channel_id), 7u);
    EXPECT_EQ(rd(s, 0x00), 0xbc011234u);
    EXPECT_EQ(write(channel, s, 0x04, 2, 0xffff, h), nullptr);
    EXPECT_EQ(rd(s, 0x04, 2), 0x0407u);
}

}  // namespace
