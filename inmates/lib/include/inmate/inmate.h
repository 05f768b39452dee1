// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The inmate library: everything a freestanding program needs to run in a
// bulkhead cell or bare on a PC (QEMU -kernel, GRUB). See
// Documentation/inmates.md.
//
// A demo defines `int inmate_main()`. Before it runs, the library has
//   - entered 64-bit mode with [0, 4 GiB) identity mapped (2 MiB pages),
//   - loaded an IDT that reports exceptions (vector, error code, RIP) and
//     dispatches interrupts to handlers registered with irq_set_handler(),
//   - chosen the console (hypercall in a cell, COM1 bare),
//   - read the boot arguments (communication page or multiboot command line),
//   - enabled the local APIC (xAPIC or x2APIC, whichever is on) and learned
//     the TSC and APIC timer frequencies.
// Returning from inmate_main() ends the inmate: inmate::exit(return value).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <bh/format.h>
#include <bulkhead/cell.h>

#include "boot.h"
#include "x86.h"

// Provided by every inmate.
int inmate_main();

// Freestanding memory functions (the compiler may emit calls to them).
extern "C" {
void* memset(void* dst, int c, size_t n);
void* memcpy(void* dst, const void* src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
}

namespace inmate {

enum class Boot : uint32_t {
    cell = INMATE_BOOT_CELL,
    multiboot = INMATE_BOOT_MULTIBOOT,
    unknown_loader = INMATE_BOOT_UNKNOWN_LOADER,
    secondary = INMATE_BOOT_SECONDARY,
};

struct Environment {
    bool in_cell = false;  // CPUID 0x40000000 says "bulkhead"
    bool amd = false;  // hypercalls are VMMCALL (not GenuineIntel) or VMCALL (Intel)
    Boot boot = Boot::cell;
    volatile bh_comm_page* comm = nullptr;  // valid communication page, or null
    uint32_t cell_id = 0;
    uint32_t num_cpus = 1;  // assigned to the cell; 1 bare (only the BSP runs)
    const char* args = "";  // boot arguments, never null
};

const Environment& env();
const bh_inmate_header& image_header();

// CPUs that reached 64-bit C++ code, the boot CPU included.
uint32_t cpus_started();
// APIC id of each started CPU (index = order of arrival; 0 = boot CPU).
uint32_t cpu_apic_id(uint32_t index);

// Bare only (a self-test of the cell boot path): INIT/SIPI the PC's other
// CPUs through a trampoline that makes them enter the image like cell CPUs
// (real mode, CS.base = image start, IP = 0). Returns cpus_started().
uint32_t bare_start_cpus_via_reset_entry();

// Ends the inmate: prints "inmate: exit CODE", records the end in the
// communication page (SHUT_DOWN for 0, FAILED otherwise) and halts.
[[noreturn]] void exit(int code);

// --- console ---------------------------------------------------------------
void console_write(const char* text, size_t length);
// Without the console lock: for exception reports.
void console_write_unlocked(const char* text, size_t length);
const char* console_name();

// print("x = {} at {}\n", 3, bh::hex(p)): "{}" placeholders (bh/format.h).
template <typename... Args>
void print(const char* fmt, const Args&... args) {
    bh::FixedString<512> s;
    s.format(fmt, args...);
    console_write(s.c_str(), s.length());
}

template <typename... Args>
[[noreturn]] void panic(const char* fmt, const Args&... args) {
    bh::FixedString<512> s;
    s.format(fmt, args...);
    console_write("inmate: PANIC: ", 15);
    console_write(s.c_str(), s.length());
    console_write("\n", 1);
    exit(99);
}

// Formatting helpers for print(): fixed-width fields.
struct Field {
    char text[48];
    operator const char*() const { return text; }
};
Field dec(uint64_t value, unsigned width = 0);  // right-aligned decimal
Field sdec(int64_t value, unsigned width = 0);
Field hex_pad(uint64_t value, unsigned digits);  // 0x + zero-padded
Field frac(uint64_t value, uint64_t divisor, unsigned decimals);  // 1234, 1000, 3 -> "1.234"
Field left(const char* s, unsigned width);  // left-aligned, space-padded
Field right(const char* s, unsigned width);  // right-aligned, space-padded

// --- boot arguments ---------------------------------------------------------
// Arguments are whitespace-separated words; "key=value" words are options.
bh::Str arg_word(size_t index);  // size 0 if absent
bool arg_flag(const char* word);  // the word appears on its own
bool arg_value(const char* key, bh::Str& value);  // "key=value"
uint64_t arg_u64(const char* key, uint64_t fallback);  // decimal or 0x hex
bool str_equal(bh::Str a, const char* b);

// --- hypercalls (bulkhead only) -----------------------------------------
long hypercall(uint64_t code, uint64_t arg1 = 0, uint64_t arg2 = 0);

// --- interrupts ---------------------------------------------------------------
// The stack at inmate_interrupt(): saved registers, then what the stub and
// the CPU pushed.
struct Frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(Frame) == 22 * 8);

using IrqHandler = void (*)(Frame&);
// Vectors 32..254. The library sends the EOI after the handler returns.
void irq_set_handler(uint8_t vector, IrqHandler handler);
inline void irq_enable() { x86::sti(); }
inline void irq_disable() { x86::cli(); }
void idt_load();

// Vectors the library uses.
constexpr uint8_t vector_timer = 0x20;  // free for the inmate's LAPIC timer use
constexpr uint8_t vector_sleep = 0x21;  // time::sleep_until()'s one-shot timer
constexpr uint8_t vector_spurious = 0xff;

}  // namespace inmate
