/* SPDX-License-Identifier: MIT */
/*
 * Regions: named POSIX shm objects, anonymous shared memory, sealed memfds
 * and caller memory; creating, attaching and closing handles on them.
 */
#include "ring_internal.h"

#include <shmring/ring_msg.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define RING_PVT_OWN_MAP 0x1u
#define RING_PVT_OWN_FD 0x2u

int ring_pvt_check_name(const char *name)
{
	size_t len;

	if (name == NULL || name[0] != '/')
		return -EINVAL;
	len = strnlen(name, RING_NAME_MAX + 1);
	if (len > RING_NAME_MAX)
		return -ENAMETOOLONG;
	if (len == 1 || strchr(name + 1, '/') != NULL)
		return -EINVAL;
	if (strcmp(name, "/.") == 0 || strcmp(name, "/..") == 0)
		return -EINVAL;
	return 0;
}

static void handle_reset(struct ring *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

/*
 * What an attach expects of the ring, checked after validation and before
 * the handle becomes a participant (so a mismatch takes no entry or role).
 */
struct want {
	uint32_t kind;
	uint32_t flags; /* RING_ATTACH_* */
	uint32_t roles;
	uint64_t esz;   /* 0: any */
	const struct ring_params *params;
	int join;       /* take an entry (0: a creator's check of a stale ring) */
};

static int check_want(const struct ring *r, const struct want *w)
{
	const struct ring_params *p = w->params;

	if (w->esz != 0 && w->esz != r->esz)
		return -EMEDIUMTYPE;
	if (p != NULL && (p->kind != r->kind || p->rule != r->rule || p->slots != r->n ||
			  p->elem_size != r->esz || p->flags != r->flags))
		return -EMEDIUMTYPE;
	return 0;
}

/* Map fd (size bytes), validate and fill r, which then owns map and fd. */
static int attach_fd(struct ring *r, int fd, uint64_t size, const struct want *w)
{
	int observe = (w->flags & RING_ATTACH_OBSERVE) != 0;
	void *map;
	int rc;

	/* A bad kind first: -EAGAIN on an empty object would have the caller
	 * retry a call that can never succeed. */
	if (ring_pvt_check_kind(w->kind) < 0)
		return -EINVAL;
	if (size < sizeof(struct ring_shared))
		return size == 0 ? -EAGAIN : -EBADMSG;
	if (size > RING_PVT_MAX_BYTES)
		return -EMSGSIZE;
	/* Map exactly what the object holds, never a size read from it. */
	map = mmap(NULL, (size_t)size, observe ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	rc = ring_pvt_attach(r, map, (size_t)size, 1, w->kind);
	if (rc == 0)
		rc = check_want(r, w);
	if (rc == 0 && w->join)
		rc = ring_pvt_live_attach(r, w->roles, observe);
	if (rc < 0) {
		munmap(map, (size_t)size);
		return rc;
	}
	r->map = map;
	r->map_len = (size_t)size;
	r->fd = fd;
	r->own = RING_PVT_OWN_MAP | RING_PVT_OWN_FD;
	return 0;
}

/* 1 if this process may trust a named object with these attributes: its
 * own (or, with RING_ATTACH_SHARED_GROUP, of a group it is in), and writable
 * by nobody else (group write allowed with that flag). */
static int owner_ok(const struct stat *st, uint32_t flags)
{
	int shared = (flags & RING_ATTACH_SHARED_GROUP) != 0;
	gid_t groups[64];
	int n, i;

	if (st->st_mode & S_IWOTH)
		return 0;
	if (!shared)
		return st->st_uid == geteuid() && !(st->st_mode & S_IWGRP);
	if (st->st_uid == geteuid() || st->st_gid == getegid())
		return 1;
	n = getgroups(64, groups);
	for (i = 0; i < n; i++)
		if (groups[i] == st->st_gid)
			return 1;
	return 0;
}

/* need_seal: the object must be sealed against shrinking (see ring_open_fd).
 * named: a shm object, whose owner and mode are checked. */
static int attach_fd_stat(struct ring *r, int fd, const struct want *w, int need_seal, int named)
{
	struct stat st;
	int seals;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADMSG;
	if (named && !owner_ok(&st, w->flags))
		return -EPERM;
	if (need_seal) {
		seals = fcntl(fd, F_GET_SEALS);
		if (seals < 0 || !(seals & F_SEAL_SHRINK))
			return -EPERM;
	}
	return attach_fd(r, fd, (uint64_t)st.st_size, w);
}

/*
 * The memory the kernel says it can still give without reclaiming from
 * others: MemAvailable in /proc/meminfo, in bytes, or UINT64_MAX when it
 * cannot be read (then no limit is applied here).
 */
static uint64_t mem_available(void)
{
	char line[128];
	unsigned long long kb;
	uint64_t avail = UINT64_MAX;
	FILE *f = fopen("/proc/meminfo", "re");

	if (f == NULL)
		return UINT64_MAX;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
			avail = kb > UINT64_MAX / 1024 ? UINT64_MAX : (uint64_t)kb * 1024;
			break;
		}
	}
	fclose(f);
	return avail;
}

/*
 * Whether `total` bytes of shared memory can be had, decided before a page
 * is touched. Every ring region is shmem: its pages are RAM (or swap) that
 * posix_fallocate or MAP_POPULATE takes at once, and the kernel's internal
 * mount behind memfds has no size limit of its own, so asking for more than
 * there is would not fail: it would run the machine into the OOM killer.
 * fd: the object to be sized (named or memfd), or -1 (anonymous memory).
 *   -ENOSPC  more than the free space of fd's filesystem (the tmpfs behind
 *            /dev/shm; the memfd mount reports no size, so none applies)
 *   -ENOMEM  more than MemAvailable, or than RLIMIT_AS
 *   -EFBIG   more than RLIMIT_FSIZE (the kernel would refuse it with
 *            SIGXFSZ, which kills a process that does not handle it)
 * Memory a cgroup limits is not looked at: there the kernel's own limit
 * decides (a cgroup OOM kill, confined to that cgroup).
 */
static int check_room(int fd, uint64_t total)
{
	struct statvfs vfs;
	struct rlimit rl;

	if (fd >= 0 && fstatvfs(fd, &vfs) == 0 && vfs.f_blocks != 0 && vfs.f_frsize != 0 &&
	    (total + vfs.f_frsize - 1) / vfs.f_frsize > vfs.f_bavail)
		return -ENOSPC;
	if (total > mem_available())
		return -ENOMEM;
	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && total > rl.rlim_cur)
		return -ENOMEM;
	if (fd >= 0 && getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    total > rl.rlim_cur)
		return -EFBIG;
	return 0;
}

/* Reserve every page now, so that running out of shm space fails here
 * rather than as SIGBUS on a later store. */
static int reserve(int fd, uint64_t total)
{
	int rc = posix_fallocate(fd, 0, (off_t)total);

	if (rc == EOPNOTSUPP || rc == ENOSYS) {
		/* A filesystem without fallocate (glibc emulates it for most):
		 * the size is set, but running out of space later faults. */
		if (ftruncate(fd, (off_t)total) < 0)
			return -errno;
		return 0;
	}
	return -rc;
}

/* Size, map and format a fresh fd and take the creator's entry (roles);
 * on success r owns the fd. */
static int format_fd(struct ring *r, int fd, const struct ring_params *p,
		     const struct ring_geom *g, uint32_t roles)
{
	void *map;
	int rc = check_room(fd, g->total);

	if (rc == 0)
		rc = reserve(fd, g->total);
	if (rc < 0)
		return rc;
	map = mmap(NULL, (size_t)g->total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	ring_pvt_format(map, p, g);
	rc = ring_pvt_attach(r, map, (size_t)g->total, 1, p->kind);
	if (rc == 0)
		rc = ring_pvt_live_attach(r, roles, 0);
	if (rc < 0) {
		munmap(map, (size_t)g->total);
		return rc;
	}
	r->map = map;
	r->map_len = (size_t)g->total;
	r->fd = fd;
	r->own = RING_PVT_OWN_MAP | RING_PVT_OWN_FD;
	return 0;
}

/*
 * Named rings are made where glibc's shm_open puts them. A name only ever
 * refers to a complete ring: the object is created without a name
 * (O_TMPFILE), sized, formatted, given its creator's participant entry, and
 * only then linked under the name (linkat fails with EEXIST if the name
 * exists). A creator killed at any point before the link leaves nothing; one
 * killed after it leaves a complete ring whose only participant is dead,
 * which the next creator replaces (see replace_stale). Where O_TMPFILE or
 * /proc/self/fd is missing, the object is made under a temporary name
 * (".shmring-tmp-PID-RANDOM") and hard-linked; a creator killed then leaves
 * that temporary name, never an unusable ring name.
 */
#define SHM_DIR "/dev/shm"

static void shm_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, SHM_DIR "%s", name);
}

/* An object with no name yet (tmp[0] == 0), or under the temporary name tmp. */
static int unnamed_object(mode_t mode, char *tmp, size_t tmplen)
{
	int fd;

	tmp[0] = '\0';
	if (access("/proc/self/fd", X_OK) == 0) {
		fd = open(SHM_DIR, O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
		if (fd >= 0)
			return fd;
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL && errno != ENOENT)
			return -errno;
	}
	snprintf(tmp, tmplen, "/.shmring-tmp-%d-%016llx", (int)getpid(),
		 (unsigned long long)ring_pvt_random64());
	fd = shm_open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	return fd < 0 ? -errno : fd;
}

static int give_name(int fd, const char *tmp, const char *path)
{
	char from[64 + RING_NAME_MAX];
	int rc;

	if (tmp[0] == '\0')
		snprintf(from, sizeof(from), "/proc/self/fd/%d", fd);
	else
		shm_path(from, sizeof(from), tmp);
	rc = linkat(AT_FDCWD, from, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
	return rc;
}

/*
 * The name exists; the caller wants to create a ring under it. A valid ring
 * of this user with no participant alive (verified) is replaced: marked
 * RING_LIFE_REPLACING (attachers back off), its name removed if it still
 * names that object, then marked RING_LIFE_REPLACED so that handles still on
 * it learn -ESTALE. 1: the name is free now (link again), 0: it is in use or
 * not something we may replace (-EEXIST), or -errno.
 */
static int replace_stale(const char *name, const char *path, uint64_t new_id)
{
	struct want w = {RING_KIND_ANY, 0, 0, 0, NULL, 0};
	struct ring old;
	struct stat a, b;
	int fd, rc;

	memset(&old, 0, sizeof(old));
	old.fd = -1;
	fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0)
		return errno == ENOENT ? 1 : 0;
	rc = attach_fd_stat(&old, fd, &w, 0, 1);
	if (rc < 0) {
		close(fd);
		return 0; /* not a ring, not complete, or not ours: leave it */
	}
	if (!ring_pvt_live_check_stale(&old)) {
		ring_close(&old);
		return 0;
	}
	/* Remove the name only if it still names the object we judged. */
	rc = 0;
	if (fstat(old.fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
	    a.st_dev == b.st_dev && unlink(path) == 0)
		rc = 1;
	ring_pvt_live_mark_replaced(&old, new_id, rc);
	ring_close(&old);
	return rc;
}

/* Create the named ring (see above); the creator's entry takes `roles`. */
static int create_named(struct ring *r, const char *name, const struct ring_params *p,
			uint32_t roles)
{
	char tmp[64], path[sizeof(SHM_DIR) + RING_NAME_MAX];
	struct ring_geom g;
	int fd, rc, tries;

	handle_reset(r); /* closed on every error */
	rc = ring_pvt_check_params(p, &g);
	if (rc < 0)
		return rc;
	rc = ring_pvt_check_name(name);
	if (rc < 0)
		return rc;
	shm_path(path, sizeof(path), name);
	fd = unnamed_object(p->mode ? p->mode : 0600, tmp, sizeof(tmp));
	if (fd < 0)
		return fd;
	rc = format_fd(r, fd, p, &g, roles);
	for (tries = 0; rc == 0; tries++) {
		rc = give_name(fd, tmp, path);
		if (rc != -EEXIST)
			break;
		rc = tries < 4 ? replace_stale(name, path, r->create_id) : 0;
		rc = rc == 1 ? 0 : rc == 0 ? -EEXIST : rc;
	}
	if (tmp[0] != '\0')
		shm_unlink(tmp);
	if (rc < 0) {
		if (r->map != NULL) {
			ring_pvt_live_leave(r);
			munmap(r->map, r->map_len);
		}
		close(fd);
		handle_reset(r);
	}
	return rc;
}

int ring_create(struct ring *r, const char *name, const struct ring_params *p)
{
	if (r == NULL)
		return -EINVAL;
	return create_named(r, name, p, 0);
}

static int open_named(struct ring *r, const char *name, const struct want *w)
{
	int fd, rc;

	handle_reset(r); /* closed on every error */
	rc = ring_pvt_check_name(name);
	if (rc < 0)
		return rc;
	if (ring_pvt_check_kind(w->kind) < 0)
		return -EINVAL;
	/* glibc's shm_open adds O_NOFOLLOW: a symbolic link in /dev/shm is
	 * refused with -ELOOP, never followed to whatever it points at. */
	fd = shm_open(name, ((w->flags & RING_ATTACH_OBSERVE) ? O_RDONLY : O_RDWR) | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = attach_fd_stat(r, fd, w, 0, 1);
	if (rc < 0) {
		close(fd);
		handle_reset(r);
	}
	return rc;
}

int ring_open(struct ring *r, const char *name, uint32_t kind)
{
	struct want w = {kind, 0, 0, 0, NULL, 1};

	if (r == NULL)
		return -EINVAL;
	return open_named(r, name, &w);
}

static int deadline_passed(const struct timespec *d)
{
	struct timespec now;

	if (d == NULL)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > d->tv_sec || (now.tv_sec == d->tv_sec && now.tv_nsec >= d->tv_nsec);
}

/* Sleep at most ms milliseconds, and not past the deadline. */
static void nap(const struct timespec *d, long ms)
{
	struct timespec now, t;

	clock_gettime(CLOCK_MONOTONIC, &now);
	t = now;
	t.tv_nsec += ms * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	if (d != NULL && (d->tv_sec < t.tv_sec || (d->tv_sec == t.tv_sec && d->tv_nsec < t.tv_nsec)))
		t = *d;
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
}

int ring_attach(struct ring *r, const char *name, const struct ring_attach_opts *o)
{
	struct ring_attach_opts none;
	struct want w;
	int rc, busy = 0;
	long ms = 1;

	if (r == NULL)
		return -EINVAL;
	handle_reset(r);
	if (o == NULL) {
		memset(&none, 0, sizeof(none));
		o = &none;
	}
	if ((o->flags & ~RING_ATTACH_ALL) || (o->roles & ~(RING_ROLE_PRODUCER | RING_ROLE_CONSUMER)) ||
	    o->reserved != 0)
		return -EINVAL;
	if ((o->flags & RING_ATTACH_CREATE) && (o->params == NULL || (o->flags & RING_ATTACH_OBSERVE)))
		return -EINVAL;
	if (o->flags & RING_ATTACH_WAIT) {
		const struct timespec *d = o->deadline;

		if (d != NULL && (d->tv_nsec < 0 || d->tv_nsec >= 1000000000L))
			return -EINVAL;
	}
	w.kind = o->kind;
	w.flags = o->flags;
	w.roles = o->roles;
	w.esz = o->elem_size;
	w.params = o->params;
	w.join = 1;
	for (;;) {
		rc = open_named(r, name, &w);
		if (rc == 0)
			return 0;
		if ((o->flags & RING_ATTACH_CREATE) && (rc == -ENOENT || rc == -EMEDIUMTYPE)) {
			/* Missing, or incompatible: create (replacing a stale
			 * incompatible one; a live one stays -EMEDIUMTYPE). */
			int crc = create_named(r, name, o->params, o->roles);

			if (crc == 0)
				return 1;
			if (crc != -EEXIST)
				return crc;
			if (rc == -EMEDIUMTYPE)
				return rc;
			continue; /* created by someone else meanwhile: open it */
		}
		/* Being checked for replacement by a creator: a short wait. */
		if (rc == -EAGAIN && busy < 1000 && !(o->flags & RING_ATTACH_WAIT)) {
			struct stat st;
			char path[sizeof(SHM_DIR) + RING_NAME_MAX];

			shm_path(path, sizeof(path), name);
			if (stat(path, &st) == 0 && st.st_size == 0)
				return rc; /* an empty object: not ours to wait for */
			busy++;
			nap(NULL, 1);
			continue;
		}
		if (!(o->flags & RING_ATTACH_WAIT) ||
		    (rc != -ENOENT && rc != -EAGAIN && rc != -ESTALE))
			return rc;
		if (deadline_passed(o->deadline))
			return -ETIMEDOUT;
		nap(o->deadline, ms);
		if (ms < 10)
			ms *= 2;
	}
}

int ring_join(struct ring *r, uint32_t roles)
{
	int rc;

	if (r == NULL || r->shm == NULL || (roles & ~(RING_ROLE_PRODUCER | RING_ROLE_CONSUMER)) ||
	    (r->live & RING_PVT_LIVE_OBSERVE))
		return -EINVAL;
	if (ring_pvt_live_replaced(r))
		return -ESTALE;
	rc = ring_pvt_live_declare(r, roles);
	if (rc < 0)
		return rc;
	ring_pvt_live_set_modes(r);
	return 0;
}

int ring_unlink(const char *name)
{
	int rc = ring_pvt_check_name(name);

	if (rc < 0)
		return rc;
	return shm_unlink(name) < 0 ? -errno : 0;
}

int ring_create_anon(struct ring *r, const struct ring_params *p)
{
	struct ring_geom g;
	void *map;
	int rc;

	if (r == NULL)
		return -EINVAL;
	handle_reset(r); /* closed on every error */
	rc = ring_pvt_check_params(p, &g);
	if (rc < 0)
		return rc;
	rc = check_room(-1, g.total); /* MAP_POPULATE takes every page now */
	if (rc < 0)
		return rc;
	map = mmap(NULL, (size_t)g.total, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (map == MAP_FAILED)
		return -errno;
	ring_pvt_format(map, p, &g);
	rc = ring_pvt_attach(r, map, (size_t)g.total, 1, p->kind);
	if (rc == 0)
		rc = ring_pvt_live_attach(r, 0, 0);
	if (rc < 0) {
		munmap(map, (size_t)g.total);
		handle_reset(r);
		return rc;
	}
	r->map = map;
	r->map_len = (size_t)g.total;
	r->own = RING_PVT_OWN_MAP;
	return 0;
}

int ring_create_memfd(struct ring *r, const char *name, const struct ring_params *p)
{
	struct ring_geom g;
	int fd, rc;

	if (r == NULL)
		return -EINVAL;
	handle_reset(r); /* closed on every error */
	rc = ring_pvt_check_params(p, &g);
	if (rc < 0)
		return rc;
	fd = memfd_create(name ? name : "shmring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	rc = format_fd(r, fd, p, &g, 0);
	/* Sealed: no process holding the fd can shrink it under a mapping
	 * (SIGBUS) or grow it. */
	if (rc == 0 && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		rc = -errno;
	if (rc < 0) {
		if (r->map != NULL) {
			ring_pvt_live_leave(r);
			munmap(r->map, r->map_len);
		}
		close(fd);
		handle_reset(r);
	}
	return rc;
}

int ring_open_fd(struct ring *r, int fd, uint32_t kind)
{
	int dup_fd, rc;

	if (r == NULL)
		return -EINVAL;
	handle_reset(r); /* closed on every error */
	if (ring_pvt_check_kind(kind) < 0)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return -errno;
	/* A descriptor can come from a process this one does not trust; were
	 * its object not sealed, that process could shrink it under our
	 * mapping and make our next access fault (SIGBUS). */
	{
		struct want w = {kind, 0, 0, 0, NULL, 1};

		rc = attach_fd_stat(r, dup_fd, &w, 1, 0);
	}
	if (rc < 0) {
		close(dup_fd);
		handle_reset(r);
	}
	return rc;
}

int ring_fd(const struct ring *r)
{
	return r != NULL && r->fd >= 0 && r->shm != NULL ? r->fd : -EBADF;
}

int ring_init_mem(struct ring *r, void *mem, size_t len, const struct ring_params *p)
{
	struct ring_geom g;
	int rc;

	if (r == NULL)
		return -EINVAL;
	handle_reset(r); /* closed on every error */
	if (mem == NULL || ((uintptr_t)mem & 7) != 0)
		return -EINVAL;
	rc = ring_pvt_check_params(p, &g);
	if (rc < 0)
		return rc;
	if (len < g.total)
		return -EMSGSIZE;
	ring_pvt_format(mem, p, &g);
	rc = ring_pvt_attach(r, mem, len, 0, p->kind);
	if (rc == 0)
		rc = ring_pvt_live_attach(r, 0, 0);
	if (rc < 0)
		handle_reset(r);
	return rc;
}

int ring_attach_mem(struct ring *r, void *mem, size_t len, uint32_t kind)
{
	int rc;

	if (r == NULL)
		return -EINVAL;
	handle_reset(r); /* closed on every error */
	if (mem == NULL || ((uintptr_t)mem & 7) != 0 || len == 0)
		return -EINVAL;
	rc = ring_pvt_attach(r, mem, len, 0, kind);
	if (rc == 0)
		rc = ring_pvt_live_attach(r, 0, 0);
	if (rc < 0)
		handle_reset(r);
	return rc;
}

int ring_close(struct ring *r)
{
	if (r == NULL || r->shm == NULL)
		return 0;
	/* A reservation left open on a many-producer message ring would hold
	 * the consumer at its record for ever once the entry is given back
	 * (nothing would tell that its producer is gone): give it up. */
	if (r->kind == RING_KIND_MSG && r->zc_res_cnt != 0)
		ring_msg_abort(r);
	ring_pvt_bcast_detach(r); /* before the entry goes back */
	/* Gives the participant entry back: this writes to the ring, so
	 * caller memory must still be mapped here. */
	ring_pvt_live_leave(r);
	if ((r->own & RING_PVT_OWN_MAP) && r->map != NULL)
		munmap(r->map, r->map_len);
	if ((r->own & RING_PVT_OWN_FD) && r->fd >= 0)
		close(r->fd);
	handle_reset(r);
	return 0;
}
