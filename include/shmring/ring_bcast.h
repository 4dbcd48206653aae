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

#ifdef __cplusplus
}
#endif

#define SHMRING_INSIDE_HEADERS 1
#include "ring_bcast_pvt.h"

#endif /* SHMRING_RING_BCAST_H */
