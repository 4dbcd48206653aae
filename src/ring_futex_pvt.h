/* SPDX-License-Identifier: MIT */
/*
 * The futex call and the CPU pause used by ring_wait.c. With liburcu
 * (SHMRING_HAVE_URCU) they are its cross-process futex_async() and
 * caa_cpu_relax(); without it (a machine that has only a compiler, as in the
 * README's first command) a direct syscall and the pause builtin.
 */
#ifndef SHMRING_SRC_RING_FUTEX_PVT_H
#define SHMRING_SRC_RING_FUTEX_PVT_H

#include <linux/futex.h>
#include <stdint.h>
#include <time.h>

#ifdef SHMRING_HAVE_URCU
#include <urcu/arch.h>
#include <urcu/futex.h>

static inline int ring_pvt_futex(int32_t *uaddr, int op, int32_t val,
				 const struct timespec *ts, int32_t val3)
{
	return futex_async(uaddr, op, val, ts, NULL, val3);
}
#define ring_pvt_cpu_relax() caa_cpu_relax()
#else
#include <sys/syscall.h>
#include <unistd.h>

static inline int ring_pvt_futex(int32_t *uaddr, int op, int32_t val,
				 const struct timespec *ts, int32_t val3)
{
	return (int)syscall(SYS_futex, uaddr, op, val, ts, NULL, val3);
}
#if defined(__x86_64__) || defined(__i386__)
#define ring_pvt_cpu_relax() __builtin_ia32_pause()
#else
#define ring_pvt_cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif
#endif

#endif /* SHMRING_SRC_RING_FUTEX_PVT_H */
