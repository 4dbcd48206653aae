/* SPDX-License-Identifier: MIT */
/*
 * Lost-wake-up stress for the blocking calls: producers and consumers hand
 * elements over through tiny rings (1..4 slots) with ring_push_wait() and
 * ring_pop_wait(), without deadlines, so that both sides keep running into
 * full and empty and go to sleep on the futexes. A single lost wake-up leaves
 * a sleeper waiting for a peer that is itself asleep (or done): run with
 * SHMRING_TEST_SLICE_MS=0 (as ctest does), which makes every sleep unbounded,
 * the program then hangs and the ctest TIMEOUT fails it. (With the default
 * 10 ms slice a lost wake-up would only cost time.) Everything is also checked for order
 * and completeness.
 *
 *   stress_wakeup            processes (fork), >= 10^7 hand-offs in total
 *   stress_wakeup --threads  the same scenarios with threads, smaller counts
 *                            (for ThreadSanitizer)
 *   --scale F                multiply every count by F (e.g. 0.01 for a
 *                            quick run)
 *
 * How often the sleep path ran is counted two ways and printed: the futex
 * sequence words (each bump is one wake issued because a flag was armed) and
 * the workers' voluntary context switches (each is a sleep that blocked).
 * The run fails unless the wakes add up to a large number, so a change that
 * quietly stopped sleeping could not pass as "no lost wake-ups".
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <shmring/ring.h>

/* Linked against the hooked library with hook_none.c (test/block.cmake)
 * for its SHMRING_TEST_SLICE_MS switch; no kill points here. */

#define MAX_WORKERS 4

enum shape { STREAM, PINGPONG };

struct scenario {
	const char *name;
	enum shape shape;
	uint32_t kind, rule;
	uint64_t slots;
	int np, nc;          /* producers, consumers (STREAM) */
	uint64_t count;      /* elements per producer, or round trips */
	unsigned stall_every; /* producer pauses every so many pushes (0: never) */
	uint64_t tsan_count; /* count for --threads */
};

/* Element: producer id in the top byte, sequence number below. */
#define ID_SHIFT 56
#define SEQ_MASK ((UINT64_C(1) << ID_SHIFT) - 1)

struct result {
	uint64_t moved;  /* elements pushed / popped by this worker */
	uint64_t nvcsw;  /* voluntary context switches */
	uint64_t stalls; /* deliberate pauses (each one also a context switch) */
	int rc;          /* 0, or the first error (negative errno or a line) */
};

struct worker {
	const struct scenario *sc;
	struct ring *r, *r2; /* r2: the reply ring of PINGPONG */
	int id;
	int threads;
	uint64_t count;
	struct result *res;
};

#define FAIL(w, code)                                                                      \
	do {                                                                               \
		if ((w)->res->rc == 0)                                                     \
			(w)->res->rc = (code);                                             \
		fprintf(stderr, "%s: worker %d: failure at line %d (%d)\n", (w)->sc->name, \
			(w)->id, __LINE__, (int)(code));                                   \
		fail_fast(w);                                                              \
		return;                                                                    \
	} while (0)

/* End the run instead of leaving the peers blocked on a worker that quit:
 * they see -EPIPE (and count it as a failure unless already draining). */
static void fail_fast(struct worker *w)
{
	ring_close_write(w->r);
	if (w->sc->shape == PINGPONG)
		ring_close_write(w->r2);
}

static void stall(void)
{
	/* Longer than the blocking calls' spin phase, so the peer sleeps. */
	struct timespec ts = {0, 50 * 1000};

	nanosleep(&ts, NULL);
}

static uint64_t my_nvcsw(int threads)
{
	struct rusage ru;

	if (getrusage(threads ? RUSAGE_THREAD : RUSAGE_SELF, &ru) != 0)
		return 0;
	return (uint64_t)ru.ru_nvcsw;
}

static void produce(struct worker *w)
{
	uint64_t i, v;
	int rc;

	for (i = 0; i < w->count; i++) {
		v = ((uint64_t)w->id << ID_SHIFT) | i;
		rc = ring_push_wait(w->r, &v, NULL);
		if (rc != 0)
			FAIL(w, rc);
		w->res->moved++;
		if (w->sc->stall_every && i % w->sc->stall_every == 0) {
			stall();
			w->res->stalls++;
		}
	}
}

/* Pops until -EPIPE; per producer, sequence numbers must arrive in order
 * (each consumer sees a subsequence of each producer's stream). */
static void consume(struct worker *w)
{
	uint64_t next[MAX_WORKERS] = {0};
	uint64_t v;
	int rc, p;

	for (;;) {
		rc = ring_pop_wait(w->r, &v, NULL);
		if (rc == -EPIPE)
			return;
		if (rc != 0)
			FAIL(w, rc);
		p = (int)(v >> ID_SHIFT);
		if (p >= w->sc->np)
			FAIL(w, -__LINE__);
		if ((v & SEQ_MASK) < next[p])
			FAIL(w, -__LINE__);
		if (w->sc->nc == 1 && (v & SEQ_MASK) != next[p])
			FAIL(w, -__LINE__); /* a single consumer sees every element */
		next[p] = (v & SEQ_MASK) + 1;
		w->res->moved++;
	}
}

/* PINGPONG: id 0 serves (push on r, wait for the echo on r2); id 1 echoes. */
static void pingpong(struct worker *w)
{
	uint64_t i, v;
	int rc;

	for (i = 0; i < w->count; i++) {
		if (w->id == 0) {
			v = i;
			if ((rc = ring_push_wait(w->r, &v, NULL)) != 0)
				FAIL(w, rc);
			if ((rc = ring_pop_wait(w->r2, &v, NULL)) != 0)
				FAIL(w, rc);
		} else {
			if ((rc = ring_pop_wait(w->r, &v, NULL)) != 0)
				FAIL(w, rc);
			if ((rc = ring_push_wait(w->r2, &v, NULL)) != 0)
				FAIL(w, rc);
		}
		if (v != i)
			FAIL(w, -__LINE__);
		w->res->moved++;
	}
}

static void run_worker(struct worker *w)
{
	uint64_t cs0 = my_nvcsw(w->threads);

	if (w->sc->shape == PINGPONG)
		pingpong(w);
	else if (w->id < w->sc->np)
		produce(w);
	else
		consume(w);
	w->res->nvcsw = my_nvcsw(w->threads) - cs0;
}

static void *thread_main(void *arg)
{
	run_worker(arg);
	return NULL;
}

/* Each worker gets its own handle (a thread's own attach, or the copy a
 * forked child inherits), as the API asks of concurrent users. */
static int attach_copy(struct ring *dst, const struct ring *src)
{
	return ring_attach_mem(dst, src->map, src->map_len, src->kind);
}

static uint64_t wakes_of(const struct ring *r)
{
	const struct ring_wait_line *wl = &r->shm->wait;

	return (uint64_t)ring_pvt_load(&wl->cons_seq, relaxed) +
	       ring_pvt_load(&wl->prod_seq, relaxed);
}

struct totals {
	uint64_t handoffs, wakes, sleeps;
};

/* Runs one scenario; returns 0 or -1. */
static int run_scenario(const struct scenario *sc, int threads, double scale, struct totals *tot)
{
	struct ring_params p = {.kind = sc->kind, .rule = sc->rule, .slots = sc->slots,
				.elem_size = 8, .flags = RING_F_BLOCKING};
	int nw = sc->shape == PINGPONG ? 2 : sc->np + sc->nc;
	struct ring ring1, ring2, handles[MAX_WORKERS * 2][2];
	struct worker wk[MAX_WORKERS * 2];
	pthread_t tid[MAX_WORKERS * 2];
	pid_t pid[MAX_WORKERS * 2];
	struct result *res;
	struct timespec t0, t1;
	uint64_t count, consumed = 0, produced = 0, nvcsw = 0, stalls = 0, wakes;
	int i, rc, failed = 0;
	double secs;

	count = (uint64_t)((double)(threads ? sc->tsan_count : sc->count) * scale);
	if (count == 0)
		count = 1;
	res = mmap(NULL, sizeof(*res) * (size_t)nw, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		return -1;
	memset(res, 0, sizeof(*res) * (size_t)nw);
	if ((rc = ring_create_anon(&ring1, &p)) != 0 ||
	    (sc->shape == PINGPONG && (rc = ring_create_anon(&ring2, &p)) != 0)) {
		fprintf(stderr, "%s: create: %s\n", sc->name, ring_strerror(rc));
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nw; i++) {
		wk[i] = (struct worker){.sc = sc, .id = i, .threads = threads, .count = count,
					.res = &res[i]};
		if (threads) {
			if (attach_copy(&handles[i][0], &ring1) != 0 ||
			    (sc->shape == PINGPONG && attach_copy(&handles[i][1], &ring2) != 0))
				return -1;
			wk[i].r = &handles[i][0];
			wk[i].r2 = &handles[i][1];
			if (pthread_create(&tid[i], NULL, thread_main, &wk[i]) != 0)
				return -1;
			continue;
		}
		wk[i].r = &ring1;
		wk[i].r2 = &ring2;
		pid[i] = fork();
		if (pid[i] < 0)
			return -1;
		if (pid[i] == 0) {
			/* A hung run killed by its timeout takes the workers along. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			run_worker(&wk[i]);
			_exit(0);
		}
	}
	/* STREAM: once every producer is done, close so the consumers end. */
	for (i = 0; i < nw; i++) {
		if (sc->shape == STREAM && i == sc->np)
			ring_close_write(&ring1);
		if (threads) {
			pthread_join(tid[i], NULL);
		} else {
			int st;

			while (waitpid(pid[i], &st, 0) < 0 && errno == EINTR)
				;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				fprintf(stderr, "%s: worker %d died (status %#x)\n", sc->name, i, st);
				failed = 1;
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i < nw; i++) {
		if (res[i].rc != 0)
			failed = 1;
		if (sc->shape == PINGPONG || i < sc->np)
			produced += res[i].moved;
		else
			consumed += res[i].moved;
		nvcsw += res[i].nvcsw;
		stalls += res[i].stalls;
	}
	if (sc->shape == PINGPONG)
		consumed = produced; /* each side checked every round trip */
	if (produced != count * (uint64_t)(sc->shape == PINGPONG ? 2 : sc->np) ||
	    consumed != (sc->shape == PINGPONG ? produced : count * (uint64_t)sc->np)) {
		fprintf(stderr, "%s: moved %llu, received %llu, expected %llu each\n", sc->name,
			(unsigned long long)produced, (unsigned long long)consumed,
			(unsigned long long)(count * (uint64_t)sc->np));
		failed = 1;
	}
	wakes = wakes_of(&ring1) + (sc->shape == PINGPONG ? wakes_of(&ring2) : 0);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	/* PINGPONG: every round trip is two blocking hand-offs. */
	if (sc->shape == PINGPONG)
		produced = 2 * count;
	else
		produced = count * (uint64_t)sc->np;
	printf("%-28s %9llu hand-offs %6.2f s  %8.0f/s  wakes %9llu  sleeps %9llu%s\n",
	       sc->name, (unsigned long long)produced, secs, (double)produced / secs,
	       (unsigned long long)wakes, (unsigned long long)(nvcsw - stalls),
	       failed ? "  FAILED" : "");
	fflush(stdout);
	tot->handoffs += produced;
	tot->wakes += wakes;
	tot->sleeps += nvcsw - stalls;
	if (threads) {
		for (i = 0; i < nw; i++) {
			ring_close(&handles[i][0]);
			if (sc->shape == PINGPONG)
				ring_close(&handles[i][1]);
		}
	}
	ring_close(&ring1);
	if (sc->shape == PINGPONG)
		ring_close(&ring2);
	munmap(res, sizeof(*res) * (size_t)nw);
	return failed ? -1 : 0;
}

static const struct scenario scenarios[] = {
	/* name                          shape     kind            rule             slots np nc count     stall tsan */
	{"spsc count, 1 slot",           STREAM,   RING_KIND_SPSC, RING_RULE_COUNT, 1, 1, 1, 3000000, 0, 20000},
	{"spsc n-1, 2 slots",            STREAM,   RING_KIND_SPSC, RING_RULE_N1,    2, 1, 1, 2000000, 0, 20000},
	{"spsc count, 4 slots",          STREAM,   RING_KIND_SPSC, RING_RULE_COUNT, 4, 1, 1, 2000000, 0, 20000},
	{"spsc count, 1 slot, stalls",   STREAM,   RING_KIND_SPSC, RING_RULE_COUNT, 1, 1, 1, 400000, 64, 5000},
	{"spsc seq, 2 slots",            STREAM,   RING_KIND_SPSC, RING_RULE_SEQ,   2, 1, 1, 1000000, 0, 20000},
	{"mpmc 1p1c, 2 slots",           STREAM,   RING_KIND_MPMC, RING_RULE_COUNT, 2, 1, 1, 1500000, 0, 20000},
	{"mpmc 2p2c, 4 slots",           STREAM,   RING_KIND_MPMC, RING_RULE_COUNT, 4, 2, 2, 500000, 0, 10000},
	{"ping-pong spsc, 1 slot each",  PINGPONG, RING_KIND_SPSC, RING_RULE_COUNT, 1, 0, 0, 400000, 0, 10000},
	{"ping-pong spsc seq, 2 slots",  PINGPONG, RING_KIND_SPSC, RING_RULE_SEQ,   2, 0, 0, 200000, 0, 5000},
	{"ping-pong mpmc, 1 slot each",  PINGPONG, RING_KIND_MPMC, RING_RULE_COUNT, 1, 0, 0, 200000, 0, 5000},
};

int main(int argc, char **argv)
{
	struct totals tot = {0, 0, 0};
	double scale = 1.0;
	int threads = 0, failed = 0, i;
	uint64_t min_handoffs, min_wakes;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--threads") == 0)
			threads = 1;
		else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc)
			scale = strtod(argv[++i], NULL);
		else {
			fprintf(stderr, "usage: %s [--threads] [--scale F]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < (int)(sizeof(scenarios) / sizeof(scenarios[0])); i++)
		if (run_scenario(&scenarios[i], threads, scale, &tot) != 0)
			failed = 1;
	printf("total: %llu blocking hand-offs, %llu wakes issued, %llu sleeps\n",
	       (unsigned long long)tot.handoffs, (unsigned long long)tot.wakes,
	       (unsigned long long)tot.sleeps);
	/* The full process run must reach 10^7 hand-offs. Scaled-down and
	 * threaded runs only check correctness and that sleeping happened. */
	min_handoffs = !threads && scale >= 1.0 ? 10000000u : 0;
	min_wakes = (uint64_t)(1000.0 * (scale < 1.0 ? scale : 1.0) * (threads ? 0.1 : 1.0));
	if (tot.handoffs < min_handoffs) {
		fprintf(stderr, "only %llu hand-offs, need %llu\n",
			(unsigned long long)tot.handoffs, (unsigned long long)min_handoffs);
		failed = 1;
	}
	if (tot.wakes < min_wakes || tot.wakes == 0) {
		fprintf(stderr, "only %llu wakes: the sleep path was barely exercised\n",
			(unsigned long long)tot.wakes);
		failed = 1;
	}
	return failed ? 1 : 0;
}
