/* SPDX-License-Identifier: MIT */
/*
 * SPSC ring, all three capacity rules (n-1, count, slot-sequenced), in one
 * process: exact capacity, count/free
 * at every step, wraparound over many laps with single, bulk and burst moves
 * (checked against a model), free-running indices across 2^32, odd
 * capacities, element sizes 1..1000 checked byte for byte, end of stream, and
 * a round trip through every kind of region.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <shmring/ring.h>
#include <shmring/ring_span.h>

#include "common.h"
#include "cr_ring.h"

static const uint32_t rules[] = {RING_RULE_N1, RING_RULE_COUNT, RING_RULE_SEQ};
#define NRULES 3

/* Slot counts each rule accepts: n-1 needs 2, the slot-sequenced rule a
 * power of two >= 2. */
static int rule_takes(uint32_t rule, uint64_t n)
{
	if (rule == RING_RULE_SEQ)
		return n >= 2 && (n & (n - 1)) == 0;
	return rule != RING_RULE_N1 || n >= 2;
}

/* n, or for the slot-sequenced rule the next power of two >= max(n, 2). */
static uint64_t rule_slots(uint32_t rule, uint64_t n)
{
	uint64_t m = 2;

	if (rule != RING_RULE_SEQ)
		return n;
	while (m < n)
		m <<= 1;
	return m;
}

static struct ring_params spsc(uint32_t rule, uint64_t slots, uint64_t esz, uint32_t flags)
{
	struct ring_params p = {RING_KIND_SPSC, rule, slots, esz, flags, 0, 0, 0};

	return p;
}

static uint64_t expected_cap(uint32_t rule, uint64_t n)
{
	return rule == RING_RULE_N1 ? n - 1 : n;
}

/*
 * Fill from an empty ring whose indices sit at `offset`: exactly the capacity
 * fits, count and free agree at each step, the next push is -EAGAIN, and
 * everything comes back in order.
 */
static void fill_drain(uint32_t rule, uint64_t n, uint64_t offset)
{
	struct ring_params p = spsc(rule, n, 8, 0);
	uint64_t cap = expected_cap(rule, n), i, v;
	struct ring r;
	size_t len;
	void *mem = mem_ring(&r, &p, &len);

	cr_assert_eq(ring_capacity(&r), cap, "rule %u n %llu: capacity %zu", rule,
		     (unsigned long long)n, ring_capacity(&r));
	for (i = 0; i < offset; i++) {
		cr_assert_eq(ring_push(&r, &i), 0);
		cr_assert_eq(ring_pop(&r, &v), 0);
	}
	for (i = 0; i < cap; i++) {
		check_count(&r, i);
		v = 1000 + i;
		cr_assert_eq(ring_push(&r, &v), 0, "rule %u n %llu: push %llu failed", rule,
			     (unsigned long long)n, (unsigned long long)i);
	}
	check_count(&r, cap);
	v = 7;
	cr_assert_eq(ring_push(&r, &v), -EAGAIN);
	cr_assert_eq(ring_push_burst(&r, &v, 1), -EAGAIN);
	cr_assert_eq(ring_push_bulk(&r, &v, 1), -EAGAIN);
	check_count(&r, cap);
	for (i = 0; i < cap; i++) {
		v = 0;
		cr_assert_eq(ring_pop(&r, &v), 0);
		cr_assert_eq(v, 1000 + i, "rule %u n %llu: got %llu at %llu", rule,
			     (unsigned long long)n, (unsigned long long)v, (unsigned long long)i);
		check_count(&r, cap - i - 1);
	}
	cr_assert_eq(ring_pop(&r, &v), -EAGAIN);
	cr_assert_eq(ring_pop_burst(&r, &v, 1), -EAGAIN);
	cr_assert_eq(ring_pop_bulk(&r, &v, 1), -EAGAIN);
	ring_close(&r);
	free(mem);
}

Test(spsc, n1_holds_n_minus_1_count_holds_n)
{
	static const uint64_t sizes[] = {1, 2, 3, 4, 7, 8, 1000, 1024};
	size_t i, k;
	uint64_t off;

	for (k = 0; k < NRULES; k++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			uint64_t n = sizes[i];

			if (!rule_takes(rules[k], n))
				continue;
			/* Every start position on small rings, a few on big ones. */
			for (off = 0; off < n; off += n <= 8 ? 1 : n / 3)
				fill_drain(rules[k], n, off);
		}
	}
}

/* A small deterministic generator, so failures reproduce. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t raw_tail(const struct ring *r)
{
	return atomic_load_explicit(&r->shm->prod.tail, memory_order_relaxed);
}

/*
 * Model-checked traffic through separate producer and consumer handles on one
 * ring: random single/bulk/burst moves on both sides, every return code and
 * every byte compared with what a model says. `start` is where both indices
 * begin (count rule only).
 */
static void traffic(uint32_t rule, uint64_t n, uint64_t esz, uint32_t flags, uint64_t laps,
		    uint64_t start)
{
	struct ring_params p = spsc(rule, n, esz, flags);
	struct ring init, prod, cons;
	uint64_t cap = expected_cap(rule, n);
	uint64_t pushed = 0, popped = 0, seed = 0x9E3779B97F4A7C15u ^ (n * 131 + esz);
	uint64_t total = laps * n, i;
	unsigned char *buf = malloc((size_t)(cap * esz));
	size_t len;
	void *mem = mem_ring(&init, &p, &len);

	cr_assert_not_null(buf);
	if (start != 0) {
		/* Only the count and slot-sequenced rules have free-running
		 * indices; an empty ring is any tail == head (slot-sequenced:
		 * with the slot of each position p in [start, start + n)
		 * saying "free for p"). */
		cr_assert_neq(rule, RING_RULE_N1);
		atomic_store_explicit(&init.shm->prod.tail, start, memory_order_relaxed);
		atomic_store_explicit(&init.shm->cons.head, start, memory_order_relaxed);
		if (rule == RING_RULE_SEQ)
			for (i = start; i < start + n; i++)
				atomic_store_explicit(ring_pvt_seq_at(init.slots, i, n - 1, init.stride), i,
						      memory_order_relaxed);
	}
	cr_assert_eq(ring_attach_mem(&prod, mem, len, RING_KIND_SPSC), 0);
	cr_assert_eq(ring_attach_mem(&cons, mem, len, RING_KIND_ANY), 0);
	cr_assert_eq(ring_capacity(&prod), cap);
	cr_assert_eq(ring_elem_size(&cons), esz);

	while (popped < total) {
		uint64_t used = pushed - popped, k = 1 + rnd(&seed) % cap, want;
		unsigned mode = (unsigned)(rnd(&seed) % 3);
		ssize_t rc;

		/* Producer side. */
		for (i = 0; i < k; i++)
			test_fill(buf + i * esz, (size_t)esz, pushed + i);
		if (mode == 0) {
			for (i = 0; i < k; i++) {
				rc = ring_push(&prod, buf + i * esz);
				if (used + i < cap) {
					cr_assert_eq(rc, 0, "push: %zd", rc);
				} else {
					cr_assert_eq(rc, -EAGAIN, "push on full: %zd", rc);
					break;
				}
			}
			pushed += i;
		} else if (mode == 1) {
			rc = ring_push_bulk(&prod, buf, (size_t)k);
			want = used + k <= cap ? (uint64_t)k : (uint64_t)-EAGAIN;
			cr_assert_eq((uint64_t)rc, want, "bulk push %llu with %llu used: %zd",
				     (unsigned long long)k, (unsigned long long)used, rc);
			if (rc > 0)
				pushed += k;
		} else {
			rc = ring_push_burst(&prod, buf, (size_t)k);
			want = cap - used < k ? cap - used : k;
			if (want == 0)
				want = (uint64_t)-EAGAIN;
			cr_assert_eq((uint64_t)rc, want, "burst push %llu with %llu used: %zd",
				     (unsigned long long)k, (unsigned long long)used, rc);
			if (rc > 0)
				pushed += (uint64_t)rc;
		}
		check_count(&cons, pushed - popped);
		check_count(&prod, pushed - popped);

		/* Consumer side: the buffer starts as garbage each time. */
		used = pushed - popped;
		k = 1 + rnd(&seed) % cap;
		mode = (unsigned)(rnd(&seed) % 3);
		memset(buf, 0xA5, (size_t)(cap * esz));
		if (mode == 0) {
			for (i = 0; i < k; i++) {
				rc = ring_pop(&cons, buf + i * esz);
				if (i < used) {
					cr_assert_eq(rc, 0, "pop: %zd", rc);
				} else {
					cr_assert_eq(rc, -EAGAIN, "pop on empty: %zd", rc);
					break;
				}
			}
			want = i;
		} else if (mode == 1) {
			rc = ring_pop_bulk(&cons, buf, (size_t)k);
			want = k <= used ? k : (uint64_t)-EAGAIN;
			cr_assert_eq((uint64_t)rc, want, "bulk pop %llu with %llu used: %zd",
				     (unsigned long long)k, (unsigned long long)used, rc);
			want = rc > 0 ? k : 0;
		} else {
			rc = ring_pop_burst(&cons, buf, (size_t)k);
			want = used < k ? used : k;
			if (want == 0)
				want = (uint64_t)-EAGAIN;
			cr_assert_eq((uint64_t)rc, want, "burst pop %llu with %llu used: %zd",
				     (unsigned long long)k, (unsigned long long)used, rc);
			want = rc > 0 ? (uint64_t)rc : 0;
		}
		for (i = 0; i < want; i++)
			cr_assert(test_check(buf + i * esz, (size_t)esz, popped + i),
				  "rule %u n %llu esz %llu: element %llu corrupt", rule,
				  (unsigned long long)n, (unsigned long long)esz,
				  (unsigned long long)(popped + i));
		popped += want;
		check_count(&cons, pushed - popped);
		check_count(&prod, pushed - popped);
		if (rule == RING_RULE_N1) {
			/* n-1 rule: positions live in [0, n) and wrap there,
			 * so they never approach 2^32. */
			cr_assert_eq(raw_tail(&prod), pushed % n);
		} else {
			cr_assert_eq(raw_tail(&prod), start + pushed);
		}
	}
	ring_close(&prod);
	ring_close(&cons);
	ring_close(&init);
	free(mem);
	free(buf);
}

Test(spsc, wraparound_many_laps)
{
	static const uint64_t sizes[] = {1, 2, 3, 7, 8, 64, 1000};
	size_t i, k;

	for (k = 0; k < NRULES; k++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			if (!rule_takes(rules[k], sizes[i]))
				continue;
			traffic(rules[k], sizes[i], 8, 0, sizes[i] < 100 ? 2000 : 40, 0);
		}
	/* Slot-sequenced: the inline 64-byte flavour and the generic one. */
	traffic(RING_RULE_SEQ, 4, 64, 0, 500, 0);
	traffic(RING_RULE_SEQ, 16, 24, 0, 200, 0);
}

/* The same traffic on rings created for blocking use: the non-blocking
 * calls must behave identically (the wake check only adds a fence). */
Test(spsc, wraparound_blocking_flag)
{
	traffic(RING_RULE_N1, 7, 8, RING_F_BLOCKING, 500, 0);
	traffic(RING_RULE_COUNT, 8, 8, RING_F_BLOCKING, 500, 0);
	traffic(RING_RULE_SEQ, 8, 8, RING_F_BLOCKING, 500, 0);
}

Test(spsc, element_sizes_byte_for_byte)
{
	static const uint64_t esz[] = {1, 8, 64, 1000};
	static const uint64_t sizes[] = {3, 7, 16};
	size_t i, j, k;

	for (k = 0; k < NRULES; k++)
		for (i = 0; i < sizeof(esz) / sizeof(esz[0]); i++)
			for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++)
				traffic(rules[k], rule_slots(rules[k], sizes[j]), esz[i], 0, 200, 0);
}

/*
 * Count rule: both indices start at 2^32 - 5, so the traffic moves tail and
 * head across 2^32 (traffic() checks the raw tail equals start + pushed, i.e.
 * that it really went past). The n-1 rule has no such test: its positions are
 * in [0, n) and never cross.
 */
Test(spsc, count_rule_indices_cross_2_32)
{
	const uint64_t start = (UINT64_C(1) << 32) - 5;
	static const uint64_t sizes[] = {1, 3, 7, 8, 1000};
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		traffic(RING_RULE_COUNT, sizes[i], 8, 0, 50, start);
		traffic(RING_RULE_COUNT, sizes[i], 64, 0, 20, start);
	}
	/* And across 2^33 + one more boundary deep into the 64-bit range. */
	traffic(RING_RULE_COUNT, 7, 8, 0, 50, (UINT64_C(1) << 33) - 3);
	traffic(RING_RULE_COUNT, 8, 8, 0, 50, (UINT64_C(1) << 62) - 3);
	/* Slot-sequenced: positions and slot words across 2^32 and deep. */
	traffic(RING_RULE_SEQ, 8, 8, 0, 50, start);
	traffic(RING_RULE_SEQ, 2, 64, 0, 50, start);
	traffic(RING_RULE_SEQ, 1024, 8, 0, 3, (UINT64_C(1) << 62) - 3);
}

Test(spsc, bulk_all_or_nothing_and_burst_partial)
{
	size_t k;

	for (k = 0; k < NRULES; k++) {
		struct ring_params p = spsc(rules[k], 8, 8, 0);
		uint64_t cap = expected_cap(rules[k], 8), src[16], dst[16], i;
		struct ring r;
		size_t len;
		void *mem = mem_ring(&r, &p, &len);

		for (i = 0; i < 16; i++)
			src[i] = 100 + i;
		/* -EINVAL: zero, or more than could ever fit. */
		cr_assert_eq(ring_push_bulk(&r, src, 0), -EINVAL);
		cr_assert_eq(ring_pop_bulk(&r, dst, 0), -EINVAL);
		cr_assert_eq(ring_push_burst(&r, src, 0), -EINVAL);
		cr_assert_eq(ring_pop_burst(&r, dst, 0), -EINVAL);
		cr_assert_eq(ring_push_bulk(&r, src, (size_t)cap + 1), -EINVAL);
		cr_assert_eq(ring_pop_bulk(&r, dst, (size_t)cap + 1), -EINVAL);
		check_count(&r, 0);

		/* Fill to cap - 2: a bulk of 3 fails whole, leaves all as is. */
		cr_assert_eq(ring_push_bulk(&r, src, (size_t)cap - 2), (ssize_t)cap - 2);
		cr_assert_eq(ring_push_bulk(&r, src + cap - 2, 3), -EAGAIN);
		check_count(&r, cap - 2);
		/* A burst of 5 takes the 2 that fit. */
		cr_assert_eq(ring_push_burst(&r, src + cap - 2, 5), 2);
		check_count(&r, cap);
		cr_assert_eq(ring_push_burst(&r, src, 5), -EAGAIN);

		/* Bulk pop of more than stored fails whole. */
		cr_assert_eq(ring_pop_bulk(&r, dst, 3), 3);
		for (i = 0; i < 3; i++)
			cr_assert_eq(dst[i], 100 + i);
		cr_assert_eq(ring_pop_bulk(&r, dst, (size_t)cap), -EAGAIN);
		check_count(&r, cap - 3);
		/* A burst of 16 returns the cap - 3 that are there, in order. */
		memset(dst, 0, sizeof(dst));
		cr_assert_eq(ring_pop_burst(&r, dst, 16), (ssize_t)cap - 3);
		for (i = 0; i < cap - 3; i++)
			cr_assert_eq(dst[i], 103 + i);
		check_count(&r, 0);
		cr_assert_eq(ring_pop_burst(&r, dst, 16), -EAGAIN);

		/* A bulk of exactly capacity fits in an empty ring (for the
		 * n-1 ring, starting at slot 7, it wraps around the end). */
		cr_assert_eq(ring_push_bulk(&r, src, (size_t)cap), (ssize_t)cap);
		cr_assert_eq(ring_pop_bulk(&r, dst, (size_t)cap), (ssize_t)cap);
		for (i = 0; i < cap; i++)
			cr_assert_eq(dst[i], 100 + i);
		ring_close(&r);
		free(mem);
	}
}

Test(spsc, close_write_drains_then_epipe)
{
	size_t k;

	for (k = 0; k < NRULES; k++) {
		struct ring_params p = spsc(rules[k], rule_slots(rules[k], 7), 8, 0);
		struct ring prod, cons;
		uint64_t v, dst[8], i;
		size_t len;
		void *mem = mem_ring(&prod, &p, &len);

		cr_assert_eq(ring_attach_mem(&cons, mem, len, RING_KIND_SPSC), 0);
		cr_assert_eq(ring_is_closed(&cons), 0);
		for (v = 0; v < 5; v++)
			cr_assert_eq(ring_push(&prod, &v), 0);
		cr_assert_eq(ring_close_write(&prod), 0);
		cr_assert_eq(ring_close_write(&prod), 0, "close_write is idempotent");
		cr_assert_eq(ring_is_closed(&cons), 1);
		cr_assert_eq(ring_is_closed(&prod), 1);
		v = 99;
		cr_assert_eq(ring_push(&prod, &v), -EPIPE);
		cr_assert_eq(ring_push_bulk(&prod, &v, 1), -EPIPE);
		cr_assert_eq(ring_push_burst(&prod, &v, 1), -EPIPE);
		check_count(&cons, 5);

		/* Drain: single, then a bulk asking for more than remains
		 * (-EPIPE, nothing moved), then a burst for the rest. */
		cr_assert_eq(ring_pop(&cons, &v), 0);
		cr_assert_eq(v, 0);
		cr_assert_eq(ring_pop_bulk(&cons, dst, 5), -EPIPE);
		check_count(&cons, 4);
		cr_assert_eq(ring_pop_bulk(&cons, dst, 2), 2);
		cr_assert_eq(dst[0], 1);
		cr_assert_eq(dst[1], 2);
		cr_assert_eq(ring_pop_burst(&cons, dst, 8), 2);
		cr_assert_eq(dst[0], 3);
		cr_assert_eq(dst[1], 4);
		for (i = 0; i < 2; i++) {
			cr_assert_eq(ring_pop(&cons, &v), -EPIPE);
			cr_assert_eq(ring_pop_burst(&cons, dst, 8), -EPIPE);
			cr_assert_eq(ring_pop_bulk(&cons, dst, 1), -EPIPE);
		}
		check_count(&cons, 0);
		cr_assert_eq(ring_push(&prod, &v), -EPIPE);
		ring_close(&cons);
		ring_close(&prod);
		free(mem);
	}
}

/* Push through `a`, pop through `b`: a few laps of values checked. */
static void round_trip(struct ring *a, struct ring *b)
{
	uint64_t cap = ring_capacity(a), i, lap, v;

	cr_assert_eq(ring_capacity(b), cap);
	for (lap = 0; lap < 3; lap++) {
		for (i = 0; i < cap; i++) {
			v = lap * 1000 + i;
			cr_assert_eq(ring_push(a, &v), 0);
		}
		cr_assert_eq(ring_push(a, &v), -EAGAIN);
		check_count(b, cap);
		for (i = 0; i < cap; i++) {
			cr_assert_eq(ring_pop(b, &v), 0);
			cr_assert_eq(v, lap * 1000 + i);
		}
		cr_assert_eq(ring_pop(b, &v), -EAGAIN);
	}
}

Test(spsc, every_region_type_round_trips)
{
	size_t k;

	for (k = 0; k < NRULES; k++) {
		struct ring_params p = spsc(rules[k], rule_slots(rules[k], 5), 8, 0);
		struct ring a, b;
		char name[64];
		size_t len;
		void *mem;
		int fd;

		/* Named: a second handle opened by name. */
		test_shm_name(name, sizeof(name), "spsc");
		cr_assert_eq(ring_create(&a, name, &p), 0);
		cr_assert_eq(ring_open(&b, name, RING_KIND_SPSC), 0);
		cr_assert_eq(ring_unlink(name), 0);
		round_trip(&a, &b);
		cr_assert_eq(ring_close(&a), 0);
		cr_assert_eq(ring_close(&b), 0);

		/* Anonymous: one handle (its sharing is tested over fork). */
		cr_assert_eq(ring_create_anon(&a, &p), 0);
		cr_assert_eq(ring_fd(&a), -EBADF);
		round_trip(&a, &a);
		cr_assert_eq(ring_close(&a), 0);

		/* memfd: a second handle through the descriptor. */
		cr_assert_eq(ring_create_memfd(&a, "spsc-test", &p), 0);
		fd = ring_fd(&a);
		cr_assert_geq(fd, 0);
		cr_assert_eq(ring_open_fd(&b, fd, RING_KIND_ANY), 0);
		cr_assert_neq(ring_fd(&b), fd, "the handle keeps its own duplicate");
		round_trip(&a, &b);
		round_trip(&b, &a);
		cr_assert_eq(ring_close(&a), 0);
		cr_assert_eq(ring_close(&b), 0);

		/* Caller memory: a second handle attached to the same bytes. */
		mem = mem_ring(&a, &p, &len);
		cr_assert_eq(ring_attach_mem(&b, mem, len, RING_KIND_SPSC), 0);
		round_trip(&a, &b);
		cr_assert_eq(ring_close(&a), 0);
		cr_assert_eq(ring_close(&b), 0);
		free(mem);
	}
}

/*
 * The caches a handle starts with come from shared memory a peer can write.
 * A consumer index raised while a producer attaches, then put back, must not
 * let that producer overfill the ring: each side's first call re-reads the
 * other's index through the validating path.
 */
Test(spsc, attach_caches_not_trusted)
{
	uint32_t rules[] = {RING_RULE_COUNT, RING_RULE_N1, RING_RULE_SEQ};
	size_t i;

	for (i = 0; i < 3; i++) {
		struct ring_params p = {RING_KIND_SPSC, rules[i], 8, 8, 0, 0, 0, 0};
		struct ring init, prod, cons;
		uint64_t v = 0, pushed = 0;
		size_t len;
		void *mem = mem_ring(&init, &p, &len);

		ring_pvt_store(&init.shm->cons.head, rules[i] == RING_RULE_N1 ? 5 : 1000, relaxed);
		cr_assert_eq(ring_attach_mem(&prod, mem, len, RING_KIND_SPSC), 0);
		ring_pvt_store(&init.shm->prod.tail, 3, relaxed); /* a garbage tail too */
		cr_assert_eq(ring_attach_mem(&cons, mem, len, RING_KIND_SPSC), 0);
		ring_pvt_store(&init.shm->cons.head, 0, relaxed);
		ring_pvt_store(&init.shm->prod.tail, 0, relaxed);
		/* The consumer must not deliver the 3 "elements" of the garbage
		 * tail it attached under: the ring is empty now. */
		cr_assert_eq(ring_pop(&cons, &v), -EAGAIN);
		while (ring_push(&prod, &pushed) == 0 && pushed < 100)
			pushed++;
		cr_assert_eq(pushed, ring_capacity(&prod), "rule %u: pushed %llu into capacity %zu",
			     rules[i], (unsigned long long)pushed, ring_capacity(&prod));
		check_count(&cons, pushed);
		ring_close(&prod);
		ring_close(&cons);
		ring_close(&init);
		free(mem);
	}
}

/*
 * Each side keeps its own index in its handle. A role handed over through a
 * fresh attach (the previous handle closed) continues from shared memory,
 * for both rules and the inline 8- and 64-byte flavours, across the wrap:
 * A pushes k, B (attached after A closed) fills the rest exactly to
 * capacity, and a consumer that is itself replaced halfway pops everything
 * in order.
 */
Test(spsc, role_taken_over_by_fresh_attach)
{
	static const uint64_t esz[] = {8, 64, 24};
	static const uint64_t sizes[] = {7, 8};
	size_t k, e, z;

	for (k = 0; k < NRULES; k++)
		for (e = 0; e < 3; e++)
			for (z = 0; z < 2; z++) {
				uint64_t n = rule_slots(rules[k], sizes[z]);
				struct ring_params p = spsc(rules[k], n, esz[e], 0);
				uint64_t cap = expected_cap(rules[k], n), lap, i;
				unsigned char in[64], out[64];
				struct ring init, a, c;
				size_t len;
				void *mem = mem_ring(&init, &p, &len);

				for (lap = 0; lap < 3; lap++) {
					uint64_t first = lap % cap, base = lap * 100;

					cr_assert_eq(ring_attach_mem(&a, mem, len, RING_KIND_SPSC), 0);
					for (i = 0; i < first; i++) {
						test_fill(in, (size_t)esz[e], base + i);
						cr_assert_eq(ring_push(&a, in), 0);
					}
					ring_close(&a);
					cr_assert_eq(ring_attach_mem(&a, mem, len, RING_KIND_SPSC), 0);
					for (i = first; i < cap; i++) {
						test_fill(in, (size_t)esz[e], base + i);
						cr_assert_eq(ring_push(&a, in), 0, "rule %u esz %llu: push %llu",
							     rules[k], (unsigned long long)esz[e],
							     (unsigned long long)i);
					}
					cr_assert_eq(ring_push(&a, in), -EAGAIN, "exact capacity");
					for (i = 0; i < cap; i++) {
						if (i == 0 || i == cap / 2) {
							if (i)
								ring_close(&c);
							cr_assert_eq(ring_attach_mem(&c, mem, len,
										     RING_KIND_SPSC), 0);
						}
						cr_assert_eq(ring_pop(&c, out), 0);
						test_fill(in, (size_t)esz[e], base + i);
						cr_assert_eq(memcmp(in, out, (size_t)esz[e]), 0,
							     "rule %u esz %llu: element %llu", rules[k],
							     (unsigned long long)esz[e], (unsigned long long)i);
					}
					cr_assert_eq(ring_pop(&c, out), -EAGAIN);
					ring_close(&c);
					ring_close(&a);
				}
				ring_close(&init);
				free(mem);
			}
}

/* ---- Slot-sequenced rule (RING_RULE_SEQ) only ---------------------------- */

/* SPSC only, n a power of two >= 2; the stride carries the sequence word;
 * the span calls refuse it. */
Test(spsc, seq_rule_geometry_and_refusals)
{
	static const uint64_t bad_n[] = {1, 3, 6, 1000};
	struct ring_params p = spsc(RING_RULE_SEQ, 8, 8, 0);
	struct ring r;
	size_t i, len;
	void *mem, *ptr;

	for (i = 0; i < sizeof(bad_n) / sizeof(bad_n[0]); i++) {
		p.slots = bad_n[i];
		cr_assert_eq(ring_memsize(&p), -EINVAL, "n %llu", (unsigned long long)bad_n[i]);
	}
	p.slots = 8;
	p.kind = RING_KIND_MPMC;
	cr_assert_eq(ring_memsize(&p), -EINVAL);
	p.kind = RING_KIND_BCAST;
	cr_assert_eq(ring_memsize(&p), -EINVAL);
	p.kind = RING_KIND_SPSC;
	p.elem_size = 5;
	mem = mem_ring(&r, &p, &len);
	cr_assert_eq(r.stride, 16u, "8-byte sequence word + 5 bytes rounded up to 8");
	cr_assert_eq(ring_rule(&r), RING_RULE_SEQ);
	cr_assert_eq(ring_capacity(&r), 8u);
	cr_assert_eq(ring_span_reserve(&r, 1, &ptr), -EINVAL);
	cr_assert_eq(ring_span_peek(&r, 1, &ptr), -EINVAL);
	cr_assert_str_eq(ring_strerror(-EINVAL), ring_strerror(EINVAL));
	ring_close(&r);
	free(mem);
}

/*
 * A role taker recovers the exact position from the slot words when the
 * published copies lag (a holder that died between its slot stores and its
 * index store): tail rewound by up to n, head rewound, head ahead of tail.
 * Nothing committed is lost or delivered twice; every element in order.
 */
Test(spsc, seq_rule_recovers_positions_behind_published_copies)
{
	static const uint64_t sizes[] = {2, 8};
	static const uint64_t esz[] = {8, 64, 24};
	size_t z, e;

	for (z = 0; z < 2; z++)
		for (e = 0; e < 3; e++) {
			uint64_t n = sizes[z], pushed = 0, popped = 0, lag, i, round;
			struct ring_params p = spsc(RING_RULE_SEQ, n, esz[e], 0);
			unsigned char in[64], out[64];
			struct ring init, a, c;
			size_t len;
			void *mem = mem_ring(&init, &p, &len);

			for (round = 0; round < 4 * n; round++) {
				uint64_t k = 1 + round % n; /* elements this round */

				if (k > n - (pushed - popped))
					k = n - (pushed - popped);

				/* A producer pushes k, then "dies" with its tail
				 * copy behind by lag <= k. */
				cr_assert_eq(ring_attach_mem(&a, mem, len, RING_KIND_SPSC), 0);
				for (i = 0; i < k; i++) {
					test_fill(in, (size_t)esz[e], pushed);
					cr_assert_eq(ring_push(&a, in), 0, "n %llu push %llu",
						     (unsigned long long)n, (unsigned long long)pushed);
					pushed++;
				}
				ring_close(&a);
				lag = round % (k + 1);
				ring_pvt_store(&init.shm->prod.tail, pushed - lag, relaxed);
				/* A consumer pops some, "dies" with its head copy
				 * behind. */
				cr_assert_eq(ring_attach_mem(&c, mem, len, RING_KIND_SPSC), 0);
				for (i = 0; i < (round & 1 ? k : k / 2); i++) {
					cr_assert_eq(ring_pop(&c, out), 0, "n %llu pop %llu",
						     (unsigned long long)n, (unsigned long long)popped);
					test_fill(in, (size_t)esz[e], popped);
					cr_assert_eq(memcmp(in, out, (size_t)esz[e]), 0, "element %llu",
						     (unsigned long long)popped);
					popped++;
				}
				ring_close(&c);
				ring_pvt_store(&init.shm->cons.head, popped - (round % 3 == 0 && i > 0),
					       relaxed);
				/* ring_count stays an estimate within [0, n]. */
				cr_assert_leq(ring_count(&init), (ssize_t)n);
				cr_assert_geq(ring_count(&init), 0);
			}
			/* A new producer fills exactly to capacity from the right
			 * place, a new consumer drains everything in order. */
			cr_assert_eq(ring_attach_mem(&a, mem, len, RING_KIND_SPSC), 0);
			while (pushed - popped < n) {
				test_fill(in, (size_t)esz[e], pushed);
				cr_assert_eq(ring_push(&a, in), 0);
				pushed++;
			}
			cr_assert_eq(ring_push(&a, in), -EAGAIN, "exact capacity after recovery");
			cr_assert_eq(ring_attach_mem(&c, mem, len, RING_KIND_SPSC), 0);
			while (popped < pushed) {
				cr_assert_eq(ring_pop(&c, out), 0);
				test_fill(in, (size_t)esz[e], popped);
				cr_assert_eq(memcmp(in, out, (size_t)esz[e]), 0);
				popped++;
			}
			cr_assert_eq(ring_pop(&c, out), -EAGAIN);
			check_count(&c, 0);
			ring_close(&a);
			ring_close(&c);
			ring_close(&init);
			free(mem);
		}
}

/* Garbage in the slot words: -EUCLEAN (or -EAGAIN where the word reads as a
 * legitimate "not ready"), never a hang or a crash; a new handle's scan
 * gives up after n steps on words that all say "done". */
Test(spsc, seq_rule_hostile_slot_words)
{
	struct ring_params p = spsc(RING_RULE_SEQ, 4, 8, 0);
	struct ring init, a, c;
	uint64_t v = 1, i;
	size_t len;
	void *mem = mem_ring(&init, &p, &len);

	cr_assert_eq(ring_attach_mem(&a, mem, len, RING_KIND_SPSC), 0);
	cr_assert_eq(ring_attach_mem(&c, mem, len, RING_KIND_SPSC), 0);
	cr_assert_eq(ring_push(&a, &v), 0);
	cr_assert_eq(ring_pop(&c, &v), 0);
	/* Position 1's slot: garbage. */
	ring_pvt_store(ring_pvt_seq_at(init.slots, 1, 3, init.stride), 12345, relaxed);
	cr_assert_eq(ring_push(&a, &v), -EUCLEAN);
	cr_assert_eq(ring_push_burst(&a, &v, 1), -EUCLEAN);
	cr_assert_eq(ring_pop(&c, &v), -EUCLEAN);
	cr_assert_eq(ring_pop_bulk(&c, &v, 1), -EUCLEAN);
	/* Every slot "written" for its position: a new producer's scan stops
	 * after n steps. */
	for (i = 0; i < 4; i++)
		ring_pvt_store(ring_pvt_seq_at(init.slots, i, 3, init.stride), i + 1, relaxed);
	ring_pvt_store(&init.shm->prod.tail, 0, relaxed);
	ring_pvt_store(&init.shm->cons.head, 0, relaxed);
	ring_close(&a);
	cr_assert_eq(ring_attach_mem(&a, mem, len, RING_KIND_SPSC), 0);
	/* Reads as 4 elements written: position 4's slot holds position 0's
	 * element, so the ring is full. */
	cr_assert_eq(ring_push(&a, &v), -EAGAIN);
	check_count(&a, 4);
	/* And "read" words everywhere for a new consumer. */
	for (i = 0; i < 4; i++)
		ring_pvt_store(ring_pvt_seq_at(init.slots, i, 3, init.stride), i + 4 + 4 * 4, relaxed);
	ring_close(&c);
	cr_assert_eq(ring_attach_mem(&c, mem, len, RING_KIND_SPSC), 0);
	cr_assert_eq(ring_pop(&c, &v), -EUCLEAN);
	ring_close(&a);
	ring_close(&c);
	ring_close(&init);
	free(mem);
}
