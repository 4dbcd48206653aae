/* SPDX-License-Identifier: MIT */
/* Declarations shared by the files in src/; not installed. */
#ifndef SHMRING_SRC_RING_INTERNAL_H
#define SHMRING_SRC_RING_INTERNAL_H

#include <shmring/ring.h>

/* Geometry of a ring, computed only from parameters this process checked. */
struct ring_geom {
	uint64_t stride;
	uint64_t total;
	uint64_t cap;
	uint64_t mask;
	uint64_t part_offset; /* participant table: after the data, line-aligned */
	uint32_t max_parts;
};

/* Largest region this library makes or accepts: far below any size_t or
 * off_t overflow. */
#define RING_PVT_MAX_BYTES (UINT64_C(1) << 46)

/* ring_attach.c */
int ring_pvt_geometry(uint32_t kind, uint32_t rule, uint64_t slots, uint64_t esz,
		      uint32_t flags, uint32_t max_parts, struct ring_geom *g);
int ring_pvt_check_params(const struct ring_params *p, struct ring_geom *g);
uint64_t ring_pvt_random64(void);
void ring_pvt_format(void *mem, const struct ring_params *p, const struct ring_geom *g);
/* 0 if `kind` may be asked for at attach (RING_KIND_ANY or a kind this
 * library attaches), else -EINVAL. Every attach path checks it first, before
 * any system call: a bad kind never becomes -ENOENT or -EAGAIN. */
int ring_pvt_check_kind(uint32_t kind);
/* Validate the header at mem (len bytes mapped; exact: len must equal the
 * ring's size, else at least it) and fill r. Touches nothing in r on error. */
int ring_pvt_attach(struct ring *r, void *mem, size_t len, int exact, uint32_t kind);

/* Which fast path a handle with this geometry takes (RING_PVT_MODE_*). */
uint32_t ring_pvt_mode_of(const struct ring *r);

/* ring_live.c: participants and liveness (see there). */
/* Take an entry (and roles; 0: the first push/pop takes them) for a freshly
 * attached handle; observe: none, push/pop refused. */
int ring_pvt_live_attach(struct ring *r, uint32_t roles, int observe);
/* Give the entry back (ring_close). */
void ring_pvt_live_leave(struct ring *r);
void ring_pvt_live_set_modes(struct ring *r);
int ring_pvt_live_add_roles(struct ring *r, uint32_t roles);
/* The same, declaring the handle's roles (ring_attach's roles, ring_join). */
int ring_pvt_live_declare(struct ring *r, uint32_t roles);
/* Out-of-line paths: make sure the handle holds `role` (0 or its error). */
int ring_pvt_live_need(struct ring *r, uint32_t role);
/* The first push or pop of a side (consumer: the popping one) on a handle
 * still joining takes its role: 0 or why not. */
int ring_pvt_live_join_side(struct ring *r, int consumer);
/* 1 if the ring was replaced by a newer ring of its name. */
int ring_pvt_live_replaced(const struct ring *r);
/* An MPMC producer (consumer) blocked at pos: repair a dead claimant's slot
 * once pos has stayed blocked long enough (rate limited). */
void ring_pvt_live_blocked(struct ring *r, int consumer, uint64_t pos);
/* The rate limit of ring_pvt_live_blocked on its own: 1 once pos has stayed
 * blocked long enough, then again every such delay (0 before). */
int ring_pvt_live_blocked_due(struct ring *r, int consumer, uint64_t pos);
/* Free entry e if its owner is verified dead (its claim resolved first, as
 * for any reclaimed entry). 1 if this call freed it. */
int ring_pvt_live_free_dead(struct ring *r, struct ring_part *e);
/* Give roles of this handle back (the owner word of an exclusive one, then
 * the bits), keeping its entry. 0, or -EUCLEAN if the entry was rewritten. */
int ring_pvt_live_drop_roles(struct ring *r, uint32_t roles);
/* Many-producer message rings (ring_msg.c), for the repair of a dead
 * producer's claim by ring_live.c. The claim (pos, cnt) comes from a
 * participant entry's intent words and is checked before any use.
 * claim_at: 1 if the claim's record (after its padding, if any) or its
 * padding starts at h. claim_open: 1 if the tail passed the claim and the
 * head did not. vs_tail: 1 if q is the tail, 0 if below it, -1 if past it
 * (or misaligned). marked: 1 if the word at q is one a producer (or a
 * repair) stores at a record's start. */
int ring_pvt_msg_claim_at(const struct ring *r, uint64_t pos, uint64_t cnt, uint64_t h);
int ring_pvt_msg_claim_open(const struct ring *r, uint64_t pos, uint64_t cnt);
int ring_pvt_msg_vs_tail(const struct ring *r, uint64_t q);
int ring_pvt_msg_marked(const struct ring *r, uint64_t q);
/* Called by the wait loop before sleeping and after each bounded slice:
 * bounded repair, then 0 (keep waiting) or the code the wait returns
 * (-ECONNRESET, -EPIPE with RING_F_PIPE, -ESTALE, or a role error). */
int ring_pvt_live_wait_check(struct ring *r, int consumer);
/* Stale replacement of named rings (ring_shm.c). */
int ring_pvt_live_check_stale(struct ring *r);
/* What ring_pvt_live_list found (entries not free). */
struct ring_pvt_part_sum {
	uint32_t used, alive, dead, joining, live_producers, live_consumers;
};
/* Judge each entry of tab[0..n) (a mapping or a pread copy; self: the
 * caller's entry or NULL); list up to max into out. Returns the entries in
 * use. */
ssize_t ring_pvt_live_list(struct ring_part *tab, uint32_t n, const struct ring_part *self,
			   struct ring_part_info *out, size_t max, struct ring_pvt_part_sum *sum);
void ring_pvt_live_mark_replaced(struct ring *r, uint64_t new_id, int replaced);

/* ring_wait.c: the one blocking loop every ring family uses. try_op makes
 * one non-blocking attempt and returns its result; -EAGAIN means "not ready"
 * (the loop spins, then sleeps on the consumers' futex if `consumer`, else the
 * producers'), -EBUSY "lost races with other processes, ready or not" (the
 * loop retries without sleeping; see ring_wait.c), any other value ends the
 * wait and is returned. -EINVAL for a
 * NULL or closed handle or a bad deadline, -ENOTSUP without RING_F_BLOCKING,
 * -ETIMEDOUT once the absolute CLOCK_MONOTONIC deadline (NULL: none) passed.
 * A family's push/pop must wake the other side as the fixed-slot rings do
 * (ring_pvt_after_push / ring_pvt_after_pop). */
typedef ssize_t (*ring_pvt_try_fn)(struct ring *r, void *ctx);
ssize_t ring_pvt_wait_until(struct ring *r, int consumer, ring_pvt_try_fn try_op, void *ctx,
			    const struct timespec *deadline);
/* ring_wait.c: at attach, choose how this handle's wakers fence (sets
 * r->wake_fence; registers the process for membarrier once). */
void ring_pvt_wait_attach(struct ring *r);
/* ring_live.c: called by the wait loop before its first sleep and after each
 * bounded sleep; 0 (keep waiting) or the code the wait returns. */
int ring_pvt_live_wait_check(struct ring *r, int consumer);
/* ring_wait.c, for ring_waitfd.c: a waiter's count (0 counted, -1 not:
 * counts full or under attack), its removal, the sleeper's half of the
 * asymmetric fence (0, or -1: use short slices), the positions compared to
 * tell progress, and the slice (ns; 0 unbounded, test builds). */
int ring_pvt_wait_arm(RING_ATOMIC(uint32_t) *waiters);
void ring_pvt_wait_leave(RING_ATOMIC(uint32_t) *waiters);
int ring_pvt_sleeper_barrier(void);
uint64_t ring_pvt_progress_mark(const struct ring *r);
long ring_pvt_slice_ns(void);
/* ring_waitfd.c: after a wake of the consumers (producers) was counted,
 * send each readiness descriptor armed for that direction its datagram. */
void ring_pvt_waitfd_wake(struct ring *r, int consumers);

/* ring_stats.c and every slow path: add v to counter `word` (RING_STAT_*,
 * ring_layout.h) of the consumers' stat line if `consumer`, else the
 * producers'. A relaxed add on a line only slow paths write: call it from
 * out-of-line code only (waits, wakes, repairs, family-specific events). */
static inline void ring_pvt_stat_add(struct ring *r, int consumer, unsigned word, uint64_t v)
{
	struct ring_stat_line *line = consumer ? &r->shm->cstat : &r->shm->pstat;

#ifdef SHMRING_PVT_NO_STATS /* measurement builds only: nothing counted */
	(void)line;
	(void)word;
	(void)v;
#else
	ring_pvt_fetch_add(&line->words[word % RING_STAT_WORDS], v, relaxed);
#endif
}

/* ring_ops.c: count a slow path's result on its side's stat line (-EAGAIN
 * as RING_STAT_AGAIN, -EPIPE CLOSED, -EUCLEAN CORRUPT, -EBUSY CONTENDED;
 * anything else is not counted) and return it. Out-of-line code only. */
ssize_t ring_pvt_stat_result(struct ring *r, int consumer, ssize_t rc);

/* ring_shm.c: 0 if name is a valid ring name ("/x", one '/'), else
 * -EINVAL or -ENAMETOOLONG. */
int ring_pvt_check_name(const char *name);
/* now + timeout_ns as an absolute CLOCK_MONOTONIC deadline (saturated). */
int ring_pvt_deadline_after(uint64_t timeout_ns, struct timespec *d);


/* ring_bcast.c: give up a broadcast handle's role (ring_close). */
void ring_pvt_bcast_detach(struct ring *r);
/* ring_count() of a broadcast handle (ring_bcast.h). */
ssize_t ring_pvt_bcast_count(const struct ring *r);
/* ring_bcast.c: a back-pressure producer's limit at p for need more
 * positions (bytes for messages): the slowest joined cursor + n, rescanned
 * unless `cached` (the last limit) is still held; lossy: p + n. */
uint64_t ring_pvt_bcast_limit(struct ring *r, uint64_t p, uint64_t need, uint64_t cached);
/* ring_bcast.c: a producer at p about to write: -EPIPE (counted) when the
 * ring is closed; a tail it did not write is set back to p. Else 0. */
int ring_pvt_bcast_tail_check(struct ring *r, uint64_t p);
/* ring_bcast_msg.c: a message producer's handle at tail t; a joiner's
 * first sequence and tail (*tp); a consumer leaving. */
void ring_pvt_bmsg_producer_start(struct ring *r, uint64_t t);
uint64_t ring_pvt_bmsg_join_seq(struct ring *r, uint64_t *tp);
void ring_pvt_bmsg_leave(struct ring *r);

#endif /* SHMRING_SRC_RING_INTERNAL_H */
