// SPDX-License-Identifier: GPL-2.0
/*
 * /bin/noop, the program container_start executes: exit(0) and nothing
 * else.  No libc and no dynamic loader, so what the benchmark measures is
 * the kernel's execve() and exit, not a C library starting up.
 */
void _start(void)
{
	asm volatile("mov $60, %%eax\n\t"	/* SYS_exit */
		     "xor %%edi, %%edi\n\t"
		     "syscall"
		     : : : "rax", "rdi", "rcx", "r11", "memory");
	__builtin_unreachable();
}
