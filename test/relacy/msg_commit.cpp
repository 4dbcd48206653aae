// SPDX-License-Identifier: MIT
/*
 * Relacy model of the message ring's hand-off by commit words
 * (include/shmring/ring_msg_pvt.h, one producer): an area of 2 record
 * places, 3 messages, so that a place is reused. The producer waits for
 * room by loading head with acquire (A_M2), writes the payload (plain data:
 * rl::var, so a race on it is reported), stores the record's commit word,
 * the tag of its position, with release (R_M3), then the tail (R_M1, read
 * only by the general path: nothing here waits on it). The consumer takes
 * the record at its position once the commit word holds that position's
 * tag, loaded with acquire (A_M3), without reading the tail; it reads the
 * payload and frees the place by storing head with release (R_M2). The tag
 * of a position differs from every other position's (the word left by the
 * record a lap earlier does not pass). Each side gives up after a bounded
 * number of tries (safety only: what is read is what was written, in
 * order, and no access races).
 *
 * Mutations (-D): MUT_RM3, MUT_AM3, MUT_RM2, MUT_AM2 weaken that edge to
 * relaxed; each must make the model fail.
 */
#ifndef MUT_RM3
#define MUT_RM3 0
#endif
#ifndef MUT_AM3
#define MUT_AM3 0
#endif
#ifndef MUT_RM2
#define MUT_RM2 0
#endif
#ifndef MUT_AM2
#define MUT_AM2 0
#endif

#include <relacy/relacy.hpp>

#include "model.h"

enum { N = 2, MSGS = 3, TRIES = 2 };

/* The tag of position p: distinct for every position, never the initial 0. */
static unsigned tag(unsigned p) { return 2 * p + 1; }

struct msg_commit : rl::test_suite<msg_commit, 2> {
	rl::atomic<unsigned> tail, head, commit[N];
	rl::var<int> payload[N];
	int got[MSGS];
	unsigned ngot;

	void before()
	{
		tail($).store(0, rl::mo_relaxed);
		head($).store(0, rl::mo_relaxed);
		for (int i = 0; i < N; i++)
			commit[i]($).store(0, rl::mo_relaxed);
		ngot = 0;
	}

	void producer()
	{
		unsigned t = 0;

		for (int i = 0; i < MSGS; i++) {
			int k;

			for (k = 0; k < TRIES; k++) {
				unsigned h = head($).load(MO(AM2, rl::mo_acquire));

				if (t - h < N)
					break;
			}
			if (k == TRIES)
				return;
			payload[t % N]($) = 100 + i;
			commit[t % N]($).store(tag(t), MO(RM3, rl::mo_release));
			t++;
			tail($).store(t, rl::mo_release);
		}
	}

	void consumer()
	{
		unsigned h = 0;

		for (int i = 0; i < MSGS; i++) {
			int k;

			for (k = 0; k < TRIES; k++)
				if (commit[h % N]($).load(MO(AM3, rl::mo_acquire)) == tag(h))
					break;
			if (k == TRIES)
				return;
			got[ngot++] = payload[h % N]($);
			h++;
			head($).store(h, MO(RM2, rl::mo_release));
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
	return rl::simulate<msg_commit>(p) ? 0 : 1;
}
