/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the tests: unique shm names, child processes that
 * report through their exit status, a deterministic payload pattern.
 *
 * Criterion runs each Test() in its own process, in parallel, and a forked
 * child that calls any cr_* function hangs the runner. So a child checks with
 * CHILD_CHECK (which _exit()s with a line-derived code on failure) and the
 * parent asserts on test_wait_child()'s result.
 */
#ifndef SHMRING_TEST_COMMON_H
#define SHMRING_TEST_COMMON_H

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * Write "/shmring-t-<tag>-<pid>-<counter>" into buf: unique per process and
 * per call, so parallel test processes never collide. Returns buf.
 */
static inline char *test_shm_name(char *buf, size_t len, const char *tag)
{
	static unsigned counter;

	snprintf(buf, len, "/shmring-t-%s-%ld-%u", tag, (long)getpid(), counter++);
	return buf;
}

/*
 * Wait for child pid. Returns its exit status (0..255), or 1000 + the signal
 * number if it was killed, or -1 if waitpid failed.
 */
static inline int test_wait_child(pid_t pid)
{
	int st;
	pid_t w;

	do
		w = waitpid(pid, &st, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 1000 + WTERMSIG(st);
	return -1;
}

/* Wait until child pid has stopped (SIGSTOP, raised or sent): 0, or -1 if
 * it ended instead. A test that goes on while a child "should" be stopped
 * must know it is: a SIGCONT sent before the stop is lost, and the child
 * then stays stopped for ever. */
static inline int test_wait_stopped(pid_t pid)
{
	int st;
	pid_t w;

	do
		w = waitpid(pid, &st, WUNTRACED);
	while (w < 0 && errno == EINTR);
	return w == pid && WIFSTOPPED(st) ? 0 : -1;
}

/*
 * The children a test started, each the leader of its own process group:
 * test_kids_reap() kills each group and the child itself and reaps it (run
 * on every path out of a test, so no child outlives it); test_kids_forget()
 * drops one child already reaped.
 */
static inline void test_kids_reap(pid_t *kids, unsigned *nkids)
{
	unsigned i;

	for (i = 0; i < *nkids; i++) {
		kill(-kids[i], SIGKILL);
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	*nkids = 0;
}

static inline void test_kids_forget(pid_t *kids, unsigned *nkids, pid_t pid)
{
	unsigned i;

	for (i = 0; i < *nkids; i++)
		if (kids[i] == pid)
			kids[i] = kids[--*nkids];
}

/*
 * For use in a forked child (or a helper program): if cond is false, print
 * where to stderr and _exit() with a nonzero code derived from the line
 * (1..250), so the parent's assertion message points at the failing check.
 */
#define CHILD_CHECK(cond)                                                                  \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: child check failed: %s\n", __FILE__,       \
				__LINE__, #cond);                                          \
			fflush(stderr);                                                    \
			_exit(1 + (__LINE__ % 250));                                       \
		}                                                                          \
	} while (0)

/* Deterministic byte pattern for element `seq`, byte `i`; used to fill and
 * check payloads byte for byte. */
static inline unsigned char test_pattern(uint64_t seq, size_t i)
{
	uint64_t x = seq * UINT64_C(0x9E3779B97F4A7C15) + i * UINT64_C(0xBF58476D1CE4E5B9);

	return (unsigned char)(x >> 56 ^ x >> 29 ^ x);
}

static inline void test_fill(unsigned char *p, size_t esz, uint64_t seq)
{
	size_t i;

	for (i = 0; i < esz; i++)
		p[i] = test_pattern(seq, i);
}

/* 1 if p holds element seq's pattern, else 0. */
static inline int test_check(const unsigned char *p, size_t esz, uint64_t seq)
{
	size_t i;

	for (i = 0; i < esz; i++)
		if (p[i] != test_pattern(seq, i))
			return 0;
	return 1;
}

/* Yield every 64th call of a spin loop so a peer on a busy machine runs. */
static inline void test_spin_pause(unsigned *spins)
{
	if ((++*spins & 63) == 0)
		sched_yield();
}

/* State letter of a process from /proc/<pid>/stat (R, S, T, Z, ...), or 0. */
static inline char test_proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' ? p[2] : 0;
}

/* Sleep us microseconds, through signals. */
static inline void test_pause_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

#endif /* SHMRING_TEST_COMMON_H */
