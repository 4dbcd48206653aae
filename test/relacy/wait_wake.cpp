// SPDX-License-Identifier: MIT
/*
 * Relacy model of the wait/wake handshake (src/ring_wait.c,
 * ring_pvt_wake_check in include/shmring/ring_common_pvt.h): a consumer
 * about to sleep on an empty ring, a second consumer that arms and gives up
 * (its retry succeeded, or its slice ended), and a producer publishing one
 * element.
 *
 *   sleeper                          waker
 *   s = load(seq)       seq_cst      store(tail, 1)      release
 *   armed += 1 (CAS)    seq_cst      F1
 *   F2                               w = load(waiters)
 *   retry: load(tail)   acquire      if armed(w) > woken(w) (w > 0xffff):
 *   futex_wait(seq, s)                   woken += 1 (CAS)  seq_cst
 *                                        seq += 1          seq_cst
 *                                        futex_wake
 *
 * The word holds both counts as in the library (ring_layout.h): armed low,
 * armed - woken high, so arming adds 0x10001 and a wake takes 0x10000; a
 * sleeper leaving takes back its 1 and one outstanding wake. fxw counts
 * the futex sleepers (R7: added before the arm; the giving-up consumer, like
 * a readiness-descriptor waiter, never adds to it); the waker issues its
 * FUTEX_WAKE only when its load of fxw after its CAS (A7) is not 0.
 *
 * The futex is modelled by what the kernel guarantees: futex_wait compares
 * *seq with s and queues the sleeper atomically with respect to the wake (a
 * seq_cst load here). The sleeper is stranded when it sleeps (the compare
 * matched) and no wake comes after: the waker saw no waiter, or the sleeper's
 * s already was the bumped value (the wake happened before it slept).
 *
 * Built two ways: with F1 a seq_cst fence (handles whose process is not
 * registered for membarrier), and -DMEMBARRIER, where F1 is absent and the
 * sleeper's membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) is modelled by what
 * it guarantees: the waker executes a seq_cst fence at one of its
 * instruction boundaries between the sleeper's request and its return (a
 * waker that has not started or has finished passes one anyway).
 *
 * Mutations: MUT_F1 / MUT_F2 drop that fence (MUT_F2 under MEMBARRIER drops
 * the sleeper's membarrier and its fence); MUT_SEQ makes the load of s and
 * the bump relaxed (with F1 dropped too, as under MEMBARRIER, nothing else
 * orders them); MUT_FLAG makes the giving-up consumer clear the word
 * (store 0, as a flag) instead of taking back its own 1; MUT_FXW adds the
 * sleeper's 1 to fxw after its arm and retry instead of before the arm.
 */
#include <relacy/relacy.hpp>

#include "model.h"

#ifndef MUT_FLAG
#define MUT_FLAG 0
#endif
#ifndef MUT_FXW
#define MUT_FXW 0
#endif

struct wait_wake : rl::test_suite<wait_wake, 3> {
	rl::atomic<unsigned> tail, waiters, seq, fxw;
	rl::atomic<int> mb_req, mb_ack, waker_done;
	int sleeps, s_seen, bumped, gave_up, futex_woken;

	void before()
	{
		tail($).store(0, rl::mo_relaxed);
		waiters($).store(0, rl::mo_relaxed);
		seq($).store(0, rl::mo_relaxed);
		fxw($).store(0, rl::mo_relaxed);
		futex_woken = 0;
		mb_req($).store(0, rl::mo_relaxed);
		mb_ack($).store(0, rl::mo_relaxed);
		waker_done($).store(0, rl::mo_relaxed);
		sleeps = 0;
		bumped = 0;
		gave_up = 0;
	}

	/* MEMBARRIER: an instruction boundary of the waker at which the
	 * kernel's IPI may land. */
	void poll()
	{
#ifdef MEMBARRIER
		if (mb_req($).load(rl::mo_relaxed) && !mb_ack($).load(rl::mo_relaxed)) {
			rl::atomic_thread_fence(rl::mo_seq_cst, $);
			mb_ack($).store(1, rl::mo_release);
		}
#endif
	}

	/* The sleeper's F2 and, under MEMBARRIER, its membarrier call. */
	void sleeper_barrier()
	{
		FENCE(F2);
#ifdef MEMBARRIER
		if (MUT_F2)
			return;
		mb_req($).store(1, rl::mo_seq_cst);
		for (int k = 0; k < 8; k++) {
			if (mb_ack($).load(rl::mo_acquire) || waker_done($).load(rl::mo_acquire))
				return;
			rl::yield(1, $);
		}
		gave_up = 1; /* the model's bound, not the protocol's */
#endif
	}

	void waker()
	{
		poll();
		tail($).store(1, rl::mo_release);
		poll();
#ifndef MEMBARRIER
		FENCE(F1);
#endif
		unsigned w = waiters($).load(rl::mo_relaxed);
		poll();
		while (w > 0xffff) {
			if (waiters($).compare_exchange_weak(w, w - 0x10000, rl::mo_seq_cst,
							   rl::mo_relaxed)) {
				seq($).fetch_add(1, MO(SEQ, rl::mo_seq_cst));
				bumped = 1;
				/* A7: FUTEX_WAKE only if a futex sleeper may be there. */
				if (fxw($).load(rl::mo_acquire) != 0)
					futex_woken = 1;
				break;
			}
		}
		poll();
		rl::atomic_thread_fence(rl::mo_seq_cst, $); /* exit passes a barrier */
		waker_done($).store(1, rl::mo_release);
	}

	void sleeper()
	{
		unsigned s = seq($).load(MO(SEQ, rl::mo_seq_cst));

		if (!MUT_FXW)
			fxw($).fetch_add(1, rl::mo_seq_cst); /* R7 */
		waiters($).fetch_add(0x10001, rl::mo_seq_cst);
		sleeper_barrier();
		if (tail($).load(rl::mo_acquire) != 0) {
			leave();
			return; /* took the element */
		}
		if (MUT_FXW)
			fxw($).fetch_add(1, rl::mo_seq_cst);
		/* futex_wait(seq, s): sleeps iff the word still holds s. */
		if (seq($).load(rl::mo_seq_cst) == s) {
			sleeps = 1;
			s_seen = (int)s;
		}
	}

	/* Take back this sleeper's 1 and one outstanding wake. */
	void leave()
	{
		unsigned w = waiters($).load(rl::mo_relaxed), a, k;

		do {
			a = w & 0xffff;
			k = (a - (w >> 16)) & 0xffff; /* woken */
			a--;
			if (k > 0)
				k--;
			if (k > a)
				k = a;
		} while (!waiters($).compare_exchange_weak(w, a | ((a - k) & 0xffff) << 16,
							 rl::mo_seq_cst, rl::mo_relaxed));
	}

	/* Arms and gives up at once, as a consumer whose retry succeeded (on
	 * another element) or whose slice ended. */
	void passer()
	{
		waiters($).fetch_add(0x10001, rl::mo_seq_cst);
		if (MUT_FLAG)
			waiters($).store(0, rl::mo_seq_cst);
		else
			leave();
	}

	void thread(unsigned id)
	{
		if (id == 0)
			waker();
		else if (id == 1)
			sleeper();
		else
			passer();
	}

	void after()
	{
		if (gave_up)
			return;
		/* Asleep: a wake must come after its compare, FUTEX_WAKE
		 * included. */
		if (sleeps)
			RL_ASSERT(bumped && futex_woken && s_seen == 0);
	}
};

int main()
{
	rl::test_params p;

	p.search_type = rl::sched_random;
	p.iteration_count = 300000;
	return rl::simulate<wait_wake>(p) ? 0 : 1;
}
