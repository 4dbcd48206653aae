/* SPDX-License-Identifier: MIT */
/*
 * Counters (ring_stats, ring_inspect): exact after a known sequence of
 * operations made by other processes (forked children on named rings), for
 * each fixed-slot flavour; the n-1 rule's lap counter across many wraps and
 * under a concurrent reader; what ring_inspect reports for damaged objects.
 */
#include "common.h"
#include "cr_ring.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>

/* Fork a child that dies with the test (PR_SET_PDEATHSIG) and runs fn. */
static pid_t spawn(void (*fn)(const char *name, uint64_t arg), const char *name, uint64_t arg)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fn(name, arg);
		_exit(0);
	}
	return pid;
}

static void params(struct ring_params *p, uint32_t kind, uint32_t rule, uint64_t slots,
		   uint32_t flags)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->rule = rule;
	p->slots = slots;
	p->elem_size = 8;
	p->flags = flags;
}

/* Child: push arg elements one by one (the ring must have room for them all),
 * then three pushes that find the ring full: ops arg, again 3. */
static void child_fill(const char *name, uint64_t arg)
{
	struct ring r;
	uint64_t i, v = 0;

	CHILD_CHECK(ring_open(&r, name, RING_KIND_ANY) == 0);
	for (i = 0; i < arg; i++, v++)
		CHILD_CHECK(ring_push(&r, &v) == 0);
	for (i = 0; i < 3; i++)
		CHILD_CHECK(ring_push(&r, &v) == -EAGAIN);
	ring_close(&r);
}

/* Child: pop arg elements in order, then two pops that find it empty. */
static void child_drain(const char *name, uint64_t arg)
{
	struct ring r;
	uint64_t i, v;

	CHILD_CHECK(ring_open(&r, name, RING_KIND_ANY) == 0);
	for (i = 0; i < arg; i++) {
		CHILD_CHECK(ring_pop(&r, &v) == 0);
		CHILD_CHECK(v == i);
	}
	CHILD_CHECK(ring_pop(&r, &v) == -EAGAIN);
	CHILD_CHECK(ring_pop(&r, &v) == -EAGAIN);
	ring_close(&r);
}

static void expect_side(const struct ring_side_stats *s, uint64_t ops, uint64_t again,
			const char *side)
{
	cr_expect_eq(s->ops, ops, "%s ops %llu, expected %llu", side, (unsigned long long)s->ops,
		     (unsigned long long)ops);
	cr_expect_eq(s->again, again, "%s again %llu, expected %llu", side,
		     (unsigned long long)s->again, (unsigned long long)again);
}

/* Rounds of fill-in-a-child / drain-in-another-child; the parent checks
 * ring_stats through its own handle and ring_inspect by name. */
static void rounds(uint32_t kind, uint32_t rule, uint64_t slots, unsigned nrounds)
{
	struct ring_params p;
	struct ring_stats st;
	struct ring_inspect_info info;
	struct ring r;
	char name[96];
	uint64_t cap;
	unsigned i;

	test_shm_name(name, sizeof(name), "stats");
	params(&p, kind, rule, slots, 0);
	cr_assert_eq(ring_create(&r, name, &p), 0);
	cap = ring_capacity(&r);
	for (i = 0; i < nrounds; i++) {
		cr_assert_eq(test_wait_child(spawn(child_fill, name, cap)), 0);
		cr_assert_eq(test_wait_child(spawn(child_drain, name, cap)), 0);
	}
	cr_assert_eq(ring_stats(&r, &st), 0);
	expect_side(&st.prod, cap * nrounds, 3u * nrounds, "producer");
	expect_side(&st.cons, cap * nrounds, 2u * nrounds, "consumer");
	cr_expect_eq(st.flags, 0);
	cr_assert_eq(ring_inspect(name, &info), 0);
	cr_expect_eq(info.have, RING_INSPECT_OBJECT | RING_INSPECT_HDR | RING_INSPECT_INDICES |
				    RING_INSPECT_STATS | RING_INSPECT_PARTS);
	cr_expect_eq(memcmp(&info.stats, &st, sizeof(st)), 0, "ring_inspect differs from ring_stats");
	cr_expect_eq(info.count, 0);
	cr_expect_eq(info.capacity, cap);
	cr_expect_eq(info.kind, kind);
	cr_expect_eq(info.closed, 0);
	ring_unlink(name);
	ring_close(&r);
}

Test(stats, spsc_count_across_processes) { rounds(RING_KIND_SPSC, RING_RULE_COUNT, 8, 5); }
Test(stats, spsc_count_odd_slots) { rounds(RING_KIND_SPSC, RING_RULE_COUNT, 7, 4); }
/* n = 3: capacity 2, so each round of 2 wraps the index; 7 rounds = 14
 * elements, 4 laps and an index of 2 per side. */
Test(stats, spsc_n1_laps_across_processes) { rounds(RING_KIND_SPSC, RING_RULE_N1, 3, 7); }
Test(stats, spsc_n1_larger) { rounds(RING_KIND_SPSC, RING_RULE_N1, 16, 3); }
Test(stats, mpmc_across_processes) { rounds(RING_KIND_MPMC, RING_RULE_COUNT, 8, 5); }

/* Bulk and burst calls move several elements per call and cross the wrap in
 * one step: the lap is still counted once. */
Test(stats, n1_bulk_burst_wraps)
{
	struct ring_params p;
	struct ring_stats st;
	struct ring r;
	uint64_t buf[8] = {0}, total = 0;
	size_t len;
	void *mem;
	int i;

	params(&p, RING_KIND_SPSC, RING_RULE_N1, 5, 0);
	mem = mem_ring(&r, &p, &len);
	for (i = 0; i < 100; i++) {
		size_t n = 1 + (size_t)i % 4;

		cr_assert_eq(ring_push_bulk(&r, buf, n), (ssize_t)n);
		cr_assert_eq(ring_pop_burst(&r, buf, 8), (ssize_t)n);
		total += n;
	}
	cr_assert_eq(ring_stats(&r, &st), 0);
	cr_expect_eq(st.prod.ops, total);
	cr_expect_eq(st.cons.ops, total);
	cr_expect_eq(st.prod.again + st.cons.again, 0);
	ring_close(&r);
	free(mem);
}

/* Closed and corrupt results, from a child; the parent reads the counters. */
static void child_close_and_drain(const char *name, uint64_t arg)
{
	struct ring r;
	uint64_t v = 7;

	(void)arg;
	CHILD_CHECK(ring_open(&r, name, RING_KIND_ANY) == 0);
	CHILD_CHECK(ring_push(&r, &v) == 0);
	CHILD_CHECK(ring_close_write(&r) == 0);
	CHILD_CHECK(ring_push(&r, &v) == -EPIPE);
	CHILD_CHECK(ring_push(&r, &v) == -EPIPE);
	CHILD_CHECK(ring_pop(&r, &v) == 0);
	CHILD_CHECK(ring_pop(&r, &v) == -EPIPE);
	ring_close(&r);
}

static void closed_case(uint32_t kind, uint32_t rule)
{
	struct ring_params p;
	struct ring_inspect_info info;
	struct ring r;
	char name[96];

	test_shm_name(name, sizeof(name), "stclose");
	params(&p, kind, rule, 4, 0);
	cr_assert_eq(ring_create(&r, name, &p), 0);
	ring_close(&r);
	cr_assert_eq(test_wait_child(spawn(child_close_and_drain, name, 0)), 0);
	cr_assert_eq(ring_inspect(name, &info), 0);
	ring_unlink(name);
	cr_expect_eq(info.closed, 1);
	cr_expect_eq(info.count, 0);
	cr_expect_eq(info.stats.prod.ops, 1);
	cr_expect_eq(info.stats.cons.ops, 1);
	cr_expect_eq(info.stats.prod.closed, 2);
	cr_expect_eq(info.stats.cons.closed, 1);
}

Test(stats, closed_spsc_count) { closed_case(RING_KIND_SPSC, RING_RULE_COUNT); }
Test(stats, closed_spsc_n1) { closed_case(RING_KIND_SPSC, RING_RULE_N1); }
Test(stats, closed_mpmc) { closed_case(RING_KIND_MPMC, RING_RULE_COUNT); }

/* A consumer that sleeps in another process: one wait, one wake, exactly. */
static void child_wait_pop(const char *name, uint64_t arg)
{
	struct ring r;
	uint64_t v;

	(void)arg;
	CHILD_CHECK(ring_open(&r, name, RING_KIND_ANY) == 0);
	CHILD_CHECK(ring_pop_wait(&r, &v, NULL) == 0);
	CHILD_CHECK(v == 42);
	ring_close(&r);
}

static void wait_wake_case(uint32_t kind)
{
	struct ring_params p;
	struct ring_stats st;
	struct ring r;
	char name[96];
	uint64_t v = 42;
	pid_t pid;
	int i;

	test_shm_name(name, sizeof(name), "stwait");
	params(&p, kind, RING_RULE_COUNT, 4, RING_F_BLOCKING);
	cr_assert_eq(ring_create(&r, name, &p), 0);
	pid = spawn(child_wait_pop, name, 0);
	/* Until the child is asleep (its wait is counted before it sleeps);
	 * bounded: 60 s of 1 ms polls. */
	for (i = 0; i < 60000; i++) {
		cr_assert_eq(ring_stats(&r, &st), 0);
		if (st.cons.waits > 0)
			break;
		usleep(1000);
	}
	cr_assert_geq(st.cons.waits, 1, "consumer never slept");
	/* Let it reach the futex; a wake before is also fine (its futex_wait
	 * returns at once). Its sleep has no slice (SHMRING_TEST_SLICE_MS=0,
	 * test/ops.cmake), so it cannot leave and re-arm around the push. */
	usleep(10000);
	cr_assert_eq(ring_push(&r, &v), 0);
	cr_assert_eq(test_wait_child(pid), 0);
	cr_assert_eq(ring_stats(&r, &st), 0);
	ring_unlink(name);
	cr_expect_eq(st.prod.wakes, 1, "wakes %llu", (unsigned long long)st.prod.wakes);
	cr_expect_eq(st.cons.wakes, 0);
	cr_expect_geq(st.cons.waits, 1);
	cr_expect_eq(st.prod.waits, 0);
	cr_expect_eq(st.prod.ops, 1);
	cr_expect_eq(st.cons.ops, 1);
	cr_expect_eq(st.cons.timeouts, 0);
	ring_close(&r);
}

Test(stats, wait_wake_spsc) { wait_wake_case(RING_KIND_SPSC); }
Test(stats, wait_wake_mpmc) { wait_wake_case(RING_KIND_MPMC); }

Test(stats, timeouts)
{
	struct ring_params p;
	struct ring_stats st;
	struct ring r;
	uint64_t v = 0;
	size_t len;
	void *mem;

	params(&p, RING_KIND_SPSC, RING_RULE_COUNT, 2, RING_F_BLOCKING);
	mem = mem_ring(&r, &p, &len);
	cr_assert_eq(ring_pop_timeout(&r, &v, 1000000), -ETIMEDOUT);
	cr_assert_eq(ring_push(&r, &v), 0);
	cr_assert_eq(ring_push(&r, &v), 0);
	cr_assert_eq(ring_push_timeout(&r, &v, 1000000), -ETIMEDOUT);
	cr_assert_eq(ring_stats(&r, &st), 0);
	cr_expect_eq(st.cons.timeouts, 1);
	cr_expect_eq(st.prod.timeouts, 1);
	cr_expect_geq(st.cons.again, 1);
	cr_expect_geq(st.prod.again, 1);
	cr_expect_eq(st.prod.ops, 2);
	ring_close(&r);
	free(mem);
}

/* A hostile head: the producer's slow path meets it and counts it. */
Test(stats, corrupt_counted)
{
	struct ring_params p;
	struct ring_stats st;
	struct ring r;
	uint64_t v = 0;
	size_t len;
	void *mem;

	params(&p, RING_KIND_SPSC, RING_RULE_COUNT, 4, 0);
	mem = mem_ring(&r, &p, &len);
	ring_pvt_store(&r.shm->cons.head, UINT64_C(1) << 40, relaxed);
	cr_assert_eq(ring_push(&r, &v), -EUCLEAN);
	cr_assert_eq(ring_stats(&r, &st), 0);
	cr_expect_eq(st.prod.corrupt, 1);
	cr_expect_eq(st.prod.ops, 0);
	ring_close(&r);
	free(mem);
}

/* The lap counter read while it moves: a child pushes and pops through a
 * three-slot n-1 ring (a wrap every other element) while the parent reads
 * the positions; each read must be a count that existed (never one lap too
 * many or too few: successive reads never go down, and never pass the
 * total). */
static void child_churn(const char *name, uint64_t arg)
{
	struct ring r;
	uint64_t i, v = 0;

	CHILD_CHECK(ring_open(&r, name, RING_KIND_ANY) == 0);
	for (i = 0; i < arg; i++) {
		CHILD_CHECK(ring_push(&r, &v) == 0);
		CHILD_CHECK(ring_pop(&r, &v) == 0);
	}
	ring_close(&r);
}

Test(stats, n1_laps_read_while_moving)
{
	const uint64_t total = 200000;
	struct ring_params p;
	struct ring_stats st;
	struct ring_inspect_info info;
	struct ring r;
	char name[96];
	uint64_t last_p = 0, last_c = 0;
	unsigned reads = 0, moving = 0;
	pid_t pid;
	int done = 0;

	test_shm_name(name, sizeof(name), "stlaps");
	params(&p, RING_KIND_SPSC, RING_RULE_N1, 3, 0);
	cr_assert_eq(ring_create(&r, name, &p), 0);
	pid = spawn(child_churn, name, total);
	while (!done) {
		done = waitpid(pid, NULL, WNOHANG) == pid;
		/* Alternate the two readers: the mapping and pread. */
		if (reads & 1) {
			cr_assert_eq(ring_stats(&r, &st), 0);
		} else {
			cr_assert_eq(ring_inspect(name, &info), 0);
			st = info.stats;
		}
		reads++;
		if (st.flags & RING_STATS_F_MOVING) {
			moving++;
			continue; /* documented as approximate */
		}
		cr_assert_geq(st.prod.ops, last_p, "producer count went back: %llu after %llu",
			      (unsigned long long)st.prod.ops, (unsigned long long)last_p);
		cr_assert_geq(st.cons.ops, last_c, "consumer count went back: %llu after %llu",
			      (unsigned long long)st.cons.ops, (unsigned long long)last_c);
		cr_assert_leq(st.prod.ops, total);
		cr_assert_leq(st.cons.ops, total);
		last_p = st.prod.ops;
		last_c = st.cons.ops;
	}
	cr_assert_eq(ring_stats(&r, &st), 0);
	cr_expect_eq(st.prod.ops, total);
	cr_expect_eq(st.cons.ops, total);
	cr_log_info("%u reads, %u while moving", reads, moving);
	ring_unlink(name);
	ring_close(&r);
}

/* ---- ring_inspect on objects that are not (good) rings ------------------ */

static void write_obj(const char *name, const void *data, size_t len)
{
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

Test(inspect, not_a_ring)
{
	char name[96], junk[2048];
	struct ring_inspect_info info;

	memset(junk, 'x', sizeof(junk));
	test_shm_name(name, sizeof(name), "insjunk");
	write_obj(name, junk, sizeof(junk));
	cr_expect_eq(ring_inspect(name, &info), -EBADMSG);
	cr_expect_eq(info.status, -EBADMSG);
	cr_expect_eq(info.have, RING_INSPECT_OBJECT);
	ring_unlink(name);
	write_obj(name, junk, 10); /* shorter than the header */
	cr_expect_eq(ring_inspect(name, &info), -EBADMSG);
	ring_unlink(name);
	write_obj(name, junk, 0);
	cr_expect_eq(ring_inspect(name, &info), -EAGAIN);
	ring_unlink(name);
	cr_expect_eq(ring_inspect(name, &info), -ENOENT);
	cr_expect_eq(ring_inspect("bad", &info), -EINVAL);
	cr_expect_eq(ring_inspect(name, NULL), -EINVAL);
}

/* A real ring whose header or size is damaged afterwards. */
struct ring_geom_like {
	off_t size;
};

static void dmg_truncate(int fd, const struct ring_geom_like *g)
{
	cr_assert_eq(ftruncate(fd, g->size / 2), 0);
}

static void dmg_slots(int fd, const struct ring_geom_like *g)
{
	uint64_t v = UINT64_C(1) << 60;

	(void)g;
	cr_assert_eq(pwrite(fd, &v, 8, offsetof(struct ring_hdr, slots)), 8);
}

static void dmg_version(int fd, const struct ring_geom_like *g)
{
	uint32_t v = 99;

	(void)g;
	cr_assert_eq(pwrite(fd, &v, 4, offsetof(struct ring_hdr, version)), 4);
}

static void dmg_kind(int fd, const struct ring_geom_like *g)
{
	uint32_t v = 77;

	(void)g;
	cr_assert_eq(pwrite(fd, &v, 4, offsetof(struct ring_hdr, kind)), 4);
}

static void dmg_indices(int fd, const struct ring_geom_like *g)
{
	uint64_t v = 1000;

	(void)g;
	cr_assert_eq(pwrite(fd, &v, 8, offsetof(struct ring_shared, prod.tail)), 8);
}

static void damaged(void (*damage)(int fd, const struct ring_geom_like *g), int expect)
{
	struct ring_params p;
	struct ring_inspect_info info;
	struct ring_geom_like g;
	struct ring r;
	struct stat st;
	char name[96];
	int fd;

	test_shm_name(name, sizeof(name), "insdmg");
	params(&p, RING_KIND_SPSC, RING_RULE_COUNT, 64, 0);
	cr_assert_eq(ring_create(&r, name, &p), 0);
	ring_close(&r);
	fd = shm_open(name, O_RDWR, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, &st), 0);
	g.size = st.st_size;
	damage(fd, &g);
	close(fd);
	cr_expect_eq(ring_inspect(name, &info), expect, "ring_inspect %d, expected %d",
		     info.status, expect);
	cr_expect(info.have & RING_INSPECT_HDR);
	if (expect == 0) {
		cr_expect_eq(info.count, -EUCLEAN);
	} else {
		cr_expect_eq(info.have & (RING_INSPECT_INDICES | RING_INSPECT_STATS), 0);
		/* ring_open agrees. */
		cr_expect_eq(ring_open(&r, name, RING_KIND_ANY), expect);
	}
	ring_unlink(name);
}

Test(inspect, truncated) { damaged(dmg_truncate, -EMSGSIZE); }
Test(inspect, hostile_slots) { damaged(dmg_slots, -EPROTO); }
Test(inspect, other_version) { damaged(dmg_version, -EPROTONOSUPPORT); }
Test(inspect, unknown_kind) { damaged(dmg_kind, -EPROTO); }
Test(inspect, inconsistent_indices) { damaged(dmg_indices, 0); }

Test(inspect, fifo_does_not_block)
{
	char name[96], path[128];
	struct ring_inspect_info info;

	test_shm_name(name, sizeof(name), "insfifo");
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_expect_eq(ring_inspect(name, &info), -EBADMSG);
	unlink(path);
	cr_assert_eq(mkdir(path, 0700), 0);
	cr_expect_neq(ring_inspect(name, &info), 0);
	rmdir(path);
}

Test(stats, errors)
{
	struct ring_stats st;
	struct ring r;

	memset(&r, 0, sizeof(r));
	cr_expect_eq(ring_stats(NULL, &st), -EINVAL);
	cr_expect_eq(ring_stats(&r, &st), -EINVAL);
}

/* Child: take a role and leave without ring_close: its entry stays live in
 * the table, its death verifiable once it is reaped. arg: RING_ROLE_*. */
static void child_leave(const char *name, uint64_t arg)
{
	struct ring r;

	CHILD_CHECK(ring_open(&r, name, RING_KIND_ANY) == 0);
	CHILD_CHECK(ring_join(&r, (uint32_t)arg) == 0);
	_exit(0);
}

/* Child: hold a consumer role until killed. */
static void child_hold(const char *name, uint64_t arg)
{
	struct ring r;

	(void)arg;
	CHILD_CHECK(ring_open(&r, name, RING_KIND_ANY) == 0);
	CHILD_CHECK(ring_join(&r, RING_ROLE_CONSUMER) == 0);
	for (;;)
		pause();
}

/* ring_inspect_parts reads the table from a pread copy and judges it as
 * ring_participants does through a mapping: the same entries, pids, roles
 * and verdicts; a dead producer and a live consumer are told apart; nothing
 * is reclaimed by looking. */
static void parts_case(uint32_t kind, uint32_t flags)
{
	struct ring_params p;
	struct ring_inspect_info info;
	struct ring_part_info via_map[8], via_copy[8];
	struct ring r;
	char name[96];
	pid_t dead, live;
	ssize_t n, m, i;

	test_shm_name(name, sizeof(name), "parts");
	params(&p, kind, RING_RULE_COUNT, kind == RING_KIND_MSG ? 1024 : 16, flags);
	if (kind == RING_KIND_BYTES)
		p.elem_size = 1;
	cr_assert_eq(ring_create(&r, name, &p), 0);
	dead = spawn(child_leave, name, RING_ROLE_PRODUCER);
	cr_assert_eq(test_wait_child(dead), 0); /* reaped: the pid is gone */
	live = spawn(child_hold, name, 0);
	/* Wait for the holder to join (bounded: 10 s). */
	for (i = 0; i < 10000; i++) {
		cr_assert_geq(ring_inspect_parts(name, &info, NULL, 0), 0);
		if (info.live_consumers == 1)
			break;
		usleep(1000);
	}
	n = ring_participants(&r, via_map, 8);
	m = ring_inspect_parts(name, &info, via_copy, 8);
	kill(live, SIGKILL);
	test_wait_child(live);
	cr_assert_eq(m, n);
	cr_expect(info.have & RING_INSPECT_PARTS);
	cr_expect_eq(info.parts_used, (uint32_t)n);
	cr_expect_eq(info.parts_dead, 1);
	cr_expect_eq(info.live_producers, 0);
	cr_expect_eq(info.live_consumers, 1);
	for (i = 0; i < n; i++) {
		cr_expect_eq(via_copy[i].index, via_map[i].index);
		cr_expect_eq(via_copy[i].pid, via_map[i].pid);
		cr_expect_eq(via_copy[i].roles, via_map[i].roles);
		cr_expect_eq(via_copy[i].alive, via_map[i].alive);
		cr_expect_eq(via_copy[i].start_time, via_map[i].start_time);
		cr_expect_eq(via_copy[i].self, 0);
		if (via_copy[i].pid == dead)
			cr_expect(via_copy[i].alive == RING_PART_IS_DEAD &&
				  via_copy[i].roles == RING_ROLE_PRODUCER);
		else if (via_copy[i].pid == live)
			cr_expect(via_copy[i].alive == RING_PART_IS_ALIVE &&
				  via_copy[i].roles == RING_ROLE_CONSUMER);
	}
	/* Now both are dead; a short array still gets the count. */
	cr_expect_eq(ring_inspect_parts(name, &info, via_copy, 1), n);
	cr_expect_eq(info.parts_dead, 2);
	cr_expect_eq(info.parts_alive, (uint32_t)n - 2);
	/* Looking reclaimed nothing. */
	cr_expect_eq(ring_participants(&r, via_map, 8), n);
	cr_expect_eq(ring_inspect_parts(name, &info, NULL, 1), -EINVAL);
	ring_unlink(name);
	ring_close(&r);
}

Test(stats, parts_spsc) { parts_case(RING_KIND_SPSC, 0); }
Test(stats, parts_mpmc) { parts_case(RING_KIND_MPMC, 0); }
Test(stats, parts_msg_mp) { parts_case(RING_KIND_MSG, RING_F_MSG_MP); }
Test(stats, parts_bytes) { parts_case(RING_KIND_BYTES, 0); }

/* A table that ends past the object (the header's geometry says more
 * entries than the file holds) is never read: -EMSGSIZE, no PARTS. */
Test(stats, parts_truncated)
{
	struct ring_params p;
	struct ring_inspect_info info;
	struct ring_part_info pi[4];
	struct ring r;
	char name[96], path[128];

	test_shm_name(name, sizeof(name), "partstrunc");
	params(&p, RING_KIND_SPSC, RING_RULE_COUNT, 16, 0);
	cr_assert_eq(ring_create(&r, name, &p), 0);
	ring_close(&r);
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	cr_assert_eq(truncate(path, (off_t)(RING_DATA_OFFSET + 16 * 8 + 64)), 0);
	cr_expect_eq(ring_inspect_parts(name, &info, pi, 4), -EMSGSIZE);
	cr_expect_eq(info.have & RING_INSPECT_PARTS, 0);
	ring_unlink(name);
}
