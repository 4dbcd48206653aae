/* SPDX-License-Identifier: MIT */
/*
 * Cross-process SPSC transfers, all three capacity rules, every message checked by
 * the receiving process (in order, none lost, none duplicated; larger
 * payloads also by checksum):
 *   (a) over fork: an anonymous ring inherited by a producer child and a
 *       consumer child; a named ring that both children open by name;
 *   (b) two separately started programs (xproc_peer, via posix_spawn) that
 *       meet by name: the producer creates it, the consumer retries opening
 *       it until it exists, then unlinks it.
 * The traffic mixes single, bulk and burst moves on both sides. Children and
 * peers report only through their exit status (a child calling cr_* would hang
 * Criterion); xproc_peer.c lists the codes.
 */
#include <criterion/criterion.h>

#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>

#include <shmring/ring.h>

#include "common.h"

#ifndef XPROC_PEER_PATH
#error "XPROC_PEER_PATH must name the xproc_peer executable"
#endif

/* From xproc_peer.c, linked in without its main(). */
int xproc_produce(struct ring *r, uint64_t count);
int xproc_consume(struct ring *r, uint64_t count);

/* ---- (a) fork ------------------------------------------------------------- */

/*
 * Fork a child that runs one side. With `name`, the child opens its own
 * handle by name (and writes a byte to `ready_fd` once open); otherwise it
 * uses the handle it inherited.
 */
static pid_t fork_side(struct ring *inherited, const char *name, int ready_fd, int producer,
		       uint64_t count)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct ring own;
		struct ring *r = inherited;
		int rc;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		CHILD_CHECK(getppid() == parent);
		if (name != NULL) {
			CHILD_CHECK(ring_open(&own, name, RING_KIND_SPSC) == 0);
			CHILD_CHECK(write(ready_fd, "x", 1) == 1);
			r = &own;
		}
		rc = producer ? xproc_produce(r, count) : xproc_consume(r, count);
		ring_close(r);
		_exit(rc);
	}
	return pid;
}

static void fork_anon(uint32_t rule, uint64_t slots, uint64_t esz, uint64_t count)
{
	struct ring_params p = {RING_KIND_SPSC, rule, slots, esz, 0, 0, 0, 0};
	struct ring r;
	pid_t cons, prod;
	int sc, sp;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	cons = fork_side(&r, NULL, -1, 0, count);
	prod = fork_side(&r, NULL, -1, 1, count);
	sc = test_wait_child(cons);
	sp = test_wait_child(prod);
	cr_assert_eq(sp, 0, "producer exit %d", sp);
	cr_assert_eq(sc, 0, "consumer exit %d", sc);
	/* The parent's own handle sees the same, finished ring. */
	cr_assert_eq(ring_is_closed(&r), 1);
	cr_assert_eq(ring_count(&r), 0);
	cr_assert_eq(ring_close(&r), 0);
}

static void fork_named(uint32_t rule, uint64_t slots, uint64_t esz, uint64_t count)
{
	struct ring_params p = {RING_KIND_SPSC, rule, slots, esz, 0, 0, 0, 0};
	struct ring r;
	char name[64], c[2];
	pid_t cons, prod;
	int sc, sp, pfd[2];
	ssize_t got = 0, n;

	test_shm_name(name, sizeof(name), "xfork");
	cr_assert_eq(pipe(pfd), 0);
	cr_assert_eq(ring_create(&r, name, &p), 0);
	/* The creator's handle is not needed: the children open their own. */
	cr_assert_eq(ring_close(&r), 0);
	cons = fork_side(NULL, name, pfd[1], 0, count);
	prod = fork_side(NULL, name, pfd[1], 1, count);
	close(pfd[1]);
	/* Unlink as soon as both have opened (or one has died trying). */
	while (got < 2 && (n = read(pfd[0], c, sizeof(c) - (size_t)got)) > 0)
		got += n;
	close(pfd[0]);
	cr_assert_eq(ring_unlink(name), 0);
	sc = test_wait_child(cons);
	sp = test_wait_child(prod);
	cr_assert_eq(got, 2, "only %zd children opened the ring", got);
	cr_assert_eq(sp, 0, "producer exit %d", sp);
	cr_assert_eq(sc, 0, "consumer exit %d", sc);
}

Test(xproc, fork_anon_n1)
{
	fork_anon(RING_RULE_N1, 1000, 8, 1000000);
}

Test(xproc, fork_anon_count)
{
	fork_anon(RING_RULE_COUNT, 1024, 8, 1000000);
}

Test(xproc, fork_anon_seq)
{
	fork_anon(RING_RULE_SEQ, 1024, 8, 1000000);
	fork_anon(RING_RULE_SEQ, 2, 8, 200000);
}

Test(xproc, fork_named_n1)
{
	fork_named(RING_RULE_N1, 64, 8, 1000000);
	fork_named(RING_RULE_N1, 7, 64, 200000);
}

Test(xproc, fork_named_count)
{
	fork_named(RING_RULE_COUNT, 100, 8, 1000000);
	fork_named(RING_RULE_COUNT, 7, 64, 200000);
}

Test(xproc, fork_named_seq)
{
	fork_named(RING_RULE_SEQ, 64, 8, 1000000);
	fork_named(RING_RULE_SEQ, 8, 64, 200000);
}

/* ---- (b) two separately started programs ---------------------------------- */

static pid_t spawn_peer(const char *role, const char *name, const char *rule, uint64_t esz,
			uint64_t count, uint64_t slots)
{
	char s_esz[24], s_count[24], s_slots[24];
	char *argv[] = {(char *)"xproc_peer", (char *)role, (char *)name, (char *)rule,
			s_esz, s_count, s_slots, NULL};
	pid_t pid;
	int rc;

	snprintf(s_esz, sizeof(s_esz), "%llu", (unsigned long long)esz);
	snprintf(s_count, sizeof(s_count), "%llu", (unsigned long long)count);
	snprintf(s_slots, sizeof(s_slots), "%llu", (unsigned long long)slots);
	rc = posix_spawn(&pid, XPROC_PEER_PATH, NULL, NULL, argv, environ);
	cr_assert_eq(rc, 0, "posix_spawn %s: %s", XPROC_PEER_PATH, strerror(rc));
	return pid;
}

static void spawned_pair(const char *rule, uint64_t slots, uint64_t esz, uint64_t count)
{
	char name[64];
	pid_t cons, prod;
	int sc, sp, ul;

	test_shm_name(name, sizeof(name), "xspawn");
	/* Consumer first: it must wait for the name to appear. */
	cons = spawn_peer("cons", name, rule, esz, count, slots);
	prod = spawn_peer("prod", name, rule, esz, count, slots);
	sc = test_wait_child(cons);
	sp = test_wait_child(prod);
	/* The consumer unlinked the name once it had opened it; if anything
	 * failed before that, this removes it. */
	ul = ring_unlink(name);
	cr_assert_eq(sp, 0, "producer exit %d", sp);
	cr_assert_eq(sc, 0, "consumer exit %d", sc);
	cr_assert_eq(ul, -ENOENT, "the consumer should have unlinked %s", name);
}

Test(xproc, spawned_n1_1e7)
{
	spawned_pair("n1", 1000, 8, 10000000);
}

Test(xproc, spawned_count_1e7)
{
	spawned_pair("count", 4096, 8, 10000000);
}

Test(xproc, spawned_seq)
{
	spawned_pair("seq", 4096, 8, 2000000);
	spawned_pair("seq", 8, 24, 200000);
}

Test(xproc, spawned_64byte_checksum)
{
	spawned_pair("n1", 4096, 64, 1000000);
	spawned_pair("count", 999, 64, 1000000);
	spawned_pair("seq", 1024, 64, 500000);
}
