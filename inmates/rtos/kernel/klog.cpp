// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "klog.h"

#include <inmate/inmate.h>

namespace bh::rtos::klog {
namespace {

// Records: a 2-byte length, then the bytes; both may wrap around the end.
char* ring;
size_t ring_size;
uint64_t head;  // bytes ever written
uint64_t tail;  // bytes ever taken
uint64_t lost;
size_t peak;

void put_byte(uint64_t at, char c) { ring[at % ring_size] = c; }
char get_byte(uint64_t at) { return ring[at % ring_size]; }

}  // namespace

void init(char* buffer, size_t size) {
    ring = buffer;
    ring_size = size;
    head = tail = lost = 0;
    peak = 0;
}

bool put(const char* text, size_t length) {
    if (length > 0xffff)
        length = 0xffff;
    if (ring == nullptr || length + 2 > ring_size - (head - tail)) {
        ++lost;
        return false;
    }
    put_byte(head, static_cast<char>(length & 0xff));
    put_byte(head + 1, static_cast<char>(length >> 8));
    for (size_t i = 0; i < length; ++i)
        put_byte(head + 2 + i, text[i]);
    head += 2 + length;
    if (head - tail > peak)
        peak = head - tail;
    return true;
}

bool take(char* out, size_t capacity, size_t& length) {
    if (head == tail)
        return false;
    size_t n = static_cast<uint8_t>(get_byte(tail)) | (static_cast<size_t>(static_cast<uint8_t>(get_byte(tail + 1))) << 8);
    length = n < capacity ? n : capacity;
    for (size_t i = 0; i < length; ++i)
        out[i] = get_byte(tail + 2 + i);
    tail += 2 + n;
    return true;
}

bool empty() { return head == tail; }
uint64_t dropped() { return lost; }
size_t high_water() { return peak; }

void drain() {
    char text[512];
    size_t n;
    while (take(text, sizeof(text), n))
        inmate::console_write(text, n);
}

}  // namespace bh::rtos::klog
