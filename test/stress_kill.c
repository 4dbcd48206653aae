/* SPDX-License-Identifier: MIT */
/*
 * kill -9 at random points of push, pop, bulk, burst, the waits and attach.
 *
 *   stress_kill spsc-count|spsc-n1|spsc-seq|mpmc|msg block|spin KILLS [SEED]
 *
 * A supervisor creates a named ring and keeps workers running: producers and
 * consumers (SPSC: one of each; MPMC: three and two; msg, a message ring
 * with many producers: three and one), each started as a fresh
 * process that attaches by name with its role and then pushes or pops with a
 * random mix of single, bulk and burst calls (and, on a blocking ring, the
 * waiting calls). KILLS times it SIGKILLs a random worker after a random
 * delay and starts a replacement. At the end every producer is killed, every
 * consumer too, and a last consumer drains the ring until the wait reports
 * that every producer is dead (-ECONNRESET): a ring that stayed wedged makes
 * it hang, which the alarm turns into a failure.
 *
 * Elements are 8 bytes: producer instance (24 bits) and sequence (40 bits).
 * Messages (msg) start with such an element and are 8..MSG_MAX bytes long,
 * the length and the bytes after the first 8 derived from the sequence, so
 * that a torn or mixed message is caught; producers send, or reserve and
 * commit in place (a producer killed between the two leaves a claim that
 * the consumer must step over once the death is verified), or reserve and
 * abort; the consumer receives one, a burst, or peeks and releases.
 * A producer stores how many elements its calls returned as pushed
 * ("committed") in shared memory after each call. A consumer pops into a
 * buffer in shared memory prefilled with a sentinel, so that after its death
 * the supervisor sees what it may have taken (the "in flight" elements), then
 * counts each element it got in a shared table. Checked:
 *   - per producer FIFO in every consumer's view;
 *   - no element counted twice, except (SPSC) one in flight in a killed
 *     consumer, which the next consumer may get again (documented);
 *   - every committed element delivered, except those in flight in a killed
 *     consumer (SPSC: exactly; MPMC: plus at most max-burst per consumer
 *     kill, the claim a consumer may die holding before it copied it);
 *   - the final drain ends with -ECONNRESET and an empty ring.
 * Exit status 0 when all hold. Children are in the supervisor's process
 * group and die with it (PR_SET_PDEATHSIG).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <shmring/shmring.h>

#define MAX_IDS 4096u          /* producer instances */
#define MAX_SEQ (1u << 13)     /* elements per producer instance */
#define MAXB 8u                /* largest bulk/burst */
#define SENTINEL UINT64_MAX
#define MAX_WORKERS 8

#define MSG_MAX 40u

struct cons_slot {
	uint64_t buf[MAXB]; /* popped into here, prefilled with SENTINEL */
	/* msg: received into here, back to back, prefilled with 0xff */
	uint64_t mbuf[MAXB * MSG_MAX / 8];
};

struct shared {
	uint64_t sent[MAX_IDS];       /* committed elements per instance */
	unsigned char seen[MAX_IDS][MAX_SEQ];
	unsigned char flight[MAX_IDS][MAX_SEQ]; /* in flight in a killed consumer */
	struct cons_slot cons[MAX_WORKERS];
	uint64_t next_id;
	uint64_t failures;
};

static struct shared *sh;
static char name[64];
static int is_mpmc, is_msg, blocking;
static uint32_t rule;

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static struct timespec in_ns(uint64_t ns)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += (time_t)(ns / 1000000000u);
	t.tv_nsec += (long)(ns % 1000000000u);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static void fail(const char *what, int rc)
{
	fprintf(stderr, "stress_kill: worker %d: %s: %s\n", (int)getpid(), what, ring_strerror(rc));
	__atomic_fetch_add(&sh->failures, 1, __ATOMIC_RELAXED);
	_exit(2);
}

static void attach(struct ring *r, uint32_t role)
{
	struct ring_attach_opts o;
	uint64_t until = mono_ns() + 2000000000u;
	int rc;

	memset(&o, 0, sizeof(o));
	o.roles = role;
	o.elem_size = is_msg ? MSG_MAX : 8;
	for (;;) {
		rc = ring_attach(r, name, &o);
		if (rc == 0)
			return;
		/* A killed holder is a zombie or gone: verified dead at once.
		 * Anything else is a failure. */
		if (rc != -EADDRINUSE || mono_ns() > until)
			fail("ring_attach", rc);
		usleep(1000);
	}
}

/* A call that moved nothing: try again (yield on a spinning ring; a
 * peer's -ECONNRESET means its replacement is coming), or fail. */
static void not_now(const char *what, int rc)
{
	if (rc != -EAGAIN && rc != -EBUSY && rc != -ETIMEDOUT && rc != -ECONNRESET)
		fail(what, rc);
	if (!blocking)
		sched_yield();
	else if (rc == -ECONNRESET)
		usleep(1000);
}

/* Count element v in a consumer's view: in range, FIFO per producer. */
static void take(uint64_t *last, uint64_t v)
{
	uint64_t id = v >> 40, seq = v & ((UINT64_C(1) << 40) - 1);

	if (id >= MAX_IDS || seq >= MAX_SEQ) {
		fprintf(stderr, "consumer: garbage element %llx\n", (unsigned long long)v);
		fail("pop", -EUCLEAN);
	}
	if (last[id] != UINT64_MAX && seq <= last[id]) {
		fprintf(stderr, "consumer: instance %llu: %llu after %llu\n", (unsigned long long)id,
			(unsigned long long)seq, (unsigned long long)last[id]);
		fail("per-producer FIFO", -EUCLEAN);
	}
	last[id] = seq;
	__atomic_fetch_add(&sh->seen[id][seq], 1, __ATOMIC_RELAXED);
}

static void producer(uint64_t id, unsigned seed)
{
	uint64_t vals[MAXB], seq = 0;
	struct ring r;

	srand(seed);
	attach(&r, RING_ROLE_PRODUCER);
	while (seq < MAX_SEQ - MAXB) {
		unsigned op = (unsigned)rand() % (blocking ? 5 : 3);
		size_t n = 1 + (size_t)rand() % MAXB, i;
		struct timespec d;
		ssize_t rc;

		if (n > ring_capacity(&r))
			n = ring_capacity(&r);
		for (i = 0; i < n; i++)
			vals[i] = id << 40 | (seq + i);
		switch (op) {
		case 0: rc = ring_push(&r, vals); rc = rc == 0 ? 1 : rc; break;
		case 1: rc = ring_push_bulk(&r, vals, n); break;
		case 2: rc = ring_push_burst(&r, vals, n); break;
		case 3:
			d = in_ns(20000000);
			rc = ring_push_wait(&r, vals, &d);
			rc = rc == 0 ? 1 : rc;
			break;
		default:
			d = in_ns(20000000);
			rc = ring_push_burst_wait(&r, vals, n, &d);
			break;
		}
		if (rc > 0) {
			seq += (uint64_t)rc;
			__atomic_store_n(&sh->sent[id], seq, __ATOMIC_RELEASE);
		} else {
			not_now("push", (int)rc);
		}
	}
	pause(); /* done: wait to be killed */
}

static void consumer(int slot, unsigned seed)
{
	static uint64_t last[MAX_IDS];
	uint64_t *buf = sh->cons[slot].buf;
	struct ring r;

	srand(seed);
	memset(last, 0xff, sizeof(last));
	attach(&r, RING_ROLE_CONSUMER);
	for (;;) {
		unsigned op = (unsigned)rand() % (blocking ? 5 : 3);
		size_t n = 1 + (size_t)rand() % MAXB, i;
		struct timespec d;
		ssize_t rc;

		if (n > ring_capacity(&r))
			n = ring_capacity(&r);
		for (i = 0; i < MAXB; i++)
			__atomic_store_n(&buf[i], SENTINEL, __ATOMIC_RELAXED);
		switch (op) {
		case 0: rc = ring_pop(&r, buf); rc = rc == 0 ? 1 : rc; break;
		case 1: rc = ring_pop_bulk(&r, buf, n); break;
		case 2: rc = ring_pop_burst(&r, buf, n); break;
		case 3:
			d = in_ns(20000000);
			rc = ring_pop_wait(&r, buf, &d);
			rc = rc == 0 ? 1 : rc;
			break;
		default:
			d = in_ns(20000000);
			rc = ring_pop_burst_wait(&r, buf, n, &d);
			break;
		}
		if (rc > 0) {
			for (i = 0; i < (size_t)rc; i++)
				take(last, buf[i]);
		} else {
			not_now("pop", (int)rc);
		}
	}
}

/* A message's length and the byte at offset j >= 8, from its element v. */
static size_t msg_len(uint64_t v)
{
	return 8 + 8 * (size_t)((v & 0xffff) % (MSG_MAX / 8));
}

static unsigned char msg_byte(uint64_t v, size_t j)
{
	return (unsigned char)(v * 31u + j);
}

static void msg_fill(unsigned char *m, uint64_t v)
{
	size_t j, len = msg_len(v);

	memcpy(m, &v, 8);
	for (j = 8; j < len; j++)
		m[j] = msg_byte(v, j);
}

static void msg_producer(uint64_t id, unsigned seed)
{
	unsigned char m[MSG_MAX];
	uint64_t seq = 0;
	struct ring r;

	srand(seed);
	attach(&r, RING_ROLE_PRODUCER);
	while (seq < MAX_SEQ - 1) {
		uint64_t v = id << 40 | seq;
		size_t len = msg_len(v);
		unsigned op = (unsigned)rand() % (blocking ? 4 : 3);
		struct timespec d;
		void *at;
		int rc;

		msg_fill(m, v);
		switch (op) {
		case 0: rc = ring_msg_send(&r, m, len); break;
		case 1:
			rc = ring_msg_reserve(&r, MSG_MAX, &at);
			if (rc == 0) {
				memcpy(at, m, len);
				rc = ring_msg_commit(&r, len);
			}
			break;
		case 2:
			/* Reserved, then given up: nothing is delivered. */
			rc = ring_msg_reserve(&r, len, &at);
			if (rc == 0) {
				memset(at, 0xee, len);
				rc = ring_msg_abort(&r);
				if (rc == 0)
					continue;
			}
			break;
		default:
			d = in_ns(20000000);
			rc = ring_msg_send_wait(&r, m, len, &d);
			break;
		}
		if (rc == 0) {
			seq++;
			__atomic_store_n(&sh->sent[id], seq, __ATOMIC_RELEASE);
		} else {
			not_now("send", (int)rc);
		}
	}
	pause();
}

/* Check and count the message at m (len bytes received). */
static void msg_take(uint64_t *last, const unsigned char *m, size_t len)
{
	uint64_t v;
	size_t j;

	memcpy(&v, m, 8);
	if (len < 8 || len != msg_len(v)) {
		fprintf(stderr, "consumer: message %llx of %zu bytes\n", (unsigned long long)v, len);
		fail("recv", -EUCLEAN);
	}
	for (j = 8; j < len; j++)
		if (m[j] != msg_byte(v, j)) {
			fprintf(stderr, "consumer: message %llx torn at byte %zu\n", (unsigned long long)v, j);
			fail("recv", -EUCLEAN);
		}
	take(last, v);
}

static void msg_consumer(int slot, unsigned seed)
{
	static uint64_t last[MAX_IDS];
	unsigned char *buf = (unsigned char *)sh->cons[slot].mbuf;
	size_t cap = sizeof(sh->cons[slot].mbuf);
	struct ring r;

	srand(seed);
	memset(last, 0xff, sizeof(last));
	attach(&r, RING_ROLE_CONSUMER);
	for (;;) {
		unsigned op = (unsigned)rand() % (blocking ? 4 : 3);
		size_t n = 1 + (size_t)rand() % MAXB, lens[MAXB], i, off;
		const void *at;
		struct timespec d;
		ssize_t rc;

		memset(buf, 0xff, cap);
		switch (op) {
		case 0:
			rc = ring_msg_recv(&r, buf, cap, &lens[0]);
			rc = rc == 0 ? 1 : rc;
			break;
		case 1: rc = ring_msg_recv_burst(&r, buf, cap, lens, n); break;
		case 2:
			rc = ring_msg_peek(&r, &at, &lens[0]);
			if (rc == 0) {
				if (lens[0] > cap)
					fail("peek", -EUCLEAN);
				memcpy(buf, at, lens[0]);
				rc = ring_msg_release(&r);
				rc = rc == 0 ? 1 : rc;
			}
			break;
		default:
			d = in_ns(20000000);
			rc = ring_msg_recv_burst_wait(&r, buf, cap, lens, n, &d);
			break;
		}
		if (rc > 0) {
			for (i = 0, off = 0; i < (size_t)rc; off += lens[i], i++)
				msg_take(last, buf + off, lens[i]);
		} else {
			not_now("recv", (int)rc);
		}
	}
}

/* One element (or message) for the final drain, waiting or not. */
static int drain_one(struct ring *c, uint64_t *v, int wait)
{
	unsigned char m[MSG_MAX];
	size_t len, j;
	int rc;

	if (!is_msg)
		return wait ? ring_pop_wait(c, v, NULL) : ring_pop(c, v);
	rc = wait ? ring_msg_recv_wait(c, m, sizeof(m), &len, NULL) : ring_msg_recv(c, m, sizeof(m), &len);
	if (rc < 0)
		return rc;
	memcpy(v, m, 8);
	if (len < 8 || len != msg_len(*v))
		return -EUCLEAN;
	for (j = 8; j < len; j++)
		if (m[j] != msg_byte(*v, j))
			return -EUCLEAN;
	return 0;
}

struct worker {
	pid_t pid;
	int consumer;
	int slot;
};

static pid_t spawn(int is_consumer, int slot, unsigned seed)
{
	uint64_t id = 0;
	pid_t pid;

	if (!is_consumer) {
		id = sh->next_id++;
		if (id >= MAX_IDS) {
			fprintf(stderr, "stress_kill: too many producer instances\n");
			exit(1);
		}
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		if (is_consumer)
			is_msg ? msg_consumer(slot, seed) : consumer(slot, seed);
		else
			is_msg ? msg_producer(id, seed) : producer(id, seed);
		_exit(0);
	}
	return pid;
}

static int reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

/* A killed consumer: what it had popped into its buffer may be gone with it
 * (or come again, SPSC). */
static void note_flight(int slot)
{
	size_t i, off;

	if (is_msg) {
		/* Messages back to back, each as long as its element says. */
		const unsigned char *m = (const unsigned char *)sh->cons[slot].mbuf;

		for (off = 0; off + 8 <= sizeof(sh->cons[slot].mbuf);) {
			uint64_t v;

			memcpy(&v, m + off, 8);
			if (v == SENTINEL || (v >> 40) >= MAX_IDS ||
			    (v & ((UINT64_C(1) << 40) - 1)) >= MAX_SEQ)
				break;
			sh->flight[v >> 40][v & ((UINT64_C(1) << 40) - 1)] = 1;
			off += msg_len(v);
		}
		return;
	}
	for (i = 0; i < MAXB; i++) {
		uint64_t v = sh->cons[slot].buf[i];

		if (v != SENTINEL && (v >> 40) < MAX_IDS && (v & ((UINT64_C(1) << 40) - 1)) < MAX_SEQ)
			sh->flight[v >> 40][v & ((UINT64_C(1) << 40) - 1)] = 1;
	}
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "stress_kill: wedged (alarm)\n";
	if (write(2, msg, sizeof(msg) - 1) < 0) {
	}
	kill(0, SIGKILL);
}

int main(int argc, char **argv)
{
	struct ring_params p;
	struct ring r;
	struct worker w[MAX_WORKERS];
	int np, nc, nw, i, rc;
	long kills, k, pkills = 0, ckills = 0;
	unsigned seed;
	uint64_t id, seq, lost = 0, flight_lost = 0, dup = 0, redelivered = 0, delivered = 0;
	uint64_t committed = 0;
	struct ring_live_info info;

	if (argc < 4) {
		fprintf(stderr, "usage: stress_kill spsc-count|spsc-n1|spsc-seq|mpmc|msg block|spin KILLS [SEED]\n");
		return 2;
	}
	is_mpmc = strcmp(argv[1], "mpmc") == 0;
	is_msg = strcmp(argv[1], "msg") == 0;
	rule = strcmp(argv[1], "spsc-n1") == 0    ? RING_RULE_N1
	       : strcmp(argv[1], "spsc-seq") == 0 ? RING_RULE_SEQ
						  : RING_RULE_COUNT;
	blocking = strcmp(argv[2], "block") == 0;
	kills = atol(argv[3]);
	seed = argc > 4 ? (unsigned)atol(argv[4]) : (unsigned)getpid();
	srand(seed);
	setpgid(0, 0);
	signal(SIGALRM, on_alarm);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	snprintf(name, sizeof(name), "/shmring-t-kill-%d", (int)getpid());
	memset(&p, 0, sizeof(p));
	p.kind = is_mpmc ? RING_KIND_MPMC : is_msg ? RING_KIND_MSG : RING_KIND_SPSC;
	p.rule = rule;
	p.slots = is_msg ? 1024 : 64; /* msg: bytes, room for 16..32 messages */
	p.elem_size = is_msg ? MSG_MAX : 8;
	p.flags = (blocking ? RING_F_BLOCKING : 0) | (is_msg ? RING_F_MSG_MP : 0);
	rc = ring_create(&r, name, &p);
	if (rc < 0) {
		fprintf(stderr, "ring_create: %s\n", ring_strerror(rc));
		return 1;
	}
	np = is_mpmc || is_msg ? 3 : 1;
	nc = is_mpmc ? 2 : 1;
	nw = np + nc;
	for (i = 0; i < nw; i++) {
		w[i].consumer = i >= np;
		w[i].slot = i - np;
		w[i].pid = spawn(w[i].consumer, w[i].slot, (unsigned)rand());
	}
	/* The creator's handle would count as a possible producer for the
	 * final drain (it declared no roles): the workers keep the ring. */
	ring_close(&r);
	/* Below the ctest TIMEOUT (300 s, test/live.cmake): a wedged ring is
	 * reported as such ("wedged") and the workers killed, not left to the
	 * runner's timeout. */
	alarm(240);
	for (k = 0; k < kills; k++) {
		struct timespec d = {0, (long)(rand() % 3000) * 1000L};

		nanosleep(&d, NULL);
		i = rand() % nw;
		kill(w[i].pid, SIGKILL);
		rc = reap(w[i].pid);
		if (!(WIFSIGNALED(rc) && WTERMSIG(rc) == SIGKILL)) {
			fprintf(stderr, "stress_kill: worker ended with status %d\n", rc);
			return 1;
		}
		if (w[i].consumer) {
			note_flight(w[i].slot);
			ckills++;
		} else {
			pkills++;
		}
		w[i].pid = spawn(w[i].consumer, w[i].slot, (unsigned)rand());
	}
	/* End: producers first (their elements stay), then consumers; a last
	 * consumer drains until every producer is verified dead. */
	for (i = 0; i < nw; i++) {
		kill(w[i].pid, SIGKILL);
		reap(w[i].pid);
		if (w[i].consumer)
			note_flight(w[i].slot);
	}
	{
		static uint64_t last[MAX_IDS];
		struct ring_attach_opts o;
		struct ring c;
		uint64_t v;

		memset(last, 0xff, sizeof(last));
		memset(&o, 0, sizeof(o));
		o.roles = RING_ROLE_CONSUMER;
		rc = ring_attach(&c, name, &o);
		if (rc < 0) {
			fprintf(stderr, "drain attach: %s\n", ring_strerror(rc));
			return 1;
		}
		for (;;) {
			if (blocking) {
				rc = drain_one(&c, &v, 1);
			} else {
				/* Spin rings: the nonblocking pop repairs after
				 * 1 ms; -EAGAIN with nothing left to repair and
				 * the ring empty is the end. */
				uint64_t t0 = mono_ns();

				while ((rc = drain_one(&c, &v, 0)) == -EAGAIN || rc == -EBUSY) {
					if (ring_count(&c) == 0 && mono_ns() - t0 > 20000000u) {
						rc = -ECONNRESET;
						break;
					}
					sched_yield();
				}
			}
			if (rc == -ECONNRESET)
				break;
			if (rc < 0) {
				fprintf(stderr, "drain: %s\n", ring_strerror(rc));
				return 1;
			}
			id = v >> 40;
			seq = v & ((UINT64_C(1) << 40) - 1);
			if (id >= MAX_IDS || seq >= MAX_SEQ || (last[id] != UINT64_MAX && seq <= last[id])) {
				fprintf(stderr, "drain: bad or out of order element %llx\n", (unsigned long long)v);
				return 1;
			}
			last[id] = seq;
			sh->seen[id][seq]++;
		}
		if (ring_count(&c) != 0) {
			fprintf(stderr, "drain: -ECONNRESET with %zd elements left\n", ring_count(&c));
			return 1;
		}
		ring_live_info(&c, &info);
		ring_close(&c);
	}
	alarm(0);
	for (id = 0; id < sh->next_id; id++) {
		uint64_t sent = sh->sent[id];

		committed += sent;
		for (seq = 0; seq < MAX_SEQ; seq++) {
			unsigned s = sh->seen[id][seq], f = sh->flight[id][seq];

			delivered += s;
			if (s > 1) {
				if (!is_mpmc && f && s == 2)
					redelivered++;
				else
					dup++;
			}
			if (seq < sent && s == 0) {
				if (f)
					flight_lost++;
				else
					lost++;
			}
		}
	}
	ring_unlink(name);
	printf("stress_kill %s %s: %ld kills (%ld producers, %ld consumers), %llu producer instances, "
	       "%llu committed, %llu deliveries; lost in flight in a killed consumer %llu, "
	       "redelivered after a consumer kill %llu, other lost %llu (allowed %llu), duplicated %llu; "
	       "repairs %llu, takeovers %llu; seed %u\n",
	       argv[1], argv[2], kills, pkills, ckills, (unsigned long long)sh->next_id,
	       (unsigned long long)committed, (unsigned long long)delivered,
	       (unsigned long long)flight_lost, (unsigned long long)redelivered,
	       (unsigned long long)lost, (unsigned long long)(is_mpmc ? (uint64_t)ckills * MAXB : 0),
	       (unsigned long long)dup, (unsigned long long)info.repairs,
	       (unsigned long long)info.takeovers, seed);
	if (sh->failures || dup || lost > (is_mpmc ? (uint64_t)(ckills + nc) * MAXB : 0)) {
		fprintf(stderr, "stress_kill: FAILED\n");
		return 1;
	}
	return 0;
}
