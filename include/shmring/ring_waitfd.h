/* SPDX-License-Identifier: MIT */
/*
 * shmring readiness descriptors: wait for a blocking ring (RING_F_BLOCKING)
 * with epoll, poll, select or an event loop (libuv's uv_poll_t, ...).
 * Included by <shmring/shmring.h>; src/ring_waitfd.c has the mechanism and
 * the no-lost-wake-up argument.
 *
 * A readiness descriptor is a datagram socket of this process (Unix domain,
 * abstract namespace, no file system object; it goes away with the process).
 * It becomes readable when a peer, in any process, makes the ring ready for
 * a direction this handle is armed for: data for a consumer
 * (RING_WAITFD_DATA), room for a producer (RING_WAITFD_ROOM), or the end of
 * the stream (ring_close_write) for both. While both sides are busy nothing
 * is armed and no system call is made; a peer sends one datagram per arming,
 * on its wake path, which it takes only when it sees a waiter counted.
 *
 *   struct ring_waitfd wf;
 *   int fd = ring_waitfd_open(&wf, &r, RING_WAITFD_DATA); // add fd to epoll
 *   for (;;) {
 *           while (ring_pop(&r, &e) == 0) use(&e);      // -EAGAIN: empty
 *           if (ring_waitfd_arm(&wf) == 1) continue;    // ready meanwhile
 *           epoll_wait(ep, ev, n, ring_waitfd_timeout_ms(&wf));
 *           ring_waitfd_consume(&wf);                   // then try again
 *   }
 *
 * The timeout is part of the contract: a peer that dies between making the
 * ring ready and sending its datagram sends nothing, and the waiter learns
 * of the element at its next try, after at most ring_waitfd_timeout_ms()
 * (the futex path's slice, 10 ms). Pass the smallest timeout of every armed
 * descriptor to the poll call (as curl_multi_timeout asks), and call
 * ring_waitfd_consume and try again when it returns, readable or not.
 *
 * A named ring: attach as usual (ring_open, ring_attach), then
 * ring_waitfd_open on that handle; the descriptor is this process's own and
 * nothing needs to be passed between processes. Peers reach it through the
 * ring: the socket's name is derived from the ring's create_id and the
 * handle's participant entry, so it works between processes that share the
 * ring and one network namespace (the abstract namespace is per network
 * namespace). Between network namespaces no datagram arrives and the
 * waiter still makes progress, one timeout at a time.
 *
 * Thread safety: one struct ring_waitfd per handle, used by the thread that
 * uses the handle in that direction. After fork() the child must not use an
 * inherited struct ring_waitfd (its calls return -EBADFD): close it in the
 * child and open another. Pair ring_waitfd_open with ring_waitfd_close, which
 * comes before ring_close of the handle.
 */
#ifndef SHMRING_RING_WAITFD_H
#define SHMRING_RING_WAITFD_H

#ifndef SHMRING_RING_H
#include "ring.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Directions (ring_waitfd_open's dirs). */
#define RING_WAITFD_DATA 0x1u /* readable when the ring has data (consumer) */
#define RING_WAITFD_ROOM 0x2u /* readable when the ring has room (producer) */
#define RING_WAITFD_ALL 0x3u

/* A handle's readiness descriptor. All fields are private but fd. */
struct ring_waitfd {
	int fd;              /* the descriptor to poll; -1 when closed */
	uint32_t dirs;       /* RING_WAITFD_* given to open */
	uint32_t armed;      /* directions armed now */
	uint32_t counted;    /* of those, counted in the ring's waiter counts */
	uint32_t part_idx;   /* the handle's participant entry at open */
	int32_t pid;         /* the process that opened it */
	uint32_t was_ready;  /* the last arm found the ring ready */
	uint32_t short_wait; /* a count or barrier failed: short timeouts */
	uint64_t mark;       /* ring positions at that arm */
	int64_t backoff_ns;  /* ready with nothing moved: timeout to use */
	struct ring *ring;
};

/*
 * Open a readiness descriptor for the blocking ring handle r: dirs is
 * RING_WAITFD_DATA, RING_WAITFD_ROOM or both. Takes the matching roles on r
 * (ring_join: consumer for DATA, producer for ROOM). The descriptor is
 * non-blocking and close-on-exec; poll it for reading (EPOLLIN, POLLIN).
 * Returns the descriptor (also in f->fd), or: -EINVAL (NULL, unknown dirs,
 * closed or observing handle), -ENOTSUP (not RING_F_BLOCKING), ring_join's
 * errors (-EADDRINUSE, -EUSERS, -ESTALE), -EADDRINUSE (the entry's socket
 * name is taken: another readiness descriptor of this handle), -EMFILE,
 * -ENFILE, -ENOMEM. Pair with ring_waitfd_close().
 */
RING_API int ring_waitfd_open(struct ring_waitfd *f, struct ring *r, uint32_t dirs);

/*
 * Arm the descriptor before polling it: count this handle as a waiter in
 * each direction of f->dirs, then look at the ring again. Returns 0 (armed:
 * poll now, with ring_waitfd_timeout_ms), 1 (the ring is ready now in a
 * direction of f: not armed; push or pop, then arm again), or: -EBADFD (f
 * closed, inherited across fork, or the handle's participant entry changed:
 * close and open again), -ECONNRESET / -EPIPE (every peer of the direction
 * is verified dead, as for the blocking calls). Arming an armed descriptor
 * looks at the ring again. A ring found ready twice with no index moved in
 * between (a peer mid-publish, or a hostile word) is not reported ready the
 * second time: the call returns 0 and the timeout grows instead, so that a
 * loop around it sleeps rather than spins.
 */
RING_API int ring_waitfd_arm(struct ring_waitfd *f);

/*
 * After the poll call returned (readable, timed out or interrupted): read
 * the datagrams queued on the descriptor and disarm. Returns 0 or -EBADFD.
 */
RING_API int ring_waitfd_consume(struct ring_waitfd *f);

/*
 * The longest the caller may poll f before trying the ring again, in
 * milliseconds: -1 when f is not armed (no limit from f), else at most the
 * 10 ms slice, shorter after a failed count or barrier or while backing off.
 */
RING_API int ring_waitfd_timeout_ms(const struct ring_waitfd *f);

/*
 * Disarm and close the descriptor. Closing a closed (or zeroed) f, or NULL,
 * is a no-op. Returns 0.
 */
RING_API int ring_waitfd_close(struct ring_waitfd *f);

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_WAITFD_H */
