/* SPDX-License-Identifier: MIT */
/*
 * Readiness descriptors (include/shmring/ring_waitfd.h): a blocking ring
 * waited on with epoll/poll instead of a futex.
 *
 * Mechanism. Each descriptor is a SOCK_DGRAM Unix socket bound in the
 * abstract namespace under "shmring-<create_id>-<entry>": the ring's
 * create_id (random, per ring) and the opener's participant entry index,
 * so one name per descriptor, no file system object, nothing to clean up:
 * the name dies with the socket. A waker that sees a descriptor waiter sends
 * that name one datagram (MSG_DONTWAIT), which makes the descriptor readable
 * in whatever loop polls it. Chosen over an eventfd handed over a Unix
 * socket (needs a rendezvous process or a connection per peer pair, and a
 * descriptor per peer in every waker) and a per-ring socket (one waiter
 * only): here any process that shares the ring reaches any waiter with a
 * name computed from words it already holds, and a waiter needs no peer's
 * help to set up. Between network namespaces the datagrams do not arrive;
 * the timeout below keeps such waiters moving.
 *
 * Words (ring_layout.h): the waiter counts in *_waiters are the futex
 * path's own (a descriptor waiter is one more armed waiter, so the hot
 * path's check is unchanged and costs nothing more), plus
 *   op[RING_PART_OP_WAITFD] of the waiter's entry: RING_WAITFD_BIT_DATA /
 *       _ROOM while armed for that direction, cleared by the first waker
 *       that sends (fetch_and: exactly one datagram per arming) or by the
 *       waiter when it disarms;
 *   cons_fdw / prod_fdw: how many are so armed; 0 lets a waker skip the
 *       table. Each waiter adds and removes its own 1.
 *
 *   waiter (ring_waitfd_arm)            waker (ring_pvt_wake, after R1/R3,
 *   bit |= DIR          fetch_or seq_cst  F1 and armed > woken seen)
 *   fdw += 1            RMW      seq_cst  woken += t      CAS    seq_cst
 *   armed += 1 (CAS)             seq_cst  bump, futex_wake(t)
 *   F2: fence; membarrier                 if fdw != 0:         seq_cst load
 *   look at the ring (count, closed)        for each entry i < max_parts:
 *   ready: disarm, return 1                   if fetch_and(bit, ~DIR) had
 *   else poll(fd, timeout)                      DIR: send "...-i" 1 byte
 *   consume: drain, disarm (bit, fdw, leave)
 *
 * No lost wake-up (nobody dying). By F1/F2 as in src/ring_wait.c, either the
 * waiter's look finds the element (room), or the waker's load of *_waiters
 * counts the waiter. If that waker issues wakes, its CAS read a value at or
 * after the waiter's arm in that word's modification order; the arm is a
 * release RMW sequenced after the waiter's bit and fdw stores, so both are
 * visible to the waker's loads that follow its CAS: it sees fdw != 0 and
 * the bit, and either its fetch_and clears it and it sends, or another
 * fetch_and got there first, whose thread sends. If instead the waker saw
 * armed <= woken, wakes issued after the arm cover every armed waiter
 * (step 2 there), and each such waker's CAS is again after the arm: the
 * same reasoning gives the datagram. A datagram queued on the socket makes
 * it readable until read, so it cannot be missed between the arm and the
 * poll call. ring_close_write: the closer's fetch_or on tail and its
 * seq_cst loads (fdw, fetch_and) come after it in the single total order;
 * a waiter whose F2 comes before that fetch_or has its bit and fdw seen by
 * them, a waiter whose F2 comes after sees the closed bit when it looks.
 *
 * Death (any process, any instruction):
 * - A waker dying after its publish and before its send (its fetch_and
 *   done, hook RING_HOOK_FD_CLEARED, or anywhere earlier on the wake path):
 *   no datagram comes. The waiter polls with ring_waitfd_timeout_ms() (at
 *   most the 10 ms slice), consumes and looks again: the delay is bounded
 *   by that timeout, as a futex sleeper's by its slice.
 * - A waiter dying while armed leaves its bit, its 1 in fdw and in armed.
 *   armed: as a dead futex sleeper (one wake counted for it, then covered).
 *   The bit: one datagram to a name nobody holds (ECONNREFUSED), then
 *   cleared; the entry is cleared when liveness hands it to another
 *   participant. fdw: wakes keep looking at the table (max_parts loads on
 *   a path that makes a system call anyway), no more.
 * - A datagram from an earlier arming, a dead waker or any process of the
 *   network namespace only makes the descriptor readable: the caller looks
 *   at the ring and arms again.
 *
 * Hostile words. The table is walked up to the handle's own max_parts (as
 * validated at attach), never a count read from shared memory; each walk
 * sends at most one datagram per entry, each to a name of this ring only
 * (create_id and index from the handle), with MSG_DONTWAIT, so bogus bits or
 * counts cost at most max_parts sendto calls per wake the waker makes
 * anyway, never a loop. A bogus fdw of 0 skips the walk: the waiters then
 * wait out their timeouts. The waiter's look reads the indices once through
 * ring_count; a ring that looks ready while its tries fail (a peer
 * mid-publish, a hostile word) is caught by the progress mark: ready twice
 * with no index moved, arm keeps the descriptor armed with a timeout that
 * doubles from 1 ms to the slice, so the caller's loop sleeps.
 */
#include "ring_internal.h"

#include <errno.h>
#include <shmring/ring_waitfd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define WAITFD_BACKOFF0_NS 1000000L /* first backoff: 1 ms */
#define WAITFD_SHORT_MS 1           /* timeout after a failed count or barrier */
#define WAITFD_DRAIN_MAX 16         /* datagrams read per consume, at most */
#define WAITFD_CAS_TRIES 64

/* The socket name of entry idx of the ring create_id. */
static socklen_t waitfd_addr(struct sockaddr_un *a, uint64_t create_id, uint32_t idx)
{
	int n;

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	/* sun_path[0] = 0: the abstract namespace. */
	n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "shmring-%016llx-%u",
		     (unsigned long long)create_id, (unsigned)idx);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/* One unbound datagram socket per process for sending (made on first
 * need; fork copies it, which is fine for sendto). -1: none could be made,
 * then waiters rely on their timeouts. */
static RING_ATOMIC(int) send_sock = -1;

static int sender(void)
{
	int s = ring_pvt_load(&send_sock, acquire), want = -1;

	if (s >= 0)
		return s;
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -1;
	if (!ring_pvt_cas(&send_sock, &want, s, acq_rel, acquire)) {
		close(s);
		return want;
	}
	return s;
}

void ring_pvt_waitfd_wake(struct ring *r, int consumers)
{
	RING_ATOMIC(uint32_t) *fdw = consumers ? &r->shm->wait.cons_fdw : &r->shm->wait.prod_fdw;
	uint64_t bit = consumers ? RING_WAITFD_BIT_DATA : RING_WAITFD_BIT_ROOM;
	struct sockaddr_un a;
	socklen_t len;
	uint32_t i;
	int s;
	char b = consumers ? 'd' : 'r';

	if (r->parts == NULL || ring_pvt_load(fdw, seq_cst) == 0)
		return;
	for (i = 0; i < r->max_parts; i++) {
		RING_ATOMIC(uint64_t) *word = &r->parts[i].op[RING_PART_OP_WAITFD];

		if (!(ring_pvt_load(word, relaxed) & bit))
			continue;
		if (!(ring_pvt_fetch_and(word, ~bit, seq_cst) & bit))
			continue; /* another waker, or the waiter, got there first */
		RING_PVT_HOOK(RING_HOOK_FD_CLEARED);
		s = sender();
		if (s < 0)
			return;
		len = waitfd_addr(&a, r->create_id, i);
		(void)sendto(s, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&a, len);
	}
}

static int waitfd_valid(const struct ring_waitfd *f)
{
	const struct ring *r;

	if (f == NULL || f->ring == NULL || f->fd < 0)
		return 0;
	r = f->ring;
	return r->shm != NULL && r->part != NULL && r->part_idx == f->part_idx &&
	       f->pid == (int32_t)getpid();
}

static RING_ATOMIC(uint32_t) *dir_waiters(struct ring *r, uint32_t dir)
{
	return dir == RING_WAITFD_DATA ? &r->shm->wait.cons_waiters : &r->shm->wait.prod_waiters;
}

static RING_ATOMIC(uint32_t) *dir_fdw(struct ring *r, uint32_t dir)
{
	return dir == RING_WAITFD_DATA ? &r->shm->wait.cons_fdw : &r->shm->wait.prod_fdw;
}

static uint64_t dir_bit(uint32_t dir)
{
	return dir == RING_WAITFD_DATA ? RING_WAITFD_BIT_DATA : RING_WAITFD_BIT_ROOM;
}

/* Remove our 1 from fdw, never below 0 (a hostile 0 stays 0). */
static void fdw_sub(RING_ATOMIC(uint32_t) *fdw)
{
	uint32_t v = ring_pvt_load(fdw, relaxed);
	int i;

	for (i = 0; i < WAITFD_CAS_TRIES && v != 0; i++)
		if (ring_pvt_cas(fdw, &v, v - 1, seq_cst, relaxed))
			return;
}

static void disarm(struct ring_waitfd *f)
{
	struct ring *r = f->ring;
	uint32_t d;

	for (d = RING_WAITFD_DATA; d <= RING_WAITFD_ROOM; d <<= 1) {
		if (!(f->armed & d))
			continue;
		ring_pvt_fetch_and(&r->part->op[RING_PART_OP_WAITFD], ~dir_bit(d), seq_cst);
		fdw_sub(dir_fdw(r, d));
		if (f->counted & d)
			ring_pvt_wait_leave(dir_waiters(r, d));
	}
	f->armed = 0;
	f->counted = 0;
}

int ring_waitfd_open(struct ring_waitfd *f, struct ring *r, uint32_t dirs)
{
	struct sockaddr_un a;
	socklen_t len;
	uint32_t roles = 0;
	int rc, s;

	if (f == NULL)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (r == NULL || r->shm == NULL || dirs == 0 || (dirs & ~RING_WAITFD_ALL))
		return -EINVAL;
	if (!(r->flags & RING_F_BLOCKING))
		return -ENOTSUP;
	if (dirs & RING_WAITFD_DATA)
		roles |= RING_ROLE_CONSUMER;
	if (dirs & RING_WAITFD_ROOM)
		roles |= RING_ROLE_PRODUCER;
	rc = ring_join(r, roles);
	if (rc < 0)
		return rc;
	if (r->part == NULL)
		return -EINVAL;
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	len = waitfd_addr(&a, r->create_id, r->part_idx);
	if (bind(s, (struct sockaddr *)&a, len) < 0) {
		rc = -errno;
		close(s);
		return rc;
	}
	/* No bits of an earlier descriptor of this entry: each disarmed. */
	f->fd = s;
	f->dirs = dirs;
	f->part_idx = r->part_idx;
	f->pid = (int32_t)getpid();
	f->ring = r;
	return s;
}

static int looks_ready(struct ring *r, uint32_t dirs)
{
	ssize_t used = ring_count(r);

	if (ring_is_closed(r) == 1)
		return 1;
	if (used < 0)
		return 0;
	if ((dirs & RING_WAITFD_DATA) && used > 0)
		return 1;
	if ((dirs & RING_WAITFD_ROOM) && (uint64_t)used < r->cap)
		return 1;
	return 0;
}

int ring_waitfd_arm(struct ring_waitfd *f)
{
	struct ring *r;
	uint32_t d;
	uint64_t mark;
	int lc;

	if (!waitfd_valid(f))
		return -EBADFD;
	r = f->ring;
	for (d = RING_WAITFD_DATA; d <= RING_WAITFD_ROOM; d <<= 1) {
		if (!(f->dirs & d))
			continue;
		/* Peers verified dead end the wait, as for ring_pop_wait. */
		lc = ring_pvt_live_wait_check(r, d == RING_WAITFD_DATA);
		if (lc < 0) {
			disarm(f);
			return lc;
		}
		if (f->armed & d)
			continue;
		/* Bit and fdw before the count: a waker that sees the count
		 * sees them (the top of this file). */
		ring_pvt_fetch_or(&r->part->op[RING_PART_OP_WAITFD], dir_bit(d), seq_cst);
		ring_pvt_fetch_add(dir_fdw(r, d), 1, seq_cst);
		f->armed |= d;
		if (ring_pvt_wait_arm(dir_waiters(r, d)) == 0)
			f->counted |= d;
		else
			f->short_wait = 1;
	}
	ring_pvt_fence(seq_cst); /* F2: pairs with F1 (and the close's RMW) */
	if (ring_pvt_sleeper_barrier() < 0)
		f->short_wait = 1;
	if (!looks_ready(r, f->dirs)) {
		f->was_ready = 0;
		f->backoff_ns = 0;
		return 0;
	}
	mark = ring_pvt_progress_mark(r);
	if (f->was_ready && mark == f->mark) {
		/* Ready again and nothing moved since: the caller's tries
		 * failed on a ring that only looks ready. Stay armed, poll
		 * for longer each time. */
		f->backoff_ns = f->backoff_ns == 0 ? WAITFD_BACKOFF0_NS : f->backoff_ns * 2;
		if (f->backoff_ns > 10000000L)
			f->backoff_ns = 10000000L;
		return 0;
	}
	f->was_ready = 1;
	f->mark = mark;
	f->backoff_ns = 0;
	disarm(f);
	return 1;
}

int ring_waitfd_consume(struct ring_waitfd *f)
{
	char buf[WAITFD_DRAIN_MAX];
	struct iovec iov[WAITFD_DRAIN_MAX];
	struct mmsghdr m[WAITFD_DRAIN_MAX];
	int i;

	if (!waitfd_valid(f))
		return -EBADFD;
	/* One system call for what is queued, at most WAITFD_DRAIN_MAX
	 * datagrams: a sender that keeps the queue full cannot keep us here,
	 * and one left over only makes the next poll return at once. */
	memset(m, 0, sizeof(m));
	for (i = 0; i < WAITFD_DRAIN_MAX; i++) {
		iov[i].iov_base = &buf[i];
		iov[i].iov_len = 1;
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	(void)recvmmsg(f->fd, m, WAITFD_DRAIN_MAX, MSG_DONTWAIT, NULL);
	disarm(f);
	f->short_wait = 0;
	return 0;
}

int ring_waitfd_timeout_ms(const struct ring_waitfd *f)
{
	long slice;

	if (f == NULL || f->ring == NULL || f->armed == 0)
		return -1;
	if (f->short_wait)
		return WAITFD_SHORT_MS;
	if (f->backoff_ns != 0)
		return (int)((f->backoff_ns + 999999) / 1000000);
	slice = ring_pvt_slice_ns();
	if (slice == 0)
		return -1; /* test builds: unbounded sleeps */
	return (int)((slice + 999999) / 1000000);
}

int ring_waitfd_close(struct ring_waitfd *f)
{
	if (f == NULL || f->ring == NULL)
		return 0;
	if (waitfd_valid(f))
		disarm(f);
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->ring = NULL;
	f->armed = 0;
	f->counted = 0;
	return 0;
}
