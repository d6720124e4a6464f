/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdguest entry: multiboot v1 header, clear .bss, set up a stack, call main. */

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003		/* page-align modules, want memory info */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.globl _start
_start:
	cli
	cld
	movl %eax, %esi			/* multiboot magic */
	movl %ebx, %ebp			/* multiboot info pointer */
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb			/* the stack lives in .bss: clear first */
	movl $stack_top, %esp
	pushl %ebp
	pushl %esi
	call main
1:	cli
	hlt
	jmp 1b

	.bss
	.align 16
	.space 65536
stack_top:

	.section .note.GNU-stack, "", @progbits
