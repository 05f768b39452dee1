/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The first bytes of every inmate image and its way into 64-bit C++.
 *
 * Two entries, one image (linked at a fixed address, 1 MiB by default):
 *
 *  - offset 0, 16-bit real mode: how every CPU of a bulkhead cell starts
 *    (CS.base = image start, IP = 0). Data is addressed through CS, whose
 *    base is the image start; nothing here depends on the CS selector.
 *  - multiboot_entry, 32-bit protected mode: QEMU -kernel (or GRUB) via the
 *    multiboot v1 header below, which uses the address fields ("a.out
 *    kludge") so that the flat file is loaded at its link address.
 *
 * Both converge in 32-bit protected mode (common32), where every CPU takes a
 * ticket: ticket 0 is the boot CPU, which clears .bss and builds the identity
 * map; the others wait for it, take a stack each and follow into long mode.
 *
 * Offsets 0x10..0x50 hold struct bh_inmate_header (include/bulkhead/cell.h),
 * 0x50..0x70 the multiboot header.
 */
#include <inmate/boot.h>

#define CR0_PE 0x00000001
#define CR0_WP 0x00010000
#define CR0_NW 0x20000000
#define CR0_CD 0x40000000
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xc0000080
#define EFER_LME 0x00000100
#define PTE_P 0x001
#define PTE_W 0x002
#define PTE_PWT 0x008
#define PTE_PCD 0x010
#define PTE_PS 0x080

	.section .boot, "ax"
	.code16
	.globl _start
_start:
	jmp	entry16

	.org	0x10 /* BH_INMATE_HEADER_OFFSET */
	.globl	inmate_image_header
inmate_image_header:
	.ascii	"BHINMATE"
	.long	1 /* revision */
	.long	64 /* header_size */
	.quad	__image_start /* load_address */
	.quad	__bh_file_size /* file_size */
	.quad	__bh_memory_size /* memory_size */
	.quad	__bh_comm_page /* comm_page */
	.quad	0 /* entry_offset: _start */
	.quad	0 /* reserved */

	.org	0x50
multiboot_header:
	.long	INMATE_MULTIBOOT_MAGIC
	.long	INMATE_MULTIBOOT_FLAGS
	.long	-(INMATE_MULTIBOOT_MAGIC + INMATE_MULTIBOOT_FLAGS)
	.long	multiboot_header /* header_addr */
	.long	__image_start /* load_addr: file offset 0 goes here */
	.long	__load_end /* load_end_addr: end of the file's contents */
	.long	__bss_end /* bss_end_addr: the loader zeroes up to here */
	.long	multiboot_entry /* entry_addr */

/* --- 16-bit entry: CS.base = image start, IP = 0 --------------------------- */
entry16:
	cli
	cld
	lgdtl	%cs:(gdt_desc - _start)
	movl	%cr0, %eax
	andl	$~(CR0_CD | CR0_NW), %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$INMATE_CS32, $entry32_cell

	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff /* 0x08: 32-bit code, flat */
	.quad	0x00cf92000000ffff /* 0x10: data, flat */
	.quad	0x00af9a000000ffff /* 0x18: 64-bit code */
gdt_end:
	.balign	8
	.word	0
gdt_desc:
	.word	gdt_end - gdt - 1
	.quad	gdt

/*
 * Bare SMP self-test only (smp.cpp): a CPU sent here by the reset trampoline
 * below is in 16-bit protected mode with a CS descriptor whose base is the
 * image start. Leaving protected mode keeps that hidden base, so a near jump
 * to IP 0 reproduces a cell CPU's reset state exactly: real mode, CS.base =
 * image start, IP = 0.
 */
sim_cell_reset16:
	movl	%cr0, %eax
	andl	$~CR0_PE, %eax
	movl	%eax, %cr0
	xorw	%ax, %ax
	jmp	*%ax

/* --- 32-bit protected mode ------------------------------------------------- */
	.code32
entry32_cell:
	movl	$INMATE_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	xorl	%esi, %esi /* no multiboot information */
	movl	$INMATE_BOOT_CELL, %ebp
	jmp	common32

	.globl	multiboot_entry
multiboot_entry:
	cli
	cld
	movl	$INMATE_BOOT_MULTIBOOT, %ebp
	cmpl	$INMATE_MULTIBOOT_BOOT_MAGIC, %eax
	je	1f
	movl	$INMATE_BOOT_UNKNOWN_LOADER, %ebp
1:	movl	%ebx, %esi /* struct multiboot_info */
	lgdt	gdt_desc
	ljmp	$INMATE_CS32, $2f
2:	movl	$INMATE_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs

/* EBP = boot kind, ESI = multiboot info (or 0). */
common32:
	movl	$1, %eax
	lock xaddl %eax, inmate_cpu_tickets
	movl	%eax, %ebx /* ticket: 0 = the boot CPU */
	testl	%eax, %eax
	jnz	secondary32

	/* The boot CPU: .bss is not part of the file, clear it. */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories. */
	movl	$(inmate_pdpt + PTE_P + PTE_W), inmate_pml4
	movl	$(inmate_pd + PTE_P + PTE_W), %eax
	movl	$inmate_pdpt, %edi
	movl	$4, %ecx
1:	movl	%eax, (%edi)
	addl	$4096, %eax
	addl	$8, %edi
	loop	1b

	/* 2048 large pages map [0, 4 GiB) 1:1; the last GiB (APIC, IOAPIC,
	 * HPET, PCI holes) uncached. Upper halves stay 0 (cleared above). */
	movl	$inmate_pd, %edi
	movl	$(PTE_P + PTE_W + PTE_PS), %eax
	xorl	%ecx, %ecx
2:	movl	%eax, %edx
	cmpl	$INMATE_UC_FIRST_PAGE, %ecx
	jb	3f
	orl	$(PTE_PCD + PTE_PWT), %edx
3:	movl	%edx, (%edi, %ecx, 8)
	addl	$0x200000, %eax
	incl	%ecx
	cmpl	$INMATE_IDMAP_PAGES, %ecx
	jb	2b

	movl	$inmate_boot_stack_top, %esp
	movl	$1, inmate_tables_ready /* x86 stores are ordered: tables first */
	jmp	enter_long

secondary32:
1:	pause
	cmpl	$0, inmate_tables_ready
	je	1b
	cmpl	$INMATE_MAX_CPUS, %ebx
	jae	park32
	movl	%ebx, %esp
	shll	$INMATE_CPU_STACK_SHIFT, %esp
	addl	$inmate_cpu_stacks, %esp /* top of stack ticket - 1 */
	movl	$INMATE_BOOT_SECONDARY, %ebp
	xorl	%esi, %esi

enter_long:
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$inmate_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	andl	$~(CR0_CD | CR0_NW), %eax
	orl	$(CR0_PG | CR0_WP | CR0_PE), %eax
	movl	%eax, %cr0
	ljmp	$INMATE_CS64, $entry64

park32:
	cli
	hlt
	jmp	park32

/* --- 64-bit long mode ------------------------------------------------------ */
	.code64
entry64:
	movl	$INMATE_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%ebp, %edi /* boot kind */
	movl	%esi, %esi /* multiboot info, zero-extended */
	movl	%ebx, %edx /* ticket */
	call	inmate_entry
4:	cli
	hlt
	jmp	4b

/*
 * The reset trampoline (bare SMP self-test): copied below 1 MiB by smp.cpp,
 * which patches the two base fields, and entered by SIPI in real mode at
 * CS.base = its address, IP = 0.
 */
	.section .rodata.trampoline, "a"
	.code16
	.globl	inmate_reset_trampoline
inmate_reset_trampoline:
	cli
	lgdtl	%cs:(tr_gdt_desc - inmate_reset_trampoline)
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpw	$0x08, $(sim_cell_reset16 - _start)
	.balign	8
	.globl	inmate_reset_trampoline_gdt
inmate_reset_trampoline_gdt:
	.quad	0
	.quad	0x00009a000000ffff /* 0x08: 16-bit code, limit 0xffff, base patched */
	.word	0
	.globl	inmate_reset_trampoline_gdt_desc
tr_gdt_desc:
inmate_reset_trampoline_gdt_desc:
	.word	15
	.long	0 /* patched: address of the GDT above */
	.globl	inmate_reset_trampoline_end
inmate_reset_trampoline_end:

	.data
	.balign	4
	.globl	inmate_cpu_tickets
inmate_cpu_tickets: /* in .data: reset by every load of the image */
	.long	0
inmate_tables_ready:
	.long	0

	.bss
	.balign	4096
	.globl	inmate_pml4
inmate_pml4:
	.skip	4096
inmate_pdpt:
	.skip	4096
inmate_pd:
	.skip	4 * 4096
	.globl	inmate_boot_stack_top
inmate_boot_stack:
	.skip	INMATE_BOOT_STACK_SIZE
inmate_boot_stack_top:
inmate_cpu_stacks:
	.skip	(INMATE_MAX_CPUS - 1) << INMATE_CPU_STACK_SHIFT

	.section .note.GNU-stack, "", @progbits
