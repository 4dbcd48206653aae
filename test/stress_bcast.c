/* SPDX-License-Identifier: MIT */
/*
 * Broadcast stress: one producer, C consumers, as processes or threads.
 *
 *   stress_bcast proc|thread bp|lossy C total [slots [elem_size [churn]]]
 *
 * The producer pushes elements 0 .. total-1 in bursts of varying size (the
 * blocking calls), then closes the ring. Each element carries its sequence
 * number, a hash of it and a byte pattern derived from it up to elem_size.
 * The C consumers join before the first push and read with single and burst
 * calls until -EPIPE, checking every element: intact payload, and sequence
 * number exactly the one expected after what the pops reported missed.
 * Back-pressure: every consumer receives every element, none missed. Lossy:
 * received + missed (ring_bcast_missed) == total for every consumer; odd
 * consumers pause now and then so that the producer laps them.
 *
 * churn (a count): that many more consumers that join and leave again and
 * again mid-stream, each stint reading a random number of elements that must
 * be consecutive (back-pressure) or in order with exact gaps (lossy) from
 * the first one it saw; a consumer that left must not hold the producer.
 *
 * Processes (proc): a named ring that every child opens by name (unlinked
 * once all have joined); children in one process group, killed with
 * PR_SET_PDEATHSIG if this program dies and by the watchdog if the run
 * hangs. Threads (thread): a ring in memory, each thread attaching its own
 * handle (the variant ThreadSanitizer can follow). Exit status 0 on success.
 */
#include <shmring/ring.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONS 64
#define BATCH 16
#define WATCHDOG_S 280 /* below the ctest TIMEOUT */

static int use_threads, lossy;
static unsigned ncons, nchurn;
static uint64_t total, slots = 256, esz = 16;
static char name[64];
static void *mem_region;
static size_t mem_len;
static pid_t group;

struct result {
	uint64_t received;
	uint64_t missed;
	uint64_t stints;
	uint64_t fails;
	char why[112];
};

struct shared {
	atomic_uint joined; /* consumers joined (the producer starts then) */
	atomic_uint opened; /* processes that opened the ring */
	atomic_uint done_churn; /* set once the producer closed */
	struct result res[MAX_CONS];
};
static struct shared *sh;

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	return x ^ (x >> 33);
}

static void fill(unsigned char *m, uint64_t seq)
{
	uint64_t h = mix(seq);
	size_t i;

	memcpy(m, &seq, 8);
	memcpy(m + 8, &h, 8);
	for (i = 16; i < esz; i++)
		m[i] = (unsigned char)(h >> (i % 8 * 8)) ^ (unsigned char)i;
}

/* The element's sequence number if intact, else UINT64_MAX. */
static uint64_t check(const unsigned char *m)
{
	uint64_t seq, h;
	size_t i;

	memcpy(&seq, m, 8);
	memcpy(&h, m + 8, 8);
	if (h != mix(seq))
		return UINT64_MAX;
	for (i = 16; i < esz; i++)
		if (m[i] != ((unsigned char)(h >> (i % 8 * 8)) ^ (unsigned char)i))
			return UINT64_MAX;
	return seq;
}

static uint64_t rnd(uint64_t *s)
{
	*s = *s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return *s >> 33;
}

static int open_own(struct ring *r)
{
	if (use_threads)
		return ring_attach_mem(r, mem_region, mem_len, RING_KIND_BCAST);
	return ring_open(r, name, RING_KIND_BCAST);
}

static void fail(struct result *res, const char *fmt, uint64_t a, uint64_t b)
{
	if (res->fails++ == 0)
		snprintf(res->why, sizeof(res->why), fmt, a, b);
}

static int produce(void)
{
	struct ring r;
	unsigned char buf[BATCH * 256];
	uint64_t seq = 0, s = 12345;
	int rc;

	rc = open_own(&r);
	if (rc == 0)
		rc = ring_bcast_producer(&r);
	if (rc != 0) {
		fprintf(stderr, "producer: %s\n", ring_strerror(rc));
		return 10;
	}
	atomic_fetch_add(&sh->opened, 1);
	while (atomic_load(&sh->joined) < ncons)
		sched_yield();
	while (seq < total) {
		uint64_t k = 1 + rnd(&s) % BATCH, i;
		ssize_t got;

		if (k > total - seq)
			k = total - seq;
		for (i = 0; i < k; i++)
			fill(buf + i * esz, seq + i);
		if (k == 1) {
			rc = ring_bcast_push_wait(&r, buf, NULL);
			got = rc < 0 ? rc : 1;
		} else {
			got = ring_bcast_push_burst_wait(&r, buf, k, NULL);
		}
		if (got <= 0) {
			fprintf(stderr, "producer: push at %" PRIu64 ": %s\n", seq,
				ring_strerror((int)got));
			return 11;
		}
		if (lossy && (uint64_t)got != k)
			return 12; /* the lossy producer never waits nor splits */
		/* A burst moves up to the room: push the rest next time. */
		seq += (uint64_t)got;
	}
	ring_close_write(&r);
	atomic_store(&sh->done_churn, 1);
	ring_close(&r);
	return 0;
}

/*
 * Read one stint: until -EPIPE, or (limit != 0) limit elements. *next is
 * the sequence number expected next (UINT64_MAX: whatever comes first).
 */
static int read_stint(struct ring *r, struct result *res, uint64_t *next, uint64_t limit,
		      unsigned pace, uint64_t *s)
{
	unsigned char buf[BATCH * 256];
	uint64_t n = 0;

	for (;;) {
		uint64_t k = 1 + rnd(s) % BATCH, missed = 0, i;
		ssize_t got;

		if (limit != 0 && k > limit - n)
			k = limit - n;
		if (k == 1) {
			int rc = ring_bcast_pop_wait(r, buf, &missed, NULL);

			got = rc < 0 ? rc : 1;
		} else {
			got = ring_bcast_pop_burst_wait(r, buf, k, &missed, NULL);
		}
		if (got == -EPIPE)
			return 1;
		if (got <= 0) {
			fail(res, "pop: error %" PRId64 " after %" PRIu64, (uint64_t)got, res->received);
			return 1;
		}
		if (!lossy && missed != 0)
			fail(res, "back-pressure consumer missed %" PRIu64 " at %" PRIu64, missed, *next);
		res->missed += missed;
		for (i = 0; i < (uint64_t)got; i++) {
			uint64_t seq = check(buf + i * esz);

			if (seq == UINT64_MAX) {
				fail(res, "torn element after %" PRIu64 " (%" PRIu64 ")", *next, i);
				continue;
			}
			if (*next == UINT64_MAX)
				*next = seq;
			else if (i == 0)
				*next += missed;
			if (seq != *next)
				fail(res, "got %" PRIu64 ", expected %" PRIu64, seq, *next);
			*next = seq + 1;
		}
		res->received += (uint64_t)got;
		n += (uint64_t)got;
		if (pace != 0 && rnd(s) % pace == 0)
			usleep(200);
		if (limit != 0 && n >= limit)
			return 0;
	}
}

static int consume(unsigned idx)
{
	struct result *res = &sh->res[idx];
	struct ring r;
	uint64_t next = 0, s = 777 + idx;
	int rc;

	if (open_own(&r) != 0)
		return 20;
	rc = ring_bcast_join(&r);
	if (rc != 0) {
		fail(res, "join: error -%" PRIu64 " (stint %" PRIu64 ")", (uint64_t)-rc, res->stints);
		return 21;
	}
	atomic_fetch_add(&sh->joined, 1);
	atomic_fetch_add(&sh->opened, 1);
	/* Lossy: odd consumers pause now and then, so that they get lapped. */
	read_stint(&r, res, &next, 0, lossy && (idx & 1) ? 64 : 0, &s);
	/* Received plus missed is everything published since joining (at 0).
	 * The missed count includes losses no pop has reported yet. */
	if (res->missed > ring_bcast_missed(&r))
		fail(res, "reported %" PRIu64 " missed, counted %" PRIu64, res->missed,
		     ring_bcast_missed(&r));
	res->missed = ring_bcast_missed(&r);
	if (res->received + res->missed != total)
		fail(res, "received %" PRIu64 " + missed != total (missed %" PRIu64 ")",
		     res->received, res->missed);
	if (!lossy && res->received != total)
		fail(res, "received %" PRIu64 " of %" PRIu64, res->received, total);
	ring_close(&r);
	return res->fails ? 22 : 0;
}

/* Join, read a stint, leave; again until the stream ends. */
static int churn(unsigned idx)
{
	struct result *res = &sh->res[idx];
	struct ring r;
	uint64_t s = 999 + idx;

	if (open_own(&r) != 0)
		return 30;
	atomic_fetch_add(&sh->opened, 1);
	while (!atomic_load(&sh->done_churn)) {
		uint64_t next = UINT64_MAX;
		int rc = ring_bcast_join(&r);

		if (rc != 0) {
			fail(res, "join: error -%" PRIu64 " (stint %" PRIu64 ")", (uint64_t)-rc, res->stints);
			break;
		}
		res->stints++;
		if (read_stint(&r, res, &next, 1 + rnd(&s) % (4 * slots), 0, &s))
			break;
		ring_bcast_leave(&r);
		usleep((useconds_t)(rnd(&s) % 500));
	}
	ring_close(&r);
	return res->fails ? 31 : 0;
}

static int run_role(unsigned i)
{
	if (i == 0)
		return produce();
	if (i <= ncons)
		return consume(i - 1);
	return churn(i - 1);
}

static void *thread_main(void *arg)
{
	return (void *)(intptr_t)run_role((unsigned)(uintptr_t)arg);
}

static void watchdog(int sig)
{
	(void)sig;
	if (!use_threads && group > 0)
		kill(-group, SIGKILL);
	(void)!write(2, "stress_bcast: watchdog expired\n", 31);
	_exit(3);
}

int main(int argc, char **argv)
{
	struct ring_params p = {RING_KIND_BCAST, RING_RULE_COUNT, 0, 0, RING_F_BLOCKING, 0, 0, 0};
	struct ring creator;
	unsigned i, nproc, bad = 0;
	pid_t pids[MAX_CONS + 1];
	pthread_t th[MAX_CONS + 1];

	if (argc < 5) {
		fprintf(stderr, "usage: %s proc|thread bp|lossy C total [slots [elem [churn]]]\n",
			argv[0]);
		return 2;
	}
	use_threads = strcmp(argv[1], "thread") == 0;
	lossy = strcmp(argv[2], "lossy") == 0;
	ncons = (unsigned)strtoul(argv[3], NULL, 0);
	total = strtoull(argv[4], NULL, 0);
	if (argc > 5)
		slots = strtoull(argv[5], NULL, 0);
	if (argc > 6)
		esz = strtoull(argv[6], NULL, 0);
	if (argc > 7)
		nchurn = (unsigned)strtoul(argv[7], NULL, 0);
	if (ncons + nchurn == 0 || ncons + nchurn > MAX_CONS - 1 || esz < 16 || esz > 256) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	p.slots = slots;
	p.elem_size = esz;
	/* Every attached handle holds an entry (src/ring_live.c): the
	 * creator's, the producer's, the consumers' and the churners'. */
	p.max_parts = ncons + nchurn + 2;
	if (lossy)
		p.flags |= RING_F_BCAST_LOSSY;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;
	if (use_threads) {
		ssize_t sz = ring_memsize(&p);

		mem_len = (size_t)sz;
		mem_region = aligned_alloc(64, (mem_len + 63) & ~(size_t)63);
		if (sz <= 0 || mem_region == NULL || ring_init_mem(&creator, mem_region, mem_len, &p) != 0)
			return 2;
	} else {
		snprintf(name, sizeof(name), "/shmring-stress-bcast-%ld", (long)getpid());
		if (ring_create(&creator, name, &p) != 0)
			return 2;
	}
	signal(SIGALRM, watchdog);
	alarm(WATCHDOG_S);
	nproc = 1 + ncons + nchurn;
	for (i = 0; i < nproc; i++) {
		if (use_threads) {
			if (pthread_create(&th[i], NULL, thread_main, (void *)(uintptr_t)i) != 0)
				return 2;
			continue;
		}
		pids[i] = fork();
		if (pids[i] < 0)
			return 2;
		if (pids[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(40);
			setpgid(0, group);
			_exit(run_role(i));
		}
		if (group == 0)
			group = pids[0];
		setpgid(pids[i], group);
	}
	if (!use_threads) {
		/* Unlink once everyone (producer, consumers, churners) has
		 * opened it. */
		while (atomic_load(&sh->opened) < 1 + ncons + nchurn)
			usleep(1000);
		ring_unlink(name);
	}
	for (i = 0; i < nproc; i++) {
		int st = 0;
		unsigned who = i;

		if (use_threads) {
			void *ret;

			pthread_join(th[i], &ret);
			st = (int)(intptr_t)ret;
		} else {
			int ws;
			pid_t w = waitpid(-group, &ws, 0);

			for (who = 0; who < nproc && pids[who] != w; who++)
				;
			if (w < 0 || !WIFEXITED(ws))
				st = 100;
			else
				st = WEXITSTATUS(ws);
			/* One role failed: the others may wait for it for ever. */
			if (st != 0 && bad == 0)
				kill(-group, SIGKILL);
		}
		if (st != 0) {
			fprintf(stderr, "role %u exited with %d\n", who, st);
			bad++;
		}
	}
	for (i = 0; i < ncons + nchurn; i++) {
		struct result *res = &sh->res[i];

		printf("%s %u: received %" PRIu64 " missed %" PRIu64 " stints %" PRIu64 " fails %" PRIu64 "%s%s\n",
		       i < ncons ? "consumer" : "churner", i, res->received, res->missed, res->stints,
		       res->fails, res->fails ? ": " : "", res->why);
		if (res->fails)
			bad++;
	}
	ring_close(&creator);
	free(mem_region);
	return bad ? 1 : 0;
}
