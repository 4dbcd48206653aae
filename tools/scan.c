/* SPDX-License-Identifier: MIT */
/*
 * Finding rings: the objects of /dev/shm and what ring_inspect_parts() says
 * of each: header, indices, counters and participants, copied with pread(2)
 * from a read-only descriptor and validated by the library, with each
 * participant judged by the liveness mechanism (verified death: pid gone or
 * reused). Nothing here opens an object for writing or maps one.
 */
#include "shmring_tool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int norm_name(const char *arg, char *out, size_t len)
{
	const char *base = arg[0] == '/' ? arg + 1 : arg;
	size_t n = strlen(base);

	if (n == 0 || n + 2 > len || n + 1 > RING_NAME_MAX || strchr(base, '/') != NULL ||
	    strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return -EINVAL;
	out[0] = '/';
	memcpy(out + 1, base, n + 1);
	return 0;
}

void obj_load(struct obj *o, const char *name)
{
	char path[sizeof(SHM_DIR) + sizeof(o->name)];
	struct stat st;
	ssize_t n;

	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", name);
	n = ring_inspect_parts(o->name, &o->info, o->parts, OBJ_PARTS_MAX);
	o->rc = n < 0 ? (int)n : 0;
	o->nparts = n < 0 ? 0 : (size_t)n;
	/* The inode: rm unlinks only the very object that was inspected (not
	 * a later one of the same name). lstat: never follow a link. */
	snprintf(path, sizeof(path), SHM_DIR "%s", o->name);
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
		o->ino = (unsigned long long)st.st_ino;
}

int obj_is_ring(const struct obj *o)
{
	return (o->info.have & RING_INSPECT_HDR) != 0;
}

int obj_live(const struct obj *o)
{
	if (!(o->info.have & RING_INSPECT_PARTS))
		return -1;
	return (int)o->info.parts_alive;
}

int obj_stale(const struct obj *o)
{
	return obj_live(o) == 0;
}

const char *roles_name(uint32_t roles)
{
	switch (roles & (RING_ROLE_PRODUCER | RING_ROLE_CONSUMER)) {
	case RING_ROLE_PRODUCER: return "producer";
	case RING_ROLE_CONSUMER: return "consumer";
	case RING_ROLE_PRODUCER | RING_ROLE_CONSUMER: return "producer+consumer";
	default: return "none";
	}
}

const char *alive_name(uint32_t alive)
{
	switch (alive) {
	case RING_PART_IS_ALIVE: return "alive";
	case RING_PART_IS_DEAD: return "dead";
	case RING_PART_IS_JOINING: return "joining";
	default: return "unknown";
	}
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int scan_dir(int (*fn)(struct obj *o, void *ctx), void *ctx)
{
	DIR *d = opendir(SHM_DIR);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (d == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		char *s;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (strlen(e->d_name) + 1 > RING_NAME_MAX)
			continue; /* cannot be a ring name */
		if (n == cap) {
			char **v = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (v == NULL) {
				rc = -ENOMEM;
				break;
			}
			names = v;
		}
		s = malloc(strlen(e->d_name) + 2);
		if (s == NULL) {
			rc = -ENOMEM;
			break;
		}
		s[0] = '/';
		strcpy(s + 1, e->d_name);
		names[n++] = s;
	}
	closedir(d);
	if (rc == 0 && n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		struct obj *o;

		if (rc == 0 && (o = malloc(sizeof(*o))) != NULL) {
			obj_load(o, names[i]);
			rc = fn(o, ctx);
			free(o);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}
