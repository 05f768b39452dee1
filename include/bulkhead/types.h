/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fixed-width types for the bulkhead ABI headers.
 *
 * The ABI headers are included by the Linux driver (kernel C), the hypervisor
 * (freestanding C++), the RTOS (freestanding C++) and the host tools (hosted
 * C++). Each environment provides fixed-width integers differently; this is
 * the one place that knows.
 */
#ifndef BULKHEAD_TYPES_H
#define BULKHEAD_TYPES_H

#if defined(__KERNEL__)
#include <linux/types.h>
typedef __u8 bh_u8;
typedef __u16 bh_u16;
typedef __u32 bh_u32;
typedef __u64 bh_u64;
typedef __s32 bh_s32;
typedef __s64 bh_s64;
#else
#include <stdint.h>
typedef uint8_t bh_u8;
typedef uint16_t bh_u16;
typedef uint32_t bh_u32;
typedef uint64_t bh_u64;
typedef int32_t bh_s32;
typedef int64_t bh_s64;
#endif

#ifdef __cplusplus
#define BH_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define BH_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#endif /* BULKHEAD_TYPES_H */
