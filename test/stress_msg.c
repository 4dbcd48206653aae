/* SPDX-License-Identifier: MIT */
/*
 * Message-ring and byte-stream stress across processes or threads.
 *
 *   stress_msg MODE KIND REGION P TOTAL MAX SLOTS API [FLAGS]
 *     MODE    proc (fork), exec (separately started programs, posix_spawn
 *             of this program, attaching by name), thread
 *     KIND    msg | bytes
 *     REGION  anon | named | memfd | mem (exec: named only)
 *     P       producers (bytes: 1); msg rings with P > 1 get RING_F_MSG_MP
 *     TOTAL   messages (msg) or bytes (bytes), over all producers
 *     MAX     largest message (msg) or largest write/read (bytes)
 *     SLOTS   data bytes of the ring (a power of two)
 *     API     copy | zc | mix: send/recv, reserve/commit + peek/release
 *             (spans for bytes), or a random mix of all, burst receive and
 *             aborted reservations included
 *     FLAGS   any of: b (RING_F_BLOCKING and the waiting calls), m
 *             (RING_F_MSG_MP even with one producer)
 *
 * Messages: producer i sends its share of TOTAL, message s having the
 * length and bytes msg_common.h derives from (i, s) (length 0..MAX with one
 * producer, 1..MAX with many: byte 0 names the producer). The consumer
 * checks every message byte for byte against what (i, next s of i) must
 * be: a lost, duplicated, reordered or torn message fails the run; at the
 * end every producer's count must be its share. Byte streams: the writer
 * writes TOTAL bytes of a position-derived stream in random pieces, the
 * reader reads random pieces and checks each byte and an FNV-1a checksum
 * of the whole stream against the writer's. Exit 0 on success.
 *
 * Every child dies with the parent (PR_SET_PDEATHSIG) and with a watchdog
 * alarm; the parent closes the ring when all producers are done and the
 * consumer runs to -EPIPE.
 */
#include <shmring/shmring.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msg_common.h"

#define MAX_PROD 16
#define WATCHDOG_S 280

extern char **environ;

static const char *mode, *kind, *region, *api;
static unsigned nprod;
static uint64_t total, maxlen, slots;
static int blocking, mpflag;
static char name[96];
static struct ring creator;
static void *mem_region;
static size_t mem_len;

struct result {
	uint64_t count[MAX_PROD];
	uint64_t fnv_sent, fnv_recv, bytes;
	int fail;
	char why[128];
};
static struct result *res;

#define FAIL(...)                                                              \
	do {                                                                   \
		snprintf(res->why, sizeof(res->why), __VA_ARGS__);             \
		res->fail = 1;                                                 \
		fprintf(stderr, "stress_msg: %s\n", res->why);                 \
		return 1;                                                      \
	} while (0)

static uint64_t rnd(uint64_t *s)
{
	*s = *s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return *s >> 33;
}

static void backoff(unsigned *spins)
{
	if (++*spins > 16) {
		sched_yield();
		*spins = 0;
	}
}

static int attach(struct ring *r)
{
	uint32_t k = strcmp(kind, "msg") == 0 ? RING_KIND_MSG : RING_KIND_BYTES;

	if (strcmp(region, "named") == 0)
		return ring_open(r, name, k);
	if (strcmp(region, "memfd") == 0)
		return ring_open_fd(r, ring_fd(&creator), k);
	if (strcmp(region, "mem") == 0)
		return ring_attach_mem(r, mem_region, mem_len, k);
	*r = creator; /* anon: the inherited handle */
	return 0;
}

static uint64_t share(unsigned id)
{
	return total / nprod + (id < total % nprod ? 1 : 0);
}

static size_t min_len(void)
{
	return nprod > 1 || mpflag ? 1 : 0;
}

/* ---- messages ---------------------------------------------------------- */

static int msg_producer(struct ring *r, unsigned id)
{
	unsigned char *buf = malloc(maxlen + 1);
	uint64_t seq, n = share(id), rs = 0x1234 + id;
	int zc = strcmp(api, "zc") == 0, mix = strcmp(api, "mix") == 0;

	if (buf == NULL)
		FAIL("malloc");
	for (seq = 0; seq < n; seq++) {
		size_t len = mt_len(id, seq, min_len(), (size_t)maxlen);
		unsigned how = mix ? (unsigned)(rnd(&rs) % 4) : zc ? 1u : 0u;
		unsigned spins = 0;
		int rc;

		if (how == 0 || how == 3)
			mt_fill(buf, len, id, seq);
		for (;;) {
			void *ptr;

			if (how == 0 || how == 3) {
				rc = blocking ? ring_msg_send_wait(r, buf, len, NULL)
					      : ring_msg_send(r, buf, len);
			} else {
				/* Reserve up to max, commit the real length;
				 * sometimes abort first and reserve again. */
				size_t want = how == 2 ? (size_t)maxlen : len;

				rc = blocking ? ring_msg_reserve_wait(r, want, &ptr, NULL)
					      : ring_msg_reserve(r, want, &ptr);
				if (rc == 0 && how == 2 && (rnd(&rs) & 7) == 0) {
					if (ring_msg_abort(r) != 0)
						FAIL("abort");
					continue;
				}
				if (rc == 0) {
					mt_fill(ptr, len, id, seq);
					rc = ring_msg_commit(r, len);
				}
			}
			if (rc == 0)
				break;
			if (rc != -EAGAIN && rc != -EBUSY)
				FAIL("producer %u seq %" PRIu64 ": %s", id, seq, ring_strerror(rc));
			backoff(&spins);
		}
	}
	free(buf);
	return 0;
}

static int msg_take(struct ring *r, const unsigned char *p, size_t len, uint64_t *next,
		    unsigned char *scratch)
{
	unsigned id = nprod > 1 || mpflag ? (len ? p[0] : 255u) : 0u;
	uint64_t seq;

	if (id >= nprod)
		FAIL("message of length %zu from no producer (%u)", len, id);
	seq = next[id]++;
	if (len != mt_len(id, seq, min_len(), (size_t)maxlen))
		FAIL("producer %u seq %" PRIu64 ": length %zu, want %zu (lost or reordered)", id,
		     seq, len, mt_len(id, seq, min_len(), (size_t)maxlen));
	if (!mt_check(p, len, id, seq, scratch))
		FAIL("producer %u seq %" PRIu64 ": payload differs (torn)", id, seq);
	res->bytes += len;
	(void)r;
	return 0;
}

static int msg_consumer(struct ring *r)
{
	uint64_t next[MAX_PROD] = {0}, rs = 99;
	size_t bufcap = 65536 + (size_t)maxlen;
	unsigned char *buf = malloc(bufcap), *scratch = malloc(maxlen + 1);
	size_t lens[32];
	int zc = strcmp(api, "zc") == 0, mix = strcmp(api, "mix") == 0;
	unsigned i, spins = 0;

	if (buf == NULL || scratch == NULL)
		FAIL("malloc");
	for (;;) {
		unsigned how = mix ? (unsigned)(rnd(&rs) % 3) : zc ? 1u : 0u;
		size_t len = 0;
		ssize_t rc;

		if (how == 0) {
			rc = blocking ? ring_msg_recv_wait(r, buf, (size_t)maxlen, &len, NULL)
				      : ring_msg_recv(r, buf, (size_t)maxlen, &len);
			if (rc == 0 && msg_take(r, buf, len, next, scratch))
				return 1;
		} else if (how == 1) {
			const void *p;

			rc = blocking ? ring_msg_peek_wait(r, &p, &len, NULL) : ring_msg_peek(r, &p, &len);
			if (rc == 0) {
				if (msg_take(r, p, len, next, scratch))
					return 1;
				rc = ring_msg_release(r);
				if (rc != 0)
					FAIL("release: %s", ring_strerror((int)rc));
			}
		} else {
			size_t n = 1 + rnd(&rs) % 32, cap = (size_t)maxlen + rnd(&rs) % 65536, off = 0;

			rc = blocking ? ring_msg_recv_burst_wait(r, buf, cap, lens, n, NULL)
				      : ring_msg_recv_burst(r, buf, cap, lens, n);
			for (i = 0; rc > 0 && i < (unsigned)rc; i++) {
				if (msg_take(r, buf + off, lens[i], next, scratch))
					return 1;
				off += lens[i];
			}
			if (rc > 0)
				rc = 0;
		}
		if (rc == -EPIPE)
			break;
		/* -ECONNRESET: every producer has exited (verified dead: they
		 * do not close the stream); the parent closes it next. */
		if (rc == -EAGAIN || rc == -ECONNRESET) {
			if (rc == -ECONNRESET)
				usleep(1000);
			backoff(&spins);
			continue;
		}
		if (rc != 0)
			FAIL("consumer: %s", ring_strerror((int)rc));
	}
	for (i = 0; i < nprod; i++) {
		res->count[i] = next[i];
		if (next[i] != share(i))
			FAIL("producer %u: %" PRIu64 " messages received, %" PRIu64 " sent", i, next[i],
			     share(i));
	}
	free(buf);
	free(scratch);
	return 0;
}

/* ---- byte stream ------------------------------------------------------- */

static int bytes_writer(struct ring *r)
{
	unsigned char *buf = malloc(maxlen);
	uint64_t pos = 0, rs = 7, fnv = UINT64_C(0xcbf29ce484222325);
	int zc = strcmp(api, "zc") == 0, mix = strcmp(api, "mix") == 0;
	unsigned spins = 0;

	if (buf == NULL)
		FAIL("malloc");
	while (pos < total) {
		size_t want = 1 + (size_t)(rnd(&rs) % maxlen);
		unsigned how = mix ? (unsigned)(rnd(&rs) % 2) : zc ? 1u : 0u;
		ssize_t k;

		if (want > total - pos)
			want = (size_t)(total - pos);
		if (how == 0) {
			mt_stream_fill(buf, pos, want);
			k = blocking ? ring_bytes_write_wait(r, buf, want, NULL)
				     : ring_bytes_write(r, buf, want);
			if (k > 0)
				fnv = mt_fnv(fnv, buf, (size_t)k);
		} else {
			void *p;

			k = blocking ? ring_span_reserve_wait(r, want, &p, NULL)
				     : ring_span_reserve(r, want, &p);
			if (k > 0) {
				mt_stream_fill(p, pos, (size_t)k);
				fnv = mt_fnv(fnv, p, (size_t)k);
				if (ring_span_commit(r, (size_t)k) != 0)
					FAIL("span commit");
			}
		}
		if (k > 0) {
			pos += (uint64_t)k;
			continue;
		}
		if (k != -EAGAIN)
			FAIL("writer at %" PRIu64 ": %s", pos, ring_strerror((int)k));
		backoff(&spins);
	}
	res->fnv_sent = fnv;
	free(buf);
	return 0;
}

static int bytes_reader(struct ring *r)
{
	unsigned char *buf = malloc(maxlen);
	uint64_t pos = 0, rs = 11, fnv = UINT64_C(0xcbf29ce484222325);
	int zc = strcmp(api, "zc") == 0, mix = strcmp(api, "mix") == 0;
	unsigned spins = 0;

	if (buf == NULL)
		FAIL("malloc");
	for (;;) {
		size_t want = 1 + (size_t)(rnd(&rs) % maxlen), bad;
		unsigned how = mix ? (unsigned)(rnd(&rs) % 2) : zc ? 1u : 0u;
		const unsigned char *src = buf;
		ssize_t k;
		void *p = NULL;

		if (how == 0)
			k = blocking ? ring_bytes_read_wait(r, buf, want, NULL) : ring_bytes_read(r, buf, want);
		else
			k = blocking ? ring_span_peek_wait(r, want, &p, NULL) : ring_span_peek(r, want, &p);
		if (k > 0) {
			if (how)
				src = p;
			if ((size_t)k > want)
				FAIL("read %zd > %zu", k, want);
			bad = mt_stream_check(src, pos, (size_t)k);
			if (bad != (size_t)k)
				FAIL("byte %" PRIu64 " differs", pos + bad);
			fnv = mt_fnv(fnv, src, (size_t)k);
			if (how && ring_span_release(r, (size_t)k) != 0)
				FAIL("span release");
			pos += (uint64_t)k;
			continue;
		}
		if (k == -EPIPE)
			break;
		if (k == -ECONNRESET) /* the writer exited; the parent closes next */
			usleep(1000);
		else if (k != -EAGAIN)
			FAIL("reader at %" PRIu64 ": %s", pos, ring_strerror((int)k));
		backoff(&spins);
	}
	if (pos != total)
		FAIL("read %" PRIu64 " bytes of %" PRIu64, pos, total);
	res->fnv_recv = fnv;
	res->bytes = pos;
	free(buf);
	return 0;
}

/* ---- roles --------------------------------------------------------------- */

static int run_role(int consumer, unsigned id)
{
	struct ring r;
	int rc = attach(&r);

	if (rc < 0)
		FAIL("attach: %s", ring_strerror(rc));
	if (strcmp(kind, "msg") == 0)
		rc = consumer ? msg_consumer(&r) : msg_producer(&r, id);
	else
		rc = consumer ? bytes_reader(&r) : bytes_writer(&r);
	if (strcmp(region, "anon") != 0)
		ring_close(&r);
	return rc;
}

struct thr {
	pthread_t t;
	int consumer;
	unsigned id;
	int rc;
};

static void *thr_main(void *a)
{
	struct thr *t = (struct thr *)a;

	t->rc = run_role(t->consumer, t->id);
	return NULL;
}

static void child_setup(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(WATCHDOG_S);
}

static pid_t start(int consumer, unsigned id, const char *self)
{
	pid_t pid;

	if (strcmp(mode, "exec") == 0) {
		char ids[16], nb[24], tb[24], mb[24], sb[24], fl[8];
		char *argv[16];
		int rc;

		snprintf(ids, sizeof(ids), "%u", id);
		snprintf(nb, sizeof(nb), "%u", nprod);
		snprintf(tb, sizeof(tb), "%" PRIu64, total);
		snprintf(mb, sizeof(mb), "%" PRIu64, maxlen);
		snprintf(sb, sizeof(sb), "%" PRIu64, slots);
		snprintf(fl, sizeof(fl), "%s%s", blocking ? "b" : "", mpflag ? "m" : "");
		argv[0] = (char *)self;
		argv[1] = (char *)(consumer ? "--consumer" : "--producer");
		argv[2] = ids;
		argv[3] = name;
		argv[4] = (char *)kind;
		argv[5] = nb;
		argv[6] = tb;
		argv[7] = mb;
		argv[8] = sb;
		argv[9] = (char *)api;
		argv[10] = fl[0] ? fl : (char *)"-";
		argv[11] = NULL;
		rc = posix_spawn(&pid, self, NULL, NULL, argv, environ);
		if (rc != 0) {
			fprintf(stderr, "posix_spawn: %s\n", strerror(rc));
			exit(1);
		}
		return pid;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		child_setup();
		_exit(run_role(consumer, id));
	}
	return pid;
}

static int wait_ok(pid_t pid, const char *who)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 1;
	fprintf(stderr, "stress_msg: %s failed (status %d)\n", who, st);
	return 0;
}

static void parse_flags(const char *f)
{
	blocking = strchr(f, 'b') != NULL;
	mpflag = strchr(f, 'm') != NULL;
}

int main(int argc, char **argv)
{
	struct ring_params p;
	pid_t pids[MAX_PROD + 1];
	struct thr th[MAX_PROD + 1];
	unsigned i;
	int ok = 1;

	alarm(WATCHDOG_S);
	if (argc == 11 && (strcmp(argv[1], "--producer") == 0 || strcmp(argv[1], "--consumer") == 0)) {
		/* A separately started program: attach by name. */
		int consumer = strcmp(argv[1], "--consumer") == 0;

		child_setup();
		if (getppid() == 1)
			return 1; /* the parent is already gone */
		mode = "exec";
		region = "named";
		snprintf(name, sizeof(name), "%s", argv[3]);
		kind = argv[4];
		nprod = (unsigned)strtoul(argv[5], NULL, 0);
		total = strtoull(argv[6], NULL, 0);
		maxlen = strtoull(argv[7], NULL, 0);
		slots = strtoull(argv[8], NULL, 0);
		api = argv[9];
		parse_flags(argv[10]);
		res = calloc(1, sizeof(*res));
		return res == NULL ? 1 : run_role(consumer, (unsigned)strtoul(argv[2], NULL, 0));
	}
	if (argc < 9) {
		fprintf(stderr, "usage: stress_msg proc|exec|thread msg|bytes anon|named|memfd|mem P "
				"TOTAL MAX SLOTS copy|zc|mix [FLAGS]\n");
		return 2;
	}
	mode = argv[1];
	kind = argv[2];
	region = argv[3];
	nprod = (unsigned)strtoul(argv[4], NULL, 0);
	total = strtoull(argv[5], NULL, 0);
	maxlen = strtoull(argv[6], NULL, 0);
	slots = strtoull(argv[7], NULL, 0);
	api = argv[8];
	parse_flags(argc > 9 ? argv[9] : "");
	if (nprod == 0 || nprod > MAX_PROD || (strcmp(kind, "bytes") == 0 && nprod != 1) ||
	    (strcmp(mode, "exec") == 0 && strcmp(region, "named") != 0) ||
	    (strcmp(mode, "thread") == 0 && strcmp(region, "anon") == 0)) {
		fprintf(stderr, "stress_msg: bad combination\n");
		return 2;
	}
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		return 1;
	memset(&p, 0, sizeof(p));
	p.kind = strcmp(kind, "msg") == 0 ? RING_KIND_MSG : RING_KIND_BYTES;
	p.rule = RING_RULE_COUNT;
	p.slots = slots;
	p.elem_size = p.kind == RING_KIND_MSG ? maxlen : 1;
	p.flags = (blocking ? RING_F_BLOCKING : 0) |
		  (p.kind == RING_KIND_MSG && (nprod > 1 || mpflag) ? RING_F_MSG_MP : 0);
	if (p.flags & RING_F_MSG_MP)
		mpflag = 1;
	{
		int rc;

		snprintf(name, sizeof(name), "/shmring-stress-msg-%ld", (long)getpid());
		if (strcmp(region, "named") == 0) {
			rc = ring_create(&creator, name, &p);
		} else if (strcmp(region, "memfd") == 0) {
			rc = ring_create_memfd(&creator, "stress-msg", &p);
		} else if (strcmp(region, "mem") == 0) {
			ssize_t sz = ring_memsize(&p);

			rc = (int)sz;
			if (sz > 0) {
				mem_len = (size_t)sz;
				mem_region = mmap(NULL, mem_len, PROT_READ | PROT_WRITE,
						  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
				rc = mem_region == MAP_FAILED ? -ENOMEM
							      : ring_init_mem(&creator, mem_region, mem_len, &p);
			}
		} else {
			rc = ring_create_anon(&creator, &p);
		}
		if (rc < 0) {
			fprintf(stderr, "stress_msg: create: %s\n", ring_strerror(rc));
			return 1;
		}
	}
	if (strcmp(mode, "thread") == 0) {
		for (i = 0; i <= nprod; i++) {
			th[i].consumer = i == nprod;
			th[i].id = i;
			pthread_create(&th[i].t, NULL, thr_main, &th[i]);
		}
		for (i = 0; i < nprod; i++) {
			pthread_join(th[i].t, NULL);
			ok &= th[i].rc == 0;
		}
		ring_close_write(&creator);
		pthread_join(th[nprod].t, NULL);
		ok &= th[nprod].rc == 0;
	} else {
		pids[nprod] = start(1, 0, argv[0]);
		for (i = 0; i < nprod; i++)
			pids[i] = start(0, i, argv[0]);
		for (i = 0; i < nprod; i++)
			ok &= wait_ok(pids[i], "producer");
		if (strcmp(region, "named") == 0)
			ring_unlink(name); /* everyone attached by now, or failed */
		ring_close_write(&creator);
		ok &= wait_ok(pids[nprod], "consumer");
	}
	if (strcmp(region, "named") == 0)
		ring_unlink(name);
	if (ok && strcmp(kind, "bytes") == 0 && strcmp(mode, "exec") != 0 &&
	    res->fnv_sent != res->fnv_recv) {
		fprintf(stderr, "stress_msg: checksum differs\n");
		ok = 0;
	}
	ring_close(&creator);
	if (!ok || res->fail) {
		fprintf(stderr, "stress_msg: FAILED %s\n", res->why);
		return 1;
	}
	printf("stress_msg %s %s %s P=%u total=%" PRIu64 " max=%" PRIu64 " slots=%" PRIu64
	       " %s: ok (%" PRIu64 " payload bytes checked%s)\n",
	       mode, kind, region, nprod, total, maxlen, slots, api, res->bytes,
	       strcmp(mode, "exec") == 0 ? " here; the consumer program checked its own" : "");
	return 0;
}
