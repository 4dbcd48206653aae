/* SPDX-License-Identifier: MIT */
/*
 * msgbench: messages of any length and byte streams, shmring against the
 * kernel's message mechanisms, Boost.Interprocess and JACK's ring buffer.
 *
 *   msgbench [--quick] [--only PEER,...] [--sizes SIZE,...]
 *   msgbench --cg FILE        (under callgrind: bench/callgrind.sh)
 *
 * --only runs the named peers alone (the ratio column needs msg among them);
 * --sizes the named message sizes (16, 64, 256, 1500, 4096, mixed); either
 * skips the byte-stream cases. Exit status 1 if any run failed its checks (a peer that cannot be set up
 * here is skipped and shows -1).
 *
 * Message cases, for sizes 16, 64, 256, 1500, 4096 and "mixed" (lengths
 * 1..4096, log-uniform): a producer process pinned to CPU 0 sends N
 * messages, a consumer pinned to CPU 1 receives and checks each one (length
 * and sequence number in its first bytes); the figure is messages per
 * second from the start signal to the consumer's last message. Peers:
 *   msg        shmring message ring, one producer, send/recv (copies)
 *   msg-mp     the same ring with RING_F_MSG_MP (claim by CAS, commit word)
 *   msg-zc     reserve/commit and peek/release, no copy (payload written and
 *              checked in place: the first and last 8 bytes)
 *   memcpy     the ideal copying hand-off: 64 slots of 4096 bytes, a flag
 *              per slot, one memcpy in and one out per message
 *   sysv       SysV msgsnd/msgrcv        posix   POSIX mq_send/mq_receive
 *   seqpacket  AF_UNIX SOCK_SEQPACKET    pipe    length-prefixed records
 *   boost-mq   Boost.Interprocess message_queue (C++ part: msgbench_bipc.cpp)
 * Byte-stream cases (4096-byte writes and reads, 256 MiB; --quick 32 MiB):
 *   bytes, pipe (processes), and bytes-thr vs jack (threads: a
 *   jack_ringbuffer lives in one process's heap).
 * At 4096 B also copy-touch against zc-touch: every payload byte written by
 * the producer and read by the consumer, through a buffer or in place.
 * --cg FILE: instructions per send+receive pair in one thread (msg,
 * msg-mp, the zero-copy calls, the memcpy hand-off), under
 *   valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=FILE
 * as bench/callgrind.sh runs it (see the callgrind section below).
 */
#include <shmring/shmring.h>

#include "cg_dump.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef MSGBENCH_HAVE_JACK
#include <jack/ringbuffer.h>
#endif
#ifdef MSGBENCH_HAVE_VALGRIND
#include <valgrind/callgrind.h>
#endif

#define MAXMSG 4096

/* Boost.Interprocess part (msgbench_bipc.cpp). */
int bipc_create(const char *name, size_t maxsz);
int bipc_send(const char *name, uint64_t n, size_t (*len_of)(uint64_t));
int bipc_recv(const char *name, uint64_t n, size_t (*len_of)(uint64_t));
void bipc_remove(const char *name);

#ifndef MSGBENCH_HAVE_BIPC
/* Built without Boost: the peer is skipped (its setup fails). */
int bipc_create(const char *name, size_t maxsz) { (void)name; (void)maxsz; return 1; }
int bipc_send(const char *name, uint64_t n, size_t (*l)(uint64_t)) { (void)name; (void)n; (void)l; return 1; }
int bipc_recv(const char *name, uint64_t n, size_t (*l)(uint64_t)) { (void)name; (void)n; (void)l; return 1; }
void bipc_remove(const char *name) { (void)name; }
#endif

static size_t fixed_len;
static int quick;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= UINT64_C(0x7fb5d329728ea185);
	x ^= x >> 27;
	return x;
}

/* Length of message i: fixed, or "mixed": log-uniform over 1..4096. */
size_t len_of(uint64_t i);
size_t len_of(uint64_t i)
{
	if (fixed_len)
		return fixed_len;
	{
		uint64_t x = mix(i + 1);
		unsigned shift = (unsigned)(x % 13); /* 2^0 .. 2^12 */
		size_t lo = (size_t)1 << shift;

		return lo + (size_t)((x >> 8) % lo) > MAXMSG ? MAXMSG : lo + (size_t)((x >> 8) % lo);
	}
}

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

/* Message i's stamp: the sequence number in the first 8 bytes (len >= 8),
 * else its low byte(s). */
static void stamp(unsigned char *p, size_t len, uint64_t i)
{
	if (len >= 8)
		memcpy(p, &i, 8);
	else if (len > 0)
		p[0] = (unsigned char)i;
}

static int stamped(const unsigned char *p, size_t len, uint64_t i)
{
	uint64_t v;

	if (len >= 8) {
		memcpy(&v, p, 8);
		return v == i;
	}
	return len == 0 || p[0] == (unsigned char)i;
}

/* ---- one case: fork a producer (CPU 0) and a consumer (CPU 1) ---------- */

struct shared {
	_Atomic int ready;
	_Atomic int go;
	uint64_t t0, t1;
	int ok;
	char err[120];
};

static struct shared *sh;
static int failures; /* runs whose check failed: the exit status */

struct peer {
	const char *name;
	int (*setup)(void);
	int (*tx)(uint64_t n); /* 0 ok */
	int (*rx)(uint64_t n); /* 0 ok */
	void (*teardown)(void);
};

static int fail(const char *what)
{
	snprintf(sh->err, sizeof(sh->err), "%s", what);
	return 1;
}

static void start_line(void)
{
	atomic_fetch_add(&sh->ready, 1);
	while (!atomic_load(&sh->go))
		;
}

static double run(const struct peer *p, uint64_t n)
{
	pid_t a, b;
	int st1, st2;

	memset(sh, 0, sizeof(*sh));
	if (p->setup && p->setup() != 0)
		return -1;
	a = fork();
	if (a == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pin(0);
		start_line();
		_exit(p->tx(n));
	}
	b = fork();
	if (b == 0) {
		int rc;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pin(1);
		start_line();
		rc = p->rx(n);
		sh->t1 = now_ns();
		_exit(rc);
	}
	while (atomic_load(&sh->ready) < 2)
		usleep(100);
	sh->t0 = now_ns();
	atomic_store(&sh->go, 1);
	waitpid(a, &st1, 0);
	waitpid(b, &st2, 0);
	if (p->teardown)
		p->teardown();
	if (!WIFEXITED(st1) || WEXITSTATUS(st1) || !WIFEXITED(st2) || WEXITSTATUS(st2)) {
		fprintf(stderr, "msgbench: %s failed: %s\n", p->name, sh->err);
		failures++;
		return -1;
	}
	return (double)n / ((double)(sh->t1 - sh->t0) / 1e9);
}

/* ---- shmring message ring ------------------------------------------------ */

static struct ring R;
static uint32_t ring_flags_now;

static int msg_setup(void)
{
	struct ring_params p = {RING_KIND_MSG, RING_RULE_COUNT, 1 << 18, MAXMSG, ring_flags_now, 0, 0, 0};

	return ring_create_anon(&R, &p) < 0;
}

static void msg_teardown(void)
{
	ring_close(&R);
}

static int msg_tx(uint64_t n)
{
	static unsigned char buf[MAXMSG];
	uint64_t i;

	for (i = 0; i < n; i++) {
		size_t len = len_of(i);
		int rc;

		stamp(buf, len, i);
		while ((rc = ring_msg_send(&R, buf, len)) == -EAGAIN || rc == -EBUSY)
			;
		if (rc)
			return fail("send");
	}
	return 0;
}

static int msg_rx(uint64_t n)
{
	static unsigned char buf[MAXMSG];
	uint64_t i;

	for (i = 0; i < n; i++) {
		size_t len;
		int rc;

		while ((rc = ring_msg_recv(&R, buf, sizeof(buf), &len)) == -EAGAIN)
			;
		if (rc || len != len_of(i) || !stamped(buf, len, i))
			return fail("recv");
	}
	return 0;
}

static int zc_tx(uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		size_t len = len_of(i);
		void *p;
		int rc;

		while ((rc = ring_msg_reserve(&R, len, &p)) == -EAGAIN || rc == -EBUSY)
			;
		if (rc)
			return fail("reserve");
		stamp(p, len, i); /* the message is produced in place */
		if (len >= 16)
			memcpy((unsigned char *)p + len - 8, &i, 8);
		ring_msg_commit(&R, len);
	}
	return 0;
}

static int zc_rx(uint64_t n)
{
	uint64_t i, v;

	for (i = 0; i < n; i++) {
		const void *p;
		size_t len;
		int rc;

		while ((rc = ring_msg_peek(&R, &p, &len)) == -EAGAIN)
			;
		if (rc || len != len_of(i) || !stamped(p, len, i))
			return fail("peek");
		if (len >= 16) {
			memcpy(&v, (const unsigned char *)p + len - 8, 8);
			if (v != i)
				return fail("peek tail");
		}
		ring_msg_release(&R);
	}
	return 0;
}

/* ---- copy against zero-copy with the whole payload touched ---------------
 * The producer writes every byte of the message (a buffer of the message's
 * value) and the consumer reads every byte (a sum of its words): through a
 * buffer and send/recv, or in place through reserve/commit and peek/release. */

static uint64_t word_sum(const unsigned char *p, size_t len)
{
	uint64_t s = 0, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		s += w;
	}
	return s;
}

static uint64_t want_sum(size_t len, uint64_t i)
{
	return (len / 8) * (UINT64_C(0x0101010101010101) * (unsigned char)i);
}

static int touch_tx(uint64_t n)
{
	static unsigned char buf[MAXMSG];
	uint64_t i;

	for (i = 0; i < n; i++) {
		size_t len = len_of(i);
		int rc;

		memset(buf, (unsigned char)i, len);
		while ((rc = ring_msg_send(&R, buf, len)) == -EAGAIN)
			;
		if (rc)
			return fail("send");
	}
	return 0;
}

static int touch_rx(uint64_t n)
{
	static unsigned char buf[MAXMSG];
	uint64_t i;

	for (i = 0; i < n; i++) {
		size_t len;
		int rc;

		while ((rc = ring_msg_recv(&R, buf, sizeof(buf), &len)) == -EAGAIN)
			;
		if (rc || word_sum(buf, len) != want_sum(len, i))
			return fail("recv sum");
	}
	return 0;
}

static int ztouch_tx(uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		size_t len = len_of(i);
		void *p;
		int rc;

		while ((rc = ring_msg_reserve(&R, len, &p)) == -EAGAIN)
			;
		if (rc)
			return fail("reserve");
		memset(p, (unsigned char)i, len);
		ring_msg_commit(&R, len);
	}
	return 0;
}

static int ztouch_rx(uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		const void *p;
		size_t len;
		int rc;

		while ((rc = ring_msg_peek(&R, &p, &len)) == -EAGAIN)
			;
		if (rc || word_sum(p, len) != want_sum(len, i))
			return fail("peek sum");
		ring_msg_release(&R);
	}
	return 0;
}

/* ---- the ideal copying hand-off ------------------------------------------ */

#define MC_SLOTS 64
struct mc_slot {
	_Atomic uint32_t full;
	uint32_t len;
	unsigned char pad[56];
	unsigned char data[MAXMSG];
};
static struct mc_slot *mc;

static int mc_setup(void)
{
	mc = mmap(NULL, sizeof(*mc) * MC_SLOTS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return mc == MAP_FAILED;
}

static void mc_teardown(void)
{
	munmap(mc, sizeof(*mc) * MC_SLOTS);
}

static int mc_tx(uint64_t n)
{
	static unsigned char buf[MAXMSG];
	uint64_t i;

	for (i = 0; i < n; i++) {
		struct mc_slot *s = &mc[i % MC_SLOTS];
		size_t len = len_of(i);

		stamp(buf, len, i);
		while (atomic_load_explicit(&s->full, memory_order_acquire))
			;
		memcpy(s->data, buf, len);
		s->len = (uint32_t)len;
		atomic_store_explicit(&s->full, 1, memory_order_release);
	}
	return 0;
}

static int mc_rx(uint64_t n)
{
	static unsigned char buf[MAXMSG];
	uint64_t i;

	for (i = 0; i < n; i++) {
		struct mc_slot *s = &mc[i % MC_SLOTS];
		size_t len;

		while (!atomic_load_explicit(&s->full, memory_order_acquire))
			;
		len = s->len;
		memcpy(buf, s->data, len);
		atomic_store_explicit(&s->full, 0, memory_order_release);
		if (len != len_of(i) || !stamped(buf, len, i))
			return fail("memcpy rx");
	}
	return 0;
}

/* ---- kernel mechanisms ---------------------------------------------------- */

static int sysv_id;
struct sysv_msg {
	long type;
	unsigned char data[MAXMSG];
};

static int sysv_setup(void)
{
	sysv_id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	return sysv_id < 0;
}

static void sysv_teardown(void)
{
	msgctl(sysv_id, IPC_RMID, NULL);
}

static int sysv_tx(uint64_t n)
{
	static struct sysv_msg m = {1, {0}};
	uint64_t i;

	for (i = 0; i < n; i++) {
		size_t len = len_of(i);

		stamp(m.data, len, i);
		if (msgsnd(sysv_id, &m, len, 0) < 0)
			return fail("msgsnd");
	}
	return 0;
}

static int sysv_rx(uint64_t n)
{
	static struct sysv_msg m;
	uint64_t i;

	for (i = 0; i < n; i++) {
		ssize_t len = msgrcv(sysv_id, &m, MAXMSG, 0, 0);

		if (len < 0 || (size_t)len != len_of(i) || !stamped(m.data, (size_t)len, i))
			return fail("msgrcv");
	}
	return 0;
}

static char mq_name[64];

static int posix_setup(void)
{
	struct mq_attr a;

	memset(&a, 0, sizeof(a));
	a.mq_maxmsg = 10;
	a.mq_msgsize = MAXMSG;
	mqd_t q;

	snprintf(mq_name, sizeof(mq_name), "/msgbench-%ld", (long)getpid());
	q = mq_open(mq_name, O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	if (q == (mqd_t)-1)
		return 1;
	mq_close(q);
	return 0;
}

static void posix_teardown(void)
{
	mq_unlink(mq_name);
}

static int posix_tx(uint64_t n)
{
	static unsigned char buf[MAXMSG];
	mqd_t q = mq_open(mq_name, O_WRONLY);
	uint64_t i;

	for (i = 0; i < n; i++) {
		size_t len = len_of(i);

		stamp(buf, len, i);
		if (mq_send(q, (const char *)buf, len, 0) < 0)
			return fail("mq_send");
	}
	return 0;
}

static int posix_rx(uint64_t n)
{
	static unsigned char buf[MAXMSG];
	mqd_t q = mq_open(mq_name, O_RDONLY);
	uint64_t i;

	for (i = 0; i < n; i++) {
		ssize_t len = mq_receive(q, (char *)buf, MAXMSG, NULL);

		if (len < 0 || (size_t)len != len_of(i) || !stamped(buf, (size_t)len, i))
			return fail("mq_receive");
	}
	return 0;
}

static int sv[2];

static int seq_setup(void)
{
	return socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0;
}

static int pipe_setup(void)
{
	return pipe(sv) < 0;
}

static void fd_teardown(void)
{
	close(sv[0]);
	close(sv[1]);
}

static int seq_tx(uint64_t n)
{
	static unsigned char buf[MAXMSG];
	uint64_t i;

	for (i = 0; i < n; i++) {
		size_t len = len_of(i);

		stamp(buf, len, i);
		if (send(sv[0], buf, len, 0) != (ssize_t)len)
			return fail("send");
	}
	return 0;
}

static int seq_rx(uint64_t n)
{
	static unsigned char buf[MAXMSG];
	uint64_t i;

	for (i = 0; i < n; i++) {
		ssize_t len = recv(sv[1], buf, MAXMSG, 0);

		if (len < 0 || (size_t)len != len_of(i) || !stamped(buf, (size_t)len, i))
			return fail("recv");
	}
	return 0;
}

static int readn(int fd, unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = read(fd, p, n);

		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* A pipe keeps no boundaries: each record is a 4-byte length and the
 * payload, written with one write (atomic up to PIPE_BUF). */
static int pipe_tx(uint64_t n)
{
	static unsigned char buf[4 + MAXMSG];
	uint64_t i;

	for (i = 0; i < n; i++) {
		uint32_t len = (uint32_t)len_of(i);

		memcpy(buf, &len, 4);
		stamp(buf + 4, len, i);
		if (write(sv[1], buf, 4 + len) != (ssize_t)(4 + len))
			return fail("write");
	}
	return 0;
}

static int pipe_rx(uint64_t n)
{
	static unsigned char buf[MAXMSG];
	uint64_t i;

	for (i = 0; i < n; i++) {
		uint32_t len;

		if (readn(sv[0], (unsigned char *)&len, 4) || len > MAXMSG || readn(sv[0], buf, len) ||
		    len != len_of(i) || !stamped(buf, len, i))
			return fail("read");
	}
	return 0;
}

static char bipc_name[64];

static int bipc_setup_c(void)
{
	snprintf(bipc_name, sizeof(bipc_name), "msgbench-bipc-%ld", (long)getpid());
	return bipc_create(bipc_name, MAXMSG);
}

static void bipc_teardown_c(void)
{
	bipc_remove(bipc_name);
}

static int bipc_tx_c(uint64_t n)
{
	return bipc_send(bipc_name, n, len_of) ? fail("boost send") : 0;
}

static int bipc_rx_c(uint64_t n)
{
	return bipc_recv(bipc_name, n, len_of) ? fail("boost receive") : 0;
}

/* ---- byte streams --------------------------------------------------------- */

#define CHUNK 4096
static uint64_t stream_bytes;

static int bytes_setup(void)
{
	struct ring_params p = {RING_KIND_BYTES, RING_RULE_COUNT, 1 << 18, 1, 0, 0, 0, 0};

	return ring_create_anon(&R, &p) < 0;
}

static int bytes_tx(uint64_t n)
{
	static unsigned char buf[CHUNK];
	uint64_t done = 0;

	(void)n;
	while (done < stream_bytes) {
		size_t off = 0;

		memcpy(buf, &done, 8);
		while (off < CHUNK) {
			ssize_t k = ring_bytes_write(&R, buf + off, CHUNK - off);

			if (k > 0)
				off += (size_t)k;
			else if (k != -EAGAIN)
				return fail("bytes write");
		}
		done += CHUNK;
	}
	return 0;
}

/* The reader's handle: R itself across processes; in the threaded run a
 * second handle on the same memory (ring.h: a pushing and a popping thread
 * each have their own handle, since a role's first taking writes fields of
 * the handle that the other direction reads). */
static struct ring *R_rx = &R;

static int bytes_rx(uint64_t n)
{
	static unsigned char buf[CHUNK];
	uint64_t done = 0, v;

	(void)n;
	while (done < stream_bytes) {
		size_t off = 0;

		while (off < CHUNK) {
			ssize_t k = ring_bytes_read(R_rx, buf + off, CHUNK - off);

			if (k > 0)
				off += (size_t)k;
			else if (k != -EAGAIN)
				return fail("bytes read");
		}
		memcpy(&v, buf, 8);
		if (v != done)
			return fail("bytes order");
		done += CHUNK;
	}
	return 0;
}

static int bpipe_tx(uint64_t n)
{
	static unsigned char buf[CHUNK];
	uint64_t done = 0;

	(void)n;
	while (done < stream_bytes) {
		memcpy(buf, &done, 8);
		if (write(sv[1], buf, CHUNK) != CHUNK)
			return fail("pipe write");
		done += CHUNK;
	}
	return 0;
}

static int bpipe_rx(uint64_t n)
{
	static unsigned char buf[CHUNK];
	uint64_t done = 0, v;

	(void)n;
	while (done < stream_bytes) {
		if (readn(sv[0], buf, CHUNK))
			return fail("pipe read");
		memcpy(&v, buf, 8);
		if (v != done)
			return fail("pipe order");
		done += CHUNK;
	}
	return 0;
}

#ifdef MSGBENCH_HAVE_JACK
static jack_ringbuffer_t *jrb;

static int jack_setup(void)
{
	jrb = jack_ringbuffer_create(1 << 18);
	return jrb == NULL;
}

static int jack_tx(uint64_t n)
{
	static unsigned char buf[CHUNK];
	uint64_t done = 0;

	(void)n;
	while (done < stream_bytes) {
		size_t off = 0;

		memcpy(buf, &done, 8);
		while (off < CHUNK)
			off += jack_ringbuffer_write(jrb, (const char *)buf + off, CHUNK - off);
		done += CHUNK;
	}
	return 0;
}

static int jack_rx(uint64_t n)
{
	static unsigned char rbuf[CHUNK];
	uint64_t done = 0, v;

	(void)n;
	while (done < stream_bytes) {
		size_t off = 0;

		while (off < CHUNK)
			off += jack_ringbuffer_read(jrb, (char *)rbuf + off, CHUNK - off);
		memcpy(&v, rbuf, 8);
		if (v != done)
			return 1;
		done += CHUNK;
	}
	return 0;
}
#endif

/* Threads: the same tx/rx pair in one process, pinned as the processes are. */
struct thr_arg {
	int (*fn)(uint64_t);
	int cpu;
	int rc;
};

static void *thr_main(void *a)
{
	struct thr_arg *t = a;

	pin(t->cpu);
	start_line();
	t->rc = t->fn(0);
	if (t->cpu == 1)
		sh->t1 = now_ns();
	return NULL;
}

static double run_threads(int (*tx)(uint64_t), int (*rx)(uint64_t))
{
	pthread_t a, b;
	struct thr_arg ta = {tx, 0, 0}, tb = {rx, 1, 0};

	memset(sh, 0, sizeof(*sh));
	pthread_create(&a, NULL, thr_main, &ta);
	pthread_create(&b, NULL, thr_main, &tb);
	while (atomic_load(&sh->ready) < 2)
		usleep(100);
	sh->t0 = now_ns();
	atomic_store(&sh->go, 1);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	if (ta.rc || tb.rc)
		return -1;
	return (double)stream_bytes / ((double)(sh->t1 - sh->t0) / 1e9);
}

/* Whether name is one of the comma-separated words of list. */
static int in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	while (*list) {
		const char *e = strchr(list, ',');
		size_t k = e ? (size_t)(e - list) : strlen(list);

		if (k == n && strncmp(list, name, n) == 0)
			return 1;
		if (!e)
			break;
		list = e + 1;
	}
	return 0;
}

/* ---- callgrind ------------------------------------------------------------
 * One thread, one handle in both roles: each row's loop runs CG_N1 and then
 * CG_N2 iterations with collection on only around the loop and a dump after
 * each (FILE.1, FILE.2, ...); the difference of the two dumps' totals over
 * CG_N2 - CG_N1 is one iteration: set-up, the call into the loop and the
 * dump cancel. The length comes from a volatile, so every copy has the
 * run-time size that real callers (and the two-process cases) give it. */

#define CG_N1 2000u
#define CG_N2 22000u
#define CG_BATCH 32u

static volatile size_t cg_len_v;

enum cg_kind { CG_MEMCPY, CG_MSG, CG_MSG_BATCH, CG_ZC };

struct cg_row {
	const char *name;
	enum cg_kind kind;
	size_t len;
	uint32_t flags;
};

/* iters send+recv pairs (CG_MSG_BATCH: iters / CG_BATCH rounds of CG_BATCH
 * sends, then as many receives); the number of failed calls. */
static uint64_t cg_loop(const struct cg_row *w, uint64_t iters)
{
	static unsigned char m[MAXMSG], out[MAXMSG];
	uint64_t i, j, bad = 0;
	size_t len = cg_len_v, got;

	switch (w->kind) {
	case CG_MEMCPY: /* the hand-off of the two-process "memcpy" case */
		for (i = 0; i < iters; i++) {
			struct mc_slot *sl = &mc[i % MC_SLOTS];

			bad += atomic_load_explicit(&sl->full, memory_order_acquire) != 0;
			memcpy(sl->data, m, len);
			sl->len = (uint32_t)len;
			atomic_store_explicit(&sl->full, 1, memory_order_release);
			bad += !atomic_load_explicit(&sl->full, memory_order_acquire);
			got = sl->len;
			memcpy(out, sl->data, got);
			atomic_store_explicit(&sl->full, 0, memory_order_release);
			bad += got != len;
		}
		break;
	case CG_MSG:
		for (i = 0; i < iters; i++) {
			bad += ring_msg_send(&R, m, len) != 0;
			bad += ring_msg_recv(&R, out, sizeof(out), &got) != 0 || got != len;
		}
		break;
	case CG_MSG_BATCH:
		for (i = 0; i < iters; i += CG_BATCH) {
			for (j = 0; j < CG_BATCH; j++)
				bad += ring_msg_send(&R, m, len) != 0;
			for (j = 0; j < CG_BATCH; j++)
				bad += ring_msg_recv(&R, out, sizeof(out), &got) != 0 || got != len;
		}
		break;
	case CG_ZC:
		for (i = 0; i < iters; i++) {
			void *p;
			const void *q;

			if (ring_msg_reserve(&R, len, &p) != 0) {
				bad++;
				continue;
			}
			memcpy(p, &i, 8); /* produced in place: the stamp only */
			bad += ring_msg_commit(&R, len) != 0;
			bad += ring_msg_peek(&R, &q, &got) != 0 || got != len ||
			       memcmp(q, &i, 8) != 0;
			bad += ring_msg_release(&R) != 0;
		}
		break;
	}
	return bad;
}

#ifdef MSGBENCH_HAVE_VALGRIND
static long long cg_measure(const struct cg_row *w, uint64_t iters, const char *f, int *nd,
			    uint64_t *bad)
{
	CALLGRIND_ZERO_STATS;
	CALLGRIND_TOGGLE_COLLECT;
	*bad += cg_loop(w, iters);
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT(w->name);
	return cg_dump_ir(f, ++*nd);
}
#endif

/* --cg FILE: under valgrind --tool=callgrind --collect-atstart=no
 * --callgrind-out-file=FILE (bench/callgrind.sh). The table on stdout,
 * FILE.csv beside the dumps. */
static int cg_main(const char *f)
{
	static const struct cg_row rows[] = {
		{"memcpy", CG_MEMCPY, 64, 0},
		{"msg", CG_MSG, 16, 0},
		{"msg", CG_MSG, 64, 0},
		{"msg", CG_MSG, 256, 0},
		{"msg-x32", CG_MSG_BATCH, 64, 0},
		{"msg-mp", CG_MSG, 16, RING_F_MSG_MP},
		{"msg-mp", CG_MSG, 64, RING_F_MSG_MP},
		{"msg-mp", CG_MSG, 256, RING_F_MSG_MP},
		{"msg-mp-x32", CG_MSG_BATCH, 64, RING_F_MSG_MP},
		{"msg-zc", CG_ZC, 64, 0},
		{"msg-mp-zc", CG_ZC, 64, RING_F_MSG_MP},
		{"msg-blocking", CG_MSG, 64, RING_F_BLOCKING},
	};
	unsigned k;
	int failed = 0;
#ifdef MSGBENCH_HAVE_VALGRIND
	char path[4200];
	FILE *csv;
	int nd = 0;

	if (!RUNNING_ON_VALGRIND) {
		fprintf(stderr, "msgbench --cg runs under valgrind: use bench/callgrind.sh\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s.csv", f);
	csv = fopen(path, "w");
	if (csv)
		fprintf(csv, "case,bytes,instr_per_pair\n");
	printf("msgbench --cg: instructions per send+receive of one message, one thread\n"
	       "(N = %u and %u iterations differenced; -x32: %u sends, then %u receives)\n\n",
	       CG_N1, CG_N2, CG_BATCH, CG_BATCH);
	printf("%-14s %6s %10s\n", "case", "bytes", "Ir/pair");
	if (mc_setup() != 0)
		return 1;
	for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		const struct cg_row *w = &rows[k];
		struct ring_params p = {RING_KIND_MSG, RING_RULE_COUNT, 1 << 16, 256, w->flags, 0, 0, 0};
		uint64_t bad = 0;
		long long a, b;

		if (w->kind != CG_MEMCPY && ring_create_anon(&R, &p) < 0) {
			printf("%-14s %6zu setup failed\n", w->name, w->len);
			failed = 1;
			continue;
		}
		cg_len_v = w->len;
		bad += cg_loop(w, 1000); /* warm: lazy binding, roles taken, a lap */
		a = cg_measure(w, CG_N1, f, &nd, &bad);
		b = cg_measure(w, CG_N2, f, &nd, &bad);
		if (w->kind != CG_MEMCPY)
			ring_close(&R);
		if (bad != 0 || a < 0 || b < a) {
			printf("%-14s %6zu %llu failed calls or unreadable dump %s.%d\n", w->name, w->len,
			       (unsigned long long)bad, f, nd);
			failed = 1;
			continue;
		}
		printf("%-14s %6zu %10.1f\n", w->name, w->len,
		       (double)(b - a) / (double)(CG_N2 - CG_N1));
		if (csv)
			fprintf(csv, "%s,%zu,%.2f\n", w->name, w->len,
				(double)(b - a) / (double)(CG_N2 - CG_N1));
	}
	mc_teardown();
	if (csv)
		fclose(csv);
#else
	(void)f;
	(void)rows;
	(void)k;
	fprintf(stderr, "msgbench: built without valgrind/callgrind.h\n");
	failed = 2;
#endif
	return failed;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = {16, 64, 256, 1500, 4096, 0};
	static const char *const size_names[] = {"16", "64", "256", "1500", "4096", "mixed"};
	struct peer peers[] = {
		{"msg", msg_setup, msg_tx, msg_rx, msg_teardown},
		{"msg-mp", msg_setup, msg_tx, msg_rx, msg_teardown},
		{"msg-zc", msg_setup, zc_tx, zc_rx, msg_teardown},
		{"memcpy", mc_setup, mc_tx, mc_rx, mc_teardown},
		{"sysv", sysv_setup, sysv_tx, sysv_rx, sysv_teardown},
		{"posix", posix_setup, posix_tx, posix_rx, posix_teardown},
		{"seqpacket", seq_setup, seq_tx, seq_rx, fd_teardown},
		{"pipe", pipe_setup, pipe_tx, pipe_rx, fd_teardown},
		{"boost-mq", bipc_setup_c, bipc_tx_c, bipc_rx_c, bipc_teardown_c},
	};
	const unsigned np = sizeof(peers) / sizeof(peers[0]);
	const char *only = NULL, *size_list = NULL;
	unsigned s, k;
	int a;

	if (argc == 3 && strcmp(argv[1], "--cg") == 0)
		return cg_main(argv[2]);
	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--quick") == 0)
			quick = 1;
		else if (strcmp(argv[a], "--only") == 0 && a + 1 < argc)
			only = argv[++a];
		else if (strcmp(argv[a], "--sizes") == 0 && a + 1 < argc)
			size_list = argv[++a];
		else {
			fprintf(stderr, "usage: msgbench [--quick] [--only PEER,...] [--sizes SIZE,...] | "
					"--cg FILE\n");
			return 2;
		}
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	printf("# msgbench: messages per second (producer CPU 0, consumer CPU 1); ratio = msg / peer\n");
	printf("%-6s", "size");
	for (k = 0; k < np; k++)
		printf(" %12s", peers[k].name);
	printf("\n");
	for (s = 0; s < 6; s++) {
		double v[16];

		if (size_list && !in_list(size_list, size_names[s]))
			continue;
		uint64_t n_ring = quick ? 200000 : (sizes[s] && sizes[s] <= 256 ? 5000000 : 1000000);
		uint64_t n_kern = quick ? 20000 : 200000;

		fixed_len = sizes[s];
		for (k = 0; k < np; k++) {
			ring_flags_now = k == 1 ? RING_F_MSG_MP : 0;
			v[k] = only && !in_list(only, peers[k].name) ? -1
								     : run(&peers[k], k < 4 ? n_ring : n_kern);
		}
		printf("%-6s", size_names[s]);
		for (k = 0; k < np; k++)
			printf(" %12.0f", v[k]);
		printf("\n%-6s", "ratio");
		for (k = 0; k < np; k++)
			printf(" %12.2f", v[k] > 0 && v[0] > 0 ? v[0] / v[k] : 0.0);
		printf("\n");
		if (sizes[s] == 4096)
			printf("# 4096 B: msg %.2f GB/s, msg-zc %.2f GB/s, memcpy hand-off %.2f GB/s; "
			       "msg/memcpy %.2f, zc/copy %.2f\n",
			       v[0] * 4096 / 1e9, v[2] * 4096 / 1e9, v[3] * 4096 / 1e9, v[0] / v[3],
			       v[2] / v[0]);
		if (sizes[s] == 4096 && !only) {
			struct peer tc = {"copy-touch", msg_setup, touch_tx, touch_rx, msg_teardown};
			struct peer tz = {"zc-touch", msg_setup, ztouch_tx, ztouch_rx, msg_teardown};
			double a = run(&tc, n_ring), b = run(&tz, n_ring);

			printf("# 4096 B, every byte written and read: send/recv %.0f msg/s, "
			       "reserve/commit + peek/release %.0f msg/s, zc/copy %.2f\n", a, b, b / a);
		}
		fflush(stdout);
	}
	/* Byte streams. */
	if (only || size_list)
		goto done;
	stream_bytes = quick ? (UINT64_C(32) << 20) : (UINT64_C(256) << 20);
	{
		struct peer b = {"bytes", bytes_setup, bytes_tx, bytes_rx, msg_teardown};
		struct peer p = {"pipe", pipe_setup, bpipe_tx, bpipe_rx, fd_teardown};
		double vb = run(&b, stream_bytes / CHUNK) * CHUNK, vp = run(&p, stream_bytes / CHUNK) * CHUNK;
		double vt = -1, vj = -1;

		if (bytes_setup() == 0) {
			static struct ring rx;

			if (ring_attach_mem(&rx, R.shm, R.map_len, RING_KIND_BYTES) == 0) {
				R_rx = &rx;
				vt = run_threads(bytes_tx, bytes_rx);
				ring_close(&rx);
				R_rx = &R;
			}
			ring_close(&R);
		}
#ifdef MSGBENCH_HAVE_JACK
		if (jack_setup() == 0) {
			vj = run_threads(jack_tx, jack_rx);
			jack_ringbuffer_free(jrb);
		}
#endif
		printf("# byte stream, %d-byte writes and reads, %llu MiB: GB/s\n", CHUNK,
		       (unsigned long long)(stream_bytes >> 20));
		printf("bytes(proc) %.2f  pipe(proc) %.2f  ratio %.2f\n", vb / 1e9, vp / 1e9, vb / vp);
		printf("bytes(thr)  %.2f  jack(thr)  %.2f  ratio %.2f\n", vt / 1e9, vj / 1e9,
		       vj > 0 ? vt / vj : 0.0);
	}
done:
	if (failures)
		fprintf(stderr, "msgbench: %d runs failed their checks\n", failures);
	return failures != 0;
}
