// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// `bulkhead bound channel`: argument handling, output, exit codes.
#include <gtest/gtest.h>

#include <bound_channel.h>

#include <sstream>
#include <vector>

namespace bh::cli {
namespace {

struct CliRun {
    int code;
    std::string out;
    std::string err;
};

CliRun run(std::vector<const char*> args) {
    std::ostringstream out, err;
    const int code = run_bound_channel(static_cast<int>(args.size()), args.data(), out, err);
    return {code, out.str(), err.str()};
}

// The single-slot case worked by hand in bound_test.cpp (Δwc = 63).
const std::vector<const char*> hand_case{"--Cs", "2",   "--Ts", "10",  "--Cr", "3",   "--Tr",
                                         "12",   "--N", "100",  "--M", "50",   "--K", "4",
                                         "--ds", "0.01", "--dr", "1/50", "--B", "4096",
                                         "--fs", "1",   "--fr", "1",   "--ls", "2",   "--lr",
                                         "5"};

TEST(BoundChannelCli, PrintsTheBoundAndItsParts) {
    const CliRun r = run(hand_case);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("worst-case round trip: 63\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("case (a)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("budget waits 16"), std::string::npos) << r.out;
    EXPECT_TRUE(r.err.empty());
}

TEST(BoundChannelCli, JsonOutput) {
    auto args = hand_case;
    args.push_back("--json");
    const CliRun r = run(args);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out,
              "{\"case\":\"a\",\"slot_size\":4096,\"request_slots\":1,\"reply_slots\":1,"
              "\"sender\":{\"phases\":2,\"demand\":4,\"budget_wait\":16},"
              "\"receiver\":{\"phases\":1,\"demand\":9,\"budget_wait\":27},"
              "\"handoffs\":1,\"wakeup\":7,\"bound\":63}\n");
}

TEST(BoundChannelCli, MultiSlotCaseAndEqualsSyntax) {
    const CliRun r = run({"--Cs=5", "--Ts=20", "--Cr=4", "--Tr=10", "--N=150", "--M=70", "--K=3",
                       "--ds=1/16", "--dr=0.03125", "--B=64", "--fs=1", "--fr=2", "--ls=1",
                       "--lr=2", "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("\"case\":\"b\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"bound\":164}"), std::string::npos) << r.out;
}

TEST(BoundChannelCli, DefaultSlotIsTheBuildsAndOptionalCostsAreZero) {
    const CliRun r = run({"--Cs", "1", "--Ts", "1", "--Cr", "1", "--Tr", "1", "--N", "10", "--M",
                       "10", "--K", "5", "--ds", "1", "--dr", "2", "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    // Full CPUs, no fixed costs or latency: 10 + 10 + (20 + 5 + 20).
    EXPECT_NE(r.out.find("\"bound\":65}"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"slot_size\":" + std::to_string(kconfig::mailbox_slot_size)),
              std::string::npos);
}

TEST(BoundChannelCli, InvalidInputIsExitCodeTwo) {
    auto with = [](const char* name, const char* value) {
        std::vector<const char*> args = hand_case;
        for (size_t i = 0; i + 1 < args.size(); i += 2)
            if (std::string(args[i]) == name)
                args[i + 1] = value;
        return args;
    };
    EXPECT_EQ(run(with("--Cs", "11")).code, 2);  // C > T
    EXPECT_EQ(run(with("--Cr", "0")).code, 2);
    EXPECT_EQ(run(with("--B", "0")).code, 2);
    EXPECT_EQ(run(with("--B", "4294967296")).code, 2);
    EXPECT_EQ(run(with("--N", "-1")).code, 2);
    EXPECT_EQ(run(with("--K", "12abc")).code, 2);
    EXPECT_EQ(run(with("--ds", "fast")).code, 2);
    EXPECT_EQ(run(with("--dr", "1/0")).code, 2);
    EXPECT_EQ(run({"--Cs", "1"}).code, 2);  // missing the rest
    auto twice = hand_case;
    twice.push_back("--Cs");
    twice.push_back("2");
    EXPECT_EQ(run(twice).code, 2);
    auto unknown = hand_case;
    unknown.push_back("--Q");
    unknown.push_back("2");
    EXPECT_EQ(run(unknown).code, 2);
    auto dangling = hand_case;
    dangling.push_back("--fs");
    const CliRun r = run(dangling);
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("needs a value"), std::string::npos) << r.err;
}

TEST(BoundChannelCli, OverflowIsExitCodeOne) {
    const CliRun r = run({"--Cs", "1", "--Ts", "18446744073709551615", "--Cr", "1", "--Tr", "2",
                       "--N", "1", "--M", "1", "--K", "1", "--ds", "1", "--dr", "1"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("64 bits"), std::string::npos);
}

TEST(BoundChannelCli, Help) {
    const CliRun r = run({"--help"});
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("usage: bulkhead bound channel"), std::string::npos);
}

TEST(BoundChannelCli, StructEntryPoint) {
    BoundChannelOptions options;
    options.Cs = 2, options.Ts = 10, options.Cr = 3, options.Tr = 12;
    options.N = 100, options.M = 50, options.K = 4;
    options.ds = "0.01", options.dr = "0.02";
    options.B = 4096, options.fs = 1, options.fr = 1, options.ls = 2, options.lr = 5;
    std::ostringstream out, err;
    EXPECT_EQ(run_bound_channel(options, out, err), 0);
    EXPECT_NE(out.str().find("worst-case round trip: 63\n"), std::string::npos);
}

TEST(ParseByteCost, DecimalsAndRatios) {
    auto cost = parse_byte_cost("0.25");
    ASSERT_TRUE(cost);
    EXPECT_EQ(cost->time, 25u);
    EXPECT_EQ(cost->bytes, 100u);
    cost = parse_byte_cost("3");
    ASSERT_TRUE(cost);
    EXPECT_EQ(cost->time, 3u);
    EXPECT_EQ(cost->bytes, 1u);
    cost = parse_byte_cost(".5");
    ASSERT_TRUE(cost);
    EXPECT_EQ(cost->time, 5u);
    EXPECT_EQ(cost->bytes, 10u);
    cost = parse_byte_cost("1/3");
    ASSERT_TRUE(cost);
    EXPECT_EQ(cost->time, 1u);
    EXPECT_EQ(cost->bytes, 3u);
    EXPECT_FALSE(parse_byte_cost(""));
    EXPECT_FALSE(parse_byte_cost("."));
    EXPECT_FALSE(parse_byte_cost("1."));
    EXPECT_FALSE(parse_byte_cost("0.0000000001"));  // 10 decimals
    EXPECT_FALSE(parse_byte_cost("-1"));
    EXPECT_FALSE(parse_byte_cost("1/"));
    EXPECT_FALSE(parse_byte_cost("1/0"));
    EXPECT_FALSE(parse_byte_cost("1/8589934592"));  // denominator above 2^32
    EXPECT_FALSE(parse_byte_cost("1e3"));
    EXPECT_FALSE(parse_byte_cost("99999999999999999999"));
}

}  // namespace
}  // namespace bh::cli
