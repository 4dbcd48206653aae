/* SPDX-License-Identifier: MIT */
/*
 * Attaching to a hostile region.
 *
 * The input makes the bytes of a region, of any length (0 up to a few pages
 * past the ring's size, so also shorter than the header): either a ring
 * formatted by ring_init_mem and then overwritten at input-chosen offsets
 * with input-chosen values, or raw input bytes. Then:
 *
 * - ring_attach_mem() on the region placed right before a guard page must
 *   fail with a documented code and leave the handle closed, or accept a
 *   ring that check_accepted() finds consistent with the bytes and the
 *   length; a few operations on it then must stay inside the region.
 * - The same bytes written to a memfd of exactly that size go through
 *   ring_open_fd(): it must map exactly the object's size (never a size read
 *   from the header), accept only an exact-size ring, and agree with
 *   ring_attach_mem on everything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <shmring/ring.h>

#include "fuzz_hostile.h"
#include "fuzz_input.h"
#include "fuzz_region.h"

#define MAX_SLOTS 600
#define MAX_ESZ 300
#define MAX_EXTRA 8192 /* bytes past the ring's size, or short of it */
#define MAX_RAW (64 * 1024)

static int attach_error(int rc)
{
	/* -EUSERS, -ESTALE, -EUCLEAN: a participant table or state line
	 * overwritten (no free entry; replaced; an entry changing under the
	 * joiner). */
	return rc == -EAGAIN || rc == -EBADMSG || rc == -EPROTONOSUPPORT || rc == -EPROTO ||
	       rc == -EMSGSIZE || rc == -EPROTOTYPE || rc == -EUSERS || rc == -ESTALE ||
	       rc == -EUCLEAN;
}

/* A value to store in a field: near the usual boundaries, or anything. */
static uint64_t pick_value(struct fuzz_in *in, uint64_t cur)
{
	switch (fi_range(in, 0, 7)) {
	case 0: return cur + fi_range(in, 0, 8) - 4;
	case 1: return cur ^ (UINT64_C(1) << fi_range(in, 0, 63));
	case 2: return 0;
	case 3: return UINT64_MAX - fi_range(in, 0, 3);
	case 4: return fi_range(in, 0, 1024);
	case 5: return (uint64_t)1 << fi_range(in, 0, 63);
	default: return fi_u64(in);
	}
}

/* A formatted ring, then overwritten in places. Returns the region length
 * (contents in *out, malloc'd), or 0 if the parameters make no ring. */
static size_t make_mutated(struct fuzz_in *in, unsigned char **out, int *pristine)
{
	struct ring_params p;
	struct ring r;
	unsigned char *fmt;
	ssize_t msize;
	size_t len, i, muts;
	uint64_t part_off;
	void *mem;

	memset(&p, 0, sizeof(p));
	p.kind = (uint32_t)fi_range(in, RING_KIND_SPSC, RING_KIND_MPMC);
	p.rule = fi_rule(in);
	if (p.kind == RING_KIND_MPMC && p.rule == RING_RULE_SEQ)
		p.rule = RING_RULE_COUNT; /* MPMC inputs decode as before RING_RULE_SEQ */
	p.elem_size = fi_range(in, 1, MAX_ESZ);
	p.slots = fi_range(in, 1, MAX_SLOTS);
	p.flags = fi_bool(in) ? RING_F_BLOCKING : 0;
	msize = ring_memsize(&p);
	if (msize < 0)
		return 0;
	switch (fi_range(in, 0, 2)) {
	case 0: len = (size_t)msize; break;
	case 1: len = (size_t)msize + (size_t)fi_range(in, 1, MAX_EXTRA); break;
	default: len = (size_t)msize - (size_t)fi_range(in, 1, (uint64_t)msize); break;
	}
	if (posix_memalign(&mem, 64, (size_t)msize) != 0)
		abort();
	fmt = (unsigned char *)mem;
	FUZZ_CHECK(ring_init_mem(&r, fmt, (size_t)msize, &p) == 0);
	part_off = r.shm->hdr.part_offset;
	/* Indices as a live ring might hold them. */
	if (fi_bool(in)) {
		ring_pvt_store(&r.shm->prod.tail, fi_u64(in), relaxed);
		ring_pvt_store(&r.shm->cons.head, fi_u64(in), relaxed);
	}
	ring_close(&r);
	*out = calloc(1, len + 1);
	FUZZ_CHECK(*out != NULL);
	memcpy(*out, fmt, len < (size_t)msize ? len : (size_t)msize);
	free(mem);

	muts = (size_t)fi_range(in, 0, 8);
	*pristine = muts == 0 && len >= (size_t)msize;
	for (i = 0; i < muts && len > 0; i++) {
		/* Mostly the header, sometimes the participant table or the
		 * state line (the words attach takes an entry by), sometimes
		 * anywhere. */
		unsigned where = (unsigned)fi_range(in, 0, 3);
		size_t base = where == 1 ? (size_t)part_off : where == 2 ? 5 * RING_LINE : 0;
		size_t lim = where == 0 ? sizeof(struct ring_hdr) : where == 3 ? len : len - base;
		size_t width = (size_t)1 << fi_range(in, 0, 3);
		size_t off;

		if (base >= len)
			continue;
		if (where == 2)
			lim = RING_LINE;
		off = base + ((size_t)fi_range(in, 0, (lim < len - base ? lim : len - base) - 1) & ~(width - 1));
		uint64_t v = 0;

		if (off + width > len)
			continue;
		memcpy(&v, *out + off, width);
		v = pick_value(in, v);
		memcpy(*out + off, &v, width);
	}
	return len;
}

/* The same bytes in a memfd of exactly len bytes, through ring_open_fd. */
static void via_memfd(const unsigned char *bytes, size_t len, uint32_t kind, int mem_rc,
		      uint64_t total, struct fuzz_in *in)
{
	struct ring r;
	struct stat st;
	int fd = memfd_create("shmring-fuzz-attach", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int rc;

	if (fd < 0)
		return; /* out of descriptors or memory: not the library's fault */
	FUZZ_CHECK(ftruncate(fd, (off_t)len) == 0);
	FUZZ_CHECK(len == 0 || pwrite(fd, bytes, len, 0) == (ssize_t)len);
	/* ring_open_fd takes only objects sealed against shrinking. */
	FUZZ_CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);
	memset(&r, 0xff, sizeof(r));
	rc = ring_open_fd(&r, fd, kind);
	if (kind == 99) {
		FUZZ_CHECK(rc == -EINVAL);
	} else if (len == 0) {
		/* An empty object may be one whose creator has not sized it
		 * yet (retry); an empty region of caller memory is -EINVAL. */
		FUZZ_CHECK(rc == -EAGAIN && mem_rc == -EINVAL);
	} else if (mem_rc == 0 || (mem_rc == -EPROTOTYPE && len != total)) {
		/* attach_mem accepts a region longer than the ring; a file
		 * must be exactly the ring's size (checked before the kind). */
		FUZZ_CHECK(len == total ? rc == mem_rc : rc == -EMSGSIZE);
	} else if (len != total && (mem_rc == -EAGAIN || mem_rc == -EUSERS || mem_rc == -ESTALE ||
				    mem_rc == -EUCLEAN)) {
		/* Taking a participant entry (after the geometry checks) can
		 * fail on a hostile table or state line; a file of another
		 * size is refused before that. -EAGAIN may also be an
		 * unfinished header, refused alike by both. */
		FUZZ_CHECK(rc == mem_rc || rc == -EMSGSIZE);
	} else {
		FUZZ_CHECK(rc == mem_rc);
	}
	if (rc < 0) {
		FUZZ_CHECK(r.shm == NULL && r.map == NULL && r.fd == -1);
	} else {
		FUZZ_CHECK(fstat(fd, &st) == 0);
		FUZZ_CHECK(r.map_len == (size_t)st.st_size && r.map_len == len);
		FUZZ_CHECK(ring_fd(&r) >= 0 && ring_fd(&r) != fd);
		check_accepted(&r, (const unsigned char *)r.map, len, kind);
		for (int i = (int)fi_range(in, 0, 8); i > 0; i--)
			hostile_op(&r, in, ROLE_ANY);
	}
	FUZZ_CHECK(ring_close(&r) == 0);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	struct fuzz_region g;
	struct ring r;
	unsigned char *bytes = NULL;
	size_t len;
	uint32_t kind;
	int rc, pristine = 0;

	fi_init(&in, data, size);
	if (fi_bool(&in)) {
		len = make_mutated(&in, &bytes, &pristine);
		if (bytes == NULL)
			return 0;
	} else {
		/* Raw bytes: the payload end of the input is the region. */
		len = (size_t)fi_range(&in, 0, MAX_RAW);
		bytes = calloc(1, len + 1);
		FUZZ_CHECK(bytes != NULL);
		fi_bytes(&in, bytes, len);
	}
	kind = (uint32_t)fi_range(&in, 0, 3);
	if (kind == 3)
		kind = 99; /* no kind at all */

	fuzz_region_get(&g, len);
	memcpy(g.mem, bytes, len);
	memset(&r, 0xff, sizeof(r));
	rc = ring_attach_mem(&r, g.mem, len, kind);
	if (kind == 99)
		FUZZ_CHECK(rc == -EINVAL);
	else if (pristine)
		/* Untouched and big enough: the ring the creator made. */
		FUZZ_CHECK(rc == 0 || rc == -EPROTOTYPE);
	if (rc < 0) {
		FUZZ_CHECK(rc == -EINVAL || attach_error(rc));
		FUZZ_CHECK(r.shm == NULL);
	} else {
		check_accepted(&r, g.mem, len, kind);
	}
	/* The file path sees the bytes before any operation changed them. */
	if (fi_bool(&in)) {
		struct ring_hdr h;
		uint64_t total = 0;

		if (len >= sizeof(h)) {
			memcpy(&h, bytes, sizeof(h));
			total = expected_total(&h);
		}
		via_memfd(bytes, len, kind, rc, total, &in);
	}
	if (rc == 0)
		for (int i = (int)fi_range(&in, 0, 16); i > 0; i--)
			hostile_op(&r, &in, ROLE_ANY);
	FUZZ_CHECK(ring_close(&r) == 0);
	fuzz_region_put(&g);
	free(bytes);
	return 0;
}
