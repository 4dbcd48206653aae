/* SPDX-License-Identifier: MIT */
/*
 * Lifecycle and bad input: every rejection returns the exact documented code
 * and ring_strerror() has text for it. Covers names, parameters, objects that
 * are not rings (garbage, empty, too small, wrong magic/version, inconsistent
 * geometry, wrong size, wrong kind), existing names (nothing clobbered),
 * closing, caller memory, memfd seals and ring_memsize; symbolic links in
 * /dev/shm, the created object's mode, size limits checked before a page is
 * taken. Every call expected to fail is checked to leave the process's
 * descriptors and shared mappings as they were (no leak on an error path).
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <shmring/ring.h>

#include "common.h"

/* What a failing call must not leak: open descriptors, and shared mappings
 * (every ring region is one; malloc never makes one). -1 if unreadable. */
struct res_count {
	long fds;
	long shared_maps;
};

static long count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n; /* the directory's own descriptor counts every time */
}

/* Lines of /proc/self/maps whose permissions say "s" (shared). */
static long count_shared_maps(void)
{
	static char buf[1 << 16];
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	long n = 0;
	int field = 0, col = 0;
	ssize_t got, i;

	if (fd < 0)
		return -1;
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < got; i++) {
			if (buf[i] == '\n') {
				field = col = 0;
			} else if (buf[i] == ' ') {
				field++;
				col = 0;
			} else if (field == 1 && col++ == 3 && buf[i] == 's') {
				n++;
			}
		}
	}
	close(fd);
	return n;
}

static struct res_count res_now(void)
{
	struct res_count c = {count_fds(), count_shared_maps()};

	return c;
}

#define EXPECT_NO_LEAK(before, what)                                                       \
	do {                                                                               \
		struct res_count after_ = res_now();                                       \
		cr_assert_eq(after_.fds, (before).fds, "%s: %ld descriptors before, %ld after", \
			     what, (before).fds, after_.fds);                              \
		cr_assert_eq(after_.shared_maps, (before).shared_maps,                     \
			     "%s: %ld shared mappings before, %ld after", what,            \
			     (before).shared_maps, after_.shared_maps);                    \
	} while (0)

/* rc must equal want, and the library must have words for it. A call that
 * fails (want < 0) must leave no descriptor or mapping behind. */
#define EXPECT_CODE(rc, want)                                                              \
	do {                                                                               \
		struct res_count before_ = res_now();                                      \
		long long rc_ = (long long)(rc);                                           \
		cr_assert_eq(rc_, (long long)(want), "%s: got %lld (%s), expected %d",     \
			     #rc, rc_, ring_strerror((int)rc_), (int)(want));              \
		cr_assert_str_neq(ring_strerror((int)rc_), "unknown error",                \
				  "no text for %lld", rc_);                                \
		if ((want) < 0)                                                            \
			EXPECT_NO_LEAK(before_, #rc);                                      \
	} while (0)

static struct ring_params params(uint32_t kind, uint32_t rule, uint64_t slots, uint64_t esz)
{
	struct ring_params p = {kind, rule, slots, esz, 0, 0, 0, 0};

	return p;
}

/* A fresh shm object named `name` holding `len` bytes of `fill`. */
static void make_object(const char *name, size_t len, int fill)
{
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	unsigned char *buf;

	cr_assert_geq(fd, 0, "shm_open %s: %s", name, strerror(errno));
	if (len > 0) {
		buf = malloc(len);
		cr_assert_not_null(buf);
		memset(buf, fill, len);
		cr_assert_eq(write(fd, buf, len), (ssize_t)len);
		free(buf);
	}
	close(fd);
}

/* The whole content of shm object `name`; *len receives its size. */
static unsigned char *object_bytes(const char *name, size_t *len)
{
	int fd = shm_open(name, O_RDONLY, 0);
	struct stat st;
	unsigned char *buf;

	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, &st), 0);
	*len = (size_t)st.st_size;
	buf = malloc(*len + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(pread(fd, buf, *len, 0), (ssize_t)*len);
	close(fd);
	return buf;
}

/* ---- names ---------------------------------------------------------------- */

Test(lifecycle, bad_names)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 4, 8);
	static const char *const invalid[] = {"noslash", "", "/", "/a/b", "/.", "/..", "//"};
	char longname[RING_NAME_MAX + 2];
	struct ring r;
	size_t i;

	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		EXPECT_CODE(ring_create(&r, invalid[i], &p), -EINVAL);
		EXPECT_CODE(ring_open(&r, invalid[i], RING_KIND_ANY), -EINVAL);
		EXPECT_CODE(ring_unlink(invalid[i]), -EINVAL);
	}
	EXPECT_CODE(ring_create(&r, NULL, &p), -EINVAL);
	EXPECT_CODE(ring_open(&r, NULL, RING_KIND_ANY), -EINVAL);
	EXPECT_CODE(ring_unlink(NULL), -EINVAL);

	/* RING_NAME_MAX + 1 bytes: too long. */
	longname[0] = '/';
	memset(longname + 1, 'x', RING_NAME_MAX);
	longname[RING_NAME_MAX + 1] = '\0';
	EXPECT_CODE(ring_create(&r, longname, &p), -ENAMETOOLONG);
	EXPECT_CODE(ring_open(&r, longname, RING_KIND_ANY), -ENAMETOOLONG);
	EXPECT_CODE(ring_unlink(longname), -ENAMETOOLONG);

	/* Exactly RING_NAME_MAX bytes is accepted (made unique with the pid). */
	longname[RING_NAME_MAX] = '\0';
	snprintf(longname + 1, 32, "%ld-", (long)getpid());
	longname[strlen(longname)] = 'x';
	cr_assert_eq(strlen(longname), RING_NAME_MAX);
	EXPECT_CODE(ring_create(&r, longname, &p), 0);
	EXPECT_CODE(ring_unlink(longname), 0);
	EXPECT_CODE(ring_close(&r), 0);
}

Test(lifecycle, missing_name)
{
	char name[64];
	struct ring r;

	test_shm_name(name, sizeof(name), "missing");
	EXPECT_CODE(ring_open(&r, name, RING_KIND_ANY), -ENOENT);
	EXPECT_CODE(ring_unlink(name), -ENOENT);
}

/* ---- parameters ----------------------------------------------------------- */

/* Every constructor rejects p with `want`, and leaves no object behind. */
static void reject_params(const struct ring_params *p, int want)
{
	char name[64];
	struct ring r;
	static uint64_t mem[512];

	EXPECT_CODE(ring_memsize(p), want);
	test_shm_name(name, sizeof(name), "params");
	EXPECT_CODE(ring_create(&r, name, p), want);
	EXPECT_CODE(ring_open(&r, name, RING_KIND_ANY), -ENOENT);
	EXPECT_CODE(ring_create_anon(&r, p), want);
	EXPECT_CODE(ring_create_memfd(&r, "params", p), want);
	EXPECT_CODE(ring_init_mem(&r, mem, sizeof(mem), p), want);
}

Test(lifecycle, bad_params)
{
	struct ring_params p;

	reject_params(NULL, -EINVAL);

	p = params(RING_KIND_SPSC, RING_RULE_COUNT, 0, 8);
	reject_params(&p, -EINVAL); /* slots 0 */
	p = params(RING_KIND_SPSC, RING_RULE_N1, 0, 8);
	reject_params(&p, -EINVAL);
	p = params(RING_KIND_SPSC, RING_RULE_COUNT, 4, 0);
	reject_params(&p, -EINVAL); /* elem_size 0 */
	p = params(RING_KIND_SPSC, RING_RULE_COUNT, 4, (uint64_t)RING_ELEM_MAX + 1);
	reject_params(&p, -EINVAL);
	p = params(RING_KIND_SPSC, RING_RULE_COUNT, 4, UINT64_MAX);
	reject_params(&p, -EINVAL);
	p = params(RING_KIND_SPSC, RING_RULE_N1, 1, 8);
	reject_params(&p, -EINVAL); /* n-1 rule with one slot holds nothing */
	p = params(RING_KIND_MPMC, RING_RULE_N1, 8, 8);
	reject_params(&p, -EINVAL); /* MPMC has no n-1 rule */
	p = params(0, RING_RULE_COUNT, 4, 8);
	reject_params(&p, -EINVAL); /* RING_KIND_ANY is not a kind to create */
	p = params(3, RING_RULE_COUNT, 4, 8);
	reject_params(&p, -EINVAL);
	p = params(RING_KIND_SPSC, 0, 4, 8);
	reject_params(&p, -EINVAL);
	p = params(RING_KIND_SPSC, 4, 4, 8);
	reject_params(&p, -EINVAL); /* rules 1..3 only */
	p = params(RING_KIND_SPSC, RING_RULE_SEQ, 6, 8);
	reject_params(&p, -EINVAL); /* slot-sequenced: a power of two */
	p = params(RING_KIND_SPSC, RING_RULE_SEQ, 1, 8);
	reject_params(&p, -EINVAL); /* and at least 2 */
	p = params(RING_KIND_MPMC, RING_RULE_SEQ, 8, 8);
	reject_params(&p, -EINVAL); /* SPSC only */
	p = params(RING_KIND_SPSC, RING_RULE_COUNT, 4, 8);
	p.flags = RING_F_ALL << 1;
	reject_params(&p, -EINVAL); /* unknown flag */
	p.flags = 0x80000000u;
	reject_params(&p, -EINVAL);
	p.flags = 0;
	p.mode = 01000; /* sticky bit: outside 0777 */
	reject_params(&p, -EINVAL);
	p.mode = 04600;
	reject_params(&p, -EINVAL);

	/* Sizes that do not fit. */
	p = params(RING_KIND_SPSC, RING_RULE_COUNT, UINT64_MAX, 8);
	reject_params(&p, -EOVERFLOW);
	p = params(RING_KIND_SPSC, RING_RULE_COUNT, UINT64_MAX / 2 + 1, 2);
	reject_params(&p, -EOVERFLOW); /* slots * elem wraps to 0 in 64 bits */
	p = params(RING_KIND_SPSC, RING_RULE_COUNT, UINT64_C(1) << 40, RING_ELEM_MAX);
	reject_params(&p, -EOVERFLOW);
	p = params(RING_KIND_MPMC, RING_RULE_COUNT, UINT64_MAX / 16, 8);
	reject_params(&p, -EOVERFLOW);
}

Test(lifecycle, memsize_values)
{
	struct ring_params p;
	struct ring r;
	struct stat st;
	char name[64];

	/* Header blocks, then slots * stride rounded up to RING_LINE, then the
	 * participant table (RING_PARTS_DEFAULT entries of 128 bytes unless
	 * max_parts says otherwise). SPSC stride = elem_size; MPMC stride =
	 * 8-byte sequence + elem, rounded up to 8. */
#define TABLE(n) ((n) * sizeof(struct ring_part))
	p = params(RING_KIND_SPSC, RING_RULE_N1, 8, 8);
	cr_assert_eq(ring_memsize(&p), RING_DATA_OFFSET + 128 + TABLE(RING_PARTS_DEFAULT));
	p = params(RING_KIND_SPSC, RING_RULE_COUNT, 3, 1);
	cr_assert_eq(ring_memsize(&p), RING_DATA_OFFSET + 128 + TABLE(RING_PARTS_DEFAULT));
	p = params(RING_KIND_SPSC, RING_RULE_COUNT, 1000, 1000);
	cr_assert_eq(ring_memsize(&p), RING_DATA_OFFSET + 1000064 + TABLE(RING_PARTS_DEFAULT));
	p = params(RING_KIND_SPSC, RING_RULE_COUNT, 7, 65);
	cr_assert_eq(ring_memsize(&p), RING_DATA_OFFSET + 512 + TABLE(RING_PARTS_DEFAULT)); /* 455 */
	p = params(RING_KIND_MPMC, RING_RULE_COUNT, 4, 1);
	cr_assert_eq(ring_memsize(&p), RING_DATA_OFFSET + 128 + TABLE(RING_PARTS_DEFAULT)); /* 64 */
	p = params(RING_KIND_MPMC, RING_RULE_COUNT, 4, 9);
	cr_assert_eq(ring_memsize(&p), RING_DATA_OFFSET + 128 + TABLE(RING_PARTS_DEFAULT)); /* 96 */
	p.max_parts = 1;
	cr_assert_eq(ring_memsize(&p), RING_DATA_OFFSET + 128 + TABLE(1));
	p.max_parts = RING_PARTS_MAX;
	cr_assert_eq(ring_memsize(&p), RING_DATA_OFFSET + 128 + TABLE(RING_PARTS_MAX));
	p.max_parts = RING_PARTS_MAX + 1;
	cr_assert_eq(ring_memsize(&p), -EINVAL);
	p.max_parts = 0;
	p.reserved = 1;
	cr_assert_eq(ring_memsize(&p), -EINVAL);
	/* The object ring_create makes has exactly that size. */
	p = params(RING_KIND_SPSC, RING_RULE_COUNT, 1001, 3);
	test_shm_name(name, sizeof(name), "memsize");
	cr_assert_eq(ring_create(&r, name, &p), 0);
	cr_assert_eq(ring_unlink(name), 0);
	cr_assert_eq(fstat(ring_fd(&r), &st), 0);
	cr_assert_eq((ssize_t)st.st_size, ring_memsize(&p));
	cr_assert_eq(ring_memsize(&p), RING_DATA_OFFSET + 3072 + TABLE(RING_PARTS_DEFAULT)); /* 3003 */
	cr_assert_eq(ring_close(&r), 0);
}

/* ---- objects that are not (valid) rings ----------------------------------- */

Test(lifecycle, not_a_ring)
{
	char name[64];
	struct ring r;

	/* Garbage of a plausible size. */
	test_shm_name(name, sizeof(name), "garbage");
	make_object(name, 4096, 0x5A);
	EXPECT_CODE(ring_open(&r, name, RING_KIND_ANY), -EBADMSG);
	EXPECT_CODE(ring_unlink(name), 0);

	/* Zeroes: a creator that has not written the header yet. */
	test_shm_name(name, sizeof(name), "zero");
	make_object(name, 4096, 0);
	EXPECT_CODE(ring_open(&r, name, RING_KIND_ANY), -EAGAIN);
	EXPECT_CODE(ring_unlink(name), 0);

	/* Empty: a creator between shm_open and ftruncate. */
	test_shm_name(name, sizeof(name), "empty");
	make_object(name, 0, 0);
	EXPECT_CODE(ring_open(&r, name, RING_KIND_ANY), -EAGAIN);
	EXPECT_CODE(ring_unlink(name), 0);

	/* Smaller than the header blocks. */
	test_shm_name(name, sizeof(name), "small");
	make_object(name, 100, 0x33);
	EXPECT_CODE(ring_open(&r, name, RING_KIND_ANY), -EBADMSG);
	EXPECT_CODE(ring_unlink(name), 0);
	test_shm_name(name, sizeof(name), "small0");
	make_object(name, RING_DATA_OFFSET - 1, 0);
	EXPECT_CODE(ring_open(&r, name, RING_KIND_ANY), -EBADMSG);
	EXPECT_CODE(ring_unlink(name), 0);

	/* The handle stays closed after a failed open. */
	cr_assert_eq(ring_count(&r), -EINVAL);
	EXPECT_CODE(ring_close(&r), 0);
}

/*
 * Create a valid ring, let `corrupt` edit its header through the creator's
 * mapping, and expect ring_open to fail with `want`.
 */
static void open_corrupted(void (*corrupt)(struct ring_shared *), int want, const char *what)
{
	/* 64 slots of 8 bytes: 512 data bytes, so that a slot count of 8 or
	 * 2^20 changes the region's size (data is rounded up to RING_LINE). */
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_N1, 64, 8);
	struct ring a, b;
	struct res_count before;
	char name[64];
	int rc;

	test_shm_name(name, sizeof(name), "hdr");
	cr_assert_eq(ring_create(&a, name, &p), 0);
	corrupt(a.shm);
	before = res_now();
	rc = ring_open(&b, name, RING_KIND_ANY);
	cr_assert_eq(rc, want, "%s: got %d (%s), expected %d", what, rc, ring_strerror(rc), want);
	EXPECT_NO_LEAK(before, what);
	cr_assert_str_neq(ring_strerror(rc), "unknown error");
	/* A failed open leaves the handle closed. */
	cr_assert_eq(ring_count(&b), -EINVAL);
	cr_assert_eq(ring_unlink(name), 0);
	cr_assert_eq(ring_close(&a), 0);
}

static void bad_magic(struct ring_shared *s) { s->hdr.magic ^= 1; }
static void zero_magic(struct ring_shared *s) { s->hdr.magic = 0; }
static void bad_ready(struct ring_shared *s) { s->hdr.ready = RING_READY ^ 0x100; }
static void not_ready(struct ring_shared *s) { s->hdr.ready = 0; }
static void bad_version(struct ring_shared *s) { s->hdr.version = RING_LAYOUT_VERSION + 1; }
static void version_zero(struct ring_shared *s) { s->hdr.version = 0; }
static void bad_stride(struct ring_shared *s) { s->hdr.stride += 1; }
static void bad_offset(struct ring_shared *s) { s->hdr.data_offset = 0; }
static void bad_total(struct ring_shared *s) { s->hdr.total_size += 64; }
static void more_slots(struct ring_shared *s) { s->hdr.slots = 1u << 20; }
static void fewer_slots(struct ring_shared *s) { s->hdr.slots = 8; }
static void huge_slots(struct ring_shared *s) { s->hdr.slots = UINT64_MAX; }
static void zero_slots(struct ring_shared *s) { s->hdr.slots = 0; }
static void bigger_elem(struct ring_shared *s) { s->hdr.elem_size = 16; }
static void zero_elem(struct ring_shared *s) { s->hdr.elem_size = 0; }
static void bad_kind(struct ring_shared *s) { s->hdr.kind = 7; }
static void bad_rule(struct ring_shared *s) { s->hdr.rule = 0; }
static void mpmc_n1(struct ring_shared *s) { s->hdr.kind = RING_KIND_MPMC; }
static void bad_flags(struct ring_shared *s) { s->hdr.flags = 0x40000000; }
static void zero_parts(struct ring_shared *s) { s->hdr.max_parts = 0; }
static void more_parts(struct ring_shared *s) { s->hdr.max_parts += 1; }
static void huge_parts(struct ring_shared *s) { s->hdr.max_parts = UINT32_MAX; }
static void bad_part_offset(struct ring_shared *s) { s->hdr.part_offset -= RING_LINE; }

Test(lifecycle, corrupt_headers)
{
	open_corrupted(bad_magic, -EBADMSG, "wrong magic");
	open_corrupted(bad_ready, -EBADMSG, "garbage ready word");
	open_corrupted(zero_magic, -EBADMSG, "magic zero, ready set");
	open_corrupted(not_ready, -EAGAIN, "ready not yet stored");
	open_corrupted(bad_version, -EPROTONOSUPPORT, "newer version");
	open_corrupted(version_zero, -EPROTONOSUPPORT, "version 0");
	open_corrupted(bad_stride, -EPROTO, "stride");
	open_corrupted(bad_offset, -EPROTO, "data offset");
	open_corrupted(bad_total, -EPROTO, "total size");
	open_corrupted(more_slots, -EPROTO, "slots (more)");
	open_corrupted(fewer_slots, -EPROTO, "slots (fewer)");
	open_corrupted(huge_slots, -EPROTO, "slots overflow");
	open_corrupted(zero_slots, -EPROTO, "slots 0");
	open_corrupted(bigger_elem, -EPROTO, "elem size");
	open_corrupted(zero_elem, -EPROTO, "elem size 0");
	open_corrupted(bad_kind, -EPROTO, "kind");
	open_corrupted(bad_rule, -EPROTO, "rule");
	open_corrupted(mpmc_n1, -EPROTO, "MPMC with the n-1 rule");
	open_corrupted(bad_flags, -EPROTO, "unknown flag");
	open_corrupted(zero_parts, -EPROTO, "participant table of 0");
	open_corrupted(more_parts, -EPROTO, "participant table larger");
	open_corrupted(huge_parts, -EPROTO, "participant table overflow");
	open_corrupted(bad_part_offset, -EPROTO, "participant table offset");
}

Test(lifecycle, object_size_mismatch)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 64, 8);
	ssize_t total = ring_memsize(&p);
	static const off_t delta[] = {-64, -1, 1, 64, 4096};
	struct ring a, b;
	char name[64];
	size_t i;
	int fd;

	cr_assert_gt(total, 0);
	for (i = 0; i < sizeof(delta) / sizeof(delta[0]); i++) {
		test_shm_name(name, sizeof(name), "size");
		cr_assert_eq(ring_create(&a, name, &p), 0);
		fd = shm_open(name, O_RDWR, 0);
		cr_assert_geq(fd, 0);
		cr_assert_eq(ftruncate(fd, (off_t)total + delta[i]), 0);
		close(fd);
		EXPECT_CODE(ring_open(&b, name, RING_KIND_ANY), -EMSGSIZE);
		/* Back to the right size, it opens again. */
		fd = shm_open(name, O_RDWR, 0);
		cr_assert_eq(ftruncate(fd, (off_t)total), 0);
		close(fd);
		EXPECT_CODE(ring_open(&b, name, RING_KIND_ANY), 0);
		EXPECT_CODE(ring_unlink(name), 0);
		EXPECT_CODE(ring_close(&b), 0);
		EXPECT_CODE(ring_close(&a), 0);
	}
}

Test(lifecycle, kind_mismatch)
{
	struct ring_params sp = params(RING_KIND_SPSC, RING_RULE_N1, 8, 8);
	struct ring_params mp = params(RING_KIND_MPMC, RING_RULE_COUNT, 8, 8);
	struct ring a, b;
	char name[64];
	size_t len;
	void *mem;

	test_shm_name(name, sizeof(name), "kind");
	cr_assert_eq(ring_create(&a, name, &sp), 0);
	EXPECT_CODE(ring_open(&b, name, RING_KIND_MPMC), -EPROTOTYPE);
	EXPECT_CODE(ring_open(&b, name, 99), -EINVAL);
	EXPECT_CODE(ring_open(&b, name, RING_KIND_MSG), -EPROTOTYPE);
	EXPECT_CODE(ring_open(&b, name, RING_KIND_SPSC), 0);
	cr_assert_eq(ring_kind(&b), RING_KIND_SPSC);
	cr_assert_eq(ring_rule(&b), RING_RULE_N1);
	EXPECT_CODE(ring_close(&b), 0);
	EXPECT_CODE(ring_unlink(name), 0);
	EXPECT_CODE(ring_close(&a), 0);

	test_shm_name(name, sizeof(name), "kind");
	cr_assert_eq(ring_create(&a, name, &mp), 0);
	EXPECT_CODE(ring_open(&b, name, RING_KIND_SPSC), -EPROTOTYPE);
	EXPECT_CODE(ring_open(&b, name, RING_KIND_ANY), 0);
	cr_assert_eq(ring_kind(&b), RING_KIND_MPMC);
	EXPECT_CODE(ring_close(&b), 0);
	EXPECT_CODE(ring_unlink(name), 0);
	EXPECT_CODE(ring_close(&a), 0);

	/* The same through caller memory and a memfd. */
	len = (size_t)ring_memsize(&sp);
	mem = aligned_alloc(64, len);
	cr_assert_not_null(mem);
	cr_assert_eq(ring_init_mem(&a, mem, len, &sp), 0);
	EXPECT_CODE(ring_attach_mem(&b, mem, len, RING_KIND_MPMC), -EPROTOTYPE);
	EXPECT_CODE(ring_close(&a), 0);
	free(mem);
	cr_assert_eq(ring_create_memfd(&a, "kind", &mp), 0);
	EXPECT_CODE(ring_open_fd(&b, ring_fd(&a), RING_KIND_SPSC), -EPROTOTYPE);
	EXPECT_CODE(ring_close(&a), 0);
}

Test(lifecycle, existing_name_is_not_clobbered)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 16, 8);
	struct ring_params q = params(RING_KIND_MPMC, RING_RULE_COUNT, 1024, 64);
	unsigned char *before, *after;
	size_t blen, alen;
	struct ring a, b;
	char name[64];
	uint64_t v = 42;

	/* An existing ring, with data in it. */
	test_shm_name(name, sizeof(name), "exist");
	cr_assert_eq(ring_create(&a, name, &p), 0);
	cr_assert_eq(ring_push(&a, &v), 0);
	before = object_bytes(name, &blen);
	EXPECT_CODE(ring_create(&b, name, &q), -EEXIST);
	EXPECT_CODE(ring_create(&b, name, &p), -EEXIST);
	after = object_bytes(name, &alen);
	cr_assert_eq(alen, blen);
	cr_assert_arr_eq(after, before, blen, "existing ring's bytes changed");
	free(before);
	free(after);
	/* And it is still a working ring with its element. */
	EXPECT_CODE(ring_open(&b, name, RING_KIND_SPSC), 0);
	v = 0;
	cr_assert_eq(ring_pop(&b, &v), 0);
	cr_assert_eq(v, 42);
	EXPECT_CODE(ring_unlink(name), 0);
	EXPECT_CODE(ring_close(&b), 0);
	EXPECT_CODE(ring_close(&a), 0);

	/* An existing object that is not a ring. */
	test_shm_name(name, sizeof(name), "exist");
	make_object(name, 777, 0x77);
	before = object_bytes(name, &blen);
	EXPECT_CODE(ring_create(&b, name, &p), -EEXIST);
	after = object_bytes(name, &alen);
	cr_assert_eq(alen, 777);
	cr_assert_arr_eq(after, before, blen, "existing object's bytes changed");
	free(before);
	free(after);
	EXPECT_CODE(ring_unlink(name), 0);
}

/* ---- handles, caller memory, descriptors ---------------------------------- */

Test(lifecycle, close_is_idempotent)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 4, 8);
	struct ring r;

	EXPECT_CODE(ring_close(NULL), 0);
	memset(&r, 0, sizeof(r));
	EXPECT_CODE(ring_close(&r), 0);
	EXPECT_CODE(ring_fd(&r), -EBADF);
	cr_assert_eq(ring_create_anon(&r, &p), 0);
	EXPECT_CODE(ring_close(&r), 0);
	EXPECT_CODE(ring_close(&r), 0);
	/* The closed handle is refused, not used. */
	EXPECT_CODE(ring_count(&r), -EINVAL);
	EXPECT_CODE(ring_free(&r), -EINVAL);
	EXPECT_CODE(ring_is_closed(&r), -EINVAL);
	EXPECT_CODE(ring_close_write(&r), -EINVAL);
	EXPECT_CODE(ring_close_write(NULL), -EINVAL);
	EXPECT_CODE(ring_count(NULL), -EINVAL);

	/* Constructors reject a NULL handle. */
	EXPECT_CODE(ring_create(NULL, "/x", &p), -EINVAL);
	EXPECT_CODE(ring_open(NULL, "/x", RING_KIND_ANY), -EINVAL);
	EXPECT_CODE(ring_create_anon(NULL, &p), -EINVAL);
	EXPECT_CODE(ring_create_memfd(NULL, "x", &p), -EINVAL);
	EXPECT_CODE(ring_open_fd(NULL, 0, RING_KIND_ANY), -EINVAL);
}

Test(lifecycle, caller_memory)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_N1, 8, 8);
	size_t len = (size_t)ring_memsize(&p);
	unsigned char *mem = aligned_alloc(64, len + 64);
	struct ring r, b;

	cr_assert_not_null(mem);
	EXPECT_CODE(ring_init_mem(&r, NULL, len, &p), -EINVAL);
	EXPECT_CODE(ring_init_mem(&r, mem + 4, len, &p), -EINVAL); /* misaligned */
	EXPECT_CODE(ring_init_mem(&r, mem + 1, len, &p), -EINVAL);
	EXPECT_CODE(ring_init_mem(&r, mem, len - 1, &p), -EMSGSIZE);
	EXPECT_CODE(ring_init_mem(&r, mem, 0, &p), -EMSGSIZE);
	EXPECT_CODE(ring_init_mem(NULL, mem, len, &p), -EINVAL);
	/* 8-byte alignment is enough; more room than needed is fine. */
	EXPECT_CODE(ring_init_mem(&r, mem + 8, len + 8, &p), 0);
	EXPECT_CODE(ring_fd(&r), -EBADF);
	EXPECT_CODE(ring_attach_mem(&b, mem + 8, len, RING_KIND_SPSC), 0);
	EXPECT_CODE(ring_close(&b), 0);
	EXPECT_CODE(ring_attach_mem(&b, mem + 12, len, RING_KIND_SPSC), -EINVAL);
	EXPECT_CODE(ring_attach_mem(&b, NULL, len, RING_KIND_SPSC), -EINVAL);
	EXPECT_CODE(ring_attach_mem(&b, mem + 8, len - 8, RING_KIND_SPSC), -EMSGSIZE);
	EXPECT_CODE(ring_attach_mem(&b, mem + 8, RING_DATA_OFFSET - 8, RING_KIND_SPSC),
		    -EBADMSG);
	EXPECT_CODE(ring_close(&r), 0);
	/* ring_close leaves the memory to the caller, still formatted. */
	EXPECT_CODE(ring_attach_mem(&b, mem + 8, len, RING_KIND_ANY), 0);
	EXPECT_CODE(ring_close(&b), 0);
	free(mem);
}

Test(lifecycle, descriptors)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 8, 8);
	struct ring a, b;
	int fd, seals, pfd[2];
	uint64_t v = 5;

	cr_assert_eq(ring_create_anon(&a, &p), 0);
	EXPECT_CODE(ring_fd(&a), -EBADF);
	EXPECT_CODE(ring_close(&a), 0);
	EXPECT_CODE(ring_fd(NULL), -EBADF);

	cr_assert_eq(ring_create_memfd(&a, "desc", &p), 0);
	fd = ring_fd(&a);
	cr_assert_geq(fd, 0);
	seals = fcntl(fd, F_GET_SEALS);
	cr_assert_geq(seals, 0, "F_GET_SEALS: %s", strerror(errno));
	cr_assert_eq(seals & (F_SEAL_SHRINK | F_SEAL_GROW), F_SEAL_SHRINK | F_SEAL_GROW,
		     "seals 0x%x", seals);
	/* The seals hold: the size cannot change under a mapping. */
	cr_assert_eq(ftruncate(fd, 64), -1);
	cr_assert_eq(ftruncate(fd, ring_memsize(&p) * 2), -1);
	EXPECT_CODE(ring_open_fd(&b, fd, RING_KIND_SPSC), 0);
	cr_assert_eq(ring_push(&a, &v), 0);
	v = 0;
	cr_assert_eq(ring_pop(&b, &v), 0);
	cr_assert_eq(v, 5);
	EXPECT_CODE(ring_close(&a), 0);
	/* b holds its own duplicate: still usable after a is closed. */
	cr_assert_eq(ring_push(&b, &v), 0);
	EXPECT_CODE(ring_count(&b), 1);
	EXPECT_CODE(ring_close(&b), 0);

	EXPECT_CODE(ring_open_fd(&b, -1, RING_KIND_ANY), -EBADF);
	cr_assert_eq(pipe(pfd), 0);
	close(pfd[1]);
	EXPECT_CODE(ring_open_fd(&b, pfd[1], RING_KIND_ANY), -EBADF); /* closed fd */
	EXPECT_CODE(ring_open_fd(&b, pfd[0], RING_KIND_ANY), -EBADMSG); /* not a file */
	close(pfd[0]);
}

/*
 * ring_open_fd takes only objects sealed against shrinking: a valid ring in an
 * unsealed memfd, or behind a named ring's descriptor, could be shrunk by the
 * process that sent it.
 */
Test(lifecycle, open_fd_refuses_unsealed)
{
	struct ring_params p = {RING_KIND_SPSC, RING_RULE_COUNT, 8, 8, 0, 0, 0, 0};
	ssize_t sz = ring_memsize(&p);
	char name[64];
	struct ring a, b;
	void *mem;
	int fd;

	cr_assert_gt(sz, 0);
	mem = aligned_alloc(64, (size_t)sz);
	cr_assert_not_null(mem);
	EXPECT_CODE(ring_init_mem(&a, mem, (size_t)sz, &p), 0);
	fd = memfd_create("unsealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, mem, (size_t)sz, 0), sz);
	EXPECT_CODE(ring_open_fd(&b, fd, RING_KIND_ANY), -EPERM);
	/* Sealed against growing only: still refused. */
	cr_assert_eq(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), 0);
	EXPECT_CODE(ring_open_fd(&b, fd, RING_KIND_ANY), -EPERM);
	/* Sealed against shrinking: the same bytes are accepted. */
	cr_assert_eq(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	EXPECT_CODE(ring_open_fd(&b, fd, RING_KIND_ANY), 0);
	EXPECT_CODE(ring_close(&b), 0);
	close(fd);

	test_shm_name(name, sizeof(name), "unsealed");
	EXPECT_CODE(ring_create(&a, name, &p), 0);
	ring_unlink(name);
	EXPECT_CODE(ring_open_fd(&b, ring_fd(&a), RING_KIND_ANY), -EPERM);
	EXPECT_CODE(ring_close(&a), 0);
	free(mem);
}

/* A zeroed or closed handle is refused by every call, inline ones included. */
Test(lifecycle, zeroed_and_closed_handles)
{
	struct ring_params p = {RING_KIND_SPSC, RING_RULE_COUNT, 8, 8, 0, 0, 0, 0};
	struct ring r;
	uint64_t v[4] = {1, 2, 3, 4};
	int round;

	for (round = 0; round < 2; round++) {
		if (round == 0) {
			memset(&r, 0, sizeof(r));
		} else {
			EXPECT_CODE(ring_create_anon(&r, &p), 0);
			EXPECT_CODE(ring_close(&r), 0);
		}
		EXPECT_CODE(ring_push(&r, v), -EINVAL);
		EXPECT_CODE(ring_pop(&r, v), -EINVAL);
		EXPECT_CODE(ring_push_burst(&r, v, 4), -EINVAL);
		EXPECT_CODE(ring_pop_burst(&r, v, 4), -EINVAL);
		EXPECT_CODE(ring_push_bulk(&r, v, 4), -EINVAL);
		EXPECT_CODE(ring_pop_bulk(&r, v, 4), -EINVAL);
		EXPECT_CODE(ring_count(&r), -EINVAL);
		EXPECT_CODE(ring_close_write(&r), -EINVAL);
		EXPECT_CODE(ring_pop_wait(&r, v, NULL), -EINVAL);
	}
}

/*
 * A full /dev/shm fails at create with -ENOSPC. Run in a child with a private
 * mount namespace whose /dev/shm is a 64 KiB tmpfs, so the real one is never
 * filled. Needs CAP_SYS_ADMIN; skipped (with the reason) where unavailable.
 */
Test(lifecycle, enospc_at_create)
{
	pid_t pid = fork();
	int st;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 1 << 20, 1);
		struct ring r;
		char name[64];

		if (unshare(CLONE_NEWNS) != 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount("none", "/dev/shm", "tmpfs", 0, "size=64k") != 0)
			_exit(77);
		test_shm_name(name, sizeof(name), "nospc");
		CHILD_CHECK(ring_create(&r, name, &p) == -ENOSPC);
		/* The failed create left no object behind. */
		CHILD_CHECK(ring_open(&r, name, RING_KIND_ANY) == -ENOENT);
		/* A ring that fits still works there. */
		p.slots = 1024;
		CHILD_CHECK(ring_create(&r, name, &p) == 0);
		CHILD_CHECK(ring_unlink(name) == 0);
		CHILD_CHECK(ring_close(&r) == 0);
		_exit(0);
	}
	st = test_wait_child(pid);
	if (st == 77)
		cr_skip_test("no private mount namespace here (needs CAP_SYS_ADMIN)");
	cr_assert_eq(st, 0, "child exit %d", st);
	cr_assert_str_neq(ring_strerror(-ENOSPC), "unknown error");
}

/* ---- error texts, argument order, links, modes, leaks, size limits ------- */

/* Every int has a text, INT_MIN included (negating it would overflow: UBSan
 * aborts on that); codes the library returns have their own text. */
Test(lifecycle, strerror_total)
{
	static const int codes[] = {EBUSY, ELOOP, EFBIG, ENOSPC, ENOMEM, EAGAIN, EPIPE, EUCLEAN};
	size_t i;

	cr_assert_str_eq(ring_strerror(INT_MIN), "unknown error");
	cr_assert_str_eq(ring_strerror(INT_MIN + 1), "unknown error");
	cr_assert_str_eq(ring_strerror(INT_MAX), "unknown error");
	cr_assert_str_eq(ring_strerror(0), "success");
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		cr_assert_str_neq(ring_strerror(-codes[i]), "unknown error", "code %d", codes[i]);
		cr_assert_str_eq(ring_strerror(-codes[i]), ring_strerror(codes[i]));
	}
}

/* A bad kind is -EINVAL whatever the name or descriptor: it is checked
 * before the object is looked up. */
Test(lifecycle, bad_kind_checked_first)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 4, 8);
	char name[64];
	struct ring a, r;

	test_shm_name(name, sizeof(name), "badkind");
	EXPECT_CODE(ring_open(&r, name, 99), -EINVAL); /* missing name */
	EXPECT_CODE(ring_open(&r, name, UINT32_MAX), -EINVAL);
	EXPECT_CODE(ring_open_fd(&r, -1, 99), -EINVAL);
	EXPECT_CODE(ring_create(&a, name, &p), 0);
	EXPECT_CODE(ring_open(&r, name, 99), -EINVAL);
	EXPECT_CODE(ring_open_fd(&r, ring_fd(&a), 99), -EINVAL);
	EXPECT_CODE(ring_unlink(name), 0);
	EXPECT_CODE(ring_close(&a), 0);
}

/*
 * A symbolic link in /dev/shm is never followed (glibc's shm_open adds
 * O_NOFOLLOW): open refuses it with -ELOOP, create finds the name taken and
 * touches neither the link nor what it points at. Dangling links included:
 * create must not make the target.
 */
Test(lifecycle, symlink_in_dev_shm_refused)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 4, 8);
	char target[64], link_name[64], missing[64], path[128], to[128];
	unsigned char *before, *after;
	size_t blen, alen;
	struct ring a, r;
	struct stat st;

	test_shm_name(target, sizeof(target), "lnk-target");
	test_shm_name(link_name, sizeof(link_name), "lnk");
	test_shm_name(missing, sizeof(missing), "lnk-missing");
	EXPECT_CODE(ring_create(&a, target, &p), 0);
	snprintf(path, sizeof(path), "/dev/shm%s", link_name);
	snprintf(to, sizeof(to), "/dev/shm%s", target);
	if (symlink(to, path) != 0) {
		ring_unlink(target);
		ring_close(&a);
		cr_skip_test("cannot make a symbolic link in /dev/shm: %s", strerror(errno));
	}
	before = object_bytes(target, &blen);
	EXPECT_CODE(ring_open(&r, link_name, RING_KIND_ANY), -ELOOP);
	EXPECT_CODE(ring_create(&r, link_name, &p), -EEXIST);
	after = object_bytes(target, &alen);
	cr_assert_eq(alen, blen);
	cr_assert_arr_eq(after, before, blen, "the link's target changed");
	free(before);
	free(after);
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert(S_ISLNK(st.st_mode), "the link was replaced");
	/* ring_unlink removes the link itself, not its target. */
	EXPECT_CODE(ring_unlink(link_name), 0);
	EXPECT_CODE(ring_open(&r, link_name, RING_KIND_ANY), -ENOENT);
	EXPECT_CODE(ring_open(&r, target, RING_KIND_ANY), 0);
	EXPECT_CODE(ring_close(&r), 0);

	/* A dangling link: create must not make the file it names. */
	snprintf(to, sizeof(to), "/dev/shm%s", missing);
	cr_assert_eq(symlink(to, path), 0);
	EXPECT_CODE(ring_create(&r, link_name, &p), -EEXIST);
	EXPECT_CODE(ring_open(&r, link_name, RING_KIND_ANY), -ELOOP);
	EXPECT_CODE(ring_open(&r, missing, RING_KIND_ANY), -ENOENT);
	cr_assert_eq(unlink(path), 0);
	EXPECT_CODE(ring_unlink(target), 0);
	EXPECT_CODE(ring_close(&a), 0);
}

/* ring_is_closed, like every out-of-line call, refuses a handle it cannot
 * read: NULL, zeroed or closed. */
Test(lifecycle, is_closed_without_a_ring)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 4, 8);
	struct ring r;

	EXPECT_CODE(ring_is_closed(NULL), -EINVAL);
	memset(&r, 0, sizeof(r));
	EXPECT_CODE(ring_is_closed(&r), -EINVAL);
	EXPECT_CODE(ring_create_anon(&r, &p), 0);
	EXPECT_CODE(ring_is_closed(&r), 0);
	EXPECT_CODE(ring_close_write(&r), 0);
	EXPECT_CODE(ring_is_closed(&r), 1);
	EXPECT_CODE(ring_close(&r), 0);
	EXPECT_CODE(ring_is_closed(&r), -EINVAL);
}

/* The permission bits of a created object, under a given umask. */
static unsigned created_mode(uint32_t mode, mode_t mask)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 4, 8);
	char name[64];
	struct ring r;
	struct stat st;
	mode_t old = umask(mask);

	p.mode = mode;
	test_shm_name(name, sizeof(name), "mode");
	cr_assert_eq(ring_create(&r, name, &p), 0);
	umask(old);
	cr_assert_eq(ring_unlink(name), 0);
	cr_assert_eq(fstat(ring_fd(&r), &st), 0);
	cr_assert_eq(ring_close(&r), 0);
	return (unsigned)(st.st_mode & 07777);
}

/* 0600 by default (only the owner's processes attach), params.mode
 * otherwise, the umask applying as with open(2). */
Test(lifecycle, created_object_mode)
{
	cr_assert_eq(created_mode(0, 0), 0600, "default mode %o", created_mode(0, 0));
	cr_assert_eq(created_mode(0, 022), 0600);
	cr_assert_eq(created_mode(0640, 0), 0640);
	cr_assert_eq(created_mode(0666, 0), 0666);
	cr_assert_eq(created_mode(0666, 022), 0644);
	cr_assert_eq(created_mode(0666, 077), 0600);
	cr_assert_eq(created_mode(0400, 0), 0400);
}

/* The counters EXPECT_CODE relies on do see a ring's descriptor and
 * mapping, and their release. */
Test(lifecycle, leak_counters_see_a_ring)
{
	struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 4, 8);
	struct res_count c0 = res_now(), c1;
	struct ring r;

	cr_assert_geq(c0.fds, 0);
	cr_assert_geq(c0.shared_maps, 0);
	cr_assert_eq(ring_create_memfd(&r, "count", &p), 0);
	c1 = res_now();
	cr_assert_eq(c1.fds, c0.fds + 1);
	cr_assert_eq(c1.shared_maps, c0.shared_maps + 1);
	cr_assert_eq(ring_close(&r), 0);
	EXPECT_NO_LEAK(c0, "after ring_close");
	cr_assert_eq(ring_create_anon(&r, &p), 0);
	c1 = res_now();
	cr_assert_eq(c1.fds, c0.fds);
	cr_assert_eq(c1.shared_maps, c0.shared_maps + 1);
	cr_assert_eq(ring_close(&r), 0);
	EXPECT_NO_LEAK(c0, "after ring_close");
}

/* MemAvailable from /proc/meminfo in bytes, or 0 if unreadable. */
static uint64_t test_mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	unsigned long long kb;
	uint64_t v = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			v = (uint64_t)kb * 1024;
	fclose(f);
	return v;
}

/* VmSize from /proc/self/status in bytes, or 0. */
static uint64_t test_vm_size(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	unsigned long long kb;
	uint64_t v = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmSize: %llu kB", &kb) == 1)
			v = (uint64_t)kb * 1024;
	fclose(f);
	return v;
}

/* In a child: the constructor fails with want and leaves no descriptor,
 * mapping or named object behind. */
#define CHILD_EXPECT_FAIL(call, want, name)                                                \
	do {                                                                               \
		long fds_ = count_fds(), maps_ = count_shared_maps();                      \
		struct ring o_;                                                            \
		int rc_ = (call);                                                          \
		if (rc_ != (want))                                                         \
			fprintf(stderr, "%s: %d (%s), expected %d\n", #call, rc_,          \
				ring_strerror(rc_), (want));                               \
		CHILD_CHECK(rc_ == (want));                                                \
		CHILD_CHECK(count_fds() == fds_ && count_shared_maps() == maps_);          \
		CHILD_CHECK((name) == NULL || ring_open(&o_, (name), RING_KIND_ANY) == -ENOENT); \
	} while (0)

/*
 * A ring larger than the memory there is fails before a page is taken:
 * a memfd (whose mount has no size limit), anonymous memory (MAP_POPULATE)
 * and /dev/shm. The size is MemAvailable plus an eighth, never allocated:
 * the child runs under RLIMIT_FSIZE and RLIMIT_AS just below it, so a
 * library that did try to allocate would be stopped by the kernel (SIGXFSZ
 * kills the child; mmap fails) instead of running the machine out of memory.
 */
Test(lifecycle, size_above_available_memory, .timeout = 60)
{
	uint64_t avail = test_mem_available();
	struct statvfs vfs;
	pid_t pid;
	int st;

	if (avail == 0)
		cr_skip_test("no MemAvailable in /proc/meminfo");
	cr_assert_eq(statvfs("/dev/shm", &vfs), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 0, 4096);
		uint64_t shm_free = (uint64_t)vfs.f_bavail * vfs.f_frsize;
		uint64_t vm = test_vm_size();
		struct rlimit rl;
		ssize_t total;
		char name[64];
		struct ring r;

		p.slots = (avail + avail / 8) / 4096 + 1;
		total = ring_memsize(&p);
		CHILD_CHECK(total > 0 && (uint64_t)total > avail);
		rl.rlim_cur = rl.rlim_max = (rlim_t)total - 1;
		CHILD_CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0);
		rl.rlim_cur = rl.rlim_max = (rlim_t)(vm + (uint64_t)total - 1);
		CHILD_CHECK(vm != 0 && setrlimit(RLIMIT_AS, &rl) == 0);
		CHILD_EXPECT_FAIL(ring_create_memfd(&r, "huge", &p), -ENOMEM, NULL);
		CHILD_EXPECT_FAIL(ring_create_anon(&r, &p), -ENOMEM, NULL);
		test_shm_name(name, sizeof(name), "huge");
		/* /dev/shm's free space is checked first, then memory. */
		CHILD_EXPECT_FAIL(ring_create(&r, name, &p),
				  (uint64_t)total > shm_free ? -ENOSPC : -ENOMEM, name);
		_exit(0);
	}
	st = test_wait_child(pid);
	cr_assert_eq(st, 0, "child exit %d%s", st,
		     st == 1000 + SIGXFSZ ? " (SIGXFSZ: the library tried to allocate)" : "");
}

/* Past RLIMIT_FSIZE: -EFBIG, not SIGXFSZ (which kills by default). */
Test(lifecycle, size_above_file_size_limit, .timeout = 60)
{
	pid_t pid = fork();
	int st;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct ring_params p = params(RING_KIND_SPSC, RING_RULE_COUNT, 1024, 4096);
		struct rlimit rl = {1 << 20, 1 << 20};
		char name[64];
		struct ring r;

		CHILD_CHECK(ring_memsize(&p) > (ssize_t)rl.rlim_cur);
		CHILD_CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0);
		test_shm_name(name, sizeof(name), "fsize");
		CHILD_EXPECT_FAIL(ring_create_memfd(&r, "fsize", &p), -EFBIG, NULL);
		CHILD_EXPECT_FAIL(ring_create(&r, name, &p), -EFBIG, name);
		/* A ring within the limit is fine. */
		p.slots = 16;
		CHILD_CHECK(ring_create_memfd(&r, "fsize", &p) == 0);
		CHILD_CHECK(ring_close(&r) == 0);
		_exit(0);
	}
	st = test_wait_child(pid);
	cr_assert_eq(st, 0, "child exit %d%s", st,
		     st == 1000 + SIGXFSZ ? " (killed by SIGXFSZ)" : "");
	cr_assert_str_neq(ring_strerror(-EFBIG), "unknown error");
}
