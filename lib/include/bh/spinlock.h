// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// A test-and-test-and-set spinlock with a scoped guard, freestanding.
#pragma once

namespace bh {

class SpinLock {
public:
    void lock() {
        while (__atomic_exchange_n(&locked_, 1, __ATOMIC_ACQUIRE) != 0)
            while (__atomic_load_n(&locked_, __ATOMIC_RELAXED) != 0)
                __builtin_ia32_pause();
    }
    void unlock() { __atomic_store_n(&locked_, 0, __ATOMIC_RELEASE); }

private:
    int locked_ = 0;
};

class [[nodiscard]] LockGuard {
public:
    explicit LockGuard(SpinLock& lock) : lock_(lock) { lock_.lock(); }
    ~LockGuard() { lock_.unlock(); }
    LockGuard(const LockGuard&) = delete;
    LockGuard& operator=(const LockGuard&) = delete;

private:
    SpinLock& lock_;
};

}  // namespace bh
