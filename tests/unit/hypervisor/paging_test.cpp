// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Nested page tables are what keeps the root cell out of hypervisor memory,
// so the builder is checked here against an independent walker: leaf sizes,
// permissions, the U/S rule of nested paging, splitting, 4 and 5 levels, and
// running out of pool pages.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <optional>

#include "../../../hypervisor/arch/x86/paging.h"
#include "hypervisor.h"

namespace bh {

namespace {
Hypervisor fake_hypervisor;
}
Hypervisor& hypervisor() { return fake_hypervisor; }

}  // namespace bh

namespace {

using namespace bh;
using namespace bh::x86;

constexpr uint64_t fake_phys_base = 0x3b000000;
constexpr size_t pool_pages = 512;
constexpr uint64_t gib = 1ull << 30;
constexpr uint64_t mib2 = 2ull << 20;

class Paging : public ::testing::Test {
protected:
    void SetUp() override {
        memory_ = static_cast<uint8_t*>(std::aligned_alloc(4096, pool_pages * 4096));
        Hypervisor& hv = hypervisor();
        hv.virt_base = reinterpret_cast<uint64_t>(memory_);
        hv.phys_base = fake_phys_base;
        hv.size = pool_pages * 4096;
        hv.pool.init(hv.virt_base, pool_pages);
    }
    void TearDown() override { std::free(memory_); }

    struct Translation {
        uint64_t phys;
        uint64_t entry;     // the leaf entry
        uint64_t size;      // the leaf's page size
        bool user_everywhere;
    };

    // An independent walk of the tables the builder made.
    static std::optional<Translation> walk(const PageTable& table, unsigned levels, uint64_t virt) {
        uint64_t table_phys = table.root_phys();
        bool user = true;
        for (unsigned level = levels; level >= 1; --level) {
            auto* entries = phys_to_virt<uint64_t>(table_phys);
            unsigned shift = 12 + 9 * (level - 1);
            uint64_t entry = entries[(virt >> shift) & 511];
            if (!(entry & pte_present))
                return std::nullopt;
            user = user && (entry & pte_user);
            if (level == 1 || (entry & pte_large)) {
                uint64_t size = 1ull << shift;
                return Translation{(entry & pte_addr_mask & ~(size - 1)) + (virt & (size - 1)), entry, size, user};
            }
            table_phys = entry & pte_addr_mask;
        }
        return std::nullopt;
    }

    uint8_t* memory_ = nullptr;
};

TEST_F(Paging, PoolHandsOutZeroedAlignedPagesAndTracksUse) {
    PagePool& pool = hypervisor().pool;
    auto one = pool.alloc();
    ASSERT_TRUE(one.ok());
    std::memset(*one, 0xaa, 4096);
    pool.free(*one);
    auto again = pool.alloc();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(static_cast<uint8_t*>(*again)[100], 0);  // zeroed on allocation
    auto four = pool.alloc(4);
    ASSERT_TRUE(four.ok());
    EXPECT_EQ((reinterpret_cast<uint64_t>(*four) - hypervisor().virt_base) % (4 * 4096), 0u);
    EXPECT_EQ(pool.used_pages(), 5u);
    pool.free(*four, 4);
    EXPECT_EQ(pool.used_pages(), 1u);
    EXPECT_EQ(pool.alloc(0).error(), Errc::inval);
    EXPECT_EQ(pool.alloc(pool_pages).error(), Errc::nomem);
}

TEST_F(Paging, ChoosesTheLargestLeafAlignmentAllows) {
    auto table = PageTable::create(4, true, true);
    ASSERT_TRUE(table.ok());
    // 1 GiB + 2 MiB + 4 KiB, starting 1 GiB aligned.
    ASSERT_TRUE(table->map(gib, gib, gib + mib2 + 4096, pte_write).ok());
    auto a = walk(*table, 4, gib + 12345);
    auto b = walk(*table, 4, 2 * gib + 4096);
    auto c = walk(*table, 4, 2 * gib + mib2 + 8);
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(a->size, gib);
    EXPECT_EQ(a->phys, gib + 12345);
    EXPECT_EQ(b->size, mib2);
    EXPECT_EQ(c->size, 4096u);
    EXPECT_EQ(c->phys, 2 * gib + mib2 + 8);
    EXPECT_FALSE(walk(*table, 4, 2 * gib + mib2 + 4096));  // just past the end
    EXPECT_FALSE(walk(*table, 4, gib - 1));                // just before
}

TEST_F(Paging, WithoutGigabytePagesNoGigabyteLeaves) {
    auto table = PageTable::create(4, false, true);
    ASSERT_TRUE(table.ok());
    ASSERT_TRUE(table->map(0, 0, 2 * gib, pte_write).ok());
    for (uint64_t va : {uint64_t{0}, gib - 1, gib, 2 * gib - 1}) {
        auto t = walk(*table, 4, va);
        ASSERT_TRUE(t);
        EXPECT_EQ(t->size, mib2) << std::hex << va;
        EXPECT_EQ(t->phys, va);
    }
}

TEST_F(Paging, NestedTablesSetUserAtEveryLevelHostTablesNever) {
    auto nested = PageTable::create(4, true, true);
    auto host = PageTable::create(4, true, false);
    ASSERT_TRUE(nested.ok() && host.ok());
    ASSERT_TRUE(nested->map(0x100000, 0x100000, 0x3000, pte_write).ok());
    ASSERT_TRUE(host->map(0x100000, 0x100000, 0x3000, pte_write).ok());
    auto n = walk(*nested, 4, 0x101000);
    auto h = walk(*host, 4, 0x101000);
    ASSERT_TRUE(n && h);
    // The nested walk is a user access: without U/S anywhere it faults.
    EXPECT_TRUE(n->user_everywhere);
    // The host runs with Linux's SMAP/SMEP: a user page would fault there.
    EXPECT_FALSE(h->entry & pte_user);
}

TEST_F(Paging, PermissionsReachTheLeaf) {
    auto table = PageTable::create(4, true, true);
    ASSERT_TRUE(table.ok());
    ASSERT_TRUE(table->map(0x200000, 0x200000, 0x1000, pte_nx).ok());  // read-only, no execute
    ASSERT_TRUE(table->map(0x400000, 0x400000, 0x1000, pte_write | pte_pcd | pte_pwt).ok());
    auto ro = walk(*table, 4, 0x200000);
    auto uc = walk(*table, 4, 0x400000);
    ASSERT_TRUE(ro && uc);
    EXPECT_FALSE(ro->entry & pte_write);
    EXPECT_TRUE(ro->entry & pte_nx);
    EXPECT_TRUE(uc->entry & pte_write);
    EXPECT_TRUE(uc->entry & pte_pcd);
    EXPECT_TRUE(uc->entry & pte_pwt);
    EXPECT_FALSE(uc->entry & pte_nx);
}

// The hole the root must not see: unmapping hypervisor memory out of a
// large identity mapping keeps everything around it, with its permissions.
TEST_F(Paging, UnmapSplitsLargePagesAndKeepsTheNeighbours) {
    auto table = PageTable::create(4, true, true);
    ASSERT_TRUE(table.ok());
    ASSERT_TRUE(table->map(0, 0, gib, pte_write).ok());
    uint64_t hole = 0x3b000000 & (gib - 1);
    ASSERT_TRUE(table->unmap(hole + 0x1000, 0x3000).ok());
    EXPECT_FALSE(walk(*table, 4, hole + 0x1000));
    EXPECT_FALSE(walk(*table, 4, hole + 0x3fff));
    for (uint64_t va : {hole, hole + 0x4000, uint64_t{0}, gib - 4096}) {
        auto t = walk(*table, 4, va);
        ASSERT_TRUE(t) << std::hex << va;
        EXPECT_EQ(t->phys, va);
        EXPECT_TRUE(t->entry & pte_write);
        EXPECT_TRUE(t->user_everywhere);
    }
    // A whole 2 MiB-aligned range goes without splitting further.
    ASSERT_TRUE(table->unmap(4 * mib2, mib2).ok());
    EXPECT_FALSE(walk(*table, 4, 4 * mib2 + 77));
    EXPECT_TRUE(walk(*table, 4, 5 * mib2));
}

TEST_F(Paging, RemappingASplitRangeMergesItBackAndFreesTheTables) {
    PagePool& pool = hypervisor().pool;
    for (bool gbpages : {true, false}) {
        size_t before = pool.used_pages();
        auto table = PageTable::create(4, gbpages, true);
        ASSERT_TRUE(table.ok());
        ASSERT_TRUE(table->map(0, 0, gib, pte_write).ok());
        size_t mapped = pool.used_pages();
        // A cell takes a page (the 1 GiB and then a 2 MiB leaf split) and
        // gives it back.
        uint64_t page = 0x3d000000;
        ASSERT_TRUE(table->unmap(page, 4096).ok());
        EXPECT_EQ(pool.used_pages(), mapped + (gbpages ? 2u : 1u));
        EXPECT_FALSE(walk(*table, 4, page));
        ASSERT_TRUE(table->map(page, page, 4096, pte_write).ok());
        EXPECT_EQ(pool.used_pages(), mapped) << "gbpages " << gbpages;
        auto t = walk(*table, 4, page + 123);
        ASSERT_TRUE(t);
        EXPECT_EQ(t->phys, page + 123);
        EXPECT_EQ(t->size, gbpages ? gib : mib2);
        EXPECT_TRUE(t->entry & pte_write);
        EXPECT_TRUE(t->user_everywhere);
        table->destroy();
        EXPECT_EQ(pool.used_pages(), before);
    }
}

TEST_F(Paging, DifferentFlagsOrAHoleAreNotMerged) {
    auto table = PageTable::create(4, false, true);
    ASSERT_TRUE(table.ok());
    ASSERT_TRUE(table->map(0, 0, mib2, pte_write).ok());
    ASSERT_TRUE(table->unmap(0x5000, 4096).ok());
    ASSERT_TRUE(table->map(0x5000, 0x5000, 4096, 0).ok());  // read-only now
    auto t = walk(*table, 4, 0x5000);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->size, 4096u);
    EXPECT_FALSE(t->entry & pte_write);
    EXPECT_TRUE(walk(*table, 4, 0x6000)->entry & pte_write);
    ASSERT_TRUE(table->unmap(0x7000, 4096).ok());
    ASSERT_TRUE(table->map(0x7000, 0x9000, 4096, pte_write).ok());  // not contiguous
    EXPECT_EQ(walk(*table, 4, 0x7000)->phys, 0x9000u);
    EXPECT_EQ(walk(*table, 4, 0x7000)->size, 4096u);
}

TEST_F(Paging, UnmappingEverythingGivesTheTablesBack) {
    PagePool& pool = hypervisor().pool;
    auto table = PageTable::create(5, false, true);
    ASSERT_TRUE(table.ok());
    size_t root_only = pool.used_pages();
    uint64_t far = 1ull << 50;
    ASSERT_TRUE(table->map(far + 0x1000, 0x1000, 3 * 4096, pte_write).ok());
    ASSERT_TRUE(table->map(far + 4 * mib2, 0, 2 * mib2, pte_write).ok());
    EXPECT_GT(pool.used_pages(), root_only + 3);
    ASSERT_TRUE(table->unmap(far + 0x1000, 3 * 4096).ok());
    EXPECT_TRUE(walk(*table, 5, far + 4 * mib2));
    ASSERT_TRUE(table->unmap(far, 8 * mib2).ok());
    EXPECT_FALSE(walk(*table, 5, far + 4 * mib2));
    EXPECT_EQ(pool.used_pages(), root_only);
}

TEST_F(Paging, FiveLevelTablesReachBeyond48Bits) {
    auto table = PageTable::create(5, true, false);
    ASSERT_TRUE(table.ok());
    uint64_t high = 0xff11000000000000ull;  // a 57-bit kernel address
    ASSERT_TRUE(table->map(high, fake_phys_base, 0x2000, pte_write).ok());
    auto t = walk(*table, 5, high + 0x1234);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->phys, fake_phys_base + 0x1234);
    EXPECT_FALSE(walk(*table, 5, high & ((1ull << 48) - 1)));
}

TEST_F(Paging, RunningOutOfPagesIsAnErrorNotACorruption) {
    auto table = PageTable::create(4, false, true);
    ASSERT_TRUE(table.ok());
    // Scattered 4 KiB pages, each needing its own page table, until the
    // pool is gone.
    Result<void> result = success();
    uint64_t mapped = 0;
    for (uint64_t i = 0; i < 4 * pool_pages && result.ok(); ++i) {
        result = table->map(i * mib2, i * mib2, 4096, pte_write);
        if (result.ok())
            ++mapped;
    }
    EXPECT_EQ(result.error(), Errc::nomem);
    for (uint64_t i = 0; i < mapped; ++i)
        EXPECT_TRUE(walk(*table, 4, i * mib2)) << i;
}

}  // namespace

namespace {

TEST_F(Paging, DestroyGivesEveryTablePageBack) {
    PagePool& pool = bh::hypervisor().pool;
    size_t before = pool.used_pages();
    auto table = PageTable::create(5, true, true);
    ASSERT_TRUE(table.ok());
    ASSERT_TRUE(table->map(0, 0, 3 * gib, pte_write).ok());
    ASSERT_TRUE(table->unmap(gib + 0x5000, 0x1000).ok());  // splits down to 4 KiB
    ASSERT_TRUE(table->map(0xff11000000000000ull, fake_phys_base, 0x3000, pte_write).ok());
    EXPECT_GT(pool.used_pages(), before + 5);
    table->destroy();
    EXPECT_EQ(pool.used_pages(), before);
    EXPECT_EQ(table->root_phys(), 0u);
}

}  // namespace
