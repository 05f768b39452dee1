/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The start of a user program: the image header, then _start. */
	.section .user_header, "a"
	.quad	0x4755534f54524842 /* abi::image_magic */
	.quad	_start
	.quad	__text_end
	.quad	__data_start
	.quad	__file_end
	.quad	__bss_end

	.text
	.globl	_start
_start:
	/* RDI = struct TaskArgs *, RSP 16-byte aligned */
	xorl	%ebp, %ebp
	call	task_main
	movq	%rax, %rdi
	movl	$5, %eax /* sys_exit */
	syscall
	ud2

	/* .data must not be empty: the flat file then covers the text's padding */
	.data
	.quad	0

	.section .note.GNU-stack, "", @progbits
