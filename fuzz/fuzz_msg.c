/* SPDX-License-Identifier: MIT */
/*
 * Message rings: operations against a model, and a hostile peer.
 *
 * A message ring (one or many producers, blocking or not, input-chosen size
 * and largest message) is made in a region that ends at a guard page. Two
 * producer handles and one consumer handle run an input-chosen sequence of
 * sends, reservations (committed, committed shorter, aborted), receives,
 * burst receives, peeks and releases, timed calls with past deadlines,
 * closes and repairs, against a model: the list of claimed records in claim
 * order. While nothing hostile has happened, every result must be what the
 * model says (each message delivered once, whole, in order; -EAGAIN only
 * behind an uncommitted reservation or when the ring holds something; a
 * send into an empty ring always succeeds). Between operations the input
 * may rewrite any word a peer can write: tail, head, record headers
 * (commit, meta), payload bytes. From then on results are only checked to
 * be documented codes with sane sizes: a length at most the largest
 * message and the buffer, a peeked pointer and length inside the data
 * area, never a write past a buffer (exact-size heap buffers, ASan) or the
 * region (guard page), never a hang (timed calls use past deadlines).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <shmring/shmring.h>

#include "fuzz_input.h"
#include "fuzz_region.h"

#define MAX_OPS 1024
#define MAX_RECS 1024 /* model records: far more than a small ring holds */

struct mrec {
	uint32_t len;
	uint8_t state; /* 0 committed, 1 reserved (handle in who), 2 aborted */
	uint8_t who;
	uint32_t seed;
};

struct model {
	struct mrec q[MAX_RECS];
	unsigned head, tail; /* indices into q, mod MAX_RECS */
	int closed;
	int tainted; /* a hostile write happened: stop predicting */
	int res[2];  /* producer handle i holds the reservation at q index res[i] (-1: none) */
	int peeked;
};

static void fill(unsigned char *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(seed * 131u + i * 7u + (i >> 8));
}

static int same(const unsigned char *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (unsigned char)(seed * 131u + i * 7u + (i >> 8)))
			return 0;
	return 1;
}

static int known(ssize_t rc)
{
	return rc == -EAGAIN || rc == -EBUSY || rc == -EPIPE || rc == -EUCLEAN || rc == -EMSGSIZE ||
	       rc == -EALREADY || rc == -ETIMEDOUT || rc == -ENOTSUP || rc == -EINVAL;
}

/* The next record the consumer must deliver: skip aborted ones. Returns the
 * q index, -1 if empty, -2 if blocked by a reservation. */
static int model_front(struct model *m)
{
	while (m->head != m->tail && m->q[m->head % MAX_RECS].state == 2)
		m->head++;
	if (m->head == m->tail)
		return -1;
	if (m->q[m->head % MAX_RECS].state == 1)
		return -2;
	return (int)(m->head % MAX_RECS);
}

/* End of stream as the consumer sees it: closed, and nothing left. One
 * producer: its reservation is not in the ring until committed. */
static int drained(const struct model *m, int f, int mp)
{
	return m->closed && (f == -1 || (!mp && f == -2));
}

static void poke(struct fuzz_in *in, unsigned char *mem, uint64_t n, uint64_t max)
{
	struct ring_shared *s = (struct ring_shared *)(void *)mem;
	unsigned char *data = mem + RING_DATA_OFFSET;
	uint64_t off = fi_range(in, 0, n / 16 - 1) * 16, v;
	struct ring_msg_hdr *h = (struct ring_msg_hdr *)(void *)(data + off);

	switch (fi_range(in, 0, 5)) {
	case 0:
		v = ring_pvt_load(&s->prod.tail, relaxed);
		ring_pvt_store(&s->prod.tail, fi_bool(in) ? v + 16 * (fi_range(in, 0, 8) - 4) : fi_u64(in),
			       relaxed);
		break;
	case 1:
		v = ring_pvt_load(&s->cons.head, relaxed);
		ring_pvt_store(&s->cons.head, fi_bool(in) ? v + 16 * (fi_range(in, 0, 8) - 4) : fi_u64(in),
			       relaxed);
		break;
	case 2: /* a record's length, type or size */
		v = fi_range(in, 0, 3);
		ring_pvt_store(&h->meta,
			       v == 0 ? fi_u64(in)
				      : RING_MSG_META(fi_range(in, 0, max + 40), fi_range(in, 0, 3),
						      fi_range(in, 0, 2 * max + 64) & ~(uint64_t)15),
			       relaxed);
		break;
	case 3: /* a commit word: the right tag for some position, or anything */
		ring_pvt_store(&h->commit,
			       fi_bool(in) ? RING_MSG_TAG(s->hdr.create_id, fi_range(in, 0, 4 * n) * 16)
					   : fi_u64(in),
			       relaxed);
		break;
	case 4:
		fi_bytes(in, data + off, 16);
		break;
	default: {
		uint64_t len = fi_range(in, 1, 64);

		fi_bytes(in, data + off, off + len <= n ? len : n - off);
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model m;
	struct fuzz_in in;
	struct fuzz_region g;
	struct ring_params p;
	struct ring prod[2], cons;
	ssize_t msize;
	uint64_t n, max;
	int ops, mp, blocking, i;
	uint32_t seed = 1;
	struct timespec past = {0, 0};

	fi_init(&in, data, size);
	memset(&p, 0, sizeof(p));
	p.kind = RING_KIND_MSG;
	p.rule = RING_RULE_COUNT;
	n = UINT64_C(64) << fi_range(&in, 0, 6); /* 64 .. 4096 bytes */
	max = fi_range(&in, 1, n / 2 - 16);
	p.slots = n;
	p.elem_size = max;
	mp = fi_bool(&in);
	blocking = fi_bool(&in);
	p.flags = (mp ? RING_F_MSG_MP : 0) | (blocking ? RING_F_BLOCKING : 0);
	msize = ring_memsize(&p);
	FUZZ_CHECK(msize > 0);
	fuzz_region_get(&g, (size_t)msize);
	FUZZ_CHECK(ring_init_mem(&prod[0], g.mem, g.len, &p) == 0);
	FUZZ_CHECK(ring_attach_mem(&prod[1], g.mem, g.len, RING_KIND_MSG) == 0);
	FUZZ_CHECK(ring_attach_mem(&cons, g.mem, g.len, RING_KIND_MSG) == 0);
	memset(&m, 0, sizeof(m));
	m.res[0] = m.res[1] = -1;

	for (ops = 0; ops < MAX_OPS && fi_left(&in) > 0; ops++) {
		unsigned op = (unsigned)fi_range(&in, 0, 11);
		/* One producer: only handle 0 sends. */
		int who = mp ? (int)fi_bool(&in) : 0;
		struct ring *pr = &prod[who];
		size_t len = (size_t)fi_range(&in, 0, max + 2);
		size_t cap = (size_t)fi_range(&in, 0, max + 8);
		unsigned char *buf = malloc(cap ? cap : 1);
		ssize_t rc;
		size_t got = 0;

		FUZZ_CHECK(buf != NULL);
		switch (op) {
		case 0: /* send */
		case 1: {
			unsigned char *src = malloc(len ? len : 1);
			/* Nothing in the ring, aborted records included (many
			 * producers: consumers step over those later). */
			int was_empty = m.head == m.tail;

			FUZZ_CHECK(src != NULL);
			fill(src, len, seed);
			rc = op == 0 || !blocking ? ring_msg_send(pr, src, len)
						  : ring_msg_send_wait(pr, src, len, &past);
			free(src);
			FUZZ_CHECK(rc == 0 || known(rc));
			if (!m.tainted) {
				if (len > max) {
					FUZZ_CHECK(rc == -EMSGSIZE);
				} else if (m.res[who] >= 0) {
					FUZZ_CHECK(rc == -EALREADY);
				} else if (m.closed) {
					FUZZ_CHECK(rc == -EPIPE);
				} else if (rc == 0) {
					FUZZ_CHECK(m.tail - m.head < MAX_RECS);
					m.q[m.tail++ % MAX_RECS] = (struct mrec){(uint32_t)len, 0, 0, seed};
				} else {
					FUZZ_CHECK(rc == (op == 0 || !blocking ? -EAGAIN : -ETIMEDOUT));
					FUZZ_CHECK(!was_empty);
				}
			}
			seed++;
			break;
		}
		case 2: { /* reserve */
			void *ptr = NULL;

			rc = ring_msg_reserve(pr, len, &ptr);
			FUZZ_CHECK(rc == 0 || known(rc));
			if (rc == 0) {
				FUZZ_CHECK((unsigned char *)ptr >= pr->slots &&
					   (unsigned char *)ptr + len <= pr->slots + n);
				fill(ptr, len, seed);
			}
			if (!m.tainted) {
				if (len > max)
					FUZZ_CHECK(rc == -EMSGSIZE);
				else if (m.res[who] >= 0)
					FUZZ_CHECK(rc == -EALREADY);
				else if (m.closed)
					FUZZ_CHECK(rc == -EPIPE);
				else
					FUZZ_CHECK(rc == 0 || rc == -EAGAIN);
				if (rc == 0) {
					FUZZ_CHECK(m.tail - m.head < MAX_RECS);
					m.res[who] = (int)(m.tail % MAX_RECS);
					m.q[m.tail++ % MAX_RECS] =
						(struct mrec){(uint32_t)len, 1, (uint8_t)who, seed};
				}
			}
			seed++;
			break;
		}
		case 3: { /* commit (maybe shorter) or abort */
			int abort_it = fi_bool(&in);
			int r_idx = m.res[who];
			size_t fin = r_idx >= 0 ? (size_t)fi_range(&in, 0, m.q[r_idx].len) : 0;

			rc = abort_it ? ring_msg_abort(pr) : ring_msg_commit(pr, fin);
			FUZZ_CHECK(rc == 0 || known(rc));
			if (!m.tainted) {
				if (r_idx < 0) {
					FUZZ_CHECK(rc == -EINVAL);
				} else if (!mp && m.closed && !abort_it) {
					/* One producer: the close ended it. */
					FUZZ_CHECK(rc == -EPIPE);
					m.q[r_idx].state = 2;
					m.res[who] = -1;
				} else {
					FUZZ_CHECK(rc == 0);
					m.q[r_idx].state = abort_it ? 2 : 0;
					m.q[r_idx].len = (uint32_t)fin;
					m.res[who] = -1;
				}
			}
			break;
		}
		case 4: /* receive */
		case 5: {
			int f = model_front(&m);

			rc = op == 4 || !blocking ? ring_msg_recv(&cons, buf, cap, &got)
						  : ring_msg_recv_wait(&cons, buf, cap, &got, &past);
			FUZZ_CHECK(rc == 0 || known(rc));
			if (rc == 0)
				FUZZ_CHECK(got <= cap && got <= max);
			if (rc == -EMSGSIZE)
				FUZZ_CHECK(got > cap && got <= max);
			if (!m.tainted) {
				if (m.peeked) {
					FUZZ_CHECK(rc == -EALREADY);
				} else if (f >= 0) {
					if (m.q[f].len > cap) {
						FUZZ_CHECK(rc == -EMSGSIZE && got == m.q[f].len);
					} else {
						FUZZ_CHECK(rc == 0 && got == m.q[f].len);
						FUZZ_CHECK(same(buf, got, m.q[f].seed));
						m.head++;
					}
				} else if (drained(&m, f, mp)) {
					FUZZ_CHECK(rc == -EPIPE);
				} else {
					FUZZ_CHECK(rc == (op == 4 || !blocking ? -EAGAIN : -ETIMEDOUT));
				}
			}
			break;
		}
		case 6: { /* burst */
			size_t k = (size_t)fi_range(&in, 1, 8), lens[8], off = 0, j;

			rc = ring_msg_recv_burst(&cons, buf, cap, lens, k);
			FUZZ_CHECK((rc >= 1 && rc <= (ssize_t)k) || known(rc));
			for (j = 0; rc > 0 && j < (size_t)rc; j++) {
				FUZZ_CHECK(lens[j] <= max && lens[j] <= cap - off);
				if (!m.tainted) {
					int f = model_front(&m);

					FUZZ_CHECK(f >= 0 && lens[j] == m.q[f].len);
					FUZZ_CHECK(same(buf + off, lens[j], m.q[f].seed));
					m.head++;
				}
				off += lens[j];
			}
			if (!m.tainted && rc < 0) {
				int f = model_front(&m);

				if (m.peeked)
					FUZZ_CHECK(rc == -EALREADY);
				else if (f >= 0)
					FUZZ_CHECK(rc == -EMSGSIZE && m.q[f].len > cap);
				else if (drained(&m, f, mp))
					FUZZ_CHECK(rc == -EPIPE);
				else
					FUZZ_CHECK(rc == -EAGAIN);
			}
			if (!m.tainted && rc > 0 && (size_t)rc < k) {
				/* It stopped: the next one does not fit, or none. */
				int f = model_front(&m);

				FUZZ_CHECK(f < 0 || m.q[f].len > cap - off);
			}
			break;
		}
		case 7: { /* peek, maybe release */
			const void *cp = NULL;
			int f = model_front(&m);

			rc = blocking && fi_bool(&in) ? ring_msg_peek_wait(&cons, &cp, &got, &past)
						      : ring_msg_peek(&cons, &cp, &got);
			FUZZ_CHECK(rc == 0 || known(rc));
			if (rc == 0) {
				const unsigned char *c = (const unsigned char *)cp;

				FUZZ_CHECK(got <= max);
				FUZZ_CHECK(c >= cons.slots && c + got <= cons.slots + n);
				if (got > 0)
					FUZZ_CHECK(c[0] == c[0] && c[got - 1] == c[got - 1]);
			}
			if (!m.tainted) {
				if (f >= 0) {
					FUZZ_CHECK(rc == 0 && got == m.q[f].len && same(cp, got, m.q[f].seed));
					m.peeked = 1;
				} else {
					FUZZ_CHECK(rc < 0);
					m.peeked = 0;
				}
			}
			if (rc == 0 && fi_bool(&in)) {
				FUZZ_CHECK(ring_msg_release(&cons) == 0);
				if (!m.tainted) {
					m.head++;
					m.peeked = 0;
				}
			}
			break;
		}
		case 8: /* count, free, closed */
			rc = ring_count(&cons);
			FUZZ_CHECK((rc >= 0 && (uint64_t)rc <= n) || rc == -EUCLEAN);
			rc = ring_free(&cons);
			FUZZ_CHECK((rc >= 0 && (uint64_t)rc <= n) || rc == -EUCLEAN);
			if (!m.tainted)
				FUZZ_CHECK(ring_is_closed(&cons) == m.closed);
			break;
		case 9: /* close (rarely) */
			if (fi_range(&in, 0, 7) == 0) {
				FUZZ_CHECK(ring_close_write(pr) == 0);
				m.closed = 1;
			}
			break;
		case 10: /* a repair call with words the input chose */
			if (mp) {
				uint64_t pos = fi_range(&in, 0, 8 * n) * 16, cnt = fi_range(&in, 0, n / 8) * 16;

				rc = ring_pvt_msg_repair(&cons, pos, cnt);
				FUZZ_CHECK(rc >= 0 || rc == -EUCLEAN);
				/* Honest words only ever name a dead claim, which
				 * these are not: predictions stop if it acted. */
				if (rc > 0)
					m.tainted = 1;
			}
			break;
		default:
			poke(&in, g.mem, n, max);
			m.tainted = 1;
			break;
		}
		free(buf);
	}
	(void)i;
	ring_close(&prod[0]);
	ring_close(&prod[1]);
	ring_close(&cons);
	fuzz_region_put(&g);
	return 0;
}
