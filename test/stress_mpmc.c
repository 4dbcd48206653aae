/* SPDX-License-Identifier: MIT */
/*
 * MPMC stress: P producers and C consumers, as processes (fork) or as threads.
 *
 *   stress_mpmc proc|thread anon|named|memfd|mem P C total [slots [elem_size]]
 *
 * Producer p pushes messages p:0 .. p:m-1 (m = its share of total), mixing
 * single pushes, bulk and burst. Each message carries its tag (p << 40 | seq),
 * a hash of the tag and a byte pattern derived from it up to elem_size.
 * Consumers pop with single, bulk and burst calls until -EPIPE, and check
 * every message: intact payload, known producer, and per-producer FIFO (seq
 * strictly increasing per producer as seen by this consumer). Each consumer
 * sets one bit per message in its own bitmap; the parent then requires that
 * every (producer, seq) bit is set by exactly one consumer: 0 lost, 0
 * duplicated. Counts and a sum of tag hashes are cross-checked as well.
 *
 * Every -EAGAIN and -EBUSY is retried by the caller (this program), yielding the CPU
 * after a few failures: the ring never spins on another's progress, so with
 * more processes than cores every run must finish. Exit status 0 on success.
 *
 * Regions: anon (fork only), named (each process or thread opens the name;
 * unlinked as soon as all have), memfd (children open the inherited fd; threads
 * too), mem (ring_init_mem in a MAP_SHARED mapping, others ring_attach_mem).
 */
#include <shmring/ring.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PROCS 64
#define BATCH 8  /* bulk / burst size */
#define WATCHDOG_S 240 /* below the ctest TIMEOUT: report, do not just vanish */

static int use_threads;
static const char *region;
static unsigned nprod, ncons;
static uint64_t total, slots = 64, esz = 16;
static char name[64];
static struct ring creator;
static void *mem_region; /* "mem": the shared mapping */
static size_t mem_len;

/* Results, in a MAP_SHARED mapping so that forked consumers can fill them. */
struct cons_result {
	uint64_t count;
	uint64_t hash_sum;
	uint64_t fails; /* payload, producer id, FIFO or API errors */
	char why[96];
};
static struct cons_result *results;
static uint64_t *bitmaps; /* ncons bitmaps of total_bits bits */
static uint64_t bitmap_words;
static uint64_t share[MAX_PROCS], first_bit[MAX_PROCS];
static atomic_uint *opened; /* participants attached, in the shared mapping */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	return x ^ (x >> 33);
}

static void fill(unsigned char *m, uint64_t tag)
{
	uint64_t h = mix(tag);
	size_t i;

	memcpy(m, &tag, 8);
	memcpy(m + 8, &h, 8);
	for (i = 16; i < esz; i++)
		m[i] = (unsigned char)(h >> (i % 8 * 8) ^ i);
}

static int intact(const unsigned char *m, uint64_t *tag)
{
	uint64_t h;
	size_t i;

	memcpy(tag, m, 8);
	memcpy(&h, m + 8, 8);
	if (h != mix(*tag))
		return 0;
	for (i = 16; i < esz; i++)
		if (m[i] != (unsigned char)(h >> (i % 8 * 8) ^ i))
			return 0;
	return 1;
}

static void backoff(unsigned *fails)
{
	if (++*fails >= 4) {
		*fails = 0;
		sched_yield();
	}
}

static int attach(struct ring *r)
{
	if (strcmp(region, "named") == 0)
		return ring_open(r, name, RING_KIND_MPMC);
	if (strcmp(region, "memfd") == 0)
		return ring_open_fd(r, ring_fd(&creator), RING_KIND_MPMC);
	if (strcmp(region, "mem") == 0)
		return ring_attach_mem(r, mem_region, mem_len, RING_KIND_MPMC);
	*r = creator; /* anon: the inherited handle (processes only) */
	return 0;
}

/* Returns 0 or a line number identifying the failure. */
static int producer(unsigned p)
{
	struct ring r;
	unsigned char *buf = malloc(BATCH * esz);
	uint64_t seq = 0, m = share[p];
	unsigned fails = 0, round = 0;
	int rc;

	if (buf == NULL || attach(&r) != 0)
		return __LINE__;
	atomic_fetch_add(opened, 1);
	while (seq < m) {
		uint64_t want = m - seq < BATCH ? m - seq : BATCH;
		ssize_t got;
		unsigned i;

		for (i = 0; i < want; i++)
			fill(buf + i * esz, (uint64_t)p << 40 | (seq + i));
		switch (round++ % 3) {
		case 0:
			rc = ring_push(&r, buf);
			got = rc == 0 ? 1 : rc;
			break;
		case 1:
			/* Bulk of BATCH only fits rings that hold it. */
			got = want <= ring_capacity(&r) ? ring_push_bulk(&r, buf, want)
							 : ring_push_burst(&r, buf, want);
			break;
		default:
			got = ring_push_burst(&r, buf, want);
			break;
		}
		if (got == -EAGAIN || got == -EBUSY) {
			backoff(&fails);
			continue;
		}
		if (got <= 0 || (uint64_t)got > want)
			return __LINE__;
		fails = 0;
		seq += (uint64_t)got;
	}
	free(buf);
	if (strcmp(region, "anon") != 0)
		ring_close(&r);
	return 0;
}

static int consumer(unsigned c)
{
	struct cons_result *res = &results[c];
	uint64_t *bits = bitmaps + c * bitmap_words;
	int64_t last[MAX_PROCS];
	unsigned char *buf = malloc(2 * BATCH * esz);
	unsigned fails = 0, round = 0, i;
	int closed_bulk = 0;
	struct ring r;

	if (buf == NULL || attach(&r) != 0)
		return __LINE__;
	atomic_fetch_add(opened, 1);
	for (i = 0; i < nprod; i++)
		last[i] = -1;
	for (;;) {
		ssize_t got;
		int rc;

		switch (round++ % 3) {
		case 0:
			rc = ring_pop(&r, buf);
			got = rc == 0 ? 1 : rc;
			break;
		case 1:
			/* After a bulk -EPIPE fewer than BATCH remain: drain
			 * with single and burst pops from then on. */
			if (!closed_bulk && BATCH <= ring_capacity(&r)) {
				got = ring_pop_bulk(&r, buf, BATCH);
				if (got == -EPIPE) {
					closed_bulk = 1;
					continue;
				}
				break;
			}
			/* fall through */
		default:
			got = ring_pop_burst(&r, buf, 2 * BATCH);
			break;
		}
		if (got == -EAGAIN || got == -EBUSY) {
			backoff(&fails);
			continue;
		}
		if (got == -EPIPE)
			break;
		if (got <= 0) {
			snprintf(res->why, sizeof(res->why), "pop returned %zd", got);
			res->fails++;
			break;
		}
		fails = 0;
		for (i = 0; i < (unsigned)got; i++) {
			uint64_t tag, p, seq, bit;

			if (!intact(buf + i * esz, &tag)) {
				snprintf(res->why, sizeof(res->why), "corrupt payload");
				res->fails++;
				continue;
			}
			p = tag >> 40;
			seq = tag & ((UINT64_C(1) << 40) - 1);
			if (p >= nprod || seq >= share[p]) {
				snprintf(res->why, sizeof(res->why), "unknown tag %#" PRIx64, tag);
				res->fails++;
				continue;
			}
			if ((int64_t)seq <= last[p]) {
				snprintf(res->why, sizeof(res->why),
					 "FIFO: producer %" PRIu64 " seq %" PRIu64 " after %" PRId64,
					 p, seq, last[p]);
				res->fails++;
			}
			last[p] = (int64_t)seq;
			bit = first_bit[p] + seq;
			bits[bit / 64] |= UINT64_C(1) << (bit % 64);
			res->count++;
			res->hash_sum += mix(tag);
		}
	}
	free(buf);
	if (strcmp(region, "anon") != 0)
		ring_close(&r);
	return res->fails ? __LINE__ : 0;
}

static void *thread_main(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	int rc = id < nprod ? producer((unsigned)id) : consumer((unsigned)(id - nprod));

	return (void *)(uintptr_t)rc;
}

static int create_ring(void)
{
	struct ring_params p = {RING_KIND_MPMC, RING_RULE_COUNT, slots, esz, 0, 0, 0, 0};

	if (strcmp(region, "anon") == 0)
		return use_threads ? -EINVAL : ring_create_anon(&creator, &p);
	if (strcmp(region, "named") == 0) {
		snprintf(name, sizeof(name), "/shmring-stress-mpmc-%ld", (long)getpid());
		return ring_create(&creator, name, &p);
	}
	if (strcmp(region, "memfd") == 0)
		return ring_create_memfd(&creator, "stress_mpmc", &p);
	if (strcmp(region, "mem") == 0) {
		ssize_t len = ring_memsize(&p);

		if (len < 0)
			return (int)len;
		mem_len = (size_t)len;
		mem_region = mmap(NULL, mem_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (mem_region == MAP_FAILED)
			return -errno;
		return ring_init_mem(&creator, mem_region, mem_len, &p);
	}
	return -EINVAL;
}

/*
 * Unlink the name once every participant has attached, or once a child
 * process has exited before attaching (it never will then; its status is
 * judged later). WNOWAIT leaves the children to the waitpid() calls below.
 */
static void unlink_when_opened(const pid_t *pids, unsigned n)
{
	if (name[0] == '\0')
		return;
	while (atomic_load(opened) < n) {
		unsigned i;
		int gone = 0;

		for (i = 0; pids != NULL && i < n; i++) {
			siginfo_t si;

			memset(&si, 0, sizeof(si));
			if (waitid(P_PID, (id_t)pids[i], &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
			    si.si_pid != 0)
				gone = 1;
		}
		if (gone)
			break;
		usleep(1000);
	}
	ring_unlink(name);
	name[0] = '\0';
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "stress_mpmc: watchdog expired\n";

	if (name[0] != '\0')
		ring_unlink(name);
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(3);
}

int main(int argc, char **argv)
{
	unsigned i, n;
	uint64_t sum_count = 0, sum_hash = 0, want_hash = 0, lost = 0, dup = 0;
	int bad = 0, rc;
	pid_t pids[2 * MAX_PROCS];
	pthread_t tids[2 * MAX_PROCS];
	size_t res_len;
	void *shared;

	if (argc < 6) {
		fprintf(stderr, "usage: %s proc|thread anon|named|memfd|mem P C total [slots [elem_size]]\n",
			argv[0]);
		return 2;
	}
	use_threads = strcmp(argv[1], "thread") == 0;
	region = argv[2];
	nprod = (unsigned)strtoul(argv[3], NULL, 0);
	ncons = (unsigned)strtoul(argv[4], NULL, 0);
	total = strtoull(argv[5], NULL, 0);
	if (argc > 6)
		slots = strtoull(argv[6], NULL, 0);
	if (argc > 7)
		esz = strtoull(argv[7], NULL, 0);
	if (nprod == 0 || ncons == 0 || nprod > MAX_PROCS || ncons > MAX_PROCS || esz < 16 ||
	    total / nprod >= (UINT64_C(1) << 40)) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	signal(SIGALRM, on_alarm);
	alarm(WATCHDOG_S);

	for (i = 0; i < nprod; i++) {
		share[i] = total / nprod + (i < total % nprod);
		first_bit[i] = i == 0 ? 0 : first_bit[i - 1] + share[i - 1];
		for (uint64_t s = 0; s < share[i]; s++)
			want_hash += mix((uint64_t)i << 40 | s);
	}
	bitmap_words = (total + 63) / 64;
	res_len = 64 + ncons * sizeof(struct cons_result) + ncons * bitmap_words * 8;
	shared = mmap(NULL, res_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	opened = shared;
	results = (struct cons_result *)(void *)((char *)shared + 64);
	bitmaps = (uint64_t *)(void *)(results + ncons);

	rc = create_ring();
	if (rc < 0) {
		fprintf(stderr, "create %s: %s\n", region, ring_strerror(rc));
		return 2;
	}
	n = nprod + ncons;
	if (use_threads) {
		for (i = 0; i < n; i++)
			if (pthread_create(&tids[i], NULL, thread_main, (void *)(uintptr_t)i) != 0) {
				fprintf(stderr, "pthread_create failed\n");
				return 2;
			}
		unlink_when_opened(NULL, n);
		for (i = 0; i < nprod; i++) {
			void *ret;

			pthread_join(tids[i], &ret);
			if (ret != NULL) {
				fprintf(stderr, "producer %u failed at line %d\n", i, (int)(uintptr_t)ret);
				bad = 1;
			}
		}
		ring_close_write(&creator);
		for (i = nprod; i < n; i++) {
			void *ret;

			pthread_join(tids[i], &ret);
			if (ret != NULL)
				bad = 1;
		}
	} else {
		for (i = 0; i < n; i++) {
			pids[i] = fork();
			if (pids[i] < 0) {
				perror("fork");
				return 2;
			}
			if (pids[i] == 0) {
				/* Die with the parent (watchdog, ctest timeout). */
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				if (getppid() == 1)
					_exit(4);
				alarm(0);
				rc = i < nprod ? producer(i) : consumer(i - nprod);
				_exit(rc ? 1 + rc % 250 : 0);
			}
		}
		unlink_when_opened(pids, n);
		for (i = 0; i < nprod; i++) {
			int st, w;

			do
				w = waitpid(pids[i], &st, 0);
			while (w < 0 && errno == EINTR);
			if (w < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				fprintf(stderr, "producer %u failed (status %#x)\n", i, st);
				bad = 1;
			}
		}
		ring_close_write(&creator);
		for (i = nprod; i < n; i++) {
			int st, w;

			do
				w = waitpid(pids[i], &st, 0);
			while (w < 0 && errno == EINTR);
			if (w < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				fprintf(stderr, "consumer %u failed (status %#x)\n", i - nprod, st);
				bad = 1;
			}
		}
	}
	if (name[0] != '\0') {
		ring_unlink(name);
		name[0] = '\0';
	}

	for (i = 0; i < ncons; i++) {
		sum_count += results[i].count;
		sum_hash += results[i].hash_sum;
		if (results[i].fails) {
			fprintf(stderr, "consumer %u: %" PRIu64 " failures, last: %s\n", i,
				results[i].fails, results[i].why);
			bad = 1;
		}
	}
	for (uint64_t w = 0; w < bitmap_words; w++) {
		uint64_t any = 0, twice = 0, valid;

		for (i = 0; i < ncons; i++) {
			uint64_t b = bitmaps[i * bitmap_words + w];

			twice |= any & b;
			any |= b;
		}
		valid = w == bitmap_words - 1 && total % 64 ? (UINT64_C(1) << (total % 64)) - 1 : ~UINT64_C(0);
		lost += (uint64_t)__builtin_popcountll(~any & valid);
		dup += (uint64_t)__builtin_popcountll(twice);
	}
	printf("stress_mpmc %s %s %uP%uC total %" PRIu64 " slots %" PRIu64 " elem %" PRIu64
	       ": received %" PRIu64 ", lost %" PRIu64 ", duplicated %" PRIu64 ", hash %s\n",
	       use_threads ? "thread" : "proc", region, nprod, ncons, total, slots, esz, sum_count,
	       lost, dup, sum_hash == want_hash ? "ok" : "MISMATCH");
	if (sum_count != total || lost || dup || sum_hash != want_hash)
		bad = 1;
	ring_close(&creator);
	if (mem_region != NULL)
		munmap(mem_region, mem_len);
	return bad;
}
