// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "mmio_decoder.h"

namespace bh::x86 {

namespace {

constexpr uint8_t opcode_mov_store = 0x89;      // MOV r/m32, r32
constexpr uint8_t opcode_mov_store_imm = 0xc7;  // MOV r/m32, imm32 (/0)

bool is_rex(uint8_t b) { return (b & 0xf0) == 0x40; }

bool is_legacy_prefix(uint8_t b) {
    switch (b) {
    case 0x26: case 0x2e: case 0x36: case 0x3e:  // segment overrides
    case 0x64: case 0x65:                        // FS, GS
    case 0x66: case 0x67:                        // operand, address size
    case 0xf0: case 0xf2: case 0xf3:             // LOCK, REPNE, REP
        return true;
    default:
        return false;
    }
}

uint32_t load_le32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
           static_cast<uint32_t>(p[3]) << 24;
}

}  // namespace

const char* decode_status_name(DecodeStatus status) {
    switch (status) {
    case DecodeStatus::ok: return "ok";
    case DecodeStatus::truncated: return "truncated";
    case DecodeStatus::unsupported_prefix: return "unsupported prefix";
    case DecodeStatus::unsupported_opcode: return "unsupported opcode";
    case DecodeStatus::register_operand: return "register operand";
    case DecodeStatus::bad_opcode_extension: return "bad opcode extension";
    case DecodeStatus::operand_size: return "unsupported operand size";
    }
    return "?";
}

DecodeStatus decode_mmio_write(const uint8_t* code, size_t available, MmioWrite& out) {
    out = MmioWrite{};
    if (available > max_instruction_length)
        available = max_instruction_length;
    size_t pos = 0;
    auto need = [&](size_t bytes) { return pos + bytes <= available; };

    if (!need(1))
        return DecodeStatus::truncated;
    if (is_legacy_prefix(code[0]))
        return DecodeStatus::unsupported_prefix;
    uint8_t rex = 0;
    if (is_rex(code[pos])) {
        rex = code[pos++];
        if (!need(1))
            return DecodeStatus::truncated;
        // A REX followed by a prefix (hardware ignores that REX) or by a
        // second REX: refused.
        if (is_rex(code[pos]) || is_legacy_prefix(code[pos]))
            return DecodeStatus::unsupported_prefix;
    }
    uint8_t opcode = code[pos++];
    if (opcode != opcode_mov_store && opcode != opcode_mov_store_imm)
        return DecodeStatus::unsupported_opcode;
    if (rex & 0x08)
        return DecodeStatus::operand_size;

    if (!need(1))
        return DecodeStatus::truncated;
    uint8_t modrm = code[pos++];
    unsigned mod = modrm >> 6;
    unsigned reg = ((modrm >> 3) & 7) | ((rex & 0x04) ? 8 : 0);
    unsigned rm = modrm & 7;
    if (mod == 3)
        return DecodeStatus::register_operand;
    if (opcode == opcode_mov_store_imm && (modrm & 0x38) != 0)
        return DecodeStatus::bad_opcode_extension;

    MemoryOperand& mem = out.memory;
    unsigned disp_bytes = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    if (rm == 4) {
        // SIB follows.
        if (!need(1))
            return DecodeStatus::truncated;
        uint8_t sib = code[pos++];
        unsigned scale = sib >> 6;
        unsigned index = ((sib >> 3) & 7) | ((rex & 0x02) ? 8 : 0);
        unsigned base = (sib & 7) | ((rex & 0x01) ? 8 : 0);
        if (index != reg_rsp) {  // index 100 without REX.X: none
            mem.index = static_cast<int8_t>(index);
            mem.scale = static_cast<uint8_t>(1u << scale);
        }
        if ((sib & 7) == 5 && mod == 0)
            disp_bytes = 4;  // no base, disp32 (REX.B does not matter)
        else
            mem.base = static_cast<int8_t>(base);
    } else if (rm == 5 && mod == 0) {
        mem.rip_relative = true;
        disp_bytes = 4;
    } else {
        mem.base = static_cast<int8_t>(rm | ((rex & 0x01) ? 8 : 0));
    }

    if (!need(disp_bytes))
        return DecodeStatus::truncated;
    if (disp_bytes == 1)
        mem.displacement = static_cast<int8_t>(code[pos]);
    else if (disp_bytes == 4)
        mem.displacement = static_cast<int32_t>(load_le32(code + pos));
    pos += disp_bytes;

    if (opcode == opcode_mov_store_imm) {
        if (!need(4))
            return DecodeStatus::truncated;
        out.immediate = true;
        out.imm = load_le32(code + pos);
        pos += 4;
    } else {
        out.source = static_cast<uint8_t>(reg);
    }
    out.operand_size = 4;
    out.length = static_cast<uint8_t>(pos);
    return DecodeStatus::ok;
}

uint64_t effective_address(const MemoryOperand& op, const uint64_t (&regs)[16], uint64_t next_rip) {
    uint64_t address = static_cast<uint64_t>(static_cast<int64_t>(op.displacement));
    if (op.rip_relative)
        return next_rip + address;
    if (op.base != no_register)
        address += regs[op.base];
    if (op.index != no_register)
        address += regs[op.index] * op.scale;
    return address;
}

}  // namespace bh::x86
