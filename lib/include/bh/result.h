// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Result<T>: the one error type of bulkhead's C++ code.
//
// Freestanding (no exceptions, no heap): usable in the hypervisor, the RTOS,
// the kernel-side validator object and the host tools. Error codes are Linux
// errno values so that hypercalls, ioctls and the CLI report the same number.
#pragma once

#include <stdint.h>

#include <new>
#include <type_traits>
#include <utility>

namespace bh {

// Linux errno numbers (include/uapi/asm-generic/errno-base.h, errno.h).
enum class Errc : int32_t {
    perm = 1,          // EPERM: caller may not do this
    noent = 2,         // ENOENT: no such cell, channel, ...
    io = 5,            // EIO: hardware refused
    too_big = 7,       // E2BIG
    again = 11,        // EAGAIN: try later
    nomem = 12,        // ENOMEM: pool exhausted
    fault = 14,        // EFAULT: bad address from a caller
    busy = 16,         // EBUSY: resource in use
    exist = 17,        // EEXIST: duplicate
    nodev = 19,        // ENODEV: hardware feature missing
    inval = 22,        // EINVAL: malformed argument
    nospc = 28,        // ENOSPC: no room
    range = 34,        // ERANGE: value out of range
    nosys = 38,        // ENOSYS: unknown call
    proto = 71,        // EPROTO: peer broke the protocol
    msgsize = 90,      // EMSGSIZE
    timedout = 110,    // ETIMEDOUT
    canceled = 125,    // ECANCELED
};

constexpr const char* errc_name(Errc e) {
    switch (e) {
    case Errc::perm: return "EPERM";
    case Errc::noent: return "ENOENT";
    case Errc::io: return "EIO";
    case Errc::too_big: return "E2BIG";
    case Errc::again: return "EAGAIN";
    case Errc::nomem: return "ENOMEM";
    case Errc::fault: return "EFAULT";
    case Errc::busy: return "EBUSY";
    case Errc::exist: return "EEXIST";
    case Errc::nodev: return "ENODEV";
    case Errc::inval: return "EINVAL";
    case Errc::nospc: return "ENOSPC";
    case Errc::range: return "ERANGE";
    case Errc::nosys: return "ENOSYS";
    case Errc::proto: return "EPROTO";
    case Errc::msgsize: return "EMSGSIZE";
    case Errc::timedout: return "ETIMEDOUT";
    case Errc::canceled: return "ECANCELED";
    }
    return "E?";
}

// Negative errno, as hypercalls and ioctls return it.
constexpr int32_t to_errno(Errc e) { return -static_cast<int32_t>(e); }

struct Error {
    Errc code;
    constexpr bool operator==(const Error&) const = default;
};

constexpr Error make_error(Errc code) { return Error{code}; }

template <typename T>
class [[nodiscard]] Result {
public:
    constexpr Result(const T& value) : has_value_(true) { new (&storage_.value) T(value); }
    constexpr Result(T&& value) : has_value_(true) { new (&storage_.value) T(std::move(value)); }
    constexpr Result(Error error) : has_value_(false) { storage_.error = error; }
    constexpr Result(Errc code) : Result(Error{code}) {}

    constexpr Result(const Result& other) : has_value_(other.has_value_) {
        if (has_value_)
            new (&storage_.value) T(other.storage_.value);
        else
            storage_.error = other.storage_.error;
    }
    constexpr Result(Result&& other) : has_value_(other.has_value_) {
        if (has_value_)
            new (&storage_.value) T(std::move(other.storage_.value));
        else
            storage_.error = other.storage_.error;
    }
    Result& operator=(const Result&) = delete;
    Result& operator=(Result&&) = delete;
    constexpr ~Result() {
        if (has_value_)
            storage_.value.~T();
    }

    constexpr bool ok() const { return has_value_; }
    constexpr explicit operator bool() const { return has_value_; }
    constexpr Errc error() const { return storage_.error.code; }
    constexpr T& value() & { return storage_.value; }
    constexpr const T& value() const& { return storage_.value; }
    constexpr T&& value() && { return std::move(storage_.value); }
    constexpr T* operator->() { return &storage_.value; }
    constexpr const T* operator->() const { return &storage_.value; }
    constexpr T& operator*() { return storage_.value; }
    constexpr const T& operator*() const { return storage_.value; }
    constexpr T value_or(T fallback) const { return has_value_ ? storage_.value : fallback; }

private:
    union Storage {
        constexpr Storage() : error{} {}
        constexpr ~Storage() {}
        T value;
        Error error;
    } storage_;
    bool has_value_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    constexpr Result() : error_{}, ok_(true) {}
    constexpr Result(Error error) : error_(error), ok_(false) {}
    constexpr Result(Errc code) : error_{code}, ok_(false) {}

    constexpr bool ok() const { return ok_; }
    constexpr explicit operator bool() const { return ok_; }
    constexpr Errc error() const { return error_.code; }

private:
    Error error_;
    bool ok_;
};

constexpr Result<void> success() { return Result<void>{}; }

namespace detail {
template <typename T>
constexpr T unwrap_moved(Result<T>&& r) { return std::move(r).value(); }
constexpr void unwrap_moved(Result<void>&&) {}
}  // namespace detail

}  // namespace bh

// Propagate an error to the caller, else yield the value. A macro because
// only a macro can return from its caller; it relies on GNU statement
// expressions, which g++ and clang provide in every bulkhead build.
#define BH_TRY(expr)                                                   \
    ({                                                                 \
        auto bh_try_result_ = (expr);                                  \
        if (!bh_try_result_.ok())                                      \
            return ::bh::Error{bh_try_result_.error()};                \
        ::bh::detail::unwrap_moved(std::move(bh_try_result_));         \
    })

// Like BH_TRY, for functions that return a negative errno as int64_t (the
// hypercall ABI) instead of a Result.
#define BH_TRY_ERRNO(expr)                                             \
    ({                                                                 \
        auto bh_try_result_ = (expr);                                  \
        if (!bh_try_result_.ok())                                      \
            return ::bh::to_errno(bh_try_result_.error());             \
        ::bh::detail::unwrap_moved(std::move(bh_try_result_));         \
    })
