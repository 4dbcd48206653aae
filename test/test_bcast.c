/* SPDX-License-Identifier: MIT */
/*
 * Broadcast rings: parameters and attach validation, roles, both policies
 * step by step in one process (exact counts: full, lapped, missed), end of
 * stream, timed calls, and across processes a consumer stopped (SIGSTOP) and
 * one killed, a producer killed and replaced, and hostile words. Children
 * report through their exit status only (see common.h); each runs in a
 * process group of its own, with PR_SET_PDEATHSIG, and is killed and reaped
 * by the test even when an assertion fails first.
 */
#include <criterion/criterion.h>

#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include <shmring/shmring.h>

#include "common.h"
#include "cr_ring.h"

#define ANY_DEADLINE_S 60 /* "much later": only a hang would reach it */

static struct ring_params bparams(uint64_t slots, uint64_t esz, uint32_t flags)
{
	struct ring_params p = {RING_KIND_BCAST, RING_RULE_COUNT, slots, esz, flags, 0, 0, 0};

	return p;
}

static void put(struct ring *r, uint64_t v)
{
	cr_assert_eq(ring_bcast_push(r, &v), 0, "push %llu", (unsigned long long)v);
}

/* Pop one element, expecting value v after `missed` lost ones. */
static void get(struct ring *r, uint64_t v, uint64_t missed)
{
	uint64_t x = ~v, m = 12345;
	int rc = ring_bcast_pop(r, &x, &m);

	cr_assert_eq(rc, 0, "pop: %s (expected %llu)", ring_strerror(rc), (unsigned long long)v);
	cr_assert_eq(x, v, "got %llu, expected %llu", (unsigned long long)x, (unsigned long long)v);
	cr_assert_eq(m, missed, "missed %llu, expected %llu", (unsigned long long)m,
		     (unsigned long long)missed);
}

static struct timespec later(long ms)
{
	struct timespec d;

	clock_gettime(CLOCK_MONOTONIC, &d);
	d.tv_sec += ms / 1000;
	d.tv_nsec += (ms % 1000) * 1000000L;
	if (d.tv_nsec >= 1000000000L) {
		d.tv_sec++;
		d.tv_nsec -= 1000000000L;
	}
	return d;
}

/* ---- children -------------------------------------------------------------- */

static pid_t kids[8];
static unsigned nkids;

/* Fork a child in its own process group; it runs fn(r, arg) and exits with
 * its result. */
static pid_t spawn(int (*fn)(struct ring *, long), struct ring *r, long arg)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		CHILD_CHECK(getppid() == parent);
		setpgid(0, 0);
		_exit(fn(r, arg));
	}
	setpgid(pid, pid);
	kids[nkids++] = pid;
	return pid;
}

/* Kill what is left of every child and reap them; runs after each test. */
static void reap_all(void)
{
	test_kids_reap(kids, &nkids);
}

static int wait_kid(pid_t pid)
{
	int st = test_wait_child(pid);

	test_kids_forget(kids, &nkids, pid);
	return st;
}

/* A pipe through which a child says "joined" (one byte). */
static int ready_pipe[2];

static void setup(void)
{
	cr_assert_eq(pipe(ready_pipe), 0);
}

static void teardown(void)
{
	reap_all();
	close(ready_pipe[0]);
	close(ready_pipe[1]);
}

static void wait_ready(void)
{
	char c;

	cr_assert_eq(read(ready_pipe[0], &c, 1), 1, "child died before it was ready");
}

static void say_ready(void)
{
	CHILD_CHECK(write(ready_pipe[1], "r", 1) == 1);
}

TestSuite(bcast, .init = setup, .fini = teardown);

/* ---- parameters, attach, roles -------------------------------------------- */

Test(bcast, params)
{
	struct ring_params p = bparams(16, 8, 0);
	struct ring r;

	cr_assert_gt(ring_memsize(&p), 0);
	p.rule = RING_RULE_N1;
	cr_assert_eq(ring_memsize(&p), -EINVAL, "broadcast is count rule only");
	p = bparams(16, 8, 0);
	p.max_parts = 1;
	cr_assert_eq(ring_memsize(&p), -EINVAL, "a producer and at least one consumer");
	p = bparams(16, 8, RING_F_BCAST_LOSSY | RING_F_BLOCKING);
	cr_assert_gt(ring_memsize(&p), 0);
	p.flags |= 0x1000;
	cr_assert_eq(ring_memsize(&p), -EINVAL);
	p = bparams(16, 8, RING_F_BCAST_LOSSY);
	p.kind = RING_KIND_SPSC;
	cr_assert_eq(ring_memsize(&p), -EINVAL, "the lossy flag is for broadcast rings");
	p.kind = RING_KIND_MPMC;
	cr_assert_eq(ring_memsize(&p), -EINVAL);
	p = bparams(0, 8, 0);
	cr_assert_eq(ring_create_anon(&r, &p), -EINVAL);
	/* Elements of any size are rounded up to 8 in the slot. */
	p = bparams(3, 13, 0);
	cr_assert_eq(ring_create_anon(&r, &p), 0);
	cr_assert_eq(r.stride, 8 + 16);
	cr_assert_eq(ring_kind(&r), RING_KIND_BCAST);
	ring_close(&r);
}

Test(bcast, attach_validation)
{
	struct ring_params p = bparams(16, 8, RING_F_BCAST_LOSSY);
	struct ring r, o;
	char name[64];
	size_t len;
	void *mem;

	test_shm_name(name, sizeof(name), "bcast-open");
	cr_assert_eq(ring_create(&r, name, &p), 0);
	cr_assert_eq(ring_open(&o, name, RING_KIND_SPSC), -EPROTOTYPE);
	cr_assert_eq(ring_open(&o, name, RING_KIND_MPMC), -EPROTOTYPE);
	cr_assert_eq(ring_open(&o, name, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_flags(&o), RING_F_BCAST_LOSSY);
	ring_close(&o);
	cr_assert_eq(ring_open(&o, name, RING_KIND_ANY), 0);
	ring_close(&o);
	ring_unlink(name);
	ring_close(&r);

	/* A header the geometry of which a broadcast ring cannot have. */
	p = bparams(16, 8, 0);
	mem = mem_ring(&r, &p, &len);
	((struct ring_shared *)mem)->hdr.rule = RING_RULE_N1;
	cr_assert_eq(ring_attach_mem(&o, mem, len, RING_KIND_BCAST), -EPROTO);
	((struct ring_shared *)mem)->hdr.rule = RING_RULE_COUNT;
	((struct ring_shared *)mem)->hdr.stride = 8;
	cr_assert_eq(ring_attach_mem(&o, mem, len, RING_KIND_BCAST), -EPROTO);
	((struct ring_shared *)mem)->hdr.stride = 16;
	((struct ring_shared *)mem)->hdr.max_parts = 1;
	cr_assert_eq(ring_attach_mem(&o, mem, len, RING_KIND_BCAST), -EPROTO);
	((struct ring_shared *)mem)->hdr.max_parts = RING_PARTS_DEFAULT;
	((struct ring_shared *)mem)->hdr.kind = RING_KIND_SPSC; /* the lossy flag is not SPSC's */
	((struct ring_shared *)mem)->hdr.flags = RING_F_BCAST_LOSSY;
	cr_assert_eq(ring_attach_mem(&o, mem, len, RING_KIND_ANY), -EPROTO);
	free(mem);
}

Test(bcast, roles)
{
	struct ring_params p = bparams(8, 8, 0);
	struct ring r, prod, c[3], s;
	uint64_t v = 1;
	size_t len;
	void *mem = mem_ring(&r, &p, &len);
	unsigned i;

	(void)i;
	/* No role yet: the calls refuse. */
	cr_assert_eq(ring_bcast_push(&r, &v), -EINVAL);
	cr_assert_eq(ring_bcast_pop(&r, &v, NULL), -EINVAL);
	cr_assert_eq(ring_bcast_push_burst(&r, &v, 1), -EINVAL);
	cr_assert_eq(ring_bcast_pop_burst(&r, &v, 1, NULL), -EINVAL);
	/* The generic calls are not broadcast calls. */
	cr_assert_eq(ring_push(&r, &v), -EINVAL);
	cr_assert_eq(ring_pop(&r, &v), -EINVAL);

	cr_assert_eq(ring_attach_mem(&prod, mem, len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_bcast_producer(&prod), 0);
	cr_assert_eq(ring_bcast_producer(&prod), -EINVAL, "already has a role");
	cr_assert_eq(ring_bcast_join(&prod), -EINVAL);
	cr_assert_eq(ring_bcast_producer(&r), -EADDRINUSE, "one producer at a time");
	cr_assert_eq(ring_bcast_pop(&prod, &v, NULL), -EINVAL, "the producer does not read");

	/* max_parts 8: seven consumer entries. */
	for (i = 0; i < 3; i++) {
		cr_assert_eq(ring_attach_mem(&c[i], mem, len, RING_KIND_BCAST), 0);
		cr_assert_eq(ring_bcast_join(&c[i]), 0);
	}
	cr_assert_eq(ring_bcast_push(&c[0], &v), -EINVAL, "a consumer does not push");
	cr_assert_eq(ring_bcast_leave(&c[0]), 0);
	cr_assert_eq(ring_bcast_leave(&c[0]), 0, "leaving twice is harmless");
	cr_assert_eq(ring_bcast_pop(&c[0], &v, NULL), -EINVAL);
	cr_assert_eq(ring_bcast_join(&c[0]), 0, "join again after leaving");

	/* Not a broadcast ring. */
	p.kind = RING_KIND_SPSC;
	cr_assert_eq(ring_create_anon(&s, &p), 0);
	cr_assert_eq(ring_bcast_producer(&s), -EPROTOTYPE);
	cr_assert_eq(ring_bcast_join(&s), -EPROTOTYPE);
	ring_close(&s);
	/* Closed handles. */
	cr_assert_eq(ring_bcast_producer(&s), -EINVAL);
	cr_assert_eq(ring_bcast_push(&s, &v), -EINVAL);
	cr_assert_eq(ring_bcast_pop(&s, &v, NULL), -EINVAL);
	cr_assert_eq(ring_bcast_leave(NULL), -EINVAL);

	/* After the producer closes its handle the role is free again. */
	ring_close(&prod);
	cr_assert_eq(ring_bcast_producer(&r), 0);
	for (i = 0; i < 3; i++)
		ring_close(&c[i]);
	ring_close(&r);
	free(mem);
}

Test(bcast, table_full)
{
	struct ring_params p = bparams(8, 8, 0);
	struct ring r, c[3];
	size_t len;
	void *mem;
	unsigned i;

	/* Every attached handle holds an entry (src/ring_live.c): the
	 * creator's and two more. */
	p.max_parts = 3;
	mem = mem_ring(&r, &p, &len);
	for (i = 0; i < 2; i++)
		cr_assert_eq(ring_attach_mem(&c[i], mem, len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_attach_mem(&c[2], mem, len, RING_KIND_BCAST), -EUSERS);
	cr_assert_str_eq(ring_strerror(-EUSERS), "participant table full: every entry is held by a live participant");
	cr_assert_eq(ring_bcast_producer(&r), 0);
	cr_assert_eq(ring_bcast_join(&c[0]), 0);
	cr_assert_eq(ring_bcast_join(&c[1]), 0);
	cr_assert_eq(ring_bcast_consumers(&r), 2);
	ring_close(&c[1]);
	cr_assert_eq(ring_bcast_consumers(&r), 1, "a consumer that closed left");
	cr_assert_eq(ring_attach_mem(&c[2], mem, len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_bcast_join(&c[2]), 0);
	ring_close(&c[0]);
	ring_close(&c[2]);
	/* Lossy consumers write nothing for the producer: no cursor. */
	ring_close(&r);
	free(mem);
	p.flags = RING_F_BCAST_LOSSY;
	mem = mem_ring(&r, &p, &len);
	for (i = 0; i < 2; i++) {
		cr_assert_eq(ring_attach_mem(&c[i], mem, len, RING_KIND_BCAST), 0);
		cr_assert_eq(ring_bcast_join(&c[i]), 0);
		cr_assert_null(c[i].bc.entry);
	}
	for (i = 0; i < 2; i++)
		ring_close(&c[i]);
	ring_close(&r);
	free(mem);
}

/* ---- back-pressure, one process ------------------------------------------- */

Test(bcast, backpressure_steps)
{
	struct ring_params p = bparams(8, 8, 0);
	struct ring prod, a, b, late;
	uint64_t v, buf[16];
	size_t len;
	void *mem = mem_ring(&prod, &p, &len);
	unsigned i;

	cr_assert_eq(ring_bcast_producer(&prod), 0);
	/* Nobody joined: the producer is never full. */
	for (i = 0; i < 20; i++)
		put(&prod, 100 + i);
	cr_assert_eq(ring_attach_mem(&a, mem, len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_attach_mem(&b, mem, len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_bcast_join(&a), 0);
	cr_assert_eq(ring_bcast_join(&b), 0);
	/* Joined at 20: nothing older is delivered. */
	cr_assert_eq(ring_bcast_pop(&a, &v, NULL), -EAGAIN);
	for (i = 0; i < 8; i++)
		put(&prod, i);
	v = 8;
	cr_assert_eq(ring_bcast_push(&prod, &v), -EAGAIN, "full: a and b hold 8");
	for (i = 0; i < 8; i++)
		get(&a, i, 0);
	cr_assert_eq(ring_bcast_pop(&a, &v, NULL), -EAGAIN);
	cr_assert_eq(ring_bcast_push(&prod, &v), -EAGAIN, "b still holds all 8");
	get(&b, 0, 0);
	get(&b, 1, 0);
	get(&b, 2, 0);
	/* Three free: a burst of five moves three. */
	for (i = 0; i < 5; i++)
		buf[i] = 8 + i;
	cr_assert_eq(ring_bcast_push_burst(&prod, buf, 5), 3);
	cr_assert_eq(ring_bcast_push_burst(&prod, buf + 3, 2), -EAGAIN);
	/* b leaves: a alone holds the producer (a is at 8, tail at 11). */
	cr_assert_eq(ring_bcast_leave(&b), 0);
	cr_assert_eq(ring_bcast_push_burst(&prod, buf + 3, 2), 2);
	for (i = 0; i < 16; i++)
		buf[i] = 13 + i;
	cr_assert_eq(ring_bcast_push_burst(&prod, buf, 16), 3, "a at 8: room up to 16");
	/* A late joiner starts at the tail (16). */
	cr_assert_eq(ring_attach_mem(&late, mem, len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_bcast_join(&late), 0);
	cr_assert_eq(ring_bcast_pop(&late, &v, NULL), -EAGAIN);
	cr_assert_eq(ring_bcast_pop_burst(&a, buf, 16, &v), 8);
	cr_assert_eq(v, 0);
	for (i = 0; i < 8; i++)
		cr_assert_eq(buf[i], 8 + i);
	put(&prod, 16);
	get(&late, 16, 0);
	get(&a, 16, 0);
	cr_assert_eq(ring_bcast_missed(&a), 0);
	ring_close(&late);
	ring_close(&a);
	ring_close(&b);
	ring_close(&prod);
	free(mem);
}

/* ---- lossy, one process ----------------------------------------------------- */

Test(bcast, lossy_lapped)
{
	struct ring_params p = bparams(8, 8, RING_F_BCAST_LOSSY);
	struct ring prod, a, b;
	uint64_t v, m, buf[8];
	size_t len;
	void *mem = mem_ring(&prod, &p, &len);
	unsigned i;

	cr_assert_eq(ring_bcast_producer(&prod), 0);
	cr_assert_eq(ring_attach_mem(&a, mem, len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_attach_mem(&b, mem, len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_bcast_join(&a), 0);
	cr_assert_eq(ring_bcast_join(&b), 0);
	/* The producer never waits: 30 into 8 slots. */
	for (i = 0; i < 30; i++)
		put(&prod, i);
	/* a lost 0..21 and reads the oldest eight, 22..29. */
	get(&a, 22, 22);
	for (i = 23; i < 30; i++)
		get(&a, i, 0);
	cr_assert_eq(ring_bcast_pop(&a, &v, &m), -EAGAIN);
	cr_assert_eq(ring_bcast_missed(&a), 22);
	/* b reads by bursts: the gap is reported with the first burst. */
	cr_assert_eq(ring_bcast_pop_burst(&b, buf, 3, &m), 3);
	cr_assert_eq(m, 22);
	cr_assert_eq(buf[0], 22);
	cr_assert_eq(buf[2], 24);
	/* b is lapped again while it holds 25..29 unread. */
	for (i = 30; i < 50; i++)
		put(&prod, i);
	cr_assert_eq(ring_bcast_pop_burst(&b, buf, 8, &m), 8);
	cr_assert_eq(m, 42 - 25, "25..41 lost");
	for (i = 0; i < 8; i++)
		cr_assert_eq(buf[i], 42 + i);
	cr_assert_eq(ring_bcast_missed(&b), 22 + 17);
	/* received + missed == produced since joining. */
	cr_assert_eq(3 + 8 + ring_bcast_missed(&b), 50);
	get(&a, 42, 12);
	ring_close(&a);
	ring_close(&b);
	ring_close(&prod);
	free(mem);
}

Test(bcast, lossy_one_slot_odd_size)
{
	struct ring_params p = bparams(1, 13, RING_F_BCAST_LOSSY);
	struct ring prod, a;
	unsigned char e[13], o[13];
	uint64_t m;
	size_t len;
	void *mem = mem_ring(&prod, &p, &len);
	unsigned i;

	cr_assert_eq(ring_bcast_producer(&prod), 0);
	cr_assert_eq(ring_attach_mem(&a, mem, len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_bcast_join(&a), 0);
	for (i = 0; i < 5; i++) {
		test_fill(e, sizeof(e), i);
		cr_assert_eq(ring_bcast_push(&prod, e), 0);
	}
	cr_assert_eq(ring_bcast_pop(&a, o, &m), 0);
	cr_assert_eq(m, 4);
	cr_assert(test_check(o, sizeof(o), 4));
	cr_assert_eq(ring_bcast_pop(&a, o, &m), -EAGAIN);
	ring_close(&a);
	ring_close(&prod);
	free(mem);
}

/* ---- end of stream, timed calls --------------------------------------------- */

Test(bcast, close_and_timeouts)
{
	struct ring_params p = bparams(4, 8, RING_F_BLOCKING);
	struct ring prod, a, nb;
	uint64_t v = 0, m;
	size_t len;
	void *mem = mem_ring(&prod, &p, &len);
	struct timespec past = {0, 0}, bad = {0, 1000000000L};
	unsigned i;

	cr_assert_eq(ring_bcast_producer(&prod), 0);
	cr_assert_eq(ring_attach_mem(&a, mem, len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_bcast_join(&a), 0);
	cr_assert_eq(ring_bcast_pop_timeout(&a, &v, &m, 2000000), -ETIMEDOUT);
	cr_assert_eq(ring_bcast_pop_wait(&a, &v, &m, &past), -ETIMEDOUT);
	cr_assert_eq(ring_bcast_pop_wait(&a, &v, &m, &bad), -EINVAL);
	cr_assert_eq(ring_bcast_pop_wait(&a, NULL, &m, NULL), -EINVAL);
	for (i = 0; i < 4; i++)
		cr_assert_eq(ring_bcast_push_wait(&prod, &v, NULL), 0);
	cr_assert_eq(ring_bcast_push_timeout(&prod, &v, 2000000), -ETIMEDOUT, "full");
	cr_assert_eq(ring_close_write(&prod), 0);
	cr_assert_eq(ring_bcast_push(&prod, &v), -EPIPE);
	cr_assert_eq(ring_bcast_push_wait(&prod, &v, NULL), -EPIPE);
	for (i = 0; i < 4; i++)
		cr_assert_eq(ring_bcast_pop_wait(&a, &v, &m, NULL), 0);
	cr_assert_eq(ring_bcast_pop(&a, &v, &m), -EPIPE);
	cr_assert_eq(ring_bcast_pop_wait(&a, &v, &m, NULL), -EPIPE);
	ring_close(&a);
	ring_close(&prod);
	free(mem);

	p.flags = 0;
	mem = mem_ring(&nb, &p, &len);
	cr_assert_eq(ring_bcast_producer(&nb), 0);
	cr_assert_eq(ring_bcast_push_wait(&nb, &v, NULL), -ENOTSUP);
	ring_close(&nb);
	free(mem);
}

/* ---- across processes --------------------------------------------------------- */

/* Join, say so, then sleep until killed. */
static int child_join_and_sleep(struct ring *r, long unused)
{
	(void)unused;
	CHILD_CHECK(ring_bcast_join(r) == 0);
	say_ready();
	for (;;)
		pause();
}

/* Join, then read with blocking pops until the end of the stream; every
 * element must be the next one (arg 0) or come with its exact gap (arg 1:
 * lossy). Exit 0 if received + missed == what the producer wrote (the
 * total comes as the last element's value + 1). */
static int child_reader(struct ring *r, long lossy)
{
	uint64_t v, m, next = 0, got = 0;
	int rc;

	CHILD_CHECK(ring_bcast_join(r) == 0);
	say_ready();
	while ((rc = ring_bcast_pop_wait(r, &v, &m, NULL)) == 0) {
		CHILD_CHECK(lossy || m == 0);
		next += m;
		CHILD_CHECK(v == next);
		next = v + 1;
		got++;
	}
	CHILD_CHECK(rc == -EPIPE);
	CHILD_CHECK(got + ring_bcast_missed(r) == next);
	CHILD_CHECK(lossy || got == next);
	return 0;
}

Test(bcast, killed_consumer_releases_producer)
{
	struct ring_params p = bparams(16, 8, RING_F_BLOCKING);
	struct ring prod;
	struct ring_stats st;
	struct ring_live_info info;
	struct timespec d;
	uint64_t v;
	pid_t kid;
	unsigned i;

	cr_assert_eq(ring_create_anon(&prod, &p), 0);
	kid = spawn(child_join_and_sleep, &prod, 0);
	wait_ready();
	cr_assert_eq(ring_bcast_producer(&prod), 0);
	for (i = 0; i < 16; i++)
		put(&prod, i);
	v = 16;
	cr_assert_eq(ring_bcast_push(&prod, &v), -EAGAIN, "the sleeping child holds it");
	cr_assert_eq(ring_bcast_push_timeout(&prod, &v, 3000000), -ETIMEDOUT);
	/* Killed, not reaped (a zombie until wait_kid): verified dead all
	 * the same, and the blocked producer goes on. */
	cr_assert_eq(kill(kid, SIGKILL), 0);
	d = later(ANY_DEADLINE_S * 1000);
	cr_assert_eq(ring_bcast_push_wait(&prod, &v, &d), 0);
	for (v = 17; v < 100; v++)
		cr_assert_eq(ring_bcast_push_wait(&prod, &v, &d), 0);
	cr_assert_eq(wait_kid(kid), 1000 + SIGKILL);
	/* Freeing the dead consumer's entry is a repair of the consumers'
	 * side, and a takeover. */
	cr_assert_eq(ring_stats(&prod, &st), 0);
	cr_assert_eq(st.cons.repairs, 1, "cons.repairs %llu", (unsigned long long)st.cons.repairs);
	cr_assert_eq(st.prod.repairs, 0);
	cr_assert_eq(ring_live_info(&prod, &info), 0);
	cr_assert_geq(info.takeovers, 1);
	ring_close(&prod);
}

/* SIGSTOP a consumer: under back-pressure the producer waits for it (and
 * goes on once it runs again); lossy, the producer does not wait. */
static void stopped_consumer(uint32_t flags)
{
	struct ring_params p = bparams(16, 8, RING_F_BLOCKING | flags);
	struct ring prod;
	uint64_t v;
	pid_t kid;
	int st;
	unsigned i, pushed = 0;

	cr_assert_eq(ring_create_anon(&prod, &p), 0);
	kid = spawn(child_reader, &prod, (flags & RING_F_BCAST_LOSSY) != 0);
	wait_ready();
	cr_assert_eq(ring_bcast_producer(&prod), 0);
	cr_assert_eq(kill(kid, SIGSTOP), 0);
	cr_assert_eq(test_wait_stopped(kid), 0);
	/* While it is stopped it reads nothing: at most 16 go in. */
	for (i = 0; i < 200; i++) {
		v = pushed;
		if (ring_bcast_push(&prod, &v) == 0)
			pushed++;
	}
	if (flags & RING_F_BCAST_LOSSY) {
		cr_assert_eq(pushed, 200, "the lossy producer never waits");
	} else {
		cr_assert_eq(pushed, 16, "one lap, then the stopped reader holds it");
		v = pushed;
		cr_assert_eq(ring_bcast_push_timeout(&prod, &v, 20000000), -ETIMEDOUT,
			     "the stopped consumer holds the producer");
	}
	cr_assert_eq(kill(kid, SIGCONT), 0);
	for (i = pushed; i < 5000; i++) {
		v = i;
		cr_assert_eq(ring_bcast_push_wait(&prod, &v, NULL), 0);
	}
	cr_assert_eq(ring_close_write(&prod), 0);
	st = wait_kid(kid);
	cr_assert_eq(st, 0, "reader exit %d", st);
	ring_close(&prod);
}

Test(bcast, stopped_consumer_backpressure)
{
	stopped_consumer(0);
}

Test(bcast, stopped_consumer_lossy)
{
	stopped_consumer(RING_F_BCAST_LOSSY);
}

static int child_producer_then_sleep(struct ring *r, long count)
{
	uint64_t i;

	/* The inherited handle's consumer role is the parent's. */
	CHILD_CHECK(ring_bcast_leave(r) == 0);
	CHILD_CHECK(ring_bcast_producer(r) == 0);
	for (i = 0; i < (uint64_t)count; i++)
		CHILD_CHECK(ring_bcast_push(r, &i) == 0);
	say_ready();
	for (;;)
		pause();
}

Test(bcast, dead_producer_replaced)
{
	struct ring_params p = bparams(16, 8, RING_F_BLOCKING);
	struct ring cons, prod;
	uint64_t v = 0, m;
	pid_t kid;
	unsigned i;

	cr_assert_eq(ring_create_anon(&cons, &p), 0);
	cr_assert_eq(ring_attach_mem(&prod, cons.map, cons.map_len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_bcast_join(&cons), 0);
	kid = spawn(child_producer_then_sleep, &cons, 5);
	wait_ready();
	cr_assert_eq(ring_bcast_producer(&prod), -EADDRINUSE, "the child holds the role");
	for (i = 0; i < 5; i++)
		get(&cons, i, 0);
	cr_assert_eq(kill(kid, SIGKILL), 0);
	/* A consumer waiting on a dead producer is told so. */
	cr_assert_eq(ring_bcast_pop_wait(&cons, &v, &m, NULL), -ECONNRESET);
	/* The role of a dead producer is taken over; the stream goes on. */
	cr_assert_eq(ring_bcast_producer(&prod), 0);
	put(&prod, 5);
	get(&cons, 5, 0);
	cr_assert_eq(wait_kid(kid), 1000 + SIGKILL);
	ring_close(&prod);
	ring_close(&cons);
}

/* ---- hostile words ------------------------------------------------------------- */

Test(bcast, hostile_cursor)
{
	struct ring_params p = bparams(8, 8, 0);
	struct ring prod, a;
	struct ring_part *fake;
	uint64_t v = 0;
	size_t len;
	void *mem = mem_ring(&prod, &p, &len);
	unsigned i;

	cr_assert_eq(ring_bcast_producer(&prod), 0);
	cr_assert_eq(ring_attach_mem(&a, mem, len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_bcast_join(&a), 0);
	/* A member entry, live in this process's name, with a cursor that
	 * cannot be a reader's (ahead of the tail): ignored. */
	fake = &prod.parts[5];
	fake->state = a.bc.entry->state; /* live: this process's */
	fake->op[0] = a.bc.entry->op[0]; /* a member */
	fake->cursor = 0; /* would hold the producer at 8 if it were looked at */
	for (i = 0; i < 8; i++)
		put(&prod, i);
	cr_assert_eq(ring_bcast_push(&prod, &v), -EAGAIN, "full: held by a");
	/* Above the scan hint (ring_layout.h): not looked at. */
	for (i = 0; i < 8; i++)
		get(&a, i, 0);
	for (i = 8; i < 16; i++)
		put(&prod, i);
	for (i = 8; i < 16; i++)
		get(&a, i, 0);
	/* Within it (as a joiner would have made it), with a cursor that cannot
	 * be a reader's (ahead of the tail): ignored. */
	prod.shm->cons.head |= 8;
	fake->cursor = 1000;
	v = 0;
	for (i = 16; i < 24; i++)
		put(&prod, i);
	cr_assert_eq(ring_bcast_push(&prod, &v), -EAGAIN, "a holds the producer, not the fake");
	for (i = 16; i < 24; i++)
		get(&a, i, 0);
	/* A cursor a lap behind is a (stopped or hostile) reader: it holds
	 * the producer, and only the producer. */
	fake->cursor = 24;
	for (i = 24; i < 32; i++)
		put(&prod, i);
	v = 32;
	cr_assert_eq(ring_bcast_push(&prod, &v), -EAGAIN);
	for (i = 24; i < 32; i++)
		get(&a, i, 0);
	cr_assert_eq(ring_bcast_push(&prod, &v), -EAGAIN, "held by the fake cursor");
	/* Garbage in the cursor of a consumer's own entry: ignored too. */
	fake->cursor = UINT64_MAX - 5;
	put(&prod, 32);
	get(&a, 32, 0);
	/* a's own cursor overwritten by someone: the producer may overwrite
	 * what a has not read; a sees the loss, never a torn element. */
	fake->op[0] = 0;
	a.bc.entry->cursor = 0;
	for (i = 33; i < 56; i++)
		put(&prod, i);
	get(&a, 48, 15);
	ring_close(&a);
	ring_close(&prod);
	free(mem);
}

Test(bcast, hostile_slot_and_tail)
{
	struct ring_params p = bparams(8, 8, RING_F_BCAST_LOSSY);
	struct ring prod, a;
	struct ring_bcast_slot *sl;
	uint64_t v, m;
	size_t len;
	void *mem = mem_ring(&prod, &p, &len);
	unsigned i;

	cr_assert_eq(ring_bcast_producer(&prod), 0);
	cr_assert_eq(ring_attach_mem(&a, mem, len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_bcast_join(&a), 0);
	for (i = 0; i < 4; i++)
		put(&prod, i);
	/* A sequence word that is not the producer's: that element is lost,
	 * the others are read. */
	sl = (struct ring_bcast_slot *)(void *)(prod.slots + 1 * prod.stride);
	sl->seq = 77;
	get(&a, 0, 0);
	get(&a, 2, 1);
	get(&a, 3, 0);
	/* A tail moved backwards: reported, and the reader continues from it
	 * (re-reading what is still intact there) rather than stop for good. */
	prod.shm->prod.tail = 1;
	cr_assert_eq(ring_bcast_pop(&a, &v, &m), -EUCLEAN);
	/* The producer puts its own tail back on its next push. */
	put(&prod, 4);
	get(&a, 2, 1);
	get(&a, 3, 0);
	get(&a, 4, 0);
	/* A tail far ahead: the reader is "lapped", finds no intact element
	 * and returns within its bound. */
	prod.shm->prod.tail = UINT64_C(1) << 40;
	for (i = 0; i < 3; i++)
		cr_assert_eq(ring_bcast_pop(&a, &v, &m), -EAGAIN);
	/* The producer restores its tail; the reader, now ahead of it, says
	 * so once and goes on from there. */
	put(&prod, 5);
	cr_assert_eq(ring_bcast_pop(&a, &v, &m), -EUCLEAN);
	cr_assert_eq(ring_bcast_pop(&a, &v, &m), -EAGAIN);
	put(&prod, 6);
	get(&a, 6, 0);
	ring_close(&a);
	ring_close(&prod);
	free(mem);
}

/* More lost elements in a row than one call skips: the call gives up with
 * -EAGAIN, and the next element delivered still carries the whole count. */
Test(bcast, losses_beyond_one_call)
{
	struct ring_params p = bparams(128, 8, RING_F_BCAST_LOSSY);
	struct ring prod, a;
	uint64_t v, m;
	size_t len;
	void *mem = mem_ring(&prod, &p, &len);
	unsigned i;

	cr_assert_eq(ring_bcast_producer(&prod), 0);
	cr_assert_eq(ring_attach_mem(&a, mem, len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_bcast_join(&a), 0);
	for (i = 0; i < 100; i++)
		put(&prod, i);
	/* One call skips at most 64 (BCAST_RETRIES in src/ring_bcast.c). */
	for (i = 0; i < 64; i++)
		((struct ring_bcast_slot *)(void *)(prod.slots + i * prod.stride))->seq = 1;
	cr_assert_eq(ring_bcast_pop(&a, &v, &m), -EAGAIN, "a bounded call");
	get(&a, 64, 64);
	cr_assert_eq(ring_bcast_missed(&a), 64);
	ring_close(&a);
	ring_close(&prod);
	free(mem);
}

/* ---- counts and counters ---------------------------------------------------------- */

Test(bcast, count_free_and_stats)
{
	struct ring_params p = bparams(8, 8, 0);
	struct ring prod, a, b, idle;
	struct ring_stats st;
	uint64_t v = 0;
	size_t len;
	void *mem = mem_ring(&prod, &p, &len);
	unsigned i;

	cr_assert_eq(ring_attach_mem(&a, mem, len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_attach_mem(&b, mem, len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_attach_mem(&idle, mem, len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_count(&idle), -EINVAL, "no broadcast role");
	cr_assert_eq(ring_free(&idle), -EINVAL);
	cr_assert_eq(ring_bcast_producer(&prod), 0);
	cr_assert_eq(ring_count(&prod), 0, "no consumer");
	cr_assert_eq(ring_free(&prod), 8);
	cr_assert_eq(ring_bcast_join(&a), 0);
	cr_assert_eq(ring_bcast_join(&b), 0);
	for (i = 0; i < 8; i++)
		put(&prod, i);
	cr_assert_eq(ring_bcast_push(&prod, &v), -EAGAIN);
	cr_assert_eq(ring_count(&prod), 8);
	cr_assert_eq(ring_free(&prod), 0);
	for (i = 0; i < 3; i++)
		get(&a, i, 0);
	cr_assert_eq(ring_count(&a), 5, "a's own backlog");
	cr_assert_eq(ring_free(&a), 3);
	cr_assert_eq(ring_count(&b), 8);
	cr_assert_eq(ring_count(&prod), 8, "b is the slowest");
	for (i = 0; i < 8; i++)
		get(&b, i, 0);
	cr_assert_eq(ring_count(&prod), 5, "now a is");
	cr_assert_eq(ring_free(&prod), 3);
	for (i = 3; i < 8; i++)
		get(&a, i, 0);
	cr_assert_eq(ring_bcast_pop(&a, &v, NULL), -EAGAIN);
	cr_assert_eq(ring_bcast_pop(&b, &v, NULL), -EAGAIN);
	cr_assert_eq(ring_stats(&prod, &st), 0);
	cr_assert_eq(st.prod.ops, 8, "pushes");
	cr_assert_eq(st.prod.again, 1, "one full push");
	cr_assert_eq(st.cons.ops, 16, "pops of both consumers, each counted once");
	cr_assert_eq(st.cons.again, 2);
	cr_assert_eq(st.cons.kind[RING_STAT_BCAST_MISSED - RING_STAT_KIND_FIRST], 0);
	/* Pops since the last slow path are added when the consumer leaves. */
	put(&prod, 8);
	put(&prod, 9);
	get(&a, 8, 0);
	get(&a, 9, 0);
	cr_assert_eq(ring_bcast_leave(&a), 0);
	cr_assert_eq(ring_stats(&prod, &st), 0);
	cr_assert_eq(st.cons.ops, 18);
	cr_assert_eq(ring_close_write(&prod), 0);
	cr_assert_eq(ring_bcast_push(&prod, &v), -EPIPE);
	get(&b, 8, 0);
	get(&b, 9, 0);
	cr_assert_eq(ring_bcast_pop(&b, &v, NULL), -EPIPE);
	cr_assert_eq(ring_stats(&prod, &st), 0);
	cr_assert_eq(st.prod.closed, 1);
	cr_assert_eq(st.cons.closed, 1);
	cr_assert_eq(st.cons.ops, 20);
	ring_close(&idle);
	ring_close(&b);
	ring_close(&a);
	ring_close(&prod);
	free(mem);
}

Test(bcast, lossy_count_and_missed_counter)
{
	struct ring_params p = bparams(8, 8, RING_F_BCAST_LOSSY);
	struct ring prod, a;
	struct ring_stats st;
	size_t len;
	void *mem = mem_ring(&prod, &p, &len);
	unsigned i;

	cr_assert_eq(ring_attach_mem(&a, mem, len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_bcast_producer(&prod), 0);
	cr_assert_eq(ring_bcast_join(&a), 0);
	for (i = 0; i < 13; i++)
		put(&prod, i);
	cr_assert_eq(ring_count(&prod), 0, "a lossy producer reads no cursor");
	cr_assert_eq(ring_free(&prod), 8);
	cr_assert_eq(ring_count(&a), 8, "at most a lap: the rest is lost");
	get(&a, 5, 5);
	cr_assert_eq(ring_count(&a), 7);
	cr_assert_eq(ring_stats(&a, &st), 0);
	cr_assert_eq(st.cons.kind[RING_STAT_BCAST_MISSED - RING_STAT_KIND_FIRST], 5);
	cr_assert_eq(st.prod.ops, 13);
	cr_assert_eq(st.prod.again, 0, "never full");
	ring_close(&a);
	ring_close(&prod);
	free(mem);
}
