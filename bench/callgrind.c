/* SPDX-License-Identifier: MIT */
/*
 * --callgrind: instructions per enqueue+dequeue, single-threaded, 8-byte
 * elements, for shmring and each peer that has a non-blocking interface.
 *
 * Run under valgrind --tool=callgrind --collect-atstart=no
 * --callgrind-out-file=F (bench/callgrind.sh does). For each implementation
 * and mode the loop runs N1 and then N2 iterations with collection switched
 * on only around the loop, each followed by a dump (F.1, F.2, ...); the
 * difference of the two dumps' instruction totals divided by N2 - N1 is the
 * cost of one iteration, so setup, the call into the loop and the dump
 * itself cancel out. The "harness" row is the same loop around a one-slot
 * copy, the loop's own share of every row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <valgrind/callgrind.h>

#include "cg_dump.h"
#include "shmbench.h"

#define CG_N1 2000u
#define CG_N2 22000u

/* ---- harness: the loop around a plain copy in and out of one slot -------- */

static int hn_setup(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	(void)esz;
	(void)slots;
	(void)mpmc;
	c->obj = calloc(BENCH_BURST, BENCH_MAX_ESZ);
	return c->obj ? 0 : -1;
}

static void hn_teardown(struct chan *c)
{
	free(c->obj);
}

static inline int hn_push(struct chan *c, const void *m, uint32_t esz)
{
	memcpy(c->obj, m, esz);
	return 1;
}

static inline int hn_pop(struct chan *c, void *m, uint32_t esz)
{
	memcpy(m, c->obj, esz);
	return 1;
}

static inline int hn_push_burst(struct chan *c, const void *m, uint32_t n, uint32_t esz)
{
	memcpy(c->obj, m, (size_t)n * esz);
	return (int)n;
}

static inline int hn_pop_burst(struct chan *c, void *m, uint32_t n, uint32_t esz)
{
	memcpy(m, c->obj, (size_t)n * esz);
	return (int)n;
}

#define LOOP_P hn
#define LOOP_BURST
#include "loops.h"

const struct impl impls_harness[] = {
	{"harness", CAP_SPSC | CAP_BURST | CAP_EXTRA, hn_setup, hn_teardown, LOOP_FNS(hn)},
	{NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

/* ---- measurement ----------------------------------------------------------- */

static int ndump;

/* Instructions of one loop of iters iterations; *err gets its error count. */
static long long measure(const struct impl *im, struct chan *c, uint32_t burst, uint64_t iters,
			 const char *f, uint64_t *err)
{
	CALLGRIND_ZERO_STATS;
	CALLGRIND_TOGGLE_COLLECT;
	*err += im->cg_loop(c, burst, iters);
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT(im->name);
	return cg_dump_ir(f, ++ndump);
}

static const struct impl *cg_list[64];
static int cg_n;

/* Every ring with a non-blocking interface, and shmring's blocking calls
 * (a blocking ring that is never full or empty here: what _wait costs
 * while busy). */
static void cg_add(const struct impl *list)
{
	for (; list->name != NULL && cg_n < 64; list++)
		if ((list->caps & (CAP_SPSC | CAP_MPMC)) ||
		    (list->caps & (CAP_SHMRING | CAP_BLOCK)) == (CAP_SHMRING | CAP_BLOCK))
			cg_list[cg_n++] = list;
}

int callgrind_main(const char *f)
{
	FILE *csv;
	char path[4200];
	int i, mode, failed = 0;
	double harness[2] = {0, 0};

	if (!RUNNING_ON_VALGRIND) {
		fprintf(stderr, "shmbench --callgrind runs under valgrind: use bench/callgrind.sh\n");
		return 2;
	}
	cg_add(impls_harness);
	cg_add(impls_shmring);
	cg_add(impls_cg_shmring_blk);
	cg_add(impls_block_shmring);
	cg_add(impls_textbook);
	cg_add(impls_ref);
#ifdef SHMBENCH_HAVE_RTE
	cg_add(impls_rte);
#endif
#ifdef SHMBENCH_HAVE_CK
	cg_add(impls_ck);
#endif
#ifdef SHMBENCH_HAVE_BOOST
	cg_add(impls_boost);
#endif
#ifdef SHMBENCH_HAVE_WFCQ
	cg_add(impls_wfcq);
#endif
#ifdef SHMBENCH_HAVE_BIPC
	cg_add(impls_bipc);
#endif
#ifdef SHMBENCH_HAVE_MOODY
	cg_add(impls_moody);
#endif
	snprintf(path, sizeof(path), "%s.csv", f);
	csv = fopen(path, "w");
	if (csv)
		fprintf(csv, "impl,mode,instr_per_op,instr_per_op_net_of_harness\n");
	printf("callgrind: instructions per enqueue+dequeue, 8-byte elements, one thread\n"
	       "(N = %u and %u iterations differenced; 'net' subtracts the harness row)\n\n",
	       CG_N1, CG_N2);
	printf("%-16s %14s %8s %18s %8s\n", "impl", "single/pair", "net", "burst32/element", "net");
	for (i = 0; i < cg_n; i++) {
		const struct impl *im = cg_list[i];
		double per[2] = {-1, -1};

		for (mode = 0; mode < 2; mode++) {
			uint32_t burst = mode ? BENCH_BURST : 0;
			struct chan c;
			uint64_t err = 0;
			long long a, b;

			if (mode && !(im->caps & CAP_BURST))
				continue;
			memset(&c, 0, sizeof(c));
			c.esz = 8;
			c.slots = BENCH_SLOTS;
			if (im->setup(&c, 8, BENCH_SLOTS, (im->caps & CAP_MPMC) != 0) != 0) {
				printf("%-16s setup failed\n", im->name);
				failed = 1;
				continue;
			}
			err += im->cg_loop(&c, burst, 100); /* warm: lazy binding, first touch */
			a = measure(im, &c, burst, CG_N1, f, &err);
			b = measure(im, &c, burst, CG_N2, f, &err);
			im->teardown(&c);
			if (err != 0 || a < 0 || b < a) {
				printf("%-16s %s: %llu failed operations or unreadable dump %s.%d\n",
				       im->name, mode ? "burst" : "single", (unsigned long long)err, f,
				       ndump);
				failed = 1;
				continue;
			}
			per[mode] = (double)(b - a) / (double)(CG_N2 - CG_N1) / (mode ? BENCH_BURST : 1);
		}
		if (i == 0) {
			harness[0] = per[0];
			harness[1] = per[1];
		}
		printf("%-16s %14.1f %8.1f", im->name, per[0], i ? per[0] - harness[0] : per[0]);
		if (per[1] >= 0)
			printf(" %18.2f %8.2f\n", per[1], i ? per[1] - harness[1] : per[1]);
		else
			printf(" %18s %8s\n", "-", "-");
		if (csv) {
			fprintf(csv, "%s,single,%.2f,%.2f\n", im->name, per[0], per[0] - harness[0]);
			if (per[1] >= 0)
				fprintf(csv, "%s,burst32,%.3f,%.3f\n", im->name, per[1],
					per[1] - harness[1]);
		}
	}
	if (csv)
		fclose(csv);
	return failed;
}
