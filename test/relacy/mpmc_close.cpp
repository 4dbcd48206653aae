// SPDX-License-Identifier: MIT
/*
 * Relacy model of the MPMC slot protocol with the close bit
 * (include/shmring/ring_mpmc_pvt.h, src/ring_ops.c): one slot (so the second
 * push reuses it), two producers pushing one element each, producer 0 then
 * closing the ring (fetch_or of the top bit of tail), one consumer popping
 * until it sees end of stream.
 *
 * Words as in the library: tail and head are positions claimed by CAS; the
 * slot's sequence word is FREE(p) = 2p, FULL(p) = 2p + 1. A producer at p
 * checks FREE(p) (A3: acquire, pairs with the consumer's R4), claims p by
 * CAS on tail (failing once the closed bit is set), writes the payload
 * (rl::var) and publishes FULL(p) (R3: release). A consumer at p checks
 * FULL(p) (A4: acquire, pairs with R3), claims by CAS on head, reads, and
 * frees the slot for p + 1 with FREE(p + 1) (R4). Not ready: the consumer
 * loads tail (acquire, pairs with the close's release RMW) and reports end
 * of stream only when tail is closed and no position is left below it.
 *
 * Checked: no race on the payload, every element delivered once and intact,
 * and end of stream only after every push that succeeded was delivered.
 * Mutations: MUT_A3, MUT_R3, MUT_A4, MUT_R4 weaken that edge to relaxed;
 * MUT_CLAIM replaces the claim CAS by a load-check-store, so the closed bit
 * no longer fails a claim that races with the close. (The close's own
 * ordering is not a mutation here: the fetch_or continues the release
 * sequence of the claims, and end of stream is decided from positions.)
 */
#include <relacy/relacy.hpp>

#include "model.h"

enum { N = 1, TRIES = 3 };
#ifndef MUT_CLAIM
#define MUT_CLAIM 0
#endif
#ifndef MODEL_ITERATIONS
#define MODEL_ITERATIONS 200000
#endif
static const unsigned long long CLOSED = 1ull << 63;

struct mpmc_close : rl::test_suite<mpmc_close, 3> {
	rl::atomic<unsigned long long> tail, head, seq;
	rl::var<int> payload;
	int pushed[2], got[2], ngot, eof;

	void before()
	{
		tail($).store(0, rl::mo_relaxed);
		head($).store(0, rl::mo_relaxed);
		seq($).store(0, rl::mo_relaxed); /* FREE(0) */
		pushed[0] = pushed[1] = 0;
		ngot = 0;
		eof = 0;
	}

	/* 1 pushed, 0 full (gave up), -1 closed. */
	int push(int v)
	{
		for (int k = 0; k < TRIES; k++) {
			unsigned long long pos = tail($).load(rl::mo_relaxed);

			if (pos & CLOSED)
				return -1;
			if (seq($).load(MO(A3, rl::mo_acquire)) != 2 * pos)
				continue; /* full (or stale) */
#if MUT_CLAIM
			/* Mutation: check, then store: a claim the close (or the
			 * other producer) does not fail. */
			tail($).store(pos + 1, rl::mo_release);
#else
			if (!tail($).compare_exchange_strong(pos, pos + 1, rl::mo_release, rl::mo_relaxed))
				continue; /* lost the race, or closed meanwhile */
#endif
			payload($) = v;
			seq($).store(2 * pos + 1, MO(R3, rl::mo_release));
			return 1;
		}
		return 0;
	}

	/* 1 popped, 0 nothing yet, -1 end of stream. */
	int pop()
	{
		unsigned long long pos = head($).load(rl::mo_relaxed);

		if (seq($).load(MO(A4, rl::mo_acquire)) == 2 * pos + 1) {
			if (!head($).compare_exchange_strong(pos, pos + 1, rl::mo_release, rl::mo_relaxed))
				return 0;
			got[ngot++] = payload($);
			seq($).store(2 * (pos + 1), MO(R4, rl::mo_release)); /* FREE(pos + n) */
			return 1;
		}
		unsigned long long tw = tail($).load(rl::mo_acquire);

		if ((tw & CLOSED) && (tw & ~CLOSED) == pos)
			return -1;
		return 0;
	}

	void thread(unsigned id)
	{
		if (id == 0) {
			pushed[0] = push(10) == 1;
			tail($).fetch_or(CLOSED, rl::mo_seq_cst);
		} else if (id == 1) {
			pushed[1] = push(11) == 1;
		} else {
			for (int k = 0; k < 4 * TRIES && !eof; k++) {
				int rc = pop();

				if (rc < 0)
					eof = 1;
			}
		}
	}

	void after()
	{
		for (int i = 0; i < ngot; i++)
			RL_ASSERT(got[i] == 10 || got[i] == 11);
		if (ngot == 2)
			RL_ASSERT(got[0] != got[1]);
		/* End of stream only after everything pushed arrived. */
		if (eof)
			RL_ASSERT(ngot == pushed[0] + pushed[1]);
	}
};

int main()
{
	rl::test_params p;

	/* Three threads with retry loops: every interleaving is too many, a
	 * random sample of this size finds each mutation in a few thousand. */
	p.search_type = rl::sched_random;
	p.iteration_count = MODEL_ITERATIONS;
	return rl::simulate<mpmc_close>(p) ? 0 : 1;
}
