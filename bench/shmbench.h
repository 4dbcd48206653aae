/* SPDX-License-Identifier: MIT */
/* The driver's own declarations: cases, message counts, results. */
#ifndef SHMBENCH_SHMBENCH_H
#define SHMBENCH_SHMBENCH_H

#include "bench.h"

enum case_kind {
	K_STREAM,   /* SPSC stream, throughput */
	K_PINGPONG, /* round trip through a pair, latency */
	K_MPMC,     /* np producers, np consumers, throughput */
	K_IDLE,     /* blocking: round trip to a sleeping peer, latency */
	K_BSTREAM,  /* blocking: saturated stream, throughput and futex calls */
};

struct bcase {
	const char *name;
	enum case_kind kind;
	uint32_t esz;
	uint32_t burst;
	int same_core; /* streams: both on CPU 0; MPMC: processes pinned alternately to CPU 0 and 1 */
	int np;
};

/* Messages per run, by kind of case and of implementation. */
struct counts {
	uint64_t stream, stream_burst, stream_ipc;
	uint64_t pp, pp_ipc;
	uint64_t mpmc;
	uint64_t idle, idle_gap_ns;
	uint64_t bstream, bstream_ipc;
};

enum { ST_OK, ST_FAIL, ST_DNF, ST_SKIP };

#define NV 6 /* v[0] the figure (throughput or p50), v[1..3] p99 p99.9 max, v[4] futex/msg,
	      * v[5] context switches per message (both sides; not MPMC) */

struct result {
	int status;
	double v[NV];
	double secs; /* wall time of the whole run, set-up included */
	char err[160];
};

int run_case(const struct bcase *bc, const struct impl *im, const struct counts *cn,
	     double limit_s, struct result *out);

/* Cache-line round trip between CPU 0 and CPU 1, ns (median of batches). */
double probe_c2c(void);

/* --callgrind: instruction counts; returns the exit status. */
int callgrind_main(const char *cg_out);

#endif /* SHMBENCH_SHMBENCH_H */
