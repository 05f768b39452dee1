// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The policy for PCI configuration space of devices given to cells (pci.h)
// against a fake device that behaves like hardware: read-only IDs, BARs that
// keep only their address bits, status bits that clear when written as 1.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "pci.h"

namespace {

using namespace bh::pci;

struct Write {
    uint16_t offset;
    uint8_t size;
    uint32_t value;
};

class FakeDevice {
public:
    FakeDevice() {
        std::memset(cfg_, 0, sizeof(cfg_));
        put(0x00, 4, 0x11e81234);  // QEMU's edu
        put(0x08, 4, 0x00ff0010);
        put(reg_status, 2, status_capabilities | 0x2000);  // a latched "master abort"
        put(reg_bar0, 4, 0xfea00000);  // 1 MiB memory BAR
        bar_size_[0] = 1u << 20;
        put(reg_bar0 + 4, 4, 0xc001);  // 64-byte I/O BAR
        bar_size_[1] = 64;
        put(reg_capabilities, 1, 0x40);
        // MSI, 64-bit capable, at 0x40; MSI-X at 0x58.
        put(0x40, 1, cap_msi);
        put(0x41, 1, 0x58);
        put(0x42, 2, msi_64bit);
        put(0x58, 1, cap_msix);
        put(0x59, 1, 0x00);
    }

    uint32_t read(uint16_t offset, uint8_t size) {
        uint32_t v = 0;
        std::memcpy(&v, cfg_ + offset, size);
        return v;
    }

    void write(uint16_t offset, uint8_t size, uint32_t value) {
        writes.push_back({offset, size, value});
        for (uint8_t i = 0; i < size; ++i)
            write_byte(static_cast<uint16_t>(offset + i), static_cast<uint8_t>(value >> (8 * i)));
    }

    uint32_t peek(uint16_t offset, uint8_t size) { return read(offset, size); }
    void put(uint16_t offset, uint8_t size, uint32_t value) { std::memcpy(cfg_ + offset, &value, size); }
    bool wrote(uint16_t offset) const {
        for (const Write& w : writes)
            if (offset >= w.offset && offset < w.offset + w.size)
                return true;
        return false;
    }

    std::vector<Write> writes;

private:
    void write_byte(uint16_t at, uint8_t b) {
        if (at < 4 || (at >= 8 && at < 0x0c) || at == reg_header_type || at == 0x40 || at == 0x41 || at == 0x58 ||
            at == 0x59)
            return;  // read-only
        if (at == reg_status || at == reg_status + 1) {
            cfg_[at] &= static_cast<uint8_t>(~b);  // write 1 to clear
            return;
        }
        if (at >= reg_bar0 && at < reg_bar0 + 8) {
            unsigned bar = (at - reg_bar0) / 4;
            unsigned byte = (at - reg_bar0) % 4;
            uint32_t flags_mask = bar == 1 ? 0x3u : 0xfu;
            uint32_t keep = ~(bar_size_[bar] - 1) & ~flags_mask;
            uint8_t writable = static_cast<uint8_t>(keep >> (8 * byte));
            cfg_[at] = static_cast<uint8_t>((cfg_[at] & ~writable) | (b & writable));
            return;
        }
        cfg_[at] = b;
    }

    uint8_t cfg_[256];
    uint32_t bar_size_[7]{};
};

Device probed(FakeDevice& dev) {
    auto d = probe(dev, 0x0028);
    EXPECT_TRUE(d.ok());
    return d.ok() ? *d : Device{};
}

const char* allow_all(uint64_t, uint32_t) { return nullptr; }

TEST(PciConfig, DecodesTheAddressPort) {
    ConfigAddress a = decode_address(0x80002844, 0xcfe);
    EXPECT_TRUE(a.enabled);
    EXPECT_FALSE(a.extended);
    EXPECT_EQ(a.bdf, 0x0028);
    EXPECT_EQ(a.offset, 0x46);
    EXPECT_FALSE(decode_address(0x00002844, 0xcfc).enabled);
    EXPECT_TRUE(decode_address(0x81002800, 0xcfc).extended);
}

TEST(PciConfig, ProbeFindsCapabilitiesAndRefusesOthers) {
    FakeDevice dev;
    Device d = probed(dev);
    EXPECT_EQ(d.bdf, 0x0028);
    EXPECT_EQ(d.msi, 0x40);
    EXPECT_EQ(d.msix, 0x58);

    FakeDevice absent;
    absent.put(0, 4, 0xffffffff);
    EXPECT_EQ(probe(absent, 1).error(), bh::Errc::nodev);

    FakeDevice bridge;
    bridge.put(reg_header_type, 1, 0x81);
    EXPECT_EQ(probe(bridge, 1).error(), bh::Errc::inval);

    FakeDevice looped;
    looped.put(0x59, 1, 0x40);  // MSI-X points back to MSI
    EXPECT_EQ(probe(looped, 1).error(), bh::Errc::inval);
}

TEST(PciConfig, BarSizingReadsTheMaskAndRestoresTheBar) {
    FakeDevice dev;
    Device d = probed(dev);
    dev.put(reg_command, 2, command_memory | command_master);
    EXPECT_FALSE(write(dev, d, reg_bar0, 4, 0xffffffff, allow_all).refused());
    EXPECT_EQ(read(dev, d, reg_bar0, 4), 0xfff00000u);  // 1 MiB, 32-bit, non-prefetchable
    EXPECT_EQ(read(dev, d, reg_bar0 + 2, 2), 0xfff0u);
    // On the device the BAR is back, decoding as before.
    EXPECT_EQ(dev.peek(reg_bar0, 4), 0xfea00000u);
    EXPECT_EQ(dev.peek(reg_command, 2), command_memory | command_master);
    // The OS writes the address back: sizing ends.
    EXPECT_FALSE(write(dev, d, reg_bar0, 4, 0xfea00000, allow_all).refused());
    EXPECT_EQ(read(dev, d, reg_bar0, 4), 0xfea00000u);

    EXPECT_FALSE(write(dev, d, reg_bar0 + 4, 4, 0xffffffff, allow_all).refused());
    EXPECT_EQ(read(dev, d, reg_bar0 + 4, 4), 0xffffffc1u);  // 64 ports
}

TEST(PciConfig, MovingABarIsRefused) {
    FakeDevice dev;
    Device d = probed(dev);
    dev.writes.clear();
    EXPECT_TRUE(write(dev, d, reg_bar0, 4, 0xc0000000, allow_all).refused());
    EXPECT_TRUE(write(dev, d, reg_bar0, 2, 0xffff, allow_all).refused());
    EXPECT_EQ(dev.peek(reg_bar0, 4), 0xfea00000u);
    EXPECT_TRUE(dev.writes.empty());
}

TEST(PciConfig, CommandKeepsOnlyWhatACellMayChange) {
    FakeDevice dev;
    Device d = probed(dev);
    EXPECT_FALSE(write(dev, d, reg_command, 2, 0xffff, allow_all).refused());
    EXPECT_EQ(dev.peek(reg_command, 2), command_cell_writable);
    // A 32-bit write clears the status bits written as 1, and only those.
    EXPECT_FALSE(write(dev, d, reg_command, 4, 0x00000006, allow_all).refused());
    EXPECT_EQ(dev.peek(reg_status, 2), status_capabilities | 0x2000);
    EXPECT_FALSE(write(dev, d, reg_status, 2, 0x2000, allow_all).refused());
    EXPECT_EQ(dev.peek(reg_status, 2), status_capabilities);
    EXPECT_EQ(dev.peek(reg_command, 2), 0x0006u);
}

TEST(PciConfig, ReadOnlyRegistersAndBistAreNotWritten) {
    FakeDevice dev;
    Device d = probed(dev);
    dev.writes.clear();
    EXPECT_FALSE(write(dev, d, 0x00, 4, 0xdeadbeef, allow_all).refused());
    EXPECT_FALSE(write(dev, d, 0x2c, 4, 0xdeadbeef, allow_all).refused());
    EXPECT_FALSE(write(dev, d, 0x0c, 4, 0x40ff0010, allow_all).refused());
    EXPECT_FALSE(dev.wrote(0x00));
    EXPECT_FALSE(dev.wrote(0x2c));
    EXPECT_FALSE(dev.wrote(0x0f));  // BIST
    EXPECT_EQ(dev.peek(0x0c, 1), 0x10u);  // cache line size
    EXPECT_EQ(dev.peek(0x0d, 1), 0x00u);  // latency timer, as written
}

TEST(PciConfig, MsiIsEnabledOnlyWithAMessageThePolicyAllows) {
    FakeDevice dev;
    Device d = probed(dev);
    std::vector<std::pair<uint64_t, uint32_t>> checked;
    auto only_cpu1 = [&](uint64_t address, uint32_t data) -> const char* {
        checked.push_back({address, data});
        return address == 0xfee01000 ? nullptr : "not CPU 1";
    };
    // While MSI is off, address and data are free.
    EXPECT_FALSE(write(dev, d, 0x44, 4, 0xfee03000, only_cpu1).refused());
    EXPECT_FALSE(write(dev, d, 0x48, 4, 0, only_cpu1).refused());
    EXPECT_FALSE(write(dev, d, 0x4c, 2, 0x41, only_cpu1).refused());
    EXPECT_TRUE(checked.empty());
    // Enabling it with a message to CPU 3 is refused: MSI stays off.
    WriteOutcome o = write(dev, d, 0x42, 2, msi_64bit | msi_enable, only_cpu1);
    EXPECT_STREQ(o.refusal, "not CPU 1");
    EXPECT_EQ(dev.peek(0x42, 2) & msi_enable, 0u);
    ASSERT_EQ(checked.size(), 1u);
    EXPECT_EQ(checked[0].first, 0xfee03000u);
    EXPECT_EQ(checked[0].second, 0x41u);
    // To CPU 1 it is enabled; moving it to CPU 3 while enabled is refused.
    EXPECT_FALSE(write(dev, d, 0x44, 4, 0xfee01000, only_cpu1).refused());
    EXPECT_FALSE(write(dev, d, 0x42, 2, msi_64bit | msi_enable, only_cpu1).refused());
    EXPECT_NE(dev.peek(0x42, 2) & msi_enable, 0u);
    EXPECT_TRUE(write(dev, d, 0x44, 4, 0xfee03000, only_cpu1).refused());
    EXPECT_EQ(dev.peek(0x44, 4), 0xfee01000u);
    // A non-zero upper address half reaches the check.
    EXPECT_TRUE(write(dev, d, 0x48, 4, 1, only_cpu1).refused());
    // Multiple messages are refused.
    EXPECT_STREQ(write(dev, d, 0x42, 2, msi_64bit | msi_enable | (1u << 4), only_cpu1).refusal,
                 "MSI with multiple messages");
}

TEST(PciConfig, MsixCannotBeEnabled) {
    FakeDevice dev;
    Device d = probed(dev);
    EXPECT_TRUE(write(dev, d, 0x5a, 2, msix_enable, allow_all).refused());
    EXPECT_TRUE(write(dev, d, 0x58, 4, static_cast<uint32_t>(msix_enable) << 16, allow_all).refused());
    EXPECT_FALSE(write(dev, d, 0x5a, 2, 1u << 14, allow_all).refused());  // function mask
    EXPECT_EQ(dev.peek(0x5a, 2), 1u << 14);
}

TEST(PciConfig, QuiesceStopsDecodeDmaAndInterrupts) {
    FakeDevice dev;
    Device d = probed(dev);
    dev.put(reg_command, 2, command_memory | command_master | command_io);
    dev.put(0x42, 2, msi_64bit | msi_enable);
    dev.put(0x5a, 2, msix_enable);
    d.sizing = 1;
    quiesce(dev, d);
    EXPECT_EQ(dev.peek(reg_command, 2), command_intx_disable);
    EXPECT_EQ(dev.peek(0x42, 2), msi_64bit);
    EXPECT_EQ(dev.peek(0x5a, 2), 0u);
    EXPECT_EQ(d.sizing, 0u);
}

TEST(PciConfig, DeviceSpecificRegistersPassThrough) {
    FakeDevice dev;
    Device d = probed(dev);
    EXPECT_FALSE(write(dev, d, 0x80, 4, 0x12345678, allow_all).refused());
    EXPECT_EQ(dev.peek(0x80, 4), 0x12345678u);
}

}  // namespace

namespace {

TEST(PciConfig, MsiWriteCheckForAnyDevice) {
    FakeDevice dev;
    EXPECT_EQ(find_capability(dev, cap_msi), 0x40);
    EXPECT_EQ(find_capability(dev, cap_msix), 0x58);
    EXPECT_EQ(find_capability(dev, 0x10), 0);
    auto refuse_all = [](uint64_t, uint32_t) -> const char* { return "no"; };
    // Outside the capability, or leaving MSI off: not judged.
    EXPECT_EQ(check_msi_write(dev, 0x40, 0x80, 4, 1, refuse_all), nullptr);
    EXPECT_EQ(check_msi_write(dev, 0x40, 0x44, 4, 0xfee03000, refuse_all), nullptr);
    EXPECT_EQ(check_msi_write(dev, 0, 0x42, 2, msi_enable, refuse_all), nullptr);
    EXPECT_STREQ(check_msi_write(dev, 0x40, 0x42, 2, msi_64bit | msi_enable, refuse_all), "no");
}

}  // namespace
