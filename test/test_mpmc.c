/* SPDX-License-Identifier: MIT */
/*
 * MPMC ring in one process and with forked peers: exact capacity for any n
 * (1 and odd included) with count/free at every step, positions far from 0,
 * element sizes checked byte for byte, bulk/burst semantics as for SPSC, end
 * of stream with several consumers, kind checks at attach, and the slot
 * states a dead or stalled peer leaves behind (written here directly into the
 * shared words): a claimed but unpublished slot gives -EAGAIN, never a hang;
 * a RING_MPMC_SKIP slot at the head is stepped over; hostile words never make
 * a call loop or touch memory outside the ring. Every region type round trips.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <sys/mman.h>

#include <shmring/ring.h>

#include "common.h"
#include "cr_ring.h"

static struct ring_params mpmc(uint64_t slots, uint64_t esz, uint32_t flags)
{
	struct ring_params p = {RING_KIND_MPMC, RING_RULE_COUNT, slots, esz, flags, 0, 0, 0};

	return p;
}

static RING_ATOMIC(uint64_t) *seq_word(const struct ring *r, uint64_t pos)
{
	return &ring_pvt_mpmc_slot(r, pos)->seq;
}

/* Move an empty ring's positions to `at`, as if `at` elements had passed. */
static void rebase(struct ring *r, uint64_t at)
{
	uint64_t i;

	ring_pvt_store(&r->shm->prod.tail, at, relaxed);
	ring_pvt_store(&r->shm->cons.head, at, relaxed);
	for (i = 0; i < r->n; i++)
		ring_pvt_store(seq_word(r, at + i), RING_MPMC_FREE(at + i), relaxed);
}

/* Fill to exactly n, one more is -EAGAIN, drain in order, then -EAGAIN. */
static void fill_drain(struct ring *r, uint64_t base)
{
	uint64_t n = ring_capacity(r), i, v;

	check_count(r, 0);
	for (i = 0; i < n; i++) {
		v = base + i;
		cr_assert_eq(ring_push(r, &v), 0, "push %llu of %llu", (unsigned long long)i,
			     (unsigned long long)n);
		check_count(r, i + 1);
	}
	v = 0;
	cr_assert_eq(ring_push(r, &v), -EAGAIN, "push into a full ring of %llu",
		     (unsigned long long)n);
	for (i = 0; i < n; i++) {
		cr_assert_eq(ring_pop(r, &v), 0);
		cr_assert_eq(v, base + i, "popped %llu, expected %llu", (unsigned long long)v,
			     (unsigned long long)(base + i));
		check_count(r, n - i - 1);
	}
	cr_assert_eq(ring_pop(r, &v), -EAGAIN);
}

Test(mpmc, capacity_is_exactly_n)
{
	static const uint64_t ns[] = {1, 2, 3, 5, 7, 8, 64, 100, 1000};
	static const uint32_t flags[] = {0, RING_F_BLOCKING};
	size_t i, f;
	int lap;

	for (f = 0; f < 2; f++)
		for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
			struct ring_params p = mpmc(ns[i], 8, flags[f]);
			struct ring r;

			cr_assert_eq(ring_create_anon(&r, &p), 0);
			cr_assert_eq(ring_capacity(&r), ns[i]);
			cr_assert_eq(ring_kind(&r), RING_KIND_MPMC);
			/* Several laps: every slot word goes round. */
			for (lap = 0; lap < 3; lap++)
				fill_drain(&r, (uint64_t)lap * 1000);
			ring_close(&r);
		}
}

Test(mpmc, positions_far_from_zero)
{
	static const uint64_t starts[] = {(UINT64_C(1) << 32) - 3, (UINT64_C(1) << 40) + 7,
					  RING_CLOSED_BIT - 1000};
	static const uint64_t ns[] = {1, 5, 8};
	size_t i, j;

	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++) {
			struct ring_params p = mpmc(ns[j], 8, 0);
			struct ring r;
			int lap;

			cr_assert_eq(ring_create_anon(&r, &p), 0);
			rebase(&r, starts[i]);
			for (lap = 0; lap < 4; lap++)
				fill_drain(&r, (uint64_t)lap << 20);
			ring_close(&r);
		}
}

Test(mpmc, element_sizes_byte_for_byte)
{
	static const uint64_t sizes[] = {1, 8, 9, 13, 64, 1000};
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t esz = sizes[i], n = 7, seq_in = 0, seq_out = 0, k;
		struct ring_params p = mpmc(n, esz, 0);
		unsigned char *buf = malloc(3 * esz);
		struct ring r;
		int round;

		cr_assert_not_null(buf);
		cr_assert_eq(ring_create_anon(&r, &p), 0);
		cr_assert_eq(ring_elem_size(&r), esz);
		/* Single, bulk and burst moves over several laps. */
		for (round = 0; round < 40; round++) {
			for (k = 0; k < 3; k++)
				test_fill(buf + k * esz, esz, seq_in + k);
			if (round % 2) {
				cr_assert_eq(ring_push_bulk(&r, buf, 3), 3);
				seq_in += 3;
			} else {
				cr_assert_eq(ring_push(&r, buf), 0);
				seq_in += 1;
			}
			while (ring_count(&r) > 2) {
				ssize_t got = round % 3 ? ring_pop_burst(&r, buf, 3) : ring_pop(&r, buf) == 0;

				cr_assert_gt(got, 0);
				for (k = 0; k < (uint64_t)got; k++, seq_out++)
					cr_assert(test_check(buf + k * esz, esz, seq_out),
						  "element %llu of size %llu differs",
						  (unsigned long long)seq_out, (unsigned long long)esz);
			}
		}
		ring_close(&r);
		free(buf);
	}
}

Test(mpmc, bulk_all_or_nothing_burst_partial)
{
	struct ring_params p = mpmc(8, 8, 0);
	uint64_t in[20], out[20], i;
	struct ring r;

	for (i = 0; i < 20; i++)
		in[i] = 100 + i;
	cr_assert_eq(ring_create_anon(&r, &p), 0);
	/* Requests that can never succeed. */
	cr_assert_eq(ring_push_bulk(&r, in, 0), -EINVAL);
	cr_assert_eq(ring_push_bulk(&r, in, 9), -EINVAL);
	cr_assert_eq(ring_pop_bulk(&r, out, 0), -EINVAL);
	cr_assert_eq(ring_pop_bulk(&r, out, 9), -EINVAL);
	cr_assert_eq(ring_push_burst(&r, in, 0), -EINVAL);
	cr_assert_eq(ring_pop_burst(&r, out, 0), -EINVAL);
	cr_assert_eq(ring_pop_bulk(&r, out, 1), -EAGAIN);
	cr_assert_eq(ring_pop_burst(&r, out, 4), -EAGAIN);

	cr_assert_eq(ring_push_bulk(&r, in, 5), 5);
	cr_assert_eq(ring_push_bulk(&r, in + 5, 4), -EAGAIN); /* 3 free: nothing moves */
	check_count(&r, 5);
	cr_assert_eq(ring_push_burst(&r, in + 5, 4), 3); /* as many as fit */
	cr_assert_eq(ring_push_burst(&r, in + 8, 1), -EAGAIN);
	cr_assert_eq(ring_push_bulk(&r, in + 8, 1), -EAGAIN);
	check_count(&r, 8);

	cr_assert_eq(ring_pop_bulk(&r, out, 3), 3);
	cr_assert_eq(ring_pop_burst(&r, out + 3, 20), 5); /* n > capacity is fine */
	for (i = 0; i < 8; i++)
		cr_assert_eq(out[i], in[i]);
	cr_assert_eq(ring_pop_bulk(&r, out, 1), -EAGAIN);
	check_count(&r, 0);

	/* Across the wrap: positions 8.. map to slots 0.. again. */
	cr_assert_eq(ring_push_bulk(&r, in, 6), 6);
	cr_assert_eq(ring_pop_bulk(&r, out, 6), 6);
	cr_assert_eq(ring_push_bulk(&r, in + 6, 8), 8);
	cr_assert_eq(ring_pop_bulk(&r, out, 7), 7);
	cr_assert_eq(ring_pop_bulk(&r, out + 7, 2), -EAGAIN);
	cr_assert_eq(ring_pop_burst(&r, out + 7, 2), 1);
	for (i = 0; i < 8; i++)
		cr_assert_eq(out[i], in[6 + i]);
	ring_close(&r);
}

/*
 * Bursts walk their slots several at a time: every start slot, every count
 * and every place where the first slot that is not ready can fall (inside
 * or after a group, before or after the wrap) gives exactly the ready
 * prefix, in order. Producers stopped by an unreleased slot (FULL of the
 * last lap), consumers by an unpublished one (FREE); then the slot is put
 * right and the rest moves.
 */
static void burst_prefixes(uint64_t n, uint64_t esz)
{
	struct ring_params p = mpmc(n, esz, 0);
	unsigned char in[16 * 24], out[16 * 24];
	uint64_t start, cnt, stop, i;
	struct ring r;

	cr_assert(n <= 16 && esz <= 24);
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + 1);
	cr_assert_eq(ring_create_anon(&r, &p), 0);
	for (start = 0; start < n; start++)
		for (cnt = 1; cnt <= n; cnt++)
			for (stop = 0; stop <= cnt; stop++) {
				uint64_t base = 1000 * n + start, q = base + stop;
				ssize_t want = stop ? (ssize_t)stop : -EAGAIN;

				/* Producers: slot of q still holds the last lap's element. */
				rebase(&r, base);
				if (stop < cnt)
					ring_pvt_store(seq_word(&r, q), RING_MPMC_FULL(q - n), relaxed);
				cr_assert_eq(ring_push_burst(&r, in, cnt), want,
					     "n %llu start %llu push %llu stop %llu",
					     (unsigned long long)n, (unsigned long long)start,
					     (unsigned long long)cnt, (unsigned long long)stop);
				if (stop < cnt) {
					ring_pvt_store(seq_word(&r, q), RING_MPMC_FREE(q), relaxed);
					cr_assert_eq(ring_push_burst(&r, in + stop * esz, cnt - stop),
						     (ssize_t)(cnt - stop));
				}
				check_count(&r, cnt);
				memset(out, 0, sizeof(out));
				/* Consumers: slot of q claimed but not yet published. */
				if (stop < cnt)
					ring_pvt_store(seq_word(&r, q), RING_MPMC_FREE(q), relaxed);
				cr_assert_eq(ring_pop_burst(&r, out, cnt), want,
					     "n %llu start %llu pop %llu stop %llu",
					     (unsigned long long)n, (unsigned long long)start,
					     (unsigned long long)cnt, (unsigned long long)stop);
				if (stop < cnt) {
					ring_pvt_store(seq_word(&r, q), RING_MPMC_FULL(q), relaxed);
					cr_assert_eq(ring_pop_burst(&r, out + stop * esz, n),
						     (ssize_t)(cnt - stop));
				}
				cr_assert_eq(memcmp(out, in, cnt * esz), 0,
					     "n %llu start %llu count %llu stop %llu: wrong bytes",
					     (unsigned long long)n, (unsigned long long)start,
					     (unsigned long long)cnt, (unsigned long long)stop);
				check_count(&r, 0);
			}
	ring_close(&r);
}

Test(mpmc, burst_stops_at_first_unready_slot_8b_pow2) { burst_prefixes(16, 8); }
Test(mpmc, burst_stops_at_first_unready_slot_8b_other_n) { burst_prefixes(12, 8); }
Test(mpmc, burst_stops_at_first_unready_slot_24b) { burst_prefixes(8, 24); }

/* ring_push_mpmc / ring_pop_mpmc: the MPMC calls on the common MPMC ring,
 * on the other MPMC flavour and on an SPSC ring (out of line there) give
 * what ring_push / ring_pop give: every element in order, -EAGAIN when
 * full and when empty, -EPIPE after the close. */
static void mpmc_calls_on(const struct ring_params *p)
{
	uint64_t in[3] = {0}, out[3], i, n = p->slots;
	struct ring r;

	cr_assert_eq(ring_create_anon(&r, p), 0);
	for (i = 0; i < n; i++) {
		in[0] = 500 + i;
		cr_assert_eq(ring_push_mpmc(&r, in), 0, "push %llu", (unsigned long long)i);
	}
	cr_assert_eq(ring_push_mpmc(&r, in), -EAGAIN);
	for (i = 0; i < n; i++) {
		memset(out, 0, sizeof(out));
		cr_assert_eq(ring_pop_mpmc(&r, out), 0);
		cr_assert_eq(out[0], 500 + i);
	}
	cr_assert_eq(ring_pop_mpmc(&r, out), -EAGAIN);
	cr_assert_eq(ring_close_write(&r), 0);
	cr_assert_eq(ring_push_mpmc(&r, in), -EPIPE);
	cr_assert_eq(ring_pop_mpmc(&r, out), -EPIPE);
	ring_close(&r);
}

Test(mpmc, mpmc_calls_any_ring)
{
	struct ring_params p8 = mpmc(8, 8, 0), p24 = mpmc(6, 24, 0), pb = mpmc(8, 8, RING_F_BLOCKING);
	struct ring_params ps = {RING_KIND_SPSC, RING_RULE_COUNT, 8, 8, 0, 0, 0, 0};
	struct ring z;

	mpmc_calls_on(&p8);
	mpmc_calls_on(&p24);
	mpmc_calls_on(&pb);
	mpmc_calls_on(&ps);
	memset(&z, 0, sizeof(z));
	cr_assert_eq(ring_push_mpmc(&z, &z), -EINVAL); /* zeroed handle */
	cr_assert_eq(ring_pop_mpmc(&z, &z), -EINVAL);
}

Test(mpmc, close_drains_then_epipe)
{
	struct ring_params p = mpmc(8, 8, 0);
	uint64_t in[3] = {1, 2, 3}, out[8];
	struct ring r;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	cr_assert_eq(ring_push_bulk(&r, in, 3), 3);
	cr_assert_eq(ring_is_closed(&r), 0);
	cr_assert_eq(ring_close_write(&r), 0);
	cr_assert_eq(ring_close_write(&r), 0); /* idempotent */
	cr_assert_eq(ring_is_closed(&r), 1);
	cr_assert_eq(ring_push(&r, in), -EPIPE);
	cr_assert_eq(ring_push_bulk(&r, in, 2), -EPIPE);
	cr_assert_eq(ring_push_burst(&r, in, 2), -EPIPE);
	/* Fewer than asked remain: the bulk pop says end of stream. */
	cr_assert_eq(ring_pop_bulk(&r, out, 4), -EPIPE);
	check_count(&r, 3);
	cr_assert_eq(ring_pop_bulk(&r, out, 2), 2);
	cr_assert_eq(ring_pop_burst(&r, out + 2, 5), 1);
	cr_assert_eq(out[0], 1);
	cr_assert_eq(out[2], 3);
	cr_assert_eq(ring_pop(&r, out), -EPIPE);
	cr_assert_eq(ring_pop_burst(&r, out, 5), -EPIPE);
	cr_assert_eq(ring_pop_bulk(&r, out, 1), -EPIPE);
	ring_close(&r);
}

/* Child: pop until -EPIPE, values strictly increasing (one producer), then
 * report count and sum through the pipe. */
static void consume_until_epipe(struct ring *r, int fd, unsigned id)
{
	uint64_t res[2] = {0, 0}, last = 0, buf[6];
	unsigned round = 0, spins = 0;

	for (;;) {
		ssize_t got, i;

		switch ((round++ + id) % 3) {
		case 0: got = ring_pop(r, buf); got = got == 0 ? 1 : got; break;
		case 1: got = ring_pop_burst(r, buf, 6); break;
		default:
			/* -EPIPE from a bulk pop: fewer than 2 remain, which
			 * a burst pop drains (or confirms the end). */
			got = ring_pop_bulk(r, buf, 2);
			if (got == -EPIPE)
				got = ring_pop_burst(r, buf, 6);
			break;
		}
		if (got == -EAGAIN || got == -EBUSY) {
			test_spin_pause(&spins);
			continue;
		}
		if (got == -EPIPE)
			break;
		CHILD_CHECK(got > 0);
		for (i = 0; i < got; i++) {
			CHILD_CHECK(buf[i] > last);
			last = buf[i];
			res[0]++;
			res[1] += buf[i];
		}
	}
	CHILD_CHECK(write(fd, res, sizeof(res)) == (ssize_t)sizeof(res));
	_exit(0);
}

Test(mpmc, close_with_several_consumers)
{
	enum { NCONS = 4, N = 20000 };
	struct ring_params p = mpmc(16, 8, 0);
	uint64_t v, count = 0, sum = 0, res[2];
	pid_t pids[NCONS];
	unsigned i, spins = 0;
	int fds[2];
	struct ring r;

	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(ring_create_anon(&r, &p), 0);
	for (i = 0; i < NCONS; i++) {
		pids[i] = fork();
		cr_assert_geq(pids[i], 0);
		if (pids[i] == 0) {
			close(fds[0]);
			consume_until_epipe(&r, fds[1], i);
		}
	}
	close(fds[1]);
	for (v = 1; v <= N;) {
		int rc = ring_push(&r, &v);

		if (rc == -EAGAIN || rc == -EBUSY) {
			test_spin_pause(&spins);
			continue;
		}
		cr_assert_eq(rc, 0);
		v++;
	}
	cr_assert_eq(ring_close_write(&r), 0);
	for (i = 0; i < NCONS; i++)
		cr_assert_eq(test_wait_child(pids[i]), 0, "consumer %u failed", i);
	for (i = 0; i < NCONS; i++) {
		cr_assert_eq(read(fds[0], res, sizeof(res)), (ssize_t)sizeof(res));
		count += res[0];
		sum += res[1];
	}
	close(fds[0]);
	cr_assert_eq(count, N, "received %llu of %d", (unsigned long long)count, N);
	cr_assert_eq(sum, (uint64_t)N * (N + 1) / 2);
	ring_close(&r);
}

Test(mpmc, kind_checked_at_attach)
{
	struct ring_params mp = mpmc(8, 8, 0);
	struct ring_params sp = {RING_KIND_SPSC, RING_RULE_COUNT, 8, 8, 0, 0, 0, 0};
	char mname[96], sname[96];
	struct ring a, b, c;
	void *mem;
	size_t len;

	test_shm_name(mname, sizeof(mname), "mpmc-kind");
	test_shm_name(sname, sizeof(sname), "mpmc-kind");
	cr_assert_eq(ring_create(&a, mname, &mp), 0);
	cr_assert_eq(ring_create(&b, sname, &sp), 0);
	cr_assert_eq(ring_open(&c, mname, RING_KIND_SPSC), -EPROTOTYPE);
	cr_assert_eq(ring_open(&c, sname, RING_KIND_MPMC), -EPROTOTYPE);
	cr_assert_eq(ring_open(&c, mname, RING_KIND_MPMC), 0);
	ring_close(&c);
	cr_assert_eq(ring_open(&c, mname, RING_KIND_ANY), 0);
	cr_assert_eq(ring_kind(&c), RING_KIND_MPMC);
	ring_close(&c);
	cr_assert_eq(ring_unlink(mname), 0);
	cr_assert_eq(ring_unlink(sname), 0);
	ring_close(&a);
	ring_close(&b);

	/* Caller memory: the same check, and a header whose kind was changed
	 * to SPSC no longer matches its own geometry (the stride differs). */
	mem = mem_ring(&a, &mp, &len);
	cr_assert_eq(ring_attach_mem(&c, mem, len, RING_KIND_SPSC), -EPROTOTYPE);
	((struct ring_shared *)mem)->hdr.kind = RING_KIND_SPSC;
	cr_assert_eq(ring_attach_mem(&c, mem, len, RING_KIND_ANY), -EPROTO);
	cr_assert_eq(ring_attach_mem(&c, mem, len, RING_KIND_SPSC), -EPROTO);
	ring_close(&a);
	free(mem);
}

Test(mpmc, n1_rule_refused)
{
	struct ring_params p = {RING_KIND_MPMC, RING_RULE_N1, 8, 8, 0, 0, 0, 0};
	unsigned char mem[4096] __attribute__((aligned(64)));
	struct ring r;

	cr_assert_eq(ring_memsize(&p), -EINVAL);
	cr_assert_eq(ring_create_anon(&r, &p), -EINVAL);
	cr_assert_eq(ring_init_mem(&r, mem, sizeof(mem), &p), -EINVAL);
}

/*
 * A producer claimed position 2 (tail moved past it) and never published:
 * consumers get -EAGAIN at 2, also after the close, and the later element
 * waits behind it; once the slot is published everything flows again.
 */
Test(mpmc, claimed_unpublished_slot_gives_eagain)
{
	struct ring_params p = mpmc(4, 8, 0);
	uint64_t v, out[4];
	struct ring r;
	size_t len;
	void *mem = mem_ring(&r, &p, &len);

	v = 10;
	cr_assert_eq(ring_push(&r, &v), 0);
	v = 11;
	cr_assert_eq(ring_push(&r, &v), 0);
	ring_pvt_store(&r.shm->prod.tail, 3, relaxed); /* claims 2, writes nothing */
	v = 13;
	cr_assert_eq(ring_push(&r, &v), 0); /* position 3 */
	check_count(&r, 4);
	cr_assert_eq(ring_pop(&r, &v), 0);
	cr_assert_eq(v, 10);
	cr_assert_eq(ring_pop_burst(&r, out, 4), 1); /* stops before 2 */
	cr_assert_eq(out[0], 11);
	cr_assert_eq(ring_pop(&r, &v), -EAGAIN);
	cr_assert_eq(ring_pop_burst(&r, out, 4), -EAGAIN);
	cr_assert_eq(ring_pop_bulk(&r, out, 2), -EAGAIN);
	/* Producers fill the free slots, then meet the unconsumed one. */
	v = 14;
	cr_assert_eq(ring_push(&r, &v), 0);
	v = 15;
	cr_assert_eq(ring_push(&r, &v), 0);
	cr_assert_eq(ring_push(&r, &v), -EAGAIN);
	cr_assert_eq(ring_push_burst(&r, out, 2), -EAGAIN);
	/* Closed: position 2 is below tail, so it may still come: -EAGAIN. */
	cr_assert_eq(ring_close_write(&r), 0);
	cr_assert_eq(ring_pop(&r, &v), -EAGAIN);
	cr_assert_eq(ring_pop_burst(&r, out, 4), -EAGAIN);
	/* The claimant publishes late. */
	v = 12;
	memcpy(ring_pvt_mpmc_payload(ring_pvt_mpmc_slot(&r, 2)), &v, 8);
	ring_pvt_store(seq_word(&r, 2), RING_MPMC_FULL(2), release);
	cr_assert_eq(ring_pop_burst(&r, out, 4), 4);
	cr_assert_eq(out[0], 12);
	cr_assert_eq(out[1], 13);
	cr_assert_eq(out[2], 14);
	cr_assert_eq(out[3], 15);
	cr_assert_eq(ring_pop(&r, &v), -EPIPE);
	ring_close(&r);
	free(mem);
}

/* A consumer claimed position 0 (head moved) and never released the slot:
 * later pops go on; producers get -EAGAIN at that slot a lap later. */
Test(mpmc, claimed_unreleased_slot_gives_eagain)
{
	struct ring_params p = mpmc(2, 8, 0);
	uint64_t v;
	struct ring r;
	size_t len;
	void *mem = mem_ring(&r, &p, &len);

	v = 1;
	cr_assert_eq(ring_push(&r, &v), 0);
	v = 2;
	cr_assert_eq(ring_push(&r, &v), 0);
	ring_pvt_store(&r.shm->cons.head, 1, relaxed); /* takes 0, never frees it */
	cr_assert_eq(ring_pop(&r, &v), 0);
	cr_assert_eq(v, 2);
	v = 3;
	cr_assert_eq(ring_push(&r, &v), -EAGAIN); /* position 2 is slot 0 */
	cr_assert_eq(ring_push_burst(&r, &v, 1), -EAGAIN);
	cr_assert_eq(ring_pop(&r, &v), -EAGAIN);
	/* Repair: free slot 0 for position 2. */
	ring_pvt_store(seq_word(&r, 0), RING_MPMC_FREE(2), release);
	v = 3;
	cr_assert_eq(ring_push(&r, &v), 0);
	cr_assert_eq(ring_pop(&r, &v), 0);
	cr_assert_eq(v, 3);
	ring_close(&r);
	free(mem);
}

/*
 * Stepping over a SKIP slot frees it, like a pop: a producer asleep for room
 * must be woken. The waiter count stands for that producer (armed as
 * ring_push_wait arms it); the step must bump the futex word and leave the
 * armed count to the sleeper (it counts one wake issued).
 */
Test(mpmc, skip_step_wakes_waiting_producers)
{
	struct ring_params p = mpmc(1, 8, RING_F_BLOCKING);
	uint64_t v = 7;
	uint32_t seq0;
	struct ring r;
	size_t len;
	void *mem = mem_ring(&r, &p, &len);

	/* A producer claimed position 0 and died; a survivor marked it. */
	ring_pvt_store(&r.shm->prod.tail, 1, relaxed);
	ring_pvt_store(seq_word(&r, 0), RING_MPMC_SKIP(0), release);
	cr_assert_eq(ring_push(&r, &v), -EAGAIN); /* the one slot is taken */
	ring_pvt_store(&r.shm->wait.prod_waiters, RING_WAIT_WORD(1, 0), seq_cst);
	seq0 = ring_pvt_load(&r.shm->wait.prod_seq, seq_cst);
	cr_assert_eq(ring_pop(&r, &v), -EAGAIN); /* steps over 0, nothing to deliver */
	/* One armed, now one wake counted for it. */
	cr_assert_eq(ring_pvt_load(&r.shm->wait.prod_waiters, seq_cst), RING_WAIT_WORD(1, 1));
	cr_assert_neq(ring_pvt_load(&r.shm->wait.prod_seq, seq_cst), seq0);
	v = 8;
	cr_assert_eq(ring_push(&r, &v), 0); /* the slot is room again */
	cr_assert_eq(ring_pop(&r, &v), 0);
	cr_assert_eq(v, 8);
	ring_close(&r);
	free(mem);
}

/* A slot a survivor marked RING_MPMC_SKIP is stepped over at the head and
 * freed for the next lap; a bulk pop that would have to cross it waits. */
Test(mpmc, skip_slot_stepped_over)
{
	struct ring_params p = mpmc(4, 8, 0);
	uint64_t v, out[4], i;
	struct ring r;
	size_t len;
	void *mem = mem_ring(&r, &p, &len);

	v = 10;
	cr_assert_eq(ring_push(&r, &v), 0);
	v = 11;
	cr_assert_eq(ring_push(&r, &v), 0);
	ring_pvt_store(&r.shm->prod.tail, 3, relaxed);
	ring_pvt_store(seq_word(&r, 2), RING_MPMC_SKIP(2), release);
	v = 13;
	cr_assert_eq(ring_push(&r, &v), 0);
	cr_assert_eq(ring_pop_bulk(&r, out, 3), -EAGAIN); /* would cross the skip */
	cr_assert_eq(ring_pop_burst(&r, out, 4), 2);      /* stops before it */
	cr_assert_eq(out[0], 10);
	cr_assert_eq(out[1], 11);
	cr_assert_eq(ring_pop(&r, &v), 0); /* steps over 2 */
	cr_assert_eq(v, 13);
	cr_assert_eq(ring_pop(&r, &v), -EAGAIN);
	check_count(&r, 0);
	/* The skipped slot is free for its next lap: a full lap goes through. */
	for (i = 0; i < 4; i++) {
		v = 20 + i;
		cr_assert_eq(ring_push(&r, &v), 0);
	}
	cr_assert_eq(ring_push(&r, &v), -EAGAIN);
	for (i = 0; i < 4; i++) {
		cr_assert_eq(ring_pop(&r, &v), 0);
		cr_assert_eq(v, 20 + i);
	}
	/* Skip at the head with burst and bulk pops, then end of stream. */
	ring_pvt_store(&r.shm->prod.tail, 9, relaxed);
	ring_pvt_store(seq_word(&r, 8), RING_MPMC_SKIP(8), release);
	v = 30;
	cr_assert_eq(ring_push(&r, &v), 0);
	cr_assert_eq(ring_pop_bulk(&r, out, 1), 1);
	cr_assert_eq(out[0], 30);
	ring_pvt_store(&r.shm->prod.tail, 11, relaxed);
	ring_pvt_store(seq_word(&r, 10), RING_MPMC_SKIP(10), release);
	cr_assert_eq(ring_close_write(&r), 0);
	cr_assert_eq(ring_pop_burst(&r, out, 4), -EPIPE);
	ring_close(&r);
	free(mem);
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* A word a hostile peer might write: random, or close to what the ring
 * expects near position p. */
static uint64_t hostile_word(uint64_t *x, uint64_t p)
{
	switch (rnd(x) % 8) {
	case 0: return rnd(x);
	case 1: return RING_MPMC_FREE(p + rnd(x) % 9 - 4);
	case 2: return RING_MPMC_FULL(p + rnd(x) % 9 - 4);
	case 3: return RING_MPMC_SKIP(p + rnd(x) % 9 - 4);
	case 4: return p | RING_CLOSED_BIT;
	case 5: return p + rnd(x) % 9 - 4;
	case 6: return ~UINT64_C(0) - rnd(x) % 4;
	default: return p;
	}
}

/* Garbage in every shared word: each call returns a documented result, in
 * bounded time (the test finishes), without touching memory outside the ring
 * (the ring sits in its own heap block: ASan would see it). */
Test(mpmc, hostile_words_bounded)
{
	static const uint64_t ns[] = {1, 5, 8};
	size_t t;

	for (t = 0; t < 3; t++) {
		struct ring_params p = mpmc(ns[t], 16, t == 1 ? RING_F_BLOCKING : 0);
		uint64_t x = 0x9E3779B97F4A7C15u + t, n = ns[t];
		unsigned char buf[16 * 16];
		struct ring r;
		size_t len;
		void *mem = mem_ring(&r, &p, &len);
		int iter;

		for (iter = 0; iter < 3000; iter++) {
			uint64_t base = iter % 3 ? rnd(&x) % 1000 : rnd(&x), i;
			ssize_t rc;

			ring_pvt_store(&r.shm->prod.tail, hostile_word(&x, base), relaxed);
			ring_pvt_store(&r.shm->cons.head, hostile_word(&x, base), relaxed);
			for (i = 0; i < n; i++)
				ring_pvt_store(seq_word(&r, base + i), hostile_word(&x, base + i),
					       relaxed);
			memset(buf, 0xA5, sizeof(buf));
			rc = ring_push(&r, buf);
			cr_assert(rc == 0 || rc == -EAGAIN || rc == -EBUSY || rc == -EPIPE, "push %zd", rc);
			rc = ring_pop(&r, buf);
			cr_assert(rc == 0 || rc == -EAGAIN || rc == -EBUSY || rc == -EPIPE, "pop %zd", rc);
			rc = ring_push_bulk(&r, buf, n);
			cr_assert(rc == (ssize_t)n || rc == -EAGAIN || rc == -EBUSY || rc == -EPIPE, "bulk %zd", rc);
			rc = ring_pop_bulk(&r, buf, n);
			cr_assert(rc == (ssize_t)n || rc == -EAGAIN || rc == -EBUSY || rc == -EPIPE, "bulk %zd", rc);
			rc = ring_push_burst(&r, buf, 16);
			cr_assert((rc >= 1 && rc <= (ssize_t)n) || rc == -EAGAIN || rc == -EBUSY || rc == -EPIPE,
				  "burst %zd", rc);
			rc = ring_pop_burst(&r, buf, 16);
			cr_assert((rc >= 1 && rc <= (ssize_t)n) || rc == -EAGAIN || rc == -EBUSY || rc == -EPIPE,
				  "burst %zd", rc);
			rc = ring_count(&r);
			cr_assert((rc >= 0 && rc <= (ssize_t)n) || rc == -EUCLEAN, "count %zd", rc);
			rc = ring_free(&r);
			cr_assert((rc >= 0 && rc <= (ssize_t)n) || rc == -EUCLEAN, "free %zd", rc);
		}
		ring_close(&r);
		free(mem);
	}
}

/*
 * A slot word one lap ahead of the position (what a stale position looks
 * like; here it never gets fresher) makes every try a "stale, retry": the
 * call gives up after RING_PVT_RETRIES tries with -EBUSY, its own code, not
 * the -EAGAIN of a full or empty ring, and moves nothing.
 */
Test(mpmc, exhausted_retries_are_ebusy)
{
	static const uint64_t ns[] = {4, 5};
	static const uint32_t flags[] = {0, RING_F_BLOCKING};
	size_t i, f;

	for (f = 0; f < 2; f++)
		for (i = 0; i < 2; i++) {
			struct ring_params p = mpmc(ns[i], 8, flags[f]);
			uint64_t v = 7, buf[4] = {0};
			struct ring r;

			cr_assert_eq(ring_create_anon(&r, &p), 0);
			/* Producer side: slot of tail 0 says "free for 0 + n". */
			ring_pvt_store(seq_word(&r, 0), RING_MPMC_FREE(ns[i]), relaxed);
			cr_assert_eq(ring_push(&r, &v), -EBUSY);
			cr_assert_eq(ring_push_burst(&r, buf, 2), -EBUSY);
			cr_assert_eq(ring_push_bulk(&r, buf, 2), -EBUSY);
			check_count(&r, 0);
			ring_pvt_store(seq_word(&r, 0), RING_MPMC_FREE(0), relaxed);
			cr_assert_eq(ring_push(&r, &v), 0);
			/* Consumer side: slot of head 0 says "full for 0 + n". */
			ring_pvt_store(seq_word(&r, 0), RING_MPMC_FULL(ns[i]), relaxed);
			cr_assert_eq(ring_pop(&r, &v), -EBUSY);
			cr_assert_eq(ring_pop_burst(&r, buf, 2), -EBUSY);
			check_count(&r, 1);
			ring_pvt_store(seq_word(&r, 0), RING_MPMC_FULL(0), relaxed);
			v = 0;
			cr_assert_eq(ring_pop(&r, &v), 0);
			cr_assert_eq(v, 7);
			cr_assert_str_neq(ring_strerror(-EBUSY), "unknown error");
			ring_close(&r);
		}
}

/*
 * Slot addresses for any n come from ring_pvt_mod (a multiply by the
 * reciprocal, no division): exact against % for positions near 0, near
 * multiples of n, near 2^63 and 2^64, and random ones.
 */
Test(mpmc, slot_index_without_division_is_exact)
{
	static const uint64_t ns[] = {1, 2, 3, 5, 7, 100, 1000, 4095, 4097, (UINT64_C(1) << 32) + 1,
				      UINT64_MAX / 3, UINT64_MAX - 1, UINT64_MAX};
	uint64_t x = 0x243F6A8885A308D3u;
	size_t i;
	int k;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		uint64_t n = ns[i], recip = UINT64_MAX / n;

		for (k = 0; k < 20000; k++) {
			uint64_t pos;

			switch (k % 5) {
			case 0: pos = (uint64_t)k; break;
			case 1: pos = UINT64_MAX - (uint64_t)k; break;
			case 2: pos = RING_CLOSED_BIT + (uint64_t)k - 10000; break;
			case 3: pos = n * (rnd(&x) % 1000) + (uint64_t)(k % 7) - 3; break;
			default: pos = rnd(&x); break;
			}
			cr_assert_eq(ring_pvt_mod(pos, n, recip), pos % n, "pos %llu n %llu",
				     (unsigned long long)pos, (unsigned long long)n);
		}
	}
}

/* Child: push 1..count with single, bulk and burst calls, then close. */
static void produce(struct ring *r, uint64_t count)
{
	uint64_t next = 1, buf[5];
	unsigned round = 0, spins = 0;

	while (next <= count) {
		uint64_t want = count - next + 1 < 5 ? count - next + 1 : 5, i;
		ssize_t got;

		for (i = 0; i < want; i++)
			buf[i] = next + i;
		switch (round++ % 3) {
		case 0: got = ring_push(r, buf); got = got == 0 ? 1 : got; break;
		case 1: got = ring_push_bulk(r, buf, want); break;
		default: got = ring_push_burst(r, buf, want); break;
		}
		if (got == -EAGAIN || got == -EBUSY) {
			test_spin_pause(&spins);
			continue;
		}
		CHILD_CHECK(got > 0 && (uint64_t)got <= want);
		next += (uint64_t)got;
	}
	CHILD_CHECK(ring_close_write(r) == 0);
}

/* Parent: pop until -EPIPE, everything 1..count in order. */
static void consume_all(struct ring *r, uint64_t count)
{
	uint64_t expect = 1, buf[7];
	unsigned round = 0, spins = 0;

	for (;;) {
		ssize_t got = round++ % 2 ? ring_pop_burst(r, buf, 7)
					  : (ring_pop(r, buf) == 0 ? 1 : ring_pop_burst(r, buf, 1));
		ssize_t i;

		if (got == -EAGAIN || got == -EBUSY) {
			test_spin_pause(&spins);
			continue;
		}
		if (got == -EPIPE)
			break;
		cr_assert_gt(got, 0, "pop: %s", ring_strerror((int)got));
		for (i = 0; i < got; i++, expect++)
			cr_assert_eq(buf[i], expect);
	}
	cr_assert_eq(expect, count + 1, "received %llu of %llu",
		     (unsigned long long)(expect - 1), (unsigned long long)count);
}

enum region { R_ANON, R_NAMED, R_MEMFD, R_MEM };

static void round_trip(enum region how)
{
	enum { COUNT = 30000 };
	struct ring_params p = mpmc(13, 8, how == R_MEMFD ? RING_F_BLOCKING : 0);
	char name[96];
	struct ring r;
	void *mem = NULL;
	size_t len = 0;
	pid_t pid;
	int sync[2];
	char c;

	cr_assert_eq(pipe(sync), 0);
	switch (how) {
	case R_ANON: cr_assert_eq(ring_create_anon(&r, &p), 0); break;
	case R_NAMED:
		test_shm_name(name, sizeof(name), "mpmc-rt");
		cr_assert_eq(ring_create(&r, name, &p), 0);
		break;
	case R_MEMFD: cr_assert_eq(ring_create_memfd(&r, "mpmc-rt", &p), 0); break;
	case R_MEM:
		len = (size_t)ring_memsize(&p);
		mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		cr_assert_neq(mem, MAP_FAILED);
		cr_assert_eq(ring_init_mem(&r, mem, len, &p), 0);
		break;
	}
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct ring own;

		switch (how) {
		case R_ANON: own = r; break;
		case R_NAMED: CHILD_CHECK(ring_open(&own, name, RING_KIND_MPMC) == 0); break;
		case R_MEMFD: CHILD_CHECK(ring_open_fd(&own, ring_fd(&r), RING_KIND_MPMC) == 0); break;
		case R_MEM: CHILD_CHECK(ring_attach_mem(&own, mem, len, RING_KIND_MPMC) == 0); break;
		}
		CHILD_CHECK(write(sync[1], "o", 1) == 1);
		produce(&own, COUNT);
		_exit(0);
	}
	close(sync[1]);
	cr_assert_eq(read(sync[0], &c, 1), 1, "child did not attach");
	close(sync[0]);
	if (how == R_NAMED)
		cr_assert_eq(ring_unlink(name), 0);
	consume_all(&r, COUNT);
	cr_assert_eq(test_wait_child(pid), 0);
	ring_close(&r);
	if (mem != NULL)
		munmap(mem, len);
}

Test(mpmc, round_trip_anon) { round_trip(R_ANON); }
Test(mpmc, round_trip_named) { round_trip(R_NAMED); }
Test(mpmc, round_trip_memfd_blocking) { round_trip(R_MEMFD); }
Test(mpmc, round_trip_caller_memory) { round_trip(R_MEM); }

Test(mpmc, blocking_calls_on_mpmc)
{
	struct ring_params p = mpmc(3, 8, RING_F_BLOCKING);
	uint64_t v = 7, out[3];
	struct ring r;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	cr_assert_eq(ring_pop_timeout(&r, &v, 1000000), -ETIMEDOUT);
	cr_assert_eq(ring_push_timeout(&r, &v, 1000000), 0);
	cr_assert_eq(ring_pop_timeout(&r, &out[0], 1000000), 0);
	cr_assert_eq(out[0], 7);
	cr_assert_eq(ring_push_burst_wait(&r, out, 3, NULL), 3);
	cr_assert_eq(ring_push_timeout(&r, &v, 1000000), -ETIMEDOUT);
	cr_assert_eq(ring_close_write(&r), 0);
	cr_assert_eq(ring_push_wait(&r, &v, NULL), -EPIPE);
	cr_assert_eq(ring_pop_burst_wait(&r, out, 3, NULL), 3);
	cr_assert_eq(ring_pop_wait(&r, &v, NULL), -EPIPE);
	ring_close(&r);
}
