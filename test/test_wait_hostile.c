/* SPDX-License-Identifier: MIT */
/*
 * A waiting process under a hostile peer burns a bounded share of CPU: a
 * child waits one second (ring_pop_timeout / ring_push_timeout) while another
 * process writes hostile values into the ring's words, and the waiter's own
 * CPU time (getrusage, user + system) must stay within 1 % of the wait. The
 * wait must end with -ETIMEDOUT (nothing real ever became available), not
 * with a spin, a crash or an early return.
 *
 * Hostile writes: an MPMC slot word set "ahead" of the expected value (looks
 * like a lost race for ever); the futex word bumped and woken every few
 * microseconds (every sleep returns at once); the same with the producer
 * index changing too (looks like progress); the waiter count cleared.
 * CPU time is what is bounded, not elapsed time, so a slow machine does not
 * fail it; ctest runs the suite alone and one test at a time (SERIAL in
 * test/block.cmake), because each of the waiter's wakes costs more CPU while
 * other processes load both CPUs.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>

#include <shmring/ring.h>

#include "common.h"

#define WAIT_NS 1000000000ull
/* 1 % of the wait. */
#define CPU_LIMIT_US (WAIT_NS / 1000 / 100)

enum hostile {
	SLOT_AHEAD,    /* MPMC: the slot at the head (tail) reads ahead of it */
	SEQ_STORM,     /* the futex word bumped + FUTEX_WAKE, continuously */
	SEQ_AND_INDEX, /* as SEQ_STORM, and the other side's index moving */
	COUNT_CLEARED, /* the waiter count stored as 0, continuously */
};

struct report {
	int64_t cpu_us;
	int rc;
	int done;
};

static pid_t fork_child(void)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	return pid;
}

static int64_t cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
	       ru.ru_stime.tv_usec;
}

static void hostile_loop(struct ring *r, enum hostile h, int consumer, volatile struct report *rep)
{
	struct ring_wait_line *w = &r->shm->wait;
	RING_ATOMIC(uint32_t) *seq = consumer ? &w->cons_seq : &w->prod_seq;
	RING_ATOMIC(uint32_t) *cnt = consumer ? &w->cons_waiters : &w->prod_waiters;
	struct timespec gap = {0, 5000};
	uint64_t i = 0;

	while (!rep->done) {
		switch (h) {
		case SEQ_AND_INDEX:
			/* The waited-for side's index, moving. MPMC: 0 and 1
			 * (the slot words still say empty). SPSC: 0 (empty)
			 * and far past the head (inconsistent: -EUCLEAN is
			 * then a correct end of the wait). */
			if (consumer)
				ring_pvt_store(&r->shm->prod.tail,
					       (i & 1) * (r->kind == RING_KIND_MPMC ? 1 : 1000), relaxed);
			else
				ring_pvt_store(&r->shm->cons.head, i & 1, relaxed);
			/* fall through */
		case SEQ_STORM:
			ring_pvt_fetch_add(seq, 1, seq_cst);
			syscall(SYS_futex, (void *)seq, FUTEX_WAKE, 1 << 30, NULL, NULL, 0);
			break;
		case COUNT_CLEARED:
			ring_pvt_store(cnt, 0, seq_cst);
			break;
		case SLOT_AHEAD:
			break;
		}
		i++;
		nanosleep(&gap, NULL);
	}
	_exit(0);
}

static void hostile_wait(uint32_t kind, int consumer, enum hostile h)
{
	struct ring_params p = {kind, RING_RULE_COUNT, 4, 8, RING_F_BLOCKING, 0, 0, 0};
	volatile struct report *rep;
	struct ring r;
	uint64_t v = 0;
	pid_t waiter, bad;
	int st;

	rep = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq((void *)rep, MAP_FAILED);
	cr_assert_eq(ring_create_anon(&r, &p), 0);
	if (!consumer) {
		while (ring_push(&r, &v) == 0)
			v++;
		/* SEQ_AND_INDEX moves head among 0 and 1: keep the ring full
		 * at both (count rule, tail 4: head 0 is full; head 1 has room
		 * at position 4, whose slot is still FULL(0): not free). */
	}
	if (h == SLOT_AHEAD) {
		struct ring_mpmc_slot *sl = (struct ring_mpmc_slot *)(void *)r.slots;

		/* Position 0 (consumer: empty ring) or 4 (producer: full
		 * ring) maps to slot 0; the word goes one step past what the
		 * waiter expects there. */
		ring_pvt_store(&sl->seq, consumer ? RING_MPMC_FULL(0) + 2 : RING_MPMC_FREE(4) + 2,
			       release);
		if (!consumer) /* keep head at 0 so the ring stays full */
			ring_pvt_store(&r.shm->cons.head, 0, relaxed);
	}
	waiter = fork_child();
	if (waiter == 0) {
		int64_t c0 = cpu_us();
		uint64_t e = 1;

		rep->rc = consumer ? ring_pop_timeout(&r, &e, WAIT_NS) : ring_push_timeout(&r, &e, WAIT_NS);
		rep->cpu_us = cpu_us() - c0;
		_exit(0);
	}
	bad = fork_child();
	if (bad == 0)
		hostile_loop(&r, h, consumer, rep);
	st = test_wait_child(waiter);
	rep->done = 1;
	test_wait_child(bad);
	cr_assert_eq(st, 0, "waiter status %d", st);
	cr_log_info("kind %u %s hostile %d: %s, waiter CPU %lld us", kind,
		    consumer ? "pop" : "push", (int)h, ring_strerror(rep->rc),
		    (long long)rep->cpu_us);
	cr_assert(rep->rc == -ETIMEDOUT || rep->rc == -EUCLEAN, "wait returned %s",
		  ring_strerror(rep->rc));
	cr_assert_leq(rep->cpu_us, (int64_t)CPU_LIMIT_US,
		      "waiter burned %lld us of CPU in a 1 s wait (limit %llu)",
		      (long long)rep->cpu_us, (unsigned long long)CPU_LIMIT_US);
	ring_close(&r);
}

Test(wait_hostile, mpmc_pop_slot_ahead, .timeout = 60) { hostile_wait(RING_KIND_MPMC, 1, SLOT_AHEAD); }
Test(wait_hostile, mpmc_push_slot_ahead, .timeout = 60) { hostile_wait(RING_KIND_MPMC, 0, SLOT_AHEAD); }
Test(wait_hostile, mpmc_pop_seq_storm, .timeout = 60) { hostile_wait(RING_KIND_MPMC, 1, SEQ_STORM); }
Test(wait_hostile, mpmc_push_seq_storm, .timeout = 60) { hostile_wait(RING_KIND_MPMC, 0, SEQ_STORM); }
Test(wait_hostile, mpmc_pop_seq_and_index, .timeout = 60) { hostile_wait(RING_KIND_MPMC, 1, SEQ_AND_INDEX); }
Test(wait_hostile, mpmc_pop_count_cleared, .timeout = 60) { hostile_wait(RING_KIND_MPMC, 1, COUNT_CLEARED); }
Test(wait_hostile, spsc_pop_seq_storm, .timeout = 60) { hostile_wait(RING_KIND_SPSC, 1, SEQ_STORM); }
Test(wait_hostile, spsc_push_seq_storm, .timeout = 60) { hostile_wait(RING_KIND_SPSC, 0, SEQ_STORM); }
Test(wait_hostile, spsc_pop_seq_and_index, .timeout = 60) { hostile_wait(RING_KIND_SPSC, 1, SEQ_AND_INDEX); }
Test(wait_hostile, spsc_pop_count_cleared, .timeout = 60) { hostile_wait(RING_KIND_SPSC, 1, COUNT_CLEARED); }
