/* SPDX-License-Identifier: MIT */
/*
 * Running one case of one implementation: set up its channels, fork the
 * children (or start threads for in-process peers), release them together,
 * wait for them under a time limit, and check what they report.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shmbench.h"

enum role { R_TX = BR_TX, R_RX = BR_RX, R_PING = BR_PING, R_PONG = BR_PONG, R_MTX = BR_MTX,
	    R_MRX = BR_MRX };

struct child {
	enum role role;
	int cpu; /* -1: not pinned */
	struct job job;
	pid_t pid;
	pthread_t th;
};

struct run_ctx {
	const struct impl *im;
	struct chan *ch;
	struct ctl *ctl;
	struct child *kids;
	int nkids;
	int idx;
};

static void child_body(const struct impl *im, struct chan *ch, struct ctl *ctl,
		       const struct child *k, int idx)
{
	struct child_res *res = &ctl->res[idx];
	struct rusage ru0, ru1;

	if (k->cpu >= 0 && pin_cpu(k->cpu) != 0) {
		child_fail(res, "cannot pin to CPU %d", k->cpu);
		__atomic_add_fetch(&ctl->ready, 1, __ATOMIC_RELEASE);
		return;
	}
	if (k->job.fifo) {
		/* Same-core stream: under CFS, sched_yield() hands the CPU to
		 * the other process only when their virtual run times are
		 * close, so a full producer (empty consumer) may spin-yield for
		 * a millisecond per ring's worth of messages, or not at all,
		 * from one run to the next. Two SCHED_FIFO processes of equal
		 * priority on one CPU take turns at every yield. Without the
		 * privilege the run stays under CFS (runs.csv: fifo=0 in err). */
		struct sched_param sp = {.sched_priority = 1};

		if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
			snprintf(res->err, sizeof(res->err), "fifo=0");
	}
	if (im->child_init && im->child_init(ch, (int)k->role) != 0) {
		/* Not this run's fault (e.g. RouDi busy): skipped, not failed. */
		snprintf(res->err, sizeof(res->err), "could not connect (child_init)");
		res->ok = -1;
		__atomic_add_fetch(&ctl->ready, 1, __ATOMIC_RELEASE);
		return;
	}
	bench_futex_calls = 0;
	__atomic_add_fetch(&ctl->ready, 1, __ATOMIC_RELEASE);
	/* A SCHED_FIFO child sleeps until go instead of spinning: two
	 * FIFO children that yield to each other on CPU 0 use up the CPU's
	 * real-time budget (kernel.sched_rt_runtime_us, 0.95 s a second)
	 * while they wait, a child not yet FIFO cannot run there until the
	 * kernel throttles them (about 1 s per run), and a run that starts
	 * late in such a period is stopped for 50 ms in the middle: 2 M
	 * messages then take 70 ms whatever the ring (about 30 Mmsg/s). */
	while (!__atomic_load_n(&ctl->go, __ATOMIC_ACQUIRE)) {
		if (k->job.fifo)
			usleep(20);
		else
			sched_yield();
	}
	/* Switches of the timed part only (the start line yields). Threads
	 * (CAP_THREADS) count their own, RUSAGE_THREAD. */
	getrusage(RUSAGE_THREAD, &ru0);
	switch (k->role) {
	case R_TX: im->stream_tx(ch, &k->job, res); break;
	case R_RX: im->stream_rx(ch, &k->job, res); break;
	case R_PING: im->ping(ch, &k->job, res, ctl->samples); break;
	case R_PONG: im->pong(ch, &k->job, res); break;
	case R_MTX: im->mpmc_tx(ch, &k->job, res, ctl); break;
	case R_MRX: im->mpmc_rx(ch, &k->job, res, ctl); break;
	}
	res->t_end = now_ns();
	res->futex = __atomic_load_n(&bench_futex_calls, __ATOMIC_RELAXED);
	getrusage(RUSAGE_THREAD, &ru1);
	res->csw = (uint64_t)(ru1.ru_nvcsw - ru0.ru_nvcsw + ru1.ru_nivcsw - ru0.ru_nivcsw);
	if (im->child_fini)
		im->child_fini(ch, (int)k->role);
}

static void *thread_main(void *arg)
{
	struct run_ctx *rc = (struct run_ctx *)arg;

	child_body(rc->im, rc->ch, rc->ctl, &rc->kids[rc->idx], rc->idx);
	return NULL;
}

/* Start the children, release them at once, wait at most limit_s.
 * Returns ST_OK, ST_DNF (killed at the limit) or ST_FAIL. */
static int run_kids(const struct impl *im, struct chan *ch, struct ctl *ctl, struct child *kids,
		    int n, double limit_s, char *err, size_t errlen)
{
	struct run_ctx rcs[BENCH_MAX_CHILD];
	uint64_t deadline;
	sigset_t set;
	int i, alive = 0, st = ST_OK;

	if (im->caps & CAP_THREADS) {
		for (i = 0; i < n; i++) {
			rcs[i] = (struct run_ctx){im, ch, ctl, kids, n, i};
			if (pthread_create(&kids[i].th, NULL, thread_main, &rcs[i]) != 0) {
				snprintf(err, errlen, "pthread_create failed");
				/* Threads already started wait for go: release
				 * them into a run whose result is discarded. */
				__atomic_store_n(&ctl->go, 1, __ATOMIC_RELEASE);
				while (--i >= 0)
					pthread_join(kids[i].th, NULL);
				return ST_FAIL;
			}
		}
		while (__atomic_load_n(&ctl->ready, __ATOMIC_ACQUIRE) < (uint32_t)n)
			sched_yield();
		ctl->t_go = now_ns();
		__atomic_store_n(&ctl->go, 1, __ATOMIC_RELEASE);
		for (i = 0; i < n; i++)
			pthread_join(kids[i].th, NULL);
		return ST_OK;
	}

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (i = 0; i < n; i++) {
		pid_t p;

		fflush(NULL);
		p = fork();
		if (p < 0) {
			snprintf(err, errlen, "fork: %s", strerror(errno));
			st = ST_FAIL;
			break;
		}
		if (p == 0) {
			child_body(im, ch, ctl, &kids[i], i);
			_exit(0);
		}
		kids[i].pid = p;
		alive++;
	}
	if (st == ST_OK) {
		uint64_t wait_until = now_ns() + 10000000000u;

		while (__atomic_load_n(&ctl->ready, __ATOMIC_ACQUIRE) < (uint32_t)n) {
			if (now_ns() > wait_until) {
				snprintf(err, errlen, "children did not start");
				st = ST_FAIL;
				break;
			}
			usleep(100);
		}
	}
	ctl->t_go = now_ns();
	__atomic_store_n(&ctl->go, 1, __ATOMIC_RELEASE);
	deadline = ctl->t_go + (uint64_t)(limit_s * 1e9);
	while (alive > 0) {
		int status;
		pid_t p = waitpid(-1, &status, WNOHANG);

		if (p > 0) {
			for (i = 0; i < n; i++) {
				if (kids[i].pid == p) {
					kids[i].pid = 0;
					alive--;
					if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
						snprintf(err, errlen, "child %d died (status %#x)", i,
							 status);
						st = ST_FAIL;
					} else if (ctl->res[i].ok != 1 && st == ST_OK) {
						/* A failed check: its peer may now
						 * wait forever; stop the run. */
						snprintf(err, errlen, "child %d: %s", i,
							 ctl->res[i].err);
						st = ctl->res[i].ok < 0 ? ST_SKIP : ST_FAIL;
					}
				}
			}
			continue;
		}
		if (st != ST_OK || now_ns() >= deadline) {
			/* Stalled (or a sibling failed): kill what is left. */
			if (st == ST_OK) {
				st = ST_DNF;
				snprintf(err, errlen, "did not finish in %.1f s", limit_s);
			}
			for (i = 0; i < n; i++)
				if (kids[i].pid > 0)
					kill(kids[i].pid, SIGKILL);
			for (i = 0; i < n; i++) {
				if (kids[i].pid > 0) {
					waitpid(kids[i].pid, NULL, 0);
					kids[i].pid = 0;
				}
			}
			break;
		}
		{
			uint64_t left = deadline - now_ns();
			struct timespec ts = {(time_t)(left / 1000000000u), (long)(left % 1000000000u)};

			/* SIGCHLD is blocked (main): sleep until one comes. */
			sigtimedwait(&set, NULL, &ts);
		}
	}
	return st;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const uint64_t *s, uint64_t n, double p)
{
	uint64_t i = (uint64_t)(p * (double)(n - 1) + 0.5);

	return tsc_to_ns(s[i < n ? i : n - 1]);
}

static int check_res(const struct child_res *r, int i, uint64_t want, char *err, size_t errlen)
{
	if (!r->ok) {
		snprintf(err, errlen, "child %d: %s", i, r->err[0] ? r->err : "did not report");
		return -1;
	}
	if (want != UINT64_MAX && r->count != want) {
		snprintf(err, errlen, "child %d: %llu messages, expected %llu", i,
			 (unsigned long long)r->count, (unsigned long long)want);
		return -1;
	}
	return 0;
}

int run_case(const struct bcase *bc, const struct impl *im, const struct counts *cn,
	     double limit_s, struct result *out)
{
	struct chan ch[2];
	struct child kids[BENCH_MAX_CHILD];
	struct ctl *ctl;
	size_t ctl_len;
	uint64_t count;
	int nch = 1, n = 0, i, st;
	/* Kernel message passing and the bare futex mailbox make a system
	 * call per message: they get the smaller counts. */
	int ipc = (im->caps & CAP_IPC) || ((im->caps & CAP_BLOCK) && !(im->caps & CAP_SHMRING));
	uint64_t t_start = now_ns();

	memset(out, 0, sizeof(*out));
	memset(ch, 0, sizeof(ch));
	memset(kids, 0, sizeof(kids));
	switch (bc->kind) {
	case K_STREAM: count = bc->burst ? cn->stream_burst : ipc ? cn->stream_ipc : cn->stream; break;
	case K_PINGPONG: count = ipc ? cn->pp_ipc : cn->pp; break;
	case K_MPMC: count = cn->mpmc / (uint64_t)bc->np; break;
	case K_IDLE: count = cn->idle; break;
	default: count = ipc ? cn->bstream_ipc : cn->bstream; break;
	}
	ctl_len = sizeof(struct ctl) +
		  ((bc->kind == K_PINGPONG || bc->kind == K_IDLE) ? count * sizeof(uint64_t) : 0);
	ctl = (struct ctl *)shared_alloc(ctl_len);
	if (ctl == NULL) {
		out->status = ST_FAIL;
		snprintf(out->err, sizeof(out->err), "no memory for the control block");
		return out->status;
	}
	if (bc->kind == K_PINGPONG || bc->kind == K_IDLE)
		nch = 2;
	for (i = 0; i < nch; i++) {
		ch[i].esz = bc->esz;
		ch[i].slots = BENCH_SLOTS;
		if (im->setup(&ch[i], bc->esz, BENCH_SLOTS, bc->kind == K_MPMC) != 0) {
			while (--i >= 0)
				im->teardown(&ch[i]);
			shared_free(ctl, ctl_len);
			out->status = ST_SKIP;
			snprintf(out->err, sizeof(out->err), "setup failed");
			return out->status;
		}
	}
	{
		struct job j = {count, bc->esz, bc->burst, bc->same_core, 0, 0, 0, 0};
		int c0 = bc->kind == K_MPMC ? -1 : 0;
		int c1 = bc->kind == K_MPMC ? -1 : bc->same_core ? 0 : 1;

		if (bc->kind == K_IDLE)
			j.gap_ns = cn->idle_gap_ns;
		j.fifo = bc->kind == K_STREAM && bc->same_core;
		switch (bc->kind) {
		case K_STREAM:
		case K_BSTREAM:
			kids[n++] = (struct child){R_TX, c0, j, 0, 0};
			kids[n++] = (struct child){R_RX, c1, j, 0, 0};
			break;
		case K_PINGPONG:
		case K_IDLE:
			kids[n++] = (struct child){R_PING, c0, j, 0, 0};
			kids[n++] = (struct child){R_PONG, c1, j, 0, 0};
			break;
		case K_MPMC:
			j.nprod = bc->np;
			/* Pinned: producer i on CPU i % 2, consumer i on the
			 * other one, so every pair crosses cores. */
			j.yield = 0;
			for (i = 0; i < bc->np; i++) {
				j.index = i;
				kids[n++] = (struct child){R_MTX, bc->same_core ? i % 2 : -1, j, 0, 0};
			}
			for (i = 0; i < bc->np; i++)
				kids[n++] = (struct child){R_MRX, bc->same_core ? (i + 1) % 2 : -1, j, 0, 0};
			break;
		}
	}
	st = run_kids(im, ch, ctl, kids, n, limit_s, out->err, sizeof(out->err));
	if (st == ST_OK) {
		uint64_t t_end = 0;

		for (i = 0; i < n; i++)
			if (ctl->res[i].t_end > t_end)
				t_end = ctl->res[i].t_end;
		/* Two-sided cases: both sides saw every message, with equal sums. */
		if (bc->kind != K_MPMC) {
			if (check_res(&ctl->res[0], 0, count, out->err, sizeof(out->err)) ||
			    check_res(&ctl->res[1], 1, count, out->err, sizeof(out->err))) {
				st = ST_FAIL;
			} else if (ctl->res[0].sum != ctl->res[1].sum) {
				snprintf(out->err, sizeof(out->err), "checksums differ");
				st = ST_FAIL;
			}
		}
		switch (bc->kind) {
		case K_STREAM:
		case K_BSTREAM:
			if (st == ST_OK) {
				out->v[0] = (double)count * 1e3 / (double)(t_end - ctl->t_go);
				out->v[4] = (double)(ctl->res[0].futex + ctl->res[1].futex) / (double)count;
				out->v[5] = (double)(ctl->res[0].csw + ctl->res[1].csw) / (double)count;
			}
			break;
		case K_PINGPONG:
		case K_IDLE:
			if (st == ST_OK) {
				qsort(ctl->samples, count, sizeof(uint64_t), cmp_u64);
				out->v[0] = pct(ctl->samples, count, 0.50);
				out->v[1] = pct(ctl->samples, count, 0.99);
				out->v[2] = pct(ctl->samples, count, 0.999);
				out->v[3] = tsc_to_ns(ctl->samples[count - 1]);
				out->v[4] = (double)(ctl->res[0].futex + ctl->res[1].futex) / (double)count;
				out->v[5] = (double)(ctl->res[0].csw + ctl->res[1].csw) / (double)count;
			}
			break;
		case K_MPMC: {
			uint64_t txsum = 0, rxsum = 0, rxn = 0;

			for (i = 0; i < n && st == ST_OK; i++) {
				int tx = i < bc->np;

				if (check_res(&ctl->res[i], i, tx ? count : UINT64_MAX, out->err,
					      sizeof(out->err)))
					st = ST_FAIL;
				if (tx) {
					txsum += ctl->res[i].sum;
				} else {
					rxsum += ctl->res[i].sum;
					rxn += ctl->res[i].count;
				}
			}
			if (st == ST_OK && rxn != count * (uint64_t)bc->np) {
				snprintf(out->err, sizeof(out->err), "received %llu of %llu messages",
					 (unsigned long long)rxn,
					 (unsigned long long)(count * (uint64_t)bc->np));
				st = ST_FAIL;
			} else if (st == ST_OK && rxsum != txsum) {
				snprintf(out->err, sizeof(out->err), "checksums differ (lost or duplicated)");
				st = ST_FAIL;
			}
			if (st == ST_OK)
				out->v[0] = (double)rxn * 1e3 / (double)(t_end - ctl->t_go);
			break;
		}
		}
	}
	if (st == ST_OK && kids[0].job.fifo &&
	    (strcmp(ctl->res[0].err, "fifo=0") == 0 || strcmp(ctl->res[1].err, "fifo=0") == 0))
		snprintf(out->err, sizeof(out->err), "fifo=0: SCHED_FIFO refused, ran under CFS");
	for (i = 0; i < nch; i++)
		im->teardown(&ch[i]);
	shared_free(ctl, ctl_len);
	out->status = st;
	out->secs = (double)(now_ns() - t_start) / 1e9;
	return st;
}
