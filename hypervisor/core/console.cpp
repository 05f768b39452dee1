// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "console.h"

#include <bh/kconfig.h>
#include <bh/spinlock.h>

#include "../arch/x86/cpu.h"

namespace bh::console {

namespace {

constexpr uint16_t uart_thr = 0;  // transmit holding register
constexpr uint16_t uart_ier = 1;
constexpr uint16_t uart_lcr = 3;
constexpr uint16_t uart_lsr = 5;
constexpr uint16_t uart_dll = 0;
constexpr uint16_t uart_dlm = 1;
constexpr uint8_t lsr_thre = 0x20;
constexpr uint8_t lcr_dlab = 0x80;
constexpr uint8_t lcr_8n1 = 0x03;

bh_console* ring_page;
uint16_t uart_port;  // 0 = no UART
SpinLock lock;

void uart_put(char c) {
    // Bounded wait: a missing UART must not hang the hypervisor.
    for (int i = 0; i < 100000 && !(x86::inb(uart_port + uart_lsr) & lsr_thre); ++i)
        x86::pause();
    x86::outb(uart_port + uart_thr, static_cast<uint8_t>(c));
}

}  // namespace

void init(bh_console* ring, const bh_debug_console& uart) {
    ring_page = ring;
    ring_page->signature = BH_CONSOLE_SIGNATURE;
    ring_page->tail = 0;
    uart_port = 0;
    if (kconfig::debug_console && uart.type == BH_CONSOLE_UART_PIO) {
        uart_port = static_cast<uint16_t>(uart.address);
        x86::outb(uart_port + uart_ier, 0);
        if (uart.divider != 0) {
            x86::outb(uart_port + uart_lcr, lcr_dlab);
            x86::outb(uart_port + uart_dll, static_cast<uint8_t>(uart.divider));
            x86::outb(uart_port + uart_dlm, static_cast<uint8_t>(uart.divider >> 8));
        }
        x86::outb(uart_port + uart_lcr, lcr_8n1);
    }
}

void write(const char* text, size_t length) {
    LockGuard guard(lock);
    for (size_t i = 0; i < length; ++i) {
        if (ring_page != nullptr) {
            ring_page->ring[ring_page->tail % BH_CONSOLE_RING_SIZE] = text[i];
            // Readers in the root see tail only after the byte.
            __atomic_store_n(&ring_page->tail, ring_page->tail + 1, __ATOMIC_RELEASE);
        }
        if (uart_port != 0) {
            if (text[i] == '\n')
                uart_put('\r');
            uart_put(text[i]);
        }
    }
}

}  // namespace bh::console
