/* SPDX-License-Identifier: MIT */
/*
 * Broadcast message rings (RING_F_BCAST_MSG): operation sequences against a
 * model, then hostile words.
 *
 * The input chooses a ring (128..1024 data bytes, largest message 1..what
 * the area allows, back-pressure or lossy, blocking or not) in heap memory,
 * a producer handle and three consumer handles, and runs up to MAX_OPS
 * calls: send, reserve then commit (shorter or not) or abort, recv (with a
 * buffer that may be too small), peek then validate and release, the timed
 * variants with a deadline in the past, join, leave, close_write. Until the
 * input writes a word of the shared region itself, every result is compared
 * with the model: which message each consumer gets next, its exact missed
 * count (lossy: lapped consumers continue at the tail), back-pressure
 * -EAGAIN exactly when the record and its padding do not fit above the
 * slowest consumer, -EMSGSIZE with the length, -EPIPE after the close,
 * -EINVAL without a role, every payload byte.
 *
 * Hostile operations write a chosen value into a chosen word: the tail, the
 * intent or count word, a record header or sequence word, a consumer's
 * cursor, the scan hint. From then on results are only checked to be among
 * the codes a call may return, lengths at most the largest message and the
 * buffer, peeked pointers inside the area, and, under the lossy policy, the
 * producer never to report full.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <shmring/ring.h>

#include "fuzz_input.h"

#define NCONS 3
#define MAX_OPS 1024
#define MAX_AREA 1024
#define UNKNOWN UINT64_MAX

static unsigned char pattern(uint64_t salt, uint64_t seq, size_t i)
{
	uint64_t x = (seq + salt) * UINT64_C(0x9E3779B97F4A7C15) + i * UINT64_C(0xBF58476D1CE4E5B9);

	return (unsigned char)(x >> 56 ^ x >> 29 ^ x);
}

static void fill(unsigned char *e, size_t len, uint64_t salt, uint64_t seq)
{
	size_t i;

	for (i = 0; i < len; i++)
		e[i] = pattern(salt, seq, i);
}

static int same(const unsigned char *e, size_t len, uint64_t salt, uint64_t seq)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (e[i] != pattern(salt, seq, i))
			return 0;
	return 1;
}

/* A record the producer published: data (seq, len) or not (skip, pad). */
struct rec {
	uint64_t pos, size, seq, len;
	int data;
};

struct cons {
	struct ring h;
	int joined;
	uint64_t pos;    /* byte position */
	uint64_t expect; /* next sequence */
};

static struct rec recs[2 * MAX_OPS + 2];
static unsigned nrecs;

static const struct rec *rec_at(uint64_t pos)
{
	unsigned i;

	for (i = nrecs; i-- > 0;)
		if (recs[i].pos == pos)
			return &recs[i];
	return NULL;
}

static int allowed_send(int rc)
{
	return rc == 0 || rc == -EAGAIN || rc == -EPIPE || rc == -ETIMEDOUT || rc == -EUCLEAN;
}

static int allowed_recv(int rc)
{
	return rc == 0 || rc == -EAGAIN || rc == -EPIPE || rc == -EUCLEAN || rc == -ETIMEDOUT ||
	       rc == -ECONNRESET || rc == -EMSGSIZE;
}

/* The model's answer for consumer k's next receive: the record it gets
 * (NULL: none, *rc the code) after the lapping and stepping it does. */
static const struct rec *model_next(struct cons *k, uint64_t tail, uint64_t n, int closed, int *rc)
{
	unsigned guard;

	for (guard = 0; guard < 2 * MAX_OPS + 4; guard++) {
		const struct rec *x;

		if (k->pos == tail) {
			*rc = closed ? -EPIPE : -EAGAIN;
			return NULL;
		}
		if (tail - k->pos > n) {
			k->pos = tail; /* lapped: continues at the tail */
			continue;
		}
		x = rec_at(k->pos);
		FUZZ_CHECK(x != NULL);
		if (!x->data) {
			k->pos += x->size;
			continue;
		}
		*rc = 0;
		return x;
	}
	FUZZ_CHECK(0);
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	struct ring_params p = {RING_KIND_BCAST, RING_RULE_COUNT, 0, 0, 0, 0, 0, 0};
	struct ring prod;
	struct cons c[NCONS];
	static unsigned char msg[MAX_AREA], out[MAX_AREA];
	const struct timespec past = {0, 0};
	uint64_t salt, tail = 0, seq = 0, n, maxlen;
	unsigned i, op;
	int lossy, blocking, closed = 0, hostile = 0;
	size_t len;
	void *mem;

	fi_init(&in, data, size);
	p.slots = UINT64_C(128) << fi_range(&in, 0, 3);
	n = p.slots;
	p.elem_size = fi_range(&in, 1, n / 2 - 32);
	maxlen = p.elem_size;
	lossy = fi_bool(&in);
	blocking = fi_bool(&in);
	p.flags = RING_F_BCAST_MSG | (lossy ? RING_F_BCAST_LOSSY : 0) |
		  (blocking ? RING_F_BLOCKING : 0);
	p.max_parts = NCONS + 2;
	salt = fi_u64(&in);
	len = (size_t)ring_memsize(&p);
	mem = aligned_alloc(64, (len + 63) & ~(size_t)63);
	FUZZ_CHECK(mem != NULL);
	FUZZ_CHECK(ring_init_mem(&prod, mem, len, &p) == 0);
	FUZZ_CHECK(ring_bcast_producer(&prod) == 0);
	nrecs = 0;
	for (i = 0; i < NCONS; i++) {
		FUZZ_CHECK(ring_attach_mem(&c[i].h, mem, len, RING_KIND_BCAST) == 0);
		c[i].joined = 0;
	}
	/* The fixed-size calls refuse a message ring, and the other way round. */
	FUZZ_CHECK(ring_bcast_push(&prod, msg) == -EINVAL);
	FUZZ_CHECK(ring_bcast_pop(&c[0].h, out, NULL) == -EINVAL);
	for (op = 0; op < MAX_OPS && fi_left(&in) > 0; op++) {
		unsigned what = (unsigned)fi_range(&in, 0, 11);
		struct cons *k = &c[fi_range(&in, 0, NCONS - 1)];
		uint64_t l = fi_range(&in, 0, maxlen + 1);
		int rc;

		switch (what) {
		case 0: /* send */
		case 1: /* reserve, then commit (maybe shorter) or abort */
		case 2: {
			uint64_t rec = 32 + (l + 15) / 16 * 16, off = tail % n;
			uint64_t pad = off + rec > n ? n - off : 0, low = tail;
			int fits = 1;
			void *ptr = NULL;
			uint64_t fin = l;

			for (i = 0; i < NCONS; i++)
				if (c[i].joined && c[i].pos < low)
					low = c[i].pos;
			if (!lossy && tail + pad + rec - low > n)
				fits = 0;
			fill(msg, (size_t)(l > maxlen ? 0 : l), salt, seq);
			if (what == 0)
				rc = fi_bool(&in) || !blocking
					     ? ring_bcast_send(&prod, msg, (size_t)l)
					     : ring_bcast_send_wait(&prod, msg, (size_t)l, &past);
			else
				rc = ring_bcast_reserve(&prod, (size_t)l, &ptr);
			if (hostile) {
				FUZZ_CHECK(allowed_send(rc) || rc == -EMSGSIZE);
				FUZZ_CHECK(!(lossy && rc == -EAGAIN));
				if (rc == 0 && what != 0) {
					FUZZ_CHECK((unsigned char *)ptr >= (unsigned char *)mem + RING_DATA_OFFSET &&
						   (unsigned char *)ptr + l <=
							   (unsigned char *)mem + RING_DATA_OFFSET + n);
					memset(ptr, 0x5a, (size_t)l);
					rc = what == 1 ? ring_bcast_commit(&prod, (size_t)l) : ring_bcast_abort(&prod);
					FUZZ_CHECK(rc == 0 || rc == -EPIPE || rc == -EUCLEAN);
				}
				break;
			}
			if (l > maxlen) {
				FUZZ_CHECK(rc == -EMSGSIZE);
				break;
			}
			if (closed) {
				FUZZ_CHECK(rc == -EPIPE);
				break;
			}
			if (!fits) {
				FUZZ_CHECK(rc == (what == 0 && blocking && rc != -EAGAIN ? -ETIMEDOUT : -EAGAIN));
				break;
			}
			FUZZ_CHECK(rc == 0);
			if (pad != 0) {
				recs[nrecs].pos = tail;
				recs[nrecs].size = pad;
				recs[nrecs++].data = 0;
			}
			if (what != 0) {
				fin = fi_range(&in, 0, l);
				memcpy(ptr, msg, (size_t)fin);
				FUZZ_CHECK(ring_bcast_commit(&prod, (size_t)l + 1) == -EINVAL);
				if (what == 1)
					FUZZ_CHECK(ring_bcast_commit(&prod, (size_t)fin) == 0);
				else
					FUZZ_CHECK(ring_bcast_abort(&prod) == 0);
			}
			recs[nrecs].pos = tail + pad;
			recs[nrecs].size = rec;
			recs[nrecs].data = what != 2;
			recs[nrecs].seq = seq;
			recs[nrecs++].len = fin;
			tail += pad + rec;
			if (what != 2)
				seq++;
			break;
		}
		case 3: /* recv */
		case 4: {
			size_t cap = (size_t)fi_range(&in, 0, maxlen), got = 12345;
			uint64_t missed = 777;
			const struct rec *x;
			int want;

			rc = what == 3 || !blocking
				     ? ring_bcast_recv(&k->h, out, cap, &got, &missed)
				     : ring_bcast_recv_wait(&k->h, out, cap, &got, &missed, &past);
			if (hostile) {
				FUZZ_CHECK(allowed_recv(rc) || (!k->joined && rc == -EINVAL));
				if (rc == 0)
					FUZZ_CHECK(got <= cap && got <= maxlen);
				if (rc == -EMSGSIZE)
					FUZZ_CHECK(got > cap && got <= maxlen);
				break;
			}
			if (!k->joined) {
				FUZZ_CHECK(rc == -EINVAL);
				break;
			}
			x = model_next(k, tail, n, closed, &want);
			if (x == NULL) {
				FUZZ_CHECK(rc == (want == -EAGAIN && what == 4 && blocking ? -ETIMEDOUT : want));
				break;
			}
			if (x->len > cap) {
				FUZZ_CHECK(rc == -EMSGSIZE && got == x->len);
				/* The gap before it is counted now, reported later. */
				break;
			}
			FUZZ_CHECK(rc == 0);
			FUZZ_CHECK(got == x->len && same(out, got, salt, x->seq));
			FUZZ_CHECK(missed == x->seq - k->expect);
			k->expect = x->seq + 1;
			k->pos = x->pos + x->size;
			break;
		}
		case 5: { /* peek, validate, release */
			const void *ptr = NULL;
			size_t got = 0;
			uint64_t missed = 777;
			const struct rec *x;
			int want;

			rc = ring_bcast_peek(&k->h, &ptr, &got, &missed);
			if (hostile) {
				FUZZ_CHECK(allowed_recv(rc) || (!k->joined && rc == -EINVAL));
				if (rc == 0) {
					FUZZ_CHECK(got <= maxlen);
					FUZZ_CHECK((const unsigned char *)ptr >=
							   (unsigned char *)mem + RING_DATA_OFFSET &&
						   (const unsigned char *)ptr + got <=
							   (unsigned char *)mem + RING_DATA_OFFSET + n);
					rc = ring_bcast_release(&k->h);
					FUZZ_CHECK(rc == 0 || rc == -ENODATA);
				}
				break;
			}
			if (!k->joined) {
				FUZZ_CHECK(rc == -EINVAL);
				break;
			}
			x = model_next(k, tail, n, closed, &want);
			if (x == NULL) {
				FUZZ_CHECK(rc == want);
				break;
			}
			FUZZ_CHECK(rc == 0 && got == x->len && same(ptr, got, salt, x->seq));
			FUZZ_CHECK(missed == x->seq - k->expect);
			FUZZ_CHECK(ring_bcast_validate(&k->h) == 0);
			FUZZ_CHECK(ring_bcast_recv(&k->h, out, sizeof(out), &got, NULL) == -EALREADY);
			FUZZ_CHECK(ring_bcast_release(&k->h) == 0);
			FUZZ_CHECK(ring_bcast_release(&k->h) == -EINVAL);
			k->expect = x->seq + 1;
			k->pos = x->pos + x->size;
			break;
		}
		case 6: /* join */
			rc = ring_bcast_join(&k->h);
			if (hostile) {
				FUZZ_CHECK(rc == 0 || rc == -EINVAL);
				k->joined = 1;
				break;
			}
			FUZZ_CHECK(rc == (k->joined ? -EINVAL : 0));
			if (!k->joined) {
				k->joined = 1;
				k->pos = tail;
				k->expect = seq;
			}
			break;
		case 7: /* leave */
			FUZZ_CHECK(ring_bcast_leave(&k->h) == 0);
			k->joined = 0;
			break;
		case 8: /* close */
			if (fi_range(&in, 0, 7) == 0) {
				FUZZ_CHECK(ring_close_write(&prod) == 0);
				closed = 1;
			}
			break;
		case 9: /* counts */
			if (!hostile && k->joined) {
				ssize_t cnt = ring_count(&k->h);
				uint64_t d = tail - k->pos;

				FUZZ_CHECK(cnt == (ssize_t)(d < n ? d : n));
			}
			break;
		default: { /* hostile: one word of the region */
			uint64_t v = fi_u64(&in);
			struct ring_shared *s = (struct ring_shared *)mem;
			unsigned w = (unsigned)fi_range(&in, 0, 5);

			if (fi_range(&in, 0, 3) != 0)
				break; /* most of the time, keep the model */
			hostile = 1;
			switch (w) {
			case 0: ring_pvt_store(&s->prod.tail, v, relaxed); break;
			case 1: ring_pvt_store(&s->prod.bmsg_intent, v, relaxed); break;
			case 2: ring_pvt_store(&s->prod.bmsg_seq, v, relaxed); break;
			case 3: ring_pvt_store(&s->cons.head, v, relaxed); break;
			case 4: {
				/* A word of the area: a record's commit, meta or
				 * sequence word, or payload. */
				uint64_t off = fi_range(&in, 0, n / 8 - 1) * 8;
				RING_ATOMIC(uint64_t) *aw = (RING_ATOMIC(uint64_t) *)(void *)((unsigned char *)mem +
										   RING_DATA_OFFSET + off);

				ring_pvt_store(aw, v, relaxed);
				break;
			}
			default: {
				struct ring_part *parts =
					(struct ring_part *)(void *)((unsigned char *)mem + s->hdr.part_offset);

				ring_pvt_store(&parts[fi_range(&in, 0, p.max_parts - 1)].cursor, v, relaxed);
				break;
			}
			}
			break;
		}
		}
	}
	for (i = 0; i < NCONS; i++)
		ring_close(&c[i].h);
	ring_close(&prod);
	free(mem);
	return 0;
}
