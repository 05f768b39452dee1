// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The protocol between two threads, as between two cells: a client sends
// requests of 1 B to 1 MiB, a server checks each one and replies with a
// message of another length; the client checks every reply byte. Built twice:
// as a plain test and under ThreadSanitizer (mailbox_thread_tsan_test).
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "channel_test_support.h"

namespace bh::ipc::test {
namespace {

// Only a guard against a hang: if it fires, the test fails with timedout.
constexpr uint64_t hang_guard_ns = 120'000'000'000ull;
constexpr size_t mebibyte = 1024 * 1024;

enum class WaitMode { busy_poll, yield, doorbell };

struct ThreadCase {
    const char* name;
    uint32_t slot_size;
    uint32_t slot_count;
    WaitMode mode;
    size_t max_length;
};

void PrintTo(const ThreadCase& c, std::ostream* os) { *os << c.name; }

size_t reply_length(size_t request_length) {
    return request_length % 3 == 0 ? request_length / 2 : request_length + 17;
}

std::vector<size_t> lengths_for(const ThreadCase& c) {
    const size_t b = c.slot_size;
    std::vector<size_t> lengths{1,     2,         63,     64,      65,    127,
                                b - 1, b,         b + 1,  2 * b,   3 * b + 7,
                                4096,  64 * 1024, 100003, mebibyte};
    std::erase_if(lengths, [&](size_t n) { return n > c.max_length; });
    return lengths;
}

class MailboxThreads : public ::testing::TestWithParam<ThreadCase> {};

TEST_P(MailboxThreads, RequestsAndRepliesArriveIntact) {
    const ThreadCase& c = GetParam();
    auto geometry = make_geometry(c.slot_size, c.slot_count);
    ASSERT_TRUE(geometry.ok());
    Region region(*geometry);
    SteadyClock clock;
    DoorbellPair doorbells;
    YieldingDoorbell yielder_client, yielder_server;
    Doorbell* client_bell = nullptr;
    Doorbell* server_bell = nullptr;
    if (c.mode == WaitMode::doorbell) {
        client_bell = &doorbells.side(0);
        server_bell = &doorbells.side(1);
    } else if (c.mode == WaitMode::yield) {
        client_bell = &yielder_client;
        server_bell = &yielder_server;
    }
    Endpoint client = open_or_die(region, Side::zero, clock, client_bell);
    Endpoint server = open_or_die(region, Side::one, clock, server_bell);
    const std::vector<size_t> lengths = lengths_for(c);

    std::thread server_thread([&] {
        std::vector<uint8_t> request(c.max_length);
        for (size_t i = 0; i < lengths.size(); ++i) {
            auto size = server.receive(view(request), hang_guard_ns);
            if (!size.ok()) {
                ADD_FAILURE() << "server receive " << i << ": " << errc_name(size.error());
                return;
            }
            const auto expected = pattern(i, lengths[i]);
            if (*size != lengths[i] ||
                !std::equal(expected.begin(), expected.end(), request.begin())) {
                ADD_FAILURE() << "server: request " << i << " corrupted";
                return;
            }
            const auto reply = pattern(1000 + i, reply_length(lengths[i]));
            auto sent = server.send(view(reply), hang_guard_ns);
            if (!sent.ok()) {
                ADD_FAILURE() << "server send " << i << ": " << errc_name(sent.error());
                return;
            }
        }
    });

    std::vector<uint8_t> reply(c.max_length + 17);  // >= every reply_length
    for (size_t i = 0; i < lengths.size(); ++i) {
        const auto request = pattern(i, lengths[i]);
        auto sent = client.send(view(request), hang_guard_ns);
        ASSERT_TRUE(sent.ok()) << lengths[i] << ": " << errc_name(sent.error());
        auto size = client.receive(view(reply), hang_guard_ns);
        ASSERT_TRUE(size.ok()) << lengths[i] << ": " << errc_name(size.error());
        const auto expected = pattern(1000 + i, reply_length(lengths[i]));
        ASSERT_EQ(*size, expected.size());
        EXPECT_TRUE(std::equal(expected.begin(), expected.end(), reply.begin()))
            << "reply to " << lengths[i] << " bytes corrupted";
    }
    server_thread.join();
    EXPECT_FALSE(client.broken());
    EXPECT_FALSE(server.broken());
}

INSTANTIATE_TEST_SUITE_P(
    Modes, MailboxThreads,
    ::testing::Values(
        ThreadCase{"busy_poll_B4096", 4096, 1, WaitMode::busy_poll, 256 * 1024},
        ThreadCase{"yield_B4096", 4096, 1, WaitMode::yield, mebibyte},
        ThreadCase{"yield_B64", 64, 1, WaitMode::yield, 64 * 1024},
        ThreadCase{"doorbell_B4096", 4096, 1, WaitMode::doorbell, mebibyte},
        ThreadCase{"doorbell_ring_B256x4", 256, 4, WaitMode::doorbell, 256 * 1024},
        ThreadCase{"yield_ring_B4096x16", 4096, 16, WaitMode::yield, mebibyte}),
    [](const ::testing::TestParamInfo<ThreadCase>& info) { return std::string(info.param.name); });

// One-way streaming: the sender runs as far ahead as the slots allow while
// the receiver drains; checks that slot reuse never overwrites unread data.
TEST(MailboxThreadsStream, ManyTransactionsOneWay) {
    auto geometry = make_geometry(128, 2);
    ASSERT_TRUE(geometry.ok());
    Region region(*geometry);
    SteadyClock clock;
    YieldingDoorbell yield_a, yield_b;
    Endpoint sender = open_or_die(region, Side::zero, clock, &yield_a);
    Endpoint receiver = open_or_die(region, Side::one, clock, &yield_b);
    constexpr size_t transactions = 2000;

    std::thread receiver_thread([&] {
        std::vector<uint8_t> buffer(1000);
        for (size_t i = 0; i < transactions; ++i) {
            auto size = receiver.receive(view(buffer), hang_guard_ns);
            const auto expected = pattern(i, i % 1000);
            if (!size.ok() || *size != expected.size() ||
                !std::equal(expected.begin(), expected.end(), buffer.begin())) {
                ADD_FAILURE() << "transaction " << i << " lost or corrupted";
                return;
            }
        }
    });
    for (size_t i = 0; i < transactions; ++i)
        ASSERT_TRUE(sender.send(view(pattern(i, i % 1000)), hang_guard_ns).ok()) << i;
    receiver_thread.join();
}

}  // namespace
}  // namespace bh::ipc::test
