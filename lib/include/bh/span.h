// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// A pointer and a length. std::span is not available in every environment
// bulkhead's portable code builds in (the kernel-side validator object uses
// only freestanding headers), so the core uses this.
#pragma once

#include <stddef.h>

namespace bh {

template <typename T>
class Span {
public:
    constexpr Span() = default;
    constexpr Span(T* data, size_t size) : data_(data), size_(size) {}
    template <size_t N>
    constexpr Span(T (&array)[N]) : data_(array), size_(N) {}

    constexpr T* data() const { return data_; }
    constexpr size_t size() const { return size_; }
    constexpr bool empty() const { return size_ == 0; }
    constexpr T& operator[](size_t i) const { return data_[i]; }
    constexpr T* begin() const { return data_; }
    constexpr T* end() const { return data_ + size_; }

private:
    T* data_ = nullptr;
    size_t size_ = 0;
};

}  // namespace bh
