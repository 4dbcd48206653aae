/* SPDX-License-Identifier: MIT */
/*
 * Guarded memory for the harnesses: a region placed at the very end of a
 * mapping that is followed (and preceded) by a PROT_NONE page, so a library
 * access one byte past the region (or before it) faults at once. Regions are
 * 8-byte aligned as ring_attach_mem requires; the up to 7 bytes between the
 * region's end and the guard page are poisoned for AddressSanitizer when the
 * harness runs under it.
 *
 * One mapping per process, reused by every input (an input only ever holds
 * one region at a time), so each input costs no mmap.
 */
#ifndef SHMRING_FUZZ_REGION_H
#define SHMRING_FUZZ_REGION_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_input.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#endif
#ifdef FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#endif

/* Largest region a harness asks for. */
#define FUZZ_REGION_MAX ((size_t)1 << 20)

struct fuzz_region {
	unsigned char *mem; /* the region: 8-byte aligned, ends 0..7 bytes before the guard */
	size_t len;
	size_t slack;       /* poisoned bytes between mem + len and the guard page */
};

static unsigned char *fuzz_region_area(void)
{
	static unsigned char *area;

	if (area == NULL) {
		size_t page = (size_t)sysconf(_SC_PAGESIZE);
		unsigned char *m = (unsigned char *)mmap(NULL, FUZZ_REGION_MAX + 2 * page,
							 PROT_READ | PROT_WRITE,
							 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		FUZZ_CHECK(m != MAP_FAILED);
		FUZZ_CHECK(mprotect(m, page, PROT_NONE) == 0);
		FUZZ_CHECK(mprotect(m + page + FUZZ_REGION_MAX, page, PROT_NONE) == 0);
		area = m + page;
	}
	return area;
}

/* A zeroed region of len bytes (len <= FUZZ_REGION_MAX) ending at the guard. */
static inline void fuzz_region_get(struct fuzz_region *g, size_t len)
{
	unsigned char *area = fuzz_region_area();
	size_t rounded = (len + 7) & ~(size_t)7;

	FUZZ_CHECK(len <= FUZZ_REGION_MAX);
	g->mem = area + FUZZ_REGION_MAX - rounded;
	g->len = len;
	g->slack = rounded - len;
	memset(g->mem, 0, len);
#ifdef FUZZ_ASAN
	if (g->slack != 0)
		ASAN_POISON_MEMORY_REGION(g->mem + len, g->slack);
#endif
}

static inline void fuzz_region_put(struct fuzz_region *g)
{
#ifdef FUZZ_ASAN
	if (g->slack != 0)
		ASAN_UNPOISON_MEMORY_REGION(g->mem + g->len, g->slack);
#endif
	g->mem = NULL;
	g->len = 0;
	g->slack = 0;
}

#endif /* SHMRING_FUZZ_REGION_H */
