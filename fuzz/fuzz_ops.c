/* SPDX-License-Identifier: MIT */
/*
 * Operation sequences against a reference FIFO.
 *
 * The input chooses a ring (kind, capacity rule, element size 1..300, slots
 * 1..600 (slot-sequenced SPSC: a power of two), blocking or not, made by ring_init_mem in guarded memory, by
 * ring_create_anon or by ring_create_memfd), attaches a second handle to it,
 * then runs a sequence of push / pop / bulk / burst / timed / count / free /
 * close_write / re-attach calls, each on one of the two handles. Every result
 * is compared with a trivial model of a bounded FIFO: return codes (-EAGAIN
 * exactly when the model is full or empty, -EPIPE after close, -EINVAL for
 * impossible bulk sizes, -ENOTSUP for timed calls on non-blocking rings...),
 * element contents, counts, and that a pop writes nothing past what it
 * returns. Any divergence aborts.
 *
 * Handles and SPSC rings: an SPSC handle keeps its own index (producer:
 * tail, consumer: head) and reads it from shared memory only on its first
 * call after an attach, so a role may move to another handle only through a
 * fresh attach (ring.h). On SPSC rings the input therefore picks one
 * producer handle and one consumer handle (possibly the same) for the whole
 * run; the re-attach operation gives a handle a fresh start in its role.
 * MPMC rings let every call pick either handle.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <shmring/ring.h>

#include "fuzz_input.h"
#include "fuzz_region.h"

#define MAX_ESZ 300
#define MAX_SLOTS 600
#define MAX_OPS 4096
#define SENTINEL 0xA5

/* The reference: a bounded FIFO of esz-byte elements. */
struct model {
	unsigned char *buf;
	uint64_t cap, head, count, stamp;
	uint32_t esz;
	int closed;
};

static void model_put(struct model *m, const unsigned char *e)
{
	FUZZ_CHECK(m->count < m->cap);
	memcpy(m->buf + ((m->head + m->count) % m->cap) * m->esz, e, m->esz);
	m->count++;
}

static const unsigned char *model_get(struct model *m)
{
	const unsigned char *e;

	FUZZ_CHECK(m->count > 0);
	e = m->buf + m->head * m->esz;
	m->head = (m->head + 1) % m->cap;
	m->count--;
	return e;
}

/* Elements: payload bytes from the input, with a running stamp in the first
 * bytes so that equal payloads still differ. */
static void make_elems(struct fuzz_in *in, struct model *m, unsigned char *dst, size_t n)
{
	size_t i, k;

	fi_bytes(in, dst, n * m->esz);
	for (i = 0; i < n; i++) {
		uint64_t s = ++m->stamp;

		for (k = 0; k < m->esz && k < 8; k++)
			dst[i * m->esz + k] ^= (unsigned char)(s >> (8 * k));
	}
}

/* dst after a pop that moved got elements: they match the model's, and
 * nothing after them was written. */
static void check_popped(struct model *m, const unsigned char *dst, size_t got, size_t room)
{
	size_t i;

	for (i = 0; i < got; i++)
		FUZZ_CHECK(memcmp(dst + i * m->esz, model_get(m), m->esz) == 0);
	for (i = got * m->esz; i < room * m->esz; i++)
		FUZZ_CHECK(dst[i] == SENTINEL);
}

/* The model's answer for a push of n (bulk: all or nothing; else up to n). */
static ssize_t want_push(const struct model *m, size_t n, int bulk)
{
	uint64_t free_slots = m->cap - m->count;

	if (n == 0 || (bulk && n > m->cap))
		return -EINVAL;
	if (m->closed)
		return -EPIPE;
	if (free_slots == 0 || (bulk && free_slots < n))
		return -EAGAIN;
	return (ssize_t)(n < free_slots ? n : free_slots);
}

static ssize_t want_pop(const struct model *m, size_t n, int bulk)
{
	if (n == 0 || (bulk && n > m->cap))
		return -EINVAL;
	if (m->count == 0 || (bulk && m->count < n))
		return m->closed ? -EPIPE : -EAGAIN;
	return (ssize_t)(n < m->count ? n : m->count);
}

static void check_counts(const struct ring *r, const struct model *m)
{
	FUZZ_CHECK(ring_count(r) == (ssize_t)m->count);
	FUZZ_CHECK(ring_free(r) == (ssize_t)(m->cap - m->count));
	FUZZ_CHECK(ring_is_closed(r) == m->closed);
	FUZZ_CHECK(ring_capacity(r) == m->cap);
	FUZZ_CHECK(ring_elem_size(r) == m->esz);
}

/* What a timed call returns where the non-blocking one returns want. */
static ssize_t timed_result(const struct ring *r, ssize_t want)
{
	if (!(ring_flags(r) & RING_F_BLOCKING))
		return -ENOTSUP;
	return want == -EAGAIN ? -ETIMEDOUT : want;
}

enum region_type { REGION_MEM, REGION_ANON, REGION_MEMFD };

struct rig {
	enum region_type type;
	struct fuzz_region g;
	struct ring h[2];
	struct ring_params p;
};

/* (Re-)attach handle i to the ring that h[0] or the region holds. */
static void attach_handle(struct rig *k, int i, struct fuzz_in *in)
{
	struct ring *src = &k->h[1 - i];
	uint32_t kind = fi_bool(in) ? RING_KIND_ANY : k->p.kind;
	int rc;

	/* An anonymous mapping belongs to h[0], which made it: only h[1]
	 * comes and goes there. */
	if (k->type == REGION_ANON && i == 0)
		return;
	ring_close(&k->h[i]);
	if (k->type == REGION_MEMFD) {
		FUZZ_CHECK(ring_fd(src) >= 0);
		rc = ring_open_fd(&k->h[i], ring_fd(src), kind);
	} else if (k->type == REGION_ANON) {
		FUZZ_CHECK(ring_fd(src) == -EBADF);
		rc = ring_attach_mem(&k->h[i], src->shm, src->map_len, kind);
	} else {
		FUZZ_CHECK(ring_fd(src) == -EBADF);
		rc = ring_attach_mem(&k->h[i], k->g.mem, k->g.len, kind);
	}
	FUZZ_CHECK(rc == 0);
	/* The wrong kind is refused and leaves the handle closed. */
	if (fi_bool(in)) {
		struct ring other;
		uint32_t wrong = k->p.kind == RING_KIND_SPSC ? RING_KIND_MPMC : RING_KIND_SPSC;
		/* h[0] made or opened the anon or memfd mapping: it knows the size. */
		size_t len = k->type == REGION_MEM ? k->g.len : k->h[0].map_len;

		memset(&other, 0, sizeof(other));
		FUZZ_CHECK(ring_attach_mem(&other, k->h[i].shm, len, wrong) == -EPROTOTYPE);
		FUZZ_CHECK(other.shm == NULL);
		FUZZ_CHECK(ring_close(&other) == 0);
	}
}

static int make_ring(struct rig *k, struct fuzz_in *in, ssize_t size)
{
	size_t len;
	int rc;

	switch (k->type) {
	case REGION_MEM:
		/* Exactly the size, or a little more: the ring uses only its size. */
		len = (size_t)size + (size_t)fi_range(in, 0, 1) * (size_t)fi_range(in, 1, 200);
		fuzz_region_get(&k->g, len);
		if (fi_bool(in)) /* too small by some bytes: refused */
			FUZZ_CHECK(ring_init_mem(&k->h[0], k->g.mem, (size_t)size - fi_range(in, 1, 64),
						 &k->p) == -EMSGSIZE);
		rc = ring_init_mem(&k->h[0], k->g.mem, len, &k->p);
		break;
	case REGION_ANON:
		rc = ring_create_anon(&k->h[0], &k->p);
		break;
	default:
		rc = ring_create_memfd(&k->h[0], "shmring-fuzz-ops", &k->p);
		break;
	}
	if (rc == -ENOMEM || rc == -EMFILE || rc == -ENOSPC)
		return rc; /* the machine's limits, not the library's fault */
	FUZZ_CHECK(rc == 0);
	if (k->type != REGION_MEM)
		FUZZ_CHECK(k->h[0].map_len == (size_t)size);
	attach_handle(k, 1, in);
	return 0;
}

static void run_ops(struct rig *k, struct model *m, struct fuzz_in *in)
{
	const int spsc = k->p.kind == RING_KIND_SPSC;
	const int prod = (int)fi_range(in, 0, 1), cons = (int)fi_range(in, 0, 1);
	const size_t max_n = (size_t)m->cap + 2;
	unsigned char *src = malloc(max_n * m->esz);
	unsigned char *dst = malloc(max_n * m->esz);
	struct timespec past = {0, 0};
	int ops, trace = getenv("SHMRING_FUZZ_TRACE") != NULL;

	FUZZ_CHECK(src != NULL && dst != NULL);
	for (ops = 0; ops < MAX_OPS && fi_left(in) > 0; ops++) {
		unsigned op = (unsigned)fi_range(in, 0, 15);
		int hi = spsc ? (op % 2 == 0 ? prod : cons) : (int)fi_range(in, 0, 1);
		struct ring *r = &k->h[hi];
		size_t n = 1;
		ssize_t want = 0, rc = 0;

		memset(dst, SENTINEL, max_n * m->esz);
		switch (op) {
		case 0: case 2: /* push */
			want = want_push(m, 1, 0);
			make_elems(in, m, src, 1);
			rc = ring_push(r, src);
			FUZZ_CHECK(rc == (want < 0 ? want : 0));
			if (rc == 0)
				model_put(m, src);
			break;
		case 1: case 3: /* pop */
			want = want_pop(m, 1, 0);
			rc = ring_pop(r, dst);
			FUZZ_CHECK(rc == (want < 0 ? want : 0));
			check_popped(m, dst, rc == 0 ? 1 : 0, 1);
			break;
		case 4: /* push_bulk */
		case 6: /* push_burst */
			n = (size_t)fi_range(in, 0, max_n);
			want = want_push(m, n, op == 4);
			make_elems(in, m, src, n);
			rc = op == 4 ? ring_push_bulk(r, src, n) : ring_push_burst(r, src, n);
			FUZZ_CHECK(rc == want);
			for (size_t i = 0; rc > 0 && i < (size_t)rc; i++)
				model_put(m, src + i * m->esz);
			break;
		case 5: /* pop_bulk */
		case 7: /* pop_burst */
			n = (size_t)fi_range(in, 0, max_n);
			want = want_pop(m, n, op == 5);
			rc = op == 5 ? ring_pop_bulk(r, dst, n) : ring_pop_burst(r, dst, n);
			FUZZ_CHECK(rc == want);
			check_popped(m, dst, rc > 0 ? (size_t)rc : 0, n);
			break;
		case 8: /* timed push: the deadline has passed, or is ~now */
			want = want_push(m, 1, 0);
			make_elems(in, m, src, 1);
			switch (fi_range(in, 0, 2)) {
			case 0: rc = ring_push_timeout(r, src, fi_range(in, 0, 1000)); break;
			case 1: rc = ring_push_wait(r, src, &past); break;
			default:
				n = (size_t)fi_range(in, 0, max_n);
				want = want_push(m, n, 0);
				if (n > 0) /* the count comes first: -EINVAL even when not blocking */
					want = timed_result(r, want);
				make_elems(in, m, src, n);
				rc = ring_push_burst_wait(r, src, n, &past);
				FUZZ_CHECK(rc == want);
				for (size_t i = 0; rc > 0 && i < (size_t)rc; i++)
					model_put(m, src + i * m->esz);
				goto done;
			}
			FUZZ_CHECK(rc == (timed_result(r, want) < 0 ? timed_result(r, want) : 0));
			if (rc == 0)
				model_put(m, src);
			break;
		case 9: /* timed pop */
			switch (fi_range(in, 0, 2)) {
			case 0:
				want = want_pop(m, 1, 0);
				rc = ring_pop_timeout(r, dst, fi_range(in, 0, 1000));
				break;
			case 1:
				want = want_pop(m, 1, 0);
				rc = ring_pop_wait(r, dst, &past);
				break;
			default:
				n = (size_t)fi_range(in, 0, max_n);
				want = want_pop(m, n, 0);
				if (n > 0)
					want = timed_result(r, want);
				rc = ring_pop_burst_wait(r, dst, n, &past);
				FUZZ_CHECK(rc == want);
				check_popped(m, dst, rc > 0 ? (size_t)rc : 0, n);
				goto done;
			}
			want = timed_result(r, want);
			FUZZ_CHECK(rc == (want < 0 ? want : 0));
			check_popped(m, dst, rc == 0 ? 1 : 0, 1);
			break;
		case 10: { /* bad arguments to the timed calls change nothing */
			struct timespec bad = {0, fi_bool(in) ? -1 : 1000000000L};

			want = ring_flags(r) & RING_F_BLOCKING ? -EINVAL : -ENOTSUP;
			FUZZ_CHECK(ring_push_wait(r, src, &bad) == want);
			FUZZ_CHECK(ring_pop_wait(r, dst, &bad) == want);
			FUZZ_CHECK(ring_pop_wait(r, NULL, &past) == -EINVAL);
			FUZZ_CHECK(ring_push_burst_wait(r, src, 0, &past) == -EINVAL);
			FUZZ_CHECK(ring_pop_burst_wait(r, dst, 0, &past) == -EINVAL);
			check_popped(m, dst, 0, 1);
			break;
		}
		case 11: /* end of stream; rare, since everything after it is -EPIPE */
			/* SPSC: through the producer's handle (ring.h). */
			if (fi_range(in, 0, 3) == 0) {
				FUZZ_CHECK(ring_close_write(spsc ? &k->h[prod] : r) == 0);
				m->closed = 1;
			}
			break;
		case 12: /* a handle detaches and attaches again (fresh caches) */
			attach_handle(k, hi, in);
			break;
		default:
			break;
		}
done:
		if (trace)
			fprintf(stderr, "op %u h%d n %zu -> %zd (want %zd) count %llu%s\n", op, hi, n,
				rc, want, (unsigned long long)m->count, m->closed ? " closed" : "");
		check_counts(&k->h[fi_range(in, 0, 1)], m);
	}
	/* Drain: what the model still holds comes out, in order, then the end. */
	for (;;) {
		ssize_t rc = ring_pop_burst(&k->h[cons], dst, max_n);

		if (trace)
			fprintf(stderr, "drain h%d -> %zd count %llu\n", cons, rc,
				(unsigned long long)m->count);
		if (rc < 0) {
			FUZZ_CHECK(m->count == 0);
			FUZZ_CHECK(rc == (m->closed ? -EPIPE : -EAGAIN));
			break;
		}
		check_popped(m, dst, (size_t)rc, 0);
	}
	free(src);
	free(dst);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	struct rig k;
	struct model m;
	ssize_t msize;

	fi_init(&in, data, size);
	memset(&k, 0, sizeof(k));
	k.p.kind = (uint32_t)fi_range(&in, RING_KIND_SPSC, RING_KIND_MPMC);
	k.p.rule = fi_rule(&in);
	/* MPMC: what the byte chose before RING_RULE_SEQ existed (its refusal
	 * there is test_spsc's). */
	if (k.p.kind == RING_KIND_MPMC && k.p.rule == RING_RULE_SEQ)
		k.p.rule = RING_RULE_COUNT;
	k.p.elem_size = fi_range(&in, 1, MAX_ESZ);
	k.p.slots = fi_range(&in, 1, MAX_SLOTS);
	k.p.flags = fi_bool(&in) ? RING_F_BLOCKING : 0;
	k.type = (enum region_type)fi_range(&in, REGION_MEM, REGION_MEMFD);
	/* Slot-sequenced: the power of two at or below, at least 2 (other
	 * counts are refused; test_spsc checks that). */
	while (k.p.kind == RING_KIND_SPSC && k.p.rule == RING_RULE_SEQ &&
	       (k.p.slots < 2 || (k.p.slots & (k.p.slots - 1)) != 0))
		k.p.slots = k.p.slots < 2 ? 2 : k.p.slots & (k.p.slots - 1);

	msize = ring_memsize(&k.p);
	if ((k.p.kind == RING_KIND_MPMC && k.p.rule == RING_RULE_N1) ||
	    (k.p.rule == RING_RULE_N1 && k.p.slots < 2) ||
	    (k.p.rule == RING_RULE_SEQ &&
	     (k.p.kind != RING_KIND_SPSC || k.p.slots < 2 || (k.p.slots & (k.p.slots - 1)) != 0))) {
		struct ring r;

		/* Refused by every constructor, and nothing is attached. */
		memset(&r, 0, sizeof(r));
		FUZZ_CHECK(msize == -EINVAL);
		FUZZ_CHECK(ring_create_anon(&r, &k.p) == -EINVAL);
		FUZZ_CHECK(r.shm == NULL);
		return 0;
	}
	FUZZ_CHECK(msize >= (ssize_t)(RING_DATA_OFFSET + k.p.slots * k.p.elem_size));
	FUZZ_CHECK(msize % 64 == 0);
	if (getenv("SHMRING_FUZZ_TRACE") != NULL)
		fprintf(stderr, "kind %u rule %u esz %llu slots %llu flags %u region %d\n", k.p.kind,
			k.p.rule, (unsigned long long)k.p.elem_size, (unsigned long long)k.p.slots,
			k.p.flags, (int)k.type);
	if (make_ring(&k, &in, msize) < 0)
		return 0;

	memset(&m, 0, sizeof(m));
	m.cap = k.p.rule == RING_RULE_N1 ? k.p.slots - 1 : k.p.slots;
	m.esz = (uint32_t)k.p.elem_size;
	m.buf = malloc(m.cap * m.esz);
	FUZZ_CHECK(m.buf != NULL);
	check_counts(&k.h[0], &m);
	run_ops(&k, &m, &in);

	free(m.buf);
	FUZZ_CHECK(ring_close(&k.h[1]) == 0);
	FUZZ_CHECK(ring_close(&k.h[0]) == 0);
	FUZZ_CHECK(ring_close(&k.h[0]) == 0); /* closing twice is a no-op */
	if (k.type == REGION_MEM)
		fuzz_region_put(&k.g);
	return 0;
}
