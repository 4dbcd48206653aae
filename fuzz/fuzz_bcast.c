/* SPDX-License-Identifier: MIT */
/*
 * Broadcast operation sequences against a model, then hostile words.
 *
 * The input chooses a broadcast ring (slots 1..64, element size 1..40,
 * back-pressure or lossy, blocking or not, 5..7 participant entries) in heap
 * memory, a producer handle and four consumer handles, and runs up to
 * MAX_OPS calls: push, push burst, pop, pop burst (each consumer), timed
 * variants with a deadline in the past, join, leave, close_write. Until the
 * input writes a word of the shared region itself, every result is compared
 * with the model: the tail, each joined consumer's position, back-pressure
 * full exactly when the slowest consumer is a lap behind (-EAGAIN, bursts cut
 * to the room), lossy laps with the exact missed count and the oldest
 * element after it, -EPIPE after the close, -EINVAL without a role, every
 * payload byte.
 *
 * Hostile operations write a chosen value into a consumer's cursor, a free
 * entry (op[0], cursor), a slot's sequence or payload word, the tail, or
 * the producer's scan hint.
 * From then on results are only checked to be among the codes a call may
 * return, bursts never to exceed what was asked, and, under the lossy
 * policy, the producer never to report full: no cursor can hold it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <shmring/ring.h>

#include "fuzz_input.h"

#define MAX_ESZ 40
#define MAX_SLOTS 64
#define NCONS 4
#define MAX_OPS 2048
#define MAX_BURST (2 * MAX_SLOTS)

static unsigned char pattern(uint64_t salt, uint64_t pos, size_t i)
{
	uint64_t x = (pos + salt) * UINT64_C(0x9E3779B97F4A7C15) + i * UINT64_C(0xBF58476D1CE4E5B9);

	return (unsigned char)(x >> 56 ^ x >> 29 ^ x);
}

static void fill(unsigned char *e, uint32_t esz, uint64_t salt, uint64_t pos)
{
	size_t i;

	for (i = 0; i < esz; i++)
		e[i] = pattern(salt, pos, i);
}

static int same(const unsigned char *e, uint32_t esz, uint64_t salt, uint64_t pos)
{
	size_t i;

	for (i = 0; i < esz; i++)
		if (e[i] != pattern(salt, pos, i))
			return 0;
	return 1;
}

struct cons {
	struct ring h;
	int joined;
	uint64_t pos;
};

static int allowed_push(int rc)
{
	return rc == 0 || rc == -EAGAIN || rc == -EPIPE || rc == -ETIMEDOUT;
}

static int allowed_pop(long rc)
{
	return rc >= 0 || rc == -EAGAIN || rc == -EPIPE || rc == -EUCLEAN || rc == -ETIMEDOUT ||
	       rc == -ECONNRESET;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	struct ring_params p = {RING_KIND_BCAST, RING_RULE_COUNT, 0, 0, 0, 0, 0, 0};
	struct ring prod;
	struct cons c[NCONS];
	static unsigned char buf[MAX_BURST * MAX_ESZ], out[(MAX_BURST + 1) * MAX_ESZ];
	const struct timespec past = {0, 0};
	uint64_t salt, tail = 0, n;
	uint32_t esz;
	unsigned i, op, joined = 0;
	int lossy, blocking, closed = 0, hostile = 0;
	size_t len;
	void *mem;

	fi_init(&in, data, size);
	p.slots = fi_range(&in, 1, MAX_SLOTS);
	p.elem_size = fi_range(&in, 1, MAX_ESZ);
	lossy = fi_bool(&in);
	blocking = fi_bool(&in);
	p.flags = (lossy ? RING_F_BCAST_LOSSY : 0) | (blocking ? RING_F_BLOCKING : 0);
	/* Every attached handle holds an entry: the producer and NCONS
	 * consumers, and up to two spare. */
	p.max_parts = (uint32_t)fi_range(&in, NCONS + 1, NCONS + 3);
	salt = fi_u64(&in);
	n = p.slots;
	esz = (uint32_t)p.elem_size;
	len = (size_t)ring_memsize(&p);
	mem = aligned_alloc(64, (len + 63) & ~(size_t)63);
	FUZZ_CHECK(mem != NULL);
	FUZZ_CHECK(ring_init_mem(&prod, mem, len, &p) == 0);
	FUZZ_CHECK(ring_bcast_producer(&prod) == 0);
	for (i = 0; i < NCONS; i++) {
		FUZZ_CHECK(ring_attach_mem(&c[i].h, mem, len, RING_KIND_BCAST) == 0);
		c[i].joined = 0;
		c[i].pos = 0;
	}

	for (op = 0; op < MAX_OPS && fi_left(&in) > 0; op++) {
		unsigned what = (unsigned)fi_range(&in, 0, 9);
		struct cons *k = &c[fi_range(&in, 0, NCONS - 1)];
		uint64_t cnt = fi_range(&in, 1, MAX_BURST), room = n, j;

		/* The model's room: n, or the slowest joined consumer's. */
		if (!lossy)
			for (i = 0; i < NCONS; i++)
				if (c[i].joined && n - (tail - c[i].pos) < room)
					room = n - (tail - c[i].pos);
		switch (what) {
		case 0:   /* push one */
		case 1: { /* push, timed */
			int rc;

			fill(buf, esz, salt, tail);
			rc = what == 0 ? ring_bcast_push(&prod, buf) : ring_bcast_push_wait(&prod, buf, &past);
			if (hostile) {
				FUZZ_CHECK(allowed_push(rc) || (what == 1 && rc == -ENOTSUP));
				FUZZ_CHECK(!lossy || (rc != -EAGAIN && rc != -ETIMEDOUT));
				if (rc == 0)
					tail++;
				break;
			}
			if (what == 1 && !blocking)
				FUZZ_CHECK(rc == -ENOTSUP);
			else if (closed)
				FUZZ_CHECK(rc == -EPIPE);
			else if (room == 0)
				FUZZ_CHECK(rc == (what == 0 ? -EAGAIN : -ETIMEDOUT));
			else {
				FUZZ_CHECK(rc == 0);
				tail++;
			}
			break;
		}
		case 2: { /* push burst */
			ssize_t rc;

			for (j = 0; j < cnt; j++)
				fill(buf + j * esz, esz, salt, tail + j);
			rc = ring_bcast_push_burst(&prod, buf, cnt);
			if (hostile) {
				FUZZ_CHECK(rc == -EAGAIN || rc == -EPIPE || (rc > 0 && (uint64_t)rc <= cnt));
				FUZZ_CHECK(!lossy || rc != -EAGAIN);
				if (rc > 0)
					tail += (uint64_t)rc;
				break;
			}
			if (closed)
				FUZZ_CHECK(rc == -EPIPE);
			else if (room == 0)
				FUZZ_CHECK(rc == -EAGAIN);
			else {
				FUZZ_CHECK(rc == (ssize_t)(cnt < room ? cnt : room));
				tail += (uint64_t)rc;
			}
			break;
		}
		case 3:   /* pop one */
		case 4:   /* pop one, timed */
		case 5: { /* pop burst */
			uint64_t missed = UINT64_MAX, want = what == 5 ? cnt : 1, exp_missed = 0, avail;
			long rc;

			memset(out, 0x5a, sizeof(out));
			if (what == 3) {
				rc = ring_bcast_pop(&k->h, out, &missed);
				rc = rc == 0 ? 1 : rc;
			} else if (what == 4) {
				rc = ring_bcast_pop_wait(&k->h, out, &missed, &past);
				rc = rc == 0 ? 1 : rc;
			} else {
				rc = (long)ring_bcast_pop_burst(&k->h, out, want, &missed);
			}
			/* Nothing is written past what was asked for. */
			for (j = want * esz; j < (want + 1) * esz; j++)
				FUZZ_CHECK(out[j] == 0x5a);
			if (hostile) {
				FUZZ_CHECK(allowed_pop(rc) || rc == -EINVAL || rc == -ENOTSUP);
				FUZZ_CHECK(rc <= (long)want);
				break;
			}
			if (!k->joined) {
				FUZZ_CHECK(rc == (what == 4 && !blocking ? -ENOTSUP : -EINVAL));
				break;
			}
			if (what == 4 && !blocking) {
				FUZZ_CHECK(rc == -ENOTSUP);
				break;
			}
			if (tail - k->pos > n) {
				FUZZ_CHECK(lossy);
				exp_missed = tail - n - k->pos;
				k->pos = tail - n;
			}
			avail = tail - k->pos;
			if (avail == 0) {
				FUZZ_CHECK(rc == (closed ? -EPIPE : what == 4 ? -ETIMEDOUT : -EAGAIN));
				break;
			}
			FUZZ_CHECK(rc == (long)(want < avail ? want : avail));
			FUZZ_CHECK(missed == exp_missed);
			for (j = 0; j < (uint64_t)rc; j++)
				FUZZ_CHECK(same(out + j * esz, esz, salt, k->pos + j));
			k->pos += (uint64_t)rc;
			break;
		}
		case 6: { /* join */
			int rc = ring_bcast_join(&k->h);

			if (hostile) {
				/* A rewritten entry: the participant codes. */
				FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -EUSERS || rc == -EUCLEAN ||
					   rc == -EAGAIN || rc == -ESTALE);
				if (rc == 0 && !k->joined)
					joined++;
				k->joined = k->joined || rc == 0;
				k->pos = tail;
				break;
			}
			if (k->joined)
				FUZZ_CHECK(rc == -EINVAL);
			else {
				FUZZ_CHECK(rc == 0);
				k->joined = 1;
				k->pos = tail;
				joined++;
			}
			break;
		}
		case 7: /* leave */
			FUZZ_CHECK(ring_bcast_leave(&k->h) == 0);
			if (k->joined)
				joined--;
			k->joined = 0;
			break;
		case 8: /* end of stream */
			FUZZ_CHECK(ring_close_write(&prod) == 0);
			closed = 1;
			break;
		default: { /* a hostile write */
			unsigned where = (unsigned)fi_range(&in, 0, 6);
			uint64_t v = fi_u64(&in);
			struct ring_part *e = &prod.parts[fi_range(&in, 0, prod.max_parts - 1)];

			switch (where) {
			case 0: ring_pvt_store(&e->cursor, v, relaxed); break;
			case 1: /* a member entry, live as the producer's is */
				ring_pvt_store(&e->state, ring_pvt_load(&prod.part->state, relaxed), relaxed);
				ring_pvt_store(&e->op[0], RING_BCAST_MEMBER, relaxed);
				ring_pvt_store(&e->cursor, v, relaxed);
				break;
			case 2: ring_pvt_store(&ring_pvt_bcast_slot(&prod, v)->seq, fi_u64(&in), relaxed); break;
			case 3: ring_pvt_store(&ring_pvt_bcast_words(ring_pvt_bcast_slot(&prod, v))[0], fi_u64(&in), relaxed); break;
			case 4: ring_pvt_store(&prod.shm->prod.tail, v, relaxed); break;
			case 5: ring_pvt_store(&prod.shm->cons.head, v, relaxed); break; /* scan hint */
			default: ring_pvt_store(&e->op[0], v, relaxed); break;
			}
			hostile = 1;
			break;
		}
		}
	}
	for (i = 0; i < NCONS; i++)
		FUZZ_CHECK(ring_close(&c[i].h) == 0);
	FUZZ_CHECK(ring_close(&prod) == 0);
	free(mem);
	return 0;
}
