/* SPDX-License-Identifier: MIT */
/*
 * shmring readiness descriptors: wait for a blocking ring (RING_F_BLOCKING)
 * with epoll, poll, select or an event loop (libuv's uv_poll_t, ...).
 * Included by <shmring/shmring.h>; src/ring_waitfd.c has the mechanism and
 * the no-lost-wake-up argument.
 *
 * A readiness descriptor is an eventfd of this process (the default) or,
 * opened with RING_WAITFD_SOCKET, a datagram socket of it (Unix domain,
 * abstract namespace, no file system object; it goes away with the
 * process). It becomes readable when a peer, in any process, makes the ring
 * ready for a direction this handle is armed for: data for a consumer
 * (RING_WAITFD_DATA), room for a producer (RING_WAITFD_ROOM), or the end of
 * the stream (ring_close_write) for both. While both sides are busy nothing
 * is armed and no system call is made; a peer makes one write (or sends
 * one datagram) per arming, on its wake path, which it takes only when it
 * sees a waiter counted.
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
 * How a process gets the descriptor for a named ring: it attaches as usual
 * (ring_open, ring_attach) and calls ring_waitfd_open on that handle. The
 * descriptor is this process's own; nothing is passed by hand between
 * processes and no other process needs to cooperate. Peers find it through
 * the ring: the open publishes, in the handle's participant entry, the
 * eventfd's number and its kernel id, and a peer that has to wake it takes
 * its own copy once with pidfd_getfd(2) (checking that it is that eventfd),
 * keeps it and writes it from then on: the cost of a bare eventfd. That
 * needs ptrace access to this process (same user, no Yama or LSM rule
 * against it, or CAP_SYS_PTRACE) and the same pid namespace. A peer
 * without it sends nothing and this process still makes progress, one
 * timeout at a time: when peers run as other users (or in another pid
 * namespace), open with RING_WAITFD_SOCKET. A socket descriptor's name is
 * derived from the ring's create_id and the handle's participant entry;
 * peers send it a datagram, which works between any processes that share
 * the ring and one network namespace (the abstract namespace is per
 * network namespace; between network namespaces no datagram arrives and
 * the waiter still makes progress, one timeout at a time). The eventfd
 * form also needs an eventfd id in /proc/self/fdinfo (Linux 5.x and
 * later) and a descriptor number below 2^24; otherwise ring_waitfd_open
 * makes the socket form.
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
/* Option of ring_waitfd_open's dirs: a datagram socket instead of an
 * eventfd, for peers that cannot take a copy of this process's eventfd
 * (other users, other pid namespaces). Costs a sendto and a recv per
 * wake-up where the eventfd costs a write and a read. */
#define RING_WAITFD_SOCKET 0x4u

/* A handle's readiness descriptor. All fields are private but fd. */
struct ring_waitfd {
	int fd;              /* the descriptor to poll; -1 when closed */
	uint32_t dirs;       /* RING_WAITFD_* given to open; _SOCKET if a socket */
	uint32_t armed;      /* directions armed now */
	uint32_t counted;    /* of those, counted in the ring's waiter counts */
	uint32_t part_idx;   /* the handle's participant entry at open */
	int32_t pid;         /* the process that opened it */
	uint32_t was_ready;  /* the last arm found the ring ready */
	uint32_t short_wait; /* short timeouts; the last consume read a wake */
	uint64_t mark;       /* ring positions at that arm */
	int64_t backoff_ns;  /* ready with nothing moved: timeout to use */
	struct ring *ring;
};

/*
 * Open a readiness descriptor for the blocking ring handle r: dirs is
 * RING_WAITFD_DATA, RING_WAITFD_ROOM or both, optionally with
 * RING_WAITFD_SOCKET (see the top of this header). Takes the matching roles on r
 * (ring_join: consumer for DATA, producer for ROOM). The descriptor is
 * non-blocking and close-on-exec; poll it for reading (EPOLLIN, POLLIN).
 * Returns the descriptor (also in f->fd), or: -EINVAL (NULL, unknown dirs,
 * closed or observing handle), -ENOTSUP (not RING_F_BLOCKING), ring_join's
 * errors (-EADDRINUSE, -EUSERS, -ESTALE), -EADDRINUSE (another readiness
 * descriptor of this handle is open), -EMFILE,
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
