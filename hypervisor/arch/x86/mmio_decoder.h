// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// A strict decoder for the instructions that write MMIO registers, for CPUs
// without decode assists (QEMU TCG): the nested page fault names the
// guest-physical address, this decoder says how long the instruction is and
// where the written value comes from.
//
// Contract:
//   - 64-bit mode only (the root cell is a 64-bit Linux).
//   - Accepted: `89 /r` (MOV r/m32, r32) and `C7 /0 id` (MOV r/m32, imm32),
//     each with at most one REX prefix (0x40-0x4f) directly before the
//     opcode, REX.W = 0, a memory operand (ModRM mod != 3) in any 64-bit
//     addressing form: [reg], [reg + disp8/disp32], SIB with or without base
//     and index, absolute disp32 (SIB base 101, mod 00), RIP-relative.
//   - Refused, never guessed: every other opcode, every legacy prefix
//     (0x66, 0x67, segment overrides, LOCK, REP), more than one REX, a REX
//     that is not the last prefix, REX.W = 1 (an 8-byte write), register
//     destinations, C7 with reg != 0, and an instruction longer than the
//     bytes available (the caller fetched what it could, up to 15).
//   - The memory operand is decoded (for a cross-check against the faulting
//     address), but the register the hypervisor emulates comes from the
//     guest-physical address of the fault, never from the decoded operand.
//
// Freestanding and host-buildable: no hypervisor state, no allocation.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace bh::x86 {

inline constexpr size_t max_instruction_length = 15;
inline constexpr int8_t no_register = -1;

// Register numbers as ModRM/REX encode them.
enum GpRegister : uint8_t {
    reg_rax, reg_rcx, reg_rdx, reg_rbx, reg_rsp, reg_rbp, reg_rsi, reg_rdi,
    reg_r8, reg_r9, reg_r10, reg_r11, reg_r12, reg_r13, reg_r14, reg_r15,
};

enum class DecodeStatus : uint8_t {
    ok,
    truncated,           // the instruction runs past the bytes available
    unsupported_prefix,  // a legacy prefix, or a misplaced/second REX
    unsupported_opcode,  // not 89 or C7
    register_operand,    // ModRM mod = 3: no memory is written
    bad_opcode_extension,  // C7 with ModRM.reg != 0
    operand_size,        // REX.W = 1: a 64-bit write
};

const char* decode_status_name(DecodeStatus status);

struct MemoryOperand {
    bool rip_relative{};
    int8_t base{no_register};   // GpRegister or no_register
    int8_t index{no_register};  // GpRegister or no_register
    uint8_t scale{1};           // 1, 2, 4, 8
    int32_t displacement{};
};

struct MmioWrite {
    uint8_t length{};        // bytes of the whole instruction
    uint8_t operand_size{};  // bytes written: always 4 for now
    bool immediate{};        // the value is `imm`, else register `source`
    uint8_t source{};        // GpRegister, when !immediate
    uint32_t imm{};
    MemoryOperand memory{};
};

// Decode the instruction at `code` (`available` bytes readable, at most
// max_instruction_length are looked at).
DecodeStatus decode_mmio_write(const uint8_t* code, size_t available, MmioWrite& out);

// The effective address of `op` given the 16 general-purpose registers in
// GpRegister order and the address of the next instruction (RIP-relative).
uint64_t effective_address(const MemoryOperand& op, const uint64_t (&regs)[16], uint64_t next_rip);

// The value a decoded write stores, from the guest's registers.
inline uint32_t written_value(const MmioWrite& w, const uint64_t (&regs)[16]) {
    return w.immediate ? w.imm : static_cast<uint32_t>(regs[w.source]);
}

}  // namespace bh::x86
