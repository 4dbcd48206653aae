/* SPDX-License-Identifier: MIT */
/*
 * Checks shared by the hostile-region harnesses (fuzz_attach, fuzz_peer).
 *
 * check_accepted(): a ring the library accepted must be consistent, judged
 * independently of the library from the header bytes and the region length.
 *
 * hostile_op(): one push/pop/bulk/burst/timed/count call on a ring whose
 * shared words may hold anything. Results may be errors or garbage payloads,
 * but only the documented codes (on the n-1 rule, -EUCLEAN whenever the
 * caller's own index is out of range), never more elements than asked for, and
 * never a write past the caller's buffer: pop buffers are heap blocks of
 * exactly the asked size, so AddressSanitizer sees any overrun, and the
 * region itself ends at a guard page (fuzz_region.h).
 */
#ifndef SHMRING_FUZZ_HOSTILE_H
#define SHMRING_FUZZ_HOSTILE_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <shmring/shmring.h>

#include "fuzz_input.h"

/* Header fields as the creator would have written them, checked on their
 * own: returns the region size the ring needs, or 0 if the header is not one
 * a creator could have written. */
static inline uint64_t expected_total(const struct ring_hdr *h)
{
	uint64_t stride, data;

	if (h->magic != RING_MAGIC || h->version != RING_LAYOUT_VERSION)
		return 0;
	if (h->kind == RING_KIND_MSG || h->kind == RING_KIND_BYTES ||
	    (h->kind == RING_KIND_BCAST && (h->flags & RING_F_BCAST_MSG))) {
		/* Byte areas: slots bytes, a power of two up to 2^40; messages
		 * of up to elem_size with a 16-byte header, a record at most
		 * half the area; byte streams elem_size 1. */
		/* Broadcast messages (RING_F_BCAST_MSG): as messages with a
		 * 32-byte record header, the broadcast flags, two entries. */
		uint64_t allowed = RING_F_BLOCKING | (h->kind == RING_KIND_MSG ? RING_F_MSG_MP : 0) |
				   (h->kind == RING_KIND_BCAST ? RING_F_PIPE | RING_F_BCAST_LOSSY |
									 RING_F_BCAST_MSG
							       : 0);
		uint64_t hdr = h->kind == RING_KIND_BCAST ? 32 : 16;

		if (h->rule != RING_RULE_COUNT || (h->flags & ~allowed) != 0)
			return 0;
		if (h->kind == RING_KIND_BCAST && h->max_parts < 2)
			return 0;
		if (h->slots == 0 || (h->slots & (h->slots - 1)) != 0 || h->slots > (UINT64_C(1) << 40))
			return 0;
		if (h->kind != RING_KIND_BYTES
			    ? (h->slots < 64 || h->elem_size == 0 || h->elem_size > RING_ELEM_MAX ||
			       hdr + (h->elem_size + 15) / 16 * 16 > h->slots / 2)
			    : h->elem_size != 1)
			return 0;
		if (h->stride != 1 || h->data_offset != RING_DATA_OFFSET)
			return 0;
		stride = 1;
		goto table;
	}
	if (h->kind != RING_KIND_SPSC && h->kind != RING_KIND_MPMC && h->kind != RING_KIND_BCAST)
		return 0;
	if (h->flags & (RING_F_MSG_MP | RING_F_BCAST_MSG))
		return 0;
	if (h->rule != RING_RULE_N1 && h->rule != RING_RULE_COUNT && h->rule != RING_RULE_SEQ)
		return 0;
	/* Slot-sequenced: SPSC only, n a power of two >= 2. */
	if (h->rule == RING_RULE_SEQ &&
	    (h->kind != RING_KIND_SPSC || h->slots < 2 || (h->slots & (h->slots - 1)) != 0))
		return 0;
	if (h->kind == RING_KIND_MPMC && h->rule == RING_RULE_N1)
		return 0;
	/* Broadcast: count rule, the producer's entry and a consumer's; the
	 * lossy flag is its own. */
	if (h->kind == RING_KIND_BCAST && (h->rule != RING_RULE_COUNT || h->max_parts < 2))
		return 0;
	if (h->kind != RING_KIND_BCAST && (h->flags & RING_F_BCAST_LOSSY))
		return 0;
	if ((h->flags & ~RING_F_ALL) != 0 || h->elem_size == 0 || h->elem_size > RING_ELEM_MAX)
		return 0;
	if (h->slots == 0 || (h->rule == RING_RULE_N1 && h->slots < 2))
		return 0;
	/* A sequence word per slot except on SPSC rings of the first two
	 * rules. */
	stride = h->kind == RING_KIND_SPSC && h->rule != RING_RULE_SEQ ? h->elem_size
								       : (8 + h->elem_size + 7) / 8 * 8;
	if (h->stride != stride || h->data_offset != RING_DATA_OFFSET)
		return 0;
table:
	if (h->slots > (UINT64_MAX / 2) / stride)
		return 0;
	data = h->slots * stride;
	if (data > UINT64_MAX / 2)
		return 0;
	if (h->max_parts == 0 || h->max_parts > RING_PARTS_MAX)
		return 0;
	if (h->part_offset != (RING_DATA_OFFSET + data + RING_LINE - 1) / RING_LINE * RING_LINE)
		return 0;
	if (h->total_size != h->part_offset + (uint64_t)h->max_parts * sizeof(struct ring_part))
		return 0;
	return h->total_size;
}

/* r was attached (rc 0) to len bytes at mem asking for kind. */
static inline void check_accepted(const struct ring *r, const unsigned char *mem, size_t len,
				  uint32_t kind)
{
	struct ring_hdr h;
	uint64_t total;

	FUZZ_CHECK(len >= sizeof(struct ring_shared));
	memcpy(&h, mem, sizeof(h));
	total = expected_total(&h);
	FUZZ_CHECK(total != 0 && total <= len);
	FUZZ_CHECK(ring_pvt_load(&((const struct ring_shared *)(const void *)mem)->hdr.ready,
				 relaxed) == RING_READY);
	FUZZ_CHECK(kind == RING_KIND_ANY || kind == h.kind);
	FUZZ_CHECK(r->shm == (const void *)mem);
	FUZZ_CHECK(r->slots == mem + RING_DATA_OFFSET);
	FUZZ_CHECK(r->n == h.slots && r->esz == h.elem_size && r->stride == h.stride);
	FUZZ_CHECK(r->kind == h.kind && r->rule == h.rule && r->flags == h.flags);
	FUZZ_CHECK(ring_capacity(r) == (h.rule == RING_RULE_N1 ? h.slots - 1 : h.slots));
	/* The last slot ends inside the region. */
	FUZZ_CHECK(RING_DATA_OFFSET + r->n * r->stride <= len);
}

/* Codes the liveness layer gives when a hostile peer rewrote the state line
 * or the participant table: an SPSC role "held" by a forged live entry, a
 * table full of forged entries, a ring marked replaced, waits whose peers
 * all look dead. */
static inline int is_live_err(ssize_t rc)
{
	return rc == -EADDRINUSE || rc == -EUSERS || rc == -ESTALE || rc == -ECONNRESET ||
	       rc == -EPIPE || rc == -EUCLEAN;
}

/* -EBUSY: MPMC lost its bounded retries, e.g. to a slot word that always
 * reads stale; never from a blocking call (they retry). */
static inline int is_ring_err(ssize_t rc)
{
	return rc == -EAGAIN || rc == -EBUSY || rc == -EPIPE || rc == -EUCLEAN || is_live_err(rc);
}

/* Roles for hostile_op(). */
#define ROLE_PRODUCER 1
#define ROLE_CONSUMER 2
#define ROLE_ANY (ROLE_PRODUCER | ROLE_CONSUMER)

/* The handle holds the role of the call just made: a call that did not get
 * it (the join said -EAGAIN on a hostile state line: retry) stopped before
 * reading any index. */
static inline int joined(const struct ring *r, int role)
{
	return (r->roles & (role == ROLE_PRODUCER ? RING_ROLE_PRODUCER : RING_ROLE_CONSUMER)) != 0;
}

/* Largest burst a hostile op asks for, and the byte budget of its buffer. */
#define HOSTILE_MAX_N 8
#define HOSTILE_MAX_BYTES ((size_t)1 << 20)

/* hostile_op() for message and byte-stream rings (a header rewritten into
 * one of those kinds): their own calls, with the same guarantees. */
static inline void hostile_op_bytes(struct ring *r, struct fuzz_in *in, int role)
{
	int msg = ring_kind(r) == RING_KIND_MSG;
	size_t cap = (size_t)fi_range(in, 0, 4096), got = 0, lens[4];
	uint64_t area = ring_capacity(r);
	unsigned char *buf = (unsigned char *)malloc(cap ? cap : 1);
	struct timespec past = {0, 0};
	const void *cp;
	void *ptr;
	ssize_t rc;

	FUZZ_CHECK(buf != NULL);
	if (role == ROLE_ANY)
		role = fi_bool(in) ? ROLE_PRODUCER : ROLE_CONSUMER;
	if (role == ROLE_PRODUCER) {
		fi_bytes(in, buf, cap);
		switch (fi_range(in, 0, 2)) {
		case 0:
			rc = msg ? ring_msg_send(r, buf, cap) : ring_bytes_write(r, buf, cap);
			FUZZ_CHECK(rc >= 0 || rc == -EMSGSIZE || is_ring_err(rc));
			FUZZ_CHECK(rc <= (ssize_t)cap);
			break;
		case 1:
			rc = msg ? ring_msg_send_wait(r, buf, cap, &past)
				 : ring_bytes_write_wait(r, buf, cap, &past);
			FUZZ_CHECK(rc >= 0 || rc == -EMSGSIZE || rc == -ETIMEDOUT || rc == -ENOTSUP ||
				   is_ring_err(rc));
			FUZZ_CHECK(rc <= (ssize_t)cap);
			break;
		default:
			if (msg) {
				rc = ring_msg_reserve(r, cap, &ptr);
				if (rc == 0) {
					FUZZ_CHECK((unsigned char *)ptr >= r->slots &&
						   (unsigned char *)ptr + cap <= r->slots + area);
					memset(ptr, 0x5a, cap);
					FUZZ_CHECK(ring_msg_commit(r, cap) == 0 || fi_bool(in));
				}
			} else if (cap > 0) {
				rc = ring_span_reserve(r, cap, &ptr);
				if (rc > 0) {
					FUZZ_CHECK((size_t)rc <= cap);
					FUZZ_CHECK((unsigned char *)ptr + rc <= r->slots + area);
					memset(ptr, 0x5a, (size_t)rc);
					rc = ring_span_commit(r, (size_t)rc);
					FUZZ_CHECK(rc == 0 || is_ring_err(rc));
				}
			}
			if (msg && r->zc_res_cnt != 0)
				ring_msg_abort(r);
			break;
		}
	} else {
		switch (fi_range(in, 0, 2)) {
		case 0:
			if (msg) {
				rc = ring_msg_recv(r, buf, cap, &got);
				FUZZ_CHECK(rc == 0 || rc == -EMSGSIZE || is_ring_err(rc));
				if (rc == 0)
					FUZZ_CHECK(got <= cap && got <= ring_msg_max(r));
			} else {
				rc = ring_bytes_read(r, buf, cap);
				FUZZ_CHECK((rc >= 0 && rc <= (ssize_t)cap) || is_ring_err(rc));
			}
			break;
		case 1:
			if (msg) {
				rc = ring_msg_recv_burst(r, buf, cap, lens, 4);
				FUZZ_CHECK((rc >= 1 && rc <= 4) || rc == -EMSGSIZE || rc == -EINVAL ||
					   is_ring_err(rc));
			} else {
				rc = ring_bytes_read_wait(r, buf, cap, &past);
				FUZZ_CHECK((rc >= 0 && rc <= (ssize_t)cap) || rc == -ETIMEDOUT ||
					   rc == -ENOTSUP || is_ring_err(rc));
			}
			break;
		default:
			if (msg) {
				rc = ring_msg_peek(r, &cp, &got);
				if (rc == 0) {
					FUZZ_CHECK(got <= ring_msg_max(r));
					FUZZ_CHECK((const unsigned char *)cp + got <= r->slots + area);
					FUZZ_CHECK(ring_msg_release(r) == 0);
				}
			} else if (cap > 0) {
				rc = ring_span_peek(r, cap, &ptr);
				if (rc > 0) {
					FUZZ_CHECK((unsigned char *)ptr + rc <= r->slots + area);
					FUZZ_CHECK(ring_span_release(r, (size_t)rc) == 0);
				}
			}
			break;
		}
	}
	free(buf);
}

/* hostile_op() for the fixed-slot kinds. */
static inline void hostile_op_fixed(struct ring *r, struct fuzz_in *in, int role)
{
	size_t esz = ring_elem_size(r), cap = ring_capacity(r);
	size_t n_max = HOSTILE_MAX_BYTES / esz < HOSTILE_MAX_N ? HOSTILE_MAX_BYTES / esz : HOSTILE_MAX_N;
	size_t n = (size_t)fi_range(in, 1, n_max ? n_max : 1);
	int blocking = (ring_flags(r) & RING_F_BLOCKING) != 0;
	struct timespec past = {0, 0};
	unsigned op = (unsigned)fi_range(in, 0, 7);
	unsigned char *buf;
	ssize_t rc;
	int own_bad = 0, any_bad = 0;

	if (n_max == 0)
		return; /* an element larger than any buffer this harness makes */
	buf = malloc(n * esz);
	FUZZ_CHECK(buf != NULL);
	if (role == ROLE_ANY)
		role = fi_bool(in) ? ROLE_PRODUCER : ROLE_CONSUMER;
	/* n-1 rule: a call's own index out of range (the consumer's head, the
	 * producer's tail without the closed bit) is never used as a slot. A
	 * handle that does not know its own position yet adopts it from
	 * shared memory and must then say -EUCLEAN, whatever the other words
	 * hold; a handle that knows it never reads the shared copy on its fast
	 * path (it overwrites it with its next store), so any result is
	 * allowed there. ring_count says -EUCLEAN for either out of range.
	 * Nothing else runs during the call, so the words read here are the
	 * ones the call sees. */
	if (ring_rule(r) == RING_RULE_N1) {
		uint64_t t = ring_pvt_load(&r->shm->prod.tail, relaxed) & ~RING_CLOSED_BIT;
		uint64_t h = ring_pvt_load(&r->shm->cons.head, relaxed);

		own_bad = role == ROLE_PRODUCER ? t >= r->n && r->prod_pos == RING_PVT_POS_UNKNOWN
						: h >= r->n && r->cons_pos == RING_PVT_POS_UNKNOWN;
		any_bad = t >= r->n || h >= r->n;
	}
	if (role == ROLE_PRODUCER)
		fi_bytes(in, buf, n * esz);
	switch (op) {
	case 0:
		rc = role == ROLE_PRODUCER ? ring_push(r, buf) : ring_pop(r, buf);
		FUZZ_CHECK(rc == 0 || is_ring_err(rc));
		FUZZ_CHECK(!own_bad || rc == -EUCLEAN || is_live_err(rc) || !joined(r, role));
		break;
	case 1:
		rc = role == ROLE_PRODUCER ? ring_push_bulk(r, buf, n) : ring_pop_bulk(r, buf, n);
		FUZZ_CHECK(n > cap ? rc == -EINVAL : (rc == (ssize_t)n || is_ring_err(rc)));
		FUZZ_CHECK(!own_bad || n > cap || rc == -EUCLEAN || is_live_err(rc) || !joined(r, role));
		break;
	case 2:
		rc = role == ROLE_PRODUCER ? ring_push_burst(r, buf, n) : ring_pop_burst(r, buf, n);
		FUZZ_CHECK((rc >= 1 && rc <= (ssize_t)n) || is_ring_err(rc));
		FUZZ_CHECK(!own_bad || rc == -EUCLEAN || is_live_err(rc) || !joined(r, role));
		break;
	case 3: /* a deadline already past: spins, then -ETIMEDOUT */
		rc = role == ROLE_PRODUCER ? ring_push_wait(r, buf, &past) : ring_pop_wait(r, buf, &past);
		FUZZ_CHECK(blocking ? (rc == 0 || rc == -ETIMEDOUT || is_ring_err(rc)) : rc == -ENOTSUP);
		FUZZ_CHECK(rc != -EAGAIN && rc != -EBUSY);
		break;
	case 4: /* a deadline ~now: may sleep on a hostile futex word, briefly */
		rc = role == ROLE_PRODUCER ? ring_push_timeout(r, buf, fi_range(in, 0, 2000))
					   : ring_pop_timeout(r, buf, fi_range(in, 0, 2000));
		FUZZ_CHECK(blocking ? (rc == 0 || rc == -ETIMEDOUT || is_ring_err(rc)) : rc == -ENOTSUP);
		FUZZ_CHECK(rc != -EAGAIN && rc != -EBUSY);
		break;
	case 5:
		rc = role == ROLE_PRODUCER ? ring_push_burst_wait(r, buf, n, &past)
					   : ring_pop_burst_wait(r, buf, n, &past);
		FUZZ_CHECK(blocking ? ((rc >= 1 && rc <= (ssize_t)n) || rc == -ETIMEDOUT || is_ring_err(rc))
				    : rc == -ENOTSUP);
		FUZZ_CHECK(rc != -EAGAIN && rc != -EBUSY);
		break;
	case 6:
		rc = ring_count(r);
		FUZZ_CHECK((rc >= 0 && (size_t)rc <= cap) || rc == -EUCLEAN);
		FUZZ_CHECK(!any_bad || rc == -EUCLEAN);
		rc = ring_free(r);
		FUZZ_CHECK((rc >= 0 && (size_t)rc <= cap) || rc == -EUCLEAN);
		rc = ring_is_closed(r);
		FUZZ_CHECK(rc == 0 || rc == 1);
		break;
	default:
		if (role == ROLE_PRODUCER && fi_range(in, 0, 3) == 0) {
			FUZZ_CHECK(ring_close_write(r) == 0);
			FUZZ_CHECK(ring_is_closed(r) == 1);
		}
		break;
	}
	free(buf);
}

/* One call on r in the given role(s); checks the result is a documented one. */
static inline void hostile_op(struct ring *r, struct fuzz_in *in, int role)
{
	unsigned char e[RING_ELEM_MAX > 4096 ? 4096 : RING_ELEM_MAX] = {0};

	if (ring_kind(r) == RING_KIND_MSG || ring_kind(r) == RING_KIND_BYTES) {
		hostile_op_bytes(r, in, role);
	} else if (ring_kind(r) == RING_KIND_BCAST) {
		/* A broadcast ring (fuzz_bcast drives its own calls): the
		 * fixed-slot calls refuse it and take no role. */
		(void)in;
		(void)role;
		FUZZ_CHECK(ring_elem_size(r) > sizeof(e) || ring_push(r, e) == -EINVAL);
		FUZZ_CHECK(ring_elem_size(r) > sizeof(e) || ring_pop(r, e) == -EINVAL);
	} else {
		hostile_op_fixed(r, in, role);
	}
}

#endif /* SHMRING_FUZZ_HOSTILE_H */
