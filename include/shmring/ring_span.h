/* SPDX-License-Identifier: MIT */
/*
 * Zero-copy spans on SPSC rings (RING_KIND_SPSC, the n-1 and count rules;
 * RING_RULE_SEQ rings, whose slots interleave sequence words with the
 * elements, get -EINVAL) and byte streams (RING_KIND_BYTES): write elements
 * in place, or read them in place, instead of copying them through push/pop.
 *
 *   void *p;
 *   ssize_t k = ring_span_reserve(r, n, &p);   up to n free slots, in a row
 *   ... write k (or fewer) elements at p ...
 *   ring_span_commit(r, k);                     publish the first k
 *
 *   k = ring_span_peek(r, n, &p);              up to n stored elements
 *   ... read them at p ...
 *   ring_span_release(r, k);                    free the first k
 *
 * A span never wraps: it ends at the last slot, and the next reserve (peek)
 * continues from the first. One reservation and one peek per handle at a
 * time; the producer must not push (the consumer pop) while it holds one.
 * The peeked elements are shared memory a hostile producer could change:
 * copy what you need before trusting it.
 *
 * Results: the span's length (1..n) or 0 (commit/release), -EAGAIN (full /
 * empty), -EPIPE (reserve or commit: closed; peek: closed and drained),
 * -EUCLEAN (indices inconsistent, or moved under a reservation), -EALREADY
 * (a reservation or peek is already held), -EINVAL (not an SPSC or byte
 * ring, a RING_RULE_SEQ ring, n == 0, NULL ptr; commit/release: nothing held, or k larger than
 * the span).
 */
#ifndef SHMRING_RING_SPAN_H
#define SHMRING_RING_SPAN_H

#include "ring.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pair with ring_span_commit (commit 0 to give the span up). */
RING_API ssize_t ring_span_reserve(struct ring *r, size_t n, void **ptr);
RING_API int ring_span_commit(struct ring *r, size_t k);
/* Pair with ring_span_release (release 0 to keep everything). */
RING_API ssize_t ring_span_peek(struct ring *r, size_t n, void **ptr);
RING_API int ring_span_release(struct ring *r, size_t k);
/* Blocking variants (RING_F_BLOCKING): wait until at least one slot
 * (element) is there; see ring_push_wait. */
RING_API ssize_t ring_span_reserve_wait(struct ring *r, size_t n, void **ptr,
					const struct timespec *deadline);
RING_API ssize_t ring_span_peek_wait(struct ring *r, size_t n, void **ptr,
				     const struct timespec *deadline);

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_SPAN_H */
