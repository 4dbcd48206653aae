/* SPDX-License-Identifier: MIT */
/*
 * shmbench_bcast: one producer, N consumer processes (N = 1, 2, 4, 8), every
 * consumer receiving every message, compared in the same run with the ways
 * of doing that without a broadcast ring:
 *
 *   bcast        shmring broadcast ring, back-pressure (every message to
 *                every consumer; the producer waits for the slowest)
 *   bcast-lossy  the same ring with RING_F_BCAST_LOSSY (reference only: its
 *                consumers may miss messages, reported as such)
 *   n-spsc       N separate shmring SPSC rings, the producer pushing each
 *                message into each of them in turn
 *   bmsg         a broadcast message ring (RING_F_BCAST_MSG): messages of
 *                16..MSG_MAX bytes (length a function of the sequence
 *                number), back-pressure
 *   bmsg-lossy   the same with RING_F_BCAST_LOSSY (reference only)
 *   n-msg        N separate shmring message rings (RING_KIND_MSG), the
 *                producer sending each message into each of them in turn
 *   iceoryx      iceoryx 2.0 publish/subscribe (C binding), the publisher
 *                waiting for full subscriber queues (WAIT_FOR_CONSUMER /
 *                BLOCK_PRODUCER, so that nothing is lost either); this
 *                program starts and stops RouDi itself
 *
 *   shmbench_bcast [--quick] [--rounds R] [--count M] [--impl SUBSTR]
 *                  [--no-iceoryx]
 *
 * Rounds are interleaved (each round runs every implementation at every N
 * once); the table gives the median over rounds and the worst round's
 * producer throughput, and the ratio of each broadcast ring to its N-rings
 * counterpart (fixed-size: n-spsc; messages: n-msg) per round.
 *
 * Per run: producer throughput (messages published per second, from the
 * common start to its last push) and each consumer's (messages it received
 * per second, to its last pop); then a paced run for latency: the producer
 * publishes one message every PACE_NS, stamped with CLOCK_MONOTONIC, and
 * every consumer records now - stamp at its pop (p50 and p99 over all
 * consumers' samples). Every consumer checks every message (sequence number,
 * in order, none missing except the lossy ring's reported losses); a run that
 * fails a check fails the program. Nothing is pinned: the processes go where
 * the scheduler puts them, and each reports the CPU it ended on; the load
 * average is printed before and after each round.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <shmring/shmring.h>

#include "iox_roudi.h"

#ifdef SHMBENCH_HAVE_ICEORYX
#include <iceoryx_binding_c/log.h>
#include <iceoryx_binding_c/publisher.h>
#include <iceoryx_binding_c/runtime.h>
#include <iceoryx_binding_c/subscriber.h>
#endif

#define MAXC 8
#define SLOTS 4096
#define LAT_MAX 20000
#define PACE_NS 20000
#define RUN_LIMIT_S 120
#define MSG_MAX 256          /* largest message of the message variants */
#define MSG_BYTES (1u << 18) /* their data area */

enum impl { I_BCAST, I_LOSSY, I_NSPSC, I_BMSG, I_BMSG_LOSSY, I_NMSG, I_IOX, NIMPL };
static const char *const impl_names[NIMPL] = {"bcast", "bcast-lossy", "n-spsc", "bmsg",
					      "bmsg-lossy", "n-msg", "iceoryx"};

static int is_msg_impl(enum impl im)
{
	return im == I_BMSG || im == I_BMSG_LOSSY || im == I_NMSG;
}

static int is_lossy(enum impl im)
{
	return im == I_LOSSY || im == I_BMSG_LOSSY;
}

/* One ring per consumer rather than one broadcast ring. */
static int is_nrings(enum impl im)
{
	return im == I_NSPSC || im == I_NMSG;
}

/* The N-rings counterpart a broadcast ring is compared with. */
static enum impl base_of(enum impl im)
{
	return is_msg_impl(im) ? I_NMSG : I_NSPSC;
}

/* Length of message seq of the message variants: 16..MSG_MAX. */
static size_t msg_len(uint64_t seq)
{
	return 16 + (size_t)(seq * 37 % (MSG_MAX - 15));
}

struct msg {
	uint64_t seq;
	uint64_t ns; /* latency runs: CLOCK_MONOTONIC at publication */
};

struct cres {
	uint64_t count, missed, t_end;
	int32_t ok, cpu;
	char err[96];
	uint32_t lat[LAT_MAX];
	uint32_t nlat;
};

struct ctl {
	atomic_int ready;
	atomic_int go;
	uint64_t t_start;
	uint64_t prod_end;
	int32_t prod_ok, prod_cpu;
	char prod_err[96];
	struct cres c[MAXC];
};

static struct ctl *ctl;
static struct ring rings[MAXC]; /* bcast: rings[0]; n-spsc: one each */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pause_spin(unsigned *n)
{
	if ((++*n & 63) == 0)
		sched_yield();
}

static void wait_go(void)
{
	unsigned n = 0;

	atomic_fetch_add(&ctl->ready, 1);
	while (!atomic_load(&ctl->go))
		pause_spin(&n);
}

/* ---- shmring ---------------------------------------------------------------- */

static int shm_produce(enum impl im, int nc, uint64_t count, int paced)
{
	struct msg m;
	uint64_t i, next = 0;
	unsigned n = 0;
	int k;

	unsigned char buf[MSG_MAX];

	if (!is_nrings(im) && ring_bcast_producer(&rings[0]) != 0)
		return 1;
	memset(buf, 0xa5, sizeof(buf));
	wait_go();
	for (i = 0; i < count; i++) {
		if (paced) {
			while (now_ns() < next)
				;
			next = now_ns() + PACE_NS;
		}
		m.seq = i;
		m.ns = paced ? now_ns() : 0;
		if (is_msg_impl(im)) {
			size_t len = msg_len(i);

			memcpy(buf, &m, sizeof(m));
			buf[len - 1] = (unsigned char)i;
			if (im == I_NMSG) {
				for (k = 0; k < nc; k++)
					while (ring_msg_send(&rings[k], buf, len) != 0)
						pause_spin(&n);
			} else {
				while (ring_bcast_send(&rings[0], buf, len) != 0)
					pause_spin(&n);
			}
		} else if (im == I_NSPSC) {
			for (k = 0; k < nc; k++)
				while (ring_push(&rings[k], &m) != 0)
					pause_spin(&n);
		} else {
			while (ring_bcast_push(&rings[0], &m) != 0)
				pause_spin(&n);
		}
	}
	ctl->prod_end = now_ns();
	/* Messages: the end of the stream, so that a lossy consumer that
	 * missed the last ones learns it (-EPIPE) rather than waiting. */
	if (is_msg_impl(im))
		for (k = 0; k < (im == I_NMSG ? nc : 1); k++)
			ring_close_write(&rings[k]);
	return 0;
}

static void shm_consume(enum impl im, int idx, uint64_t count, int paced, struct cres *res)
{
	struct ring *r = &rings[is_nrings(im) ? idx : 0];
	struct msg m;
	uint64_t next = 0, missed;
	unsigned char buf[MSG_MAX];
	size_t len = 0;
	unsigned n = 0;
	int rc;

	if (!is_nrings(im) && ring_bcast_join(r) != 0) {
		snprintf(res->err, sizeof(res->err), "join failed");
		return;
	}
	wait_go();
	while (next < count) {
		missed = 0;
		if (is_msg_impl(im)) {
			rc = im == I_NMSG ? ring_msg_recv(r, buf, sizeof(buf), &len)
					  : ring_bcast_recv(r, buf, sizeof(buf), &len, &missed);
			if (rc == -EPIPE && is_lossy(im)) {
				/* The last ones were missed: the ring counted them. */
				res->missed = ring_bcast_missed(r);
				if (res->count + res->missed != count) {
					snprintf(res->err, sizeof(res->err),
						 "got %" PRIu64 " + missed %" PRIu64 " != %" PRIu64,
						 res->count, res->missed, count);
					return;
				}
				break;
			}
			if (rc == 0) {
				memcpy(&m, buf, sizeof(m));
				if (len != msg_len(m.seq) || buf[len - 1] != (unsigned char)m.seq) {
					snprintf(res->err, sizeof(res->err),
						 "message %" PRIu64 ": length %zu or bytes wrong", m.seq, len);
					return;
				}
			}
		} else {
			rc = im == I_NSPSC ? ring_pop(r, &m) : ring_bcast_pop(r, &m, &missed);
		}
		if (rc == -EAGAIN) {
			pause_spin(&n);
			continue;
		}
		if (rc != 0 || m.seq != next + missed) {
			snprintf(res->err, sizeof(res->err), "rc %d seq %" PRIu64 " expected %" PRIu64,
				 rc, m.seq, next + missed);
			return;
		}
		if (paced && res->nlat < LAT_MAX)
			res->lat[res->nlat++] = (uint32_t)(now_ns() - m.ns);
		res->count++;
		res->missed += missed;
		next = m.seq + 1;
	}
	res->t_end = now_ns();
	res->ok = is_lossy(im) || res->missed == 0;
	if (!res->ok)
		snprintf(res->err, sizeof(res->err), "missed %" PRIu64, res->missed);
}

/* ---- iceoryx ------------------------------------------------------------------ */

#ifdef SHMBENCH_HAVE_ICEORYX
static int iox_produce(int nc, uint64_t count, int paced)
{
	iox_pub_storage_t st;
	iox_pub_options_t o;
	iox_pub_t pub;
	uint64_t i, next = 0;
	char name[64];

	(void)nc;
	snprintf(name, sizeof(name), "bcast-pub-%ld", (long)getpid());
	iox_set_loglevel(Iceoryx_LogLevel_Error);
	iox_runtime_init(name);
	iox_pub_options_init(&o);
	o.historyCapacity = 0;
	o.subscriberTooSlowPolicy = ConsumerTooSlowPolicy_WAIT_FOR_CONSUMER;
	pub = iox_pub_init(&st, "shmbench", "bcast", "msg", &o);
	wait_go(); /* the subscribers are subscribed by now (see iox_consume) */
	for (i = 0; i < count; i++) {
		void *chunk;
		struct msg *m;

		if (paced) {
			while (now_ns() < next)
				;
			next = now_ns() + PACE_NS;
		}
		while (iox_pub_loan_chunk(pub, &chunk, sizeof(struct msg)) != AllocationResult_SUCCESS)
			sched_yield();
		m = (struct msg *)chunk;
		m->seq = i;
		m->ns = paced ? now_ns() : 0;
		iox_pub_publish_chunk(pub, chunk);
	}
	ctl->prod_end = now_ns();
	iox_pub_deinit(pub);
	iox_runtime_shutdown();
	return 0;
}

static void iox_consume(int idx, uint64_t count, int paced, struct cres *res)
{
	iox_sub_storage_t st;
	iox_sub_options_t o;
	iox_sub_t sub;
	uint64_t next = 0;
	unsigned n = 0;
	char name[64];

	snprintf(name, sizeof(name), "bcast-sub-%d-%ld", idx, (long)getpid());
	iox_set_loglevel(Iceoryx_LogLevel_Error);
	iox_runtime_init(name);
	iox_sub_options_init(&o);
	o.queueCapacity = 256; /* iceoryx 2.0's largest subscriber queue */
	o.historyRequest = 0;
	o.queueFullPolicy = QueueFullPolicy_BLOCK_PRODUCER;
	sub = iox_sub_init(&st, "shmbench", "bcast", "msg", &o);
	while (iox_sub_get_subscription_state(sub) != SubscribeState_SUBSCRIBED)
		usleep(1000);
	/* The publisher side learns of the subscription asynchronously: give
	 * the discovery loop a moment before the start (RouDi's loop runs
	 * every 100 ms). */
	usleep(300000);
	wait_go();
	while (next < count) {
		const void *chunk;
		const struct msg *m;

		if (iox_sub_take_chunk(sub, &chunk) != ChunkReceiveResult_SUCCESS) {
			pause_spin(&n);
			continue;
		}
		m = (const struct msg *)chunk;
		if (m->seq != next) {
			snprintf(res->err, sizeof(res->err), "seq %" PRIu64 " expected %" PRIu64, m->seq, next);
			iox_sub_release_chunk(sub, chunk);
			break;
		}
		if (paced && res->nlat < LAT_MAX)
			res->lat[res->nlat++] = (uint32_t)(now_ns() - m->ns);
		iox_sub_release_chunk(sub, chunk);
		res->count++;
		next++;
	}
	if (next == count) {
		res->t_end = now_ns();
		res->ok = 1;
	}
	iox_sub_deinit(sub);
	iox_runtime_shutdown();
}

#endif

/* ---- a run ------------------------------------------------------------------ */

struct outcome {
	int ok;
	double prod_mps, cons_min, cons_med;
	double p50, p99;
	uint64_t missed;
	char cpus[64];
	char err[160];
};

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int setup(enum impl im, int nc)
{
	struct ring_params p = {RING_KIND_BCAST, RING_RULE_COUNT, SLOTS, sizeof(struct msg), 0, 0, 0, 0};
	int k;

	if (im == I_IOX)
		return 0;
	if (is_msg_impl(im)) {
		p.slots = MSG_BYTES;
		p.elem_size = MSG_MAX;
		if (im == I_NMSG) {
			p.kind = RING_KIND_MSG;
			for (k = 0; k < nc; k++)
				if (ring_create_anon(&rings[k], &p) != 0)
					return -1;
			return 0;
		}
		p.flags = RING_F_BCAST_MSG | (im == I_BMSG_LOSSY ? RING_F_BCAST_LOSSY : 0);
		return ring_create_anon(&rings[0], &p);
	}
	if (im == I_NSPSC) {
		p.kind = RING_KIND_SPSC;
		for (k = 0; k < nc; k++)
			if (ring_create_anon(&rings[k], &p) != 0)
				return -1;
		return 0;
	}
	if (im == I_LOSSY)
		p.flags = RING_F_BCAST_LOSSY;
	return ring_create_anon(&rings[0], &p);
}

static void teardown(enum impl im, int nc)
{
	int k;

	for (k = 0; k < (is_nrings(im) ? nc : 1); k++)
		ring_close(&rings[k]);
}

static void run(enum impl im, int nc, uint64_t count, int paced, struct outcome *o)
{
	pid_t pids[MAXC + 1];
	double rates[MAXC];
	static uint32_t all[MAXC * LAT_MAX];
	uint64_t nall = 0, deadline;
	int k, alive;

	memset(o, 0, sizeof(*o));
	memset(ctl, 0, sizeof(*ctl));
	if (setup(im, nc) != 0) {
		snprintf(o->err, sizeof(o->err), "setup failed");
		return;
	}
	for (k = 0; k <= nc; k++) {
		pids[k] = fork();
		if (pids[k] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			setpgid(0, 0);
			if (k == 0) {
				int rc;
#ifdef SHMBENCH_HAVE_ICEORYX
				if (im == I_IOX)
					rc = iox_produce(nc, count, paced);
				else
#endif
					rc = shm_produce(im, nc, count, paced);
				ctl->prod_ok = rc == 0;
				ctl->prod_cpu = sched_getcpu();
				_exit(rc);
			}
#ifdef SHMBENCH_HAVE_ICEORYX
			if (im == I_IOX)
				iox_consume(k - 1, count, paced, &ctl->c[k - 1]);
			else
#endif
				shm_consume(im, k - 1, count, paced, &ctl->c[k - 1]);
			ctl->c[k - 1].cpu = sched_getcpu();
			_exit(0);
		}
		setpgid(pids[k], pids[k]);
	}
	deadline = now_ns() + (uint64_t)RUN_LIMIT_S * 1000000000u;
	while (atomic_load(&ctl->ready) < nc + 1 && now_ns() < deadline)
		usleep(1000);
	ctl->t_start = now_ns();
	atomic_store(&ctl->go, 1);
	for (alive = nc + 1; alive > 0 && now_ns() < deadline;) {
		int st;

		/* Each child by pid: RouDi is a child of this process too. */
		for (k = 0; k <= nc; k++)
			if (pids[k] > 0 && waitpid(pids[k], &st, WNOHANG) == pids[k]) {
				pids[k] = -pids[k]; /* reaped */
				alive--;
			}
		if (alive > 0)
			usleep(2000);
	}
	for (k = 0; k <= nc; k++) {
		if (pids[k] > 0) {
			kill(-pids[k], SIGKILL);
			waitpid(pids[k], NULL, 0);
		}
	}
	teardown(im, nc);
	if (alive > 0) {
		snprintf(o->err, sizeof(o->err), "did not finish in %d s", RUN_LIMIT_S);
		return;
	}
	if (!ctl->prod_ok) {
		snprintf(o->err, sizeof(o->err), "producer failed");
		return;
	}
	o->prod_mps = (double)count / ((double)(ctl->prod_end - ctl->t_start) / 1e9) / 1e6;
	snprintf(o->cpus, sizeof(o->cpus), "p%d", ctl->prod_cpu);
	for (k = 0; k < nc; k++) {
		struct cres *c = &ctl->c[k];
		size_t at = strlen(o->cpus);

		if (!c->ok) {
			snprintf(o->err, sizeof(o->err), "consumer %d: %s", k, c->err);
			return;
		}
		rates[k] = (double)c->count / ((double)(c->t_end - ctl->t_start) / 1e9) / 1e6;
		o->missed += c->missed;
		snprintf(o->cpus + at, sizeof(o->cpus) - at, " %d", c->cpu);
		memcpy(all + nall, c->lat, c->nlat * sizeof(uint32_t));
		nall += c->nlat;
	}
	qsort(rates, (size_t)nc, sizeof(double), cmp_d);
	o->cons_min = rates[0];
	o->cons_med = nc % 2 ? rates[nc / 2] : (rates[nc / 2 - 1] + rates[nc / 2]) / 2;
	if (nall > 0) {
		qsort(all, (size_t)nall, sizeof(uint32_t), cmp_u32);
		o->p50 = all[nall / 2];
		o->p99 = all[nall * 99 / 100];
	}
	o->ok = 1;
}

static void loadavg(char *b, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");

	b[0] = 0;
	if (f != NULL) {
		if (fgets(b, (int)len, f) == NULL)
			b[0] = 0;
		fclose(f);
	}
	b[strcspn(b, "\n")] = 0;
}

int main(int argc, char **argv)
{
	static const int ns[] = {1, 2, 4, 8};
	uint64_t count = 2000000, lat_count = 20000;
	int rounds = 3, quick = 0, use_iox = 1, r, i, k, bad = 0;
	const char *filter = NULL;
	char la[128];
	static struct outcome out[16][4][NIMPL], lat[16][4][NIMPL];

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			quick = 1;
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--impl") == 0 && i + 1 < argc)
			filter = argv[++i];
		else if (strcmp(argv[i], "--no-iceoryx") == 0)
			use_iox = 0;
		else {
			fprintf(stderr, "usage: %s [--quick] [--rounds R] [--count M] [--impl S] [--no-iceoryx]\n",
				argv[0]);
			return 2;
		}
	}
	if (quick) {
		count = 100000;
		lat_count = 2000;
		rounds = 1;
	}
	if (rounds < 1 || rounds > 16)
		rounds = 3;
	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctl == MAP_FAILED)
		return 2;
#ifdef SHMBENCH_HAVE_ICEORYX
	if (use_iox && (filter == NULL || strstr("iceoryx", filter) != NULL)) {
		if (iox_roudi_start() != 0) {
			printf("note: iceoryx skipped (iox-roudi did not start; another RouDi running?)\n");
			use_iox = 0;
		}
	}
#else
	if (use_iox)
		printf("note: iceoryx skipped (libiceoryx-binding-c-dev not found at build time)\n");
	use_iox = 0;
#endif
	printf("shmbench_bcast: %" PRIu64 " messages of %zu bytes per throughput run, %" PRIu64
	       " paced (1 per %d ns) per latency run, %d round(s), %ld CPUs online, nothing pinned\n",
	       count, sizeof(struct msg), lat_count, PACE_NS, rounds, sysconf(_SC_NPROCESSORS_ONLN));
	for (r = 0; r < rounds; r++) {
		loadavg(la, sizeof(la));
		printf("round %d: load before %s\n", r + 1, la);
		for (k = 0; k < 4; k++) {
			for (i = 0; i < NIMPL; i++) {
				if (i == I_IOX && !use_iox)
					continue;
				if (filter != NULL && strstr(impl_names[i], filter) == NULL)
					continue;
				run((enum impl)i, ns[k], count, 0, &out[r][k][i]);
				run((enum impl)i, ns[k], lat_count, 1, &lat[r][k][i]);
				if (!out[r][k][i].ok || !lat[r][k][i].ok) {
					printf("  %-12s 1->%d FAILED: %s%s\n", impl_names[i], ns[k],
					       out[r][k][i].err, lat[r][k][i].err);
					if (i != I_IOX)
						bad = 1;
				}
			}
		}
		loadavg(la, sizeof(la));
		printf("round %d: load after  %s\n", r + 1, la);
	}
	iox_roudi_stop();
	printf("\n%-12s %-5s %12s %12s %12s %12s %9s %9s %s\n", "impl", "N", "prod Mmsg/s",
	       "prod worst", "cons min", "cons median", "p50 ns", "p99 ns", "CPUs (last round)");
	for (k = 0; k < 4; k++) {
		for (i = 0; i < NIMPL; i++) {
			double pm[16], cm[16], cd[16], p5[16], p9[16], ratio[16];
			int nok = 0, nr = 0, j;
			const char *cpus = "";

			for (r = 0; r < rounds; r++) {
				struct outcome *o = &out[r][k][i], *l = &lat[r][k][i];

				if (!o->ok || !l->ok)
					continue;
				pm[nok] = o->prod_mps;
				cm[nok] = o->cons_min;
				cd[nok] = o->cons_med;
				p5[nok] = l->p50;
				p9[nok] = l->p99;
				cpus = o->cpus;
				nok++;
				if (out[r][k][base_of((enum impl)i)].ok && i != (int)base_of((enum impl)i))
					ratio[nr++] = o->prod_mps / out[r][k][base_of((enum impl)i)].prod_mps;
			}
			if (nok == 0)
				continue;
			qsort(pm, (size_t)nok, sizeof(double), cmp_d);
			qsort(cm, (size_t)nok, sizeof(double), cmp_d);
			qsort(cd, (size_t)nok, sizeof(double), cmp_d);
			qsort(p5, (size_t)nok, sizeof(double), cmp_d);
			qsort(p9, (size_t)nok, sizeof(double), cmp_d);
			qsort(ratio, (size_t)nr, sizeof(double), cmp_d);
			j = nok / 2;
			printf("%-12s 1->%-2d %12.2f %12.2f %12.2f %12.2f %9.0f %9.0f %s\n", impl_names[i],
			       ns[k], pm[j], pm[0], cm[j], cd[j], p5[j], p9[j], cpus);
			if (nr > 0)
				printf("%-12s %-5s vs %-6s x%.2f (median of %d rounds, worst x%.2f)\n", "", "",
				       impl_names[base_of((enum impl)i)], ratio[nr / 2], nr, ratio[0]);
		}
	}
	printf("\nmedians over rounds (prod worst: the slowest round); throughput from the common "
	       "start to each side's last message; p50/p99 over every consumer's samples of the "
	       "paced run; every message of every run checked (sequence; messages: length, bytes)\n");
	return bad;
}
