// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "trace.h"

#include <inmate/inmate.h>


namespace bh::rtos::trace {
namespace {

struct Record {
    Kind kind;
    uint8_t pad[3];
    uint32_t vcpu;
    uint64_t a, b, c;
};
static_assert(sizeof(Record) == 32);

Record* records;
uint64_t capacity;
uint64_t used;
uint64_t lost;

}  // namespace

void init(void* buffer, uint64_t bytes) {
    records = static_cast<Record*>(buffer);
    capacity = buffer == nullptr ? 0 : bytes / sizeof(Record);
    used = lost = 0;
}

bool enabled() { return records != nullptr; }

void record(Kind kind, uint32_t vcpu, uint64_t a, uint64_t b, uint64_t c) {
    if (records == nullptr)
        return;
    if (used == capacity) {
        ++lost;
        return;
    }
    records[used++] = Record{kind, {}, vcpu, a, b, c};
}

void segment(uint32_t vcpu, uint64_t start, uint64_t end, uint64_t overrun) {
    if (records != nullptr && used > 0) {
        Record& last = records[used - 1];
        if (last.kind == Kind::segment && last.vcpu == vcpu && last.b == start) {
            last.b = end;
            if (overrun > last.c)
                last.c = overrun;
            return;
        }
    }
    record(Kind::segment, vcpu, start, end, overrun);
}

uint64_t count() { return used; }
uint64_t dropped() { return lost; }

void print_all(uint64_t origin) {
    // Whole lines, several per console write (fewer hypercalls); a cell's
    // console prefixes only the first line of each write with the cell name.
    auto rel = [origin](uint64_t t) { return t >= origin ? t - origin : 0; };
    char batch[BH_CONSOLE_WRITE_MAX];
    size_t fill = 0;
    for (uint64_t i = 0; i < used; ++i) {
        const Record& r = records[i];
        FixedString<96> line;
        switch (r.kind) {
        case Kind::segment:
            line.format("trace x {} {} {} {}\n", r.vcpu, rel(r.a), rel(r.b), r.c);
            break;
        case Kind::anchor:
            line.format("trace a {} {}\n", r.vcpu, rel(r.a));
            break;
        case Kind::job:
            line.format("trace j {} {} {} {}\n", r.vcpu, r.a, rel(r.b), rel(r.c));
            break;
        }
        if (fill + line.length() > sizeof(batch)) {
            inmate::console_write(batch, fill);
            fill = 0;
        }
        memcpy(batch + fill, line.c_str(), line.length());
        fill += line.length();
    }
    if (fill > 0)
        inmate::console_write(batch, fill);
}

}  // namespace bh::rtos::trace
