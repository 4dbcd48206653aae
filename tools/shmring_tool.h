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

/* Participants listed per object (the rest are counted, not listed). */
#define OBJ_PARTS_MAX 64

/* One object of /dev/shm as the tool sees it. */
struct obj {
	char name[258];            /* "/" + the file name */
	int rc;                    /* ring_inspect_parts's result (0 or -errno) */
	struct ring_inspect_info info;
	unsigned long long ino;    /* 0 if unknown */
	struct ring_part_info parts[OBJ_PARTS_MAX];
	size_t nparts;             /* entries in use (may exceed OBJ_PARTS_MAX) */
};

/* scan.c */
/* Inspect name (with its leading '/'): header, indices, counters and the
 * participant table, read-only (ring_inspect_parts). */
void obj_load(struct obj *o, const char *name);
/* 1 if the object is a ring or a broken one (its magic matched). */
int obj_is_ring(const struct obj *o);
/* Participants not verified dead: -1 if not known (the table could not be
 * read: a broken ring). */
int obj_live(const struct obj *o);
/* 1: the table was read and no participant is alive (verified death, see
 * ring_live.h); 0 otherwise (a ring whose table cannot be read is never
 * called stale). */
int obj_stale(const struct obj *o);
/* "producer", "consumer", "producer+consumer" or "none". */
const char *roles_name(uint32_t roles);
const char *alive_name(uint32_t alive);
/* Call fn for every object of SHM_DIR, sorted by name. Returns 0 or -errno. */
int scan_dir(int (*fn)(struct obj *o, void *ctx), void *ctx);
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
