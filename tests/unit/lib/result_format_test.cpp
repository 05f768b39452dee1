// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <bh/format.h>
#include <bh/result.h>
#include <gtest/gtest.h>

#include <climits>
#include <string>

namespace {

bh::Result<int> parse_digit(char c) {
    if (c < '0' || c > '9')
        return bh::Errc::inval;
    return c - '0';
}

bh::Result<int> sum_digits(const char* s) {
    int sum = 0;
    for (; *s; ++s)
        sum += BH_TRY(parse_digit(*s));
    return sum;
}

TEST(Result, PropagatesErrorsAndValues) {
    EXPECT_EQ(sum_digits("123").value(), 6);
    auto bad = sum_digits("1x3");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error(), bh::Errc::inval);
    EXPECT_EQ(bh::to_errno(bad.error()), -22);
    EXPECT_STREQ(bh::errc_name(bh::Errc::busy), "EBUSY");
}

TEST(Result, HoldsNonTrivialTypes) {
    bh::Result<std::string> r(std::string("hello"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, "hello");
    bh::Result<std::string> e(bh::Errc::nomem);
    EXPECT_EQ(e.value_or("fallback"), "fallback");
}

TEST(Format, PlaceholdersAndTypes) {
    bh::FixedString<128> s;
    s.format("{} {} {} {} {}", 42, -7, bh::hex(0x3b000000), "str", true);
    EXPECT_STREQ(s.c_str(), "42 -7 0x3b000000 str true");
}

TEST(Format, ExtremesAndMissingArguments) {
    bh::FixedString<128> s;
    s.format("{} {} {}", LLONG_MIN, ULLONG_MAX, bh::hex(0));
    EXPECT_STREQ(s.c_str(), "-9223372036854775808 18446744073709551615 0x0");
    bh::FixedString<32> t;
    t.format("a {} b {}", 1);
    EXPECT_STREQ(t.c_str(), "a 1 b ");
}

TEST(Format, TruncatesWithoutOverflow) {
    bh::FixedString<8> s;
    s.format("{}", "0123456789");
    EXPECT_STREQ(s.c_str(), "01234567");
    EXPECT_TRUE(s.truncated());
}

}  // namespace
