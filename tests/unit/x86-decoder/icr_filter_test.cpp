// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The IPI policy (icr_filter.h) with ICR values as Linux 6.1 writes them:
// xAPIC flat logical (apic_flat, up to 8 CPUs), xAPIC physical (physflat),
// x2APIC cluster logical (x2apic_cluster) and x2APIC physical; plus INIT,
// SIPI, NMI and the shorthands.
#include <gtest/gtest.h>

#include <vector>

#include "icr_filter.h"

namespace {

using namespace bh::x86::apic;

constexpr uint32_t fixed(uint32_t vector) { return vector | icr_level_assert; }
constexpr uint32_t logical = icr_dest_logical;
constexpr uint32_t init_assert = (dm_init << 8) | icr_level_assert | icr_trigger_level;
constexpr uint32_t sipi(uint32_t page) { return (dm_startup << 8) | page; }
constexpr uint32_t nmi = (dm_nmi << 8) | icr_level_assert;
constexpr uint32_t shorthand(uint32_t s) { return s << 18; }

uint64_t xapic_icr(uint32_t dest, uint32_t low) { return (static_cast<uint64_t>(dest << 24) << 32) | low; }
uint64_t x2apic_icr(uint32_t dest, uint32_t low) { return (static_cast<uint64_t>(dest) << 32) | low; }

// The root cell with CPUs 0-2 of a 4-CPU PC (CPU 3 is elsewhere), xAPIC
// flat model: LDR = 1 << cpu, as Linux's apic_flat sets it.
std::vector<CellCpu> xapic_flat_cell() {
    return {{0, 0x01000000, 0xffffffff}, {1, 0x02000000, 0xffffffff}, {2, 0x04000000, 0xffffffff}};
}

std::vector<CellCpu> x2apic_cell() {
    return {{0, x2apic_logical_id(0), 0}, {1, x2apic_logical_id(1), 0}, {2, x2apic_logical_id(2), 0}};
}

std::vector<uint32_t> targets(const IcrDecision& d, size_t count) {
    std::vector<uint32_t> t;
    for (uint32_t i = 0; i < count; ++i)
        if (d.targets.contains(i))
            t.push_back(i);
    return t;
}

using V = std::vector<uint32_t>;

TEST(IcrFilter, X2apicLogicalId) {
    EXPECT_EQ(x2apic_logical_id(0), 0x00001u);
    EXPECT_EQ(x2apic_logical_id(3), 0x00008u);
    EXPECT_EQ(x2apic_logical_id(17), 0x10002u);
}

TEST(IcrFilter, PhysicalToOwnCpu) {
    auto cell = xapic_flat_cell();
    IcrDecision d = filter_icr(Mode::xapic, xapic_icr(2, fixed(0xfd)), cell.data(), 3, 0);
    EXPECT_EQ(d.refusal, Refusal::none);
    EXPECT_EQ(targets(d, 3), (V{2}));
    EXPECT_EQ(d.send_low, fixed(0xfd));  // physical, no shorthand
}

TEST(IcrFilter, PhysicalToForeignCpuIsRefused) {
    auto cell = xapic_flat_cell();
    IcrDecision d = filter_icr(Mode::xapic, xapic_icr(3, fixed(0xfd)), cell.data(), 3, 0);
    EXPECT_EQ(d.refusal, Refusal::destination);
    EXPECT_EQ(d.refused_destination, 3u);
    EXPECT_TRUE(d.targets.empty());

    auto cell2 = x2apic_cell();
    d = filter_icr(Mode::x2apic, x2apic_icr(3, nmi), cell2.data(), 3, 1);
    EXPECT_EQ(d.refusal, Refusal::destination);
    EXPECT_TRUE(d.targets.empty());
    // An x2APIC id that only matches in its low 8 bits is not the CPU.
    d = filter_icr(Mode::x2apic, x2apic_icr(0x100, fixed(0x30)), cell2.data(), 3, 1);
    EXPECT_EQ(d.refusal, Refusal::destination);
}

TEST(IcrFilter, InitAndSipiAreNeverSent) {
    auto cell = xapic_flat_cell();
    for (uint32_t low : {init_assert, static_cast<uint32_t>((dm_init << 8) | icr_trigger_level), sipi(0x9a),
                         static_cast<uint32_t>(dm_smi << 8), static_cast<uint32_t>(dm_reserved3 << 8),
                         static_cast<uint32_t>(dm_extint << 8)}) {
        // Not to a foreign CPU, and not to the cell's own either.
        for (uint32_t dest : {3u, 1u}) {
            IcrDecision d = filter_icr(Mode::xapic, xapic_icr(dest, low), cell.data(), 3, 0);
            EXPECT_EQ(d.refusal, Refusal::delivery_mode) << std::hex << low;
            EXPECT_TRUE(d.targets.empty());
        }
        IcrDecision d = filter_icr(Mode::x2apic, x2apic_icr(1, low), x2apic_cell().data(), 3, 0);
        EXPECT_EQ(d.refusal, Refusal::delivery_mode);
    }
}

TEST(IcrFilter, NmiWithinTheCell) {
    auto cell = x2apic_cell();
    IcrDecision d = filter_icr(Mode::x2apic, x2apic_icr(2, nmi), cell.data(), 3, 0);
    EXPECT_EQ(d.refusal, Refusal::none);
    EXPECT_EQ(targets(d, 3), (V{2}));
    EXPECT_EQ(d.send_low, nmi);
}

TEST(IcrFilter, FlatLogicalMasks) {
    auto cell = xapic_flat_cell();
    // flat_send_IPI_mask to CPUs 1 and 2.
    IcrDecision d = filter_icr(Mode::xapic, xapic_icr(0x06, fixed(0xfb) | logical), cell.data(), 3, 0);
    EXPECT_EQ(d.refusal, Refusal::none);
    EXPECT_EQ(targets(d, 3), (V{1, 2}));
    EXPECT_EQ(d.send_low & icr_dest_logical, 0u);  // sent physical
    // To CPU 3's logical id: refused.
    d = filter_icr(Mode::xapic, xapic_icr(0x08, fixed(0xfb) | logical), cell.data(), 3, 0);
    EXPECT_EQ(d.refusal, Refusal::destination);
    EXPECT_EQ(d.refused_destination, 0x08u);
    EXPECT_TRUE(d.targets.empty());
    // A mask with CPUs 1 and 3: CPU 1 gets it, CPU 3's bit is refused.
    d = filter_icr(Mode::xapic, xapic_icr(0x0a, fixed(0xfb) | logical), cell.data(), 3, 0);
    EXPECT_EQ(d.refusal, Refusal::destination);
    EXPECT_EQ(d.refused_destination, 0x08u);
    EXPECT_EQ(targets(d, 3), (V{1}));
    // Logical destination 0 addresses nobody.
    d = filter_icr(Mode::xapic, xapic_icr(0, fixed(0xfb) | logical), cell.data(), 3, 0);
    EXPECT_EQ(d.refusal, Refusal::none);
    EXPECT_TRUE(d.targets.empty());
}

TEST(IcrFilter, XapicClusterModel) {
    // DFR cluster model: cluster 1, CPUs with bits 1 and 2; CPU 3 of the
    // machine would be cluster 1 bit 8.
    std::vector<CellCpu> cell = {{0, 0x11000000, 0x0fffffff}, {1, 0x12000000, 0x0fffffff}};
    IcrDecision d = filter_icr(Mode::xapic, xapic_icr(0x13, fixed(0x40) | logical), cell.data(), 2, 0);
    EXPECT_EQ(d.refusal, Refusal::none);
    EXPECT_EQ(targets(d, 2), (V{0, 1}));
    d = filter_icr(Mode::xapic, xapic_icr(0x18, fixed(0x40) | logical), cell.data(), 2, 0);
    EXPECT_EQ(d.refusal, Refusal::destination);
    EXPECT_EQ(d.refused_destination, 0x18u);
    d = filter_icr(Mode::xapic, xapic_icr(0x21, fixed(0x40) | logical), cell.data(), 2, 0);  // other cluster
    EXPECT_EQ(d.refusal, Refusal::destination);
    EXPECT_TRUE(d.targets.empty());
}

TEST(IcrFilter, X2apicClusterLogical) {
    // x2apic_cluster: dest = cluster << 16 | bits of the CPUs in it.
    auto cell = x2apic_cell();
    IcrDecision d = filter_icr(Mode::x2apic, x2apic_icr(0x00000005, fixed(0xfc) | logical), cell.data(), 3, 1);
    EXPECT_EQ(d.refusal, Refusal::none);
    EXPECT_EQ(targets(d, 3), (V{0, 2}));
    d = filter_icr(Mode::x2apic, x2apic_icr(0x0000000c, fixed(0xfc) | logical), cell.data(), 3, 1);
    EXPECT_EQ(d.refusal, Refusal::destination);
    EXPECT_EQ(d.refused_destination, 0x8u);
    EXPECT_EQ(targets(d, 3), (V{2}));
    // Cluster 1 holds nothing of the cell.
    d = filter_icr(Mode::x2apic, x2apic_icr(0x00010001, fixed(0xfc) | logical), cell.data(), 3, 1);
    EXPECT_EQ(d.refusal, Refusal::destination);
    EXPECT_EQ(d.refused_destination, 0x10001u);
    EXPECT_TRUE(d.targets.empty());
}

TEST(IcrFilter, BroadcastsAndShorthandsStayInTheCell) {
    auto cell = xapic_flat_cell();
    IcrDecision d = filter_icr(Mode::xapic, xapic_icr(0xff, fixed(0x30)), cell.data(), 3, 1);
    EXPECT_EQ(d.refusal, Refusal::none);
    EXPECT_EQ(targets(d, 3), (V{0, 1, 2}));
    d = filter_icr(Mode::xapic, xapic_icr(0xff, fixed(0x30) | logical), cell.data(), 3, 1);
    EXPECT_EQ(targets(d, 3), (V{0, 1, 2}));
    d = filter_icr(Mode::xapic, xapic_icr(0, fixed(0x30) | shorthand(sh_all_excluding_self)), cell.data(), 3, 1);
    EXPECT_EQ(d.refusal, Refusal::none);
    EXPECT_EQ(targets(d, 3), (V{0, 2}));
    EXPECT_EQ(d.send_low & icr_shorthand, 0u);
    d = filter_icr(Mode::xapic, xapic_icr(3, nmi | shorthand(sh_all_including_self)), cell.data(), 3, 1);
    EXPECT_EQ(targets(d, 3), (V{0, 1, 2}));
    d = filter_icr(Mode::xapic, xapic_icr(3, fixed(0xf0) | shorthand(sh_self)), cell.data(), 3, 1);
    EXPECT_EQ(d.refusal, Refusal::none);  // the destination field is ignored
    EXPECT_EQ(targets(d, 3), (V{1}));

    auto cell2 = x2apic_cell();
    d = filter_icr(Mode::x2apic, x2apic_icr(0xffffffff, fixed(0x30)), cell2.data(), 3, 0);
    EXPECT_EQ(targets(d, 3), (V{0, 1, 2}));
    d = filter_icr(Mode::x2apic, x2apic_icr(0xffffffff, fixed(0x30) | logical), cell2.data(), 3, 0);
    EXPECT_EQ(targets(d, 3), (V{0, 1, 2}));
    // 0xff is an ordinary x2APIC id, not a broadcast.
    d = filter_icr(Mode::x2apic, x2apic_icr(0xff, fixed(0x30)), cell2.data(), 3, 0);
    EXPECT_EQ(d.refusal, Refusal::destination);
    // INIT by shorthand is refused like any INIT.
    d = filter_icr(Mode::x2apic, x2apic_icr(0, init_assert | shorthand(sh_all_excluding_self)), cell2.data(), 3, 0);
    EXPECT_EQ(d.refusal, Refusal::delivery_mode);
    EXPECT_TRUE(d.targets.empty());
}

TEST(IcrFilter, LowestPriorityBecomesFixedToOneCpu) {
    auto cell = xapic_flat_cell();
    IcrDecision d = filter_icr(Mode::xapic, xapic_icr(0x06, (dm_lowest << 8) | 0x41 | logical), cell.data(), 3, 0);
    EXPECT_EQ(d.refusal, Refusal::none);
    EXPECT_EQ(targets(d, 3), (V{1}));
    EXPECT_EQ(d.send_low, 0x41u);
}

TEST(IcrFilter, SendLowKeepsOnlyVectorModeLevelTrigger) {
    auto cell = xapic_flat_cell();
    uint32_t low = 0xef | icr_level_assert | icr_trigger_level | icr_busy | logical | (0xffu << 20);
    IcrDecision d = filter_icr(Mode::xapic, xapic_icr(0x01, low), cell.data(), 3, 0);
    EXPECT_EQ(d.send_low, 0xefu | icr_level_assert | icr_trigger_level);
}

TEST(IcrFilter, SingleCpuCell) {
    std::vector<CellCpu> cell = {{5, 0x20000000, 0xffffffff}};
    IcrDecision d = filter_icr(Mode::xapic, xapic_icr(0, fixed(0x30) | shorthand(sh_all_excluding_self)),
                               cell.data(), 1, 0);
    EXPECT_EQ(d.refusal, Refusal::none);
    EXPECT_TRUE(d.targets.empty());
    d = filter_icr(Mode::xapic, xapic_icr(5, fixed(0x30)), cell.data(), 1, 0);
    EXPECT_EQ(targets(d, 1), (V{0}));
    d = filter_icr(Mode::xapic, xapic_icr(0, fixed(0x30)), cell.data(), 1, 0);
    EXPECT_EQ(d.refusal, Refusal::destination);
}

TEST(IcrFilter, TargetSetCounts) {
    TargetSet s;
    EXPECT_TRUE(s.empty());
    s.add(0);
    s.add(max_cell_cpus - 1);
    EXPECT_EQ(s.count(), 2u);
    s.remove(0);
    EXPECT_FALSE(s.contains(0));
    EXPECT_TRUE(s.contains(max_cell_cpus - 1));
}

// IOAPIC redirection entries as Linux 6.1 programs them: vector, delivery
// mode, destination mode in the low word, the 8-bit destination in 63:56.
uint64_t rte(uint32_t dest, uint32_t low) { return (static_cast<uint64_t>(dest) << 56) | low; }
constexpr uint32_t level_low_active = 0x8000 | 0x2000;

TEST(RedirectionFilter, MaskedIsAlwaysAllowed) {
    auto cell = xapic_flat_cell();
    EXPECT_EQ(check_redirection_entry(Mode::xapic, rte(0xff, 0x10000 | init_assert), cell.data(), 3),
              RteVerdict::allowed);
}

TEST(RedirectionFilter, XapicFlatLogicalOwnCpus) {
    auto cell = xapic_flat_cell();
    EXPECT_EQ(check_redirection_entry(Mode::xapic, rte(0x04, logical | 0x22), cell.data(), 3), RteVerdict::allowed);
    EXPECT_EQ(check_redirection_entry(Mode::xapic, rte(0x07, logical | (dm_lowest << 8) | 0x22), cell.data(), 3),
              RteVerdict::allowed);
    EXPECT_EQ(check_redirection_entry(Mode::xapic, rte(0x01, logical | level_low_active | 0x41), cell.data(), 3),
              RteVerdict::allowed);
}

TEST(RedirectionFilter, XapicFlatLogicalForeignCpu) {
    auto cell = xapic_flat_cell();
    EXPECT_EQ(check_redirection_entry(Mode::xapic, rte(0x08, logical | 0x22), cell.data(), 3),
              RteVerdict::destination);
    // Part of the destination is enough to refuse: the IOAPIC would deliver there.
    EXPECT_EQ(check_redirection_entry(Mode::xapic, rte(0x09, logical | (dm_lowest << 8) | 0x22), cell.data(), 3),
              RteVerdict::destination);
}

TEST(RedirectionFilter, PhysicalDestinations) {
    auto cell = xapic_flat_cell();
    EXPECT_EQ(check_redirection_entry(Mode::xapic, rte(2, 0x30), cell.data(), 3), RteVerdict::allowed);
    EXPECT_EQ(check_redirection_entry(Mode::xapic, rte(3, 0x30), cell.data(), 3), RteVerdict::destination);
    auto x2 = x2apic_cell();
    EXPECT_EQ(check_redirection_entry(Mode::x2apic, rte(1, 0x30), x2.data(), 3), RteVerdict::allowed);
    EXPECT_EQ(check_redirection_entry(Mode::x2apic, rte(3, 0x30), x2.data(), 3), RteVerdict::destination);
    EXPECT_EQ(check_redirection_entry(Mode::x2apic, rte(1, logical | 0x30), x2.data(), 3), RteVerdict::destination);
}

TEST(RedirectionFilter, BroadcastIsRefused) {
    auto cell = xapic_flat_cell();
    EXPECT_EQ(check_redirection_entry(Mode::xapic, rte(0xff, 0x30), cell.data(), 3), RteVerdict::destination);
    EXPECT_EQ(check_redirection_entry(Mode::xapic, rte(0xff, logical | 0x30), cell.data(), 3),
              RteVerdict::destination);
}

TEST(RedirectionFilter, DeliveryModes) {
    auto cell = xapic_flat_cell();
    EXPECT_EQ(check_redirection_entry(Mode::xapic, rte(0, nmi), cell.data(), 3), RteVerdict::allowed);
    EXPECT_EQ(check_redirection_entry(Mode::xapic, rte(0, dm_smi << 8), cell.data(), 3), RteVerdict::delivery_mode);
    EXPECT_EQ(check_redirection_entry(Mode::xapic, rte(0, init_assert), cell.data(), 3), RteVerdict::delivery_mode);
    EXPECT_EQ(check_redirection_entry(Mode::xapic, rte(0, dm_extint << 8), cell.data(), 3),
              RteVerdict::delivery_mode);
}

TEST(RedirectionFilter, RemappableFormatIsLeftToTheIommu) {
    auto cell = xapic_flat_cell();
    EXPECT_EQ(check_redirection_entry(Mode::x2apic, rte(0, 0x30) | rte_remappable, cell.data(), 3),
              RteVerdict::remapped);
}


// --- MSI messages of a device given to a cell ---------------------------------

constexpr uint64_t msi_address(uint32_t dest) { return 0xfee00000ull | (dest << 12); }

TEST(MsiFilter, FixedToOwnCpuIsAllowed) {
    auto cell = xapic_flat_cell();
    EXPECT_EQ(check_msi_message(Mode::xapic, msi_address(2), 0x41, cell.data(), 3), nullptr);
    EXPECT_EQ(check_msi_message(Mode::xapic, msi_address(0), (dm_lowest << 8) | 0x41, cell.data(), 3), nullptr);
    auto x2 = x2apic_cell();
    EXPECT_EQ(check_msi_message(Mode::x2apic, msi_address(1), 0xec, x2.data(), 3), nullptr);
}

TEST(MsiFilter, ForeignCpuAndBroadcastAreRefused) {
    auto cell = xapic_flat_cell();
    EXPECT_STREQ(check_msi_message(Mode::xapic, msi_address(3), 0x41, cell.data(), 3),
                 "an MSI to a CPU outside the cell");
    EXPECT_STREQ(check_msi_message(Mode::xapic, msi_address(0xff), 0x41, cell.data(), 3), "a broadcast MSI");
}

TEST(MsiFilter, FormatsAndModesAreRefused) {
    auto cell = xapic_flat_cell();
    const CellCpu* c = cell.data();
    EXPECT_NE(check_msi_message(Mode::xapic, 0xfed00000, 0x41, c, 3), nullptr);                  // not the MSI window
    EXPECT_NE(check_msi_message(Mode::xapic, msi_address(0) | (1ull << 32), 0x41, c, 3), nullptr);  // high address
    EXPECT_NE(check_msi_message(Mode::xapic, msi_address(0) | 0x10, 0x41, c, 3), nullptr);       // remappable
    EXPECT_NE(check_msi_message(Mode::xapic, msi_address(1) | 0x4, 0x41, c, 3), nullptr);        // logical
    EXPECT_NE(check_msi_message(Mode::xapic, msi_address(0), (dm_nmi << 8) | 2, c, 3), nullptr);
    EXPECT_NE(check_msi_message(Mode::xapic, msi_address(0), (dm_smi << 8), c, 3), nullptr);
    EXPECT_NE(check_msi_message(Mode::xapic, msi_address(0), (dm_init << 8), c, 3), nullptr);
    EXPECT_NE(check_msi_message(Mode::xapic, msi_address(0), (dm_extint << 8), c, 3), nullptr);
    EXPECT_NE(check_msi_message(Mode::xapic, msi_address(0), 0x8041, c, 3), nullptr);  // level
    EXPECT_NE(check_msi_message(Mode::xapic, msi_address(0), 0x0f, c, 3), nullptr);    // exception vector
}

}  // namespace

namespace {

TEST(RootMsiFilter, LinuxFormatsOfTheRootAreAllowed) {
    auto root = xapic_flat_cell();
    // physflat, flat logical (one bit per CPU), remappable (the IOMMU's).
    EXPECT_EQ(check_root_msi_message(Mode::xapic, 0xfee01000, 0x41, root.data(), 3), nullptr);
    EXPECT_EQ(check_root_msi_message(Mode::xapic, 0xfee04004, 0x41, root.data(), 3), nullptr);
    EXPECT_EQ(check_root_msi_message(Mode::xapic, 0xfee0000c | (0x06 << 12), 0x141, root.data(), 3), nullptr);
    EXPECT_EQ(check_root_msi_message(Mode::x2apic, 0xfee00010, 0, root.data(), 3), nullptr);
}

TEST(RootMsiFilter, OtherCpusAreRefused) {
    auto root = xapic_flat_cell();
    EXPECT_NE(check_root_msi_message(Mode::xapic, 0xfee03000, 0x41, root.data(), 3), nullptr);  // physical 3
    EXPECT_NE(check_root_msi_message(Mode::xapic, 0xfee08004, 0x41, root.data(), 3), nullptr);  // logical bit 3
    EXPECT_NE(check_root_msi_message(Mode::xapic, 0xfee0f004, 0x41, root.data(), 3), nullptr);  // 0-3
    EXPECT_NE(check_root_msi_message(Mode::xapic, 0xfeeff004, 0x41, root.data(), 3), nullptr);  // broadcast
    EXPECT_NE(check_root_msi_message(Mode::xapic, 0xfee01004, 0x441, root.data(), 3), nullptr);  // NMI
    EXPECT_NE(check_root_msi_message(Mode::x2apic, 0xfee01004, 0x41, x2apic_cell().data(), 3), nullptr);
}

}  // namespace
