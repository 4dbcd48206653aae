/* SPDX-License-Identifier: MIT */
/*
 * Geometry, formatting and attach-time validation.
 *
 * The header is written once by the creator and read by every process that
 * attaches. An attaching process trusts none of it: it takes one snapshot of
 * the fields, recomputes the geometry from the parameters with its own math,
 * and accepts the ring only if every stored derived value and the size of
 * what it mapped agree with that computation.
 */
#include "ring_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* A value that tells two rings of one name apart: from getrandom(), or, where
 * that fails, from the clock and the pid (unique enough for that purpose). */
uint64_t ring_pvt_random64(void)
{
	uint64_t v = 0;
	struct timespec ts;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v) && v != 0)
		return v;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	v = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^ ((uint64_t)getpid() << 40);
	return v ? v : 1;
}

/* Largest data area of a message or byte-stream ring. */
#define RING_PVT_BYTES_MAX (UINT64_C(1) << 40)

/*
 * Message and byte-stream rings (ring_layout.h): slots data bytes, a power of
 * two, free-running byte positions (so the count rule only). Message rings:
 * elem_size is the largest message, with RING_MSG_REC(max) <= slots / 2, so
 * that a largest record plus the padding before it fits in an empty ring.
 * Byte streams: elem_size 1. Broadcast message rings (RING_KIND_BCAST with
 * RING_F_BCAST_MSG): as message rings, with RING_BMSG_REC(max) <= slots / 2,
 * the broadcast flags, and at least two participant entries.
 */
static int bytes_geometry(uint32_t kind, uint32_t rule, uint64_t slots, uint64_t esz,
			  uint32_t flags, uint32_t max_parts, struct ring_geom *g)
{
	uint64_t table;
	uint32_t allowed = kind == RING_KIND_MSG	? RING_F_BLOCKING | RING_F_MSG_MP
			   : kind == RING_KIND_BCAST ? RING_F_BLOCKING | RING_F_PIPE |
							RING_F_BCAST_LOSSY | RING_F_BCAST_MSG
						      : RING_F_BLOCKING;

	if (rule != RING_RULE_COUNT)
		return -EINVAL;
	if (flags & ~allowed)
		return -EINVAL;
	if (kind == RING_KIND_BCAST && max_parts < 2)
		return -EINVAL;
	if (slots == 0 || (slots & (slots - 1)) != 0 || slots > RING_PVT_BYTES_MAX)
		return -EINVAL;
	if (kind == RING_KIND_MSG || kind == RING_KIND_BCAST) {
		if (slots < 4 * RING_MSG_ALIGN || esz == 0 || esz > RING_ELEM_MAX ||
		    (kind == RING_KIND_MSG ? RING_MSG_REC(esz) : RING_BMSG_REC(esz)) > slots / 2)
			return -EINVAL;
	} else if (esz != 1) {
		return -EINVAL;
	}
	if (max_parts == 0 || max_parts > RING_PARTS_MAX)
		return -EINVAL;
	table = (uint64_t)max_parts * sizeof(struct ring_part);
	g->stride = 1;
	g->part_offset = (RING_DATA_OFFSET + slots + RING_LINE - 1) & ~(uint64_t)(RING_LINE - 1);
	g->max_parts = max_parts;
	g->total = g->part_offset + table;
	g->cap = slots;
	g->mask = slots - 1;
	return 0;
}

int ring_pvt_geometry(uint32_t kind, uint32_t rule, uint64_t slots, uint64_t esz,
		      uint32_t flags, uint32_t max_parts, struct ring_geom *g)
{
	uint64_t stride, data, table;

	if (kind == RING_KIND_MSG || kind == RING_KIND_BYTES ||
	    (kind == RING_KIND_BCAST && (flags & RING_F_BCAST_MSG)))
		return bytes_geometry(kind, rule, slots, esz, flags, max_parts, g);
	if (kind != RING_KIND_SPSC && kind != RING_KIND_MPMC && kind != RING_KIND_BCAST)
		return -EINVAL;
	/* Many producers is a message-ring flag; broadcast messages are
	 * bytes_geometry's. */
	if (flags & (RING_F_MSG_MP | RING_F_BCAST_MSG))
		return -EINVAL;
	if (rule != RING_RULE_N1 && rule != RING_RULE_COUNT && rule != RING_RULE_SEQ)
		return -EINVAL;
	/* Slot-sequenced rule (ring_layout.h): SPSC only, n a power of two
	 * and at least 2 (so that "full for p" and "read, free for p + n"
	 * differ). */
	if (rule == RING_RULE_SEQ &&
	    (kind != RING_KIND_SPSC || slots < 2 || (slots & (slots - 1)) != 0))
		return -EINVAL;
	/* Broadcast: free-running positions (count rule), an entry for the
	 * producer and at least one for a consumer; the lossy policy is a
	 * broadcast flag only. */
	if (kind == RING_KIND_BCAST && (rule != RING_RULE_COUNT || max_parts < 2))
		return -EINVAL;
	if (kind != RING_KIND_BCAST && (flags & RING_F_BCAST_LOSSY))
		return -EINVAL;
	/* Per-slot sequence words tell full from empty: see ring_mpmc_pvt.h. */
	if (kind == RING_KIND_MPMC && rule == RING_RULE_N1)
		return -EINVAL;
	if (flags & ~RING_F_ALL)
		return -EINVAL;
	if (esz == 0 || esz > RING_ELEM_MAX)
		return -EINVAL;
	if (slots == 0 || (rule == RING_RULE_N1 && slots < 2))
		return -EINVAL;
	/* MPMC, broadcast and slot-sequenced slots: an 8-byte sequence word,
	 * then the element rounded up to 8 (broadcast payloads are copied in
	 * 8-byte words). */
	stride = kind == RING_KIND_SPSC && rule != RING_RULE_SEQ
			 ? esz
			 : (sizeof(struct ring_mpmc_slot) + esz + 7) & ~UINT64_C(7);
	if (max_parts == 0 || max_parts > RING_PARTS_MAX)
		return -EINVAL;
	table = (uint64_t)max_parts * sizeof(struct ring_part);
	if (slots > (RING_PVT_MAX_BYTES - RING_DATA_OFFSET - table - RING_LINE) / stride)
		return -EOVERFLOW;
	data = slots * stride;
	g->stride = stride;
	g->part_offset = (RING_DATA_OFFSET + data + RING_LINE - 1) & ~(uint64_t)(RING_LINE - 1);
	g->max_parts = max_parts;
	g->total = g->part_offset + table;
	g->cap = rule == RING_RULE_N1 ? slots - 1 : slots;
	g->mask = (slots & (slots - 1)) == 0 ? slots - 1 : 0;
	return 0;
}

int ring_pvt_check_params(const struct ring_params *p, struct ring_geom *g)
{
	if (p == NULL)
		return -EINVAL;
	if (p->mode & ~0777u || p->reserved != 0)
		return -EINVAL;
	return ring_pvt_geometry(p->kind, p->rule, p->slots, p->elem_size, p->flags,
				 p->max_parts ? p->max_parts : RING_PARTS_DEFAULT, g);
}

ssize_t ring_memsize(const struct ring_params *p)
{
	struct ring_geom g;
	int rc = ring_pvt_check_params(p, &g);

	return rc < 0 ? rc : (ssize_t)g.total;
}

void ring_pvt_format(void *mem, const struct ring_params *p, const struct ring_geom *g)
{
	struct ring_shared *s = (struct ring_shared *)mem;
	unsigned char *slots = (unsigned char *)mem + RING_DATA_OFFSET;
	uint64_t i;

	memset(s, 0, sizeof(*s));
	memset((unsigned char *)mem + g->part_offset, 0, (size_t)g->max_parts * sizeof(struct ring_part));
	s->hdr.magic = RING_MAGIC;
	s->hdr.version = RING_LAYOUT_VERSION;
	s->hdr.kind = p->kind;
	s->hdr.rule = p->rule;
	s->hdr.flags = p->flags;
	s->hdr.slots = p->slots;
	s->hdr.elem_size = p->elem_size;
	s->hdr.stride = g->stride;
	s->hdr.data_offset = RING_DATA_OFFSET;
	s->hdr.total_size = g->total;
	s->hdr.max_parts = g->max_parts;
	s->hdr.part_offset = g->part_offset;
	s->hdr.create_id = ring_pvt_random64();
	if (p->kind == RING_KIND_MPMC) {
		for (i = 0; i < p->slots; i++) {
			struct ring_mpmc_slot *sl = (struct ring_mpmc_slot *)(void *)(slots + i * g->stride);

			ring_pvt_store(&sl->seq, RING_MPMC_FREE(i), relaxed);
		}
	}
	if (p->rule == RING_RULE_SEQ) {
		/* Slot i is free for position i (ring_layout.h). */
		for (i = 0; i < p->slots; i++) {
			struct ring_seq_slot *sl = (struct ring_seq_slot *)(void *)(slots + i * g->stride);

			ring_pvt_store(&sl->seq, i, relaxed);
		}
	}
	if (p->kind == RING_KIND_BCAST && !(p->flags & RING_F_BCAST_MSG)) {
		/* Sequence 0: no position was ever written in the slot. */
		for (i = 0; i < p->slots; i++) {
			struct ring_bcast_slot *sl = (struct ring_bcast_slot *)(void *)(slots + i * g->stride);

			ring_pvt_store(&sl->seq, 0, relaxed);
		}
	}
	/* R0: everything above is visible to a process that reads RING_READY.
	 * Pairs with A0 in ring_pvt_attach(). */
	ring_pvt_store(&s->hdr.ready, RING_READY, release);
}

/*
 * Copy the header out of shared memory, each field with exactly one load.
 * The loads are volatile: a plain memcpy or struct copy lets the compiler
 * re-read a field from the mapping later instead of the copy (gcc 12 -O2 does
 * so for magic), and a re-read after validation would be a double fetch that a
 * hostile peer could race. Validation below reads only the copy.
 */
#define HDR_LOAD(field) (c->field = *(const volatile __typeof__(c->field) *)&h->field)
static void hdr_snapshot(struct ring_hdr *c, const struct ring_hdr *h)
{
	HDR_LOAD(magic);
	HDR_LOAD(version);
	HDR_LOAD(kind);
	HDR_LOAD(rule);
	HDR_LOAD(flags);
	HDR_LOAD(slots);
	HDR_LOAD(elem_size);
	HDR_LOAD(stride);
	HDR_LOAD(data_offset);
	HDR_LOAD(total_size);
	HDR_LOAD(max_parts);
	HDR_LOAD(part_offset);
	HDR_LOAD(create_id);
}
#undef HDR_LOAD

int ring_pvt_check_kind(uint32_t kind)
{
	if (kind == RING_KIND_ANY || kind == RING_KIND_SPSC || kind == RING_KIND_MPMC ||
	    kind == RING_KIND_MSG || kind == RING_KIND_BYTES || kind == RING_KIND_BCAST)
		return 0;
	return -EINVAL;
}

uint32_t ring_pvt_mode_of(const struct ring *r)
{
	/* Blocking rings take the inline flavours too: the wake check is in
	 * the code every flavour shares (ring_pvt_after_push/_pop). */
	int small = 1;

	if (r->kind == RING_KIND_MSG)
		return (r->flags & RING_F_MSG_MP) ? RING_PVT_MODE_MSG_MP : RING_PVT_MODE_MSG_SP;
	if (r->kind == RING_KIND_BYTES)
		return RING_PVT_MODE_BYTES;
	if (r->kind == RING_KIND_MPMC && r->esz == 8 && (r->n & (r->n - 1)) == 0 && small &&
	    !(r->flags & RING_F_BLOCKING)) /* MPMC8 has no wake check */
		return RING_PVT_MODE_MPMC8;
	if (r->kind == RING_KIND_BCAST)
		return RING_PVT_MODE_BCAST;
	if (r->kind == RING_KIND_MPMC)
		return RING_PVT_MODE_MPMC;
	/* Slot-sequenced: the inline flavours have no wake check (as MPMC8);
	 * blocking rings and other sizes take RING_PVT_MODE_SEQ. */
	if (r->rule == RING_RULE_SEQ && r->esz == 8 && small && !(r->flags & RING_F_BLOCKING))
		return RING_PVT_MODE_SEQ8;
	if (r->rule == RING_RULE_SEQ && r->esz == 64 && small && !(r->flags & RING_F_BLOCKING))
		return RING_PVT_MODE_SEQ64;
	if (r->rule == RING_RULE_SEQ)
		return RING_PVT_MODE_SEQ;
	/* n-1 rule, power-of-two n: the count rule's inline flavours, whose
	 * common path is the same code (see RING_PVT_MODE_SPSC_FAST8). */
	if (r->rule == RING_RULE_N1 && r->mask != 0 && r->esz == 8 && small)
		return RING_PVT_MODE_SPSC_FAST8;
	if (r->rule == RING_RULE_N1 && r->mask != 0 && r->esz == 64 && small)
		return RING_PVT_MODE_SPSC_FAST64;
	if (r->rule == RING_RULE_N1 && r->esz == 8 && small)
		return RING_PVT_MODE_SPSC_N1_8;
	if (r->rule == RING_RULE_N1 && r->esz == 64 && small)
		return RING_PVT_MODE_SPSC_N1_64;
	if (r->rule == RING_RULE_N1)
		return RING_PVT_MODE_SPSC_N1;
	if (r->mask == 0 && r->n != 1)
		return RING_PVT_MODE_SPSC_MOD;
	if (r->esz == 8 && small)
		return RING_PVT_MODE_SPSC_FAST8;
	if (r->esz == 64 && small)
		return RING_PVT_MODE_SPSC_FAST64;
	return RING_PVT_MODE_SPSC_MASK;
}

int ring_pvt_attach(struct ring *r, void *mem, size_t len, int exact, uint32_t kind)
{
	struct ring_shared *s = (struct ring_shared *)mem;
	struct ring_hdr c;
	struct ring_geom g;
	uint32_t ready;

	if (ring_pvt_check_kind(kind) < 0)
		return -EINVAL;
	if (len < sizeof(struct ring_shared))
		return len == 0 ? -EAGAIN : -EBADMSG;
	/* A0: pairs with R0 in ring_pvt_format(). */
	ready = ring_pvt_load(&s->hdr.ready, acquire);
	/* One snapshot; from here on only the local copy is used. */
	hdr_snapshot(&c, &s->hdr);
	if (c.magic != RING_MAGIC)
		return c.magic == 0 && ready == 0 ? -EAGAIN : -EBADMSG;
	if (ready != RING_READY)
		return ready == 0 ? -EAGAIN : -EBADMSG;
	if (c.version != RING_LAYOUT_VERSION)
		return -EPROTONOSUPPORT;
	if (ring_pvt_geometry(c.kind, c.rule, c.slots, c.elem_size, c.flags, c.max_parts, &g) < 0)
		return -EPROTO;
	if (c.stride != g.stride || c.data_offset != RING_DATA_OFFSET || c.total_size != g.total ||
	    c.part_offset != g.part_offset)
		return -EPROTO;
	if (exact ? len != g.total : len < g.total)
		return -EMSGSIZE;
	if (kind != RING_KIND_ANY && kind != c.kind)
		return -EPROTOTYPE;

	r->shm = s;
	r->slots = (unsigned char *)mem + RING_DATA_OFFSET;
	r->n = c.slots;
	r->mask = g.mask;
	r->idx.recip = UINT64_MAX / c.slots; /* see ring_pvt_mod */
	r->cap = g.cap;
	r->esz = (uint32_t)c.elem_size;
	r->stride = (uint32_t)g.stride;
	r->kind = c.kind;
	r->rule = c.rule;
	r->flags = c.flags;
	/* Until the caller takes roles (ring_pvt_live_attach): the first push
	 * or pop goes out of line and takes them. */
	r->mode = r->cmode = RING_PVT_MODE_JOIN;
	r->parts = (struct ring_part *)(void *)((unsigned char *)mem + g.part_offset);
	r->part = NULL;
	r->roles = 0;
	r->live = 0;
	r->part_gen = 0;
	r->max_parts = g.max_parts;
	r->part_idx = 0;
	r->create_id = c.create_id;
	/* Own indices unknown and caches that make each side's first call
	 * read both indices through the validating slow path, whatever they
	 * hold by then: nothing read from shared memory before that call is
	 * trusted, and a role taken over through this attach starts where its
	 * previous holder stopped. */
	ring_pvt_spsc_forget(r, 1);
	ring_pvt_spsc_forget(r, 0);
	r->prod_stuck_pos = r->cons_stuck_pos = 0;
	r->prod_stuck_due = r->cons_stuck_due = 0;
	r->prod_check_due = r->cons_check_due = 0;
	/* Zero-copy state (ring_msg.h, ring_span.h): nothing reserved or
	 * peeked. */
	r->zc_res_pos = 0;
	r->zc_res_cnt = 0;
	r->zc_res_len = 0;
	r->zc_peek_pos = 0;
	r->zc_peek_cnt = 0;
	/* Broadcast: no role yet (ring_bcast.h); a limit of 0 and a tail copy
	 * equal to the position send every call to the slow path, which
	 * refuses it. */
	memset(&r->bc, 0, sizeof(r->bc));
	if (c.kind == RING_KIND_BCAST) {
		r->prod_cache = 0;
		r->cons_cache = 0;
	}
	ring_pvt_wait_attach(r);
	return 0;
}
