/* SPDX-License-Identifier: MIT */
/*
 * Message rings (RING_KIND_MSG): the datagram model. Each receive returns
 * exactly one whole message of 0..max bytes, in the order sent; max is the
 * ring's elem_size, chosen at creation. Records and their words are defined
 * in <shmring/ring_layout.h>; the fast path is in ring_msg_pvt.h, the rest
 * in src/ring_msg.c.
 *
 * Creating one:
 *   struct ring_params p = { .kind = RING_KIND_MSG, .rule = RING_RULE_COUNT,
 *                            .slots = 1 << 20,   data bytes, a power of two
 *                            .elem_size = 1500,  largest message
 *                            .flags = RING_F_BLOCKING | RING_F_MSG_MP };
 * elem_size is 1 .. slots/2 - 16 (a record is a 16-byte header and the
 * payload rounded up to 16 bytes; ring_capacity() is slots, in bytes, and
 * ring_count()/ring_free() count bytes, headers included). Without
 * RING_F_MSG_MP there is one producer; with it, any number of producers
 * (threads or processes, each with its own handle or not) send concurrently.
 * There is always one consumer: in-order delivery of variable-size records
 * to many consumers would need either a consumer-side claim (a second CAS per
 * message, and a dead consumer's claim to repair before anyone may read
 * past it) or a broadcast cursor per consumer (RING_KIND_BCAST); neither is
 * offered here.
 *
 * Records never cross the end of the data area: a message that would is
 * preceded by a padding record that fills the area up to its end (consumers
 * step over it). This costs at most one largest record per lap and works in
 * every region type, caller and anonymous memory included, where a data area
 * mapped twice (the other way to make every record contiguous) is not
 * possible: it needs a file-backed object mapped at page-aligned addresses.
 *
 * Results (besides those of ring.h):
 *   -EMSGSIZE   send: the message is longer than max (refused, nothing
 *               sent); receive: the next message is longer than the
 *               buffer: it stays in the ring and *len says its length
 *   -EBUSY      many producers: lost RING_PVT_RETRIES claim races with other
 *               producers in a row; nothing was sent (retry; the waiting
 *               calls retry without sleeping)
 *   -EALREADY   send or reserve while this handle holds a reservation;
 *               receive or peek-based calls while it holds a peeked message
 *   -EUCLEAN    a record or index in shared memory is inconsistent (corrupt
 *               or hostile peer): nothing is delivered from it
 *
 * Who may run concurrently with whom, on one ring:
 *   send/reserve/commit/abort  one producer (any number with RING_F_MSG_MP)
 *   recv/recv_burst/peek/release  one consumer
 *   producer side vs consumer side  yes
 *   ring_close_write  yes; from a producer, after its last send
 * One handle is for one thread at a time.
 *
 * A producer of a many-producer ring that dies between its reservation and
 * its commit leaves a record the consumer cannot pass: receives get -EAGAIN
 * (blocking ones wait) from that record on, while the other producers fill
 * the ring. Once the producer is verified dead (the liveness mechanism),
 * its record becomes a skipped one (ring_pvt_msg_repair in src/ring_msg.c)
 * and delivery resumes with the next record: nothing committed is lost, the
 * dead producer's unfinished message is never delivered in part.
 *
 * The consumer's view of a record (ring_msg_peek) is shared memory that a
 * hostile producer could still change: copy what you need before trusting
 * it. The length the library returns was checked: it is at most max, and
 * the bytes lie inside the ring.
 */
#ifndef SHMRING_RING_MSG_H
#define SHMRING_RING_MSG_H

#include "ring.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest message this ring carries (its elem_size). */
RING_INLINE size_t ring_msg_max(const struct ring *r) { return r->esz; }

/* Out-of-line parts of the fast path; not for direct use. */
RING_API int ring_pvt_msg_send_slow(struct ring *r, const void *msg, size_t len);
RING_API int ring_pvt_msg_recv_slow(struct ring *r, void *buf, size_t cap, size_t *len);

/*
 * For the liveness mechanism (src/ring_live.c), not for direct use: the
 * record a many-producer message ring's producer left unfinished when it
 * died. pos and cnt are the intent and intent_cnt words
 * of its participant entry (ring_layout.h), read once by the caller, which
 * has verified that the producer is dead and that no live participant's
 * intent_cnt is nonzero with the same intent (a live one may be the owner
 * of that claim). The claimed bytes that are neither committed nor passed
 * by the consumer become a padding or skipped record, so delivery resumes
 * after them; a record committed before the death is left alone. Returns
 * the count of records changed (0: nothing to do), -EUCLEAN (the words
 * cannot describe a claim), -EINVAL (not a many-producer message ring).
 * Safe to call concurrently with every other message call, and twice.
 */
RING_API int ring_pvt_msg_repair(struct ring *r, uint64_t pos, uint64_t cnt);

#ifdef __cplusplus
}
#endif

#include "ring_msg_pvt.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ring_msg_send (inline, ring_msg_pvt.h): copy len bytes (0..max) as one
 * message. Returns 0, -EAGAIN (no room now), -EMSGSIZE (len > max), -EPIPE,
 * -EALREADY, -EBUSY, -EUCLEAN, -EINVAL (not a message ring, NULL msg with
 * len > 0).
 *
 * ring_msg_recv (inline): copy the next message into buf (cap bytes) and set
 * *len to its length. Returns 0, -EAGAIN (none now), -EPIPE (closed and
 * drained), -EMSGSIZE (*len = the length needed; the message stays),
 * -EALREADY, -EUCLEAN, -EINVAL.
 */

/*
 * Receive up to n messages in one call: they are copied back to back into
 * buf (cap bytes), lens[i] is the length of the i-th. Stops before a message
 * that does not fit in what is left of buf. One release of the ring for all
 * of them. Returns the count (1..n), -EAGAIN, -EPIPE, -EMSGSIZE (the first
 * one does not fit: lens[0] = its length), -EALREADY, -EUCLEAN, -EINVAL.
 */
RING_API ssize_t ring_msg_recv_burst(struct ring *r, void *buf, size_t cap, size_t *lens,
				     size_t n);

/*
 * Zero-copy send: reserve room for a message of up to len bytes (0..max);
 * *ptr points at it, inside the ring, 16-byte aligned. Write the message
 * there, then ring_msg_commit() with its final length (0..len), or
 * ring_msg_abort(). One reservation per handle at a time; until it is
 * committed the consumer cannot receive what is sent after it (many
 * producers: by others too), so commit promptly.
 * Returns 0, -EAGAIN, -EMSGSIZE, -EPIPE, -EALREADY, -EBUSY, -EUCLEAN,
 * -EINVAL. Pair with ring_msg_commit or ring_msg_abort.
 */
RING_API int ring_msg_reserve(struct ring *r, size_t len, void **ptr);
/* Publish the reserved message with length len (<= the reserved length).
 * Returns 0, -EINVAL (nothing reserved, len too long: the reservation
 * stays). */
RING_API int ring_msg_commit(struct ring *r, size_t len);
/* Give up the reservation: nothing is delivered. Returns 0, -EINVAL. */
RING_API int ring_msg_abort(struct ring *r);

/*
 * Zero-copy receive: *ptr and *len describe the next message, in place in
 * the ring; it stays there until ring_msg_release(). Peeking again before
 * the release gives the same message. Returns 0, -EAGAIN, -EPIPE, -EUCLEAN,
 * -EINVAL. Pair with ring_msg_release.
 */
RING_API int ring_msg_peek(struct ring *r, const void **ptr, size_t *len);
/* Consume the peeked message. Returns 0, -EINVAL (nothing peeked). */
RING_API int ring_msg_release(struct ring *r);

/*
 * Blocking variants (rings made with RING_F_BLOCKING; ring_push_wait
 * explains deadline, -ETIMEDOUT, -ENOTSUP). They wait until the call can
 * move something, and otherwise return what the non-blocking call does.
 * recv_burst_wait waits for at least one message.
 */
RING_API int ring_msg_send_wait(struct ring *r, const void *msg, size_t len,
				const struct timespec *deadline);
RING_API int ring_msg_recv_wait(struct ring *r, void *buf, size_t cap, size_t *len,
				const struct timespec *deadline);
RING_API ssize_t ring_msg_recv_burst_wait(struct ring *r, void *buf, size_t cap, size_t *lens,
					  size_t n, const struct timespec *deadline);
RING_API int ring_msg_reserve_wait(struct ring *r, size_t len, void **ptr,
				   const struct timespec *deadline);
RING_API int ring_msg_peek_wait(struct ring *r, const void **ptr, size_t *len,
				const struct timespec *deadline);
/* Relative-timeout conveniences: wait at most timeout_ns nanoseconds. */
RING_API int ring_msg_send_timeout(struct ring *r, const void *msg, size_t len,
				   uint64_t timeout_ns);
RING_API int ring_msg_recv_timeout(struct ring *r, void *buf, size_t cap, size_t *len,
				   uint64_t timeout_ns);

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_MSG_H */
