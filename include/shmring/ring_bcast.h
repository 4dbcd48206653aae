/* SPDX-License-Identifier: MIT */
/*
 * Broadcast rings (RING_KIND_BCAST): one producer writes each element once;
 * any number of consumer processes, joining and leaving at any time, each
 * read every element from the position at which they joined, each at its
 * own pace. Fixed-size elements, count rule (all n slots hold data).
 *
 * Policies, chosen at creation:
 * - back-pressure (default): the producer never overwrites an element that
 *   a joined consumer has not read; it is full when the slowest joined
 *   consumer is n elements behind. A consumer that leaves, or whose process
 *   is verified dead (no such process, a zombie, or its pid reused by a
 *   process with another start time), stops holding the producer back. A
 *   consumer that is alive but stopped (SIGSTOP, a debugger) holds it for
 *   as long as it is stopped: that is what back-pressure means.
 * - lossy (RING_F_BCAST_LOSSY): the producer never waits. A consumer that
 *   falls more than a lap behind is told exactly how many elements it
 *   missed and continues from the oldest element still intact. Lossy
 *   consumers write no word the producer or another consumer reads (only
 *   their participant entry's liveness words), so they cannot slow the
 *   producer or one another.
 *
 * Every attached handle, producer or consumer of either policy, holds a
 * participant entry of src/ring_live.c's table (ring_live.h): at most
 * max_parts handles are attached at a time (-EUSERS beyond), and entries of
 * processes verified dead are reclaimed.
 *
 * Every element delivered is one the producer wrote whole: each slot has a
 * sequence word that the reader checks before and after its copy (a seqlock),
 * and a copy that raced an overwrite is discarded and counted as missed, never
 * delivered. Under back-pressure no element is missed unless the consumer's
 * cursor word was changed by another process, or the consumer was judged
 * dead (only possible across pid namespaces: see ring_bcast_join).
 *
 * Roles: a handle attaches as usual (ring_create, ring_open, ...), then takes
 * one role: ring_bcast_producer() (exclusive: one producer per ring at a
 * time; a dead producer's role can be taken over) or ring_bcast_join().
 * Both are roles of the participant mechanism (RING_ROLE_PRODUCER,
 * RING_ROLE_CONSUMER, declared: ring_participants() lists them). A
 * role belongs to the process that took it: after fork() the child must
 * attach or call ring_bcast_leave() and take its own role on an inherited
 * handle (leave then touches nothing shared).
 *
 * Who may run concurrently with whom, on one ring:
 *
 *                     | bcast_push     | bcast_pop      | join / leave
 *   ------------------+----------------+----------------+--------------
 *   bcast_push        | no: 1 producer | yes            | yes
 *   bcast_pop         | yes            | yes (own handle each) | yes
 *
 * Untrusted peers: every consumer only reads the producer's words (tail, the
 * slots) and writes only its own participant entry. A hostile consumer can
 * make other consumers see nothing but what the producer's words say. Under
 * the lossy policy the producer reads no consumer word at all. Under
 * back-pressure a hostile (or stopped) consumer can hold the producer for as
 * long as it likes by leaving its cursor behind — the producer's push then
 * returns -EAGAIN, its timed push -ETIMEDOUT — but it cannot make any call
 * loop without bound or touch memory outside the ring. A hostile producer
 * can make consumers report missed elements or deliver garbage payloads.
 *
 * ring_push/ring_pop and the generic blocking calls return -EINVAL on a
 * broadcast handle; ring_close_write() ends the stream (call it from the
 * producer, after its last push); ring_close() leaves the role.
 */
#ifndef SHMRING_RING_BCAST_H
#define SHMRING_RING_BCAST_H

#include "ring.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Roles of a broadcast handle (struct ring.bc.role). */
#define RING_PVT_BCAST_NONE 0u
#define RING_PVT_BCAST_PRODUCER 1u
#define RING_PVT_BCAST_CONSUMER 2u

/*
 * Take the producer role on the broadcast ring attached to r. The producer
 * continues at the ring's tail (after whatever a previous producer wrote).
 * Errors: -EINVAL (no ring, or r already has a role), -EPROTOTYPE (not a
 * broadcast ring), -EADDRINUSE (a process not verified dead holds the role,
 * this one included through another handle), or a participant error of
 * ring_live.h (-EUSERS, -ESTALE, -EAGAIN, -EUCLEAN) when the handle has to
 * take an entry (after fork). Pair with ring_bcast_leave() or ring_close().
 */
RING_API int ring_bcast_producer(struct ring *r);

/*
 * Join as a consumer: r will read every element published from now on.
 * The handle's participant entry takes the consumer role; back-pressure
 * rings also keep the consumer's cursor in it. Death is src/ring_live.c's
 * verdict (no such pid, a zombie, another start time, same pid namespace);
 * a consumer wrongly judged dead misses elements (reported as such), never
 * reads a torn one.
 * Errors: -EINVAL, -EPROTOTYPE, or a participant error as for
 * ring_bcast_producer (-EUSERS: every entry held by a live participant).
 * Pair with ring_bcast_leave() or ring_close().
 */
RING_API int ring_bcast_join(struct ring *r);

/* Give up r's role (ring_close() does it too); a waiting producer held back
 * by this consumer is woken. Errors: -EINVAL (no ring). No role: returns 0. */
RING_API int ring_bcast_leave(struct ring *r);

/*
 * Non-blocking push of one element / of up to n elements (at least one).
 * Returns 0 (push) or the count pushed (burst), -EAGAIN (back-pressure:
 * full), -EPIPE (closed), -EINVAL (r is not the producer; n == 0).
 */
RING_INLINE int ring_bcast_push(struct ring *r, const void *elem);
RING_API ssize_t ring_bcast_push_burst(struct ring *r, const void *src, size_t n);

/*
 * Non-blocking read of the next element into elem. Returns 0, -EAGAIN
 * (nothing new), -EPIPE (closed and read to the end), -EINVAL (r has not
 * joined), -EUCLEAN (the ring's tail went backwards: a corrupt producer).
 * *missed (if missed is not NULL) receives the number of elements this
 * consumer lost just before the one delivered (0 unless lapped), so the
 * elements received plus the sum of *missed equal the elements published
 * since joining. elem may be written even when the call fails.
 */
RING_INLINE int ring_bcast_pop(struct ring *r, void *elem, uint64_t *missed);
/* Up to n elements (at least one), in order, without gaps between them;
 * *missed as above, for the elements lost before the first one. Returns
 * the count read or an error as ring_bcast_pop (-EINVAL also for n == 0). */
RING_API ssize_t ring_bcast_pop_burst(struct ring *r, void *dst, size_t n, uint64_t *missed);

/*
 * ring_count() / ring_free() on a broadcast handle (snapshots):
 * - consumer: the elements published that it has not read yet, at most n
 *   (a lossy consumer further behind has lost the rest); free: n - that,
 *   the elements the producer may still publish before this consumer holds
 *   it (back-pressure) or is lapped (lossy);
 * - back-pressure producer: the backlog of its slowest joined consumer (0
 *   with none); free: the elements it can push now without waiting;
 * - lossy producer: 0 (it reads no consumer's word); free: n.
 * A handle with no broadcast role: -EINVAL.
 *
 * Counters (ring_stats(), the shmring command): prod.ops is the elements
 * pushed, cons.ops the elements delivered summed over consumers (each
 * consumer adds its own on its slow path, so exact once every consumer has
 * found the ring empty or left), cons.kind[0] the elements consumers lost
 * (RING_STAT_BCAST_MISSED), again/closed/corrupt per side as for the other
 * kinds (ring_layout.h).
 */

/* Elements this consumer lost since it joined (reported or not yet). */
RING_API uint64_t ring_bcast_missed(const struct ring *r);

/* Joined consumers of either policy (entries holding the consumer role),
 * dead ones not yet reclaimed included: a snapshot. Errors: -EINVAL,
 * -EPROTOTYPE. */
RING_API int ring_bcast_consumers(const struct ring *r);

/*
 * Blocking and timed variants, for rings created with RING_F_BLOCKING;
 * deadline is an absolute CLOCK_MONOTONIC time or NULL (no limit). A
 * back-pressure producer held at one position for a while (about a
 * millisecond) has src/ring_live.c judge the consumers holding it, and
 * stops waiting for those verified dead. A consumer waiting while the
 * producer role is held by a process verified dead gets, once it has read
 * everything published, -ECONNRESET (-EPIPE with RING_F_PIPE); a new
 * producer may take over: wait again. The wait loop judges its peers once
 * per sleep slice (ring.h's blocking calls).
 * Errors: those of the non-blocking calls (-EAGAIN excepted), -ENOTSUP (no
 * RING_F_BLOCKING), -ETIMEDOUT, -ECONNRESET, -EINVAL (bad tv_nsec, NULL
 * buffer), or the errno of an unexpected futex failure.
 */
RING_API int ring_bcast_push_wait(struct ring *r, const void *elem,
				  const struct timespec *deadline);
RING_API ssize_t ring_bcast_push_burst_wait(struct ring *r, const void *src, size_t n,
					    const struct timespec *deadline);
RING_API int ring_bcast_pop_wait(struct ring *r, void *elem, uint64_t *missed,
				 const struct timespec *deadline);
RING_API ssize_t ring_bcast_pop_burst_wait(struct ring *r, void *dst, size_t n,
					   uint64_t *missed, const struct timespec *deadline);
/* Relative-timeout conveniences. */
RING_API int ring_bcast_push_timeout(struct ring *r, const void *elem, uint64_t timeout_ns);
RING_API int ring_bcast_pop_timeout(struct ring *r, void *elem, uint64_t *missed,
				    uint64_t timeout_ns);

/*
 * ---- Broadcast messages (RING_F_BCAST_MSG) ----
 *
 * A broadcast ring created with RING_F_BCAST_MSG carries messages of
 * 0..max bytes instead of fixed-size elements, with the same roles,
 * policies, liveness and counters:
 *   struct ring_params p = { .kind = RING_KIND_BCAST, .rule = RING_RULE_COUNT,
 *                            .slots = 1 << 20,   data bytes, a power of two
 *                            .elem_size = 1500,  largest message
 *                            .flags = RING_F_BCAST_MSG | RING_F_BLOCKING
 *                                     [| RING_F_BCAST_LOSSY] };
 * slots >= 64; a message of len bytes takes a record of 32 + len rounded up
 * to 16 bytes (RING_BMSG_REC), and the largest record at most slots / 2;
 * ring_msg_max() is elem_size. ring_capacity(), ring_count() and
 * ring_free() count bytes, record headers included. Records are the
 * message ring's (a padding record at the end of the area, so every message
 * is contiguous), each with the message's sequence number.
 *
 * - back-pressure: the producer does not overwrite a byte that a joined
 *   consumer has not read (free space is from the slowest consumer's byte
 *   position); dead and leaving consumers stop holding it, as above.
 * - lossy: the producer never waits. A consumer copies a record and then
 *   checks the producer's intent word (a seqlock over byte positions): a
 *   copy that raced an overwrite is discarded, never delivered. A consumer
 *   that was lapped continues at the producer's tail (a record boundary it
 *   can trust; the oldest intact record cannot be found without reading
 *   bytes that may be being overwritten) and learns from the sequence
 *   numbers exactly how many messages it missed.
 * The join point is the tail at ring_bcast_join(). Its sequence is read
 * from the producer's count while the producer is between writes (a
 * bounded number of tries); if the producer was writing every time, it is
 * the sequence of the first message the consumer receives or skips, so a
 * consumer lapped before its first message does not count the messages
 * between its join and the point it continued from.
 * A producer that takes over from a dead one continues the sequence; the
 * dead one's unpublished last message may be counted as missed.
 *
 * ring_bcast_push/_pop and their bursts return -EINVAL on these rings, and
 * the calls below -EINVAL on fixed-size ones.
 */

/*
 * Producer: copy len bytes (0..max) as one message. Returns 0, -EAGAIN
 * (back-pressure: no room), -EMSGSIZE (len > max; nothing sent), -EPIPE
 * (closed), -EALREADY (a reservation is open), -EINVAL (not the producer of
 * a broadcast message ring; NULL msg with len > 0).
 */
RING_API int ring_bcast_send(struct ring *r, const void *msg, size_t len);

/*
 * Consumer: copy the next message into buf (cap bytes); *len gets its
 * length, *missed (if not NULL) the messages lost just before it (0 unless
 * lapped). Returns 0, -EAGAIN (nothing new, or lapped again and again
 * within the call), -EPIPE (closed and read to the end), -EMSGSIZE (*len =
 * the length needed; the message stays), -EALREADY (a peeked message is not
 * released), -EUCLEAN (a record or the tail is not what the producer
 * writes; the consumer continues from the tail), -EINVAL. buf may be
 * written even when the call fails.
 */
RING_API int ring_bcast_recv(struct ring *r, void *buf, size_t cap, size_t *len,
			     uint64_t *missed);

/*
 * Zero-copy send: *ptr points at room for up to len bytes inside the ring,
 * 16-byte aligned; write the message there, then ring_bcast_commit() with
 * its final length (0..len; the record keeps the room reserved) or
 * ring_bcast_abort(). Until then nothing after it is published. Errors as
 * ring_bcast_send. Pair with ring_bcast_commit or ring_bcast_abort.
 */
RING_API int ring_bcast_reserve(struct ring *r, size_t len, void **ptr);
/* Publish the reservation. 0, -EINVAL (nothing reserved, len too long: it
 * stays reserved), -EPIPE / -EUCLEAN (closed, or the tail written by
 * someone else meanwhile: the reservation is dropped). */
RING_API int ring_bcast_commit(struct ring *r, size_t len);
/* Give the reservation up (consumers step over it). 0, -EINVAL. */
RING_API int ring_bcast_abort(struct ring *r);

/*
 * Zero-copy receive: *ptr, *len describe the next message in place; *missed
 * as ring_bcast_recv's. Under back-pressure it stays there until
 * ring_bcast_release(). Under the lossy policy the producer may overwrite
 * it at any time: copy what you need, then call ring_bcast_validate() or
 * ring_bcast_release(), which say whether it was intact until then; the
 * bytes read before a 0 from either are the message's. Returns as
 * ring_bcast_recv (-EALREADY: a peeked message is not released). Pair with
 * ring_bcast_release.
 */
RING_API int ring_bcast_peek(struct ring *r, const void **ptr, size_t *len, uint64_t *missed);
/* 0 if the peeked message was not overwritten up to now, -ENODATA if it
 * was (lossy), -EINVAL (nothing peeked). */
RING_API int ring_bcast_validate(const struct ring *r);
/* Done with the peeked message: 0 (delivered), -ENODATA (overwritten while
 * peeked: counted as missed, not delivered), -EINVAL (nothing peeked). */
RING_API int ring_bcast_release(struct ring *r);

/* Blocking and timed variants (RING_F_BLOCKING; as the fixed-size ones
 * above: deadline, -ETIMEDOUT, -ENOTSUP, -ECONNRESET). */
RING_API int ring_bcast_send_wait(struct ring *r, const void *msg, size_t len,
				  const struct timespec *deadline);
RING_API int ring_bcast_recv_wait(struct ring *r, void *buf, size_t cap, size_t *len,
				  uint64_t *missed, const struct timespec *deadline);
RING_API int ring_bcast_reserve_wait(struct ring *r, size_t len, void **ptr,
				     const struct timespec *deadline);
RING_API int ring_bcast_peek_wait(struct ring *r, const void **ptr, size_t *len,
				  uint64_t *missed, const struct timespec *deadline);
RING_API int ring_bcast_send_timeout(struct ring *r, const void *msg, size_t len,
				     uint64_t timeout_ns);
RING_API int ring_bcast_recv_timeout(struct ring *r, void *buf, size_t cap, size_t *len,
				     uint64_t *missed, uint64_t timeout_ns);

#ifdef __cplusplus
}
#endif

#define SHMRING_INSIDE_HEADERS 1
#include "ring_bcast_pvt.h"

#endif /* SHMRING_RING_BCAST_H */
