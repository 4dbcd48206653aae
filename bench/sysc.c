/* SPDX-License-Identifier: MIT */
/*
 * Counting futex system calls. libshmring (through liburcu's futex_async, or
 * its own fallback) and impl_futex.c make every futex call through the C
 * library's syscall(); this definition in the executable takes precedence
 * over the C library's for the whole process, counts SYS_futex and forwards
 * every call unchanged to the real one.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

uint64_t bench_futex_calls;

typedef long (*syscall_fn)(long, ...);

long syscall(long nr, ...)
{
	static syscall_fn real;
	long a[6];
	va_list ap;
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_futex)
		__atomic_add_fetch(&bench_futex_calls, 1, __ATOMIC_RELAXED);
	if (real == NULL)
		real = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

long bench_futex(uint32_t *uaddr, int op, uint32_t val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}
