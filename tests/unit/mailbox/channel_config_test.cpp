// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// What both ends of a configured channel derive from the config on their
// own (include/bulkhead/mailbox.h, hypercall.h): the slot count of a region,
// and which doorbell vectors a cell may register.
#include <gtest/gtest.h>

#include <vector>

#include <bulkhead/hypercall.h>
#include <bulkhead/mailbox.h>

#include "channel_test_support.h"

namespace bh::ipc::test {
namespace {

TEST(ChannelGeometry, LargestPowerOfTwoThatFits) {
    uint32_t r = 0;
    // 1 MiB with 4 KiB slots: 64 slots need 4 KiB + 2 * 268 KiB.
    ASSERT_EQ(bh_channel_geometry(0x100000, 4096, &r), 0);
    EXPECT_EQ(r, 64u);
    EXPECT_LE(bh_mailbox_region_size(4096, r), 0x100000u);
    // 64 KiB slots in 1 MiB: 8 do not fit (each side needs > 512 KiB), 4 do.
    ASSERT_EQ(bh_channel_geometry(0x100000, 65536, &r), 0);
    EXPECT_EQ(r, 4u);
    EXPECT_GT(bh_mailbox_region_size(65536, 8), 0x100000u);
}

TEST(ChannelGeometry, ExactFitAndOneByteShort) {
    uint32_t r = 0;
    uint64_t one_slot = bh_mailbox_region_size(4096, 1);
    ASSERT_EQ(bh_channel_geometry(one_slot, 4096, &r), 0);
    EXPECT_EQ(r, 1u);
    EXPECT_EQ(bh_channel_geometry(one_slot - 1, 4096, &r), -1);
    uint64_t two_slots = bh_mailbox_region_size(4096, 2);
    ASSERT_EQ(bh_channel_geometry(two_slots, 4096, &r), 0);
    EXPECT_EQ(r, 2u);
}

TEST(ChannelGeometry, RefusesInvalidSlotSizes) {
    uint32_t r = 7;
    EXPECT_EQ(bh_channel_geometry(0x100000, 0, &r), -1);
    EXPECT_EQ(bh_channel_geometry(0x100000, 100, &r), -1);  // not a line multiple
    EXPECT_EQ(bh_channel_geometry(0x100000, 32, &r), -1);   // below the minimum
    EXPECT_EQ(bh_channel_geometry(UINT64_MAX, BH_MAILBOX_MAX_SLOT_SIZE * 2u, &r), -1);
    EXPECT_EQ(r, 7u);  // untouched on failure
    EXPECT_EQ(bh_channel_geometry(0, 4096, &r), -1);
}

TEST(ChannelGeometry, EndpointsOpenWithTheDerivedGeometry) {
    uint32_t r = 0;
    ASSERT_EQ(bh_channel_geometry(0x100000, 4096, &r), 0);
    Region region(Geometry{4096, r});
    SteppingClock clock;
    auto a = Endpoint::open(region.span(), Side::zero, clock, region.options());
    auto b = Endpoint::open(region.span(), Side::one, clock, region.options());
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(b.ok());
    // A 1 MiB transaction (the device's maximum) crosses in 256 slots.
    std::vector<uint8_t> out(BH_CHANNEL_MAX_TRANSACTION), in(BH_CHANNEL_MAX_TRANSACTION);
    for (size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<uint8_t>(i * 131 + 7);
    uint32_t received = 0;
    bool sent = false;
    for (int steps = 0; steps < 10000 && received == 0; ++steps) {
        if (!sent) {
            auto s = a->try_send_slot({out.data(), out.size()});
            sent = s.ok() && *s == SlotProgress::complete;
        }
        auto g = b->try_receive_slot({in.data(), in.size()});
        if (g.ok() && g->progress == SlotProgress::complete)
            received = g->transaction_size;
    }
    EXPECT_EQ(received, BH_CHANNEL_MAX_TRANSACTION);
    EXPECT_EQ(in, out);
}

TEST(ChannelVector, ZeroOr32To255) {
    EXPECT_TRUE(bh_channel_vector_valid(0));
    EXPECT_TRUE(bh_channel_vector_valid(32));
    EXPECT_TRUE(bh_channel_vector_valid(0x40));
    EXPECT_TRUE(bh_channel_vector_valid(255));
    EXPECT_FALSE(bh_channel_vector_valid(1));
    EXPECT_FALSE(bh_channel_vector_valid(31));
    EXPECT_FALSE(bh_channel_vector_valid(256));
    EXPECT_FALSE(bh_channel_vector_valid(0x100000040ull));  // high bits are not ignored
    EXPECT_FALSE(bh_channel_vector_valid(UINT64_MAX));
}

}  // namespace
}  // namespace bh::ipc::test
