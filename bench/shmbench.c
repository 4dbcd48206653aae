/* SPDX-License-Identifier: MIT */
/*
 * shmbench: shmring against its peers and the kernel's message passing,
 * interleaved in rounds. See bench/README.md for the cases and columns.
 *
 *   shmbench [--quick] [--rounds N] [--out DIR] [--near-max NS]
 *            [--mpmc-limit S] [--case SUBSTR] [--impl SUBSTR] [--no-iceoryx]
 *   valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=F \
 *            shmbench --callgrind F
 *
 * Exit status: 0 when every run of every case verified (peers that did not
 * finish in time are reported, not failures); 1 when any run delivered a
 * wrong, lost or duplicated message, or shmring did not finish; 2 on usage
 * errors.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iox_roudi.h"
#include "shmbench.h"

#define MAX_IMPL 32
#define MAX_ROUNDS 64

static const struct bcase cases[] = {
	{"spsc 8B x-core", K_STREAM, 8, 0, 0, 0},
	{"spsc 8B x-core burst32", K_STREAM, 8, BENCH_BURST, 0, 0},
	{"spsc 64B x-core", K_STREAM, 64, 0, 0, 0},
	{"spsc 64B x-core burst32", K_STREAM, 64, BENCH_BURST, 0, 0},
	{"spsc 8B same-core", K_STREAM, 8, 0, 1, 0},
	{"spsc 8B same-core burst32", K_STREAM, 8, BENCH_BURST, 1, 0},
	{"pingpong 8B x-core", K_PINGPONG, 8, 0, 0, 0},
	{"mpmc 1P1C", K_MPMC, 8, 0, 0, 1},
	{"mpmc 2P2C", K_MPMC, 8, 0, 0, 2},
	{"mpmc 4P4C", K_MPMC, 8, 0, 0, 4},
	{"mpmc 8P8C", K_MPMC, 8, 0, 0, 8},
	{"mpmc 1P1C pinned", K_MPMC, 8, 0, 1, 1},
	{"mpmc 2P2C pinned", K_MPMC, 8, 0, 1, 2},
	{"mpmc 4P4C pinned", K_MPMC, 8, 0, 1, 4},
	{"mpmc 8P8C pinned", K_MPMC, 8, 0, 1, 8},
	{"blocking idle RTT x-core", K_IDLE, 8, 0, 0, 0},
	{"blocking idle RTT same-core", K_IDLE, 8, 0, 1, 0},
	{"blocking stream 8B x-core", K_BSTREAM, 8, 0, 0, 0},
	{"blocking stream 8B same-core", K_BSTREAM, 8, 0, 1, 0},
};
#define NCASE ((int)(sizeof(cases) / sizeof(cases[0])))

static const struct impl *impls[MAX_IMPL];
static int nimpl;

static void add_list(const struct impl *list)
{
	for (; list->name != NULL && nimpl < MAX_IMPL; list++)
		impls[nimpl++] = list;
}

static void register_impls(int use_iox)
{
	add_list(impls_shmring);
	add_list(impls_block_shmring);
	add_list(impls_textbook);
	add_list(impls_ref);
#ifdef SHMBENCH_HAVE_RTE
	add_list(impls_rte);
#else
	printf("note: DPDK rte_ring skipped (libdpdk-dev not found at build time)\n");
#endif
#ifdef SHMBENCH_HAVE_CK
	add_list(impls_ck);
#else
	printf("note: ck_ring skipped (libck-dev not found at build time)\n");
#endif
#ifdef SHMBENCH_HAVE_BOOST
	add_list(impls_boost);
#else
	printf("note: Boost.Lockfree skipped (boost headers or a C++ compiler not found)\n");
#endif
#ifdef SHMBENCH_HAVE_WFCQ
	add_list(impls_wfcq);
#else
	printf("note: liburcu wfcqueue skipped (liburcu-cds not found at build time)\n");
#endif
#ifdef SHMBENCH_HAVE_BIPC
	add_list(impls_bipc);
#else
	printf("note: Boost.Interprocess message_queue skipped (boost headers or a C++ compiler not found)\n");
#endif
#ifdef SHMBENCH_HAVE_MOODY
	add_list(impls_moody);
	printf("note: moody-rwq-thr, moody-cq-thr and urcu-wfcq run as threads of one process "
	       "(heap nodes and pointers: they cannot cross processes)\n");
#else
	printf("note: moodycamel queues skipped (libreaderwriterqueue-dev / libconcurrentqueue-dev not found)\n");
#endif
	add_list(impls_ipc);
#ifdef SHMBENCH_HAVE_ICEORYX
	if (use_iox)
		add_list(impls_iox);
#else
	(void)use_iox;
	printf("note: iceoryx skipped (libiceoryx-binding-c-dev not found at build time)\n");
#endif
	add_list(impls_block);
}

static int is_pipe(const struct impl *im)
{
	return strcmp(im->name, "pipe") == 0;
}

/* Does implementation im take part in case bc? */
static int accepts(const struct bcase *bc, const struct impl *im)
{
	unsigned c = im->caps;

	switch (bc->kind) {
	case K_STREAM:
		if (c & CAP_IPC)
			return bc->burst == 0;
		return (c & CAP_SPSC) && (bc->burst == 0 || (c & CAP_BURST));
	case K_PINGPONG: return (c & (CAP_SPSC | CAP_IPC)) != 0;
	case K_MPMC: return (c & CAP_MPMC) != 0;
	case K_IDLE: return (c & CAP_BLOCK) || is_pipe(im);
	default:
		/* The bare futex mailbox wakes per message by design: only
		 * the idle round trip is its case. */
		if (bc->kind == K_BSTREAM && (c & CAP_SHMRING) && (c & CAP_SPSC) && !(c & CAP_EXTRA))
			return 1; /* the non-blocking ring: the busy-cost reference */
		return (c & (CAP_BLOCK | CAP_SHMRING)) == (CAP_BLOCK | CAP_SHMRING) || is_pipe(im);
	}
}

/* Throughput cases: higher is better; latency cases: lower. */
static int higher_better(const struct bcase *bc)
{
	return bc->kind == K_STREAM || bc->kind == K_MPMC || bc->kind == K_BSTREAM;
}

static const char *unit_of(const struct bcase *bc)
{
	return higher_better(bc) ? "Mmsg/s" : "ns";
}

/* Placement from a probe: 0 near, 1 far, 2 unknown. */
static const char *const place_names[] = {"near", "far", "unknown"};

static int place_of(double ns, double near_max)
{
	return ns < 0 ? 2 : ns <= near_max ? 0 : 1;
}

static const char *placement(double ns, double near_max)
{
	return place_names[place_of(ns, near_max)];
}

struct opts {
	int rounds;
	int quick;
	const char *out;
	const char *cg;
	const char *case_filter;
	const char *impl_filter;
	double near_max;
	double mpmc_limit;
	double limit;
};

static struct result res[MAX_ROUNDS][NCASE][MAX_IMPL];
static int ran[MAX_ROUNDS][NCASE][MAX_IMPL];
/* The placement probe runs before and after each case of each round, and a
 * case's run in a round is kept when both probes give the same placement:
 * the vCPUs here move every 25 s or so, shorter than a round, and the
 * peers of one case, whose ratios are compared, run within seconds. */
static double probe_before[MAX_ROUNDS][NCASE], probe_after[MAX_ROUNDS][NCASE];
static int kept[MAX_ROUNDS][NCASE];

/* Kept case runs of round r in placement p. */
static int kept_in(int r, double near_max, int p)
{
	int c, n = 0;

	for (c = 0; c < NCASE; c++)
		n += kept[r][c] && place_of(probe_before[r][c], near_max) == p;
	return n;
}

/* ... and of every round. */
static int kept_all(int rounds, double near_max, int p)
{
	int r, n = 0;

	for (r = 0; r < rounds; r++)
		n += kept_in(r, near_max, p);
	return n;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	if (n == 0)
		return NAN;
	qsort(v, (size_t)n, sizeof(double), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The shmring implementation whose ratio a case reports. */
static int primary_of(const struct bcase *bc)
{
	int i;

	for (i = 0; i < nimpl; i++)
		if ((impls[i]->caps & CAP_SHMRING) && !(impls[i]->caps & CAP_EXTRA) &&
		    accepts(bc, impls[i]))
			return i;
	return -1;
}

/* shmring over the best peer in round r (> 1: shmring ahead); NAN if shmring
 * or every peer is missing from that round. */
static double round_ratio(int r, int c, int prim)
{
	const struct bcase *bc = &cases[c];
	double best = NAN, s;
	int i;

	if (prim < 0 || !ran[r][c][prim] || res[r][c][prim].status != ST_OK)
		return NAN;
	s = res[r][c][prim].v[0];
	for (i = 0; i < nimpl; i++) {
		double v;

		if (!ran[r][c][i] || (impls[i]->caps & CAP_SHMRING) || res[r][c][i].status != ST_OK)
			continue;
		v = res[r][c][i].v[0];
		if (isnan(best) || (higher_better(bc) ? v > best : v < best))
			best = v;
	}
	if (isnan(best))
		return NAN;
	return higher_better(bc) ? s / best : best / s;
}

struct summary {
	int n_ok, n_dnf, n_fail, n_skip;
	double v[NV];
	double ratio_med, ratio_worst;
	int n_ratio;
};

static void summarise(int place, int rounds, double near_max, int c, int i,
		      struct summary *s)
{
	double vals[NV][MAX_ROUNDS], ratios[MAX_ROUNDS];
	int r, k, n = 0, prim = primary_of(&cases[c]);

	memset(s, 0, sizeof(*s));
	s->n_ratio = 0;
	for (r = 0; r < rounds; r++) {
		if (!kept[r][c] || place_of(probe_before[r][c], near_max) != place ||
		    !ran[r][c][i])
			continue;
		switch (res[r][c][i].status) {
		case ST_OK:
			for (k = 0; k < NV; k++)
				vals[k][n] = res[r][c][i].v[k];
			n++;
			s->n_ok++;
			break;
		case ST_DNF: s->n_dnf++; break;
		case ST_FAIL: s->n_fail++; break;
		default: s->n_skip++; break;
		}
		if (i == prim) {
			double q = round_ratio(r, c, prim);

			if (!isnan(q))
				ratios[s->n_ratio++] = q;
		}
	}
	for (k = 0; k < NV; k++)
		s->v[k] = median(vals[k], n);
	s->ratio_med = median(ratios, s->n_ratio);
	s->ratio_worst = s->n_ratio ? ratios[0] : NAN; /* sorted by median() */
}

static void fmt_num(char *b, size_t len, double v)
{
	if (isnan(v))
		snprintf(b, len, "-");
	else if (v >= 1000)
		snprintf(b, len, "%.0f", v);
	else if (v >= 10)
		snprintf(b, len, "%.1f", v);
	else
		snprintf(b, len, "%.3g", v);
}

static void print_table(FILE *csv, int rounds, double near_max)
{
	int p, c, i, r;

	for (p = 0; p < 3; p++) {
		int nk = kept_all(rounds, near_max, p);

		if (nk == 0)
			continue;
		printf("\n=== placement %s: %d kept case runs (the ok column counts each "
		       "case's rounds):", place_names[p], nk);
		for (r = 0; r < rounds; r++)
			if (kept_in(r, near_max, p))
				printf(" %d", r + 1);
		printf("\n%-29s %-15s %9s %8s %8s %8s %7s %7s %-6s %-9s %s\n", "case", "impl", "median",
		       "p99", "p99.9", "max", "futex/m", "csw/m", "unit", "ok/dnf/x",
		       "vs best peer: med worst");
		for (c = 0; c < NCASE; c++) {
			int prim = primary_of(&cases[c]);
			int any = 0;

			for (i = 0; i < nimpl; i++) {
				struct summary s;
				char b[NV][24], rm[24], rw[24], ratio[64];
				int k, lat = !higher_better(&cases[c]);

				if (!accepts(&cases[c], impls[i]))
					continue;
				summarise(p, rounds, near_max, c, i, &s);
				if (s.n_ok + s.n_dnf + s.n_fail + s.n_skip == 0)
					continue;
				any = 1;
				for (k = 0; k < NV; k++)
					fmt_num(b[k], sizeof(b[k]), s.v[k]);
				fmt_num(rm, sizeof(rm), s.ratio_med);
				fmt_num(rw, sizeof(rw), s.ratio_worst);
				if (i == prim && s.n_ratio)
					snprintf(ratio, sizeof(ratio), "x%s  worst x%s", rm, rw);
				else if (i == prim)
					snprintf(ratio, sizeof(ratio), "(no peer finished)");
				else
					ratio[0] = 0;
				printf("%-29s %-15s %9s %8s %8s %8s %7s %7s %-6s %d/%d/%-5d %s\n",
				       cases[c].name, impls[i]->name, s.n_ok ? b[0] : "DNF",
				       lat ? b[1] : "", lat ? b[2] : "", lat ? b[3] : "",
				       cases[c].kind >= K_IDLE && (impls[i]->caps & CAP_BLOCK) ? b[4] : "",
				       cases[c].kind != K_MPMC && s.n_ok ? b[5] : "",
				       unit_of(&cases[c]),
				       s.n_ok, s.n_dnf, s.n_fail + s.n_skip, ratio);
				if (csv)
					fprintf(csv, "%s,%s,%s,%d,%d,%d,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%s,%.6g,%.6g,%.6g,%d\n",
						place_names[p], cases[c].name, impls[i]->name, s.n_ok,
						s.n_dnf, s.n_fail, s.n_skip, s.v[0], s.v[1], s.v[2],
						s.v[3], s.v[4], unit_of(&cases[c]),
						i == prim ? s.ratio_med : NAN,
						i == prim ? s.ratio_worst : NAN, s.v[5],
						(impls[i]->caps & CAP_THREADS) ? 1 : 0);
			}
			if (any)
				printf("\n");
		}
	}
}

/* Data files and script for gnuplot: medians of the placement with the most
 * kept rounds, throughput cases in one panel and latency cases in another. */
static void write_plot(const char *dir, int rounds, double near_max)
{
	char path[4096];
	int place = 0;
	static const char *palette[] = {
		"#d62728", "#ff9896", "#8c1010", "#e377c2", "#7f7f7f", "#1f77b4", "#aec7e8",
		"#2ca02c", "#98df8a", "#ff7f0e", "#ffbb78", "#9467bd", "#c5b0d5", "#8c564b",
		"#c49c94", "#17becf", "#bcbd22", "#000000"};
#define NPALETTE ((int)(sizeof(palette) / sizeof(palette[0])))
	char colors[2][MAX_IMPL * 9];
	int best = -1, p, c, i, k, pass, ncols[2], nrows[2];
	FILE *f;

	for (p = 0; p < 3; p++) {
		int nk = kept_all(rounds, near_max, p);

		if (nk > best) {
			best = nk;
			place = p;
		}
	}
	if (best <= 0)
		return;
	nrows[0] = nrows[1] = 0;
	for (pass = 0; pass < 2; pass++) {
		int col[MAX_IMPL], ncol = 0;

		/* Only the implementations with a case in this panel. */
		for (i = 0; i < nimpl; i++) {
			for (c = 0; c < NCASE; c++) {
				if (higher_better(&cases[c]) != pass && accepts(&cases[c], impls[i])) {
					col[ncol++] = i;
					break;
				}
			}
		}
		ncols[pass] = ncol;
		colors[pass][0] = 0;
		/* One colour per implementation, the same in both panels. */
		for (k = 0; k < ncol; k++) {
			size_t at = strlen(colors[pass]);

			snprintf(colors[pass] + at, sizeof(colors[pass]) - at, "%s%s", k ? " " : "",
				 palette[col[k] % NPALETTE]);
		}
		snprintf(path, sizeof(path), "%s/plot_%s.dat", dir, pass ? "lat" : "tput");
		f = fopen(path, "w");
		if (f == NULL)
			return;
		fprintf(f, "case");
		for (k = 0; k < ncol; k++)
			fprintf(f, "\t\"%s\"", impls[col[k]]->name);
		fprintf(f, "\n");
		nrows[pass] = 0;
		for (c = 0; c < NCASE; c++) {
			int any = 0;

			if (higher_better(&cases[c]) == pass)
				continue;
			for (k = 0; k < ncol && !any; k++) {
				struct summary s;

				if (accepts(&cases[c], impls[col[k]])) {
					summarise(place, rounds, near_max, c, col[k], &s);
					any = s.n_ok > 0;
				}
			}
			if (!any)
				continue;
			nrows[pass]++;
			fprintf(f, "\"%s\"", cases[c].name);
			for (k = 0; k < ncol; k++) {
				struct summary s;

				i = col[k];
				if (!accepts(&cases[c], impls[i])) {
					fprintf(f, "\t-");
					continue;
				}
				summarise(place, rounds, near_max, c, i, &s);
				if (s.n_ok)
					fprintf(f, "\t%.6g", s.v[0]);
				else
					fprintf(f, "\t-");
			}
			fprintf(f, "\n");
		}
		fclose(f);
	}
	if (nrows[0] + nrows[1] == 0)
		return;
	snprintf(path, sizeof(path), "%s/plot.gp", dir);
	f = fopen(path, "w");
	if (f == NULL)
		return;
	fprintf(f,
		"set terminal pngcairo size 1800,1300 font ',10' noenhanced\n"
		"set output '%s/plot.png'\n"
		"set datafile missing '-'\n"
		"set datafile separator '\\t'\n"
		"set style data histograms\n"
		"set style histogram clustered gap 1\n"
		"set style fill solid 0.85 border -1\n"
		"set logscale y\n"
		"set grid ytics\n"
		"set key outside right top\n"
		"set xtics rotate by -25 scale 0\n"
		"colors0 = '%s'\n"
		"colors1 = '%s'\n"
		"set multiplot layout %d,1 title 'shmbench, placement %s (%d rounds): medians, "
		"log scale'\n",
		dir, colors[0], colors[1], (nrows[0] > 0) + (nrows[1] > 0), place_names[place], best);
	if (nrows[0] > 0)
		fprintf(f,
			"set title 'Throughput (higher is better)'\n"
			"set ylabel 'million messages / s'\n"
			"plot for [i=2:%d] '%s/plot_tput.dat' using i:xtic(1) title columnhead(i) "
			"lc rgb word(colors0, i-1)\n",
			ncols[0] + 1, dir);
	if (nrows[1] > 0)
		fprintf(f,
			"set title 'Latency: p50 round trip (lower is better)'\n"
			"set ylabel 'ns'\n"
			"plot for [i=2:%d] '%s/plot_lat.dat' using i:xtic(1) title columnhead(i) "
			"lc rgb word(colors1, i-1)\n",
			ncols[1] + 1, dir);
	fprintf(f, "unset multiplot\n");
	fclose(f);
	snprintf(path, sizeof(path), "gnuplot '%s/plot.gp' 2>'%s/gnuplot.log'", dir, dir);
	if (system(path) != 0)
		printf("note: gnuplot failed or is missing (see %s/gnuplot.log); data in %s\n", dir,
		       dir);
	else
		printf("plot: %s/plot.png\n", dir);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: shmbench [--quick] [--rounds N] [--out DIR] [--near-max NS]\n"
		"                [--mpmc-limit S] [--case SUBSTR] [--impl SUBSTR] [--no-iceoryx]\n"
		"       valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=F \\\n"
		"                shmbench --callgrind F\n");
}

static void on_signal(int sig)
{
	sysv_cleanup_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

int main(int argc, char **argv)
{
	struct opts o = {5, 0, "bench-out", NULL, NULL, NULL, 200, 2.0, 30};
	struct counts cn = {2000000, 4000000, 30000, 100000, 10000, 400000, 2000, 30000,
			    2000000, 30000};
	char path[4096];
	FILE *raw, *sum;
	int r, c, i, failed = 0, rounds_set = 0, dropped = 0, use_iox = 1;
	sigset_t set;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--quick") == 0) {
			o.quick = 1;
		} else if (strcmp(a, "--rounds") == 0 && v) {
			o.rounds = atoi(v), i++, rounds_set = 1;
		} else if (strcmp(a, "--out") == 0 && v) {
			o.out = v, i++;
		} else if (strcmp(a, "--near-max") == 0 && v) {
			o.near_max = atof(v), i++;
		} else if (strcmp(a, "--mpmc-limit") == 0 && v) {
			o.mpmc_limit = atof(v), i++;
		} else if (strcmp(a, "--case") == 0 && v) {
			o.case_filter = v, i++;
		} else if (strcmp(a, "--impl") == 0 && v) {
			o.impl_filter = v, i++;
		} else if (strcmp(a, "--no-iceoryx") == 0) {
			use_iox = 0;
		} else if (strcmp(a, "--callgrind") == 0 && v) {
			o.cg = v, i++;
		} else {
			usage();
			return 2;
		}
	}
	if (o.cg)
		return callgrind_main(o.cg);
	if (o.quick) {
		struct counts q = {100000, 200000, 5000, 5000, 1000, 50000, 200, 30000,
				   100000, 5000};

		cn = q;
		if (!rounds_set)
			o.rounds = 2;
		o.mpmc_limit = o.mpmc_limit < 2.0 ? o.mpmc_limit : 2.0;
		o.limit = 20;
	}
	if (o.rounds < 1 || o.rounds > MAX_ROUNDS) {
		fprintf(stderr, "shmbench: --rounds must be 1..%d\n", MAX_ROUNDS);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* run.c waits for children with sigtimedwait(SIGCHLD). */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (mkdir(o.out, 0755) != 0 && errno != EEXIST) {
		perror(o.out);
		return 2;
	}
#ifdef SHMBENCH_HAVE_ICEORYX
	/* iceoryx needs its daemon: started here, stopped at the end (and by
	 * PR_SET_PDEATHSIG if this program dies). */
	if (use_iox && (o.impl_filter == NULL || strstr("iceoryx", o.impl_filter) != NULL)) {
		if (iox_roudi_start() != 0) {
			printf("note: iceoryx skipped (iox-roudi did not start; another RouDi running?)\n");
			use_iox = 0;
		}
	} else {
		use_iox = 0;
	}
#endif
	register_impls(use_iox);
	tsc_calibrate();
	snprintf(path, sizeof(path), "%s/runs.csv", o.out);
	raw = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/summary.csv", o.out);
	sum = fopen(path, "w");
	if (raw == NULL || sum == NULL) {
		perror(path);
		return 2;
	}
	fprintf(raw, "round,probe_before_ns,probe_after_ns,placement,kept,case,impl,status,"
		     "v50,p99,p999,max,futex_per_msg,unit,seconds,error,csw_per_msg\n");
	fprintf(sum, "placement,case,impl,ok,dnf,failed,skipped,median,p99,p999,max,futex_per_msg,"
		     "unit,ratio_median,ratio_worst,csw_per_msg,threads\n");
	printf("shmbench: %d rounds%s, %ld CPUs online, results in %s/\n", o.rounds,
	       o.quick ? " (quick)" : "", sysconf(_SC_NPROCESSORS_ONLN), o.out);

	for (r = 0; r < o.rounds; r++) {
		uint64_t t0 = now_ns();
		int nrun = 0, nkept = 0, nplace[3] = {0, 0, 0};

		for (c = 0; c < NCASE; c++) {
			int k;

			if (o.case_filter && !strstr(cases[c].name, o.case_filter))
				continue;
			probe_before[r][c] = probe_c2c();
			/* Rotate the order each round so no implementation
			 * always runs first (or right after a heavy one). */
			for (k = 0; k < nimpl; k++) {
				struct result *x;
				double limit;

				i = (k + r) % nimpl;
				if (!accepts(&cases[c], impls[i]) ||
				    (o.impl_filter && !strstr(impls[i]->name, o.impl_filter) &&
				     !(impls[i]->caps & CAP_SHMRING)))
					continue;
				limit = cases[c].kind == K_MPMC ? o.mpmc_limit : o.limit;
				x = &res[r][c][i];
				run_case(&cases[c], impls[i], &cn, limit, x);
				ran[r][c][i] = 1;
				/* The bare futex mailbox wakes on every message: if the
				 * syscall() wrapper saw fewer, futex/m cannot be trusted. */
				if (x->status == ST_OK && cases[c].kind == K_IDLE &&
				    strcmp(impls[i]->name, "futex") == 0 && x->v[4] < 2) {
					x->status = ST_FAIL;
					snprintf(x->err, sizeof(x->err),
						 "futex calls not counted (%.2f per round trip)", x->v[4]);
				}
				if (x->status == ST_FAIL ||
				    (x->status == ST_SKIP && (impls[i]->caps & CAP_SHMRING)) ||
				    (x->status == ST_DNF && (impls[i]->caps & CAP_SHMRING) &&
				     cases[c].kind != K_MPMC)) {
					/* A wrong message, a crash, or shmring stuck
					 * where the limit is generous: a failure. */
					failed = 1;
					printf("REJECTED: round %d, %s, %s: %s\n", r + 1, cases[c].name,
					       impls[i]->name, x->err);
				} else if (x->status == ST_DNF) {
					printf("did not finish: round %d, %s, %s: %s\n", r + 1,
					       cases[c].name, impls[i]->name, x->err);
				} else if (x->status == ST_SKIP) {
					printf("skipped: round %d, %s, %s: %s\n", r + 1, cases[c].name,
					       impls[i]->name, x->err);
				}
			}
			probe_after[r][c] = probe_c2c();
			kept[r][c] = place_of(probe_before[r][c], o.near_max) ==
				     place_of(probe_after[r][c], o.near_max);
			nrun++;
			nkept += kept[r][c];
			nplace[place_of(probe_before[r][c], o.near_max)] += kept[r][c];
			dropped += !kept[r][c];
		}
		printf("round %d/%d: %.1f s, %d of %d cases kept (near %d, far %d, unknown %d)%s\n",
		       r + 1, o.rounds, (double)(now_ns() - t0) / 1e9, nkept, nrun, nplace[0],
		       nplace[1], nplace[2], nkept < nrun ? "; the others' placement changed" : "");
		for (c = 0; c < NCASE; c++) {
			for (i = 0; i < nimpl; i++) {
				const struct result *x = &res[r][c][i];
				static const char *stn[] = {"ok", "failed", "dnf", "skipped"};

				if (!ran[r][c][i])
					continue;
				fprintf(raw, "%d,%.1f,%.1f,%s,%d,%s,%s,%s,%.6g,%.6g,%.6g,%.6g,%.6g,%s,%.3f,\"%s\",%.6g\n",
					r + 1, probe_before[r][c], probe_after[r][c],
					placement(probe_before[r][c], o.near_max), kept[r][c], cases[c].name,
					impls[i]->name, stn[x->status], x->v[0], x->v[1], x->v[2],
					x->v[3], x->v[4], unit_of(&cases[c]), x->secs, x->err, x->v[5]);
			}
		}
	}
	printf("\nmedian over kept rounds; latency = round trip; ratio = shmring vs the best peer "
	       "of the same round (>1: shmring ahead), median and worst round;\n"
	       "ok/dnf/x = rounds verified / did not finish in time / failed or skipped\n");
	print_table(sum, o.rounds, o.near_max);
	if (dropped)
		printf("%d case run(s) dropped: the placement probe changed during the case\n",
		       dropped);
	fclose(raw);
	fclose(sum);
	write_plot(o.out, o.rounds, o.near_max);
	sysv_cleanup_all();
	iox_roudi_stop();
	if (failed)
		printf("FAILED: some runs were rejected (see REJECTED lines)\n");
	return failed;
}
