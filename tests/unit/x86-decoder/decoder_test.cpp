// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The xAPIC write decoder against byte sequences of real code: the APIC
// writes of Debian's 6.1 kernel (vmlinuz-6.1.0-56-amd64, its xz payload
// disassembled with objdump; APIC_BASE is the fixmap address
// 0xffffffffff5fd000) and the other forms gcc emits, assembled with GNU as.
// The decoder must accept exactly MOV r/m32,r32 and MOV r/m32,imm32 with
// memory destinations and refuse everything else.
#include <gtest/gtest.h>

#include <stdint.h>

#include <initializer_list>
#include <vector>

#include "mmio_decoder.h"

namespace {

using bh::x86::DecodeStatus;
using bh::x86::MmioWrite;
using bh::x86::no_register;
namespace x86 = bh::x86;

DecodeStatus decode(std::initializer_list<uint8_t> bytes, MmioWrite& out) {
    std::vector<uint8_t> v(bytes);
    return x86::decode_mmio_write(v.data(), v.size(), out);
}

DecodeStatus decode(std::initializer_list<uint8_t> bytes) {
    MmioWrite out;
    return decode(bytes, out);
}

constexpr uint64_t apic_base = 0xffffffffff5fd000ull;

// --- from the Debian kernel ---------------------------------------------------

TEST(MmioDecoder, NativeApicMemWrite) {
    // native_apic_mem_write(reg, v): mov %esi,-0xa03000(%rdi) -- reg in edi,
    // zero-extended by the preceding `mov %edi,%edi`.
    MmioWrite w;
    ASSERT_EQ(decode({0x89, 0xb7, 0x00, 0xd0, 0x5f, 0xff}, w), DecodeStatus::ok);
    EXPECT_EQ(w.length, 6);
    EXPECT_EQ(w.operand_size, 4);
    EXPECT_FALSE(w.immediate);
    EXPECT_EQ(w.source, x86::reg_rsi);
    EXPECT_FALSE(w.memory.rip_relative);
    EXPECT_EQ(w.memory.base, x86::reg_rdi);
    EXPECT_EQ(w.memory.index, no_register);
    EXPECT_EQ(w.memory.displacement, -0xa03000);

    uint64_t regs[16]{};
    regs[x86::reg_rdi] = 0xb0;  // APIC_EOI
    regs[x86::reg_rsi] = 0;
    EXPECT_EQ(x86::effective_address(w.memory, regs, 0), apic_base + 0xb0);
    regs[x86::reg_rsi] = 0xdeadbeef00000042ull;
    EXPECT_EQ(x86::written_value(w, regs), 0x42u);  // 32 bits written
}

TEST(MmioDecoder, IcrWritesOfNativeApicIcrWrite) {
    // The ICR pair written by __default_send_IPI_dest_field and
    // native_apic_icr_write: absolute disp32 through SIB without base.
    struct Case {
        std::vector<uint8_t> bytes;
        uint8_t source;
        uint32_t reg;
    } cases[] = {
        {{0x89, 0x3c, 0x25, 0x10, 0xd3, 0x5f, 0xff}, x86::reg_rdi, 0x310},  // mov %edi,APIC_ICR2
        {{0x89, 0x14, 0x25, 0x00, 0xd3, 0x5f, 0xff}, x86::reg_rdx, 0x300},  // mov %edx,APIC_ICR
        {{0x89, 0x3c, 0x25, 0x00, 0xd3, 0x5f, 0xff}, x86::reg_rdi, 0x300},  // mov %edi,APIC_ICR
    };
    for (const Case& c : cases) {
        MmioWrite w;
        ASSERT_EQ(x86::decode_mmio_write(c.bytes.data(), c.bytes.size(), w), DecodeStatus::ok);
        EXPECT_EQ(w.length, 7);
        EXPECT_EQ(w.source, c.source);
        EXPECT_EQ(w.memory.base, no_register);
        EXPECT_EQ(w.memory.index, no_register);
        EXPECT_FALSE(w.memory.rip_relative);
        uint64_t regs[16]{};
        EXPECT_EQ(x86::effective_address(w.memory, regs, 0x1000), apic_base + c.reg);
    }
}

TEST(MmioDecoder, FollowingBytesAreNotPartOfTheInstruction) {
    // From the kernel: the ICR write followed by `add $0x8,%rsp`.
    MmioWrite w;
    ASSERT_EQ(decode({0x89, 0x14, 0x25, 0x00, 0xd3, 0x5f, 0xff, 0x48, 0x83, 0xc4, 0x08}, w), DecodeStatus::ok);
    EXPECT_EQ(w.length, 7);
}

// --- other forms gcc emits (GNU as) ---------------------------------------------

TEST(MmioDecoder, ImmediateToAbsoluteAddress) {
    // movl $0x0,0xffffffffff5fd0b0 (an inlined EOI)
    MmioWrite w;
    ASSERT_EQ(decode({0xc7, 0x04, 0x25, 0xb0, 0xd0, 0x5f, 0xff, 0x00, 0x00, 0x00, 0x00}, w), DecodeStatus::ok);
    EXPECT_EQ(w.length, 11);
    EXPECT_TRUE(w.immediate);
    EXPECT_EQ(w.imm, 0u);
    uint64_t regs[16]{};
    EXPECT_EQ(x86::effective_address(w.memory, regs, 0), apic_base + 0xb0);
}

TEST(MmioDecoder, ImmediateForms) {
    MmioWrite w;
    ASSERT_EQ(decode({0xc7, 0x00, 0x78, 0x56, 0x34, 0x12}, w), DecodeStatus::ok);  // movl $0x12345678,(%rax)
    EXPECT_EQ(w.length, 6);
    EXPECT_EQ(w.imm, 0x12345678u);
    EXPECT_EQ(w.memory.base, x86::reg_rax);

    ASSERT_EQ(decode({0xc7, 0x87, 0x10, 0x03, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00}, w), DecodeStatus::ok);
    EXPECT_EQ(w.length, 10);  // movl $0x7,0x310(%rdi)
    EXPECT_EQ(w.imm, 7u);
    EXPECT_EQ(w.memory.displacement, 0x310);

    ASSERT_EQ(decode({0xc7, 0x42, 0x7f, 0xff, 0xff, 0xff, 0xff}, w), DecodeStatus::ok);
    EXPECT_EQ(w.length, 7);  // movl $0xffffffff,0x7f(%rdx)
    EXPECT_EQ(w.imm, 0xffffffffu);
    EXPECT_EQ(w.memory.displacement, 0x7f);
}

TEST(MmioDecoder, RexExtendedRegisters) {
    MmioWrite w;
    ASSERT_EQ(decode({0x44, 0x89, 0x00}, w), DecodeStatus::ok);  // mov %r8d,(%rax)
    EXPECT_EQ(w.length, 3);
    EXPECT_EQ(w.source, x86::reg_r8);
    EXPECT_EQ(w.memory.base, x86::reg_rax);

    ASSERT_EQ(decode({0x41, 0x89, 0x00}, w), DecodeStatus::ok);  // mov %eax,(%r8)
    EXPECT_EQ(w.source, x86::reg_rax);
    EXPECT_EQ(w.memory.base, x86::reg_r8);

    ASSERT_EQ(decode({0x45, 0x89, 0x7c, 0x24, 0x10}, w), DecodeStatus::ok);  // mov %r15d,0x10(%r12)
    EXPECT_EQ(w.length, 5);
    EXPECT_EQ(w.source, x86::reg_r15);
    EXPECT_EQ(w.memory.base, x86::reg_r12);
    EXPECT_EQ(w.memory.index, no_register);
    EXPECT_EQ(w.memory.displacement, 0x10);

    ASSERT_EQ(decode({0x43, 0x89, 0x8c, 0xd1, 0x00, 0x03, 0x00, 0x00}, w), DecodeStatus::ok);
    EXPECT_EQ(w.length, 8);  // mov %ecx,0x300(%r9,%r10,8)
    EXPECT_EQ(w.memory.base, x86::reg_r9);
    EXPECT_EQ(w.memory.index, x86::reg_r10);
    EXPECT_EQ(w.memory.scale, 8);

    ASSERT_EQ(decode({0x47, 0x89, 0x64, 0x35, 0x00}, w), DecodeStatus::ok);  // mov %r12d,0x0(%r13,%r14,1)
    EXPECT_EQ(w.length, 5);
    EXPECT_EQ(w.source, x86::reg_r12);
    EXPECT_EQ(w.memory.base, x86::reg_r13);
    EXPECT_EQ(w.memory.index, x86::reg_r14);
    EXPECT_EQ(w.memory.scale, 1);
}

TEST(MmioDecoder, RspRbpR13Bases) {
    MmioWrite w;
    ASSERT_EQ(decode({0x89, 0x0c, 0x24}, w), DecodeStatus::ok);  // mov %ecx,(%rsp)
    EXPECT_EQ(w.length, 3);
    EXPECT_EQ(w.memory.base, x86::reg_rsp);
    EXPECT_EQ(w.memory.index, no_register);

    ASSERT_EQ(decode({0x89, 0x4c, 0x24, 0x08}, w), DecodeStatus::ok);  // mov %ecx,0x8(%rsp)
    EXPECT_EQ(w.length, 4);
    EXPECT_EQ(w.memory.displacement, 8);

    ASSERT_EQ(decode({0x89, 0x4d, 0x00}, w), DecodeStatus::ok);  // mov %ecx,0x0(%rbp)
    EXPECT_EQ(w.length, 3);
    EXPECT_EQ(w.memory.base, x86::reg_rbp);
    EXPECT_FALSE(w.memory.rip_relative);

    ASSERT_EQ(decode({0x41, 0x89, 0x4d, 0x00}, w), DecodeStatus::ok);  // mov %ecx,0x0(%r13)
    EXPECT_EQ(w.length, 4);
    EXPECT_EQ(w.memory.base, x86::reg_r13);

    ASSERT_EQ(decode({0x89, 0x27}, w), DecodeStatus::ok);  // mov %esp,(%rdi)
    EXPECT_EQ(w.source, x86::reg_rsp);
    EXPECT_EQ(w.memory.base, x86::reg_rdi);
}

TEST(MmioDecoder, SibForms) {
    MmioWrite w;
    ASSERT_EQ(decode({0x89, 0x8c, 0x98, 0x00, 0x03, 0x00, 0x00}, w), DecodeStatus::ok);
    EXPECT_EQ(w.length, 7);  // mov %ecx,0x300(%rax,%rbx,4)
    EXPECT_EQ(w.memory.base, x86::reg_rax);
    EXPECT_EQ(w.memory.index, x86::reg_rbx);
    EXPECT_EQ(w.memory.scale, 4);
    uint64_t regs[16]{};
    regs[x86::reg_rax] = 0xfee00000;
    regs[x86::reg_rbx] = 4;
    EXPECT_EQ(x86::effective_address(w.memory, regs, 0), 0xfee00310u);

    ASSERT_EQ(decode({0x89, 0x0c, 0x55, 0x00, 0x03, 0x00, 0x00}, w), DecodeStatus::ok);
    EXPECT_EQ(w.length, 7);  // mov %ecx,0x300(,%rdx,2): no base
    EXPECT_EQ(w.memory.base, no_register);
    EXPECT_EQ(w.memory.index, x86::reg_rdx);
    EXPECT_EQ(w.memory.scale, 2);

    // SIB base 101 with mod 00 is disp32 without base even with REX.B.
    ASSERT_EQ(decode({0x41, 0x89, 0x0c, 0x25, 0x00, 0x03, 0xe0, 0xfe}, w), DecodeStatus::ok);
    EXPECT_EQ(w.length, 8);
    EXPECT_EQ(w.memory.base, no_register);
    // Index 100 with REX.X is r12, a real index.
    ASSERT_EQ(decode({0x42, 0x89, 0x0c, 0xa0}, w), DecodeStatus::ok);  // mov %ecx,(%rax,%r12,4)
    EXPECT_EQ(w.memory.index, x86::reg_r12);
    EXPECT_EQ(w.memory.scale, 4);
}

TEST(MmioDecoder, RipRelative) {
    MmioWrite w;
    ASSERT_EQ(decode({0x89, 0x0d, 0x34, 0x12, 0x00, 0x00}, w), DecodeStatus::ok);  // mov %ecx,0x1234(%rip)
    EXPECT_EQ(w.length, 6);
    EXPECT_TRUE(w.memory.rip_relative);
    uint64_t regs[16]{};
    EXPECT_EQ(x86::effective_address(w.memory, regs, 0x5c), 0x1290u);

    ASSERT_EQ(decode({0xc7, 0x05, 0xf0, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00}, w), DecodeStatus::ok);
    EXPECT_EQ(w.length, 10);  // movl $0x1,-0x10(%rip)
    EXPECT_TRUE(w.memory.rip_relative);
    EXPECT_EQ(w.imm, 1u);
    EXPECT_EQ(x86::effective_address(w.memory, regs, 0x66), 0x56u);

    // REX.B does not turn RIP-relative into [r13].
    ASSERT_EQ(decode({0x41, 0x89, 0x0d, 0x00, 0x00, 0x00, 0x00}, w), DecodeStatus::ok);
    EXPECT_TRUE(w.memory.rip_relative);
}

// --- refusals ---------------------------------------------------------------------

TEST(MmioDecoder, RefusesOtherWidths) {
    EXPECT_EQ(decode({0x48, 0x89, 0x07}), DecodeStatus::operand_size);  // mov %rax,(%rdi)
    EXPECT_EQ(decode({0x48, 0xc7, 0x07, 0, 0, 0, 0}), DecodeStatus::operand_size);
    EXPECT_EQ(decode({0x66, 0x89, 0x07}), DecodeStatus::unsupported_prefix);  // mov %ax,(%rdi)
    EXPECT_EQ(decode({0x88, 0x07}), DecodeStatus::unsupported_opcode);        // mov %al,(%rdi)
    EXPECT_EQ(decode({0xc6, 0x07, 0x01}), DecodeStatus::unsupported_opcode);  // movb $1,(%rdi)
}

TEST(MmioDecoder, RefusesOtherInstructions) {
    EXPECT_EQ(decode({0x87, 0xb7, 0x00, 0xd0, 0x5f, 0xff}), DecodeStatus::unsupported_opcode);  // xchg (11AP)
    EXPECT_EQ(decode({0x8b, 0x07}), DecodeStatus::unsupported_opcode);                          // a read
    EXPECT_EQ(decode({0x09, 0x07}), DecodeStatus::unsupported_opcode);                          // or: read-modify-write
    EXPECT_EQ(decode({0xa3, 0, 0x03, 0xe0, 0xfe, 0, 0, 0, 0}), DecodeStatus::unsupported_opcode);  // mov moffs
    EXPECT_EQ(decode({0x0f, 0x11, 0x07}), DecodeStatus::unsupported_opcode);                    // movups
    EXPECT_EQ(decode({0xf3, 0xa5}), DecodeStatus::unsupported_prefix);                          // rep movsl
    EXPECT_EQ(decode({0xc7, 0x0f, 0, 0, 0, 0}), DecodeStatus::bad_opcode_extension);           // C7 /1
    EXPECT_EQ(decode({0xc7, 0xf8, 0, 0, 0, 0}), DecodeStatus::register_operand);               // xbegin
}

TEST(MmioDecoder, RefusesRegisterDestinations) {
    EXPECT_EQ(decode({0x89, 0xc7}), DecodeStatus::register_operand);  // mov %eax,%edi
    EXPECT_EQ(decode({0xc7, 0xc0, 1, 0, 0, 0}), DecodeStatus::register_operand);
}

TEST(MmioDecoder, RefusesPrefixes) {
    for (uint8_t p : {0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3}) {
        EXPECT_EQ(decode({p, 0x89, 0x07}), DecodeStatus::unsupported_prefix) << int(p);
        // A REX before a legacy prefix is not a REX prefix to the CPU.
        EXPECT_EQ(decode({0x41, p, 0x89, 0x07}), DecodeStatus::unsupported_prefix) << int(p);
    }
    EXPECT_EQ(decode({0x40, 0x41, 0x89, 0x07}), DecodeStatus::unsupported_prefix);  // two REX
}

TEST(MmioDecoder, RefusesEveryTruncation) {
    // Each valid instruction, cut short at every length, is truncated.
    std::vector<std::vector<uint8_t>> valid = {
        {0x89, 0xb7, 0x00, 0xd0, 0x5f, 0xff},
        {0x89, 0x3c, 0x25, 0x10, 0xd3, 0x5f, 0xff},
        {0xc7, 0x04, 0x25, 0xb0, 0xd0, 0x5f, 0xff, 0x00, 0x00, 0x00, 0x00},
        {0x43, 0x89, 0x8c, 0xd1, 0x00, 0x03, 0x00, 0x00},
        {0xc7, 0x05, 0xf0, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00},
        {0x45, 0x89, 0x7c, 0x24, 0x10},
        {0xc7, 0x42, 0x7f, 0xff, 0xff, 0xff, 0xff},
    };
    for (const auto& bytes : valid) {
        MmioWrite w;
        ASSERT_EQ(x86::decode_mmio_write(bytes.data(), bytes.size(), w), DecodeStatus::ok);
        ASSERT_EQ(w.length, bytes.size());
        for (size_t n = 0; n < bytes.size(); ++n)
            EXPECT_EQ(x86::decode_mmio_write(bytes.data(), n, w), DecodeStatus::truncated) << n;
    }
}

TEST(MmioDecoder, NeverReadsPastTheAvailableBytes) {
    // Every 3-byte input, decoded from the end of a buffer: the decoder must
    // stay within `available` (checked by ASan/valgrind builds) and report
    // lengths that fit.
    std::vector<uint8_t> buf(3);
    for (uint32_t v = 0; v < (1u << 24); v += 0x101) {
        buf[0] = static_cast<uint8_t>(v);
        buf[1] = static_cast<uint8_t>(v >> 8);
        buf[2] = static_cast<uint8_t>(v >> 16);
        MmioWrite w;
        if (x86::decode_mmio_write(buf.data(), buf.size(), w) == DecodeStatus::ok) {
            EXPECT_LE(w.length, 3u);
            EXPECT_GE(w.length, 2u);
        }
    }
}

TEST(MmioDecoder, AtMostFifteenBytesAreLookedAt) {
    std::vector<uint8_t> bytes(32, 0x00);
    bytes[0] = 0x89;
    bytes[1] = 0x07;
    MmioWrite w;
    EXPECT_EQ(x86::decode_mmio_write(bytes.data(), bytes.size(), w), DecodeStatus::ok);
    EXPECT_EQ(w.length, 2);
    EXPECT_EQ(x86::decode_mmio_write(nullptr, 0, w), DecodeStatus::truncated);
}

TEST(MmioDecoder, StatusNames) {
    EXPECT_STREQ(x86::decode_status_name(DecodeStatus::ok), "ok");
    EXPECT_STREQ(x86::decode_status_name(DecodeStatus::operand_size), "unsupported operand size");
}

}  // namespace
