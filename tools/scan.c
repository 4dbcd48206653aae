/* SPDX-License-Identifier: MIT */
/*
 * Finding rings: the objects of /dev/shm, what ring_inspect() says of each,
 * and which processes map them (/proc/PID/maps, the way lsof finds them).
 * Nothing here opens an object for writing or maps one.
 */
#include "shmring_tool.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int add_mapping(struct mappers *m, unsigned long long ino, pid_t pid)
{
	size_t i;

	for (i = m->n; i > 0; i--) /* lines of one pid are adjacent */
		if (m->v[i - 1].pid != pid)
			break;
		else if (m->v[i - 1].ino == ino)
			return 0;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct mapping *v = realloc(m->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n].ino = ino;
	m->v[m->n].pid = pid;
	m->n++;
	return 0;
}

/* One process's mappings of files under /dev/shm/. */
static void load_pid(struct mappers *m, pid_t pid)
{
	char path[64], line[4096];
	FILE *f;
	int partial = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return; /* gone, or another user's */
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);
		unsigned long long ino;
		int off = 0;
		int was_partial = partial;

		partial = len > 0 && line[len - 1] != '\n';
		if (was_partial)
			continue; /* the tail of an over-long line */
		if (sscanf(line, "%*s %*s %*s %*s %llu %n", &ino, &off) != 1 || off == 0)
			continue;
		if (strncmp(line + off, SHM_DIR "/", sizeof(SHM_DIR)) != 0)
			continue;
		if (add_mapping(m, ino, pid) < 0)
			break;
	}
	fclose(f);
}

int mappers_load(struct mappers *m)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	memset(m, 0, sizeof(*m));
	if (d == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end != '\0' || pid <= 0 || !isdigit((unsigned char)e->d_name[0]))
			continue;
		load_pid(m, (pid_t)pid);
	}
	closedir(d);
	return 0;
}

void mappers_free(struct mappers *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

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

void obj_load(struct obj *o, const char *name, const struct mappers *m)
{
	char path[sizeof(SHM_DIR) + sizeof(o->name)];
	struct stat st;
	size_t i;

	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->rc = ring_inspect(o->name, &o->info);
	/* The inode, to find the processes that map this very object (not
	 * an earlier one of the same name). lstat: never follow a link. */
	snprintf(path, sizeof(path), SHM_DIR "%s", o->name);
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
		o->ino = (unsigned long long)st.st_ino;
	if (o->ino == 0 || m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		if (m->v[i].ino != o->ino)
			continue;
		if (o->npids < sizeof(o->pids) / sizeof(o->pids[0]))
			o->pids[o->npids] = m->v[i].pid;
		o->npids++;
	}
}

int obj_is_ring(const struct obj *o)
{
	return (o->info.have & RING_INSPECT_HDR) != 0;
}

int obj_live(const struct obj *o)
{
	(void)o;
	return -1; /* the library has no participant listing yet */
}

int obj_stale(const struct obj *o)
{
	int live = obj_live(o);

	/* Without a participant table to read, a ring no process maps has
	 * nobody left to use it. */
	return live >= 0 ? live == 0 : o->npids == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int scan_dir(int (*fn)(struct obj *o, void *ctx), void *ctx, const struct mappers *m)
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
			obj_load(o, names[i], m);
			rc = fn(o, ctx);
			free(o);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}
