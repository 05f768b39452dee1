/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Interrupt and exception entry: one 16-byte stub per vector (the IDT gate of
 * vector v points at inmate_isr_stubs + 16 * v). Each stub makes the stack
 * uniform (a 0 where the CPU pushes no error code), pushes its vector and
 * jumps to isr_common, which saves the general registers and calls
 * inmate_interrupt(struct Frame*) (irq.cpp; the layout is inmate::Frame).
 */
#include <inmate/frame.S.h>

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
	push_gprs
	movq	%rsp, %rdi /* 16-byte aligned: 15 registers + 7 words */
	cld
	call	inmate_interrupt
	pop_gprs
	addq	$16, %rsp /* vector and error code */
	iretq

	.section .note.GNU-stack, "", @progbits
