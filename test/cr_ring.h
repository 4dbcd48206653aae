/* SPDX-License-Identifier: MIT */
/* Helpers for Criterion suites (parent process only: children must not call
 * cr_* functions; see common.h for what children may use). */
#ifndef SHMRING_TEST_CR_RING_H
#define SHMRING_TEST_CR_RING_H

#include <criterion/criterion.h>
#include <shmring/shmring.h>
#include <stdlib.h>

/* A ring formatted in heap memory; *len receives its size. */
static inline void *mem_ring(struct ring *r, const struct ring_params *p, size_t *len)
{
	ssize_t sz = ring_memsize(p);
	void *mem;

	cr_assert_gt(sz, 0, "ring_memsize: %zd", sz);
	mem = aligned_alloc(64, ((size_t)sz + 63) & ~(size_t)63);
	cr_assert_not_null(mem);
	cr_assert_eq(ring_init_mem(r, mem, (size_t)sz, p), 0);
	*len = (size_t)sz;
	return mem;
}

/* ring_count() and ring_free() agree with the expected number of elements. */
static inline void check_count(const struct ring *r, uint64_t used)
{
	cr_assert_eq(ring_count(r), (ssize_t)used, "count %zd, expected %llu", ring_count(r),
		     (unsigned long long)used);
	cr_assert_eq(ring_free(r), (ssize_t)(ring_capacity(r) - used), "free %zd, expected %llu",
		     ring_free(r), (unsigned long long)(ring_capacity(r) - used));
}

#endif /* SHMRING_TEST_CR_RING_H */
