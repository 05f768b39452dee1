// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The ABI headers are shared by kernel C, freestanding C++ and host C++; the
// offsets below are what Documentation/config-format.md promises.
#include <bulkhead/config.h>
#include <bulkhead/image.h>
#include <bulkhead/ioctl.h>
#include <gtest/gtest.h>

#include <cstddef>

TEST(Abi, CellDescriptorOffsets) {
    EXPECT_EQ(offsetof(bh_cell_desc, signature), 0u);
    EXPECT_EQ(offsetof(bh_cell_desc, revision), 8u);
    EXPECT_EQ(offsetof(bh_cell_desc, total_size), 12u);
    EXPECT_EQ(offsetof(bh_cell_desc, name), 16u);
    EXPECT_EQ(offsetof(bh_cell_desc, id), 48u);
    EXPECT_EQ(offsetof(bh_cell_desc, cpu_set_size), 56u);
    EXPECT_EQ(offsetof(bh_cell_desc, num_channels), 76u);
    EXPECT_EQ(offsetof(bh_cell_desc, cpu_reset_address), 80u);
    EXPECT_EQ(sizeof(bh_cell_desc), 104u);
}

TEST(Abi, SystemConfigOffsets) {
    EXPECT_EQ(offsetof(bh_system_config, hypervisor_memory), 24u);
    EXPECT_EQ(offsetof(bh_system_config, debug_console), 56u);
    EXPECT_EQ(offsetof(bh_system_config, platform), 72u);
    EXPECT_EQ(offsetof(bh_system_config, root_cell), 360u);
    EXPECT_EQ(offsetof(bh_platform_info, ram), 32u);
}

TEST(Abi, ArraysStayEightByteAligned) {
    // Every array element size is a multiple of 8, so arrays that follow a
    // descriptor stay naturally aligned whatever the counts.
    EXPECT_EQ(sizeof(bh_memory_region) % 8, 0u);
    EXPECT_EQ(sizeof(bh_irqchip) % 8, 0u);
    EXPECT_EQ(sizeof(bh_pio_range) % 8, 0u);
    EXPECT_EQ(sizeof(bh_pci_device) % 8, 0u);
    EXPECT_EQ(sizeof(bh_channel) % 8, 0u);
    EXPECT_EQ(sizeof(bh_cell_desc) % 8, 0u);
    EXPECT_EQ(sizeof(bh_system_config) % 8, 0u);
}

TEST(Abi, IoctlNumbersAreDistinct) {
    EXPECT_NE(BH_IOCTL_ENABLE, BH_IOCTL_CELL_CREATE);
    EXPECT_EQ(_IOC_SIZE(BH_IOCTL_ENABLE), sizeof(bh_ioctl_config));
    EXPECT_EQ(_IOC_SIZE(BH_IOCTL_INFO), sizeof(bh_ioctl_info));
}

TEST(Abi, ImageHeader) {
    EXPECT_EQ(sizeof(bh_image_header), 96u);
    EXPECT_EQ(offsetof(bh_image_header, config_offset), 48u);
}
