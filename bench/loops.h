/* SPDX-License-Identifier: MIT */
/*
 * The timed loops, generated once per adaptor so that the adaptor's push and
 * pop inline into them. Include it after defining, for prefix LOOP_P:
 *
 *   static inline int P_push(struct chan *c, const void *m, uint32_t esz);
 *   static inline int P_pop(struct chan *c, void *m, uint32_t esz);
 *       1: moved one message; 0: full / empty; < 0: error (negative errno)
 *   with LOOP_BURST:
 *   static inline int P_push_burst(struct chan *c, const void *m, uint32_t n, uint32_t esz);
 *   static inline int P_pop_burst(struct chan *c, void *m, uint32_t n, uint32_t esz);
 *       messages moved (0: full / empty), or < 0
 *
 * and LOOP_P to the prefix. It defines P_stream_tx, P_stream_rx, P_ping,
 * P_pong, P_mpmc_tx, P_mpmc_rx and P_cg_loop. May be included several times
 * in one file with different prefixes; it undefines LOOP_P and LOOP_BURST.
 */
#include <sched.h>
#include <string.h>

#include "bench.h"

#define LOOP_CAT2(a, b) a##b
#define LOOP_CAT(a, b) LOOP_CAT2(a, b)
#define LP(name) LOOP_CAT(LOOP_P, name)

#ifndef LOOP_WAIT_DEFINED
#define LOOP_WAIT_DEFINED
/* Full or empty: spin on another core, give the CPU away on the same one. */
static inline __attribute__((always_inline)) void loop_wait(int yield)
{
	if (yield)
		sched_yield();
	else
		cpu_relax();
}

/* MPMC, more processes than cores: spin briefly, then let the others run. */
static inline __attribute__((always_inline)) void loop_backoff(unsigned *spins)
{
	if (++*spins < 64) {
		cpu_relax();
	} else {
		*spins = 0;
		sched_yield();
	}
}
#endif

static inline __attribute__((always_inline)) void
LP(_stream_tx_t)(struct chan *c, const struct job *j, struct child_res *res, uint32_t esz)
{
	unsigned char buf[BENCH_BURST * BENCH_MAX_ESZ] __attribute__((aligned(64))) = {0};
	uint64_t seq = 0, sum = 0;
	int rc;

#ifdef LOOP_BURST
	if (j->burst) {
		while (seq < j->count) {
			uint32_t n = j->count - seq < j->burst ? (uint32_t)(j->count - seq) : j->burst;
			uint32_t i, off = 0;

			for (i = 0; i < n; i++)
				sum += msg_fill(buf + (size_t)i * esz, seq + i, esz);
			while (off < n) {
				rc = LP(_push_burst)(c, buf + (size_t)off * esz, n - off, esz);
				if (rc < 0) {
					child_fail(res, "push_burst: %d at %llu", rc, (unsigned long long)seq);
					return;
				}
				if (rc == 0)
					loop_wait(j->yield);
				off += (uint32_t)rc;
			}
			seq += n;
		}
		goto out;
	}
#endif
	for (; seq < j->count; seq++) {
		sum += msg_fill(buf, seq, esz);
		while ((rc = LP(_push)(c, buf, esz)) == 0)
			loop_wait(j->yield);
		if (rc < 0) {
			child_fail(res, "push: %d at %llu", rc, (unsigned long long)seq);
			return;
		}
	}
#ifdef LOOP_BURST
out:
#endif
	res->count = seq;
	res->sum = sum;
	res->ok = 1;
}

static inline __attribute__((always_inline)) void
LP(_stream_rx_t)(struct chan *c, const struct job *j, struct child_res *res, uint32_t esz)
{
	unsigned char buf[BENCH_BURST * BENCH_MAX_ESZ] __attribute__((aligned(64))) = {0};
	uint64_t seq = 0, sum = 0;
	int rc;

#ifdef LOOP_BURST
	if (j->burst) {
		while (seq < j->count) {
			int i;

			rc = LP(_pop_burst)(c, buf, j->burst, esz);
			if (rc < 0) {
				child_fail(res, "pop_burst: %d at %llu", rc, (unsigned long long)seq);
				return;
			}
			if (rc == 0) {
				loop_wait(j->yield);
				continue;
			}
			for (i = 0; i < rc; i++, seq++) {
				if (!msg_check(buf + (size_t)i * esz, seq, esz, &sum)) {
					child_fail(res, "message %llu: wrong or torn",
						   (unsigned long long)seq);
					return;
				}
			}
		}
		goto out;
	}
#endif
	for (; seq < j->count; seq++) {
		while ((rc = LP(_pop)(c, buf, esz)) == 0)
			loop_wait(j->yield);
		if (rc < 0) {
			child_fail(res, "pop: %d at %llu", rc, (unsigned long long)seq);
			return;
		}
		if (!msg_check(buf, seq, esz, &sum)) {
			child_fail(res, "message %llu: wrong or torn (got %llu)",
				   (unsigned long long)seq, (unsigned long long)*(uint64_t *)(void *)buf);
			return;
		}
	}
#ifdef LOOP_BURST
out:
#endif
	res->count = seq;
	res->sum = sum;
	res->ok = 1;
}

static void LP(_stream_tx)(struct chan *c, const struct job *j, struct child_res *res)
{
	if (j->esz == 8)
		LP(_stream_tx_t)(c, j, res, 8);
	else
		LP(_stream_tx_t)(c, j, res, 64);
}

static void LP(_stream_rx)(struct chan *c, const struct job *j, struct child_res *res)
{
	if (j->esz == 8)
		LP(_stream_rx_t)(c, j, res, 8);
	else
		LP(_stream_rx_t)(c, j, res, 64);
}

/* Round trips of one message: c[0] carries it out, c[1] back. With gap_ns
 * the sender first idles that long, so a blocking peer has gone to sleep. */
static void LP(_ping)(struct chan *c, const struct job *j, struct child_res *res, uint64_t *ns)
{
	unsigned char out[BENCH_MAX_ESZ] __attribute__((aligned(64)));
	unsigned char in[BENCH_MAX_ESZ] __attribute__((aligned(64))) = {0};
	uint64_t seq, sum = 0, rsum = 0;
	uint32_t esz = j->esz;
	int rc;

	for (seq = 0; seq < j->count; seq++) {
		uint64_t t0, t1;

		sum += msg_fill(out, seq, esz);
		if (j->gap_ns) {
			uint64_t until = now_ns() + j->gap_ns;

			while (now_ns() < until)
				cpu_relax();
		}
		t0 = tsc_now();
		while ((rc = LP(_push)(&c[0], out, esz)) == 0)
			cpu_relax();
		if (rc > 0)
			while ((rc = LP(_pop)(&c[1], in, esz)) == 0)
				cpu_relax();
		t1 = tsc_now();
		if (rc < 0) {
			child_fail(res, "ping %llu: %d", (unsigned long long)seq, rc);
			return;
		}
		if (!msg_check(in, seq, esz, &rsum)) {
			child_fail(res, "ping %llu: wrong reply", (unsigned long long)seq);
			return;
		}
		ns[seq] = t1 - t0;
	}
	if (sum != rsum) {
		child_fail(res, "ping: checksum differs");
		return;
	}
	res->count = seq;
	res->sum = sum;
	res->ok = 1;
}

static void LP(_pong)(struct chan *c, const struct job *j, struct child_res *res)
{
	unsigned char buf[BENCH_MAX_ESZ] __attribute__((aligned(64))) = {0};
	uint64_t seq, sum = 0;
	uint32_t esz = j->esz;
	int rc;

	for (seq = 0; seq < j->count; seq++) {
		while ((rc = LP(_pop)(&c[0], buf, esz)) == 0)
			cpu_relax();
		if (rc < 0 || !msg_check(buf, seq, esz, &sum)) {
			child_fail(res, "pong %llu: %d or wrong message", (unsigned long long)seq, rc);
			return;
		}
		while ((rc = LP(_push)(&c[1], buf, esz)) == 0)
			cpu_relax();
		if (rc < 0) {
			child_fail(res, "pong push %llu: %d", (unsigned long long)seq, rc);
			return;
		}
	}
	res->count = seq;
	res->sum = sum;
	res->ok = 1;
}

/* MPMC producer: 8-byte messages index << 48 | seq. */
static void LP(_mpmc_tx)(struct chan *c, const struct job *j, struct child_res *res, struct ctl *ctl)
{
	uint64_t seq, sum = 0;
	unsigned spins = 0;
	int rc;

	for (seq = 0; seq < j->count; seq++) {
		uint64_t v = (uint64_t)j->index << BENCH_MPMC_SHIFT | seq;

		while ((rc = LP(_push)(c, &v, 8)) == 0)
			loop_backoff(&spins);
		if (rc < 0) {
			child_fail(res, "mpmc push: %d", rc);
			return;
		}
		sum += mpmc_mix(v);
	}
	res->count = seq;
	res->sum = sum;
	res->ok = 1;
	/* Pairs with the consumers' acquire load: once they see every
	 * producer done, every message is in the ring. */
	__atomic_add_fetch(&ctl->prod_done, 1, __ATOMIC_RELEASE);
}

/* MPMC consumer: per producer, sequence numbers must rise (FIFO per
 * producer); stops at an empty ring once every producer is done. */
static void LP(_mpmc_rx)(struct chan *c, const struct job *j, struct child_res *res, struct ctl *ctl)
{
	uint64_t next[BENCH_MAX_CHILD] = {0};
	uint64_t n = 0, sum = 0, v = 0;
	unsigned spins = 0;
	int rc;

	for (;;) {
		int done = __atomic_load_n(&ctl->prod_done, __ATOMIC_ACQUIRE) == (uint32_t)j->nprod;

		rc = LP(_pop)(c, &v, 8);
		if (rc < 0) {
			child_fail(res, "mpmc pop: %d", rc);
			return;
		}
		if (rc == 0) {
			if (done)
				break;
			loop_backoff(&spins);
			continue;
		}
		{
			uint64_t p = v >> BENCH_MPMC_SHIFT;
			uint64_t s = v & ((UINT64_C(1) << BENCH_MPMC_SHIFT) - 1);

			if (p >= (uint64_t)j->nprod || s < next[p]) {
				child_fail(res, "mpmc: producer %llu seq %llu out of order (expected >= %llu)",
					   (unsigned long long)p, (unsigned long long)s,
					   (unsigned long long)(p < BENCH_MAX_CHILD ? next[p] : 0));
				return;
			}
			next[p] = s + 1;
		}
		n++;
		sum += mpmc_mix(v);
	}
	res->count = n;
	res->sum = sum;
	res->ok = 1;
}

/* Callgrind: single-thread enqueue+dequeue pairs of 8-byte elements. */
static __attribute__((noinline)) uint64_t LP(_cg_loop)(struct chan *c, uint32_t burst, uint64_t iters)
{
	uint64_t in[BENCH_BURST], out[BENCH_BURST] = {0};
	uint64_t i, err = 0;

	for (i = 0; i < BENCH_BURST; i++)
		in[i] = i + 1;
#ifdef LOOP_BURST
	if (burst) {
		for (i = 0; i < iters; i++) {
			if (LP(_push_burst)(c, in, burst, 8) != (int)burst)
				err++;
			if (LP(_pop_burst)(c, out, burst, 8) != (int)burst || out[0] != in[0] ||
			    out[burst - 1] != in[burst - 1])
				err++;
		}
		return err;
	}
#else
	if (burst)
		return iters;
#endif
	for (i = 0; i < iters; i++) {
		if (LP(_push)(c, in, 8) != 1)
			err++;
		if (LP(_pop)(c, out, 8) != 1 || out[0] != in[0])
			err++;
	}
	return err;
}

#undef LP
#undef LOOP_P
#undef LOOP_BURST
