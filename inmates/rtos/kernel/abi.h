// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The bulkhead RTOS's user ABI: system call numbers, the user address-space
// layout, the header of a user image and the arguments a task starts with.
// Shared by the kernel (inmates/rtos/kernel/) and user programs
// (inmates/rtos/kernel/user/); Documentation/rtos-kernel.md explains it.
//
// System calls: SYSCALL with the number in RAX and arguments in RDI, RSI,
// RDX and R10 (RCX is SYSCALL's); the result comes back in RAX (negative
// errno on error). RCX and R11 are clobbered (SYSCALL's own convention),
// every other register survives.
#pragma once

#include <stdint.h>

namespace bh::rtos::abi {

// --- system calls ------------------------------------------------------------
// write(text, length): appends to the console (asynchronously: the kernel
// prints from its idle loop). Returns length, -EFAULT for a range outside
// the caller's mapped user memory, -EINVAL for length > write_max.
inline constexpr uint64_t sys_write = 0;
// sleep_until(t): blocks until the monotonic clock reaches t (ns). Returns 0
// (at once when t has passed).
inline constexpr uint64_t sys_sleep_until = 1;
// yield(): gives the CPU to the next ready thread of the same VCPU.
inline constexpr uint64_t sys_yield = 2;
// wait_next_period(): ends the caller's current job (periodic threads only)
// and blocks until the next release. Returns the new job's number; a job
// whose release has already passed starts at once. -EINVAL if not periodic.
inline constexpr uint64_t sys_wait_next_period = 3;
// get_time(clock): ns on that clock, or -EINVAL.
inline constexpr uint64_t sys_get_time = 4;
// exit(code): ends the calling thread.
inline constexpr uint64_t sys_exit = 5;

// Channels to other cells (Documentation/rtos-kernel.md, "Channels"): the
// ones the kernel was given at boot (channel=...), which the cell's config
// declares. A handle belongs to the address space that opened the channel;
// from any other it is -EBADF. Transfers copy between the caller's memory
// and the shared region: a buffer that is not wholly mapped user memory
// (writable, to receive) is -EFAULT and nothing moves. Timeouts are in ns:
// 0 does not wait (-EAGAIN when the call could not complete at once),
// anything else waits at most that long (-ETIMEDOUT). A call that ends
// early keeps its progress: the same call with the same buffer goes on,
// another transaction in that direction is -EBUSY until then. A peer that
// breaks the protocol makes every call -EPROTO.
//
// chan_open(id): the channel with that id. Returns a handle; -ENOENT for a
// channel the kernel does not have, -EBUSY while it is open, -EAGAIN while
// the region is not formatted yet, -EPROTO if its header disagrees.
inline constexpr uint64_t sys_chan_open = 6;
// chan_send(handle, data, length, timeout): one transaction of 1 ..
// chan_max_transaction bytes (-EINVAL, -EMSGSIZE otherwise, nothing sent).
// Returns length once all of it is in the channel.
inline constexpr uint64_t sys_chan_send = 7;
// chan_receive(handle, buffer, capacity, timeout): one whole transaction;
// returns its size. -EMSGSIZE when it is larger than capacity: nothing is
// consumed (discard it, or receive with a larger buffer).
inline constexpr uint64_t sys_chan_receive = 8;
// chan_discard(handle, timeout): drops the next transaction; returns its size.
inline constexpr uint64_t sys_chan_discard = 9;
// chan_close(handle): gives the channel back (a transaction half sent or
// half received then breaks the stream for the peer).
inline constexpr uint64_t sys_chan_close = 10;
inline constexpr uint64_t sys_count = 11;

// What the root's channel device accepts (BH_CHANNEL_MAX_TRANSACTION).
inline constexpr uint64_t chan_max_transaction = 1ull << 20;

inline constexpr uint64_t clock_monotonic = 0;  // since the kernel's time origin
inline constexpr uint64_t clock_thread_cpu = 1;  // CPU time charged to the caller
inline constexpr uint64_t clock_job_release = 2;  // release of the caller's current job

inline constexpr uint64_t write_max = 240;

// --- user address space ----------------------------------------------------------
// Every address space maps its image at user_base and its stack below
// user_top; nothing else is user-accessible. [user_base, user_top) is one
// page directory's worth of 4 KiB pages (PML4[0], PDPT[1]): below 2 GiB, so
// user programs use the small code model like the kernel.
inline constexpr uint64_t user_base = 0x40000000;
inline constexpr uint64_t user_top = 0x40200000;
// Each thread of an address space has its own stack of user_stack_pages,
// the first one below user_stack_top, the next ones below it, every one
// with an unmapped guard page above it.
inline constexpr uint64_t user_stack_pages = 4;
inline constexpr uint64_t user_stack_top = user_top - 0x1000;
inline constexpr uint64_t user_stack_stride = (user_stack_pages + 1) * 0x1000;

// --- user images ------------------------------------------------------------------
// The first bytes of a user image (a flat binary linked at user_base).
inline constexpr uint64_t image_magic = 0x4755534f54524842ull;  // "BHRTOSUG"
struct ImageHeader {
    uint64_t magic;
    uint64_t entry;  // virtual address of _start
    uint64_t text_end;  // [user_base, text_end): read + execute
    uint64_t data_start;  // [data_start, file_end): read + write, from the file
    uint64_t file_end;
    uint64_t bss_end;  // [file_end, bss_end): read + write, zeroed
};

// --- what a task starts with (RDI points to it, at the top of its stack) --------
inline constexpr uint64_t task_periodic = 0;  // the job loop below
inline constexpr uint64_t task_yield_bench = 1;  // yield ping-pong: `iterations` round trips
// Tries to break out of its address space or ring 3 and is killed for it;
// `iterations` picks how (rogue_*).
inline constexpr uint64_t task_rogue = 2;
inline constexpr uint64_t rogue_read_kernel = 0;  // system call with a kernel pointer, then a load: #PF
inline constexpr uint64_t rogue_write_text = 1;  // store into its own code: #PF
inline constexpr uint64_t rogue_cli = 2;  // privileged instruction: #GP
inline constexpr uint64_t rogue_sse = 3;  // SSE (no FPU state is kept for tasks): #UD
inline constexpr uint64_t rogue_exec_stack = 4;  // jump into its stack (NX): #PF
inline constexpr uint64_t rogue_count = 5;
// A request/reply service on channel `channel`: receives a transaction,
// swaps the case of its ASCII letters, sends it back; "stop" ends it.
inline constexpr uint64_t task_channel_service = 3;

struct TaskArgs {
    char name[16];
    uint64_t mode;
    uint64_t iterations;
    uint64_t period_ns;  // the task's (and its VCPU's) period
    uint64_t work_ns;  // CPU time per job (first segment)
    uint64_t sleep_ns;  // > 0: blocks this long on a timer after the first segment
    uint64_t work2_ns;  // then this much more
    uint64_t heavy_every;  // > 0: every heavy_every-th job needs heavy_work_ns instead of work_ns
    uint64_t heavy_work_ns;
    uint64_t jobs;  // 0: forever
    uint64_t verbose;  // print a line every `verbose` jobs (0: only start and end)
    uint64_t channel;  // task_channel_service: the channel id
};

}  // namespace bh::rtos::abi
