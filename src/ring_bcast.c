/* SPDX-License-Identifier: MIT */
/*
 * Broadcast rings: roles, the producer's view of its consumers, the readers'
 * slow path (empty, lapped, closed), bursts, and the blocking calls.
 *
 * Ordering, besides W1/R1/R2 and A0/A1/A2 of ring_bcast_pvt.h:
 * - R3/A3: a back-pressure consumer stores its cursor with release after
 *   reading the slots before it; the producer loads cursors with acquire in
 *   scan() and overwrites the slot of position q only once every cursor it
 *   counts is above q - n + ... (q < cursor + n), so only after those reads.
 * - F3/F4, joining (store buffering): a joiner claims its entry, ORs its
 *   bit into the scan hint, stores RING_BCAST_JOINING in its cursor, fences
 *   (F3), then loads the tail; the producer stores the tail, fences (F4) in
 *   scan(), then loads the hint and the entries below it. At least one sees
 *   the other: either the scan sees all three (and JOINING holds it at its
 *   position p, so the limit is p + n), or the joiner's tail load returns
 *   at least the p of that scan. Either way the limit of that scan is at
 *   most (joiner's start) + n, and no slot the joiner is to read is
 *   overwritten before a later scan sees its real cursor.
 * - Wake-ups: pushes and back-pressure pops end with ring_pvt_after_push /
 *   ring_pvt_after_pop (F1 of ring_common_pvt.h), the sleeps are
 *   ring_pvt_wait_until's; leaving wakes the producer as a pop does.
 *
 * Liveness: participant entries are taken by CAS on op[0] (the owner's
 * identity, see ring_layout.h). An entry is given up by its owner (leave,
 * close) or, when its owner's death is verified, by the producer (a
 * consumer's entry, when it holds the producer back) or by the next process
 * taking the role (the producer's entry). Death is verified from /proc: no
 * such pid, a zombie, or another start time. Checks run at most every
 * RING_BCAST_CHECK_MS per producer, and only while that producer is full.
 */
#include "ring_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Bound on skips and reloads in one call: past it the call returns -EAGAIN
 * (lossy readers lapped again and again by a faster producer), so that no
 * call spins on another process's progress. */
#define BCAST_RETRIES 64

#define START_MASK ((UINT64_C(1) << (64 - RING_BCAST_PID_BITS)) - 1)

/*
 * State and start time of process pid, from /proc/<pid>/stat (fields 3 and
 * 22). Returns 0 and fills them, -ESRCH if there is no such process, or
 * another -errno if it cannot tell.
 */
static int proc_stat(pid_t pid, char *state, uint64_t *start)
{
	char path[48], buf[1024];
	const char *p;
	unsigned long long st = 0;
	ssize_t len;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return len == 0 ? -ESRCH : -errno;
	buf[len] = '\0';
	/* The command name (field 2) may hold spaces and parentheses: the
	 * fields that follow start after its last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ')
		return -EPROTO;
	p += 2;
	*state = *p;
	for (field = 3; field < 22 && *p != '\0'; p++)
		if (*p == ' ')
			field++;
	if (field != 22 || sscanf(p, "%llu", &st) != 1)
		return -EPROTO;
	*start = (uint64_t)st & START_MASK;
	return 0;
}

/* This process's identity word (RING_BCAST_IDENT); start 0 if /proc cannot
 * tell it, and then a reused pid cannot be told from the owner. */
static uint64_t self_ident(void)
{
	/* Cached per process (a forked child has another pid, so it reads
	 * its own); racing threads compute the same value. */
	static _Atomic uint64_t cached;
	pid_t pid = getpid();
	uint64_t id = atomic_load_explicit(&cached, memory_order_relaxed), start = 0;
	char state;

	if (id != 0 && RING_BCAST_IDENT_PID(id) == (uint64_t)pid)
		return id;
	if (proc_stat(pid, &state, &start) < 0)
		start = 0;
	id = RING_BCAST_IDENT((uint64_t)pid, start);
	atomic_store_explicit(&cached, id, memory_order_relaxed);
	return id;
}

/* 1 if the owner named by ident is verified dead, 0 if alive or unknown. */
static int ident_dead(uint64_t ident)
{
	uint64_t pid = RING_BCAST_IDENT_PID(ident), start = ident >> RING_BCAST_PID_BITS;
	uint64_t now_start;
	char state;
	int rc;

	if (pid == 0)
		return 1; /* not a process: a corrupt word */
	rc = proc_stat((pid_t)pid, &state, &now_start);
	if (rc == -ESRCH)
		return 1;
	if (rc < 0)
		return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
	if (state == 'Z' || state == 'X')
		return 1; /* exited, not reaped yet */
	return start != 0 && now_start != start;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int check_bcast(const struct ring *r)
{
	if (r == NULL || r->shm == NULL)
		return -EINVAL;
	return r->kind == RING_KIND_BCAST ? 0 : -EPROTOTYPE;
}

/* ---- Roles ---------------------------------------------------------------- */

/* The bit of the scan hint (cons.head, see ring_layout.h) for entry i: the
 * smallest power of two above i. */
static uint64_t hint_bit(uint32_t i)
{
	uint64_t b = 1;

	while (b <= i)
		b <<= 1;
	return b;
}

/* One past the last entry the scan must look at: the highest bit of the
 * hint, within the table. A hint written by someone else can only make the
 * scan longer (up to the table) or make the producer overlook consumers,
 * who then miss elements: reported as such, never torn. */
static uint32_t scan_end(const struct ring *r)
{
	uint64_t h = ring_pvt_load(&r->shm->cons.head, relaxed);
	uint64_t end = 1;

	while (h > 1 && end < r->max_parts) {
		h >>= 1;
		end <<= 1;
	}
	return end < r->max_parts ? (uint32_t)end : r->max_parts;
}

/* The producer line as broadcast rings lay it out (ring_layout.h). */
static struct ring_bcast_prod_line *prod_line(const struct ring *r)
{
	return (struct ring_bcast_prod_line *)(void *)&r->shm->prod;
}

int ring_bcast_producer(struct ring *r)
{
	uint64_t me, cur = 0;
	unsigned tries;
	int rc = check_bcast(r);

	if (rc < 0)
		return rc;
	if (r->bc.role != RING_PVT_BCAST_NONE)
		return -EINVAL;
	me = self_ident();
	for (tries = 0;; tries++) {
		if (ring_pvt_cas(&prod_line(r)->owner, &cur, me, seq_cst, seq_cst))
			break;
		/* Held: by this process (another handle), by a live process,
		 * or by a dead one, whose role is taken over. A word that
		 * keeps changing under us is someone else's doing: bounded. */
		if (cur != 0 && (RING_BCAST_IDENT_PID(cur) == RING_BCAST_IDENT_PID(me) ||
				 !ident_dead(cur)))
			return -EADDRINUSE;
		if (tries == BCAST_RETRIES)
			return -EADDRINUSE;
	}
	r->bc.role = RING_PVT_BCAST_PRODUCER;
	r->bc.owner = (int32_t)getpid();
	/* Continue after what was published; a predecessor that died while
	 * writing position tail left that slot BUSY, and it is written again.
	 * A closed tail makes every push -EPIPE (the slow path reads it). */
	r->bc.ppos = ring_pvt_load(&r->shm->prod.tail, acquire) & ~RING_CLOSED_BIT;
	r->prod_cache = r->bc.ppos; /* the first push computes the limit */
	r->bc.check_ns = 0;
	return 0;
}

int ring_bcast_join(struct ring *r)
{
	struct ring_part *e = NULL;
	uint64_t me, t;
	uint32_t i, pass;
	int rc = check_bcast(r);

	if (rc < 0)
		return rc;
	if (r->bc.role != RING_PVT_BCAST_NONE)
		return -EINVAL;
	if (!(r->flags & RING_F_BCAST_LOSSY)) {
		me = self_ident();
		if (r->part != NULL) {
			/* The handle's own participant entry (src/ring_live.c):
			 * nobody else writes its op[0] while we hold it. */
			uint64_t cur = ring_pvt_load(&r->part->op[0], relaxed);

			if (ring_pvt_cas(&r->part->op[0], &cur, me, seq_cst, relaxed))
				e = r->part;
		}
		/* Else a free entry; failing that, one whose owner is dead. */
		for (pass = 0; pass < 2 && e == NULL && r->part == NULL; pass++) {
			for (i = 0; i < r->max_parts; i++) {
				struct ring_part *c = &r->parts[i];
				uint64_t cur = ring_pvt_load(&c->op[0], relaxed);

				if (pass == 0 ? cur != 0 : (cur == 0 || !ident_dead(cur)))
					continue;
				if (ring_pvt_cas(&c->op[0], &cur, me, seq_cst, relaxed)) {
					e = c;
					break;
				}
			}
		}
		if (e == NULL)
			return -EUSERS;
		/* Tell the producer's scan to reach this entry: the bit of
		 * the power of two above i (an OR, so that no raise by a
		 * concurrent joiner is lost). Before F3, like the cursor. */
		ring_pvt_fetch_or(&r->shm->cons.head, hint_bit((uint32_t)(e - r->parts)), seq_cst);
		ring_pvt_store(&e->cursor, RING_BCAST_JOINING, seq_cst);
		ring_pvt_fence(seq_cst); /* F3: pairs with F4 in scan() */
	}
	/* A0 (as a pop's). */
	t = ring_pvt_load(&r->shm->prod.tail, acquire) & ~RING_CLOSED_BIT;
	if (e != NULL)
		ring_pvt_store(&e->cursor, t, release); /* R3 */
	r->bc.entry = e;
	r->bc.cpos = t;
	r->cons_cache = t;
	r->bc.missed = 0;
	r->bc.pending = 0;
	r->bc.role = RING_PVT_BCAST_CONSUMER;
	r->bc.owner = (int32_t)getpid();
	return 0;
}

int ring_bcast_leave(struct ring *r)
{
	uint32_t role;

	if (r == NULL || r->shm == NULL)
		return -EINVAL;
	role = r->bc.role;
	if (role != RING_PVT_BCAST_NONE && r->bc.owner == (int32_t)getpid()) {
		RING_ATOMIC(uint64_t) *w = role == RING_PVT_BCAST_PRODUCER ? &prod_line(r)->owner
						: r->bc.entry != NULL   ? &r->bc.entry->op[0]
									: NULL;
		uint64_t cur = w != NULL ? ring_pvt_load(w, relaxed) : 0;

		/* Only if still ours: after a (wrong) death verdict another
		 * process may hold it now. */
		if (w != NULL && RING_BCAST_IDENT_PID(cur) == (uint64_t)r->bc.owner)
			ring_pvt_cas(w, &cur, 0, release, relaxed);
		/* A producer held back by this consumer may be asleep. */
		if (role == RING_PVT_BCAST_CONSUMER && (r->flags & RING_F_BLOCKING))
			ring_pvt_after_pop(r);
	}
	memset(&r->bc, 0, sizeof(r->bc));
	r->prod_cache = 0;
	r->cons_cache = 0;
	return 0;
}

void ring_pvt_bcast_detach(struct ring *r)
{
	if (r->kind == RING_KIND_BCAST)
		ring_bcast_leave(r);
}

/* ---- Producer ------------------------------------------------------------- */

/*
 * Compute the producer's limit from the cursors of the joined consumers:
 * the lowest cursor + n, or p + n if none holds it back. Cursors are the
 * consumers' words: one that is ahead of p, or more than n behind it,
 * cannot be an honest reader's and is ignored (it does not hold the
 * producer); one exactly at p - n holds it, however long that lasts.
 * With `reap`, the owners of the entries holding the producer are checked
 * for death, and the entries of dead ones freed.
 */
static uint64_t scan(struct ring *r, uint64_t p, int reap)
{
	uint64_t lim = p + r->n;
	uint32_t i, end;

	r->bc.hold = 0;
	ring_pvt_fence(seq_cst); /* F4: pairs with F3 in ring_bcast_join() */
	end = scan_end(r); /* after F4, like the cursors */
	for (i = 0; i < end; i++) {
		struct ring_part *e = &r->parts[i];
		uint64_t id = ring_pvt_load(&e->op[0], acquire);
		uint64_t c, d;

		if (id == 0)
			continue;
		c = ring_pvt_load(&e->cursor, acquire); /* A3: pairs with R3 */
		if (c == RING_BCAST_JOINING)
			c = p;
		d = p - c;
		if (d > r->n)
			continue; /* ahead of p (d wrapped) or too far behind */
		if (c + r->n > lim)
			continue;
		if (reap && c + r->n <= p && ident_dead(id)) {
			/* Holding us and verified dead: free its entry, unless
			 * it changed hands meanwhile. */
			ring_pvt_cas(&e->op[0], &id, 0, relaxed, relaxed);
			continue;
		}
		lim = c + r->n;
		r->bc.hold = i + 1;
	}
	return lim;
}

/*
 * Full at p at the last scan, held by entry r->bc.hold: 1 if that entry is
 * still held with its cursor where it was, so that a producer retrying a
 * push on a full ring costs two loads, not a scan of the table. Only a
 * shortcut: any change sends the caller to a full scan.
 */
static int still_held(struct ring *r, uint64_t p)
{
	struct ring_part *e;

	if (r->bc.hold == 0 || r->bc.hold > r->max_parts || r->prod_cache != p)
		return 0;
	e = &r->parts[r->bc.hold - 1];
	if (ring_pvt_load(&e->op[0], relaxed) == 0)
		return 0;
	/* Acquire as in scan() (A3), though nothing is overwritten on this
	 * answer. */
	return ring_pvt_load(&e->cursor, acquire) + r->n == p;
}

/* Room for up to want elements at the producer's position: the count, or
 * -EAGAIN (full), -EPIPE, -EINVAL. Fixes a tail someone else wrote. */
static ssize_t room(struct ring *r, size_t want)
{
	uint64_t p, tw, lim, now;

	if (r == NULL || r->shm == NULL || r->bc.role != RING_PVT_BCAST_PRODUCER)
		return -EINVAL;
	p = r->bc.ppos;
	tw = ring_pvt_load(&r->shm->prod.tail, relaxed);
	if (tw & RING_CLOSED_BIT)
		return -EPIPE;
	if (tw != p)
		/* Not written by this producer: put back what it published
		 * (every position below p is DONE). */
		ring_pvt_store(&r->shm->prod.tail, p, release);
	if (r->flags & RING_F_BCAST_LOSSY) {
		lim = p + r->n;
	} else {
		lim = still_held(r, p) ? p : scan(r, p, 0);
		if (lim == p) {
			/* Full: someone holds us. Look for the dead among them,
			 * at most every RING_BCAST_CHECK_MS. */
			now = now_ns();
			if (now - r->bc.check_ns >= (uint64_t)RING_BCAST_CHECK_MS * 1000000u) {
				r->bc.check_ns = now;
				lim = scan(r, p, 1);
			}
		}
	}
	r->prod_cache = lim;
	if (lim == p)
		return -EAGAIN;
	return (ssize_t)(lim - p < want ? lim - p : want);
}

int ring_pvt_bcast_push_slow(struct ring *r, const void *elem)
{
	ssize_t k = ring_bcast_push_burst(r, elem, 1);

	return k < 0 ? (int)k : 0;
}

ssize_t ring_bcast_push_burst(struct ring *r, const void *src, size_t n)
{
	const unsigned char *b = (const unsigned char *)src;
	ssize_t k;
	uint64_t p, i;

	if (n == 0 || src == NULL)
		return -EINVAL;
	k = room(r, n);
	if (k < 0)
		return k;
	p = r->bc.ppos;
	for (i = 0; i < (uint64_t)k; i++)
		ring_pvt_bcast_write(r, p + i, b + i * r->esz);
	ring_pvt_store(&r->shm->prod.tail, p + (uint64_t)k, release); /* R2 */
	r->bc.ppos = p + (uint64_t)k;
	if (r->flags & RING_F_BLOCKING)
		ring_pvt_after_push(r);
	return k;
}

/* ---- Consumers ------------------------------------------------------------ */

/*
 * Read up to cnt elements at the consumer's position, skipping (and
 * counting) what was overwritten. Returns the count read, -EAGAIN, -EPIPE,
 * -EUCLEAN, -EINVAL; *missed as ring_bcast_pop's.
 */
static ssize_t bcast_read(struct ring *r, unsigned char *dst, size_t cnt, uint64_t *missed)
{
	unsigned tries;

	if (r == NULL || r->shm == NULL || r->bc.role != RING_PVT_BCAST_CONSUMER)
		return -EINVAL;
	for (tries = 0; tries < BCAST_RETRIES; tries++) {
		uint64_t c = r->bc.cpos;
		/* A0: pairs with R2: positions below t are published. */
		uint64_t tw = ring_pvt_load(&r->shm->prod.tail, acquire);
		uint64_t t = tw & ~RING_CLOSED_BIT, avail = t - c, take, got = 0;

		if (avail == 0) {
			r->cons_cache = t; /* == cpos: the next pop comes here */
			return (tw & RING_CLOSED_BIT) ? -EPIPE : -EAGAIN;
		}
		if ((int64_t)avail < 0) {
			/* The tail went backwards: not the producer's doing.
			 * Say so, and continue from that tail, so that a tail
			 * written once by someone else does not stop this
			 * reader for good. */
			r->bc.cpos = t;
			r->cons_cache = t;
			r->bc.pending = 0; /* losses counted against a false tail */
			if (!(r->flags & RING_F_BCAST_LOSSY))
				ring_pvt_store(&r->bc.entry->cursor, t, release);
			return -EUCLEAN;
		}
		r->cons_cache = t;
		if (avail > r->n) {
			/* Lapped: positions below t - n are overwritten; t - n
			 * itself may be being overwritten, which its check
			 * will tell. */
			r->bc.missed += avail - r->n;
			r->bc.pending += avail - r->n;
			c = t - r->n;
			avail = r->n;
		}
		take = avail < cnt ? avail : cnt;
		while (got < take && ring_pvt_bcast_read(r, c + got, dst + got * r->esz))
			got++;
		if (got == 0) {
			/* Position c is gone (overwritten while we looked, or a
			 * slot word that is not the producer's): skip it. */
			r->bc.missed++;
			r->bc.pending++;
			got = 0;
			c++;
		}
		r->bc.cpos = c + got;
		if (!(r->flags & RING_F_BCAST_LOSSY)) {
			ring_pvt_store(&r->bc.entry->cursor, c + got, release); /* R3 */
			if (r->flags & RING_F_BLOCKING)
				ring_pvt_after_pop(r);
		}
		if (got > 0) {
			if (missed != NULL)
				*missed = r->bc.pending;
			r->bc.pending = 0;
			return (ssize_t)got;
		}
	}
	/* Lapped again and again: give up for now. The losses counted so
	 * far are reported with the next element delivered, which must
	 * therefore come through this path: the fast path reports none. */
	r->cons_cache = r->bc.cpos;
	return -EAGAIN;
}

int ring_pvt_bcast_pop_slow(struct ring *r, void *elem, uint64_t *missed)
{
	ssize_t rc;

	if (elem == NULL)
		return -EINVAL;
	rc = bcast_read(r, (unsigned char *)elem, 1, missed);
	return rc < 0 ? (int)rc : 0;
}

ssize_t ring_bcast_pop_burst(struct ring *r, void *dst, size_t n, uint64_t *missed)
{
	if (n == 0 || dst == NULL)
		return -EINVAL;
	return bcast_read(r, (unsigned char *)dst, n, missed);
}

uint64_t ring_bcast_missed(const struct ring *r)
{
	return r == NULL ? 0 : r->bc.missed;
}

int ring_bcast_consumers(const struct ring *r)
{
	uint32_t i;
	int n = 0, rc = check_bcast(r);

	if (rc < 0)
		return rc;
	for (i = 0; i < r->max_parts; i++)
		n += ring_pvt_load(&r->parts[i].op[0], relaxed) != 0;
	return n;
}

/* ---- Blocking ------------------------------------------------------------- */

struct bcast_op {
	int op; /* 0 push, 1 push burst, 2 pop, 3 pop burst */
	void *buf;
	size_t n;
	uint64_t *missed;
};

static ssize_t try_bcast(struct ring *r, void *ctx)
{
	const struct bcast_op *o = (const struct bcast_op *)ctx;

	switch (o->op) {
	case 0: return ring_bcast_push(r, o->buf);
	case 1: return ring_bcast_push_burst(r, o->buf, o->n);
	case 2: return ring_bcast_pop(r, o->buf, o->missed);
	default: return ring_bcast_pop_burst(r, o->buf, o->n, o->missed);
	}
}

static int passed(const struct timespec *d, const struct timespec *now)
{
	return now->tv_sec > d->tv_sec || (now->tv_sec == d->tv_sec && now->tv_nsec >= d->tv_nsec);
}

/*
 * ring_pvt_wait_until in slices of RING_BCAST_CHECK_MS: between slices a
 * producer's next try looks for dead consumers holding it (room() does it
 * when full, rate-limited), and a consumer checks that the producer role is
 * not held by a dead process, so that no wait outlives the process it is
 * waiting for.
 */
static ssize_t bcast_wait(struct ring *r, struct bcast_op *o, const struct timespec *deadline)
{
	int consumer = o->op >= 2;

	if (o->buf == NULL)
		return -EINVAL;
	if (deadline != NULL && (deadline->tv_nsec < 0 || deadline->tv_nsec >= 1000000000L))
		return -EINVAL;
	for (;;) {
		struct timespec now, slice;
		ssize_t rc;

		clock_gettime(CLOCK_MONOTONIC, &now);
		slice = now;
		slice.tv_nsec += RING_BCAST_CHECK_MS * 1000000L;
		if (slice.tv_nsec >= 1000000000L) {
			slice.tv_sec++;
			slice.tv_nsec -= 1000000000L;
		}
		if (deadline != NULL && passed(deadline, &slice))
			slice = *deadline;
		rc = ring_pvt_wait_until(r, consumer, try_bcast, o, &slice);
		if (rc != -ETIMEDOUT)
			return rc;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (deadline != NULL && passed(deadline, &now))
			return -ETIMEDOUT;
		if (consumer) {
			uint64_t id = ring_pvt_load(&prod_line(r)->owner, relaxed);

			if (id != 0 && ident_dead(id))
				return -ECONNRESET;
		}
	}
}

int ring_bcast_push_wait(struct ring *r, const void *elem, const struct timespec *deadline)
{
	struct bcast_op o = {0, (void *)(uintptr_t)elem, 1, NULL};

	return (int)bcast_wait(r, &o, deadline);
}

ssize_t ring_bcast_push_burst_wait(struct ring *r, const void *src, size_t n,
				   const struct timespec *deadline)
{
	struct bcast_op o = {1, (void *)(uintptr_t)src, n, NULL};

	if (n == 0)
		return -EINVAL;
	return bcast_wait(r, &o, deadline);
}

int ring_bcast_pop_wait(struct ring *r, void *elem, uint64_t *missed,
			const struct timespec *deadline)
{
	struct bcast_op o = {2, elem, 1, missed};

	return (int)bcast_wait(r, &o, deadline);
}

ssize_t ring_bcast_pop_burst_wait(struct ring *r, void *dst, size_t n, uint64_t *missed,
				  const struct timespec *deadline)
{
	struct bcast_op o = {3, dst, n, missed};

	if (n == 0)
		return -EINVAL;
	return bcast_wait(r, &o, deadline);
}

static int after(uint64_t ns, struct timespec *d)
{
	if (clock_gettime(CLOCK_MONOTONIC, d) < 0)
		return -errno;
	if (ns / 1000000000u > (uint64_t)INT32_MAX)
		ns = (uint64_t)INT32_MAX * 1000000000u;
	d->tv_sec += (time_t)(ns / 1000000000u);
	d->tv_nsec += (long)(ns % 1000000000u);
	if (d->tv_nsec >= 1000000000L) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000L;
	}
	return 0;
}

int ring_bcast_push_timeout(struct ring *r, const void *elem, uint64_t timeout_ns)
{
	struct timespec d;
	int rc = after(timeout_ns, &d);

	return rc < 0 ? rc : ring_bcast_push_wait(r, elem, &d);
}

int ring_bcast_pop_timeout(struct ring *r, void *elem, uint64_t *missed, uint64_t timeout_ns)
{
	struct timespec d;
	int rc = after(timeout_ns, &d);

	return rc < 0 ? rc : ring_bcast_pop_wait(r, elem, missed, &d);
}
