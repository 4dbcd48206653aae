/* SPDX-License-Identifier: MIT */
/*
 * Readiness descriptors (include/shmring/ring_waitfd.h): a blocking ring
 * waited on with epoll/poll instead of a futex.
 *
 * Mechanism. By default each descriptor is an eventfd of the waiter's
 * process. The waiter publishes what a waker needs to reach it in its own
 * participant entry, op[RING_PART_OP_WAITFD] (ring_layout.h): the
 * descriptor's number in the waiter's process and the kernel's id of that
 * eventfd ("eventfd-id" in /proc/self/fdinfo). A waker that finds the
 * waiter armed takes a copy of the descriptor once, with pidfd_open(2) on
 * the pid of the entry's identity and pidfd_getfd(2), checks that the copy
 * is an eventfd with the published id (so it never writes a file the waiter
 * did not publish), caches it per (ring, entry, entry state, tag) and from
 * then on makes the descriptor readable with one write(2) of 1, the system
 * call a bare eventfd ping-pong makes. The waiter's side costs a read(2) in
 * ring_waitfd_consume. pidfd_getfd needs ptrace access to the waiter
 * (PTRACE_MODE_ATTACH_REALCREDS: same user and no Yama restriction, or
 * CAP_SYS_PTRACE) and the same pid namespace. A waker without it caches
 * the failure and sends nothing: that waiter makes progress one timeout at
 * a time. Peers that run as different users open their descriptors with
 * RING_WAITFD_SOCKET instead:
 *
 * Socket mode (RING_WAITFD_SOCKET, or when the eventfd cannot be published:
 * no eventfd id in fdinfo, a descriptor number above RING_WAITFD_FD_MAX).
 * The descriptor is a SOCK_DGRAM Unix socket bound in the abstract
 * namespace under "shmring-<create_id>-<entry>": the ring's create_id
 * (random, per ring) and the opener's participant entry index, so one name
 * per descriptor, no file system object, nothing to clean up: the name
 * dies with the socket. A waker sends that name one datagram
 * (MSG_DONTWAIT). Any process that shares the ring and the network
 * namespace reaches it, whatever its user; it costs a sendto and a recv
 * where the eventfd costs a write and a read. Between network namespaces
 * the datagrams do not arrive; the timeout keeps such waiters moving.
 *
 * Words (ring_layout.h): the waiter counts in *_waiters are the futex
 * path's own (a descriptor waiter is one more armed waiter, so the hot
 * path's check is unchanged and costs nothing more; it is not counted in
 * *_fxw, so wakes of descriptor waiters alone make no FUTEX_WAKE), plus
 *   op[RING_PART_OP_WAITFD] of the waiter's entry: RING_WAITFD_BIT_DATA /
 *       _ROOM while armed for that direction, cleared by the first waker
 *       that wakes it (fetch_and: exactly one write or datagram per
 *       arming) or by the waiter when it disarms; the tag bits (eventfd
 *       number and id, RING_WAITFD_BIT_EFD) while the descriptor is open;
 *   cons_fdw / prod_fdw: how many are so armed; 0 lets a waker skip the
 *       table. Each waiter adds and removes its own 1.
 *
 *   waiter (ring_waitfd_arm)            waker (ring_pvt_wake, after R1/R3,
 *   bit |= DIR          fetch_or seq_cst  F1 and armed > woken seen)
 *   fdw += 1            RMW      seq_cst  woken += t      CAS    seq_cst
 *   armed += 1 (CAS)             seq_cst  bump (FUTEX_WAKE if fxw != 0)
 *   F2: fence; membarrier                 if fdw != 0:         seq_cst load
 *   look at the ring (count, closed)        for each entry i < max_parts:
 *   ready: disarm, return 1                   if fetch_and(bit, ~DIR) had
 *   else poll(fd, timeout)                      DIR: write(eventfd of i, 1)
 *   consume: read, disarm (bit, fdw,              (or the datagram)
 *            leave)
 *
 * No lost wake-up (nobody dying). By F1/F2 as in src/ring_wait.c, either the
 * waiter's look finds the element (room), or the waker's load of *_waiters
 * counts the waiter. If that waker issues wakes, its CAS read a value at or
 * after the waiter's arm in that word's modification order; the arm is a
 * release RMW sequenced after the waiter's bit and fdw stores (A8: the
 * waker's CAS, pairs with R8: the waiter's arm), so both are visible to
 * the waker's loads that follow its CAS: it sees fdw != 0 and the bit, and
 * either its fetch_and clears it and it writes, or another fetch_and got
 * there first, whose thread writes. The tag the writer uses is the one its
 * fetch_and returned, written by the waiter at open, before any arm: the
 * same edge orders it. If instead the waker saw armed <= woken, wakes
 * issued after the arm cover every armed waiter (step 2 there), and each
 * such waker's CAS is again after the arm: the same reasoning gives the
 * write. An eventfd written (a datagram queued) stays readable until read,
 * so it cannot be missed between the arm and the poll call; consume reads
 * it after the poll call returned, and the caller tries the ring after
 * that: a write that lands after the read makes only the next poll return
 * at once. ring_close_write: the closer's fetch_or on tail and its seq_cst
 * loads (fdw, fetch_and) come after it in the single total order; a waiter
 * whose F2 comes before that fetch_or has its bit and fdw seen by them, a
 * waiter whose F2 comes after sees the closed bit when it looks.
 *
 * Death (any process, any instruction):
 * - A waker dying after its publish and before its write (its fetch_and
 *   done, hook RING_HOOK_FD_CLEARED, or anywhere earlier on the wake path):
 *   nothing is written. The waiter polls with ring_waitfd_timeout_ms() (at
 *   most the 10 ms slice), consumes and looks again: the delay is bounded
 *   by that timeout, as a futex sleeper's by its slice.
 * - A waiter dying while armed leaves its bit, its 1 in fdw and in armed.
 *   armed: as a dead futex sleeper (one wake counted for it, then covered).
 *   The bit: the next waker clears it and makes one write (pidfd_open of a
 *   dead pid fails, or a cached copy of the dead waiter's eventfd is
 *   written once, which nobody reads); nothing sets it again, so the dead
 *   waiter's descriptor is never written twice. A cached copy is dropped
 *   when the entry's state or tag differs (the entry freed, taken by
 *   another participant, or the descriptor reopened), and in any case when
 *   its cache slot is reused: a waker process keeps at most WAITFD_CACHE
 *   such copies open. fdw: wakes keep looking at the table (max_parts
 *   loads on a path that makes a system call anyway), no more.
 * - A write or datagram from an earlier arming, a dead waker or any other
 *   process only makes the descriptor readable: the caller looks at the
 *   ring and arms again.
 *
 * Hostile words. The table is walked up to the handle's own max_parts (as
 * validated at attach), never a count read from shared memory; each walk
 * wakes at most one descriptor per entry, with non-blocking calls, so bogus
 * bits or counts cost at most max_parts writes per wake the waker makes
 * anyway, never a loop. A forged tag or pid reaches only a process this
 * waker may ptrace anyway, and only a descriptor of it that is an eventfd
 * with the forged id (checked before use): at worst a spurious wake-up of
 * that eventfd's reader. A forged tag also costs a pidfd_getfd attempt,
 * once per (entry state, tag): the result, failure included, is cached.
 * Socket mode names only sockets of this ring (create_id and index from
 * the handle). A bogus fdw of 0 skips the walk: the waiters then wait out
 * their timeouts. The waiter's look reads the indices once through
 * ring_count; a ring that looks ready while its tries fail (a peer
 * mid-publish, a hostile word) is caught by the progress mark: ready twice
 * with no index moved, arm keeps the descriptor armed with a timeout that
 * doubles from 1 ms to the slice, so the caller's loop sleeps.
 */
#include "ring_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <shmring/ring_waitfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define WAITFD_BACKOFF0_NS 1000000L /* first backoff: 1 ms */
#define WAITFD_SHORT_MS 1           /* timeout after a failed count or barrier */
#define WAITFD_DRAIN_MAX 16         /* datagrams read per consume, at most */
#define WAITFD_CAS_TRIES 64
#define WAITFD_CACHE 64             /* eventfd copies a waker process keeps */
/* struct ring_waitfd's short_wait bits. */
#define WAITFD_SHORT 1u /* a count or barrier failed: short timeouts */
#define WAITFD_WOKEN 2u /* the last consume read a wake-up */

/* ---- this process: pid (across fork) and pid namespace ---------------- */

static RING_ATOMIC(int32_t) self_pid;
static RING_ATOMIC(uint64_t) self_pidns;
static pthread_once_t self_once = PTHREAD_ONCE_INIT;

static void waitfd_cache_forget(void);

static void self_atfork_child(void)
{
	ring_pvt_store(&self_pid, (int32_t)getpid(), relaxed);
	waitfd_cache_forget();
}

static void self_init(void)
{
	struct stat st;

	ring_pvt_store(&self_pid, (int32_t)getpid(), relaxed);
	if (stat("/proc/self/ns/pid", &st) == 0)
		ring_pvt_store(&self_pidns, (uint64_t)st.st_ino, relaxed);
	(void)pthread_atfork(NULL, NULL, self_atfork_child);
}

/* getpid() without a system call: kept by the fork handler above. */
static int32_t my_pid(void)
{
	(void)pthread_once(&self_once, self_init);
	return ring_pvt_load(&self_pid, relaxed);
}

/* ---- eventfd ids -------------------------------------------------------- */

/* The kernel's id of eventfd fd ("eventfd-id:" in /proc/self/fdinfo), or
 * -1 if fd is no eventfd (or the kernel does not say). */
static int64_t efd_id(int fd)
{
	char path[48], buf[512], *p;
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -1;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "\neventfd-id:");
	if (p == NULL)
		return -1;
	return strtoll(p + 12, NULL, 10);
}

/* ---- the waker's copies of eventfds ------------------------------------ */

/* One slot per (ring, entry), by hash; busy is a try-lock: a waker that
 * finds the slot taken by another thread uses an uncached copy. */
struct efd_slot {
	RING_ATOMIC(uint32_t) busy;
	int fd;              /* the copy; -1: the last attempt failed */
	int used;
	uint32_t idx;
	uint64_t create_id;
	uint64_t state;      /* the entry's state word when taken */
	uint64_t tag;        /* op word & RING_WAITFD_TAG_MASK when taken */
	uint64_t pid;
};

static struct efd_slot efd_cache[WAITFD_CACHE];

/* fork child: one thread, and every slot it held in the parent is free. */
static void waitfd_cache_forget(void)
{
	int i;

	for (i = 0; i < WAITFD_CACHE; i++)
		ring_pvt_store(&efd_cache[i].busy, 0, relaxed);
}

/* A copy of descriptor TAG_FD(tag) of process pid, if it is the eventfd
 * with id TAG_ID(tag); -1 otherwise. */
static int efd_take(uint64_t pid, uint64_t tag)
{
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
	int pfd, fd;

	pfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pfd < 0)
		return -1;
	fd = (int)syscall(SYS_pidfd_getfd, pfd, (int)RING_WAITFD_TAG_FD(tag), 0);
	close(pfd);
	if (fd < 0)
		return -1;
	if (efd_id(fd) != (int64_t)RING_WAITFD_TAG_ID(tag)) {
		close(fd);
		return -1;
	}
	return fd;
#else
	(void)pid;
	(void)tag;
	return -1;
#endif
}

static void efd_write(int fd)
{
	uint64_t one = 1;

	/* Non-blocking (the waiter's EFD_NONBLOCK is the open file's): a
	 * counter at its maximum is readable already. */
	(void)!write(fd, &one, sizeof(one));
}

/* Make entry i's eventfd readable; w is its op word as our fetch_and saw it. */
static void wake_efd(struct ring *r, uint32_t i, uint64_t w)
{
	struct ring_part *e = &r->parts[i];
	uint64_t st = ring_pvt_load(&e->state, acquire);
	uint64_t pid = ring_pvt_load((RING_ATOMIC(uint64_t) *)&e->ident[RING_ID_PID], relaxed);
	uint64_t ns = ring_pvt_load((RING_ATOMIC(uint64_t) *)&e->ident[RING_ID_PIDNS], relaxed);
	uint64_t tag = w & RING_WAITFD_TAG_MASK;
	uint64_t h = (r->create_id ^ ((uint64_t)i * 0x9e3779b97f4a7c15u)) * 0xff51afd7ed558ccdu;
	struct efd_slot *c = &efd_cache[h >> 58];
	uint32_t z = 0;
	int fd;

	(void)my_pid();
	/* Another pid namespace names another process by this pid. */
	if (pid == 0 || pid > INT_MAX || ns != ring_pvt_load(&self_pidns, relaxed))
		return;
	if (!ring_pvt_cas(&c->busy, &z, 1, acquire, relaxed)) {
		fd = efd_take(pid, tag);
		if (fd >= 0) {
			efd_write(fd);
			close(fd);
		}
		return;
	}
	if (!c->used || c->create_id != r->create_id || c->idx != i || c->state != st ||
	    c->tag != tag || c->pid != pid) {
		if (c->used && c->fd >= 0)
			close(c->fd);
		c->fd = efd_take(pid, tag);
		c->used = 1;
		c->create_id = r->create_id;
		c->idx = i;
		c->state = st;
		c->tag = tag;
		c->pid = pid;
	}
	if (c->fd >= 0)
		efd_write(c->fd);
	ring_pvt_store(&c->busy, 0, release);
}

/* ---- socket mode --------------------------------------------------------- */

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

static void wake_sock(struct ring *r, uint32_t i, char b)
{
	struct sockaddr_un a;
	socklen_t len;
	int s = sender();

	if (s < 0)
		return;
	len = waitfd_addr(&a, r->create_id, i);
	(void)sendto(s, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&a, len);
}

/* ---- waking ---------------------------------------------------------------- */

void ring_pvt_waitfd_wake(struct ring *r, int consumers)
{
	RING_ATOMIC(uint32_t) *fdw = consumers ? &r->shm->wait.cons_fdw : &r->shm->wait.prod_fdw;
	uint64_t bit = consumers ? RING_WAITFD_BIT_DATA : RING_WAITFD_BIT_ROOM, old;
	uint32_t i;

	if (r->parts == NULL || ring_pvt_load(fdw, seq_cst) == 0)
		return;
	for (i = 0; i < r->max_parts; i++) {
		RING_ATOMIC(uint64_t) *word = &r->parts[i].op[RING_PART_OP_WAITFD];

		if (!(ring_pvt_load(word, relaxed) & bit))
			continue;
		old = ring_pvt_fetch_and(word, ~bit, seq_cst);
		if (!(old & bit))
			continue; /* another waker, or the waiter, got there first */
		RING_PVT_HOOK(RING_HOOK_FD_CLEARED);
		if (old & RING_WAITFD_BIT_EFD)
			wake_efd(r, i, old);
		else
			wake_sock(r, i, consumers ? 'd' : 'r');
	}
}

/* ---- the waiter --------------------------------------------------------- */

static int waitfd_valid(const struct ring_waitfd *f)
{
	const struct ring *r;

	if (f == NULL || f->ring == NULL || f->fd < 0)
		return 0;
	r = f->ring;
	return r->shm != NULL && r->part != NULL && r->part_idx == f->part_idx &&
	       f->pid == my_pid();
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

/* An eventfd for f whose tag fits the op word, or -1 (socket mode then). */
static int open_efd(uint64_t *tag)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int64_t id;

	if (fd < 0)
		return -1;
	id = efd_id(fd);
	if (id < 0 || id > (int64_t)UINT32_MAX || fd > RING_WAITFD_FD_MAX) {
		close(fd);
		return -1;
	}
	*tag = RING_WAITFD_TAG(fd, id);
	return fd;
}

static int open_sock(struct ring *r)
{
	struct sockaddr_un a;
	socklen_t len;
	int s, rc;

	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	len = waitfd_addr(&a, r->create_id, r->part_idx);
	if (bind(s, (struct sockaddr *)&a, len) < 0) {
		rc = -errno;
		close(s);
		return rc;
	}
	return s;
}

int ring_waitfd_open(struct ring_waitfd *f, struct ring *r, uint32_t dirs)
{
	RING_ATOMIC(uint64_t) *word;
	uint32_t roles = 0;
	uint64_t tag = 0;
	int rc, s = -1;

	if (f == NULL)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (r == NULL || r->shm == NULL || (dirs & RING_WAITFD_ALL) == 0 ||
	    (dirs & ~(RING_WAITFD_ALL | RING_WAITFD_SOCKET)))
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
	word = &r->part->op[RING_PART_OP_WAITFD];
	/* One descriptor per entry: an open one has published its tag (or
	 * holds the entry's socket name, which bind refuses below). */
	if (ring_pvt_load(word, acquire) & (RING_WAITFD_BIT_EFD | RING_WAITFD_BIT_SOCK))
		return -EADDRINUSE;
	if (!(dirs & RING_WAITFD_SOCKET))
		s = open_efd(&tag);
	if (s < 0) {
		s = open_sock(r);
		if (s < 0)
			return s;
		tag = RING_WAITFD_BIT_SOCK;
		dirs |= RING_WAITFD_SOCKET;
	}
	/* The tag before any arm (R8 orders both for wakers). No armed bits
	 * are set: an earlier descriptor of this entry disarmed. */
	ring_pvt_store(word, tag, seq_cst);
	f->fd = s;
	f->dirs = dirs; /* RING_WAITFD_SOCKET: this descriptor is a socket */
	f->part_idx = r->part_idx;
	f->pid = my_pid();
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
		/* Peers verified dead end the wait, as for ring_pop_wait:
		 * judged before the first poll and after each that brought
		 * no wake-up (the futex loop's "slice ended"), not after a
		 * peer's wake. */
		if (!(f->short_wait & WAITFD_WOKEN)) {
			lc = ring_pvt_live_wait_check(r, d == RING_WAITFD_DATA);
			if (lc < 0) {
				disarm(f);
				return lc;
			}
		}
		if (f->armed & d)
			continue;
		/* Bit and fdw before the count: a waker that sees the count
		 * sees them (the top of this file). */
		ring_pvt_fetch_or(&r->part->op[RING_PART_OP_WAITFD], dir_bit(d), seq_cst);
		ring_pvt_fetch_add(dir_fdw(r, d), 1, seq_cst);
		f->armed |= d;
		/* R8: the arm (a seq_cst RMW). Pairs with A8, a waker's CAS. */
		if (ring_pvt_wait_arm(dir_waiters(r, d)) == 0)
			f->counted |= d;
		else
			f->short_wait |= WAITFD_SHORT;
	}
	f->short_wait &= ~WAITFD_WOKEN;
	ring_pvt_fence(seq_cst); /* F2: pairs with F1 (and the close's RMW) */
	if (ring_pvt_sleeper_barrier() < 0)
		f->short_wait |= WAITFD_SHORT;
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

/* 1 if a datagram was read. */
static int drain_sock(int fd)
{
	char buf[WAITFD_DRAIN_MAX];
	struct iovec iov[WAITFD_DRAIN_MAX];
	struct mmsghdr m[WAITFD_DRAIN_MAX];
	int i;

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
	return recvmmsg(fd, m, WAITFD_DRAIN_MAX, MSG_DONTWAIT, NULL) > 0;
}

int ring_waitfd_consume(struct ring_waitfd *f)
{
	uint64_t v;
	int woken;

	if (!waitfd_valid(f))
		return -EBADFD;
	if (f->dirs & RING_WAITFD_SOCKET)
		woken = drain_sock(f->fd);
	else /* resets the counter: one call */
		woken = read(f->fd, &v, sizeof(v)) == (ssize_t)sizeof(v);
	disarm(f);
	f->short_wait = woken ? WAITFD_WOKEN : 0;
	return 0;
}

int ring_waitfd_timeout_ms(const struct ring_waitfd *f)
{
	long slice;

	if (f == NULL || f->ring == NULL || f->armed == 0)
		return -1;
	if (f->short_wait & WAITFD_SHORT)
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
	if (waitfd_valid(f)) {
		disarm(f);
		/* Unpublish: wakers drop their copies (the tag differs). */
		ring_pvt_store(&f->ring->part->op[RING_PART_OP_WAITFD], 0, seq_cst);
	}
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->ring = NULL;
	f->armed = 0;
	f->counted = 0;
	return 0;
}
