/* SPDX-License-Identifier: MIT */
/*
 * The futex calls and the CPU pause used by ring_wait.c.
 *
 * Every call is a shared futex op (never FUTEX_PRIVATE_FLAG): the words live
 * in a mapping other processes share.
 *
 * Wake: with liburcu (SHMRING_HAVE_URCU), its cross-process futex_async(),
 * which is the syscall on Linux. Sleep: always the syscall itself, with
 * FUTEX_WAIT_BITSET, the one futex wait that takes an absolute
 * CLOCK_MONOTONIC deadline (so an EINTR never stretches or restarts the
 * timeout). liburcu has nothing for it: its helpers offer FUTEX_WAIT with a
 * relative timeout, and on ENOSYS futex_async() falls back to a polling
 * emulation that asserts on a timeout or val3 and knows no other op.
 * Without liburcu (a machine that has only a compiler, as in the README's
 * first command) the wake is the syscall too, and the pause a builtin.
 */
#ifndef SHMRING_SRC_RING_FUTEX_PVT_H
#define SHMRING_SRC_RING_FUTEX_PVT_H

#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifdef SHMRING_HAVE_URCU
#include <urcu/arch.h>
#include <urcu/futex.h>
#define ring_pvt_cpu_relax() caa_cpu_relax()
#elif defined(__x86_64__) || defined(__i386__)
#define ring_pvt_cpu_relax() __builtin_ia32_pause()
#else
#define ring_pvt_cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif

/* Wake up to n processes sleeping on *uaddr (INT_MAX: all). */
static inline void ring_pvt_futex_wake(int32_t *uaddr, int n)
{
#ifdef SHMRING_HAVE_URCU
	(void)futex_async(uaddr, FUTEX_WAKE, n, NULL, NULL, 0);
#else
	(void)syscall(SYS_futex, uaddr, FUTEX_WAKE, n, NULL, NULL, 0);
#endif
}

/*
 * Sleep while *uaddr == val, until woken, a signal, or the absolute
 * CLOCK_MONOTONIC `deadline` (NULL: none). 0 or -1 with errno, as futex(2):
 * EAGAIN (*uaddr != val), EINTR, ETIMEDOUT are the expected failures.
 */
static inline int ring_pvt_futex_wait(int32_t *uaddr, int32_t val,
				      const struct timespec *deadline)
{
	return (int)syscall(SYS_futex, uaddr, FUTEX_WAIT_BITSET, val, deadline, NULL,
			    FUTEX_BITSET_MATCH_ANY);
}

#endif /* SHMRING_SRC_RING_FUTEX_PVT_H */
