/* SPDX-License-Identifier: MIT */
/*
 * Byte-stream rings (RING_KIND_BYTES): the pipe model. One writer and one
 * reader move bytes with no boundaries: a write may take fewer bytes than
 * offered, a read returns what is there, up to the buffer. Creating one:
 *   struct ring_params p = { .kind = RING_KIND_BYTES, .rule = RING_RULE_COUNT,
 *                            .slots = 1 << 20,  bytes, a power of two
 *                            .elem_size = 1, .flags = RING_F_BLOCKING };
 * The stream is an SPSC ring of one-byte elements (ring_layout.h), so the
 * calls below are the SPSC path with the whole span copied by at most two
 * memcpy calls (out of line: the copy dominates, and inlined the generic
 * copy draws false -Warray-bounds warnings from gcc in callers' builds); the zero-copy spans of <shmring/ring_span.h> work on it
 * too. One writer and one reader at a time (as for SPSC rings, the writer
 * side closes the stream with ring_close_write). A writer that needs
 * atomic records among many writers wants a message ring (ring_msg.h).
 *
 * Results: a count of bytes (>= 1; 0 only for a len of 0), -EAGAIN (full /
 * empty), -EPIPE (write: closed; read: closed and drained), -EUCLEAN,
 * -EINVAL (not a byte-stream ring).
 */
#ifndef SHMRING_RING_BYTES_H
#define SHMRING_RING_BYTES_H

#include "ring.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write up to len bytes; returns how many were written. */
RING_API ssize_t ring_bytes_write(struct ring *r, const void *buf, size_t len);
/* Read up to len bytes; returns how many were read. */
RING_API ssize_t ring_bytes_read(struct ring *r, void *buf, size_t len);

/*
 * Blocking variants (RING_F_BLOCKING; see ring_push_wait for deadline,
 * -ETIMEDOUT, -ENOTSUP). write_wait writes all len bytes, waiting for room
 * as often as needed, like a blocking write(2) to a pipe: it returns len,
 * or the count written before the deadline passed or the stream was closed
 * (an error only if that count is 0). read_wait waits until at least one
 * byte is there and returns up to len, like read(2).
 */
RING_API ssize_t ring_bytes_write_wait(struct ring *r, const void *buf, size_t len,
				       const struct timespec *deadline);
RING_API ssize_t ring_bytes_read_wait(struct ring *r, void *buf, size_t len,
				      const struct timespec *deadline);
RING_API ssize_t ring_bytes_write_timeout(struct ring *r, const void *buf, size_t len,
					  uint64_t timeout_ns);
RING_API ssize_t ring_bytes_read_timeout(struct ring *r, void *buf, size_t len,
					 uint64_t timeout_ns);

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_BYTES_H */
