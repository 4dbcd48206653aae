/* SPDX-License-Identifier: MIT */
/*
 * One side of a cross-process transfer over an SPSC ring, checked message by
 * message. Used two ways:
 *
 *   - as a program (test_xproc starts two of them with posix_spawn):
 *       xproc_peer prod NAME RULE ESZ COUNT SLOTS   create NAME, push COUNT
 *                                                  messages, close_write
 *       xproc_peer cons NAME RULE ESZ COUNT SLOTS   open NAME (retrying while
 *                                                  it does not exist yet or is
 *                                                  not ready), unlink it, pop
 *                                                  until -EPIPE, check all
 *     RULE is "n1", "count" or "seq"; ESZ is 8 (the sequence number) or 16..64
 *     (sequence, pattern bytes, then an 8-byte checksum of the rest).
 *   - linked into test_xproc (XPROC_PEER_NO_MAIN) for forked children, which
 *     call xproc_produce() / xproc_consume() directly.
 *
 * The result is the exit status: 0, or one of the XPROC_E* codes below. A
 * side that makes no progress for XPROC_STALL_SEC seconds gives up
 * (XPROC_ESTALL) rather than spin forever if its peer died.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <shmring/ring.h>

#include "common.h"

enum {
	XPROC_EUSAGE = 2,
	XPROC_EOPEN = 3,    /* create/open failed or gave up retrying */
	XPROC_EUNLINK = 4,  /* the consumer could not unlink the name */
	XPROC_EPUSH = 5,    /* a push returned an unexpected error */
	XPROC_EPOP = 6,     /* a pop returned an unexpected error */
	XPROC_EORDER = 7,   /* a message out of order, duplicated or extra */
	XPROC_ESUM = 8,     /* a payload failed its checksum */
	XPROC_ELOST = 9,    /* end of stream before all messages arrived */
	XPROC_ESTALL = 10,  /* no progress for XPROC_STALL_SEC */
	XPROC_ECLOSE = 11,  /* ring_close_write failed */
	XPROC_EGEOM = 12,   /* the ring is not what was asked for */
};

#define XPROC_STALL_SEC 60
#define XPROC_BATCH 64
#define XPROC_ESZ_MAX 64
#define XPROC_OPEN_TRIES 30000 /* 1 ms apart: 30 s */

int xproc_produce(struct ring *r, uint64_t count);
int xproc_consume(struct ring *r, uint64_t count);

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * UINT64_C(0x100000001b3);
	return h;
}

/* Message seq: its number first; larger elements add pattern bytes and a
 * checksum over everything before it in the last 8 bytes. */
static void make_msg(unsigned char *m, size_t esz, uint64_t seq)
{
	uint64_t sum;

	memcpy(m, &seq, 8);
	if (esz > 8) {
		test_fill(m + 8, esz - 16, seq);
		sum = fnv1a(m, esz - 8);
		memcpy(m + esz - 8, &sum, 8);
	}
}

static int check_msg(const unsigned char *m, size_t esz, uint64_t expected)
{
	uint64_t seq, sum;

	memcpy(&seq, m, 8);
	if (seq != expected) {
		fprintf(stderr, "xproc: got message %llu, expected %llu\n",
			(unsigned long long)seq, (unsigned long long)expected);
		return XPROC_EORDER;
	}
	if (esz > 8) {
		memcpy(&sum, m + esz - 8, 8);
		if (sum != fnv1a(m, esz - 8) || !test_check(m + 8, esz - 16, seq)) {
			fprintf(stderr, "xproc: message %llu corrupt\n", (unsigned long long)seq);
			return XPROC_ESUM;
		}
	}
	return 0;
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Called when a move found the ring full/empty: yield now and then, and
 * give up after XPROC_STALL_SEC without progress. */
struct stall {
	unsigned spins;
	double since;
};

static int stalled(struct stall *s)
{
	test_spin_pause(&s->spins);
	if ((s->spins & 4095) == 0) {
		if (s->since == 0)
			s->since = now_sec();
		else if (now_sec() - s->since > XPROC_STALL_SEC)
			return 1;
	}
	return 0;
}

static void progressed(struct stall *s)
{
	s->spins = 0;
	s->since = 0;
}

/* Size of the move number `chunk`: varies from 1 to XPROC_BATCH, at most
 * the capacity. Mode 0 single, 1 bulk, 2 burst. */
static size_t chunk_size(uint64_t chunk, size_t cap)
{
	size_t k = 1 + (size_t)((chunk * 7) % XPROC_BATCH);

	return k < cap ? k : cap;
}

int xproc_produce(struct ring *r, uint64_t count)
{
	unsigned char buf[XPROC_BATCH * XPROC_ESZ_MAX];
	size_t esz = ring_elem_size(r), cap = ring_capacity(r), k, i;
	uint64_t seq = 0, chunk = 0;
	struct stall st = {0, 0};
	ssize_t rc;

	if (esz != 8 && (esz < 16 || esz > XPROC_ESZ_MAX))
		return XPROC_EGEOM;
	while (seq < count) {
		unsigned mode = (unsigned)(chunk % 3);

		k = mode == 0 ? 1 : chunk_size(chunk, cap);
		if (k > count - seq)
			k = (size_t)(count - seq);
		for (i = 0; i < k; i++)
			make_msg(buf + i * esz, esz, seq + i);
		for (;;) {
			if (mode == 0) {
				rc = ring_push(r, buf);
				if (rc == 0)
					rc = 1;
			} else if (mode == 1) {
				rc = ring_push_bulk(r, buf, k);
			} else {
				rc = ring_push_burst(r, buf, k);
			}
			if (rc != -EAGAIN && rc != -EBUSY) /* EBUSY: MPMC lost races */
				break;
			if (stalled(&st))
				return XPROC_ESTALL;
		}
		if (rc <= 0 || (mode == 1 && (size_t)rc != k)) {
			fprintf(stderr, "xproc: push mode %u of %zu: %zd (%s)\n", mode, k, rc,
				ring_strerror((int)rc));
			return XPROC_EPUSH;
		}
		progressed(&st);
		seq += (uint64_t)rc;
		chunk++;
	}
	if (ring_close_write(r) != 0)
		return XPROC_ECLOSE;
	return 0;
}

int xproc_consume(struct ring *r, uint64_t count)
{
	unsigned char buf[XPROC_BATCH * XPROC_ESZ_MAX];
	size_t esz = ring_elem_size(r), cap = ring_capacity(r), k, i;
	uint64_t expected = 0, chunk = 0;
	struct stall st = {0, 0};
	ssize_t rc;
	int err;

	if (esz != 8 && (esz < 16 || esz > XPROC_ESZ_MAX))
		return XPROC_EGEOM;
	for (;;) {
		unsigned mode = (unsigned)(chunk % 3);

		k = mode == 0 ? 1 : chunk_size(chunk, cap);
		if (mode == 0) {
			rc = ring_pop(r, buf);
			if (rc == 0)
				rc = 1;
		} else if (mode == 1) {
			rc = ring_pop_bulk(r, buf, k);
		} else {
			rc = ring_pop_burst(r, buf, k);
		}
		if (rc == -EAGAIN || rc == -EBUSY) {
			if (stalled(&st))
				return XPROC_ESTALL;
			chunk++;
			continue;
		}
		if (rc == -EPIPE) {
			/* A bulk larger than what remains after the close:
			 * the other modes drain the rest. */
			if (mode == 1) {
				chunk++;
				continue;
			}
			break;
		}
		if (rc <= 0 || (mode == 1 && (size_t)rc != k)) {
			fprintf(stderr, "xproc: pop mode %u of %zu: %zd (%s)\n", mode, k, rc,
				ring_strerror((int)rc));
			return XPROC_EPOP;
		}
		progressed(&st);
		for (i = 0; i < (size_t)rc; i++) {
			if (expected >= count) {
				fprintf(stderr, "xproc: more than %llu messages\n",
					(unsigned long long)count);
				return XPROC_EORDER;
			}
			err = check_msg(buf + i * esz, esz, expected);
			if (err)
				return err;
			expected++;
		}
		chunk++;
	}
	if (expected != count) {
		fprintf(stderr, "xproc: end of stream after %llu of %llu messages\n",
			(unsigned long long)expected, (unsigned long long)count);
		return XPROC_ELOST;
	}
	if (ring_count(r) != 0)
		return XPROC_EORDER;
	return 0;
}

#ifndef XPROC_PEER_NO_MAIN

static int open_retry(struct ring *r, const char *name)
{
	struct timespec ms = {0, 1000000};
	int i, rc = -ENOENT;

	for (i = 0; i < XPROC_OPEN_TRIES; i++) {
		rc = ring_open(r, name, RING_KIND_SPSC);
		if (rc != -ENOENT && rc != -EAGAIN)
			break;
		nanosleep(&ms, NULL);
	}
	if (rc != 0)
		fprintf(stderr, "xproc: open %s: %s\n", name, ring_strerror(rc));
	return rc;
}

int main(int argc, char **argv)
{
	struct ring_params p = {RING_KIND_SPSC, 0, 0, 0, 0, 0, 0, 0};
	pid_t parent = getppid();
	struct ring r;
	uint64_t count;
	int rc, prod;

	/* Do not outlive the test that started us. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		return XPROC_ESTALL;
	if (argc != 7)
		return XPROC_EUSAGE;
	prod = strcmp(argv[1], "prod") == 0;
	if (!prod && strcmp(argv[1], "cons") != 0)
		return XPROC_EUSAGE;
	p.rule = strcmp(argv[3], "n1") == 0    ? RING_RULE_N1
		 : strcmp(argv[3], "seq") == 0 ? RING_RULE_SEQ
						: RING_RULE_COUNT;
	p.elem_size = strtoull(argv[4], NULL, 10);
	count = strtoull(argv[5], NULL, 10);
	p.slots = strtoull(argv[6], NULL, 10);

	if (prod) {
		rc = ring_create(&r, argv[2], &p);
		if (rc != 0) {
			fprintf(stderr, "xproc: create %s: %s\n", argv[2], ring_strerror(rc));
			return XPROC_EOPEN;
		}
		rc = xproc_produce(&r, count);
	} else {
		if (open_retry(&r, argv[2]) != 0)
			return XPROC_EOPEN;
		/* Both sides have it open: the name is no longer needed. */
		if (ring_unlink(argv[2]) != 0)
			return XPROC_EUNLINK;
		if (ring_rule(&r) != p.rule || ring_elem_size(&r) != p.elem_size ||
		    ring_capacity(&r) != (p.rule == RING_RULE_N1 ? p.slots - 1 : p.slots))
			return XPROC_EGEOM;
		rc = xproc_consume(&r, count);
	}
	ring_close(&r);
	return rc;
}

#endif /* XPROC_PEER_NO_MAIN */
