/* SPDX-License-Identifier: MIT */
/*
 * Liveness across real processes: roles and takeover, verified death (a
 * stopped holder is alive, a forged entry with a reused pid is dead), MPMC
 * repair of dead claimants (and never of a stopped one), waiters learning
 * of their peers' death, attach options (expected element size, owner,
 * open-or-create, waiting for the creator), stale names replaced, and the
 * introspection calls.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <shmring/shmring.h>

#include "common.h"

#define ESZ 8

static pid_t fork_child(void)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a failed test */
	return pid;
}

static void expect_exit(pid_t pid, int code, const char *what)
{
	int st = test_wait_child(pid);

	cr_assert_eq(st, code, "%s: child status %d, expected %d", what, st, code);
}

static struct ring_params params(uint32_t kind, uint32_t rule, uint64_t slots, uint32_t flags)
{
	struct ring_params p;

	memset(&p, 0, sizeof(p));
	p.kind = kind;
	p.rule = rule;
	p.slots = slots;
	p.elem_size = ESZ;
	p.flags = flags;
	return p;
}

static struct timespec after_ms(long ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* A pipe the child writes one byte to when it reached a point. */
struct gate {
	int fd[2];
};

static void gate_init(struct gate *g) { cr_assert_eq(pipe(g->fd), 0); }
static void gate_open(struct gate *g)
{
	char c = 1;

	if (write(g->fd[1], &c, 1) != 1)
		_exit(99);
}
static void gate_wait(struct gate *g)
{
	char c;

	cr_assert_eq(read(g->fd[0], &c, 1), 1, "child ended before the gate");
}

static const uint32_t rules[] = {RING_RULE_COUNT, RING_RULE_N1};

/*
 * A producer process that pushes from..to-1 and exits without closing (a
 * death, for the peers); back > 0: it first sets its tail copy back by
 * that much, as a slot-sequenced producer killed between its slot words
 * and its copy leaves it. Reaped here.
 */
static void producer_exits(struct ring *r, uint64_t from, uint64_t to, uint64_t back)
{
	pid_t c = fork_child();
	uint64_t i;

	if (c == 0) {
		for (i = from; i < to; i++)
			CHILD_CHECK(ring_push(r, &i) == 0);
		if (back > 0)
			ring_pvt_store(&r->shm->prod.tail, ring_pvt_load(&r->shm->prod.tail, relaxed) - back,
				       relaxed);
		_exit(0);
	}
	expect_exit(c, 0, "producer");
}

/* ---- SPSC roles ------------------------------------------------------------ */

Test(live, spsc_roles_exclusive_across_processes)
{
	for (int k = 0; k < 2; k++) {
		struct ring_params p = params(RING_KIND_SPSC, rules[k], 8, 0);
		struct ring_attach_opts o;
		struct ring r, q;
		struct gate g;
		char name[64];
		uint64_t v = 7;
		pid_t c;

		test_shm_name(name, sizeof(name), "excl");
		cr_assert_eq(ring_create(&r, name, &p), 0);
		cr_assert_eq(ring_push(&r, &v), 0); /* takes the producer role */
		gate_init(&g);
		c = fork_child();
		if (c == 0) {
			struct ring h;
			uint64_t x;

			CHILD_CHECK(ring_open(&h, name, RING_KIND_SPSC) == 0);
			CHILD_CHECK(ring_push(&h, &x) == -EADDRINUSE);
			CHILD_CHECK(ring_push_bulk(&h, &x, 1) == -EADDRINUSE);
			CHILD_CHECK(ring_pop(&h, &x) == 0 && x == 7); /* consumer: free */
			gate_open(&g);
			pause(); /* holds the consumer role until killed */
			_exit(0);
		}
		gate_wait(&g);
		/* A third process: both roles taken by live processes. */
		memset(&o, 0, sizeof(o));
		o.roles = RING_ROLE_CONSUMER;
		cr_assert_eq(ring_attach(&q, name, &o), -EADDRINUSE);
		cr_assert_eq(q.shm, NULL, "handle left closed");
		{
			pid_t d = fork_child();

			if (d == 0) {
				struct ring h;

				CHILD_CHECK(ring_attach(&h, name, &o) == -EADDRINUSE);
				o.roles = RING_ROLE_PRODUCER;
				CHILD_CHECK(ring_attach(&h, name, &o) == -EADDRINUSE);
				_exit(0);
			}
			expect_exit(d, 0, "third process");
		}
		kill(c, SIGKILL);
		expect_exit(c, 1000 + SIGKILL, "consumer");
		ring_unlink(name);
		ring_close(&r);
	}
}

/* A dead holder's role is taken over; the new holder starts from the shared
 * indices, in both rules, for both roles. */
Test(live, spsc_takeover_after_death)
{
	for (int k = 0; k < 2; k++) {
		struct ring_params p = params(RING_KIND_SPSC, rules[k], 8, 0);
		struct ring_attach_opts o;
		struct ring_live_info info;
		struct ring r;
		uint64_t v, i;
		pid_t c;

		cr_assert_eq(ring_create_anon(&r, &p), 0);
		/* Producer 1 pushes 0..4 and dies without closing. */
		producer_exits(&r, 0, 5, 0);
		/* Consumer 1 pops 0..1 and dies. */
		c = fork_child();
		if (c == 0) {
			for (i = 0; i < 2; i++)
				CHILD_CHECK(ring_pop(&r, &v) == 0 && v == i);
			_exit(0);
		}
		expect_exit(c, 0, "consumer 1");
		/* Producer 2 takes over and pushes 5..6 (its handle saw nothing
		 * of the ring before: no cache to trust). */
		c = fork_child();
		if (c == 0) {
			memset(&o, 0, sizeof(o));
			CHILD_CHECK(ring_join(&r, RING_ROLE_PRODUCER) == 0);
			for (i = 5; i < 7; i++)
				CHILD_CHECK(ring_push(&r, &i) == 0);
			_exit(0);
		}
		expect_exit(c, 0, "producer 2");
		/* The parent takes the consumer role over and sees 2..6. */
		for (i = 2; i < 7; i++) {
			cr_assert_eq(ring_pop(&r, &v), 0);
			cr_assert_eq(v, i);
		}
		cr_assert_eq(ring_pop(&r, &v), -EAGAIN);
		cr_assert_eq(ring_live_info(&r, &info), 0);
		cr_assert_geq(info.takeovers, 2, "takeovers %llu", (unsigned long long)info.takeovers);
		cr_assert_eq(info.producer_joins, 2);
		ring_close(&r);
	}
}

/* A SIGSTOPped holder is alive: its role is not taken; SIGCONT and it goes on. */
Test(live, stopped_holder_is_alive)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 8, 0);
	struct ring r;
	struct gate g;
	uint64_t v, i;
	pid_t c;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	gate_init(&g);
	c = fork_child();
	if (c == 0) {
		i = 0;
		CHILD_CHECK(ring_push(&r, &i) == 0);
		gate_open(&g);
		raise(SIGSTOP);
		i = 1;
		CHILD_CHECK(ring_push(&r, &i) == 0);
		_exit(0);
	}
	gate_wait(&g);
	for (;;) { /* until it is stopped */
		char path[64], buf[256];
		int fd;
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)c);
		fd = open(path, O_RDONLY);
		cr_assert_geq(fd, 0);
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		cr_assert_gt(n, 0);
		buf[n] = 0;
		if (strrchr(buf, ')')[2] == 'T')
			break;
		test_pause_us(1000);
	}
	{
		pid_t d = fork_child();

		if (d == 0) {
			CHILD_CHECK(ring_join(&r, RING_ROLE_PRODUCER) == -EADDRINUSE);
			_exit(0);
		}
		expect_exit(d, 0, "second producer");
	}
	cr_assert_eq(ring_pop(&r, &v), 0);
	cr_assert_eq(v, 0);
	kill(c, SIGCONT);
	expect_exit(c, 0, "continued producer");
	cr_assert_eq(ring_pop(&r, &v), 0);
	cr_assert_eq(v, 1);
	ring_close(&r);
}

/* An entry forged with a live pid but another start time is dead (pid
 * reuse); with the right start time it is alive; in another pid namespace
 * it is never judged. */
Test(live, pid_reuse_does_not_fool_the_check)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 8, 0);
	struct ring_part_info pi[8];
	struct ring r;
	struct ring_part *e;
	pid_t c;
	uint64_t start, ns;
	ssize_t n;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	/* A live process to impersonate: a child that sleeps. */
	c = fork_child();
	if (c == 0) {
		pause();
		_exit(0);
	}
	/* Learn its start time and namespace from a real entry of its own. */
	{
		struct gate g;
		pid_t d;

		gate_init(&g);
		d = fork_child();
		if (d == 0) {
			CHILD_CHECK(ring_join(&r, RING_ROLE_PRODUCER) == 0);
			gate_open(&g);
			pause();
			_exit(0);
		}
		gate_wait(&g);
		n = ring_participants(&r, pi, 8);
		cr_assert_eq(n, 2);
		e = NULL;
		for (int i = 0; i < 2; i++)
			if (!pi[i].self)
				e = &r.parts[pi[i].index];
		cr_assert_not_null(e);
		start = e->ident[RING_ID_START];
		ns = e->ident[RING_ID_PIDNS];
		kill(d, SIGKILL);
		expect_exit(d, 1000 + SIGKILL, "helper");
		/* Rewrite the dead helper's entry as the sleeping child's,
		 * start time off by one. */
		e->ident[RING_ID_PID] = (uint64_t)c;
		e->ident[RING_ID_START] = start + 1;
	}
	n = ring_participants(&r, pi, 8);
	for (int i = 0; i < n; i++)
		if (!pi[i].self) {
			cr_assert_eq(pi[i].pid, c);
			cr_assert_eq(pi[i].alive, RING_PART_IS_DEAD, "reused pid judged alive");
		}
	/* The right start time: alive (read the child's from /proc). */
	{
		char path[64], buf[1024], *q;
		int fd, f;
		ssize_t m;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)c);
		fd = open(path, O_RDONLY);
		m = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		cr_assert_gt(m, 0);
		buf[m] = 0;
		q = strrchr(buf, ')') + 2;
		for (f = 3; f < 22; f++)
			q = strchr(q, ' ') + 1;
		e->ident[RING_ID_START] = strtoull(q, NULL, 10);
	}
	n = ring_participants(&r, pi, 8);
	for (int i = 0; i < n; i++)
		if (&r.parts[pi[i].index] == e)
			cr_assert_eq(pi[i].alive, RING_PART_IS_ALIVE, "live process judged dead");
	{
		pid_t d = fork_child();

		if (d == 0) {
			CHILD_CHECK(ring_join(&r, RING_ROLE_PRODUCER) == -EADDRINUSE);
			_exit(0);
		}
		expect_exit(d, 0, "producer against a live forged holder");
	}
	/* Another pid namespace, and a pid that does not exist there: alive. */
	e->ident[RING_ID_PIDNS] = ns + 1;
	e->ident[RING_ID_PID] = 4000000;
	n = ring_participants(&r, pi, 8);
	for (int i = 0; i < n; i++)
		if (&r.parts[pi[i].index] == e)
			cr_assert_eq(pi[i].alive, RING_PART_IS_ALIVE, "judged across namespaces");
	/* Back in ours, that pid does not exist: dead, and the role is free. */
	e->ident[RING_ID_PIDNS] = ns;
	{
		pid_t d = fork_child();

		if (d == 0) {
			CHILD_CHECK(ring_join(&r, RING_ROLE_PRODUCER) == 0);
			_exit(0);
		}
		expect_exit(d, 0, "producer after a dead forged holder");
	}
	kill(c, SIGKILL);
	expect_exit(c, 1000 + SIGKILL, "impersonated child");
	ring_close(&r);
}

/* ---- waiters learn of death ----------------------------------------------- */

static void consumer_learns(uint32_t kind, uint32_t rule, uint32_t flags, int want)
{
	struct ring_params p = params(kind, rule, 8, RING_F_BLOCKING | flags);
	struct ring r;
	uint64_t v, i;
	pid_t c;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	c = fork_child();
	if (c == 0) {
		for (i = 0; i < 3; i++)
			CHILD_CHECK(ring_push(&r, &i) == 0);
		pause(); /* killed */
		_exit(0);
	}
	for (i = 0; i < 3; i++) {
		cr_assert_eq(ring_pop_wait(&r, &v, NULL), 0);
		cr_assert_eq(v, i);
	}
	/* Asleep when the producer dies: woken within a slice, not by a push. */
	{
		pid_t k = fork_child();

		if (k == 0) {
			test_pause_us(50000);
			kill(c, SIGKILL);
			_exit(0);
		}
		cr_assert_eq(ring_pop_wait(&r, &v, NULL), want, "pop_wait after producer death");
		expect_exit(k, 0, "killer");
	}
	expect_exit(c, 1000 + SIGKILL, "producer");
	ring_close(&r);
}

Test(live, consumer_learns_producer_death)
{
	consumer_learns(RING_KIND_SPSC, RING_RULE_COUNT, 0, -ECONNRESET);
	consumer_learns(RING_KIND_SPSC, RING_RULE_N1, 0, -ECONNRESET);
	consumer_learns(RING_KIND_MPMC, RING_RULE_COUNT, 0, -ECONNRESET);
	consumer_learns(RING_KIND_SPSC, RING_RULE_COUNT, RING_F_PIPE, -EPIPE);
	consumer_learns(RING_KIND_MPMC, RING_RULE_COUNT, RING_F_PIPE, -EPIPE);
}

static void producer_learns(uint32_t kind, uint32_t rule)
{
	struct ring_params p = params(kind, rule, 4, RING_F_BLOCKING);
	struct ring r;
	uint64_t v = 0;
	pid_t c;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	cr_assert_eq(ring_join(&r, RING_ROLE_PRODUCER), 0);
	c = fork_child();
	if (c == 0) {
		CHILD_CHECK(ring_pop_wait(&r, &v, NULL) == 0);
		pause();
		_exit(0);
	}
	cr_assert_eq(ring_push(&r, &v), 0);
	while (ring_count(&r) != 0)
		test_pause_us(1000);
	while (ring_push(&r, &v) == 0)
		;
	{
		pid_t k = fork_child();

		if (k == 0) {
			test_pause_us(50000);
			kill(c, SIGKILL);
			_exit(0);
		}
		cr_assert_eq(ring_push_wait(&r, &v, NULL), -ECONNRESET);
		expect_exit(k, 0, "killer");
	}
	expect_exit(c, 1000 + SIGKILL, "consumer");
	ring_close(&r);
}

Test(live, producer_learns_consumer_death)
{
	producer_learns(RING_KIND_SPSC, RING_RULE_COUNT);
	producer_learns(RING_KIND_SPSC, RING_RULE_N1);
	producer_learns(RING_KIND_MPMC, RING_RULE_COUNT);
}

/*
 * A slot-sequenced producer that dies between its slot words and its copy
 * of the position (here: it sets its copy back by 3, then exits): the
 * consumer pops the 3 elements, then learns of the death, although the
 * copies alone show head 3 ahead of tail for ever.
 */
Test(live, seq_consumer_learns_death_behind_tail_copy, .timeout = 60)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_SEQ, 8, RING_F_BLOCKING);
	struct timespec d;
	struct ring r;
	uint64_t v, i;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	producer_exits(&r, 0, 3, 3);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(ring_pop_wait(&r, &v, NULL), 0);
		cr_assert_eq(v, i);
	}
	d = after_ms(10000);
	cr_assert_eq(ring_pop_wait(&r, &v, &d), -ECONNRESET, "pop_wait after the producer's death");
	ring_close(&r);
}

/* A consumer that started before any producer keeps waiting for one; a
 * stopped producer is not a dead one. */
Test(live, waiting_is_not_death)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 8, RING_F_BLOCKING);
	struct timespec d;
	struct ring r;
	uint64_t v = 1;
	pid_t c;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	d = after_ms(50);
	cr_assert_eq(ring_pop_wait(&r, &v, &d), -ETIMEDOUT);
	c = fork_child();
	if (c == 0) {
		CHILD_CHECK(ring_push(&r, &v) == 0);
		raise(SIGSTOP);
		_exit(0);
	}
	cr_assert_eq(ring_pop_wait(&r, &v, NULL), 0);
	cr_assert_eq(test_wait_stopped(c), 0, "the producer did not stop");
	d = after_ms(50);
	cr_assert_eq(ring_pop_wait(&r, &v, &d), -ETIMEDOUT, "a stopped producer is alive");
	kill(c, SIGCONT);
	expect_exit(c, 0, "producer");
	cr_assert_eq(ring_pop_wait(&r, &v, NULL), -ECONNRESET);
	ring_close(&r);
}

/* ---- MPMC repair ------------------------------------------------------------- */

/*
 * A child that claims one position the way a push does (intent, then the
 * claim CAS on tail) and then stops (stop != 0) or dies before publishing.
 */
static pid_t claim_and_stop(struct ring *r, int consumer, int stop, struct gate *g)
{
	pid_t c = fork_child();

	if (c == 0) {
		struct ring_shared *s = r->shm;
		uint64_t pos;

		CHILD_CHECK(ring_join(r, consumer ? RING_ROLE_CONSUMER : RING_ROLE_PRODUCER) == 0);
		if (consumer) {
			pos = ring_pvt_load(&s->cons.head, relaxed);
			ring_pvt_store(&r->part->intent, RING_INTENT(pos, 1, 1), release);
			CHILD_CHECK(ring_pvt_cas(&s->cons.head, &pos, pos + 1, release, relaxed));
		} else {
			pos = ring_pvt_load(&s->prod.tail, relaxed);
			ring_pvt_store(&r->part->intent, RING_INTENT(pos, 0, 1), release);
			CHILD_CHECK(ring_pvt_cas(&s->prod.tail, &pos, pos + 1, release, relaxed));
		}
		gate_open(g);
		if (stop) {
			uint64_t v = 1000;
			struct ring_mpmc_slot *sl = ring_pvt_mpmc_slot(r, pos);

			raise(SIGSTOP);
			/* Finish the claim as the library would. */
			if (consumer) {
				ring_pvt_store(&sl->seq, RING_MPMC_FREE(pos + r->n), release);
			} else {
				memcpy(ring_pvt_mpmc_payload(sl), &v, 8);
				ring_pvt_store(&sl->seq, RING_MPMC_FULL(pos), release);
			}
			_exit(0);
		}
		_exit(0);
	}
	gate_wait(g);
	if (stop)
		cr_assert_eq(test_wait_stopped(c), 0, "the claimant did not stop");
	return c;
}

Test(live, mpmc_dead_producer_slot_skipped)
{
	struct ring_params p = params(RING_KIND_MPMC, RING_RULE_COUNT, 8, RING_F_BLOCKING);
	struct ring_live_info info;
	struct ring r;
	struct gate g;
	uint64_t v, i;
	pid_t c;
	int rc;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	gate_init(&g);
	v = 0;
	cr_assert_eq(ring_push(&r, &v), 0); /* position 0 */
	c = claim_and_stop(&r, 0, 0, &g); /* position 1, never published */
	expect_exit(c, 0, "claimant");
	for (i = 2; i < 5; i++)
		cr_assert_eq(ring_push(&r, &i), 0);
	cr_assert_eq(ring_pop(&r, &v), 0);
	cr_assert_eq(v, 0);
	/* Non-blocking pops: -EAGAIN until the position has been blocked long
	 * enough for a repair, then the elements behind it. */
	do
		rc = ring_pop(&r, &v);
	while (rc == -EAGAIN);
	cr_assert_eq(rc, 0);
	cr_assert_eq(v, 2);
	cr_assert_eq(ring_pop_wait(&r, &v, NULL), 0);
	cr_assert_eq(v, 3);
	cr_assert_eq(ring_live_info(&r, &info), 0);
	cr_assert_eq(info.repairs, 1);
	ring_close(&r);
}

Test(live, mpmc_stopped_claimant_never_repaired)
{
	struct ring_params p = params(RING_KIND_MPMC, RING_RULE_COUNT, 8, RING_F_BLOCKING);
	struct ring_live_info info;
	struct timespec d;
	struct ring r;
	struct gate g;
	uint64_t v, i;
	pid_t c;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	gate_init(&g);
	c = claim_and_stop(&r, 0, 1, &g); /* position 0, stopped */
	for (i = 1; i < 4; i++)
		cr_assert_eq(ring_push(&r, &i), 0);
	/* Polls and waits across many repair periods: nothing skipped. */
	for (i = 0; i < 20000; i++)
		cr_assert_eq(ring_pop(&r, &v), -EAGAIN);
	d = after_ms(100);
	cr_assert_eq(ring_pop_wait(&r, &v, &d), -ETIMEDOUT);
	cr_assert_eq(ring_live_info(&r, &info), 0);
	cr_assert_eq(info.repairs, 0, "a stopped claimant's slot was repaired");
	kill(c, SIGCONT);
	cr_assert_eq(ring_pop_wait(&r, &v, NULL), 0);
	cr_assert_eq(v, 1000, "the stopped claimant's element");
	for (i = 1; i < 4; i++) {
		cr_assert_eq(ring_pop_wait(&r, &v, NULL), 0);
		cr_assert_eq(v, i);
	}
	expect_exit(c, 0, "claimant");
	ring_close(&r);
}

Test(live, mpmc_dead_consumer_slot_released)
{
	struct ring_params p = params(RING_KIND_MPMC, RING_RULE_COUNT, 4, RING_F_BLOCKING);
	struct ring_live_info info;
	struct ring r;
	struct gate g;
	uint64_t v, i;
	pid_t c;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	cr_assert_eq(ring_join(&r, RING_ROLE_PRODUCER | RING_ROLE_CONSUMER), 0);
	gate_init(&g);
	for (i = 0; i < 4; i++)
		cr_assert_eq(ring_push(&r, &i), 0);
	c = claim_and_stop(&r, 1, 0, &g); /* takes position 0 and dies */
	expect_exit(c, 0, "claimant");
	for (i = 1; i < 4; i++) {
		cr_assert_eq(ring_pop(&r, &v), 0);
		cr_assert_eq(v, i);
	}
	/* Position 4 needs the dead consumer's slot: a blocking push gets it
	 * once the slot is released. */
	i = 4;
	cr_assert_eq(ring_push(&r, &i), -EAGAIN);
	cr_assert_eq(ring_push_wait(&r, &i, NULL), 0);
	for (i = 5; i < 8; i++)
		cr_assert_eq(ring_push(&r, &i), 0);
	cr_assert_eq(ring_live_info(&r, &info), 0);
	cr_assert_eq(info.repairs, 1);
	for (i = 4; i < 8; i++) {
		cr_assert_eq(ring_pop(&r, &v), 0);
		cr_assert_eq(v, i);
	}
	ring_close(&r);
}

/*
 * A dead producer's burst claim [0, 3) with 0 and 1 published: once those
 * are taken and their slots reused, tail (6) is more than a lap (4) past
 * the claim's start but position 2 still blocks every consumer. A process
 * that needs the dead claimant's entry (the table is full) must see the
 * claim as unresolved: it repairs the slot before it frees the entry, and
 * never frees the entry while the slot needs it (else nothing records the
 * claim and the ring stays stuck at 2 for ever).
 */
Test(live, mpmc_entry_of_dead_burst_kept_until_repaired)
{
	struct ring_params p = params(RING_KIND_MPMC, RING_RULE_COUNT, 4, RING_F_BLOCKING);
	struct ring_live_info info;
	struct timespec d;
	struct ring r;
	uint64_t v, i;
	pid_t c;

	p.max_parts = 2; /* ours and the claimant's: a third needs a reclaim */
	cr_assert_eq(ring_create_anon(&r, &p), 0);
	cr_assert_eq(ring_join(&r, RING_ROLE_PRODUCER | RING_ROLE_CONSUMER), 0);
	c = fork_child();
	if (c == 0) {
		struct ring_shared *s = r.shm;
		uint64_t pos = 0;

		CHILD_CHECK(ring_join(&r, RING_ROLE_PRODUCER) == 0);
		/* A burst push of 3 (intent, claim CAS), dying after 2. */
		ring_pvt_store(&r.part->intent, RING_INTENT(0, 0, 3), release);
		CHILD_CHECK(ring_pvt_cas(&s->prod.tail, &pos, 3, release, relaxed));
		for (i = 0; i < 2; i++) {
			struct ring_mpmc_slot *sl = ring_pvt_mpmc_slot(&r, i);

			memcpy(ring_pvt_mpmc_payload(sl), &i, 8);
			ring_pvt_store(&sl->seq, RING_MPMC_FULL(i), release);
		}
		_exit(0);
	}
	expect_exit(c, 0, "claimant");
	for (i = 0; i < 2; i++) {
		cr_assert_eq(ring_pop(&r, &v), 0);
		cr_assert_eq(v, i);
	}
	for (i = 3; i < 6; i++)
		cr_assert_eq(ring_push(&r, &i), 0);
	cr_assert_eq(ring_push(&r, &i), -EAGAIN, "full: slot 2 still waits for position 2");
	c = fork_child();
	if (c == 0) {
		CHILD_CHECK(ring_join(&r, RING_ROLE_PRODUCER) == 0);
		_exit(0);
	}
	expect_exit(c, 0, "joiner");
	cr_assert_eq(ring_live_info(&r, &info), 0);
	cr_assert_eq(info.repairs, 1, "the dead claimant's entry was freed with its claim open");
	d = after_ms(10000);
	for (i = 3; i < 6; i++) {
		cr_assert_eq(ring_pop_wait(&r, &v, &d), 0);
		cr_assert_eq(v, i);
	}
	ring_close(&r);
}

/* ---- attach options, owner, stale names --------------------------------------- */

Test(live, attach_checks_element_size_and_params)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 8, 0), q = p;
	struct ring_attach_opts o;
	struct ring r, h;
	char name[64];

	test_shm_name(name, sizeof(name), "esz");
	cr_assert_eq(ring_create(&r, name, &p), 0);
	memset(&o, 0, sizeof(o));
	o.elem_size = 16;
	cr_assert_eq(ring_attach(&h, name, &o), -EMEDIUMTYPE);
	cr_assert_eq(h.shm, NULL, "handle left closed");
	o.elem_size = ESZ;
	cr_assert_eq(ring_attach(&h, name, &o), 0);
	ring_close(&h);
	q.slots = 16;
	o.params = &q;
	cr_assert_eq(ring_attach(&h, name, &o), -EMEDIUMTYPE);
	/* Create on a live ring of other parameters: still refused. */
	o.flags = RING_ATTACH_CREATE;
	cr_assert_eq(ring_attach(&h, name, &o), -EMEDIUMTYPE);
	o.params = &p;
	cr_assert_eq(ring_attach(&h, name, &o), 0, "compatible: attached");
	ring_close(&h);
	o.flags = 0x100;
	cr_assert_eq(ring_attach(&h, name, &o), -EINVAL);
	cr_assert_str_eq(ring_strerror(-EMEDIUMTYPE), "ring's element size or parameters differ from those expected");
	ring_unlink(name);
	ring_close(&r);
}

Test(live, attach_checks_owner_and_mode)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 8, 0);
	struct ring_attach_opts o;
	struct ring r, h;
	char name[64];

	test_shm_name(name, sizeof(name), "own");
	cr_assert_eq(ring_create(&r, name, &p), 0);
	memset(&o, 0, sizeof(o));
	cr_assert_eq(fchmod(ring_fd(&r), 0666), 0);
	cr_assert_eq(ring_open(&h, name, RING_KIND_ANY), -EPERM);
	o.flags = RING_ATTACH_SHARED_GROUP;
	cr_assert_eq(ring_attach(&h, name, &o), -EPERM, "others-writable: always refused");
	cr_assert_eq(fchmod(ring_fd(&r), 0660), 0);
	cr_assert_eq(ring_open(&h, name, RING_KIND_ANY), -EPERM);
	cr_assert_eq(ring_attach(&h, name, &o), 0, "group-writable with SHARED_GROUP");
	ring_close(&h);
	ring_unlink(name);
	ring_close(&r);

	/* Another user's valid ring: refused (needs root to become nobody). */
	if (geteuid() == 0) {
		struct gate g;
		pid_t c;

		test_shm_name(name, sizeof(name), "other");
		gate_init(&g);
		c = fork_child();
		if (c == 0) {
			struct ring x;

			p.mode = 0644;
			CHILD_CHECK(setgid(65534) == 0 && setuid(65534) == 0);
			CHILD_CHECK(ring_create(&x, name, &p) == 0);
			gate_open(&g);
			pause();
			_exit(0);
		}
		gate_wait(&g);
		cr_assert_eq(ring_open(&h, name, RING_KIND_ANY), -EPERM, "another user's ring accepted");
		o.flags = 0;
		cr_assert_eq(ring_attach(&h, name, &o), -EPERM);
		kill(c, SIGKILL);
		expect_exit(c, 1000 + SIGKILL, "other user");
		/* Its name, stale now, is not ours to replace either. */
		cr_assert_eq(ring_create(&h, name, &p), -EEXIST);
		ring_unlink(name);
	}
}

Test(live, open_or_create_and_wait_for_creator)
{
	struct ring_params p = params(RING_KIND_MPMC, RING_RULE_COUNT, 8, 0);
	struct ring_attach_opts o;
	struct timespec d;
	struct ring r, h;
	char name[64];
	pid_t c;

	test_shm_name(name, sizeof(name), "oc");
	memset(&o, 0, sizeof(o));
	o.flags = RING_ATTACH_CREATE;
	o.params = &p;
	cr_assert_eq(ring_attach(&r, name, &o), 1, "created");
	cr_assert_eq(ring_attach(&h, name, &o), 0, "opened");
	ring_close(&h);
	ring_unlink(name);
	ring_close(&r);

	/* Waiting: the child waits for a name the parent creates later. */
	test_shm_name(name, sizeof(name), "wait");
	c = fork_child();
	if (c == 0) {
		struct ring_attach_opts w;
		struct timespec dl = after_ms(10000);
		uint64_t v;

		memset(&w, 0, sizeof(w));
		w.flags = RING_ATTACH_WAIT;
		w.deadline = &dl;
		w.elem_size = ESZ;
		w.roles = RING_ROLE_CONSUMER;
		CHILD_CHECK(ring_attach(&h, name, &w) == 0);
		while (ring_pop(&h, &v) == -EAGAIN)
			;
		CHILD_CHECK(v == 42);
		_exit(0);
	}
	test_pause_us(50000);
	cr_assert_eq(ring_create(&r, name, &p), 0);
	{
		uint64_t v = 42;

		cr_assert_eq(ring_push(&r, &v), 0);
	}
	expect_exit(c, 0, "waiting consumer");
	ring_unlink(name);
	ring_close(&r);
	memset(&o, 0, sizeof(o));
	o.flags = RING_ATTACH_WAIT;
	d = after_ms(30);
	o.deadline = &d;
	cr_assert_eq(ring_attach(&h, name, &o), -ETIMEDOUT);
}

/* A ring whose participants are all dead is replaced by ring_create; one
 * still in use is not; a handle on the old ring learns -ESTALE. */
Test(live, stale_name_replaced)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 8, 0);
	struct ring_attach_opts o;
	struct ring_live_info info;
	struct ring r, obs, h;
	char name[64];
	uint64_t v = 5;
	pid_t c;

	test_shm_name(name, sizeof(name), "stale");
	c = fork_child();
	if (c == 0) {
		CHILD_CHECK(ring_create(&h, name, &p) == 0);
		CHILD_CHECK(ring_push(&h, &v) == 0);
		_exit(0); /* dies attached */
	}
	expect_exit(c, 0, "first producer");
	memset(&o, 0, sizeof(o));
	o.flags = RING_ATTACH_OBSERVE;
	cr_assert_eq(ring_attach(&obs, name, &o), 0);
	cr_assert_eq(ring_push(&obs, &v), -EINVAL, "observing handles do not push");
	cr_assert_eq(ring_live_info(&obs, &info), 0);
	cr_assert_eq(info.parts_used, 1);
	cr_assert_eq(info.dead, 1);
	cr_assert_eq(info.replaced, 0);
	/* In use (a live handle on it): not replaced. */
	cr_assert_eq(ring_open(&h, name, RING_KIND_ANY), 0);
	cr_assert_eq(ring_create(&r, name, &p), -EEXIST);
	ring_close(&h);
	/* Stale: replaced. */
	cr_assert_eq(ring_create(&r, name, &p), 0);
	cr_assert_eq(ring_live_info(&obs, &info), 0);
	cr_assert_eq(info.replaced, 1);
	cr_assert_eq(info.replaced_by, r.create_id);
	cr_assert_eq(ring_pop(&r, &v), -EAGAIN, "the new ring is empty");
	ring_close(&obs);
	/* Open-or-create with other parameters replaces a stale ring too. */
	ring_close(&r); /* nobody alive on it now */
	{
		struct ring_params q = p;

		q.slots = 32;
		memset(&o, 0, sizeof(o));
		o.flags = RING_ATTACH_CREATE;
		o.params = &q;
		cr_assert_eq(ring_attach(&r, name, &o), 1);
		cr_assert_eq(ring_capacity(&r), 32);
	}
	ring_unlink(name);
	ring_close(&r);
}

Test(live, participants_listed)
{
	struct ring_params p = params(RING_KIND_MPMC, RING_RULE_COUNT, 8, 0);
	struct ring_part_info pi[4];
	struct ring_live_info info;
	struct ring r, h;
	uint64_t v = 0;

	p.max_parts = 2;
	cr_assert_eq(ring_create_anon(&r, &p), 0);
	cr_assert_eq(ring_push(&r, &v), 0);
	cr_assert_eq(ring_attach_mem(&h, r.shm, r.map_len, RING_KIND_ANY), 0);
	cr_assert_eq(ring_pop(&h, &v), 0);
	cr_assert_eq(ring_participants(&r, pi, 4), 2);
	cr_assert_eq(pi[0].roles, RING_ROLE_PRODUCER);
	cr_assert_eq(pi[1].roles, RING_ROLE_CONSUMER);
	cr_assert_eq(pi[0].pid, getpid());
	cr_assert_eq(pi[0].alive, RING_PART_IS_ALIVE);
	cr_assert_eq(pi[0].self, 1);
	cr_assert_eq(pi[1].self, 0);
	{
		struct ring x;

		cr_assert_eq(ring_attach_mem(&x, r.shm, r.map_len, RING_KIND_ANY), -EUSERS);
	}
	cr_assert_eq(ring_live_info(&r, &info), 0);
	cr_assert_eq(info.live_producers, 1);
	cr_assert_eq(info.live_consumers, 1);
	cr_assert_eq(info.parts_used, 2);
	cr_assert_eq(info.head, 1);
	cr_assert_eq(info.tail, 1);
	ring_close(&h);
	cr_assert_eq(ring_participants(&r, pi, 4), 1);
	ring_close(&r);
}
