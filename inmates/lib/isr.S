/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Interrupt and exception entry: one 16-byte stub per vector (the IDT gate of
 * vector v points at inmate_isr_stubs + 16 * v). Each stub makes the stack
 * uniform (a 0 where the CPU pushes no error code), pushes its vector and
 * jumps to isr_common, which saves the general registers and calls
 * inmate_interrupt(struct Frame*) (irq.cpp; the layout is inmate::Frame).
 */
	.text
	.code64
	.balign	16
	.globl	inmate_isr_stubs
inmate_isr_stubs:
	.set	vector, 0
	.rept	256
	.balign	16
	.if	(vector == 8) || ((vector >= 10) && (vector <= 14)) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
	/* the CPU pushed an error code */
	.else
	pushq	$0
	.endif
	pushq	$vector
	jmp	isr_common
	.set	vector, vector + 1
	.endr
	.balign	16
	.globl	inmate_isr_stubs_end
inmate_isr_stubs_end:

isr_common:
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
	movq	%rsp, %rdi /* 16-byte aligned: 15 registers + 7 words */
	cld
	call	inmate_interrupt
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
	addq	$16, %rsp /* vector and error code */
	iretq

	.section .note.GNU-stack, "", @progbits
