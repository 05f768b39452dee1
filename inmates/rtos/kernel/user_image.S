/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The user program's flat image (user/), carried in the kernel image. */
	.section .rodata.user_image, "a"
	.balign	4096
	.globl	rtos_user_image
rtos_user_image:
	.incbin	"rtos-user.bin"
	.globl	rtos_user_image_end
rtos_user_image_end:

	.section .note.GNU-stack, "", @progbits
