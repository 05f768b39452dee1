// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The console: in a bulkhead cell the hypercall BH_HC_CONSOLE_WRITE (the cell
// owns no UART; the root reads the text with `bulkhead console`), one line
// per hypercall (text without a newline waits for one, or for
// console_flush()); bare the
// 16550 UART COM1 at I/O port 0x3f8 (115200 8N1, polled). Chosen at start by
// CPUID leaf 0x40000000; the boot argument uart=PORT then moves it to the
// 16550 at PORT (a cell given a UART by its config).
#include <bh/spinlock.h>
#include <bulkhead/hypercall.h>
#include <inmate/inmate.h>

#include "internal.h"

namespace inmate {
namespace {

uint16_t com1 = 0x3f8;
constexpr uint16_t uart_thr = 0, uart_ier = 1, uart_fcr = 2, uart_lcr = 3, uart_mcr = 4, uart_lsr = 5;
constexpr uint16_t uart_dll = 0, uart_dlm = 1;
constexpr uint8_t lsr_thre = 0x20;

bool use_hypercall = false;
bool ready = false;
bh::SpinLock lock;

// The hypervisor prefixes every BH_HC_CONSOLE_WRITE with the cell's name:
// hand it whole lines (or full 256-byte chunks).
char line[BH_CONSOLE_WRITE_MAX];
size_t line_length;

void line_flush() {
    if (line_length != 0) {
        // The hypervisor reads the text at its guest-physical address: the
        // identity map makes that the pointer value.
        hypercall(BH_HC_CONSOLE_WRITE, reinterpret_cast<uintptr_t>(line), line_length);
        line_length = 0;
    }
}

void uart_putc(char c) {
    // A missing UART reads 0xff (THRE set): never spins forever.
    for (unsigned i = 0; i < 1000000 && !(x86::inb(com1 + uart_lsr) & lsr_thre); ++i)
        x86::pause();
    x86::outb(com1 + uart_thr, static_cast<uint8_t>(c));
}

void write_raw(const char* text, size_t length) {
    if (use_hypercall) {
        for (size_t i = 0; i < length; ++i) {
            line[line_length++] = text[i];
            if (text[i] == '\n' || line_length == sizeof(line))
                line_flush();
        }
        return;
    }
    for (size_t i = 0; i < length; ++i) {
        if (text[i] == '\n')
            uart_putc('\r');
        uart_putc(text[i]);
    }
}

void uart_init() {
    x86::outb(com1 + uart_ier, 0);
    x86::outb(com1 + uart_lcr, 0x80);  // DLAB
    x86::outb(com1 + uart_dll, 1);  // 115200 baud
    x86::outb(com1 + uart_dlm, 0);
    x86::outb(com1 + uart_lcr, 0x03);  // 8N1
    x86::outb(com1 + uart_fcr, 0xc7);  // FIFO on, cleared
    x86::outb(com1 + uart_mcr, 0x03);  // DTR, RTS
}

}  // namespace

void console_init(bool hypercall_console) {
    use_hypercall = hypercall_console;
    if (!use_hypercall)
        uart_init();
    ready = true;
}

void console_use_uart(uint16_t port) {
    bh::LockGuard guard(lock);
    if (use_hypercall)
        line_flush();
    com1 = port;
    use_hypercall = false;
    uart_init();
}

void console_flush() {
    if (ready && use_hypercall)
        line_flush();
}

const char* console_name() {
    if (use_hypercall)
        return "hypercall";
    switch (com1) {
    case 0x3f8: return "COM1 0x3f8";
    case 0x2f8: return "COM2 0x2f8";
    case 0x3e8: return "COM3 0x3e8";
    case 0x2e8: return "COM4 0x2e8";
    default: return "UART";
    }
}

void console_write(const char* text, size_t length) {
    if (!ready)
        return;
    bh::LockGuard guard(lock);
    write_raw(text, length);
}

void console_write_unlocked(const char* text, size_t length) {
    if (ready)
        write_raw(text, length);
}

long hypercall(uint64_t code, uint64_t arg1, uint64_t arg2) {
    long result;
    if (env().amd)
        asm volatile("vmmcall" : "=a"(result) : "a"(code), "D"(arg1), "S"(arg2) : "memory");
    else
        asm volatile("vmcall" : "=a"(result) : "a"(code), "D"(arg1), "S"(arg2) : "memory");
    return result;
}

}  // namespace inmate
