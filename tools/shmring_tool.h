/* SPDX-License-Identifier: MIT */
/* The shmring command: declarations shared by its files. */
#ifndef SHMRING_TOOL_H
#define SHMRING_TOOL_H

#include <shmring/shmring.h>

#include <stdio.h>
#include <sys/types.h>

/* Exit codes (documented in shmring.1 and --help). */
#include <stdlib.h> /* EXIT_SUCCESS 0, EXIT_FAILURE 1: an operation failed */
#define EXIT_USAGE 2 /* bad command line */
#define EXIT_INUSE 3 /* rm: refused, the ring has live participants */
#define EXIT_AGAIN 4 /* push: ring full; cat --count: fewer elements than asked */

/* Where POSIX shm objects live (glibc's shm_open). */
#define SHM_DIR "/dev/shm"

/* Processes that map objects of /dev/shm, from /proc/PID/maps (only those
 * this user may read). */
struct mappers {
	struct mapping {
		unsigned long long ino;
		pid_t pid;
	} *v;
	size_t n, cap;
};

/* One object of /dev/shm as the tool sees it. */
struct obj {
	char name[258];            /* "/" + the file name */
	int rc;                    /* ring_inspect's result */
	struct ring_inspect_info info;
	unsigned long long ino;    /* 0 if unknown */
	pid_t pids[16];            /* mapping processes (first 16) */
	size_t npids;              /* all of them */
};

/* scan.c */
int mappers_load(struct mappers *m);
void mappers_free(struct mappers *m);
/* Inspect name (with its leading '/') and find who maps it. */
void obj_load(struct obj *o, const char *name, const struct mappers *m);
/* 1 if the object is a ring or a broken one (its magic matched). */
int obj_is_ring(const struct obj *o);
/* Live participants: -1 if not known (no participant listing). */
int obj_live(const struct obj *o);
int obj_stale(const struct obj *o);
/* Call fn for every object of SHM_DIR, sorted by name. Returns 0 or -errno. */
int scan_dir(int (*fn)(struct obj *o, void *ctx), void *ctx, const struct mappers *m);
/* "/name" from "name" or "/name"; -EINVAL if it cannot be a ring name. */
int norm_name(const char *arg, char *out, size_t len);

/* out.c */
const char *kind_name(uint32_t kind);  /* NULL if unknown */
const char *rule_name(uint32_t rule);  /* NULL if unknown */
void put_escaped(FILE *f, const char *s);       /* text: \xNN for unprintables */
void put_json_str(FILE *f, const char *s);      /* a JSON string literal */
void obj_print_row(FILE *f, const struct obj *o);
void obj_print_header(FILE *f);
void obj_print_json(FILE *f, const struct obj *o, int full);
void obj_print_stat(FILE *f, const struct obj *o);

#endif /* SHMRING_TOOL_H */
