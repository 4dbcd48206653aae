/* SPDX-License-Identifier: MIT */
/*
 * A small reader of fuzzer input, split the way LLVM's FuzzedDataProvider
 * splits it: integers (choices, sizes, counts) are consumed from the END of
 * the input, payload bytes from the FRONT. A mutation of a payload byte then
 * leaves every decision alone, and a mutation of a decision leaves the
 * payloads alone. An exhausted input reads as zeros, so every call is total.
 */
#ifndef SHMRING_FUZZ_INPUT_H
#define SHMRING_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fuzz_in {
	const uint8_t *data;
	size_t front; /* next payload byte */
	size_t back;  /* one past the next integer byte, counting down */
};

static inline void fi_init(struct fuzz_in *in, const uint8_t *data, size_t size)
{
	in->data = data;
	in->front = 0;
	in->back = size;
}

static inline size_t fi_left(const struct fuzz_in *in)
{
	return in->back - in->front;
}

/* An integer in [lo, hi], using only as many bytes from the end as the width
 * of the range needs (none when lo == hi). */
static inline uint64_t fi_range(struct fuzz_in *in, uint64_t lo, uint64_t hi)
{
	uint64_t span = hi - lo, v = 0;
	unsigned used = 0;

	if (hi < lo)
		abort(); /* a harness bug, not an input's fault */
	while (used < 64 && (span >> used) != 0 && in->back > in->front) {
		v = (v << 8) | in->data[--in->back];
		used += 8;
	}
	if (span != UINT64_MAX)
		v %= span + 1;
	return lo + v;
}

static inline uint64_t fi_u64(struct fuzz_in *in)
{
	return fi_range(in, 0, UINT64_MAX);
}

/* A capacity rule (RING_RULE_*), from one byte: even N1, odd COUNT, except
 * odd bytes with bits 1 and 2 set, RING_RULE_SEQ. The same byte the
 * harnesses read before RING_RULE_SEQ existed (fi_range(1, 2)), so inputs
 * that chose N1 still do, and most that chose COUNT. */
static inline uint32_t fi_rule(struct fuzz_in *in)
{
	uint64_t v = fi_range(in, 0, 255);

	if ((v & 1) == 0)
		return 1u; /* RING_RULE_N1 */
	return (v & 6) == 6 ? 3u /* RING_RULE_SEQ */ : 2u /* RING_RULE_COUNT */;
}

static inline uint32_t fi_u32(struct fuzz_in *in)
{
	return (uint32_t)fi_range(in, 0, UINT32_MAX);
}

static inline int fi_bool(struct fuzz_in *in)
{
	return (int)fi_range(in, 0, 1);
}

/* n payload bytes from the front; zeros once the input is used up. */
static inline void fi_bytes(struct fuzz_in *in, void *dst, size_t n)
{
	size_t have = fi_left(in);

	if (have > n)
		have = n;
	memcpy(dst, in->data + in->front, have);
	memset((unsigned char *)dst + have, 0, n - have);
	in->front += have;
}

/* An always-on invariant check: a violated one is a finding, so it aborts in
 * every build type (assert() would vanish under NDEBUG). */
#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                           \
		}                                                                          \
	} while (0)

#endif /* SHMRING_FUZZ_INPUT_H */
