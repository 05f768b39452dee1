// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Memory functions for a freestanding image: GCC emits calls to memset,
// memcpy, memmove and memcmp even with -ffreestanding. REP string
// instructions keep them short and out of reach of the loop-to-call
// optimisation that would make them call themselves.
#include <inmate/inmate.h>

extern "C" {

void* memset(void* dst, int c, size_t n) {
    void* d = dst;
    asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}

void* memcpy(void* dst, const void* src, size_t n) {
    void* d = dst;
    asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n)::"memory");
    return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
    if (dst <= src || static_cast<const char*>(src) + n <= static_cast<char*>(dst))
        return memcpy(dst, src, n);
    // Overlapping, destination above source: copy backwards.
    void* d = static_cast<char*>(dst) + n - 1;
    const void* s = static_cast<const char*>(src) + n - 1;
    asm volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n)::"memory");
    return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
    const unsigned char* x = static_cast<const unsigned char*>(a);
    const unsigned char* y = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < n; ++i) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char* s) {
    size_t n = 0;
    while (s[n] != '\0')
        ++n;
    return n;
}

}  // extern "C"
