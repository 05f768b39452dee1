// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// `bulkhead sched check`: parsing, exit codes, error lines, text and JSON.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sched_check.h"

namespace bh::cli {
namespace {

struct CheckRun {
    int exit_code;
    std::string out;
    std::string err;
};

CheckRun check_file(const std::string& path, bool json = false) {
    std::ostringstream out, err;
    const int code = run_sched_check(path, json, out, err);
    return {code, out.str(), err.str()};
}

class SchedCheck : public testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("bh_sched_check_" + std::to_string(::getpid()) + "_" +
                testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    CheckRun check(const std::string& text, bool json = false) {
        const std::string path = (dir_ / "sched.txt").string();
        std::ofstream(path, std::ios::binary) << text;
        return check_file(path, json);
    }
    // The error line, with the temporary directory cut off.
    std::string error_of(const CheckRun& run) {
        std::string e = run.err;
        const std::string prefix = (dir_ / "").string();
        if (e.rfind(prefix, 0) == 0)
            e = e.substr(prefix.size());
        return e;
    }

    std::filesystem::path dir_;
};

TEST_F(SchedCheck, TextbookSetIsSchedulableWithItsResponseTimes) {
    const CheckRun run = check("a 1 4\nb 2 6\nc 3 10\n");
    EXPECT_EQ(run.exit_code, kSchedCheckSchedulable);
    EXPECT_EQ(run.err, "");
    EXPECT_NE(run.out.find("3 VCPUs, utilization 0.883 (Liu-Layland bound 0.780)"), std::string::npos)
        << run.out;
    // prio name C T D R verdict
    EXPECT_NE(run.out.find("   0  a              1           4           4             1  met"),
              std::string::npos)
        << run.out;
    EXPECT_NE(run.out.find("   1  b              2           6           6             3  met"),
              std::string::npos);
    EXPECT_NE(run.out.find("   2  c              3          10          10            10  met"),
              std::string::npos);
    EXPECT_NE(run.out.find("\nschedulable\n"), std::string::npos);
}

TEST_F(SchedCheck, UnschedulableSetExitsOneAndNamesTheMisses) {
    const CheckRun run = check("motor 2 4\nsensor 3 6\n");
    EXPECT_EQ(run.exit_code, kSchedCheckNotSchedulable);
    EXPECT_NE(run.out.find("   1  sensor           3           6           6           > 6  MISSED"),
              std::string::npos)
        << run.out;
    EXPECT_NE(run.out.find("not schedulable: sensor misses its deadline\n"), std::string::npos);
}

TEST_F(SchedCheck, SeveralMissesAreAllNamed) {
    const CheckRun run = check("x 2 4\ny 3 6\nz 1 12\n");
    EXPECT_EQ(run.exit_code, kSchedCheckNotSchedulable);
    EXPECT_NE(run.out.find("not schedulable: y, z miss their deadlines\n"), std::string::npos)
        << run.out;
}

TEST_F(SchedCheck, JsonOutput) {
    const CheckRun run = check("b 2 6\na 1 4   # comment\n\nc 2.5 10 9.5\n", true);
    EXPECT_EQ(run.exit_code, kSchedCheckSchedulable);
    const std::string& j = run.out;
    EXPECT_NE(j.find("\"schedulable\": true"), std::string::npos) << j;
    EXPECT_NE(j.find("{\"name\": \"b\", \"line\": 1, \"priority\": 1, \"budget_us\": 2, "
                     "\"period_us\": 6, \"deadline_us\": 6, \"response_us\": 3, "
                     "\"meets_deadline\": true}"),
              std::string::npos)
        << j;
    EXPECT_NE(j.find("{\"name\": \"c\", \"line\": 4, \"priority\": 2, \"budget_us\": 2.5, "
                     "\"period_us\": 10, \"deadline_us\": 9.5, \"response_us\": 9.5, "
                     "\"meets_deadline\": true}"),
              std::string::npos)
        << j;
    EXPECT_EQ(j.front(), '{');
    EXPECT_EQ(j.substr(j.size() - 2), "}\n");

    const CheckRun miss = check("x 2 4\ny 3 6\n", true);
    EXPECT_EQ(miss.exit_code, kSchedCheckNotSchedulable);
    EXPECT_NE(miss.out.find("\"response_us\": null, \"meets_deadline\": false"), std::string::npos);
    EXPECT_NE(miss.out.find("\"schedulable\": false"), std::string::npos);
}

TEST_F(SchedCheck, EqualPeriodsRankInFileOrder) {
    const CheckRun run = check("second 3 10\nfirst 2 10\n", true);
    EXPECT_NE(run.out.find("\"name\": \"second\", \"line\": 1, \"priority\": 0"), std::string::npos);
    EXPECT_NE(run.out.find("\"response_us\": 5"), std::string::npos);
}

TEST_F(SchedCheck, CommentsBlankLinesTabsAndCrlfAreAccepted) {
    const CheckRun run = check("# header\r\n\r\n\tx\t1\t10\t# trailing\r\n   \r\ny 1.125 10 2.5\r\n");
    EXPECT_EQ(run.exit_code, kSchedCheckSchedulable) << run.err;
    EXPECT_NE(run.out.find("1.125"), std::string::npos);
    EXPECT_NE(run.out.find("2.125"), std::string::npos);  // R_y = 1 + 1.125
}

struct BadLine {
    const char* text;
    const char* error;
};

TEST_F(SchedCheck, MalformedLinesExitTwoWithTheLineNumber) {
    const BadLine cases[] = {
        {"a 1 4\n\nb 1\n", "sched.txt:3: expected 'NAME C T [D]', got 2 fields\n"},
        {"a 1 4 4 4\n", "sched.txt:1: expected 'NAME C T [D]', got 5 fields\n"},
        {"a\n", "sched.txt:1: expected 'NAME C T [D]', got 1 field\n"},
        {"# c\na x 4\n",
         "sched.txt:2: expected 'NAME C T [D]', C 'x' is not a time in microseconds "
         "(at most 3 decimals, at most 1000000000000)\n"},
        {"a 1 4.0001\n",
         "sched.txt:1: expected 'NAME C T [D]', T '4.0001' is not a time in microseconds "
         "(at most 3 decimals, at most 1000000000000)\n"},
        {"a 1 -4\n",
         "sched.txt:1: expected 'NAME C T [D]', T '-4' is not a time in microseconds "
         "(at most 3 decimals, at most 1000000000000)\n"},
        {"a 1 4 1e3\n",
         "sched.txt:1: expected 'NAME C T [D]', D '1e3' is not a time in microseconds "
         "(at most 3 decimals, at most 1000000000000)\n"},
        {"a 1 1000000000001\n",
         "sched.txt:1: expected 'NAME C T [D]', T '1000000000001' is not a time in microseconds "
         "(at most 3 decimals, at most 1000000000000)\n"},
        {"a 0 4\n", "sched.txt:1: budget C must be greater than 0\n"},
        {"a 5 4\n", "sched.txt:1: budget C (5 us) exceeds period T (4 us)\n"},
        {"a 1 4 5\n", "sched.txt:1: deadline D (5 us) exceeds period T (4 us)\n"},
        {"a 2 4 1.5\n", "sched.txt:1: deadline D (1.5 us) is shorter than budget C (2 us)\n"},
        {"a 1 4\nb 1 8\na 1 9\n", "sched.txt:3: duplicate VCPU name 'a' (first on line 1)\n"},
        {"a\"b 1 4\n",
         "sched.txt:1: invalid VCPU name 'a\"b' (1 to 64 of letters, digits, '_', '-', '.', ':', "
         "'/')\n"},
        {"# nothing\n\n", "sched.txt: no VCPUs (expected 'NAME C T [D]' lines)\n"},
        {"", "sched.txt: no VCPUs (expected 'NAME C T [D]' lines)\n"},
    };
    for (const auto& c : cases) {
        const CheckRun run = check(c.text);
        EXPECT_EQ(run.exit_code, kSchedCheckMalformed) << c.text;
        EXPECT_EQ(error_of(run), c.error) << c.text;
        EXPECT_EQ(run.out, "") << c.text;
        // JSON mode reports errors the same way.
        EXPECT_EQ(check(c.text, true).exit_code, kSchedCheckMalformed);
    }
}

TEST_F(SchedCheck, TooManyVcpus) {
    std::string text;
    for (int i = 0; i <= 64; ++i)
        text += "v" + std::to_string(i) + " 1 100000\n";
    const CheckRun run = check(text);
    EXPECT_EQ(run.exit_code, kSchedCheckMalformed);
    EXPECT_EQ(error_of(run), "sched.txt:65: more than 64 VCPUs (one CPU's limit)\n");
}

TEST_F(SchedCheck, UnreadableFileExitsTwo) {
    CheckRun run = check_file((dir_ / "missing.txt").string());
    EXPECT_EQ(run.exit_code, kSchedCheckMalformed);
    EXPECT_EQ(error_of(run), "missing.txt: cannot read: No such file or directory\n");
    run = check_file(dir_.string());
    EXPECT_EQ(run.exit_code, kSchedCheckMalformed);
    EXPECT_NE(run.err.find("cannot read"), std::string::npos) << run.err;
}

TEST(SchedCheckExamples, ShippedExampleFiles) {
    const std::string dir = std::string(BH_SOURCE_DIR) + "/tests/sched/";
    const CheckRun good = check_file(dir + "schedulable.txt");
    EXPECT_EQ(good.exit_code, kSchedCheckSchedulable) << good.err;
    EXPECT_NE(good.out.find("10000  met"), std::string::npos) << good.out;
    EXPECT_EQ(check_file(dir + "unschedulable.txt").exit_code, kSchedCheckNotSchedulable);
    const CheckRun bad = check_file(dir + "malformed.txt");
    EXPECT_EQ(bad.exit_code, kSchedCheckMalformed);
    EXPECT_EQ(bad.err, dir + "malformed.txt:3: budget C (5000 us) exceeds period T (4000 us)\n");
}

}  // namespace
}  // namespace bh::cli
