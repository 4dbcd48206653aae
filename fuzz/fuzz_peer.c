/* SPDX-License-Identifier: MIT */
/*
 * A hostile peer.
 *
 * A valid ring (input-chosen kind, rule, element size, slots, blocking or
 * not) is made in a region that ends at a guard page. This process plays one
 * side, the consumer or (second mode) the producer; a second handle plays the
 * other side honestly. Between calls the input overwrites any word a peer
 * can write: the indices (tail, head), MPMC slot sequence words, payload
 * bytes, header fields, the futex words of the wait line. The library may
 * answer with errors or garbage payloads, but with documented codes only,
 * never with more elements than asked for, never out of bounds (guard page,
 * exact-size heap buffers under AddressSanitizer), never a hang (libFuzzer's
 * -timeout) and never a crash.
 *
 * Timed calls use a deadline already past or at most 2 µs ahead: a timed call
 * spins a bounded number of tries, then checks its deadline before sleeping,
 * so a hostile futex word costs at most that long.
 *
 * Re-attaching after the header was overwritten must either fail or give a
 * ring that check_accepted() finds consistent with the region's real length;
 * this side then carries on with that handle.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <shmring/ring.h>

#include "fuzz_hostile.h"
#include "fuzz_input.h"
#include "fuzz_region.h"

#define MAX_SLOTS 128 /* small, so that indices wrap within a few calls */
#define MAX_ESZ 300
#define MAX_OPS 2048

/* A value for a 64-bit shared word: near its current value and the ring's
 * boundaries, with or without the closed bit, or anything. */
static uint64_t pick_word(struct fuzz_in *in, uint64_t cur, uint64_t n)
{
	switch (fi_range(in, 0, 9)) {
	case 0: return cur + fi_range(in, 0, 8) - 4;
	case 1: return cur ^ RING_CLOSED_BIT;
	case 2: return cur + n * (fi_range(in, 0, 4) - 2);
	case 3: return fi_range(in, 0, 2 * n + 2);
	case 4: return n - fi_range(in, 0, 2);
	case 5: return UINT64_MAX - fi_range(in, 0, 3);
	case 6: return RING_CLOSED_BIT - fi_range(in, 0, 3);
	case 7: return cur * 2 + fi_range(in, 0, 1); /* other sequence encodings */
	case 8: return cur ^ (UINT64_C(1) << fi_range(in, 0, 63));
	default: return fi_u64(in);
	}
}

static void store64(unsigned char *p, uint64_t v)
{
	ring_pvt_store((RING_ATOMIC(uint64_t) *)(void *)p, v, relaxed);
}

static uint64_t load64(unsigned char *p)
{
	return ring_pvt_load((RING_ATOMIC(uint64_t) *)(void *)p, relaxed);
}

/* Offset of the participant table of a ring made with p (the honest
 * creator's geometry, as ring_layout.h defines it). */
static uint64_t part_offset_of(const struct ring_params *p, uint64_t stride)
{
	return (RING_DATA_OFFSET + p->slots * stride + RING_LINE - 1) / RING_LINE * RING_LINE;
}

/* The peer writes one thing it can reach. The ring's own geometry (the
 * honest creator's) decides where the words are. */
static void poke(struct fuzz_in *in, unsigned char *mem, const struct ring_params *p,
		 uint64_t stride)
{
	struct ring_shared *s = (struct ring_shared *)(void *)mem;
	unsigned char *slots = mem + RING_DATA_OFFSET;
	uint64_t n = p->slots;

	switch (fi_range(in, 0, 8)) {
	case 0:
		ring_pvt_store(&s->prod.tail, pick_word(in, ring_pvt_load(&s->prod.tail, relaxed), n),
			       relaxed);
		break;
	case 1:
		ring_pvt_store(&s->cons.head, pick_word(in, ring_pvt_load(&s->cons.head, relaxed), n),
			       relaxed);
		break;
	case 2: { /* MPMC: a slot's sequence word; SPSC: the slot's first bytes */
		unsigned char *sl = slots + fi_range(in, 0, n - 1) * stride;

		if (p->kind == RING_KIND_MPMC)
			store64(sl, pick_word(in, load64(sl), n));
		else
			fi_bytes(in, sl, stride < 8 ? stride : 8);
		break;
	}
	case 3: { /* payload bytes anywhere in the slots */
		uint64_t off = fi_range(in, 0, n * stride - 1);
		uint64_t len = fi_range(in, 1, 16);

		fi_bytes(in, slots + off, off + len <= n * stride ? len : n * stride - off);
		break;
	}
	case 4: { /* the wait line's futex words */
		RING_ATOMIC(uint32_t) *w[4] = {&s->wait.cons_seq, &s->wait.cons_waiters,
					       &s->wait.prod_seq, &s->wait.prod_waiters};
		uint32_t v = fi_bool(in) ? (uint32_t)fi_range(in, 0, 2) : fi_u32(in);

		ring_pvt_store(w[fi_range(in, 0, 3)], v, relaxed);
		break;
	}
	case 5: { /* a header field (read by the next attach only) */
		size_t width = (size_t)1 << fi_range(in, 0, 3);
		size_t off = (size_t)fi_range(in, 0, sizeof(struct ring_hdr) - 1) & ~(width - 1);
		uint64_t v = 0;

		memcpy(&v, mem + off, width);
		v = pick_word(in, v, n);
		memcpy(mem + off, &v, width);
		break;
	}
	case 6: { /* a word of the state line (roles' owners, life, counters) */
		RING_ATOMIC(uint64_t) *wd = &s->state.words[fi_range(in, 0, RING_LINE / 8 - 1)];
		uint64_t v;

		switch (fi_range(in, 0, 3)) {
		case 0: v = RING_OWNER(fi_range(in, 0, RING_PARTS_DEFAULT + 1), fi_range(in, 0, 3)); break;
		case 1: v = fi_range(in, 0, 3); break; /* life states */
		case 2: v = RING_LIFE_REPLACING(fi_bool(in) ? (uint64_t)getpid() : 4000000, fi_u32(in)); break;
		default: v = pick_word(in, ring_pvt_load(wd, relaxed), n); break;
		}
		ring_pvt_store(wd, v, relaxed);
		break;
	}
	case 7: { /* a participant entry: state, identity, intent */
		struct ring_part *e = (struct ring_part *)(void *)(mem + part_offset_of(p, stride));
		unsigned idx = (unsigned)fi_range(in, 0, RING_PARTS_DEFAULT - 1);
		uint64_t v;

		e += idx;
		switch (fi_range(in, 0, 5)) {
		case 0: /* live, with roles, maybe declared */
			v = RING_PART_LIVE(fi_range(in, 0, 3), fi_range(in, 0, 3)) |
			    (fi_bool(in) ? RING_PART_DECLARED : 0);
			ring_pvt_store(&e->state, v, relaxed);
			break;
		case 1: /* joining, by this process or a pid that does not exist */
			ring_pvt_store(&e->state,
				       RING_PART_JOINING(fi_bool(in) ? (uint64_t)getpid() : 4000000, fi_u32(in)),
				       relaxed);
			break;
		case 2: /* identity: this pid, a missing one, pid 1, or anything */
			v = fi_range(in, 0, 3);
			v = v == 0 ? (uint64_t)getpid() : v == 1 ? 4000000 : v == 2 ? 1 : fi_u64(in);
			e->ident[RING_ID_PID] = v;
			if (fi_bool(in))
				e->ident[RING_ID_START] = fi_u64(in);
			break;
		case 3: /* an intent over positions near the indices */
			ring_pvt_store(&e->intent,
				       RING_INTENT(ring_pvt_load(fi_bool(in) ? &s->prod.tail : &s->cons.head, relaxed) +
						   fi_range(in, 0, 4) - 2,
						   fi_range(in, 0, 1), fi_range(in, 0, RING_INTENT_BIG)),
				       relaxed);
			break;
		case 4:
			ring_pvt_store(&e->intent_cnt, pick_word(in, ring_pvt_load(&e->intent_cnt, relaxed), n),
				       relaxed);
			break;
		default:
			fi_bytes(in, (unsigned char *)e, sizeof(*e));
			break;
		}
		break;
	}
	default: /* bytes anywhere in the index lines */
		fi_bytes(in, mem + fi_range(in, sizeof(struct ring_hdr), RING_DATA_OFFSET - 8), 8);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	struct fuzz_region g;
	struct ring_params p;
	struct ring me, peer;
	ssize_t msize;
	int role, ops;
	uint64_t stride;

	fi_init(&in, data, size);
	memset(&p, 0, sizeof(p));
	p.kind = (uint32_t)fi_range(&in, RING_KIND_SPSC, RING_KIND_MPMC);
	p.rule = p.kind == RING_KIND_MPMC ? RING_RULE_COUNT
					  : fi_rule(&in);
	p.elem_size = fi_range(&in, 1, MAX_ESZ);
	p.slots = fi_range(&in, p.rule == RING_RULE_N1 ? 2 : 1, MAX_SLOTS);
	/* Slot-sequenced: the power of two at or below, at least 2. */
	while (p.rule == RING_RULE_SEQ && (p.slots < 2 || (p.slots & (p.slots - 1)) != 0))
		p.slots = p.slots < 2 ? 2 : p.slots & (p.slots - 1);
	p.flags = fi_bool(&in) ? RING_F_BLOCKING : 0;
	role = fi_bool(&in) ? ROLE_PRODUCER : ROLE_CONSUMER;
	msize = ring_memsize(&p);
	FUZZ_CHECK(msize > 0);
	stride = p.kind == RING_KIND_SPSC && p.rule != RING_RULE_SEQ ? p.elem_size
								     : (8 + p.elem_size + 7) / 8 * 8;

	fuzz_region_get(&g, (size_t)msize);
	FUZZ_CHECK(ring_init_mem(&me, g.mem, g.len, &p) == 0);
	FUZZ_CHECK(ring_attach_mem(&peer, g.mem, g.len, p.kind) == 0);

	for (ops = 0; ops < MAX_OPS && fi_left(&in) > 0; ops++) {
		switch (fi_range(&in, 0, 5)) {
		case 0:
		case 1:
			poke(&in, g.mem, &p, stride);
			break;
		case 2: /* the other side, honestly (on whatever state there is) */
			if (peer.shm != NULL)
				hostile_op(&peer, &in, ROLE_ANY & ~role);
			break;
		case 3: { /* this side attaches again, to whatever the header says */
			struct ring r2;
			uint32_t kind = (uint32_t)fi_range(&in, RING_KIND_ANY, RING_KIND_MPMC);
			int rc = ring_attach_mem(&r2, g.mem, g.len, kind);

			if (rc == 0) {
				check_accepted(&r2, g.mem, g.len, kind);
				ring_close(&me);
				me = r2;
			} else {
				FUZZ_CHECK(rc == -EAGAIN || rc == -EBADMSG || rc == -EPROTONOSUPPORT ||
					   rc == -EPROTO || rc == -EMSGSIZE || rc == -EPROTOTYPE ||
					   rc == -EUSERS || rc == -ESTALE || rc == -EUCLEAN);
				FUZZ_CHECK(r2.shm == NULL);
			}
			break;
		}
		default:
			hostile_op(&me, &in, role);
			break;
		}
	}
	FUZZ_CHECK(ring_close(&peer) == 0);
	FUZZ_CHECK(ring_close(&me) == 0);
	fuzz_region_put(&g);
	return 0;
}
