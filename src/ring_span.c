/* SPDX-License-Identifier: MIT */
/*
 * Zero-copy spans on SPSC and byte-stream rings (<shmring/ring_span.h>).
 * The free and stored counts come from the SPSC slow paths (ring_ops.c),
 * which read and check the other side's index (A1/A2 there) and keep the
 * handle's own index (prod_pos / cons_pos) in step with the shared one; the
 * commit and release are the fast path's R1/R2 stores, made after the
 * caller wrote or read the span in place, and move the handle's index too.
 */
#include "ring_internal.h"

#include <shmring/ring_span.h>

#include <errno.h>

static int span_ring(const struct ring *r)
{
	/* Slot-sequenced rings: a span would have to skip the sequence word
	 * of every slot, and its commit to store each: not offered
	 * (-EINVAL, ring_span.h). */
	return r != NULL && r->shm != NULL &&
	       ((r->kind == RING_KIND_SPSC && r->rule != RING_RULE_SEQ) || r->kind == RING_KIND_BYTES);
}

/* Slot index of position pos (n-1 rule: pos itself, checked < n). */
static uint64_t span_index(const struct ring *r, uint64_t pos)
{
	if (r->rule == RING_RULE_N1)
		return pos;
	return r->mask != 0 || r->n == 1 ? pos & r->mask : pos % r->n;
}

static uint64_t span_next(const struct ring *r, uint64_t pos, uint64_t k)
{
	if (r->rule == RING_RULE_N1)
		return pos + k >= r->n ? pos + k - r->n : pos + k;
	return pos + k;
}

/* Store this side's new index: R1 / R2 (n-1 rule wraps: with the lap). */
static void span_publish(struct ring *r, RING_ATOMIC(uint64_t) *idx, struct ring_stat_line *line,
			 uint64_t pos, uint64_t next)
{
	if (r->rule == RING_RULE_N1 && next < pos) {
		ring_pvt_n1_publish_wrap(idx, &line->words[RING_STAT_LAPS], next);
		/* The side's limit was for pos (ring_pvt_n1_plimit): refresh
		 * on the next call. */
		if (idx == &r->shm->prod.tail)
			r->prod_cache = 0;
		else
			r->cons_cache = 0;
	} else
		ring_pvt_store(idx, next, release);
}

ssize_t ring_span_reserve(struct ring *r, size_t n, void **ptr)
{
	uint64_t t, idx;
	ssize_t k;

	if (!span_ring(r) || n == 0 || ptr == NULL)
		return -EINVAL;
	if (r->zc_res_cnt != 0)
		return -EALREADY;
	if ((k = ring_pvt_live_join_side(r, 0)) < 0)
		return k;
	if (n > r->cap)
		n = (size_t)r->cap;
	/* A1 there; it reads the tail, adopts it as this producer's own index
	 * (prod_pos) or checks it against it, and reports closed and corrupt
	 * indices. */
	k = ring_pvt_spsc_room(r, r->prod_pos, n, 1);
	if (k < 0)
		return k;
	t = r->prod_pos;
	if (r->rule == RING_RULE_N1 && t >= r->n)
		return -EUCLEAN;
	idx = span_index(r, t);
	if ((uint64_t)k > r->n - idx)
		k = (ssize_t)(r->n - idx); /* a span never wraps */
	r->zc_res_pos = t;
	r->zc_res_cnt = (uint64_t)k;
	*ptr = r->slots + idx * r->esz;
	return k;
}

int ring_span_commit(struct ring *r, size_t k)
{
	uint64_t t;

	if (!span_ring(r) || r->zc_res_cnt == 0 || k > r->zc_res_cnt)
		return -EINVAL;
	r->zc_res_cnt = 0;
	if (k == 0)
		return 0;
	/* Only this producer moves the tail. A push under the reservation
	 * or ring_close_write() changed this handle's index; a peer could
	 * have changed the shared one. */
	t = ring_pvt_load(&r->shm->prod.tail, relaxed);
	if (t != r->zc_res_pos || r->prod_pos != t) {
		ring_pvt_spsc_forget(r, 1);
		return (t & RING_CLOSED_BIT) ? -EPIPE : -EUCLEAN;
	}
	/* R1: publishes the elements written in place (n-1 rule: a wrap with
	 * its lap, as the push that wraps does). */
	r->prod_pos = span_next(r, t, k);
	span_publish(r, &r->shm->prod.tail, &r->shm->pstat, t, r->prod_pos);
	if (r->flags & RING_F_BLOCKING)
		ring_pvt_after_push(r);
	return 0;
}

ssize_t ring_span_peek(struct ring *r, size_t n, void **ptr)
{
	uint64_t h, idx;
	ssize_t k;

	if (!span_ring(r) || n == 0 || ptr == NULL)
		return -EINVAL;
	if (r->zc_peek_cnt != 0)
		return -EALREADY;
	if ((k = ring_pvt_live_join_side(r, 1)) < 0)
		return k;
	if (n > r->cap)
		n = (size_t)r->cap;
	/* A2 there; adopts or uses cons_pos and checks the pair. */
	k = ring_pvt_spsc_avail(r, r->cons_pos, n, 1);
	if (k < 0)
		return k;
	h = r->cons_pos;
	if (r->rule == RING_RULE_N1 && h >= r->n)
		return -EUCLEAN;
	idx = span_index(r, h);
	if ((uint64_t)k > r->n - idx)
		k = (ssize_t)(r->n - idx);
	r->zc_peek_pos = h;
	r->zc_peek_cnt = (uint64_t)k;
	*ptr = r->slots + idx * r->esz;
	return k;
}

int ring_span_release(struct ring *r, size_t k)
{
	if (!span_ring(r) || r->zc_peek_cnt == 0 || k > r->zc_peek_cnt)
		return -EINVAL;
	r->zc_peek_cnt = 0;
	if (k == 0)
		return 0;
	/* R2: frees the elements read in place. A pop under the peek moved
	 * this handle's index: refuse rather than move it back. */
	if (r->cons_pos != r->zc_peek_pos) {
		ring_pvt_spsc_forget(r, 0);
		return -EUCLEAN;
	}
	r->cons_pos = span_next(r, r->zc_peek_pos, k);
	span_publish(r, &r->shm->cons.head, &r->shm->cstat, r->zc_peek_pos, r->cons_pos);
	if (r->flags & RING_F_BLOCKING)
		ring_pvt_after_pop(r);
	return 0;
}

struct span_op {
	size_t n;
	void **ptr;
};

static ssize_t try_reserve(struct ring *r, void *ctx)
{
	const struct span_op *o = (const struct span_op *)ctx;

	return ring_span_reserve(r, o->n, o->ptr);
}

static ssize_t try_peek(struct ring *r, void *ctx)
{
	const struct span_op *o = (const struct span_op *)ctx;

	return ring_span_peek(r, o->n, o->ptr);
}

ssize_t ring_span_reserve_wait(struct ring *r, size_t n, void **ptr,
			       const struct timespec *deadline)
{
	struct span_op o;

	if (!span_ring(r))
		return -EINVAL;
	o.n = n;
	o.ptr = ptr;
	return ring_pvt_wait_until(r, 0, try_reserve, &o, deadline);
}

ssize_t ring_span_peek_wait(struct ring *r, size_t n, void **ptr, const struct timespec *deadline)
{
	struct span_op o;

	if (!span_ring(r))
		return -EINVAL;
	o.n = n;
	o.ptr = ptr;
	return ring_pvt_wait_until(r, 1, try_peek, &o, deadline);
}
