/* SPDX-License-Identifier: MIT */
/*
 * Shared declarations of the benchmark driver (shmbench) and the adaptors
 * that put shmring and each peer behind one interface.
 *
 * Every adaptor fills a struct impl. The timed loops themselves are generated
 * per adaptor from loops.h, so each implementation's push/pop inline into its
 * own loop exactly as they would in a user's program; the driver calls only
 * whole loops through the function pointers.
 *
 * Plain C, also compiled as C++17 (impl_boost.cpp): control words use the
 * __atomic builtins on plain integers, which mean the same in both.
 */
#ifndef SHMBENCH_BENCH_H
#define SHMBENCH_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <shmring/ring.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_BURST 32          /* elements per burst call */
#define BENCH_SLOTS 4096        /* ring size for the throughput cases */
#define BENCH_MAX_CHILD 16      /* 8 producers + 8 consumers */
#define BENCH_MAX_ESZ 64
#define BENCH_MPMC_SHIFT 48     /* MPMC message: producer index << 48 | seq */

/* What an adaptor can do (struct impl.caps). */
#define CAP_SPSC 0x01u    /* non-blocking single-producer single-consumer */
#define CAP_BURST 0x02u   /* has burst push/pop */
#define CAP_MPMC 0x04u    /* multi-producer multi-consumer */
#define CAP_IPC 0x08u     /* kernel message passing: calls block, never "full" */
#define CAP_THREADS 0x10u /* in-process only: run as two threads, not processes */
#define CAP_SHMRING 0x20u /* shmring itself: the numerator of the ratios */
#define CAP_EXTRA 0x40u   /* shmring variant shown for reference, not in ratios */
#define CAP_BLOCK 0x80u   /* blocking-mode case (idle wake-up, blocking stream) */

/* One channel: everything an adaptor needs in both processes. It is set up
 * in the parent before fork(), so every pointer in it is valid in the
 * children (same addresses, MAP_SHARED memory). */
struct chan {
	struct ring r;     /* shmring adaptors */
	void *mem;         /* shared mapping holding the peer's ring */
	size_t len;
	void *obj;         /* the peer's ring object inside mem (or heap, threads) */
	int fd[2];         /* pipe / socketpair ends */
	long id;           /* SysV queue id, POSIX mqd_t */
	uint32_t esz;      /* message bytes: 8 or 64 */
	uint32_t slots;    /* ring size asked for */
	uint64_t cache;    /* adaptor-private (wfcqueue: consumed count seen) */
	uint64_t seq;      /* adaptor-private (wfcqueue: next pool slot) */
};

/* What one child (or thread) is asked to do. */
struct job {
	uint64_t count;    /* messages this child sends / the stream carries */
	uint32_t esz;
	uint32_t burst;    /* 0: one per call; else elements per call */
	int yield;         /* 1: sched_yield when full/empty (same-core) */
	int index;         /* producer index (MPMC) */
	int nprod;         /* producers (MPMC) */
	uint64_t gap_ns;   /* idle wake-up: pause between messages */
	int fifo;          /* same-core stream: run under SCHED_FIFO (see run.c) */
};

/* What one child reports back, in the shared control block. */
struct child_res {
	uint64_t count;    /* messages sent / received and verified */
	uint64_t sum;      /* checksum of every word sent / received */
	uint64_t t_end;    /* CLOCK_MONOTONIC ns when this child finished */
	uint64_t futex;    /* futex syscalls made by this child */
	uint64_t csw;      /* its context switches, voluntary + involuntary (getrusage) */
	int32_t ok;        /* 1 when every check passed; -1: could not connect (skipped) */
	char err[116];
};

/* Shared control block of one run (MAP_SHARED, set up by the parent). */
struct ctl {
	uint32_t ready;          /* children that reached the start line */
	uint32_t go;             /* set by the parent: start */
	uint32_t prod_done;      /* MPMC: producers finished */
	uint32_t pad;
	uint64_t t_go;           /* CLOCK_MONOTONIC ns at go */
	struct child_res res[BENCH_MAX_CHILD];
	uint64_t samples[];      /* ping: one latency per message, ns */
};

/* What a child does in a run (the child_init/child_fini hooks' role). */
enum bench_role { BR_TX, BR_RX, BR_PING, BR_PONG, BR_MTX, BR_MRX };

struct impl {
	const char *name;
	unsigned caps;
	/* Parent, before fork: create the channel for esz-byte messages.
	 * mpmc: the multi-producer variant. Returns 0 or -1 (prints why). */
	int (*setup)(struct chan *c, uint32_t esz, uint32_t slots, int mpmc);
	void (*teardown)(struct chan *c);
	/* Stream: tx sends job->count messages, rx receives and verifies. */
	void (*stream_tx)(struct chan *c, const struct job *j, struct child_res *res);
	void (*stream_rx)(struct chan *c, const struct job *j, struct child_res *res);
	/* Ping-pong over the pair (c[0]: ping -> pong, c[1]: back). */
	void (*ping)(struct chan *c, const struct job *j, struct child_res *res, uint64_t *ns);
	void (*pong)(struct chan *c, const struct job *j, struct child_res *res);
	/* MPMC: producer job->index sends job->count; consumers drain. */
	void (*mpmc_tx)(struct chan *c, const struct job *j, struct child_res *res, struct ctl *ctl);
	void (*mpmc_rx)(struct chan *c, const struct job *j, struct child_res *res, struct ctl *ctl);
	/* Callgrind: iters single push+pop pairs (burst 0) or burst pairs of
	 * `burst` elements, in one thread. Returns the number of errors. */
	uint64_t (*cg_loop)(struct chan *c, uint32_t burst, uint64_t iters);
	/* Optional, in each child before the start line (untimed): connect
	 * this process's end of its channels (c: the run's channels, c[1]
	 * too for ping-pong). Returns 0, or -1 (the run fails). child_fini
	 * runs after the timed part. */
	int (*child_init)(struct chan *c, int role);
	void (*child_fini)(struct chan *c, int role);
};

/* The loop functions loops.h generates for prefix P, in struct impl order,
 * then the child hooks (none, or init and fini). */
#define LOOP_FNS_HOOKS(P, init, fini) P##_stream_tx, P##_stream_rx, P##_ping, P##_pong, \
		    P##_mpmc_tx, P##_mpmc_rx, P##_cg_loop, init, fini
#define LOOP_FNS(P) LOOP_FNS_HOOKS(P, NULL, NULL)

/* The adaptors. Each list ends with a NULL name; missing peers are absent. */
extern const struct impl impls_shmring[];
extern const struct impl impls_textbook[];
extern const struct impl impls_rte[];
extern const struct impl impls_ck[];
extern const struct impl impls_boost[];
extern const struct impl impls_wfcq[];
extern const struct impl impls_ref[];
extern const struct impl impls_bipc[];
extern const struct impl impls_moody[];
extern const struct impl impls_ipc[];
extern const struct impl impls_iox[];
extern const struct impl impls_block_shmring[];
extern const struct impl impls_cg_shmring_blk[]; /* callgrind rows only */
extern const struct impl impls_block[];
extern const struct impl impls_harness[];

/* ---- helpers (common.c) --------------------------------------------------- */

uint64_t now_ns(void);
/* TSC ticks (or ns where there is no TSC) and their conversion to ns. */
void tsc_calibrate(void);
double tsc_to_ns(uint64_t ticks);
int pin_cpu(int cpu);               /* -1 on failure */
void child_fail(struct child_res *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void *shared_alloc(size_t len);     /* MAP_SHARED|MAP_ANONYMOUS, zeroed */
void shared_free(void *p, size_t len);
/* Remember a SysV queue id so it is removed even when the driver is killed. */
void sysv_track(int id, int add);
void sysv_cleanup_all(void);

/* Futex syscalls made by this process (counted by the syscall() wrapper in
 * sysc.c, through which liburcu's futex_async and our own futex calls go). */
extern uint64_t bench_futex_calls;
long bench_futex(uint32_t *uaddr, int op, uint32_t val);

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
static inline uint64_t tsc_now(void)
{
	unsigned aux;

	return __rdtscp(&aux);
}
static inline void cpu_relax(void) { _mm_pause(); }
#else
static inline uint64_t tsc_now(void) { return now_ns(); }
static inline void cpu_relax(void) { __asm__ __volatile__("" ::: "memory"); }
#endif

/* ---- messages ---------------------------------------------------------------
 * Word 0 is the sequence number; every further word is seq * K + i. The
 * receiver checks word 0 (order, loss, duplication) and the last word (a
 * torn copy), and both sides sum every word: the sums must agree. */
#define MSG_K UINT64_C(0x9e3779b97f4a7c15)

static inline __attribute__((always_inline)) uint64_t msg_fill(void *m, uint64_t seq, uint32_t esz)
{
	uint64_t *w = (uint64_t *)m;
	uint64_t s = seq;
	uint32_t i;

	w[0] = seq;
	for (i = 1; i < esz / 8; i++) {
		w[i] = seq * MSG_K + i;
		s += w[i];
	}
	return s;
}

/* Returns 1 when m is message seq; adds its words to *sum. */
static inline __attribute__((always_inline)) int msg_check(const void *m, uint64_t seq,
							   uint32_t esz, uint64_t *sum)
{
	const uint64_t *w = (const uint64_t *)m;
	uint64_t s = 0;
	uint32_t i;

	if (w[0] != seq || (esz > 8 && w[esz / 8 - 1] != seq * MSG_K + (esz / 8 - 1)))
		return 0;
	for (i = 0; i < esz / 8; i++)
		s += w[i];
	*sum += s;
	return 1;
}

/* MPMC checksum of one message value: a mix, so a lost message and a
 * duplicated one do not cancel out. */
static inline uint64_t mpmc_mix(uint64_t v)
{
	v ^= v >> 33;
	v *= UINT64_C(0xff51afd7ed558ccd);
	v ^= v >> 33;
	return v;
}

#ifdef __cplusplus
}
#endif

#endif /* SHMBENCH_BENCH_H */
