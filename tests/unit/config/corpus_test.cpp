// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Every file in tests/configs/bad breaks one validator rule and says which
// in its "expect:" line; this test proves the validator refuses each with a
// message naming the field. The good configs must pass.
#include <config_validator.h>
#include <gtest/gtest.h>

#include <map>

#include <bh/kconfig.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace bh::config;

struct Loaded {
    std::string path;
    std::vector<uint64_t> words;
    size_t size = 0;
};

Loaded load_cell(const std::string& relative) {
    Loaded l;
    l.path = std::string(BH_CELL_DIR) + "/" + relative;
    std::ifstream in(l.path, std::ios::binary);
    EXPECT_TRUE(in) << "missing " << l.path << " (run 'make configs')";
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    l.size = bytes.size();
    l.words.assign((bytes.size() + 7) / 8, 0);
    if (!bytes.empty())
        std::memcpy(l.words.data(), bytes.data(), bytes.size());
    return l;
}

std::string header_value(const std::string& source, const std::string& key) {
    std::ifstream in(source);
    std::string line;
    std::regex pattern("^/\\* " + key + ": (.*) \\*/$");
    std::smatch m;
    while (std::getline(in, line))
        if (std::regex_match(line, m, pattern))
            return m[1];
    return "";
}

Limits limits() { return Limits{bh::kconfig::max_cpus}; }

struct SetResult {
    bool ok;
    std::string message;
};

SetResult check_set(const std::vector<Loaded>& configs) {
    std::vector<Blob> blobs;
    for (const Loaded& l : configs)
        blobs.push_back(Blob{l.words.data(), l.size, l.path.c_str()});
    Diagnostic diag;
    auto r = validate_set(bh::Span<const Blob>(blobs.data(), blobs.size()), limits(), diag);
    return {r.ok(), diag.message()};
}

std::vector<std::string> bad_config_names() {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(std::string(BH_SOURCE_DIR) + "/tests/configs/bad"))
        if (entry.path().extension() == ".c")
            names.push_back(entry.path().stem());
    std::sort(names.begin(), names.end());
    return names;
}

class BadConfig : public ::testing::TestWithParam<std::string> {};

TEST_P(BadConfig, RefusedWithMessageNamingTheField) {
    const std::string name = GetParam();
    const std::string source = std::string(BH_SOURCE_DIR) + "/tests/configs/bad/" + name + ".c";
    const std::string expect = header_value(source, "expect");
    ASSERT_FALSE(expect.empty()) << source << " has no 'expect:' line";

    std::vector<Loaded> set;
    std::istringstream with(header_value(source, "check-with"));
    for (std::string w; with >> w;)
        set.push_back(load_cell("tests/configs/good/" + w + ".cell"));
    // Without its companions the config must be fine as far as they matter:
    // the companions are what make it wrong.
    Loaded bad = load_cell("tests/configs/bad/" + name + ".cell");
    set.push_back(bad);

    SetResult result = check_set(set);
    EXPECT_FALSE(result.ok) << name << " was accepted";
    EXPECT_NE(result.message.find(expect), std::string::npos)
        << name << ": message \"" << result.message << "\" does not contain \"" << expect << "\"";
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadConfig, ::testing::ValuesIn(bad_config_names()),
                         [](const auto& info) {
                             std::string n = info.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

TEST(GoodConfig, CorpusSystemWithCell) {
    auto r = check_set({load_cell("tests/configs/good/system.cell"), load_cell("tests/configs/good/rt.cell")});
    EXPECT_TRUE(r.ok) << r.message;
}

TEST(GoodConfig, ChannelPairIsConsistent) {
    auto r = check_set({load_cell("tests/configs/good/system.cell"), load_cell("tests/configs/good/peer-a.cell"),
                        load_cell("tests/configs/good/peer-b.cell")});
    EXPECT_TRUE(r.ok) << r.message;
}

TEST(GoodConfig, ChannelPeerMissingFromSetIsRefused) {
    auto r = check_set({load_cell("tests/configs/good/system.cell"), load_cell("tests/configs/good/peer-a.cell")});
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.message.find("peer cell \"peer-b\" does not exist"), std::string::npos) << r.message;
}

TEST(GoodConfig, QemuPcWithDemoCell) {
    auto r = check_set({load_cell("configs/x86/qemu-pc.cell"), load_cell("cells/demo/demo.cell")});
    EXPECT_TRUE(r.ok) << r.message;
}

TEST(GoodConfig, EveryDeployableCellFitsTheQemuPc) {
    // The cells of one directory under cells/ are deployed together (a
    // channel's two ends); a cell with a channel to the root needs the
    // root's end, and a cell with a PCI device needs the root to list it,
    // which configs/x86/qemu-pc.c (generator output) cannot have.
    const std::map<std::string, std::string> system_of{
        {"channel-echo", "tests/configs/driver/qemu-pc-channel.cell"},
        {"edu", "tests/configs/driver/qemu-pc-edu.cell"},
        {"rtos-channel", "tests/configs/driver/qemu-pc-rtos-channel.cell"},
    };
    for (const auto& entry : fs::directory_iterator(std::string(BH_SOURCE_DIR) + "/cells")) {
        if (!entry.is_directory())
            continue;
        auto special = system_of.find(entry.path().filename().string());
        std::string system = special != system_of.end() ? special->second : "configs/x86/qemu-pc.cell";
        std::vector<std::string> rels;
        for (const auto& file : fs::directory_iterator(entry.path()))
            if (file.path().extension() == ".c")
                rels.push_back("cells/" + entry.path().filename().string() + "/" + file.path().stem().string() +
                               ".cell");
        std::sort(rels.begin(), rels.end());
        std::vector<Loaded> set{load_cell(system)};
        for (const std::string& rel : rels)
            set.push_back(load_cell(rel));
        auto r = check_set(set);
        EXPECT_TRUE(r.ok) << entry.path().filename() << ": " << r.message;
    }
}

}  // namespace
