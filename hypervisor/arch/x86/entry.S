/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Entry from the driver, the VMRUN loop, the return to native execution, and
 * the host-mode exception stubs. Position-independent: the image runs at
 * whatever address the driver mapped it.
 */
#include "asm_offsets.h"

	.text

/*
 * int arch_entry(unsigned int cpu_id)
 * The stack layout after the pushes below is what arch_cpu_init reads to
 * build the guest state: r15, r14, r13, r12, rbx, rbp, return address.
 * Called by the driver on every online CPU at once, interrupts off. Returns
 * 0 as the root cell's guest (through bh_guest_resume), or -errno natively.
 */
	.globl arch_entry
	.type arch_entry, @function
arch_entry:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %r12			/* Linux's stack; callee-saved across calls */
	push %rdi
	sub $8, %rsp			/* 16-byte alignment for the call */
	call bh_percpu_stack_top	/* edi = cpu id; returns the stack top */
	add $8, %rsp
	pop %rdi
	mov %rax, %rsp
	mov %r12, %rsi			/* bh_entry(cpu_id, linux_rsp) */
	call bh_entry			/* returns only on failure */
	/* Failure: Linux continues natively with eax = -errno. On success
	 * the guest never comes here: it resumes at this function's return
	 * address in the driver (hypervisor memory is not the guest's). */
	mov %r12, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size arch_entry, . - arch_entry

/*
 * void bh_vmrun_loop(PerCpu *cpu) -- never returns. GIF is 0 on entry.
 * Guest GPRs other than RAX and RSP are not switched by VMRUN: load them
 * from cpu->regs before and store them after.
 */
	.globl bh_vmrun_loop
	.type bh_vmrun_loop, @function
bh_vmrun_loop:
	push %rdi			/* (%rsp) = cpu, stack now 16-aligned */
.Lvmrun:
	mov (%rsp), %rax
	mov PERCPU_REGS+REG_RBX(%rax), %rbx
	mov PERCPU_REGS+REG_RCX(%rax), %rcx
	mov PERCPU_REGS+REG_RDX(%rax), %rdx
	mov PERCPU_REGS+REG_RSI(%rax), %rsi
	mov PERCPU_REGS+REG_RDI(%rax), %rdi
	mov PERCPU_REGS+REG_RBP(%rax), %rbp
	mov PERCPU_REGS+REG_R8(%rax), %r8
	mov PERCPU_REGS+REG_R9(%rax), %r9
	mov PERCPU_REGS+REG_R10(%rax), %r10
	mov PERCPU_REGS+REG_R11(%rax), %r11
	mov PERCPU_REGS+REG_R12(%rax), %r12
	mov PERCPU_REGS+REG_R13(%rax), %r13
	mov PERCPU_REGS+REG_R14(%rax), %r14
	mov PERCPU_REGS+REG_R15(%rax), %r15
	mov PERCPU_VMCB_PA(%rax), %rax
	vmrun %rax
	/* #VMEXIT: host RAX and RSP are back; the other GPRs are the guest's. */
	push %rdi
	mov 8(%rsp), %rdi
	mov %rbx, PERCPU_REGS+REG_RBX(%rdi)
	mov %rcx, PERCPU_REGS+REG_RCX(%rdi)
	mov %rdx, PERCPU_REGS+REG_RDX(%rdi)
	mov %rsi, PERCPU_REGS+REG_RSI(%rdi)
	mov %rbp, PERCPU_REGS+REG_RBP(%rdi)
	mov %r8, PERCPU_REGS+REG_R8(%rdi)
	mov %r9, PERCPU_REGS+REG_R9(%rdi)
	mov %r10, PERCPU_REGS+REG_R10(%rdi)
	mov %r11, PERCPU_REGS+REG_R11(%rdi)
	mov %r12, PERCPU_REGS+REG_R12(%rdi)
	mov %r13, PERCPU_REGS+REG_R13(%rdi)
	mov %r14, PERCPU_REGS+REG_R14(%rdi)
	mov %r15, PERCPU_REGS+REG_R15(%rdi)
	pop %rbx
	mov %rbx, PERCPU_REGS+REG_RDI(%rdi)
	call bh_handle_exit		/* 0: enter the guest again */
	test %eax, %eax
	jz .Lvmrun
	mov (%rsp), %rdi
	call bh_leave			/* does not return */
	ud2
	.size bh_vmrun_loop, . - bh_vmrun_loop

/*
 * void bh_return_to_native(const GuestRegs *regs, const uint64_t *frame)
 * frame: rip, cs, rflags, rsp, ss. Loads the guest's GPRs, RAX = 0 (the
 * hypercall's result) and continues the former guest natively.
 */
	.globl bh_return_to_native
	.type bh_return_to_native, @function
bh_return_to_native:
	mov %rsi, %rsp
	mov %rdi, %rax
	mov REG_RBX(%rax), %rbx
	mov REG_RCX(%rax), %rcx
	mov REG_RDX(%rax), %rdx
	mov REG_RSI(%rax), %rsi
	mov REG_RBP(%rax), %rbp
	mov REG_R8(%rax), %r8
	mov REG_R9(%rax), %r9
	mov REG_R10(%rax), %r10
	mov REG_R11(%rax), %r11
	mov REG_R12(%rax), %r12
	mov REG_R13(%rax), %r13
	mov REG_R14(%rax), %r14
	mov REG_R15(%rax), %r15
	mov REG_RDI(%rax), %rdi
	xor %eax, %eax
	iretq
	.size bh_return_to_native, . - bh_return_to_native

/*
 * Host-mode exceptions: a bug in the hypervisor. Each stub is 16 bytes so
 * the IDT setup computes its address; vectors without an error code push 0.
 */
.macro exception_stub vector
	.balign 16
	.if (\vector == 8) || ((\vector >= 10) && (\vector <= 14)) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
	.else
	push $0
	.endif
	push $\vector
	jmp bh_exception_common
.endm

	.balign 16
	.globl bh_exception_stubs
bh_exception_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	exception_stub \v
	.endr

bh_exception_common:
	mov %rsp, %rdi			/* vector, error, rip, cs, rflags, rsp, ss */
	and $-16, %rsp
	call bh_exception		/* does not return */
	ud2

/*
 * External interrupts in host mode: only while a CPU drains what Linux left
 * pending in its APIC before it gets a new guest (apic.cpp). Each is
 * acknowledged and dropped. Nine pushes keep the call 16-byte aligned.
 */
	.balign 16
	.globl bh_host_irq_stub
bh_host_irq_stub:
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	call bh_host_irq
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	iretq

/* NMIs taken in host mode (between stgi and clgi) are counted and dropped;
 * the exit handler re-injects them into the guest. */
	.balign 16
	.globl bh_nmi_handler
bh_nmi_handler:
	lock incq bh_host_nmi_count(%rip)
	iretq

	.section .note.GNU-stack, "", @progbits
