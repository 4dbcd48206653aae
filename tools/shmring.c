/* SPDX-License-Identifier: MIT */
/*
 * shmring: list, inspect, watch, remove, create, fill and drain shmring rings
 * (the manual is tools/shmring.1).
 *
 * ls, stat, watch and rm only read: they use ring_inspect(), which copies the
 * words it needs with pread(2) from a read-only descriptor and validates
 * them, so a hostile or truncated object yields an error line, never a
 * crash or a hang, and nothing is written to the rings they look at. create,
 * push and cat attach through the public calls like any program.
 */
#include "shmring_tool.h"

#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: shmring COMMAND [OPTIONS] [ARGS]\n"
	"\n"
	"  ls [--json] [--all] [GLOB...]    rings in " SHM_DIR " this user can read\n"
	"  stat [--json] NAME               header, indices, participants, counters\n"
	"  watch [-i SEC] [-n N] [--lines] NAME   rates per second, redrawn in place\n"
	"                                   on a terminal, else one line per interval\n"
	"  rm [--force] NAME...             remove rings nobody uses (--force: even so)\n"
	"  rm --stale [--dry-run] [GLOB...] remove every stale ring (matching GLOB)\n"
	"  create [OPTIONS] NAME            create a ring (see shmring(1))\n"
	"      --kind spsc|mpmc|msg|bytes|bcast|bcast-msg  --rule count|n1|seq  --slots N\n"
	"      --elem-size B (msg, bcast-msg: largest message)  --many-producers (msg)\n"
	"      --lossy (bcast)\n"
	"      --blocking  --mode OCTAL  --parts N\n"
	"  push [--hex] [--timeout SEC] NAME [VALUE...]   push values (or stdin lines):\n"
	"      elements, messages, or a stream's bytes\n"
	"  cat [--hex|--text] [-n N] [--follow] [--timeout SEC] NAME   pop and print\n"
	"\n"
	"NAME is the ring's name with or without its leading '/'.\n"
	"Exit status: 0 success, 1 failure, 2 usage error, 3 rm refused (ring in\n"
	"use), 4 push: ring full / cat -n: fewer elements than asked.\n";

static int usage(const char *msg)
{
	if (msg != NULL)
		fprintf(stderr, "shmring: %s\n", msg);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static int fail(const char *what, const char *name, int rc)
{
	fprintf(stderr, "shmring: %s ", what);
	put_escaped(stderr, name ? name : "");
	fprintf(stderr, ": %s\n", ring_strerror(rc));
	return EXIT_FAILURE;
}

/* getopt_long; messages name the command (argv[0] is the command's name). */
static int next_opt(int argc, char **argv, const char *sopts, const struct option *lopts)
{
	return getopt_long(argc, argv, sopts, lopts, NULL);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	if (s[0] == '-' || s[0] == '\0')
		return -1;
	x = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = x;
	return 0;
}

static int parse_secs(const char *s, double *v)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !(x >= 0) || x > 86400.0 * 365)
		return -1;
	*v = x;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* 1 if no patterns were given or the name (with or without its '/')
 * matches one of them. */
static int matches(const char *name, char **pats, int npats)
{
	int i;

	if (npats == 0)
		return 1;
	for (i = 0; i < npats; i++)
		if (fnmatch(pats[i], name, 0) == 0 || fnmatch(pats[i], name + 1, 0) == 0)
			return 1;
	return 0;
}

/* ---- ls ---------------------------------------------------------------- */

struct ls_ctx {
	int json, all, count;
	char **pats;
	int npats;
};

static int ls_one(struct obj *o, void *vctx)
{
	struct ls_ctx *c = (struct ls_ctx *)vctx;

	/* Objects that are not rings (no ring magic, not regular files,
	 * unreadable) are skipped quietly unless --all. */
	if ((!obj_is_ring(o) && !c->all) || !matches(o->name, c->pats, c->npats))
		return 0;
	if (c->json) {
		fputs(c->count ? ",\n " : "\n ", stdout);
		obj_print_json(stdout, o, 0);
	} else if (!obj_is_ring(o)) {
		put_escaped(stdout, o->name);
		printf("%*s (not a ring: %s)\n",
		       (int)(strlen(o->name) < 24 ? 24 - strlen(o->name) : 0), "",
		       ring_strerror(o->rc));
	} else {
		obj_print_row(stdout, o);
	}
	c->count++;
	return 0;
}

static int cmd_ls(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"json", no_argument, NULL, 'j'}, {"all", no_argument, NULL, 'a'}, {0, 0, 0, 0}};
	struct ls_ctx c = {0, 0, 0, NULL, 0};
	int opt, rc;

	while ((opt = next_opt(argc, argv, "ja", lopts)) != -1) {
		if (opt == 'j')
			c.json = 1;
		else if (opt == 'a')
			c.all = 1;
		else
			return usage(NULL);
	}
	c.pats = argv + optind;
	c.npats = argc - optind;
	if (c.json)
		fputs("[", stdout);
	else
		obj_print_header(stdout);
	rc = scan_dir(ls_one, &c);
	if (c.json)
		fputs(c.count ? "\n]\n" : "]\n", stdout);
	if (rc < 0)
		return fail("cannot list", SHM_DIR, rc);
	return EXIT_SUCCESS;
}

/* ---- stat --------------------------------------------------------------- */

static int load_named(const char *arg, struct obj *o)
{
	char name[sizeof(o->name)];

	if (norm_name(arg, name, sizeof(name)) < 0)
		return -EINVAL;
	obj_load(o, name);
	return 0;
}

static int cmd_stat(int argc, char **argv)
{
	static const struct option lopts[] = {{"json", no_argument, NULL, 'j'}, {0, 0, 0, 0}};
	struct obj o;
	int opt, json = 0;

	while ((opt = next_opt(argc, argv, "j", lopts)) != -1) {
		if (opt == 'j')
			json = 1;
		else
			return usage(NULL);
	}
	if (optind + 1 != argc)
		return usage("stat takes one NAME");
	if (load_named(argv[optind], &o) < 0)
		return usage("bad ring name");
	if (!obj_is_ring(&o))
		return fail("stat", o.name, o.rc);
	if (json) {
		obj_print_json(stdout, &o, 1);
		fputc('\n', stdout);
	} else {
		obj_print_stat(stdout, &o);
	}
	return o.rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* ---- watch -------------------------------------------------------------- */

static volatile sig_atomic_t watch_stop;

static void on_stop(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static void watch_header(void)
{
	printf("%11s %11s %9s %9s %8s %8s %8s %10s %10s\n", "push/s", "pop/s", "full/s", "empty/s",
	       "waits/s", "wakes/s", "repair/s", "count", "free");
}

static double rate(uint64_t a, uint64_t b, double dt)
{
	return (double)(b - a) / dt; /* counters only grow; a reset shows as huge */
}

/*
 * Rates between two snapshots. On a terminal the one line under the header
 * is redrawn in place each interval (carriage return, erase to the end of
 * the line), as top(1) refreshes; otherwise (a pipe, a file) one plain line
 * per interval, as vmstat(8) prints. Interrupting (SIGINT, SIGTERM) ends
 * the line and exits 0.
 */
static int cmd_watch(int argc, char **argv)
{
	static const struct option lopts[] = {{"interval", required_argument, NULL, 'i'},
					      {"count", required_argument, NULL, 'n'},
					      {"lines", no_argument, NULL, 'l'},
					      {0, 0, 0, 0}};
	double interval = 1.0, t0, t1;
	uint64_t count = 0, rows;
	struct obj *a, *b, *t;
	struct sigaction sa;
	int opt, inplace = isatty(STDOUT_FILENO), status = EXIT_SUCCESS;

	while ((opt = next_opt(argc, argv, "i:n:l", lopts)) != -1) {
		if (opt == 'i') {
			if (parse_secs(optarg, &interval) < 0 || interval < 0.01)
				return usage("--interval: seconds, at least 0.01");
		} else if (opt == 'n') {
			if (parse_u64(optarg, &count) < 0 || count == 0)
				return usage("--count: a positive number");
		} else if (opt == 'l') {
			inplace = 0;
		} else {
			return usage(NULL);
		}
	}
	if (optind + 1 != argc)
		return usage("watch takes one NAME");
	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return fail("watch", argv[optind], -ENOMEM);
	}
	if (load_named(argv[optind], a) < 0) {
		free(a);
		free(b);
		return usage("bad ring name");
	}
	if (a->rc != 0 || !(a->info.have & RING_INSPECT_STATS)) {
		status = fail("watch", a->name, a->rc ? a->rc : -EPROTO);
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	t0 = now_s();
	watch_header();
	fflush(stdout);
	for (rows = 0; (count == 0 || rows < count) && !watch_stop; rows++) {
		const struct ring_stats *p, *q;
		double dt;

		sleep_s(interval - (now_s() - t0));
		if (watch_stop)
			break;
		obj_load(b, a->name);
		t1 = now_s();
		if (b->rc != 0 || !(b->info.have & RING_INSPECT_STATS)) {
			if (inplace && rows > 0)
				putchar('\n');
			status = fail("watch", a->name, b->rc ? b->rc : -EPROTO);
			goto out;
		}
		if (b->info.create_id != a->info.create_id) {
			if (inplace && rows > 0)
				putchar('\n');
			fprintf(stderr, "shmring: watch: ");
			put_escaped(stderr, a->name);
			fprintf(stderr, " was replaced by another ring\n");
			status = EXIT_FAILURE;
			goto out;
		}
		dt = t1 - t0 > 1e-6 ? t1 - t0 : 1e-6;
		p = &a->info.stats;
		q = &b->info.stats;
		if (inplace)
			fputs("\r\033[K", stdout);
		printf("%11.0f %11.0f %9.0f %9.0f %8.0f %8.0f %8.0f ",
		       rate(p->prod.ops, q->prod.ops, dt), rate(p->cons.ops, q->cons.ops, dt),
		       rate(p->prod.again, q->prod.again, dt), rate(p->cons.again, q->cons.again, dt),
		       rate(p->prod.waits + p->cons.waits, q->prod.waits + q->cons.waits, dt),
		       rate(p->prod.wakes + p->cons.wakes, q->prod.wakes + q->cons.wakes, dt),
		       rate(p->prod.repairs + p->cons.repairs, q->prod.repairs + q->cons.repairs, dt));
		if ((b->info.have & RING_INSPECT_INDICES) && b->info.count >= 0)
			printf("%10" PRId64 " %10" PRIu64, b->info.count,
			       b->info.capacity - (uint64_t)b->info.count);
		else
			printf("%10s %10s", "-", "-");
		if (!inplace)
			putchar('\n');
		fflush(stdout);
		t = a;
		a = b;
		b = t;
		t0 = t1;
	}
	if (inplace && rows > 0)
		putchar('\n');
out:
	free(a);
	free(b);
	return status;
}

/* ---- rm ----------------------------------------------------------------- */

struct rm_ctx {
	int force, dry_run, removed, refused;
	char **pats;
	int npats;
};

/* Unlink o if it still is the object that was inspected (same inode). */
static int rm_obj(struct rm_ctx *c, const struct obj *o)
{
	char path[sizeof(SHM_DIR) + sizeof(o->name)];
	struct stat st;
	int rc;

	if (!c->force && !obj_stale(o)) {
		fprintf(stderr, "shmring: rm: ");
		put_escaped(stderr, o->name);
		if (obj_live(o) < 0)
			fprintf(stderr, ": participants cannot be read (%s); not removed (--force to "
					"remove)\n",
				ring_strerror(o->rc));
		else
			fprintf(stderr, ": in use (%d live participant%s); not removed (--force to "
					"remove)\n",
				obj_live(o), obj_live(o) == 1 ? "" : "s");
		c->refused++;
		return 0;
	}
	snprintf(path, sizeof(path), SHM_DIR "%s", o->name);
	if (lstat(path, &st) < 0 || (unsigned long long)st.st_ino != o->ino) {
		fprintf(stderr, "shmring: rm: ");
		put_escaped(stderr, o->name);
		fprintf(stderr, ": changed while being checked; not removed\n");
		return -EAGAIN;
	}
	if (c->dry_run) {
		printf("would remove ");
	} else {
		rc = ring_unlink(o->name);
		if (rc < 0) {
			fail("rm", o->name, rc);
			return rc;
		}
		printf("removed ");
	}
	put_escaped(stdout, o->name);
	fputc('\n', stdout);
	c->removed++;
	return 0;
}

static int rm_stale_one(struct obj *o, void *vctx)
{
	struct rm_ctx *c = (struct rm_ctx *)vctx;

	if (!obj_is_ring(o) || !obj_stale(o) || !matches(o->name, c->pats, c->npats))
		return 0;
	rm_obj(c, o);
	return 0;
}

static int cmd_rm(int argc, char **argv)
{
	static const struct option lopts[] = {{"force", no_argument, NULL, 'f'},
					      {"stale", no_argument, NULL, 's'},
					      {"dry-run", no_argument, NULL, 'd'},
					      {0, 0, 0, 0}};
	struct rm_ctx c = {0, 0, 0, 0, NULL, 0};
	int opt, stale = 0, errors = 0, i;

	while ((opt = next_opt(argc, argv, "fsd", lopts)) != -1) {
		if (opt == 'f')
			c.force = 1;
		else if (opt == 's')
			stale = 1;
		else if (opt == 'd')
			c.dry_run = 1;
		else
			return usage(NULL);
	}
	if (!stale && optind == argc)
		return usage("rm needs a NAME (or --stale)");
	if (stale) {
		int rc;

		c.pats = argv + optind;
		c.npats = argc - optind;
		rc = scan_dir(rm_stale_one, &c);
		if (rc < 0)
			errors++;
	}
	for (i = stale ? argc : optind; i < argc; i++) {
		char name[258];
		struct obj *o = malloc(sizeof(*o));

		if (o == NULL || norm_name(argv[i], name, sizeof(name)) < 0) {
			fprintf(stderr, "shmring: rm: bad ring name\n");
			free(o);
			errors++;
			continue;
		}
		obj_load(o, name);
		/* Only rings, broken ones included: anything else in /dev/shm
		 * belongs to someone else (rm(1) is there for it). */
		if (!obj_is_ring(o)) {
			fprintf(stderr, "shmring: rm: ");
			put_escaped(stderr, name);
			fprintf(stderr, ": %s; not removed\n",
				o->rc == -EBADMSG ? "not a shmring ring" : ring_strerror(o->rc));
			errors++;
		} else if (rm_obj(&c, o) < 0) {
			errors++;
		}
		free(o);
	}
	if (errors)
		return EXIT_FAILURE;
	return c.refused ? EXIT_INUSE : EXIT_SUCCESS;
}

/* ---- create ------------------------------------------------------------- */

static int cmd_create(int argc, char **argv)
{
	static const struct option lopts[] = {{"kind", required_argument, NULL, 'k'},
					      {"rule", required_argument, NULL, 'r'},
					      {"slots", required_argument, NULL, 's'},
					      {"elem-size", required_argument, NULL, 'e'},
					      {"blocking", no_argument, NULL, 'b'},
					      {"mode", required_argument, NULL, 'm'},
					      {"parts", required_argument, NULL, 'p'},
					      {"many-producers", no_argument, NULL, 'M'},
					      {"lossy", no_argument, NULL, 'L'},
					      {0, 0, 0, 0}};
	struct ring_params p;
	int esz_given = 0;
	struct ring r;
	char name[258];
	uint64_t v;
	int opt, rc;

	memset(&p, 0, sizeof(p));
	p.kind = RING_KIND_SPSC;
	p.rule = RING_RULE_COUNT;
	p.slots = 1024;
	p.elem_size = 8;
	while ((opt = next_opt(argc, argv, "k:r:s:e:bm:p:ML", lopts)) != -1) {
		switch (opt) {
		case 'k':
			if (strcmp(optarg, "spsc") == 0)
				p.kind = RING_KIND_SPSC;
			else if (strcmp(optarg, "mpmc") == 0)
				p.kind = RING_KIND_MPMC;
			else if (strcmp(optarg, "msg") == 0)
				p.kind = RING_KIND_MSG;
			else if (strcmp(optarg, "bytes") == 0)
				p.kind = RING_KIND_BYTES;
			else if (strcmp(optarg, "bcast") == 0)
				p.kind = RING_KIND_BCAST;
			else if (strcmp(optarg, "bcast-msg") == 0) {
				/* Broadcast of messages: slots are data bytes,
				 * elem-size the largest message. */
				p.kind = RING_KIND_BCAST;
				p.flags |= RING_F_BCAST_MSG;
			} else
				return usage("--kind: spsc, mpmc, msg, bytes, bcast or bcast-msg");
			break;
		case 'r':
			if (strcmp(optarg, "count") == 0)
				p.rule = RING_RULE_COUNT;
			else if (strcmp(optarg, "n1") == 0)
				p.rule = RING_RULE_N1;
			else if (strcmp(optarg, "seq") == 0)
				p.rule = RING_RULE_SEQ;
			else
				return usage("--rule: count, n1 or seq");
			break;
		case 's':
			if (parse_u64(optarg, &p.slots) < 0)
				return usage("--slots: a number");
			break;
		case 'e':
			if (parse_u64(optarg, &p.elem_size) < 0)
				return usage("--elem-size: a number");
			esz_given = 1;
			break;
		case 'M': p.flags |= RING_F_MSG_MP; break;
		case 'L': p.flags |= RING_F_BCAST_LOSSY; break;
		case 'b': p.flags |= RING_F_BLOCKING; break;
		case 'm': {
			char *end;
			unsigned long m = strtoul(optarg, &end, 8);

			if (*end != '\0' || m == 0 || m > 0777)
				return usage("--mode: octal permission bits, 1..0777");
			p.mode = (uint32_t)m;
			break;
		}
		case 'p':
			if (parse_u64(optarg, &v) < 0 || v > UINT32_MAX)
				return usage("--parts: a number");
			p.max_parts = (uint32_t)v;
			break;
		default: return usage(NULL);
		}
	}
	if (optind + 1 != argc)
		return usage("create takes one NAME");
	/* A byte stream's element is its byte. */
	if (p.kind == RING_KIND_BYTES && !esz_given)
		p.elem_size = 1;
	if (norm_name(argv[optind], name, sizeof(name)) < 0)
		return usage("bad ring name");
	rc = ring_create(&r, name, &p);
	if (rc < 0)
		return fail("create", name, rc);
	ring_close(&r);
	return EXIT_SUCCESS;
}

/* ---- push and cat ------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Value text (or hex) into buf of esz bytes, zero-padded; *len: the bytes
 * the value holds. -1: too long or bad hex. */
static int make_elem(const char *s, int hex, unsigned char *elem, size_t esz, size_t *len)
{
	size_t n = 0;

	memset(elem, 0, esz);
	if (!hex) {
		n = strlen(s);
		if (n > esz)
			return -1;
		memcpy(elem, s, n);
		*len = n;
		return 0;
	}
	while (*s) {
		int hi, lo;

		if (*s == ' ' || *s == ':') {
			s++;
			continue;
		}
		hi = hexval(s[0]);
		lo = s[1] ? hexval(s[1]) : -1;
		if (hi < 0 || lo < 0 || n >= esz)
			return -1;
		elem[n++] = (unsigned char)(hi << 4 | lo);
		s += 2;
	}
	*len = n;
	return 0;
}

static int open_ring(const char *arg, struct ring *r, char *name, size_t len, int pop)
{
	int rc;

	if (norm_name(arg, name, len) < 0)
		return -EINVAL;
	rc = ring_open(r, name, RING_KIND_ANY);
	if (rc < 0)
		return rc;
	switch (ring_kind(r)) {
	case RING_KIND_SPSC:
	case RING_KIND_MPMC:
	case RING_KIND_MSG:
	case RING_KIND_BYTES: return 0;
	case RING_KIND_BCAST:
		/* A broadcast ring is read by joining (from now on) and written
		 * by taking the one producer role. */
		rc = pop ? ring_bcast_join(r) : ring_bcast_producer(r);
		if (rc < 0)
			ring_close(r);
		return rc;
	default: ring_close(r); return -EPROTOTYPE;
	}
}

/* One transfer of any kind: an element (fixed-slot kinds), a message, or
 * up to len bytes of a stream. Returns bytes moved (>= 0) or -errno.
 * timeout_ns > 0: the blocking variant (rings with RING_F_BLOCKING). */
static ssize_t xfer(struct ring *r, int pop, void *buf, size_t len, uint64_t timeout_ns)
{
	int rc;

	switch (ring_kind(r)) {
	case RING_KIND_MSG:
		if (pop) {
			size_t got = 0;

			rc = timeout_ns ? ring_msg_recv_timeout(r, buf, len, &got, timeout_ns)
					: ring_msg_recv(r, buf, len, &got);
			return rc < 0 ? rc : (ssize_t)got;
		}
		rc = timeout_ns ? ring_msg_send_timeout(r, buf, len, timeout_ns)
				: ring_msg_send(r, buf, len);
		return rc < 0 ? rc : (ssize_t)len;
	case RING_KIND_BCAST:
		if (ring_flags(r) & RING_F_BCAST_MSG) {
			uint64_t missed = 0;
			size_t got = 0;

			if (!pop) {
				rc = timeout_ns ? ring_bcast_send_timeout(r, buf, len, timeout_ns)
						: ring_bcast_send(r, buf, len);
				return rc < 0 ? rc : (ssize_t)len;
			}
			rc = timeout_ns ? ring_bcast_recv_timeout(r, buf, len, &got, &missed, timeout_ns)
					: ring_bcast_recv(r, buf, len, &got, &missed);
			if (rc == 0 && missed != 0)
				fprintf(stderr, "shmring: cat: %" PRIu64 " message%s missed (lapped)\n",
					missed, missed == 1 ? "" : "s");
			return rc < 0 ? rc : (ssize_t)got;
		}
		if (pop) {
			uint64_t missed = 0;

			rc = timeout_ns ? ring_bcast_pop_timeout(r, buf, &missed, timeout_ns)
					: ring_bcast_pop(r, buf, &missed);
			if (rc == 0 && missed != 0)
				fprintf(stderr, "shmring: cat: %" PRIu64 " element%s missed (lapped)\n",
					missed, missed == 1 ? "" : "s");
		} else {
			rc = timeout_ns ? ring_bcast_push_timeout(r, buf, timeout_ns)
					: ring_bcast_push(r, buf);
		}
		return rc < 0 ? rc : (ssize_t)ring_elem_size(r);
	case RING_KIND_BYTES:
		if (pop)
			return timeout_ns ? ring_bytes_read_timeout(r, buf, len, timeout_ns)
					  : ring_bytes_read(r, buf, len);
		return timeout_ns ? ring_bytes_write_timeout(r, buf, len, timeout_ns)
				  : ring_bytes_write(r, buf, len);
	default:
		if (pop)
			rc = timeout_ns ? ring_pop_timeout(r, buf, timeout_ns) : ring_pop(r, buf);
		else
			rc = timeout_ns ? ring_push_timeout(r, buf, timeout_ns) : ring_push(r, buf);
		return rc < 0 ? rc : (ssize_t)ring_elem_size(r);
	}
}

/* One transfer, retried for up to `timeout` seconds (0: once). Blocking
 * rings sleep in the library while the other side has a live participant;
 * otherwise the call is polled every millisecond. A lost race (-EBUSY, many
 * producers) is retried at once. */
static ssize_t with_timeout(struct ring *r, int pop, void *buf, size_t len, double timeout)
{
	double end = now_s() + timeout;
	ssize_t rc;
	int busy = 0;

	for (;;) {
		rc = xfer(r, pop, buf, len, 0);
		if (rc == -EBUSY && ++busy < 1000)
			continue;
		if (rc != -EAGAIN || timeout <= 0)
			return rc;
		if (ring_flags(r) & RING_F_BLOCKING) {
			double left = end - now_s();

			if (left <= 0)
				return -EAGAIN;
			rc = xfer(r, pop, buf, len, (uint64_t)(left * 1e9) + 1);
			if (rc == -ETIMEDOUT)
				return -EAGAIN;
			/* No live peer on the other side (none yet, or all
			 * dead): one may still attach; poll until the end. */
			if (rc != -ECONNRESET)
				return rc;
		}
		if (now_s() >= end)
			return -EAGAIN;
		sleep_s(0.001);
	}
}

/* The largest unit one push carries: an element, a message, or a chunk of
 * a stream. */
static size_t unit_size(const struct ring *r)
{
	return ring_kind(r) == RING_KIND_BYTES ? 65536 : ring_elem_size(r);
}

static int cmd_push(int argc, char **argv)
{
	static const struct option lopts[] = {{"hex", no_argument, NULL, 'x'},
					      {"timeout", required_argument, NULL, 't'},
					      {0, 0, 0, 0}};
	double timeout = 0;
	int opt, hex = 0, i, status = EXIT_SUCCESS, kind, msgs;
	ssize_t rc;
	uint64_t pushed = 0;
	char name[258], line[65536];
	unsigned char *elem;
	size_t esz;
	struct ring r;

	while ((opt = next_opt(argc, argv, "xt:", lopts)) != -1) {
		if (opt == 'x')
			hex = 1;
		else if (opt == 't') {
			if (parse_secs(optarg, &timeout) < 0)
				return usage("--timeout: seconds");
		} else
			return usage(NULL);
	}
	if (optind >= argc)
		return usage("push needs a NAME");
	rc = open_ring(argv[optind], &r, name, sizeof(name), 0);
	if (rc == -EINVAL)
		return usage("bad ring name");
	if (rc < 0)
		return fail("push: cannot open", argv[optind], (int)rc);
	kind = (int)ring_kind(&r);
	/* Messages (a message ring, a broadcast of messages) carry the
	 * value's bytes only. */
	msgs = kind == RING_KIND_MSG || (kind == RING_KIND_BCAST && (ring_flags(&r) & RING_F_BCAST_MSG));
	esz = unit_size(&r);
	elem = malloc(esz);
	if (elem == NULL) {
		ring_close(&r);
		return fail("push", name, -ENOMEM);
	}
	for (i = optind + 1; status == EXIT_SUCCESS; i++) {
		const char *v;
		size_t n, off;

		if (optind + 1 < argc) {
			if (i >= argc)
				break;
			v = argv[i];
		} else {
			if (fgets(line, sizeof(line), stdin) == NULL)
				break;
			n = strlen(line);
			/* A stream keeps its newlines; values lose theirs. */
			if (kind != RING_KIND_BYTES && n > 0 && line[n - 1] == '\n')
				line[n - 1] = '\0';
			v = line;
		}
		if (make_elem(v, hex, elem, esz, &n) < 0) {
			fprintf(stderr, "shmring: push: value longer than %s (%zu bytes)%s\n",
				msgs ? "the largest message" : "the element", esz,
				hex ? " or bad hex" : "");
			status = EXIT_FAILURE;
			break;
		}
		/* Fixed-slot kinds push the whole (zero-padded) element; a
		 * message is the value's bytes; a stream takes them in as many
		 * writes as it needs. */
		if (!msgs && kind != RING_KIND_BYTES)
			n = esz;
		off = 0;
		do {
			rc = with_timeout(&r, 0, elem + off, n - off, timeout);
			if (rc > 0 || (rc == 0 && n == 0))
				off += (size_t)rc;
		} while (kind == RING_KIND_BYTES && rc > 0 && off < n);
		if (rc == -EAGAIN) {
			fprintf(stderr, "shmring: push: ring full after %" PRIu64 " value%s%s\n", pushed,
				pushed == 1 ? "" : "s", off ? " and part of the next" : "");
			status = EXIT_AGAIN;
		} else if (rc < 0) {
			status = fail("push", name, (int)rc);
		} else {
			pushed++;
		}
	}
	free(elem);
	ring_close(&r);
	return status;
}

/* One element or message on a line: text when every byte is printable
 * (mode 0) or asked for (--text, escaped), else hex. Fixed-slot elements
 * lose their zero padding in text. */
static void print_elem(const unsigned char *e, size_t n, int mode, int padded)
{
	size_t len = n, i;
	int text = mode == 't';

	while (padded && len > 0 && e[len - 1] == 0)
		len--;
	if (mode == 0) {
		text = 1;
		for (i = 0; i < len; i++)
			if (e[i] < 0x20 || e[i] >= 0x7f)
				text = 0;
	}
	if (text) {
		for (i = 0; i < len; i++)
			if (e[i] >= 0x20 && e[i] < 0x7f && e[i] != '\\')
				putchar(e[i]);
			else
				printf("\\x%02x", e[i]);
	} else {
		for (i = 0; i < n; i++)
			printf("%02x", e[i]);
	}
	putchar('\n');
}

/* A stream's bytes: as they are (default, --text), or hex, 32 bytes a line
 * (*col: bytes on the current line). */
static void print_stream(const unsigned char *b, size_t n, int mode, size_t *col)
{
	size_t i;

	if (mode != 'x') {
		fwrite(b, 1, n, stdout);
		return;
	}
	for (i = 0; i < n; i++) {
		printf("%02x", b[i]);
		if (++*col == 32) {
			putchar('\n');
			*col = 0;
		}
	}
}

static int cmd_cat(int argc, char **argv)
{
	static const struct option lopts[] = {{"hex", no_argument, NULL, 'x'},
					      {"text", no_argument, NULL, 't'},
					      {"count", required_argument, NULL, 'n'},
					      {"follow", no_argument, NULL, 'f'},
					      {"timeout", required_argument, NULL, 'T'},
					      {0, 0, 0, 0}};
	double timeout = 0;
	uint64_t count = 0, got = 0;
	int opt, mode = 0, follow = 0, status = EXIT_SUCCESS, kind;
	ssize_t rc;
	char name[258];
	unsigned char *elem;
	size_t esz, col = 0;
	struct ring r;

	while ((opt = next_opt(argc, argv, "xtn:fT:", lopts)) != -1) {
		if (opt == 'x' || opt == 't')
			mode = opt;
		else if (opt == 'n') {
			if (parse_u64(optarg, &count) < 0 || count == 0)
				return usage("--count: a positive number");
		} else if (opt == 'f')
			follow = 1;
		else if (opt == 'T') {
			if (parse_secs(optarg, &timeout) < 0)
				return usage("--timeout: seconds");
		} else
			return usage(NULL);
	}
	if (optind + 1 != argc)
		return usage("cat takes one NAME");
	rc = open_ring(argv[optind], &r, name, sizeof(name), 1);
	if (rc == -EINVAL)
		return usage("bad ring name");
	if (rc < 0)
		return fail("cat: cannot open", argv[optind], (int)rc);
	kind = (int)ring_kind(&r);
	esz = unit_size(&r);
	elem = malloc(esz ? esz : 1);
	if (elem == NULL) {
		ring_close(&r);
		return fail("cat", name, -ENOMEM);
	}
	/* --follow without --timeout: until the end of the stream. */
	if (follow && timeout == 0)
		timeout = 86400.0 * 365;
	while (count == 0 || got < count) {
		size_t want = esz;

		/* -n counts elements, messages, or a stream's bytes. */
		if (kind == RING_KIND_BYTES && count != 0 && count - got < want)
			want = (size_t)(count - got);
		rc = with_timeout(&r, 1, elem, want, timeout);
		if (rc == -EAGAIN || rc == -EPIPE)
			break;
		if (rc < 0) {
			status = fail("cat", name, (int)rc);
			break;
		}
		if (kind == RING_KIND_BYTES) {
			print_stream(elem, (size_t)rc, mode, &col);
			got += (uint64_t)rc;
		} else {
			print_elem(elem, (size_t)rc, mode,
				   kind != RING_KIND_MSG && !(ring_flags(&r) & RING_F_BCAST_MSG));
			got++;
		}
	}
	if (col)
		putchar('\n');
	fflush(stdout);
	if (status == EXIT_SUCCESS && count != 0 && got < count)
		status = EXIT_AGAIN;
	free(elem);
	ring_close(&r);
	return status;
}

/* ---- main --------------------------------------------------------------- */

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {{"ls", cmd_ls},         {"stat", cmd_stat}, {"watch", cmd_watch},
		    {"rm", cmd_rm},         {"create", cmd_create}, {"push", cmd_push},
		    {"cat", cmd_cat}};
	size_t i;

	if (argc < 2)
		return usage(NULL);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, stdout);
		return EXIT_SUCCESS;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("shmring %d.%d.%d (layout version %u)\n", SHMRING_VERSION_MAJOR,
		       SHMRING_VERSION_MINOR, SHMRING_VERSION_PATCH, RING_LAYOUT_VERSION);
		return EXIT_SUCCESS;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) == 0) {
			int j;

			for (j = 2; j < argc; j++)
				if (strcmp(argv[j], "--help") == 0) {
					fputs(usage_text, stdout);
					return EXIT_SUCCESS;
				}
			/* The command's own options: argv[1] is its name. */
			optind = 1;
			return cmds[i].fn(argc - 1, argv + 1);
		}
	}
	return usage("unknown command");
}
