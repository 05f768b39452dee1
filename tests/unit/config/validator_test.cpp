// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The validator against hostile input: truncation, corruption, bad buffers.
// A config comes from a user or a cell; nothing in it may crash the checker.
#include <config_validator.h>
#include <gtest/gtest.h>

#include <bh/kconfig.h>

#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace bh::config;

std::vector<uint64_t> load(const std::string& relative, size_t& size) {
    std::ifstream in(std::string(BH_CELL_DIR) + "/" + relative, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size = bytes.size();
    std::vector<uint64_t> words((size + 7) / 8);
    std::memcpy(words.data(), bytes.data(), size);
    return words;
}

bh::Result<void> check_system(const void* data, size_t size, Diagnostic& diag) {
    auto system = BH_TRY(parse_system(data, size, diag));
    return validate_system(system, Limits{bh::kconfig::max_cpus}, diag);
}

bh::Result<void> check_cell(const void* data, size_t size, Diagnostic& diag) {
    auto cell = BH_TRY(parse_cell(data, size, diag));
    return validate_cell(cell, false, Limits{bh::kconfig::max_cpus}, diag);
}

TEST(Validator, QemuPcSystemConfigIsValid) {
    size_t size = 0;
    auto words = load("configs/x86/qemu-pc.cell", size);
    Diagnostic diag;
    EXPECT_TRUE(check_system(words.data(), size, diag).ok()) << diag.message();
}

TEST(Validator, NullAndTinyBuffersAreRefused) {
    Diagnostic d1, d2;
    EXPECT_EQ(check_system(nullptr, 0, d1).error(), bh::Errc::inval);
    EXPECT_NE(std::string(d1.message()).find("size: 0 bytes"), std::string::npos) << d1.message();
    uint64_t small[2] = {};
    EXPECT_FALSE(check_cell(small, sizeof(small), d2).ok());
}

TEST(Validator, OversizedBufferIsRefusedAsTooBig) {
    std::vector<uint64_t> big(BH_CONFIG_MAX_SIZE / 8 + 1);
    Diagnostic diag;
    EXPECT_EQ(check_cell(big.data(), big.size() * 8, diag).error(), bh::Errc::too_big);
}

TEST(Validator, MisalignedBufferIsRefused) {
    size_t size = 0;
    auto words = load("tests/configs/good/rt.cell", size);
    std::vector<uint64_t> shifted(words.size() + 1);
    auto* bytes = reinterpret_cast<char*>(shifted.data()) + 1;
    std::memcpy(bytes, words.data(), size);
    Diagnostic diag;
    EXPECT_FALSE(check_cell(bytes, size, diag).ok());
    EXPECT_NE(std::string(diag.message()).find("aligned"), std::string::npos);
}

TEST(Validator, EveryTruncationIsRefused) {
    size_t size = 0;
    auto words = load("configs/x86/qemu-pc.cell", size);
    for (size_t cut = 0; cut < size; ++cut) {
        Diagnostic diag;
        EXPECT_FALSE(check_system(words.data(), cut, diag).ok()) << "accepted " << cut << " of " << size;
        EXPECT_GT(std::strlen(diag.message()), 0u);
    }
}

// Random corruption: every outcome is allowed except a crash, an accepted
// config with an inconsistent size, or a refusal without a message.
TEST(Validator, RandomCorruptionNeverCrashes) {
    size_t size = 0;
    auto original = load("configs/x86/qemu-pc.cell", size);
    std::mt19937_64 rng(12345);
    int accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        auto words = original;
        auto* bytes = reinterpret_cast<uint8_t*>(words.data());
        int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f)
            bytes[rng() % size] ^= static_cast<uint8_t>(1u << (rng() % 8));
        Diagnostic diag;
        auto r = check_system(words.data(), size, diag);
        if (r.ok())
            ++accepted;
        else
            EXPECT_GT(std::strlen(diag.message()), 0u);
    }
    // Some flips hit don't-care bits (e.g. a RAM region's permissions), most
    // must be caught; this guards against a validator that accepts anything.
    EXPECT_LT(accepted, 20000 / 2);
}

TEST(Validator, DiagnosticKeepsFirstFailureAndTruncatesSafely) {
    Diagnostic diag;
    diag.set_context("ctx");
    (void)diag.fail(bh::Errc::inval, "first {}", 1);
    (void)diag.fail(bh::Errc::inval, "second {}", 2);
    EXPECT_STREQ(diag.message(), "ctx: first 1");

    Diagnostic longer;
    std::string huge(1000, 'x');
    (void)longer.fail(bh::Errc::inval, "{}", huge.c_str());
    EXPECT_LT(std::strlen(longer.message()), 256u);
}

}  // namespace
