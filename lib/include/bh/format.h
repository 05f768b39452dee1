// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Freestanding, type-safe text formatting into a fixed buffer.
//
//   bh::FixedString<128> s;
//   s.format("region {} at {} overlaps {}", index, bh::hex(addr), name);
//
// "{}" is the only placeholder; bh::hex() selects hexadecimal. Output that
// does not fit is truncated, never overflows, and stays NUL terminated.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <type_traits>

namespace bh {

struct Hex {
    uint64_t value;
};
constexpr Hex hex(uint64_t value) { return Hex{value}; }

// A string view that does not need <string_view> (absent in some
// freestanding environments, e.g. inside the kernel build).
struct Str {
    const char* data;
    size_t size;
    constexpr Str() : data(""), size(0) {}
    constexpr Str(const char* s) : data(s), size(0) {
        while (s[size] != '\0')
            ++size;
    }
    constexpr Str(const char* s, size_t n) : data(s), size(n) {}
};

// A number as boot arguments and config specs write it: decimal or 0x hex,
// no sign, nothing else, no overflow. False (out unchanged) otherwise.
constexpr bool parse_u64(Str text, uint64_t& out) {
    if (text.size == 0)
        return false;
    uint64_t base = 10;
    size_t i = 0;
    if (text.size > 2 && text.data[0] == '0' && (text.data[1] == 'x' || text.data[1] == 'X')) {
        base = 16;
        i = 2;
    }
    uint64_t value = 0;
    for (; i < text.size; ++i) {
        char c = text.data[i];
        uint64_t digit;
        if (c >= '0' && c <= '9')
            digit = static_cast<uint64_t>(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            digit = static_cast<uint64_t>(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            digit = static_cast<uint64_t>(c - 'A' + 10);
        else
            return false;
        if (value > (UINT64_MAX - digit) / base)
            return false;
        value = value * base + digit;
    }
    out = value;
    return true;
}

// A string of at most N bytes, stored NUL terminated in N + 1 bytes.
class TextSink {
public:
    constexpr TextSink(char* buffer, size_t capacity) : buffer_(buffer), capacity_(capacity) {
        if (capacity_ > 0)
            buffer_[0] = '\0';
    }

    void put(char c) {
        if (length_ + 1 < capacity_) {
            buffer_[length_++] = c;
            buffer_[length_] = '\0';
        } else {
            truncated_ = true;
        }
    }
    void put(Str s) {
        for (size_t i = 0; i < s.size; ++i)
            put(s.data[i]);
    }
    void put_unsigned(uint64_t v, unsigned base) {
        char digits[24];
        size_t n = 0;
        do {
            unsigned d = static_cast<unsigned>(v % base);
            digits[n++] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
            v /= base;
        } while (v != 0);
        while (n > 0)
            put(digits[--n]);
    }

    template <typename T>
    void put_value(const T& v) {
        if constexpr (std::is_same_v<T, Hex>) {
            put(Str("0x"));
            put_unsigned(v.value, 16);
        } else if constexpr (std::is_same_v<T, bool>) {
            put(Str(v ? "true" : "false"));
        } else if constexpr (std::is_same_v<T, char>) {
            put(v);
        } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
            if (v < 0) {
                put('-');
                put_unsigned(static_cast<uint64_t>(-(v + 1)) + 1, 10);
            } else {
                put_unsigned(static_cast<uint64_t>(v), 10);
            }
        } else if constexpr (std::is_integral_v<T>) {
            put_unsigned(static_cast<uint64_t>(v), 10);
        } else if constexpr (std::is_enum_v<T>) {
            put_value(static_cast<std::underlying_type_t<T>>(v));
        } else if constexpr (std::is_same_v<T, Str>) {
            put(v);
        } else if constexpr (std::is_convertible_v<T, const char*>) {
            const char* s = v;
            put(Str(s ? s : "(null)"));
        } else {
            static_assert(sizeof(T) == 0, "bh::format: unsupported argument type");
        }
    }

    template <typename... Args>
    void format(const char* fmt, const Args&... args) {
        format_from(fmt, args...);
    }

    const char* c_str() const { return buffer_; }
    size_t length() const { return length_; }
    bool truncated() const { return truncated_; }

private:
    // Copy fmt up to the next "{}" and return the position after it, or
    // nullptr at the end of fmt.
    const char* copy_literal(const char* fmt) {
        while (*fmt != '\0') {
            if (fmt[0] == '{' && fmt[1] == '}')
                return fmt + 2;
            put(*fmt++);
        }
        return nullptr;
    }

    void format_from(const char* fmt) {
        if (fmt != nullptr)
            copy_literal(fmt);
    }

    template <typename First, typename... Rest>
    void format_from(const char* fmt, const First& first, const Rest&... rest) {
        if (fmt == nullptr)
            return;
        const char* after = copy_literal(fmt);
        if (after == nullptr)
            return;  // more arguments than placeholders: ignore the rest
        put_value(first);
        format_from(after, rest...);
    }

    char* buffer_;
    size_t capacity_;
    size_t length_ = 0;
    bool truncated_ = false;
};

template <size_t N>
class FixedString : public TextSink {
public:
    FixedString() : TextSink(storage_, N + 1) {}
    FixedString(const FixedString&) = delete;
    FixedString& operator=(const FixedString&) = delete;

private:
    char storage_[N + 1];
};

}  // namespace bh
