/* SPDX-License-Identifier: MIT */
/*
 * Regions: named POSIX shm objects, anonymous shared memory, sealed memfds
 * and caller memory; creating, attaching and closing handles on them.
 */
#include "ring_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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

/* Map fd (size bytes), validate and fill r, which then owns map and fd. */
static int attach_fd(struct ring *r, int fd, uint64_t size, uint32_t kind)
{
	void *map;
	int rc;

	/* A bad kind first: -EAGAIN on an empty object would have the caller
	 * retry a call that can never succeed. */
	if (ring_pvt_check_kind(kind) < 0)
		return -EINVAL;
	if (size < sizeof(struct ring_shared))
		return size == 0 ? -EAGAIN : -EBADMSG;
	if (size > RING_PVT_MAX_BYTES)
		return -EMSGSIZE;
	/* Map exactly what the object holds, never a size read from it. */
	map = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	rc = ring_pvt_attach(r, map, (size_t)size, 1, kind);
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

/* need_seal: the object must be sealed against shrinking (see ring_open_fd). */
static int attach_fd_stat(struct ring *r, int fd, uint32_t kind, int need_seal)
{
	struct stat st;
	int seals;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADMSG;
	if (need_seal) {
		seals = fcntl(fd, F_GET_SEALS);
		if (seals < 0 || !(seals & F_SEAL_SHRINK))
			return -EPERM;
	}
	return attach_fd(r, fd, (uint64_t)st.st_size, kind);
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

/* Size, map and format a fresh fd; on success r owns it. */
static int format_fd(struct ring *r, int fd, const struct ring_params *p,
		     const struct ring_geom *g)
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

int ring_create(struct ring *r, const char *name, const struct ring_params *p)
{
	struct ring_geom g;
	int fd, rc;

	if (r == NULL)
		return -EINVAL;
	handle_reset(r); /* closed on every error */
	rc = ring_pvt_check_params(p, &g);
	if (rc < 0)
		return rc;
	rc = ring_pvt_check_name(name);
	if (rc < 0)
		return rc;
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, p->mode ? p->mode : 0600);
	if (fd < 0)
		return -errno;
	rc = format_fd(r, fd, p, &g);
	if (rc < 0) {
		/* The object is ours (O_EXCL): leave nothing half-made behind. */
		shm_unlink(name);
		close(fd);
		handle_reset(r);
	}
	return rc;
}

int ring_open(struct ring *r, const char *name, uint32_t kind)
{
	int fd, rc;

	if (r == NULL)
		return -EINVAL;
	handle_reset(r); /* closed on every error */
	rc = ring_pvt_check_name(name);
	if (rc < 0)
		return rc;
	if (ring_pvt_check_kind(kind) < 0)
		return -EINVAL;
	/* glibc's shm_open adds O_NOFOLLOW: a symbolic link in /dev/shm is
	 * refused with -ELOOP, never followed to whatever it points at. */
	fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = attach_fd_stat(r, fd, kind, 0);
	if (rc < 0) {
		close(fd);
		handle_reset(r);
	}
	return rc;
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
	rc = format_fd(r, fd, p, &g);
	/* Sealed: no process holding the fd can shrink it under a mapping
	 * (SIGBUS) or grow it. */
	if (rc == 0 && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		rc = -errno;
	if (rc < 0) {
		if (r->map != NULL)
			munmap(r->map, r->map_len);
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
	rc = attach_fd_stat(r, dup_fd, kind, 1);
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
	if (rc < 0)
		handle_reset(r);
	return rc;
}

int ring_close(struct ring *r)
{
	if (r == NULL || r->shm == NULL)
		return 0;
	if ((r->own & RING_PVT_OWN_MAP) && r->map != NULL)
		munmap(r->map, r->map_len);
	if ((r->own & RING_PVT_OWN_FD) && r->fd >= 0)
		close(r->fd);
	handle_reset(r);
	return 0;
}
