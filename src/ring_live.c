/* SPDX-License-Identifier: MIT */
/*
 * Liveness: participants, verified death, role exclusivity and takeover,
 * MPMC repair, and what a waiter learns when its peers are gone. One
 * mechanism for every ring family and every region type; no daemon, no
 * background thread: all of it runs inside ordinary calls.
 *
 * Participants. Every handle that attaches for pushing or popping takes an
 * entry of the ring's participant table (struct ring_part, ring_layout.h):
 * CAS free -> joining (the taker's pid and pid namespace in the state word
 * itself), then it writes its identity and CASes joining -> live with a new
 * generation. ring_close gives the entry back (CAS live -> free). A process
 * that dies without closing leaves its entry live; whoever needs the entry
 * (a joiner finding the table full, a new holder of an SPSC role) verifies
 * the death and reclaims it.
 *
 * Verified death, never a guess. An entry records the pid, the process's
 * start time (field 22 of /proc/PID/stat, clock ticks since boot) and the
 * inode of its pid namespace (/proc/self/ns/pid). Its process is dead when,
 * seen from a process of the same pid namespace whose /proc is its own:
 *   - no process has that pid (kill(pid, 0) fails with ESRCH), or
 *   - a process has that pid but another start time (the pid was reused), or
 *   - it is a zombie (state Z with one thread, or X).
 * Anything else is alive: a stopped (SIGSTOP), traced, descheduled or slow
 * process; a process of another user (EPERM from kill is "exists"); a
 * participant in another pid namespace (never judged); every participant when
 * this process's /proc does not show its own pid namespace (no judgement is
 * possible). An entry still joining is judged by its pid alone (no start time
 * yet): a reused pid makes it look alive, so such an entry is reclaimed only
 * once that pid is gone too.
 * Cost: one open/read/close of /proc/PID/stat per judged entry (a few µs);
 * it runs only on slow paths: attach, a role takeover, a repair (rate
 * limited, see ring_pvt_live_blocked) and each wait slice.
 * Limits: the same for every region type (named, memfd, anonymous across
 * fork, caller memory): only processes of one pid namespace judge each other;
 * a process that unmaps the ring without ring_close while it keeps running
 * still counts as alive. File locks (OFD locks on a byte per entry) would let
 * the kernel release the mark on death, but only rings with a descriptor have
 * them, and a lock taken through a descriptor inherited across fork stays held
 * by the child after the parent dies; the /proc identity works the same way
 * for every region and for fork, so it is the one mechanism used here.
 *
 * Fork. An entry belongs to the process that took it. A handle copied by
 * fork() notices at its next out-of-line call (the pid in its entry is not
 * its own) and takes an entry of its own with the same roles; until then its
 * inline pushes and pops act under its parent's entry. A child that inherits a
 * handle that was already used should call ring_join() first.
 */
#include "ring_internal.h"

#include <shmring/ring_live.h>
#include <shmring/ring_msg.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* pids are at most PID_MAX_LIMIT (2^22) on Linux; anything else in an entry
 * is garbage and judged alive (never acted on). */
#define LIVE_PID_MAX (1 << 22)
#define MASK56 ((UINT64_C(1) << 56) - 1)

/* ---- This process's identity --------------------------------------------- */

struct self_id {
	pid_t pid;
	uint64_t start;
	uint64_t ns;
	int proc_ok; /* /proc shows this process's own pid namespace */
};

/* Recomputed whenever getpid() changes (after fork). Several threads may
 * compute it at once; each stores the same values, and the pid word is
 * stored last (release) and read first (acquire). */
static RING_ATOMIC(uint64_t) self_pid_w, self_start_w, self_ns_w, self_ok_w;

/* Parse /proc/<pid>/stat: state (field 3) and start time (field 22).
 * 0, -ENOENT (no such process), or another -errno. */
static int read_stat(pid_t pid, char *state, uint64_t *start)
{
	char path[48], buf[1024];
	const char *p;
	ssize_t len;
	int fd, field;

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/stat");
	else
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ESRCH ? -ENOENT : -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return len == 0 ? -ENOENT : -errno;
	buf[len] = '\0';
	/* The command name (field 2) may hold spaces and ')': fields 3.. start
	 * after the last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ')
		return -EPROTO;
	p += 2;
	*state = *p;
	for (field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (p == NULL)
			return -EPROTO;
		p++;
	}
	*start = strtoull(p, NULL, 10);
	return 0;
}

/* Threads of a process (from /proc/<pid>/status), or 0 if unknown. */
static long thread_count(pid_t pid)
{
	char path[48], buf[4096];
	const char *p;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	p = strstr(buf, "\nThreads:");
	return p ? strtol(p + 9, NULL, 10) : 0;
}

static void self_compute(struct self_id *id)
{
	char state, link[32];
	struct stat st;
	ssize_t n;

	id->pid = getpid();
	id->start = 0;
	id->ns = 0;
	id->proc_ok = 0;
	if (stat("/proc/self/ns/pid", &st) == 0)
		id->ns = (uint64_t)st.st_ino;
	/* /proc must be the one of our pid namespace: /proc/self names our
	 * own pid there. */
	n = readlink("/proc/self", link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		if (strtol(link, NULL, 10) == (long)id->pid && read_stat(0, &state, &id->start) == 0)
			id->proc_ok = id->ns != 0;
	}
}

static void self_get(struct self_id *id)
{
	pid_t now = getpid();

	if ((pid_t)ring_pvt_load(&self_pid_w, acquire) == now) {
		id->pid = now;
		id->start = ring_pvt_load(&self_start_w, relaxed);
		id->ns = ring_pvt_load(&self_ns_w, relaxed);
		id->proc_ok = (int)ring_pvt_load(&self_ok_w, relaxed);
		return;
	}
	self_compute(id);
	ring_pvt_store(&self_start_w, id->start, relaxed);
	ring_pvt_store(&self_ns_w, id->ns, relaxed);
	ring_pvt_store(&self_ok_w, (uint64_t)id->proc_ok, relaxed);
	ring_pvt_store(&self_pid_w, (uint64_t)id->pid, release);
}

/* 1 if the process (pid, start time; start 0: unknown) is verified dead. */
static int pid_dead(const struct self_id *me, uint64_t pid, uint64_t start)
{
	char state;
	uint64_t now_start;
	int rc;

	if (!me->proc_ok || pid == 0 || pid > LIVE_PID_MAX)
		return 0;
	if ((pid_t)pid == me->pid)
		return start != 0 && start != me->start; /* an earlier holder of our pid */
	rc = read_stat((pid_t)pid, &state, &now_start);
	if (rc == -ENOENT)
		return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
	if (rc < 0)
		return 0;
	if (start != 0 && now_start != start)
		return 1;
	if (state == 'X')
		return 1;
	/* A zombie leader whose other threads still run is alive. */
	return state == 'Z' && thread_count((pid_t)pid) <= 1;
}

enum { V_FREE, V_ALIVE, V_DEAD };

/* Judge entry e. *st gets the state word the verdict is about: a caller
 * acting on a dead entry does so by CAS from that value. A word that changed
 * while the identity was read, or that makes no sense, is "alive". */
static int verdict(const struct self_id *me, struct ring_part *e, uint64_t *st)
{
	uint64_t s = ring_pvt_load(&e->state, acquire), s2, pid, start, ns;

	*st = s;
	switch (RING_PART_STATUS(s)) {
	case 0:
		return V_FREE;
	case 1: /* joining: pid and namespace are in the word itself */
		if (((s >> 4) & 0xfffffffu) != (me->ns & 0xfffffffu))
			return V_ALIVE;
		return pid_dead(me, s >> 32, 0) ? V_DEAD : V_ALIVE;
	case 2:
		/* A1L: pairs with R1L in take_entry(): a live state word is
		 * stored after the identity. */
		pid = ring_pvt_load((RING_ATOMIC(uint64_t) *)&e->ident[RING_ID_PID], relaxed);
		start = ring_pvt_load((RING_ATOMIC(uint64_t) *)&e->ident[RING_ID_START], relaxed);
		ns = ring_pvt_load((RING_ATOMIC(uint64_t) *)&e->ident[RING_ID_PIDNS], relaxed);
		ring_pvt_fence(acquire);
		s2 = ring_pvt_load(&e->state, relaxed);
		if (s2 != s || ns != me->ns)
			return V_ALIVE;
		return pid_dead(me, pid, start) ? V_DEAD : V_ALIVE;
	default:
		return V_ALIVE;
	}
}

/* ---- Small helpers -------------------------------------------------------- */

static RING_ATOMIC(uint64_t) *state_word(const struct ring *r, int i)
{
	return &r->shm->state.words[i];
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void ident_store(struct ring_part *e, int i, uint64_t v)
{
	ring_pvt_store((RING_ATOMIC(uint64_t) *)&e->ident[i], v, relaxed);
}

static uint64_t ident_load(const struct ring_part *e, int i)
{
	return ring_pvt_load((RING_ATOMIC(uint64_t) *)(uintptr_t)&e->ident[i], relaxed);
}

int ring_pvt_live_replaced(const struct ring *r)
{
	return ring_pvt_load(state_word(r, RING_STATE_LIFE), acquire) == RING_LIFE_REPLACED;
}

/* 1 if this handle's entry is its own (not a copy inherited across fork). */
static int entry_mine(const struct ring *r, const struct self_id *me)
{
	uint64_t s;

	if (r->part == NULL)
		return 0;
	s = ring_pvt_load(&r->part->state, acquire);
	return RING_PART_STATUS(s) == 2 && RING_PART_GEN(s) == r->part_gen &&
	       ident_load(r->part, RING_ID_PID) == (uint64_t)me->pid &&
	       ident_load(r->part, RING_ID_START) == me->start;
}

/* ---- MPMC claims: intents ------------------------------------------------- */

struct claim {
	uint64_t pos; /* low 56 bits of the first position */
	uint64_t cnt;
	unsigned side;
};

/* The claim recorded in e, or 0 if none. */
static int intent_of(const struct ring *r, struct ring_part *e, struct claim *c)
{
	/* A2L: pairs with I1 (release) in ring_mpmc_pvt.h. */
	uint64_t it = ring_pvt_load(&e->intent, acquire);
	uint64_t cnt = it & 127u;

	if (it == 0 || cnt == 0)
		return 0;
	if (cnt == RING_INTENT_BIG) {
		/* Stored before intent: at least as new as the intent read. */
		cnt = ring_pvt_load(&e->intent_cnt, acquire);
		if (cnt > r->n)
			cnt = r->n; /* a claim never exceeds n positions */
	}
	c->pos = it >> 8;
	c->cnt = cnt;
	c->side = (unsigned)(it >> 7) & 1u;
	return 1;
}

static int claim_covers(const struct claim *c, uint64_t q)
{
	return ((q - c->pos) & MASK56) < c->cnt;
}

/*
 * Unresolved slots of a dead claim: a producer's claimed position still
 * FREE(q) below tail, or a consumer's still FULL(q)/SKIP(q) below head.
 * Returns 1 if any remains. Bounded by the claim (at most n positions).
 *
 * The positions of a claim are resolved in order (ring_pvt_mpmc_move), and
 * the first ones may be a lap or more behind the index while a later one is
 * not: a producer that claimed [q0, q0 + k) and died after publishing
 * q0 .. q0 + j - 1 leaves FREE(q0 + j), consumers take the published ones,
 * producers reuse their slots, and tail reaches q0 + j + n (a full ring,
 * stuck at q0 + j). The same holds for a consumer's claim and head. So a
 * position more than a lap behind is skipped, not the end of the scan:
 * stopping there would call the claim resolved, reclaim() would free the
 * entry, and with it the only record that lets repair_pass() step over (or
 * release) the slot: every consumer (or producer) would then stay blocked
 * at that position for ever.
 */
static int claim_unresolved(const struct ring *r, const struct claim *c)
{
	struct ring_shared *s = r->shm;
	uint64_t ref, q0, i;

	if (c->side == 0)
		ref = ring_pvt_load(&s->prod.tail, acquire) & ~RING_CLOSED_BIT;
	else
		ref = ring_pvt_load(&s->cons.head, acquire);
	/* The full position of the claim: the latest one <= ref with those
	 * low bits (a claim starts at or below the index it moved). */
	q0 = ref - ((ref - c->pos) & MASK56);
	for (i = 0; i < c->cnt; i++) {
		uint64_t q = q0 + i, seq;

		if (q == ref)
			break; /* at the index: this and the rest were never claimed */
		if (ref - q > r->n)
			continue; /* more than a lap behind: resolved and reused */
		seq = ring_pvt_load(&ring_pvt_mpmc_slot(r, q)->seq, acquire);
		if (c->side == 0 ? seq == RING_MPMC_FREE(q)
				 : seq == RING_MPMC_FULL(q) || seq == RING_MPMC_SKIP(q))
			return 1;
	}
	return 0;
}

/* ---- Repair ---------------------------------------------------------------- */

/* Positions examined per repair pass. */
#define REPAIR_WINDOW 64u

/*
 * One bounded repair pass. side 0: slots that dead producers claimed and
 * never published (positions in [head, tail) still FREE(q)) become
 * RING_MPMC_SKIP(q); consumers step over them. side 1: slots that dead
 * consumers claimed and never released (positions below head still FULL(q)
 * or SKIP(q), from tail - n on) become FREE(q + n): room for producers, and
 * the element in such a slot is lost (it was the dead consumer's).
 *
 * Ordering argument (side 0; side 1 is the same with head and R6):
 *  - A3L: tail is read with acquire. Every claim CAS on tail is a release
 *    (R5) and an RMW, so reading tail = T synchronises with every claim of a
 *    position below T: the claimant's I1 store of its intent, sequenced
 *    before its CAS, is visible to the scan below (or a later intent of the
 *    same claimant).
 *  - For a candidate q (slot read FREE(q), q < T) exactly one participant
 *    claimed q, and its entry shows either the intent covering q or a later
 *    one. A later one was stored (I1, release) after it published q (R3), so
 *    reading it makes R3 happen before this pass, and the CAS below, an RMW
 *    that reads the latest value, then fails: a published slot is never
 *    skipped.
 *  - The slot is changed only if an entry verified dead covers q and no
 *    entry that is not verified dead (alive, unknown, changing) covers q.
 *    Intents of lost CAS races can cover positions their writer does not own;
 *    such an intent only delays a repair (it is withdrawn when its call ends,
 *    ring_pvt_mpmc_unclaim), never causes one: the true claimant of q is
 *    among the entries, and if it is alive it covers q.
 *  - A dead process writes nothing more, so the CAS FREE(q) -> SKIP(q) (or
 *    FULL/SKIP(q) -> FREE(q + n)) cannot race with its claimant; concurrent
 *    repairers race on the same CAS and one wins. R7: the CAS is a release,
 *    so that a consumer (A4) or producer (A3) that acquires the new word
 *    sees the slot as the repairer left it.
 * An entry is reclaimed only after its claim is resolved (take_entry), so a
 * dead claimant's intent is never lost while its slots need it.
 */
/* The claim words of a many-producer message ring's entry: 1 and (pos, cnt)
 * if it holds a claim (cnt != 0). The producer stores intent, then
 * intent_cnt, before its claim CAS, and intent_cnt = 0 after its commit. */
static int msg_claim_of(struct ring_part *e, uint64_t *pos, uint64_t *cnt)
{
	*cnt = ring_pvt_load(&e->intent_cnt, acquire);
	*pos = ring_pvt_load(&e->intent, acquire);
	return *cnt != 0;
}

/* 1 if some entry's claim starts at q (a claimant that may not have
 * written its record's first word yet). */
static int msg_claim_starts(struct ring *r, uint64_t q)
{
	uint32_t i;

	for (i = 0; i < r->max_parts; i++) {
		uint64_t pos, cnt;

		if (RING_PART_STATUS(ring_pvt_load(&r->parts[i].state, relaxed)) == 2 &&
		    msg_claim_of(&r->parts[i], &pos, &cnt) && pos == q)
			return 1;
	}
	return 0;
}

/*
 * 1 if a record starts at q: q is the tail, or a claim starts there, or its
 * first word is one producers store there. In this order: a tail read past
 * q (acquire) synchronises with the CAS that claimed q, after its
 * claimant's claim words (release stores); the claimant clears them (release)
 * only after its commit word, so a scan that no longer finds the claim then
 * finds that word (acquire).
 */
static int msg_record_at(struct ring *r, uint64_t q)
{
	int vt = ring_pvt_msg_vs_tail(r, q);

	if (vt != 0)
		return vt > 0;
	return msg_claim_starts(r, q) || ring_pvt_msg_marked(r, q);
}

/* Dead claims at one position judged per pass: more is a hostile table. */
#define MSG_REPAIR_CAND 8

/*
 * Many-producer message rings: the record at the consumer's head h stays
 * uncommitted. Its claimant recorded (pos, cnt) with pos = h, or pos + its
 * padding = h, before its claim CAS, and clears cnt only after its commit,
 * so it is among the entries whose claim starts there (ring_pvt_msg_claim_at).
 * So are, for a moment, producers that lost the CAS at the same tail (their
 * cnt may differ). The record is repaired (made padding and a skipped
 * record, ring_pvt_msg_repair) only when every such entry is verified dead:
 * a live one may be the claimant, still writing. Among dead ones, the true
 * claim ends where the next record starts (msg_record_at); a lost claim's
 * end falls inside the true record's unwritten bytes and passes that test
 * only by chance, and of several that pass the shortest is taken: it never
 * covers a committed record. Only the consumer repairs (it owns the head:
 * nothing it changes can have been consumed and reused meanwhile); the
 * consumer then sees a skipped record where the dead producer's message was.
 * Ordering: the consumer read a tail past h (A_M1, acquire), which
 * synchronises with the claim CAS, itself after the claimant's claim words
 * (release); a dead process writes nothing more. Work: one scan of the
 * table, then at most MSG_REPAIR_CAND scans for the ends.
 */
static unsigned msg_repair_pass(struct ring *r, const struct self_id *me)
{
	uint64_t h, pos[MSG_REPAIR_CAND], cnt[MSG_REPAIR_CAND], best_pos = 0, best_cnt = 0;
	uint32_t i, nc = 0;
	int found = 0, rc;

	if (!(r->flags & RING_F_MSG_MP) || !(r->roles & RING_ROLE_CONSUMER))
		return 0;
	h = ring_pvt_load(&r->shm->cons.head, relaxed); /* this handle's own word */
	for (i = 0; i < r->max_parts; i++) {
		struct ring_part *e = &r->parts[i];
		uint64_t st, p, c;

		if (RING_PART_STATUS(ring_pvt_load(&e->state, relaxed)) != 2 ||
		    !msg_claim_of(e, &p, &c) || !ring_pvt_msg_claim_at(r, p, c, h))
			continue;
		if (nc == MSG_REPAIR_CAND || verdict(me, e, &st) != V_DEAD)
			return 0; /* maybe the claimant, alive: wait for it */
		pos[nc] = p;
		cnt[nc++] = c;
	}
	for (i = 0; i < nc; i++) {
		if ((found && cnt[i] >= best_cnt) || !msg_record_at(r, pos[i] + cnt[i]))
			continue;
		best_pos = pos[i];
		best_cnt = cnt[i];
		found = 1;
	}
	if (!found)
		return 0;
	rc = ring_pvt_msg_repair(r, best_pos, best_cnt);
	if (rc <= 0)
		return 0;
	ring_pvt_fetch_add(state_word(r, RING_STATE_REPAIRS), (uint64_t)rc, relaxed);
	ring_pvt_fetch_add(&r->shm->pstat.words[RING_STAT_REPAIRS], (uint64_t)rc, relaxed);
	return (unsigned)rc;
}

static unsigned repair_pass(struct ring *r, const struct self_id *me, int side)
{
	struct ring_shared *s = r->shm;
	uint64_t t, h, base, span, cand = 0, dead = 0, alive = 0, q;
	unsigned i, done = 0;

	if (r->kind == RING_KIND_MSG)
		return side == 0 ? msg_repair_pass(r, me) : 0;
	if (r->kind != RING_KIND_MPMC)
		return 0;
	/* A3L */
	t = ring_pvt_load(&s->prod.tail, acquire) & ~RING_CLOSED_BIT;
	h = ring_pvt_load(&s->cons.head, acquire);
	if (t - h > r->n)
		return 0; /* inconsistent (hostile) indices: nothing to judge by */
	if (side == 0) {
		base = h;
		span = t - h;
	} else {
		if (t < r->n)
			return 0; /* first lap: no slot was ever consumed */
		base = t - r->n;
		span = h - base;
	}
	if (span > REPAIR_WINDOW)
		span = REPAIR_WINDOW;
	for (q = 0; q < span; q++) {
		uint64_t p = base + q;
		uint64_t seq = ring_pvt_load(&ring_pvt_mpmc_slot(r, p)->seq, acquire);

		if (side == 0 ? seq == RING_MPMC_FREE(p)
			      : seq == RING_MPMC_FULL(p) || seq == RING_MPMC_SKIP(p))
			cand |= UINT64_C(1) << q;
	}
	if (cand == 0)
		return 0;
	for (i = 0; i < r->max_parts; i++) {
		struct ring_part *e = &r->parts[i];
		struct claim c;
		uint64_t cov = 0, st;
		int v;

		if (RING_PART_STATUS(ring_pvt_load(&e->state, relaxed)) != 2 || !intent_of(r, e, &c) ||
		    c.side != (unsigned)side)
			continue;
		for (q = 0; q < span; q++)
			if ((cand >> q & 1u) && claim_covers(&c, base + q))
				cov |= UINT64_C(1) << q;
		if (cov == 0)
			continue;
		v = verdict(me, e, &st);
		if (v == V_DEAD)
			dead |= cov;
		else
			alive |= cov;
	}
	cand &= dead & ~alive;
	for (q = 0; q < span; q++) {
		uint64_t p = base + q;
		struct ring_mpmc_slot *sl = ring_pvt_mpmc_slot(r, p);
		uint64_t want;

		if (!(cand >> q & 1u))
			continue;
		if (side == 0) {
			want = RING_MPMC_FREE(p);
			/* R7 */
			if (ring_pvt_cas(&sl->seq, &want, RING_MPMC_SKIP(p), release, relaxed))
				done++;
		} else {
			want = RING_MPMC_FULL(p);
			if (ring_pvt_cas(&sl->seq, &want, RING_MPMC_FREE(p + r->n), release, relaxed) ||
			    (want == RING_MPMC_SKIP(p) &&
			     ring_pvt_cas(&sl->seq, &want, RING_MPMC_FREE(p + r->n), release, relaxed)))
				done++;
		}
	}
	if (done) {
		ring_pvt_fetch_add(state_word(r, RING_STATE_REPAIRS), done, relaxed);
		/* The stat line of the side whose dead participant was repaired. */
		ring_pvt_fetch_add(&(side == 0 ? &s->pstat : &s->cstat)->words[RING_STAT_REPAIRS], done,
				   relaxed);
		if (r->flags & RING_F_BLOCKING) {
			/* Skipped slots are news for consumers, released ones room
			 * for producers: wake them as a push or pop would. */
			if (side == 0)
				ring_pvt_after_push(r);
			else
				ring_pvt_after_pop(r);
		}
	}
	return done;
}

/* Delay before a position that stays blocked is first repaired, and between
 * repairs of it: a live claimant normally finishes far sooner, and the
 * delay keeps /proc reads off the path of ordinary contention. */
#define REPAIR_DELAY_NS 1000000u

int ring_pvt_live_blocked_due(struct ring *r, int consumer, uint64_t pos)
{
	uint64_t *sp = consumer ? &r->cons_stuck_pos : &r->prod_stuck_pos;
	uint64_t *due = consumer ? &r->cons_stuck_due : &r->prod_stuck_due;
	uint64_t now = mono_ns();

	if (*sp != pos || *due == 0) {
		*sp = pos;
		*due = now + REPAIR_DELAY_NS;
		return 0;
	}
	if (now < *due)
		return 0;
	*due = now + REPAIR_DELAY_NS;
	return 1;
}

void ring_pvt_live_blocked(struct ring *r, int consumer, uint64_t pos)
{
	struct self_id me;

	if (!ring_pvt_live_blocked_due(r, consumer, pos))
		return;
	self_get(&me);
	/* A consumer is blocked by producers' claims, a producer by
	 * consumers'. The next pass is due a delay after this one ends: a
	 * table that makes passes slow does not make them back to back. */
	repair_pass(r, &me, consumer ? 0 : 1);
	*(consumer ? &r->cons_stuck_due : &r->prod_stuck_due) = mono_ns() + REPAIR_DELAY_NS;
}

/* ---- Entries --------------------------------------------------------------- */

static int reclaim(struct ring *r, const struct self_id *me, struct ring_part *e, uint64_t st);

int ring_pvt_live_free_dead(struct ring *r, struct ring_part *e)
{
	struct self_id me;
	uint64_t st;

	self_get(&me);
	if (verdict(&me, e, &st) != V_DEAD)
		return 0;
	if (!reclaim(r, &me, e, st))
		return 0;
	/* A repair for a dead participant of the side whose role it held
	 * (RING_STAT_REPAIRS), besides the takeover reclaim() counted. */
	ring_pvt_fetch_add(&((RING_PART_ROLES(st) & RING_ROLE_CONSUMER) ? &r->shm->cstat
									  : &r->shm->pstat)
				    ->words[RING_STAT_REPAIRS],
			   1, relaxed);
	return 1;
}

/* Try to make a dead entry (state value st) free, resolving its claim
 * first. 1 if this call freed it. */
static int reclaim(struct ring *r, const struct self_id *me, struct ring_part *e, uint64_t st)
{
	struct claim c;

	if (RING_PART_STATUS(st) == 2 && r->kind == RING_KIND_MSG) {
		uint64_t pos, cnt;

		/* A message claim the consumer has not passed: keep the entry
		 * (its words tell the consumer what to repair). */
		if (msg_claim_of(e, &pos, &cnt) && ring_pvt_msg_claim_open(r, pos, cnt)) {
			msg_repair_pass(r, me);
			if (ring_pvt_msg_claim_open(r, pos, cnt))
				return 0;
		}
	} else if (RING_PART_STATUS(st) == 2 && r->kind == RING_KIND_MPMC && intent_of(r, e, &c) &&
		   claim_unresolved(r, &c)) {
		repair_pass(r, me, (int)c.side);
		if (claim_unresolved(r, &c))
			return 0; /* a live lost-race intent still covers it: later */
	}
	if (!ring_pvt_cas(&e->state, &st,
			  RING_PART_FREE(RING_PART_STATUS(st) == 2 ? RING_PART_GEN(st)
								   : (uint32_t)ring_pvt_random64()),
			  seq_cst, relaxed))
		return 0;
	ring_pvt_fetch_add(state_word(r, RING_STATE_TAKEOVERS), 1, relaxed);
	return 1;
}

/*
 * Take an entry for r (roles none yet). 0, -EUSERS (every entry held by a
 * participant not verified dead), -ESTALE (the ring was replaced), -EAGAIN
 * (the ring is being checked for replacement: retry shortly).
 */
static int take_entry(struct ring *r, const struct self_id *me)
{
	uint64_t joining = RING_PART_JOINING(me->pid, me->ns), want;
	uint32_t i, gen = 0, pass;
	struct ring_part *e = NULL;
	uint64_t life;
	struct timespec now;

	for (pass = 0; pass < 2 && e == NULL; pass++) {
		for (i = 0; i < r->max_parts; i++) {
			struct ring_part *c = &r->parts[i];
			uint64_t st = ring_pvt_load(&c->state, acquire);

			if (pass == 1 && RING_PART_STATUS(st) != 0) {
				/* Second pass: reclaim one verified dead. */
				if (verdict(me, c, &st) != V_DEAD || !reclaim(r, me, c, st))
					continue;
				st = ring_pvt_load(&c->state, acquire);
			}
			if (RING_PART_STATUS(st) != 0)
				continue;
			/* seq_cst: pairs with the replacer's check in
			 * ring_pvt_live_check_stale (one of the two sees the
			 * other). */
			if (ring_pvt_cas(&c->state, &st, joining, seq_cst, relaxed)) {
				e = c;
				gen = RING_PART_GEN(st) + 1;
				if (gen == 0)
					gen = 1;
				r->part_idx = i;
				break;
			}
		}
	}
	if (e == NULL)
		return -EUSERS;
	clock_gettime(CLOCK_REALTIME, &now);
	ident_store(e, RING_ID_PID, (uint64_t)me->pid);
	ident_store(e, RING_ID_START, me->start);
	ident_store(e, RING_ID_PIDNS, me->ns);
	ident_store(e, RING_ID_UID, (uint64_t)geteuid());
	ident_store(e, RING_ID_SINCE, (uint64_t)now.tv_sec);
	ident_store(e, 5, 0);
	ident_store(e, 6, 0);
	ring_pvt_store(&e->intent, 0, relaxed);
	ring_pvt_store(&e->intent_cnt, 0, relaxed);
	ring_pvt_store(&e->cursor, 0, relaxed);
	for (i = 0; i < 5; i++)
		ring_pvt_store(&e->op[i], 0, relaxed);
	/* R1L: the identity before the live state. Pairs with A1L. A CAS:
	 * nobody else writes a joining entry of a live process, but a hostile
	 * peer may have. */
	want = joining;
	if (!ring_pvt_cas(&e->state, &want, RING_PART_LIVE(gen, 0), seq_cst, relaxed))
		return -EUCLEAN;
	r->part = e;
	r->part_gen = gen;
	r->roles = 0;
	if (r->live & RING_PVT_LIVE_DECLARED) {
		/* A copy across fork keeps its handle's declaration. */
		want = RING_PART_LIVE(gen, 0);
		if (!ring_pvt_cas(&e->state, &want, want | RING_PART_DECLARED, seq_cst, relaxed))
			return -EUCLEAN;
	}
	life = ring_pvt_load(state_word(r, RING_STATE_LIFE), seq_cst);
	if (life != 0 && RING_LIFE_STATUS(life) == 1 &&
	    ((life >> 4) & 0xfffffffu) == (me->ns & 0xfffffffu) && pid_dead(me, life >> 32, 0)) {
		/* A creator died while checking this ring: undo its mark (by
		 * CAS: only that mark). Our entry is already visible, so a
		 * creator checking after this sees us. */
		if (ring_pvt_cas(state_word(r, RING_STATE_LIFE), &life, 0, seq_cst, relaxed))
			life = 0;
	}
	if (life != 0) {
		ring_pvt_live_leave(r);
		return life == RING_LIFE_REPLACED ? -ESTALE : -EAGAIN;
	}
	return 0;
}

/* Our entry's live state word for these roles. */
static uint64_t my_state(const struct ring *r, uint32_t roles)
{
	return RING_PART_LIVE(r->part_gen, roles) |
	       ((r->live & RING_PVT_LIVE_DECLARED) ? RING_PART_DECLARED : 0);
}

/* Set or clear role bits in our own live state word. */
static int set_roles(struct ring *r, uint32_t roles)
{
	uint64_t want = my_state(r, r->roles);

	if (!ring_pvt_cas(&r->part->state, &want, my_state(r, roles), seq_cst, relaxed))
		return -EUCLEAN; /* our entry was rewritten by someone else */
	r->roles = (uint16_t)roles;
	return 0;
}

/* SPSC: make this entry the holder of `role` in its owner word. inherit: the
 * owner word of the entry this handle was copied from across fork (0: none):
 * the child takes the role over from its parent, as the handle it inherited
 * held it. */
static int own_role(struct ring *r, const struct self_id *me, uint32_t role, uint64_t inherit)
{
	RING_ATOMIC(uint64_t) *w = state_word(r, role == RING_ROLE_PRODUCER ? RING_STATE_PROD_OWNER
								      : RING_STATE_CONS_OWNER);
	uint64_t mine = RING_OWNER(r->part_idx, r->part_gen);
	int tries;

	for (tries = 0; tries < 16; tries++) {
		uint64_t cur = ring_pvt_load(w, acquire), st;
		uint64_t idx = (cur & 0xffffffffu) - 1u;
		int v;

		if (cur == mine)
			return 0;
		if (cur != 0 && cur == inherit) {
			if (ring_pvt_cas(w, &cur, mine, seq_cst, relaxed))
				return 0;
			continue;
		}
		if (cur != 0 && idx < r->max_parts) {
			struct ring_part *e = &r->parts[idx];

			st = ring_pvt_load(&e->state, acquire);
			if (RING_PART_STATUS(st) == 2 && RING_PART_GEN(st) == (uint32_t)(cur >> 32) &&
			    (RING_PART_ROLES(st) & role)) {
				/* Between handles of one process the role moves
				 * to the newest (the process keeps its threads
				 * apart, as before roles existed); between
				 * processes it is exclusive, and so is the
				 * broadcast producer's between handles (each
				 * handle writes from its own position). */
				if (r->kind != RING_KIND_BCAST &&
				    ident_load(e, RING_ID_PID) == (uint64_t)me->pid &&
				    ident_load(e, RING_ID_START) == me->start) {
					if (ring_pvt_cas(w, &cur, mine, seq_cst, relaxed))
						return 0;
					continue;
				}
				v = verdict(me, e, &st);
				if (v == V_FREE)
					continue; /* it just left */
				if (v != V_DEAD)
					return -EADDRINUSE;
				/* Take the role, then give the dead entry back. */
				if (!ring_pvt_cas(w, &cur, mine, seq_cst, relaxed))
					continue;
				reclaim(r, me, e, st);
				return 0;
			}
		}
		/* Nobody, or a holder that no longer holds it. */
		if (ring_pvt_cas(w, &cur, mine, seq_cst, relaxed))
			return 0;
	}
	return -EADDRINUSE;
}

static void disown_role(struct ring *r, uint32_t role)
{
	RING_ATOMIC(uint64_t) *w = state_word(r, role == RING_ROLE_PRODUCER ? RING_STATE_PROD_OWNER
								      : RING_STATE_CONS_OWNER);
	uint64_t mine = RING_OWNER(r->part_idx, r->part_gen);

	ring_pvt_cas(w, &mine, 0, seq_cst, relaxed);
}

/* 1 if one process at a time may hold `role` on r: both roles of SPSC rings
 * and byte streams, the consumer of a message ring, and its producer unless
 * it was made for many (RING_F_MSG_MP), a broadcast ring's producer. A second holder would break the
 * single-writer indices these kinds rely on. */
static int role_exclusive(const struct ring *r, uint32_t role)
{
	switch (r->kind) {
	case RING_KIND_SPSC:
	case RING_KIND_BYTES:
		return 1;
	case RING_KIND_MSG:
		return role == RING_ROLE_CONSUMER || !(r->flags & RING_F_MSG_MP);
	case RING_KIND_BCAST:
		return role == RING_ROLE_PRODUCER; /* consumers: any number */
	default:
		return 0;
	}
}

/* The caches of a new role holder start empty: nothing the previous holder
 * (or a previous role of this handle) read is trusted (see ring_pvt_attach). */
static void reset_cache(struct ring *r, uint32_t role)
{
	if (role & RING_ROLE_PRODUCER)
		ring_pvt_spsc_forget(r, 1);
	if (role & RING_ROLE_CONSUMER)
		ring_pvt_spsc_forget(r, 0);
}

static int add_roles(struct ring *r, const struct self_id *me, uint32_t roles, uint64_t inherit);

/* Make sure r has an entry of its own (first use, or a copy across fork). */
static int ensure_entry(struct ring *r, const struct self_id *me)
{
	uint64_t inherit = 0;
	uint32_t roles;
	int rc;

	if (r->live & RING_PVT_LIVE_OBSERVE)
		return -EINVAL;
	if (entry_mine(r, me))
		return 0;
	/* No entry, or our parent's: take one of our own with the same
	 * roles (and the parent's SPSC roles held through this handle). The
	 * parent's entry is left alone. */
	roles = r->roles;
	if (r->part != NULL)
		inherit = RING_OWNER(r->part_idx, r->part_gen);
	r->part = NULL;
	r->roles = 0;
	rc = take_entry(r, me);
	if (rc < 0) {
		/* No entry now: both directions back to their joining path,
		 * so no fast path uses the entry it no longer has (an MPMC
		 * claim records its intent there). */
		ring_pvt_live_set_modes(r);
		return rc;
	}
	return roles ? add_roles(r, me, roles, inherit) : 0;
}

int ring_pvt_live_add_roles(struct ring *r, uint32_t roles)
{
	struct self_id me;
	int rc;

	self_get(&me);
	rc = ensure_entry(r, &me);
	if (rc < 0)
		return rc;
	return add_roles(r, &me, roles, 0);
}

static int add_roles(struct ring *r, const struct self_id *me, uint32_t roles, uint64_t inherit)
{
	uint32_t add = roles & ~(uint32_t)r->roles & (RING_ROLE_PRODUCER | RING_ROLE_CONSUMER);
	uint32_t role;
	int rc;

	for (role = RING_ROLE_PRODUCER; role <= RING_ROLE_CONSUMER; role <<= 1) {
		if (!(add & role))
			continue;
		/* The bit first, then the owner word: a checker that finds
		 * the owner word pointing here also finds the bit. */
		rc = set_roles(r, r->roles | role);
		if (rc < 0)
			return rc;
		if (role_exclusive(r, role)) {
			rc = own_role(r, me, role, inherit);
			if (rc < 0) {
				set_roles(r, r->roles & ~role);
				return rc;
			}
		}
		reset_cache(r, role);
		ring_pvt_fetch_add(state_word(r, role == RING_ROLE_PRODUCER ? RING_STATE_PROD_JOINS
									     : RING_STATE_CONS_JOINS),
				   1, relaxed);
	}
	return 0;
}

int ring_pvt_live_declare(struct ring *r, uint32_t roles)
{
	struct self_id me;
	int rc;

	self_get(&me);
	rc = ensure_entry(r, &me);
	if (rc < 0)
		return rc;
	if (!(r->live & RING_PVT_LIVE_DECLARED)) {
		uint64_t want = my_state(r, r->roles);

		if (!ring_pvt_cas(&r->part->state, &want, want | RING_PART_DECLARED, seq_cst, relaxed))
			return -EUCLEAN;
		r->live |= RING_PVT_LIVE_DECLARED;
	}
	return add_roles(r, &me, roles, 0);
}

int ring_pvt_live_attach(struct ring *r, uint32_t roles, int observe)
{
	struct self_id me;
	int rc;

	r->part = NULL;
	r->roles = 0;
	r->live = 0;
	if (observe) {
		r->live = RING_PVT_LIVE_OBSERVE;
		r->mode = r->cmode = RING_PVT_MODE_NONE;
		return 0;
	}
	self_get(&me);
	rc = take_entry(r, &me);
	if (rc < 0)
		return rc;
	if (roles) {
		rc = ring_pvt_live_declare(r, roles);
		if (rc < 0) {
			ring_pvt_live_leave(r);
			return rc;
		}
	}
	ring_pvt_live_set_modes(r);
	return 0;
}

void ring_pvt_live_leave(struct ring *r)
{
	struct self_id me;
	uint64_t want;

	if (r->part == NULL)
		return;
	self_get(&me);
	if (entry_mine(r, &me)) {
		if ((r->roles & RING_ROLE_PRODUCER) && role_exclusive(r, RING_ROLE_PRODUCER))
			disown_role(r, RING_ROLE_PRODUCER);
		if ((r->roles & RING_ROLE_CONSUMER) && role_exclusive(r, RING_ROLE_CONSUMER))
			disown_role(r, RING_ROLE_CONSUMER);
		want = my_state(r, r->roles);
		ring_pvt_cas(&r->part->state, &want, RING_PART_FREE(r->part_gen), seq_cst, relaxed);
	}
	r->part = NULL;
	r->roles = 0;
}

int ring_pvt_live_drop_roles(struct ring *r, uint32_t roles)
{
	struct self_id me;
	uint32_t role;

	roles &= r->roles;
	if (roles == 0 || r->part == NULL)
		return 0;
	self_get(&me);
	if (!entry_mine(r, &me))
		return 0; /* our parent's entry (fork): not ours to change */
	/* The owner word first, then the bit: the reverse of add_roles. */
	for (role = RING_ROLE_PRODUCER; role <= RING_ROLE_CONSUMER; role <<= 1)
		if ((roles & role) && role_exclusive(r, role))
			disown_role(r, role);
	return set_roles(r, r->roles & ~roles);
}

/* The fast path of each direction whose role the handle holds; JOIN for the
 * others (their first call takes the role). */
void ring_pvt_live_set_modes(struct ring *r)
{
	uint32_t m = ring_pvt_mode_of(r);

	/* Broadcast roles are taken by ring_bcast.h's calls only: the
	 * generic calls refuse (-EINVAL), never take a role. */
	if (r->kind == RING_KIND_BCAST) {
		r->mode = r->cmode = m;
		return;
	}
	r->mode = (r->roles & RING_ROLE_PRODUCER) ? m : RING_PVT_MODE_JOIN;
	r->cmode = (r->roles & RING_ROLE_CONSUMER) ? m : RING_PVT_MODE_JOIN;
}

int ring_pvt_live_first(struct ring *r, uint32_t role)
{
	int rc;

	if (r == NULL || r->shm == NULL ||
	    (role == RING_ROLE_PRODUCER ? r->mode : r->cmode) != RING_PVT_MODE_JOIN)
		return -EINVAL;
	if (ring_pvt_live_replaced(r))
		return -ESTALE;
	rc = ring_pvt_live_add_roles(r, role);
	if (rc < 0)
		return rc;
	ring_pvt_live_set_modes(r);
	return 0;
}

int ring_pvt_live_join_side(struct ring *r, int consumer)
{
	if ((consumer ? r->cmode : r->mode) != RING_PVT_MODE_JOIN)
		return 0;
	return ring_pvt_live_first(r, consumer ? RING_ROLE_CONSUMER : RING_ROLE_PRODUCER);
}

int ring_pvt_live_need(struct ring *r, uint32_t role)
{
	struct self_id me;

	if (r->live & RING_PVT_LIVE_OBSERVE)
		return -EINVAL;
	if ((r->roles & role) && r->part != NULL) {
		/* Still ours? (a copy across fork takes its own) */
		self_get(&me);
		if (entry_mine(r, &me))
			return 0;
	}
	return ring_pvt_live_add_roles(r, r->roles | role);
}

/* ---- Waiters ---------------------------------------------------------------- */

/*
 * 1 if some entry that is not verified dead holds one of `roles`, or (when
 * self is not NULL) may still take it: an entry whose roles were not
 * declared, other than self (a waiter's own entry, which holds the role or
 * is busy waiting), or one still joining. roles 0: any entry at all.
 */
static int any_alive(struct ring *r, const struct self_id *me, uint32_t roles,
		     const struct ring_part *self)
{
	uint32_t i;

	for (i = 0; i < r->max_parts; i++) {
		struct ring_part *e = &r->parts[i];
		uint64_t st = ring_pvt_load(&e->state, seq_cst);

		if (RING_PART_STATUS(st) == 0)
			continue;
		if (roles != 0 && !(RING_PART_STATUS(st) == 2 && (RING_PART_ROLES(st) & roles))) {
			if (self == NULL || e == self)
				continue;
			if (RING_PART_STATUS(st) == 2 && (st & RING_PART_DECLARED))
				continue;
		}
		if (verdict(me, e, &st) == V_ALIVE)
			return 1;
	}
	return 0;
}

static int ring_drained(const struct ring *r)
{
	uint64_t t = ring_pvt_load(&r->shm->prod.tail, acquire) & ~RING_CLOSED_BIT;
	/* A broadcast consumer's position is its own (cons.head is the
	 * producer's scan hint there). */
	uint64_t h = r->kind == RING_KIND_BCAST ? r->bc.cpos
						: ring_pvt_load(&r->shm->cons.head, acquire);

	/* A message ring's consumer may be a record past the tail of a
	 * producer that died between its commit and its tail store
	 * (src/ring_msg.c): drained too. */
	if (r->kind == RING_KIND_MSG && (int64_t)(h - t) > 0 && h - t <= r->n)
		return 1;
	/* A slot-sequenced ring's tail and head are copies stored after the
	 * slot words (ring_layout.h): a producer that died between its slot
	 * words and its copy leaves tail behind a head its elements were
	 * popped up to, so t == h may never come. The slot word says it: the
	 * consumer's next slot not full (acquire: A8) is drained, the caller's
	 * pop having found it so. Unknown position (no pop yet): head at or
	 * ahead of tail by at most n. */
	if (r->kind == RING_KIND_SPSC && r->rule == RING_RULE_SEQ) {
		if (r->cons_pos != RING_PVT_POS_UNKNOWN)
			return ring_pvt_load(ring_pvt_seq_at(r->slots, r->cons_pos, r->mask, r->stride),
					     acquire) != r->cons_pos + 1;
		return (int64_t)(h - t) >= 0 && h - t <= r->n;
	}
	return t == h;
}

/*
 * Broadcast: 1 if the holder of the exclusive `role` (its owner word) is
 * gone without giving the role back: verified dead, or its entry already
 * freed (by whoever verified the death) or reused. 0 if nobody holds it (a
 * producer may come later) or its holder is not verified dead.
 */
static int owner_gone(struct ring *r, const struct self_id *me, uint32_t role)
{
	uint64_t cur = ring_pvt_load(state_word(r, role == RING_ROLE_PRODUCER ? RING_STATE_PROD_OWNER
									     : RING_STATE_CONS_OWNER),
				     acquire);
	uint64_t idx = (cur & 0xffffffffu) - 1u, st;
	struct ring_part *e;

	if (cur == 0 || idx >= r->max_parts)
		return 0;
	e = &r->parts[idx];
	st = ring_pvt_load(&e->state, acquire);
	if (RING_PART_STATUS(st) != 2 || RING_PART_GEN(st) != (uint32_t)(cur >> 32) ||
	    !(RING_PART_ROLES(st) & role))
		return 1;
	return verdict(me, e, &st) == V_DEAD;
}

/* Period of the full check of a waiter (ring_wait.c's slice). */
#define WAIT_CHECK_NS 10000000u

int ring_pvt_live_wait_check(struct ring *r, int consumer)
{
	struct self_id me;
	uint32_t peers = consumer ? RING_ROLE_PRODUCER : RING_ROLE_CONSUMER;
	int rc;

	uint64_t *due = consumer ? &r->cons_check_due : &r->prod_check_due;
	uint64_t now;

	if (ring_pvt_live_replaced(r))
		return -ESTALE;
	if (r->live & RING_PVT_LIVE_OBSERVE)
		return -EINVAL;
	rc = ring_pvt_live_need(r, consumer ? RING_ROLE_CONSUMER : RING_ROLE_PRODUCER);
	/* -EAGAIN: the ring is being checked for replacement (or a hostile
	 * life word says so): not an answer for a wait, which sleeps its
	 * slice and tries again until its deadline. */
	if (rc == -EAGAIN)
		return 0;
	if (rc < 0)
		return rc;
	/* The judging below costs /proc reads: at most once per slice per
	 * handle, however often wakes end the sleeps. */
	now = mono_ns();
	if (now < *due)
		return 0;
	*due = now + WAIT_CHECK_NS;
	self_get(&me);
	if (r->kind == RING_KIND_BCAST) {
		/* A producer held back by consumers frees the entries of the
		 * dead among them on its next try (src/ring_bcast.c, through
		 * ring_pvt_live_free_dead); consumers come and go, so their
		 * absence ends no producer's wait. A consumer waits while
		 * the producer role is free (a producer may come) or held by
		 * a process not verified dead. */
		if (!consumer || !owner_gone(r, &me, RING_ROLE_PRODUCER))
			return 0;
		if (!ring_drained(r))
			return 0;
		return (r->flags & RING_F_PIPE) ? -EPIPE : -ECONNRESET;
	}
	if (r->kind == RING_KIND_MPMC || r->kind == RING_KIND_MSG)
		repair_pass(r, &me, consumer ? 0 : 1);
	/* A peer that never came is not a dead one: keep waiting for it. */
	if (ring_pvt_load(state_word(r, consumer ? RING_STATE_PROD_JOINS : RING_STATE_CONS_JOINS),
			  relaxed) == 0)
		return 0;
	if (any_alive(r, &me, peers, r->part))
		return 0;
	/* Every peer is gone. A consumer first drains what they committed
	 * (the caller retries its pop while elements remain). */
	if (consumer && !ring_drained(r))
		return 0;
	return (r->flags & RING_F_PIPE) ? -EPIPE : -ECONNRESET;
}

/* ---- Replacement of a stale ring (named rings, src/ring_shm.c) --------------- */

/*
 * A creator that found this ring under the name it wants calls it: 1 if
 * nobody is alive on it and it is now marked RING_LIFE_REPLACING (the caller
 * replaces the name, then calls ring_pvt_live_mark_replaced), 0 if someone
 * is (left as it was). Against a concurrent joiner: the joiner CASes its
 * entry, then loads the life word; this CASes the life word, then loads every
 * entry, all seq_cst. One of the two sees the other: the joiner backs off and
 * retries (-EAGAIN from take_entry), or this finds it alive and gives up.
 */
int ring_pvt_live_check_stale(struct ring *r)
{
	struct self_id me;
	uint64_t zero = 0;

	int tries;

	self_get(&me);
	for (tries = 0;; tries++) {
		zero = 0;
		if (ring_pvt_cas(state_word(r, RING_STATE_LIFE), &zero,
				 RING_LIFE_REPLACING(me.pid, me.ns), seq_cst, relaxed))
			break;
		/* Another creator is at it (or died at it: undo its mark and
		 * judge again), or it is replaced. */
		if (tries > 0 || RING_LIFE_STATUS(zero) != 1 ||
		    ((zero >> 4) & 0xfffffffu) != (me.ns & 0xfffffffu) || !pid_dead(&me, zero >> 32, 0))
			return 0;
		ring_pvt_cas(state_word(r, RING_STATE_LIFE), &zero, 0, seq_cst, relaxed);
	}
	if (any_alive(r, &me, 0, NULL)) {
		ring_pvt_store(state_word(r, RING_STATE_LIFE), 0, seq_cst);
		return 0;
	}
	return 1;
}

void ring_pvt_live_mark_replaced(struct ring *r, uint64_t new_id, int replaced)
{
	if (replaced)
		ring_pvt_store(state_word(r, RING_STATE_REPLACED_BY), new_id, relaxed);
	/* Release: the replacement's id before the mark. */
	ring_pvt_store(state_word(r, RING_STATE_LIFE), replaced ? RING_LIFE_REPLACED : 0, seq_cst);
}

/* ---- Introspection -------------------------------------------------------------- */

/*
 * The verdict on each entry of a table, listed into out[] (up to max) and
 * summed into *sum (may be NULL). tab is either a handle's mapping or a copy
 * read with pread(2) by ring_inspect (src/ring_stats.c): the verdict only
 * loads from the entries, and a copy is as untrusted as the mapping (each
 * word is judged where it is read; a garbage pid is "alive", never acted
 * on). self: the caller's own entry, or NULL.
 */
ssize_t ring_pvt_live_list(struct ring_part *tab, uint32_t n, const struct ring_part *self,
			   struct ring_part_info *out, size_t max, struct ring_pvt_part_sum *sum)
{
	struct self_id me;
	uint32_t i;
	size_t used = 0;

	if (sum != NULL)
		memset(sum, 0, sizeof(*sum));
	self_get(&me);
	for (i = 0; i < n; i++) {
		struct ring_part *e = &tab[i];
		uint64_t st = ring_pvt_load(&e->state, acquire);
		struct ring_part_info pi;
		int v;

		if (RING_PART_STATUS(st) == 0)
			continue;
		memset(&pi, 0, sizeof(pi));
		pi.index = i;
		v = verdict(&me, e, &st);
		if (v == V_FREE)
			continue;
		pi.alive = v == V_DEAD ? RING_PART_IS_DEAD
			   : RING_PART_STATUS(st) == 1 ? RING_PART_IS_JOINING : RING_PART_IS_ALIVE;
		pi.self = e == self;
		if (RING_PART_STATUS(st) == 1) {
			pi.pid = (int64_t)(st >> 32);
		} else {
			pi.roles = RING_PART_ROLES(st);
			pi.pid = (int64_t)ident_load(e, RING_ID_PID);
			pi.start_time = ident_load(e, RING_ID_START);
			pi.uid = ident_load(e, RING_ID_UID);
			pi.since = ident_load(e, RING_ID_SINCE);
		}
		if (sum != NULL) {
			sum->used++;
			if (v == V_DEAD)
				sum->dead++;
			else if (RING_PART_STATUS(st) == 1)
				sum->joining++;
			if (v != V_DEAD && RING_PART_STATUS(st) == 2 && (pi.roles & RING_ROLE_PRODUCER))
				sum->live_producers++;
			if (v != V_DEAD && RING_PART_STATUS(st) == 2 && (pi.roles & RING_ROLE_CONSUMER))
				sum->live_consumers++;
			if (v != V_DEAD)
				sum->alive++;
		}
		if (used < max)
			out[used] = pi;
		used++;
	}
	return (ssize_t)used;
}

ssize_t ring_participants(const struct ring *r, struct ring_part_info *out, size_t max)
{
	if (r == NULL || r->shm == NULL || (out == NULL && max != 0))
		return -EINVAL;
	return ring_pvt_live_list(r->parts, r->max_parts, r->part, out, max, NULL);
}

int ring_live_info(const struct ring *r, struct ring_live_info *info)
{
	struct self_id me;
	struct ring_shared *s;
	uint64_t tw;
	uint32_t i;

	if (r == NULL || r->shm == NULL || info == NULL)
		return -EINVAL;
	s = r->shm;
	memset(info, 0, sizeof(*info));
	info->kind = r->kind;
	info->rule = r->rule;
	info->flags = r->flags;
	info->max_parts = r->max_parts;
	info->slots = r->n;
	info->elem_size = r->esz;
	info->capacity = r->cap;
	info->total_size = ring_pvt_load((RING_ATOMIC(uint64_t) *)&s->hdr.total_size, relaxed);
	info->create_id = r->create_id;
	tw = ring_pvt_load(&s->prod.tail, acquire);
	info->tail = tw & ~RING_CLOSED_BIT;
	info->closed = (tw & RING_CLOSED_BIT) != 0;
	info->head = ring_pvt_load(&s->cons.head, acquire);
	info->replaced = ring_pvt_live_replaced(r);
	info->replaced_by = info->replaced ? ring_pvt_load(state_word(r, RING_STATE_REPLACED_BY), relaxed) : 0;
	info->producer_joins = ring_pvt_load(state_word(r, RING_STATE_PROD_JOINS), relaxed);
	info->consumer_joins = ring_pvt_load(state_word(r, RING_STATE_CONS_JOINS), relaxed);
	info->repairs = ring_pvt_load(state_word(r, RING_STATE_REPAIRS), relaxed);
	info->takeovers = ring_pvt_load(state_word(r, RING_STATE_TAKEOVERS), relaxed);
	self_get(&me);
	for (i = 0; i < r->max_parts; i++) {
		struct ring_part *e = &r->parts[i];
		uint64_t st;
		int v = verdict(&me, e, &st);

		if (v == V_FREE)
			continue;
		info->parts_used++;
		if (v == V_DEAD) {
			info->dead++;
			continue;
		}
		if (RING_PART_STATUS(st) == 2 && (RING_PART_ROLES(st) & RING_ROLE_PRODUCER))
			info->live_producers++;
		if (RING_PART_STATUS(st) == 2 && (RING_PART_ROLES(st) & RING_ROLE_CONSUMER))
			info->live_consumers++;
	}
	return 0;
}
