/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Offsets into struct bh::PerCpu for entry.S; core/setup.cpp checks each
 * against offsetof at compile time.
 */
#ifndef BULKHEAD_ASM_OFFSETS_H
#define BULKHEAD_ASM_OFFSETS_H

#define PERCPU_REGS 8320
#define PERCPU_VMCB_PA 8432
#define REG_RBX 0
#define REG_RCX 8
#define REG_RDX 16
#define REG_RSI 24
#define REG_RDI 32
#define REG_RBP 40
#define REG_R8 48
#define REG_R9 56
#define REG_R10 64
#define REG_R11 72
#define REG_R12 80
#define REG_R13 88
#define REG_R14 96
#define REG_R15 104

#endif
