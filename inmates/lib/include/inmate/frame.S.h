/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The general-purpose registers of an interrupt frame, for assembler
 * sources (#include it from a .S file). push_gprs saves them in the order
 * of the C frame structs (RAX pushed first, so R15 is at the lowest
 * address); pop_gprs restores them. Used by inmates/lib/isr.S and the RTOS
 * kernel's entry.S, so that both agree with their C structs in one place.
 */
#ifndef INMATE_FRAME_S_H
#define INMATE_FRAME_S_H

.macro push_gprs
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
.endm

.macro pop_gprs
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
.endm

#endif
