/* SPDX-License-Identifier: MIT */
/*
 * demo: a producer process and a consumer process, started separately, pass
 * sequence-numbered messages through a named ring. The consumer checks every
 * message and prints what passed and how fast.
 *
 *   demo [messages [n1|count]]          run both sides (default 20000000, count)
 *   demo produce NAME messages          one side, attaching to NAME
 *   demo consume NAME messages          the other side
 */
#include <shmring/shmring.h>

#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define BURST 32

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Attach by name with our role and element size, waiting up to 5 s for the
 * other side to create the ring. */
static int attach(struct ring *r, const char *name, uint32_t role)
{
	struct ring_attach_opts o;
	struct timespec deadline;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 5;
	memset(&o, 0, sizeof(o));
	o.roles = role;
	o.flags = RING_ATTACH_WAIT;
	o.kind = RING_KIND_SPSC;
	o.elem_size = sizeof(uint64_t);
	o.deadline = &deadline;
	rc = ring_attach(r, name, &o);
	if (rc < 0)
		fprintf(stderr, "demo: ring_attach %s: %s\n", name, ring_strerror(rc));
	return rc;
}

static int produce(const char *name, uint64_t total)
{
	uint64_t buf[BURST], next = 0;
	struct ring r;
	size_t i, n;
	ssize_t rc;

	if (attach(&r, name, RING_ROLE_PRODUCER) < 0)
		return 1;
	while (next < total) {
		n = total - next < BURST ? (size_t)(total - next) : BURST;
		for (i = 0; i < n; i++)
			buf[i] = next + i;
		rc = ring_push_burst_wait(&r, buf, n, NULL);
		if (rc < 0) {
			fprintf(stderr, "demo: push: %s\n", ring_strerror((int)rc));
			ring_close(&r);
			return 1;
		}
		next += (uint64_t)rc; /* a burst may move fewer than n */
	}
	ring_close_write(&r);
	ring_close(&r);
	printf("producer: pushed %" PRIu64 " messages\n", next);
	return 0;
}

static int consume(const char *name, uint64_t total)
{
	uint64_t buf[BURST], expect = 0, bad = 0;
	double t0 = 0, t1;
	struct ring r;
	ssize_t rc, i;

	if (attach(&r, name, RING_ROLE_CONSUMER) < 0)
		return 1;
	for (;;) {
		rc = ring_pop_burst_wait(&r, buf, BURST, NULL);
		if (rc < 0)
			break;
		if (expect == 0)
			t0 = now_s();
		for (i = 0; i < rc; i++, expect++)
			bad += buf[i] != expect;
	}
	t1 = now_s();
	ring_close(&r);
	if (rc != -EPIPE) {
		fprintf(stderr, "demo: pop: %s\n", ring_strerror((int)rc));
		return 1;
	}
	printf("consumer: received %" PRIu64 " of %" PRIu64 " messages, %" PRIu64
	       " out of sequence, %" PRIu64 " missing\n",
	       expect, total, bad, total > expect ? total - expect : 0);
	if (t1 > t0)
		printf("consumer: %.1f million messages/s (8-byte messages, bursts of %d)\n",
		       (double)expect / (t1 - t0) / 1e6, BURST);
	return bad != 0 || expect != total;
}

static pid_t spawn_side(const char *self, const char *role, const char *name, const char *count)
{
	char *argv[] = {(char *)self, (char *)role, (char *)name, (char *)count, NULL};
	pid_t pid;
	int rc = posix_spawn(&pid, self, NULL, NULL, argv, environ);

	if (rc != 0) {
		fprintf(stderr, "demo: spawn %s: %s\n", role, strerror(rc));
		return -1;
	}
	return pid;
}

int main(int argc, char **argv)
{
	struct ring_params p = {
		.kind = RING_KIND_SPSC,
		.rule = RING_RULE_COUNT,
		.slots = 4096,
		.elem_size = sizeof(uint64_t),
		.flags = RING_F_BLOCKING,
	};
	char name[64], count[32], self[4096];
	uint64_t total = 20000000;
	pid_t cons, prod;
	int st1 = 1, st2 = 1, rc;
	ssize_t len;
	struct ring r;

	if (argc == 4 && strcmp(argv[1], "produce") == 0)
		return produce(argv[2], strtoull(argv[3], NULL, 10));
	if (argc == 4 && strcmp(argv[1], "consume") == 0)
		return consume(argv[2], strtoull(argv[3], NULL, 10));
	if (argc > 1)
		total = strtoull(argv[1], NULL, 10);
	if (argc > 2 && strcmp(argv[2], "n1") == 0)
		p.rule = RING_RULE_N1;

	snprintf(name, sizeof(name), "/shmring-demo-%ld", (long)getpid());
	snprintf(count, sizeof(count), "%" PRIu64, total);
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0) {
		perror("demo: readlink /proc/self/exe");
		return 1;
	}
	self[len] = '\0';
	rc = ring_create(&r, name, &p);
	if (rc < 0) {
		fprintf(stderr, "demo: ring_create %s: %s\n", name, ring_strerror(rc));
		return 1;
	}
	printf("demo: ring %s, %s rule, %zu slots, capacity %zu; two processes, %s messages\n",
	       name, p.rule == RING_RULE_N1 ? "n-1" : "count", (size_t)p.slots, ring_capacity(&r),
	       count);
	fflush(stdout);
	cons = spawn_side(self, "consume", name, count);
	prod = spawn_side(self, "produce", name, count);
	if (cons > 0)
		waitpid(cons, &st1, 0);
	if (prod > 0)
		waitpid(prod, &st2, 0);
	ring_close(&r);
	ring_unlink(name);
	rc = cons > 0 && prod > 0 && WIFEXITED(st1) && WEXITSTATUS(st1) == 0 && WIFEXITED(st2) &&
	     WEXITSTATUS(st2) == 0;
	printf("demo: %s\n", rc ? "all messages passed in order" : "FAILED");
	return !rc;
}
