// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The x86-64 CPU as the RTOS kernel sets it up on top of what inmates/lib
// did: its own GDT (the library's selectors 0x08/0x10/0x18 keep their
// meaning, so the library's IDT gates stay valid) with user segments and a
// TSS, its own copy of the IDT with the exception vectors routed to the
// kernel (a fault in user mode ends the thread, not the cell), SYSCALL,
// NX, global pages, SMEP/SMAP when the CPU has them, and CR0.EM so that a
// user program touching the FPU/SSE faults instead of leaking state.
#pragma once

#include <stdint.h>

#include <inmate/inmate.h>

namespace bh::rtos::arch {

inline constexpr uint16_t kernel_cs = 0x18;  // = INMATE_CS64
inline constexpr uint16_t kernel_ds = 0x10;  // = INMATE_DS
inline constexpr uint16_t user_ds = 0x30 | 3;
inline constexpr uint16_t user_cs = 0x38 | 3;
inline constexpr uint16_t tss_selector = 0x40;

// Marks a frame built by the SYSCALL entry (Frame::vector).
inline constexpr uint64_t syscall_vector = 0x100;

struct Features {
    bool nx, pge, smep, smap;
};

// Everything above; `kernel_stack_top` is where SYSCALL and interrupts from
// user mode start (TSS.RSP0). Call once, with interrupts off.
void init_cpu(uint64_t kernel_stack_top);
const Features& features();

inline bool from_user(const inmate::Frame& f) { return (f.cs & 3) == 3; }

inline void write_cr3(uint64_t value) { asm volatile("mov %0, %%cr3" ::"r"(value) : "memory"); }
inline uint64_t read_cr3() { return inmate::x86::read_cr3(); }
// SMAP: allow / forbid supervisor access to user pages (no-ops without SMAP).
void user_access_begin();
void user_access_end();

}  // namespace bh::rtos::arch

// entry.S
extern "C" {
void rtos_syscall_entry();
extern char rtos_exception_stubs[];
extern uint64_t rtos_kernel_stack_top;
// C++ side of the entries: called with the frame on the kernel stack; they
// may replace the frame's contents (that is how a thread switch happens).
// rtos_syscall returns true when the caller returns to where it called,
// with only RAX changed (the SYSRET path).
bool rtos_syscall(inmate::Frame* frame);
void rtos_exception(inmate::Frame* frame);
}
