/* SPDX-License-Identifier: MIT */
/*
 * Broadcast message rings (RING_F_BCAST_MSG): parameters and attach
 * validation, both policies step by step in one process (exact room,
 * padding at the wrap, lapped consumers' missed counts, -EMSGSIZE), the
 * zero-copy calls, end of stream and timed calls, and across processes a
 * consumer killed (its entry freed, counted as a repair) and one stopped,
 * and hostile words. Children report through their exit status only; each
 * runs in its own process group with PR_SET_PDEATHSIG and is killed and
 * reaped by the test even when an assertion fails first.
 */
#include <criterion/criterion.h>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <shmring/shmring.h>

#include "common.h"

static struct ring_params mparams(uint64_t bytes, uint64_t max, uint32_t flags)
{
	struct ring_params p = {RING_KIND_BCAST, RING_RULE_COUNT, bytes, max,
				RING_F_BCAST_MSG | flags, 0, 8, 0};

	return p;
}

/* Message seq of len bytes: test_pattern's bytes. */
static void mk(unsigned char *b, uint64_t seq, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = test_pattern(seq, i);
}

static void send_one(struct ring *r, uint64_t seq, size_t len)
{
	unsigned char b[512];
	int rc;

	mk(b, seq, len);
	rc = ring_bcast_send(r, b, len);
	cr_assert_eq(rc, 0, "send %llu: %s", (unsigned long long)seq, ring_strerror(rc));
}

static void recv_one(struct ring *r, uint64_t seq, size_t len, uint64_t missed)
{
	unsigned char b[512], want[512];
	size_t got = 9999;
	uint64_t m = 777;
	int rc = ring_bcast_recv(r, b, sizeof(b), &got, &m);

	cr_assert_eq(rc, 0, "recv (want %llu): %s", (unsigned long long)seq, ring_strerror(rc));
	cr_assert_eq(got, len, "length %zu, expected %zu", got, len);
	mk(want, seq, len);
	cr_assert(memcmp(b, want, len) == 0, "message %llu torn", (unsigned long long)seq);
	cr_assert_eq(m, missed, "missed %llu, expected %llu", (unsigned long long)m,
		     (unsigned long long)missed);
}

static pid_t kids[4];
static unsigned nkids;
static int ready_pipe[2];

static void setup(void)
{
	cr_assert_eq(pipe(ready_pipe), 0);
}

static void teardown(void)
{
	test_kids_reap(kids, &nkids);
	close(ready_pipe[0]);
	close(ready_pipe[1]);
}

TestSuite(bmsg, .init = setup, .fini = teardown);

static pid_t spawn(int (*fn)(struct ring *), struct ring *r)
{
	pid_t parent = getpid(), pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		CHILD_CHECK(getppid() == parent);
		setpgid(0, 0);
		_exit(fn(r));
	}
	setpgid(pid, pid);
	kids[nkids++] = pid;
	return pid;
}

static void forget_kid(pid_t pid)
{
	test_kids_forget(kids, &nkids, pid);
}

/* ---- parameters ------------------------------------------------------------ */

Test(bmsg, params)
{
	struct ring_params p = mparams(1024, 100, 0);
	struct ring r;

	cr_assert_gt(ring_memsize(&p), 1024);
	p.slots = 1000; /* not a power of two */
	cr_assert_eq(ring_memsize(&p), -EINVAL);
	p = mparams(1024, 512 - 32 + 1, 0); /* largest record above half */
	cr_assert_eq(ring_memsize(&p), -EINVAL);
	p = mparams(1024, 512 - 32, 0);
	cr_assert_gt(ring_memsize(&p), 0);
	p = mparams(32, 1, 0);
	cr_assert_eq(ring_memsize(&p), -EINVAL);
	p = mparams(1024, 100, RING_F_MSG_MP);
	cr_assert_eq(ring_memsize(&p), -EINVAL);
	p = mparams(1024, 100, 0);
	p.max_parts = 1;
	cr_assert_eq(ring_memsize(&p), -EINVAL);
	/* The flag is the broadcast kind's only. */
	p = mparams(1024, 100, 0);
	p.kind = RING_KIND_SPSC;
	cr_assert_eq(ring_memsize(&p), -EINVAL);
	p.kind = RING_KIND_MSG;
	cr_assert_eq(ring_memsize(&p), -EINVAL);
	/* The fixed-size calls refuse a message ring, and the other way. */
	p = mparams(1024, 100, 0);
	cr_assert_eq(ring_create_anon(&r, &p), 0);
	cr_assert_eq(ring_bcast_producer(&r), 0);
	cr_assert_eq(ring_bcast_push(&r, "12345678"), -EINVAL);
	cr_assert_eq(ring_bcast_push_burst(&r, "12345678", 1), -EINVAL);
	cr_assert_eq(ring_push(&r, "12345678"), -EINVAL);
	cr_assert_eq(ring_bcast_send(&r, "x", 101), -EMSGSIZE);
	cr_assert_eq(ring_bcast_leave(&r), 0);
	cr_assert_eq(ring_bcast_join(&r), 0);
	{
		unsigned char b[8];
		size_t l;

		cr_assert_eq(ring_bcast_pop(&r, b, NULL), -EINVAL);
		cr_assert_eq(ring_bcast_recv(&r, b, sizeof(b), &l, NULL), -EAGAIN);
		cr_assert_eq(ring_bcast_send(&r, "x", 1), -EINVAL, "a consumer does not send");
	}
	ring_close(&r);
	p = (struct ring_params){RING_KIND_BCAST, RING_RULE_COUNT, 16, 8, 0, 0, 0, 0};
	cr_assert_eq(ring_create_anon(&r, &p), 0);
	cr_assert_eq(ring_bcast_producer(&r), 0);
	cr_assert_eq(ring_bcast_send(&r, "x", 1), -EINVAL);
	ring_close(&r);
}

/* ---- back-pressure step by step --------------------------------------------- */

Test(bmsg, backpressure_room_and_wrap)
{
	struct ring_params p = mparams(256, 96, 0);
	struct ring prod, a, b;
	unsigned char buf[128];
	size_t l;
	uint64_t s = 0;

	cr_assert_eq(ring_create_anon(&prod, &p), 0);
	cr_assert_eq(ring_attach_mem(&a, prod.map, prod.map_len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_attach_mem(&b, prod.map, prod.map_len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_bcast_producer(&prod), 0);
	/* Nobody joined: nothing holds the producer (4 laps of 64-byte
	 * records). */
	for (s = 0; s < 16; s++)
		send_one(&prod, s, 32);
	cr_assert_eq(ring_bcast_join(&a), 0);
	cr_assert_eq(ring_bcast_join(&b), 0);
	/* Records of 32 + 48 = 80 bytes: three fit in 256, the fourth does
	 * not (a lap is 256 bytes from the slowest consumer). */
	send_one(&prod, 16, 48);
	send_one(&prod, 17, 48);
	send_one(&prod, 18, 48);
	cr_assert_eq(ring_bcast_send(&prod, buf, 48), -EAGAIN);
	cr_assert_eq(ring_count(&prod), 240);
	recv_one(&a, 16, 48, 0);
	cr_assert_eq(ring_bcast_send(&prod, buf, 48), -EAGAIN, "b still holds it");
	recv_one(&b, 16, 48, 0);
	/* At offset 240 the next record needs 16 bytes of padding first:
	 * 96 bytes, exactly the room the slowest consumer leaves. */
	send_one(&prod, 19, 48);
	cr_assert_eq(ring_bcast_send(&prod, buf, 0), -EAGAIN);
	recv_one(&a, 17, 48, 0);
	recv_one(&a, 18, 48, 0);
	recv_one(&a, 19, 48, 0);
	recv_one(&b, 17, 48, 0);
	recv_one(&b, 18, 48, 0);
	/* -EMSGSIZE leaves the message and tells its length. */
	cr_assert_eq(ring_bcast_recv(&b, buf, 10, &l, NULL), -EMSGSIZE);
	cr_assert_eq(l, 48);
	recv_one(&b, 19, 48, 0);
	/* Lengths 0, max, and many wraps with padding: every one in order. */
	for (s = 24; s < 400; s++) {
		size_t len = s % 5 == 0 ? 0 : s % 5 == 1 ? 96 : (size_t)(s * 7 % 97);

		send_one(&prod, s, len);
		recv_one(&a, s, len, 0);
		recv_one(&b, s, len, 0);
	}
	cr_assert_eq(ring_bcast_recv(&a, buf, sizeof(buf), &l, NULL), -EAGAIN);
	/* A consumer that leaves stops holding the producer: b stops
	 * reading, a reads everything, the producer is full; b leaves. */
	for (s = 400; ring_bcast_send(&prod, buf, 96) == 0; s++)
		cr_assert_lt(s, 410);
	cr_assert_geq(s, 401);
	while (ring_bcast_recv(&a, buf, sizeof(buf), &l, NULL) == 0)
		;
	cr_assert_eq(ring_bcast_send(&prod, buf, 96), -EAGAIN, "b holds it");
	cr_assert_eq(ring_bcast_leave(&b), 0);
	cr_assert_eq(ring_bcast_send(&prod, buf, 96), 0);
	ring_close(&a);
	ring_close(&b);
	ring_close(&prod);
}

/* ---- lossy ------------------------------------------------------------------ */

Test(bmsg, lossy_lapped_exact_missed)
{
	struct ring_params p = mparams(512, 100, RING_F_BCAST_LOSSY);
	struct ring prod, a;
	struct ring_stats st;
	unsigned char buf[128];
	size_t l;
	uint64_t s, m;

	cr_assert_eq(ring_create_anon(&prod, &p), 0);
	cr_assert_eq(ring_attach_mem(&a, prod.map, prod.map_len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_bcast_producer(&prod), 0);
	send_one(&prod, 0, 10);
	cr_assert_eq(ring_bcast_join(&a), 0);
	/* The producer never waits: 100 messages of 64-byte records. */
	for (s = 1; s <= 100; s++)
		send_one(&prod, s, 20);
	/* Lapped: continues at the tail, then learns from the next message
	 * how many it missed: 1..100 all. */
	cr_assert_eq(ring_bcast_recv(&a, buf, sizeof(buf), &l, &m), -EAGAIN);
	send_one(&prod, 101, 30);
	recv_one(&a, 101, 30, 100);
	cr_assert_eq(ring_bcast_missed(&a), 100);
	/* Within a lap, nothing is lost. */
	for (s = 102; s < 106; s++)
		send_one(&prod, s, 50);
	for (s = 102; s < 106; s++)
		recv_one(&a, s, 50, 0);
	cr_assert_eq(ring_bcast_leave(&a), 0);
	cr_assert_eq(ring_stats(&prod, &st), 0);
	cr_assert_eq(st.prod.ops, 106, "messages published");
	cr_assert_eq(st.cons.ops, 5, "messages delivered");
	cr_assert_eq(st.cons.kind[0], 100, "messages missed");
	ring_close(&a);
	ring_close(&prod);
}

Test(bmsg, zero_copy)
{
	struct ring_params p = mparams(512, 100, RING_F_BCAST_LOSSY);
	struct ring prod, a;
	const void *cp;
	void *wp;
	size_t l;
	uint64_t m, s;
	unsigned char want[128];

	cr_assert_eq(ring_create_anon(&prod, &p), 0);
	cr_assert_eq(ring_attach_mem(&a, prod.map, prod.map_len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_bcast_producer(&prod), 0);
	cr_assert_eq(ring_bcast_join(&a), 0);
	/* Reserve 100, commit 40; a second reservation waits for the first. */
	cr_assert_eq(ring_bcast_reserve(&prod, 100, &wp), 0);
	cr_assert_eq(((uintptr_t)wp) % 16, 0);
	cr_assert_eq(ring_bcast_reserve(&prod, 10, &wp), -EALREADY);
	cr_assert_eq(ring_bcast_send(&prod, "x", 1), -EALREADY);
	mk(wp, 0, 40);
	cr_assert_eq(ring_bcast_commit(&prod, 101), -EINVAL);
	cr_assert_eq(ring_bcast_commit(&prod, 40), 0);
	cr_assert_eq(ring_bcast_commit(&prod, 40), -EINVAL);
	/* An aborted reservation is stepped over and uses no sequence. */
	cr_assert_eq(ring_bcast_reserve(&prod, 60, &wp), 0);
	cr_assert_eq(ring_bcast_abort(&prod), 0);
	send_one(&prod, 1, 7);
	cr_assert_eq(ring_bcast_peek(&a, &cp, &l, &m), 0);
	mk(want, 0, 40);
	cr_assert(l == 40 && m == 0 && memcmp(cp, want, 40) == 0);
	cr_assert_eq(ring_bcast_peek(&a, &cp, &l, &m), -EALREADY);
	cr_assert_eq(ring_bcast_validate(&a), 0);
	cr_assert_eq(ring_bcast_release(&a), 0);
	cr_assert_eq(ring_bcast_release(&a), -EINVAL);
	recv_one(&a, 1, 7, 0);
	/* Peeked, then overwritten by the lossy producer: the release says
	 * so and counts it as missed. */
	send_one(&prod, 2, 50);
	cr_assert_eq(ring_bcast_peek(&a, &cp, &l, &m), 0);
	for (s = 3; s < 20; s++)
		send_one(&prod, s, 50);
	cr_assert_eq(ring_bcast_validate(&a), -ENODATA);
	cr_assert_eq(ring_bcast_release(&a), -ENODATA);
	cr_assert_eq(ring_bcast_missed(&a), 1);
	/* Lapped: it continues at the tail, and 3..19 are counted with the
	 * next message, 20. */
	cr_assert_eq(ring_bcast_recv(&a, want, sizeof(want), &l, &m), -EAGAIN);
	send_one(&prod, 20, 5);
	recv_one(&a, 20, 5, 17);
	cr_assert_eq(ring_bcast_missed(&a), 18);
	/* A peek left open goes with the role. */
	send_one(&prod, 21, 5);
	cr_assert_eq(ring_bcast_peek(&a, &cp, &l, &m), 0);
	cr_assert_eq(ring_bcast_leave(&a), 0);
	cr_assert_eq(ring_bcast_join(&a), 0);
	cr_assert_eq(ring_bcast_recv(&a, want, sizeof(want), &l, &m), -EAGAIN);
	send_one(&prod, 22, 6);
	recv_one(&a, 22, 6, 0);
	ring_close(&a);
	ring_close(&prod);
}

Test(bmsg, close_and_timeouts)
{
	struct ring_params p = mparams(1024, 100, RING_F_BLOCKING);
	struct ring prod, a;
	unsigned char buf[128];
	void *wp;
	size_t l;

	cr_assert_eq(ring_create_anon(&prod, &p), 0);
	cr_assert_eq(ring_attach_mem(&a, prod.map, prod.map_len, RING_KIND_BCAST), 0);
	cr_assert_eq(ring_bcast_producer(&prod), 0);
	cr_assert_eq(ring_bcast_join(&a), 0);
	cr_assert_eq(ring_bcast_recv_timeout(&a, buf, sizeof(buf), &l, NULL, 2000000), -ETIMEDOUT);
	send_one(&prod, 0, 3);
	cr_assert_eq(ring_bcast_recv_timeout(&a, buf, sizeof(buf), &l, NULL, 2000000), 0);
	cr_assert_eq(l, 3);
	send_one(&prod, 1, 4);
	cr_assert_eq(ring_close_write(&prod), 0);
	cr_assert_eq(ring_bcast_send(&prod, buf, 1), -EPIPE);
	cr_assert_eq(ring_bcast_reserve(&prod, 1, &wp), -EPIPE);
	recv_one(&a, 1, 4, 0);
	cr_assert_eq(ring_bcast_recv_wait(&a, buf, sizeof(buf), &l, NULL, NULL), -EPIPE);
	ring_close(&a);
	ring_close(&prod);
}

/* ---- across processes --------------------------------------------------------- */

static int child_join_sleep(struct ring *r)
{
	CHILD_CHECK(ring_bcast_join(r) == 0);
	CHILD_CHECK(write(ready_pipe[1], "r", 1) == 1);
	for (;;)
		pause();
}

Test(bmsg, killed_consumer_releases_producer)
{
	struct ring_params p = mparams(1024, 100, RING_F_BLOCKING);
	struct ring prod;
	struct ring_stats st;
	unsigned char buf[128] = {0};
	pid_t kid;
	char ch;
	int n = 0;

	cr_assert_eq(ring_create_anon(&prod, &p), 0);
	kid = spawn(child_join_sleep, &prod);
	cr_assert_eq(read(ready_pipe[0], &ch, 1), 1);
	cr_assert_eq(ring_bcast_producer(&prod), 0);
	while (ring_bcast_send(&prod, buf, 100) == 0)
		n++;
	cr_assert_eq(n, 1024 / 144, "a lap of 144-byte records");
	cr_assert_eq(ring_bcast_send_timeout(&prod, buf, 100, 3000000), -ETIMEDOUT);
	cr_assert_eq(kill(kid, SIGKILL), 0);
	/* Verified dead (a zombie until reaped): the producer goes on. */
	cr_assert_eq(ring_bcast_send_timeout(&prod, buf, 100, 60000000000ull), 0);
	cr_assert_eq(test_wait_child(kid), 1000 + SIGKILL);
	forget_kid(kid);
	cr_assert_eq(ring_stats(&prod, &st), 0);
	cr_assert_eq(st.cons.repairs, 1, "the freed entry counts as a repair");
	ring_close(&prod);
}

static int child_slow_reader(struct ring *r)
{
	unsigned char buf[128];
	size_t l;
	uint64_t m, got = 0;
	int rc;

	CHILD_CHECK(ring_bcast_join(r) == 0);
	CHILD_CHECK(write(ready_pipe[1], "r", 1) == 1);
	while ((rc = ring_bcast_recv_wait(r, buf, sizeof(buf), &l, &m, NULL)) == 0)
		got++;
	CHILD_CHECK(rc == -EPIPE);
	CHILD_CHECK(got + ring_bcast_missed(r) == 5000);
	return (r->flags & RING_F_BCAST_LOSSY) || ring_bcast_missed(r) == 0 ? 0 : 7;
}

static void stopped(uint32_t flags)
{
	struct ring_params p = mparams(1024, 100, RING_F_BLOCKING | flags);
	struct ring prod;
	unsigned char buf[128] = {0};
	pid_t kid;
	char ch;
	unsigned i, sent = 0;

	cr_assert_eq(ring_create_anon(&prod, &p), 0);
	kid = spawn(child_slow_reader, &prod);
	cr_assert_eq(read(ready_pipe[0], &ch, 1), 1);
	cr_assert_eq(ring_bcast_producer(&prod), 0);
	cr_assert_eq(kill(kid, SIGSTOP), 0);
	cr_assert_eq(test_wait_stopped(kid), 0);
	for (i = 0; i < 100; i++)
		sent += ring_bcast_send(&prod, buf, 50) == 0;
	if (flags & RING_F_BCAST_LOSSY)
		cr_assert_eq(sent, 100, "the lossy producer never waits");
	else
		cr_assert_eq(sent, 1024 / 96, "the stopped reader holds it");
	cr_assert_eq(kill(kid, SIGCONT), 0);
	for (i = sent; i < 5000; i++)
		cr_assert_eq(ring_bcast_send_wait(&prod, buf, (size_t)(i % 100), NULL), 0);
	cr_assert_eq(ring_close_write(&prod), 0);
	cr_assert_eq(test_wait_child(kid), 0);
	forget_kid(kid);
	ring_close(&prod);
}

Test(bmsg, stopped_consumer_backpressure)
{
	stopped(0);
}

Test(bmsg, stopped_consumer_lossy)
{
	stopped(RING_F_BCAST_LOSSY);
}

/* ---- hostile words ------------------------------------------------------------ */

Test(bmsg, hostile_cursor_and_records)
{
	struct ring_params p = mparams(512, 100, 0);
	struct ring prod, a;
	struct ring_shared *s;
	unsigned char buf[128];
	size_t l;
	uint64_t i;
	int rc;

	cr_assert_eq(ring_create_anon(&prod, &p), 0);
	cr_assert_eq(ring_attach_mem(&a, prod.map, prod.map_len, RING_KIND_BCAST), 0);
	s = (struct ring_shared *)prod.map;
	cr_assert_eq(ring_bcast_producer(&prod), 0);
	cr_assert_eq(ring_bcast_join(&a), 0);
	/* A cursor ahead of the producer is no reader's: it does not hold
	 * it, and the producer's view stays bounded. */
	ring_pvt_store(&a.bc.entry->cursor, UINT64_C(1) << 40, relaxed);
	for (i = 0; i < 20; i++)
		cr_assert_eq(ring_bcast_send(&prod, buf, 10), 0);
	/* A record header rewritten: -EUCLEAN, and the reader goes on from
	 * the tail, never outside the area. */
	ring_pvt_store(&((struct ring_msg_hdr *)(void *)(s->hdr.data_offset + (unsigned char *)s))->meta,
		       UINT64_MAX, relaxed);
	for (i = 0; i < 40; i++) {
		rc = ring_bcast_recv(&a, buf, sizeof(buf), &l, NULL);
		cr_assert(rc == 0 || rc == -EUCLEAN || rc == -EAGAIN, "%s", ring_strerror(rc));
		if (rc == 0)
			cr_assert_leq(l, 100);
	}
	/* The intent word far ahead: every copy looks overwritten; the calls
	 * stay bounded (-EAGAIN), nothing is delivered. */
	cr_assert_eq(ring_bcast_send(&prod, buf, 10), 0);
	ring_pvt_store(&s->prod.bmsg_intent, UINT64_MAX / 2, relaxed);
	rc = ring_bcast_recv(&a, buf, sizeof(buf), &l, NULL);
	cr_assert(rc == -EAGAIN, "%s", ring_strerror(rc));
	ring_close(&a);
	ring_close(&prod);
}
