// SPDX-License-Identifier: MIT
/*
 * Relacy model of the SPSC hand-off (include/shmring/ring_spsc_pvt.h, count
 * rule): a ring of 2 slots, 3 elements, so that one slot is reused. The
 * producer writes a slot (plain data: rl::var, so a race on it is reported)
 * and publishes tail with release (R1); the consumer loads tail with acquire
 * (A2), reads the slot, and frees it by storing head with release (R2); the
 * producer loads head with acquire (A1) before overwriting a slot.
 * Each side gives up after a bounded number of tries (safety only: what is
 * read is what was written, and no access races).
 *
 * Mutations (-D): MUT_R1, MUT_A2, MUT_R2, MUT_A1 weaken that edge to relaxed;
 * each must make the model fail.
 */
#include <relacy/relacy.hpp>

#include "model.h"

enum { N = 2, ELEMS = 3, TRIES = 3 };

struct spsc_handoff : rl::test_suite<spsc_handoff, 2> {
	rl::atomic<unsigned> tail, head;
	rl::var<int> slot[N];
	int got[ELEMS];
	unsigned ngot;

	void before()
	{
		tail($).store(0, rl::mo_relaxed);
		head($).store(0, rl::mo_relaxed);
		ngot = 0;
	}

	void producer()
	{
		unsigned t = 0;

		for (int i = 0; i < ELEMS; i++) {
			int k;

			for (k = 0; k < TRIES; k++) {
				unsigned h = head($).load(MO(A1, rl::mo_acquire));

				if (t - h < N)
					break;
			}
			if (k == TRIES)
				return;
			slot[t % N]($) = 100 + i;
			t++;
			tail($).store(t, MO(R1, rl::mo_release));
		}
	}

	void consumer()
	{
		unsigned h = 0;

		for (int i = 0; i < ELEMS; i++) {
			int k;

			for (k = 0; k < TRIES; k++) {
				unsigned t = tail($).load(MO(A2, rl::mo_acquire));

				if (t != h)
					break;
			}
			if (k == TRIES)
				return;
			got[ngot++] = slot[h % N]($);
			h++;
			head($).store(h, MO(R2, rl::mo_release));
		}
	}

	void thread(unsigned id)
	{
		if (id == 0)
			producer();
		else
			consumer();
	}

	void after()
	{
		for (unsigned i = 0; i < ngot; i++)
			RL_ASSERT(got[i] == 100 + (int)i);
	}
};

int main()
{
	rl::test_params p;

	p.search_type = rl::sched_full;
	return rl::simulate<spsc_handoff>(p) ? 0 : 1;
}
