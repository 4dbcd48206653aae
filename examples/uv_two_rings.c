/* SPDX-License-Identifier: MIT */
/*
 * One libuv loop serving two rings and a timer: two producer processes each
 * open a named blocking ring by its name and feed it at their own pace
 * (bursts, idle gaps), then close it; this process watches both rings'
 * readiness descriptors with uv_poll_t, drains whichever is ready, reports
 * from a uv_timer_t every 50 ms, checks every value (in order, none
 * missing) and stops when both streams have ended.
 *
 *   uv_two_rings [COUNT]     COUNT values per producer (default 100000)
 *
 * The pattern per ring: pop until -EAGAIN, ring_waitfd_arm (1: ready
 * meanwhile, pop again), then let the loop poll the descriptor, with a
 * one-shot uv_timer_t of ring_waitfd_timeout_ms() beside it (the bound a
 * producer that dies while waking needs); whichever fires first,
 * ring_waitfd_consume and pop again.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include <shmring/shmring.h>

#define NRING 2

struct feed {
	char name[64];
	struct ring r;
	struct ring_waitfd wf;
	uv_poll_t poll;
	uv_timer_t bound; /* ring_waitfd_timeout_ms while armed */
	uint64_t expect;  /* next value; also the count received */
	int ended, failed;
};

static struct feed feeds[NRING];
static uv_timer_t report;
static uint64_t count;
static int open_feeds = NRING;

static void producer(const char *name, uint64_t n, unsigned burst, long gap_ns)
{
	struct timespec gap = {0, gap_ns};
	struct ring r;
	uint64_t v;
	int rc;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* A separate attachment by name, as an unrelated process would. */
	rc = ring_open(&r, name, RING_KIND_SPSC);
	if (rc != 0) {
		fprintf(stderr, "producer: ring_open %s: %s\n", name, ring_strerror(rc));
		_exit(1);
	}
	for (v = 0; v < n; v++) {
		rc = ring_push_wait(&r, &v, NULL);
		if (rc != 0) {
			fprintf(stderr, "producer: %s\n", ring_strerror(rc));
			_exit(1);
		}
		if (v % burst == burst - 1)
			nanosleep(&gap, NULL); /* idle: the reader goes back to its loop */
	}
	ring_close_write(&r);
	ring_close(&r);
	_exit(0);
}

static void on_poll(uv_poll_t *h, int status, int events);
static void on_bound(uv_timer_t *t);

static void feed_end(struct feed *f)
{
	f->ended = 1;
	uv_poll_stop(&f->poll);
	uv_timer_stop(&f->bound);
	if (--open_feeds == 0)
		uv_timer_stop(&report);
}

/* Pop what is there, then arm and leave the rest to the loop. */
static void feed_drain(struct feed *f)
{
	uint64_t v;
	int rc, t;

	for (;;) {
		while ((rc = ring_pop(&f->r, &v)) == 0) {
			if (v != f->expect) {
				fprintf(stderr, "%s: got %" PRIu64 ", expected %" PRIu64 "\n", f->name,
					v, f->expect);
				f->failed = 1;
			}
			f->expect = v + 1;
		}
		if (rc == -EPIPE) { /* end of stream, drained */
			feed_end(f);
			return;
		}
		if (rc != -EAGAIN) {
			fprintf(stderr, "%s: ring_pop: %s\n", f->name, ring_strerror(rc));
			f->failed = 1;
			feed_end(f);
			return;
		}
		rc = ring_waitfd_arm(&f->wf);
		if (rc == 1)
			continue; /* ready meanwhile */
		if (rc < 0) {
			fprintf(stderr, "%s: ring_waitfd_arm: %s\n", f->name, ring_strerror(rc));
			f->failed = 1;
			feed_end(f);
			return;
		}
		t = ring_waitfd_timeout_ms(&f->wf);
		if (t >= 0)
			uv_timer_start(&f->bound, on_bound, (uint64_t)t, 0);
		return;
	}
}

static void feed_wake(struct feed *f)
{
	if (f->ended)
		return;
	uv_timer_stop(&f->bound);
	ring_waitfd_consume(&f->wf);
	feed_drain(f);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	(void)status;
	(void)events;
	feed_wake((struct feed *)h->data);
}

static void on_bound(uv_timer_t *t) { feed_wake((struct feed *)t->data); }

static void on_report(uv_timer_t *t)
{
	(void)t;
	printf("tick: %" PRIu64 " + %" PRIu64 " values\n", feeds[0].expect, feeds[1].expect);
}

int main(int argc, char **argv)
{
	struct ring_params p = {RING_KIND_SPSC, RING_RULE_COUNT, 256, sizeof(uint64_t),
				RING_F_BLOCKING, 0, 0, 0};
	uv_loop_t *loop = uv_default_loop();
	pid_t pid[NRING];
	int i, rc, st, status = 0;

	count = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
	for (i = 0; i < NRING; i++) {
		struct feed *f = &feeds[i];

		snprintf(f->name, sizeof(f->name), "/shmring-uv-%d-%d", (int)getpid(), i);
		rc = ring_create(&f->r, f->name, &p);
		if (rc != 0) {
			fprintf(stderr, "ring_create %s: %s\n", f->name, ring_strerror(rc));
			return 1;
		}
	}
	for (i = 0; i < NRING; i++) {
		pid[i] = fork();
		if (pid[i] == 0)
			producer(feeds[i].name, count, i == 0 ? 1000 : 7, i == 0 ? 200000 : 20000);
	}
	for (i = 0; i < NRING; i++) {
		struct feed *f = &feeds[i];

		rc = ring_waitfd_open(&f->wf, &f->r, RING_WAITFD_DATA);
		if (rc < 0) {
			fprintf(stderr, "ring_waitfd_open: %s\n", ring_strerror(rc));
			status = 1;
			goto out;
		}
		uv_poll_init(loop, &f->poll, f->wf.fd);
		uv_timer_init(loop, &f->bound);
		f->poll.data = f;
		f->bound.data = f;
		uv_poll_start(&f->poll, UV_READABLE, on_poll);
		feed_drain(f);
	}
	uv_timer_init(loop, &report);
	uv_timer_start(&report, on_report, 50, 50);
	uv_run(loop, UV_RUN_DEFAULT);
	for (i = 0; i < NRING; i++) {
		uv_close((uv_handle_t *)&feeds[i].poll, NULL);
		uv_close((uv_handle_t *)&feeds[i].bound, NULL);
	}
	uv_close((uv_handle_t *)&report, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
out:
	for (i = 0; i < NRING; i++) {
		struct feed *f = &feeds[i];

		ring_waitfd_close(&f->wf);
		ring_close(&f->r);
		ring_unlink(f->name);
		if (status != 0)
			kill(pid[i], SIGKILL);
		if (waitpid(pid[i], &st, 0) != pid[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			status = 1;
		if (f->failed || f->expect != count)
			status = 1;
	}
	printf("done: %" PRIu64 " + %" PRIu64 " values of %" PRIu64 " each%s\n", feeds[0].expect,
	       feeds[1].expect, count, status ? " (FAILED)" : "");
	return status;
}
