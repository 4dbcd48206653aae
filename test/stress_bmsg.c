/* SPDX-License-Identifier: MIT */
/*
 * Broadcast message rings across processes: one producer, C consumer
 * processes, `total` messages of pseudo-random length 0..max, each with
 * its sequence number and a checksum where it has room.
 *
 *   stress_bmsg fork|exec bp|lossy C total [slots [max [churn]]]
 *
 * fork: the consumers are forked children; exec: separately started
 * programs (this binary, run again as "stress_bmsg reader NAME ...") that
 * attach by name. churn: that many more children join and leave again and
 * again while the stream runs, checking what they read in between.
 *
 * Every message's length and bytes are functions of its sequence number,
 * so a consumer checks each one against the sequence it expects (the
 * previous one + 1 + the missed count the ring reports): back-pressure,
 * every consumer gets every message in order with nothing missed; lossy,
 * received + missed == total and every message delivered is whole. Exit 0
 * on success. Children run in their own process group with
 * PR_SET_PDEATHSIG, and the parent kills and reaps them on every path.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <shmring/shmring.h>

#include "common.h"

#define MAXC 16

static pid_t kids[2 * MAXC];
static unsigned nkids;

static void reap_all(void)
{
	test_kids_reap(kids, &nkids);
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "stress_bmsg: %s: %s\n", what, rc < 0 ? ring_strerror(rc) : "failed");
	reap_all();
	exit(1);
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	return x ^ (x >> 33);
}

/* Length of message seq: mostly random in 0..max, with 0, max and small
 * ones often enough. */
static size_t msg_len(uint64_t seq, size_t max)
{
	uint64_t h = mix(seq + 0x1234);

	switch (h & 15) {
	case 0: return 0;
	case 1: return max;
	case 2: return (size_t)((h >> 8) % (max < 16 ? max + 1 : 16));
	default: return (size_t)((h >> 8) % (max + 1));
	}
}

static uint64_t fnv(const unsigned char *b, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(0x100000001b3);
	return h;
}

/* Bytes of message seq: its sequence number (first 8 bytes), bytes of a
 * stream seeded by it, and a checksum of the rest (last 8 bytes) when it
 * is at least 24 bytes long. */
static void make(unsigned char *b, uint64_t seq, size_t len)
{
	size_t i;
	uint64_t x = mix(seq);

	for (i = 0; i < len; i++) {
		if ((i & 7) == 0)
			x = mix(x + i);
		b[i] = (unsigned char)(x >> (8 * (i & 7)));
	}
	if (len >= 8)
		memcpy(b, &seq, 8);
	if (len >= 24) {
		uint64_t h = fnv(b, len - 8);

		memcpy(b + len - 8, &h, 8);
	}
}

static int check(const unsigned char *b, size_t len, uint64_t seq, size_t max, unsigned char *tmp)
{
	if (len != msg_len(seq, max))
		return 0;
	if (len >= 24) {
		uint64_t h;

		memcpy(&h, b + len - 8, 8);
		if (h != fnv(b, len - 8))
			return 0;
	}
	make(tmp, seq, len);
	return memcmp(tmp, b, len) == 0;
}

/* One consumer: joins (already attached as r), reads to the end of the
 * stream. full: joined before the first message, so it must account for
 * every one of `total`. churn: leaves after a few messages, joins again,
 * until the end. Returns the exit status. */
static int reader(struct ring *r, int lossy, uint64_t total, size_t max, int full, int churn)
{
	unsigned char *buf = malloc(max + 1), *tmp = malloc(max + 1);
	uint64_t next = UINT64_MAX, got = 0, missed_sum = 0, m, round = 0;
	size_t len;
	int rc;

	if (buf == NULL || tmp == NULL)
		return 10;
	if (!full && ring_bcast_join(r) != 0)
		return 11;
	for (;;) {
		rc = ring_bcast_recv_wait(r, buf, max, &len, &m, NULL);
		if (rc == -EPIPE)
			break;
		if (rc != 0) {
			fprintf(stderr, "reader %d: recv: %s\n", (int)getpid(), ring_strerror(rc));
			return 12;
		}
		if (!lossy && m != 0)
			return 13;
		missed_sum += m;
		if (next == UINT64_MAX) {
			/* A churner's first message after a join: its sequence
			 * is in it (when it has 8 bytes), or unknown. */
			if (len >= 8) {
				memcpy(&next, buf, 8);
			} else {
				got++;
				continue;
			}
		} else {
			next += m;
		}
		if (!check(buf, len, next, max, tmp)) {
			fprintf(stderr, "reader %d: message %llu (len %zu) is not the one expected\n",
				(int)getpid(), (unsigned long long)next, len);
			return 14;
		}
		next++;
		got++;
		if (churn && (mix(got + round) & 255) == 0) {
			if (ring_bcast_leave(r) != 0 || ring_bcast_join(r) != 0)
				return 15;
			next = UINT64_MAX;
			round++;
		}
	}
	if (full) {
		if (got + ring_bcast_missed(r) != total || missed_sum > ring_bcast_missed(r)) {
			fprintf(stderr, "reader %d: got %llu + missed %llu != %llu\n", (int)getpid(),
				(unsigned long long)got, (unsigned long long)ring_bcast_missed(r),
				(unsigned long long)total);
			return 16;
		}
		if (!lossy && got != total)
			return 17;
		if (!lossy && next != total)
			return 18;
	}
	free(buf);
	free(tmp);
	return 0;
}

static pid_t spawn_reader(struct ring *r, int lossy, uint64_t total, size_t max, int churn,
			  int pipefd)
{
	pid_t parent = getpid(), pid = fork();

	if (pid < 0)
		die("fork", -errno);
	if (pid == 0) {
		int rc;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(2);
		setpgid(0, 0);
		if (!churn && ring_bcast_join(r) != 0)
			_exit(3);
		if (write(pipefd, "r", 1) != 1)
			_exit(4);
		rc = reader(r, lossy, total, max, !churn, churn);
		_exit(rc);
	}
	setpgid(pid, pid);
	kids[nkids++] = pid;
	return pid;
}

/* exec mode, the consumer program: attach by name, join, say so, read. */
static int reader_main(char **argv)
{
	struct ring r;
	int lossy = strcmp(argv[3], "lossy") == 0, rc;
	uint64_t total = strtoull(argv[4], NULL, 0);
	size_t max = (size_t)strtoull(argv[5], NULL, 0);
	int fd = atoi(argv[6]);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	rc = ring_open(&r, argv[2], RING_KIND_BCAST);
	if (rc < 0)
		return 20;
	if (ring_bcast_join(&r) != 0)
		return 21;
	if (write(fd, "r", 1) != 1)
		return 22;
	rc = reader(&r, lossy, total, max, 1, 0);
	ring_close(&r);
	return rc;
}

int main(int argc, char **argv)
{
	struct ring_params p = {RING_KIND_BCAST, RING_RULE_COUNT, 1u << 16, 1000,
				RING_F_BCAST_MSG | RING_F_BLOCKING, 0, 0, 0};
	struct ring prod;
	char name[64];
	unsigned char *msg;
	int pfd[2], lossy, exec_mode, failed = 0, rc;
	unsigned c, churn = 0, i;
	uint64_t total, seq;
	size_t max;

	if (argc >= 7 && strcmp(argv[1], "reader") == 0)
		return reader_main(argv);
	if (argc < 5) {
		fprintf(stderr, "usage: stress_bmsg fork|exec bp|lossy C total [slots [max [churn]]]\n");
		return 2;
	}
	exec_mode = strcmp(argv[1], "exec") == 0;
	lossy = strcmp(argv[2], "lossy") == 0;
	c = (unsigned)atoi(argv[3]);
	total = strtoull(argv[4], NULL, 0);
	if (argc > 5)
		p.slots = strtoull(argv[5], NULL, 0);
	if (argc > 6)
		p.elem_size = strtoull(argv[6], NULL, 0);
	if (argc > 7)
		churn = (unsigned)atoi(argv[7]);
	if (c < 1 || c > MAXC || churn > MAXC)
		return 2;
	max = (size_t)p.elem_size;
	if (lossy)
		p.flags |= RING_F_BCAST_LOSSY;
	p.max_parts = 2 * MAXC + 4;
	snprintf(name, sizeof(name), "/stress_bmsg_%d", (int)getpid());
	rc = ring_create(&prod, name, &p);
	if (rc < 0)
		die("create", rc);
	if (pipe(pfd) != 0)
		die("pipe", -errno);
	for (i = 0; i < c; i++) {
		if (exec_mode) {
			pid_t parent = getpid(), pid = fork();
			char fdbuf[16], totbuf[32], maxbuf[32];

			if (pid < 0)
				die("fork", -errno);
			if (pid == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				if (getppid() != parent)
					_exit(2);
				setpgid(0, 0);
				snprintf(fdbuf, sizeof(fdbuf), "%d", pfd[1]);
				snprintf(totbuf, sizeof(totbuf), "%llu", (unsigned long long)total);
				snprintf(maxbuf, sizeof(maxbuf), "%zu", max);
				execl("/proc/self/exe", argv[0], "reader", name, argv[2], totbuf, maxbuf, fdbuf,
				      (char *)NULL);
				_exit(5);
			}
			setpgid(pid, pid);
			kids[nkids++] = pid;
		} else {
			spawn_reader(&prod, lossy, total, max, 0, pfd[1]);
		}
	}
	for (i = 0; i < c; i++) {
		char ch;

		if (read(pfd[0], &ch, 1) != 1)
			die("a reader died before joining", 0);
	}
	for (i = 0; i < churn; i++)
		spawn_reader(&prod, lossy, total, max, 1, pfd[1]);
	rc = ring_bcast_producer(&prod);
	if (rc < 0)
		die("producer", rc);
	msg = malloc(max + 1);
	if (msg == NULL)
		die("malloc", -ENOMEM);
	for (seq = 0; seq < total; seq++) {
		size_t len = msg_len(seq, max);
		void *ptr;

		/* Every fourth message through the zero-copy calls. */
		if ((seq & 3) == 3) {
			rc = ring_bcast_reserve_wait(&prod, len, &ptr, NULL);
			if (rc < 0)
				die("reserve", rc);
			make(ptr, seq, len);
			rc = ring_bcast_commit(&prod, len);
		} else {
			make(msg, seq, len);
			rc = ring_bcast_send_wait(&prod, msg, len, NULL);
		}
		if (rc < 0)
			die("send", rc);
	}
	ring_close_write(&prod);
	for (i = 0; i < nkids; i++) {
		int st;

		if (waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "stress_bmsg: consumer %u: %s %d\n", i,
				WIFEXITED(st) ? "exit" : "signal",
				WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			failed = 1;
		}
	}
	nkids = 0;
	{
		struct ring_stats st;

		if (ring_stats(&prod, &st) == 0)
			printf("stress_bmsg %s %s: %u consumers (+%u churning), %llu messages; "
			       "cons.ops %llu, missed %llu\n",
			       argv[1], argv[2], c, churn, (unsigned long long)total,
			       (unsigned long long)st.cons.ops, (unsigned long long)st.cons.kind[0]);
	}
	ring_close(&prod);
	ring_unlink(name);
	free(msg);
	return failed;
}
