/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Kernel entries of the bulkhead RTOS. Both build the frame layout of
 * inmates/lib (inmate::Frame: r15 ... rax, vector, error code, then the
 * CPU's iret frame), call C++, and leave with IRETQ from whatever the frame
 * then holds: the C++ side switches threads by replacing the frame.
 *
 *  - rtos_syscall_entry: SYSCALL from ring 3 (IF, TF, DF, AC are masked by
 *    SFMASK). SYSCALL leaves RSP alone, so the user RSP goes through a
 *    scratch word (one CPU per kernel) on the way to the kernel stack. When
 *    the C++ side says the caller simply goes on (a call that changed
 *    nothing about who runs), the way back is SYSRETQ; otherwise IRETQ
 *    into whatever thread the frame now holds.
 *  - rtos_exception_stubs: vectors 0..31 (16 bytes each, like the library's
 *    stubs); the kernel points the exception gates it handles here.
 */
#include <inmate/frame.S.h>

#define USER_CS (0x38 | 3)
#define USER_DS (0x30 | 3)
#define SYSCALL_VECTOR 0x100

	.text
	.code64

	.globl	rtos_syscall_entry
rtos_syscall_entry:
	movq	%rsp, rtos_user_rsp_scratch(%rip)
	movq	rtos_kernel_stack_top(%rip), %rsp
	pushq	$USER_DS /* ss */
	pushq	rtos_user_rsp_scratch(%rip) /* rsp */
	pushq	%r11 /* rflags */
	pushq	$USER_CS /* cs */
	pushq	%rcx /* rip */
	pushq	$0 /* error code */
	pushq	$SYSCALL_VECTOR
	push_gprs
	movq	%rsp, %rdi
	call	rtos_syscall
	testb	%al, %al
	jz	frame_return
	/* The caller goes on where it called: SYSRETQ (RCX = RIP, R11 = RFLAGS). */
	pop_gprs
	addq	$16, %rsp /* vector and error code */
	movq	(%rsp), %rcx
	movq	16(%rsp), %r11
	movq	24(%rsp), %rsp
	sysretq

/* rtos_resume(frame): leave kernel context through a prepared frame. */
	.globl	rtos_resume
rtos_resume:
	movq	%rdi, %rsp
	jmp	frame_return

	.balign	16
	.globl	rtos_exception_stubs
rtos_exception_stubs:
	.set	vector, 0
	.rept	32
	.balign	16
	.if	(vector == 8) || ((vector >= 10) && (vector <= 14)) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
	/* the CPU pushed an error code */
	.else
	pushq	$0
	.endif
	pushq	$vector
	jmp	exception_common
	.set	vector, vector + 1
	.endr

exception_common:
	push_gprs
	movq	%rsp, %rdi
	cld
	call	rtos_exception

frame_return:
	pop_gprs
	addq	$16, %rsp /* vector and error code */
	iretq

	.data
	.balign	8
	.globl	rtos_kernel_stack_top
rtos_kernel_stack_top:
	.quad	0
rtos_user_rsp_scratch:
	.quad	0

	.section .note.GNU-stack, "", @progbits
