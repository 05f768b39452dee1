// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// System call stubs for user programs of the bulkhead RTOS (abi.h).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../abi.h"

namespace user {

inline int64_t syscall(uint64_t number, uint64_t a = 0, uint64_t b = 0, uint64_t c = 0) {
    int64_t result;
    asm volatile("syscall"
                 : "=a"(result)
                 : "a"(number), "D"(a), "S"(b), "d"(c)
                 : "rcx", "r11", "memory");
    return result;
}

// Four arguments: the fourth goes in R10 (RCX is SYSCALL's return address).
inline int64_t syscall4(uint64_t number, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
    int64_t result;
    register uint64_t r10 asm("r10") = d;
    asm volatile("syscall"
                 : "=a"(result)
                 : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10)
                 : "rcx", "r11", "memory");
    return result;
}

inline int64_t write(const char* text, size_t length) {
    return syscall(bh::rtos::abi::sys_write, reinterpret_cast<uint64_t>(text), length);
}
inline int64_t sleep_until(uint64_t t) { return syscall(bh::rtos::abi::sys_sleep_until, t); }
inline int64_t yield() { return syscall(bh::rtos::abi::sys_yield); }
inline int64_t wait_next_period() { return syscall(bh::rtos::abi::sys_wait_next_period); }
inline uint64_t time(uint64_t clock) { return static_cast<uint64_t>(syscall(bh::rtos::abi::sys_get_time, clock)); }
inline int64_t chan_open(uint64_t id) { return syscall(bh::rtos::abi::sys_chan_open, id); }
inline int64_t chan_send(int64_t handle, const void* data, size_t length, uint64_t timeout_ns) {
    return syscall4(bh::rtos::abi::sys_chan_send, static_cast<uint64_t>(handle), reinterpret_cast<uint64_t>(data),
                    length, timeout_ns);
}
inline int64_t chan_receive(int64_t handle, void* buffer, size_t capacity, uint64_t timeout_ns) {
    return syscall4(bh::rtos::abi::sys_chan_receive, static_cast<uint64_t>(handle),
                    reinterpret_cast<uint64_t>(buffer), capacity, timeout_ns);
}
inline int64_t chan_discard(int64_t handle, uint64_t timeout_ns) {
    return syscall(bh::rtos::abi::sys_chan_discard, static_cast<uint64_t>(handle), timeout_ns);
}
inline int64_t chan_close(int64_t handle) {
    return syscall(bh::rtos::abi::sys_chan_close, static_cast<uint64_t>(handle));
}
[[noreturn]] inline void exit(int64_t code) {
    syscall(bh::rtos::abi::sys_exit, static_cast<uint64_t>(code));
    __builtin_unreachable();
}

inline uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return (static_cast<uint64_t>(hi) << 32) | lo;
}

}  // namespace user
