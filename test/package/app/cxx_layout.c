/* SPDX-License-Identifier: MIT */
/* The C side of test_cxx.cpp; see cxx_layout.h. */
#include "cxx_layout.h"

#include <errno.h>
#include <stdlib.h>

size_t cxx_c_layout(uint64_t *out, size_t max)
{
#define CXX_C_FIGURE(e) (uint64_t)(e),
	static const uint64_t fig[] = {CXX_LAYOUT_LIST(CXX_C_FIGURE)};
#undef CXX_C_FIGURE
	size_t i, n = sizeof(fig) / sizeof(fig[0]);

	for (i = 0; i < n && i < max; i++)
		out[i] = fig[i];
	return i;
}

/* Largest element these helpers handle. */
#define CXX_ESZ_MAX 64u

int cxx_c_format_fill(void *mem, size_t len, const struct ring_params *p,
		      uint64_t start, uint64_t n)
{
	unsigned char buf[3 * CXX_ESZ_MAX];
	struct ring r = {0};
	size_t esz = (size_t)p->elem_size;
	uint64_t done = 0, k = 0;
	int rc;

	if (esz < 8 || esz > CXX_ESZ_MAX)
		return -EINVAL;
	rc = ring_init_mem(&r, mem, len, p);
	if (rc < 0)
		return rc;
	while (done < n) {
		/* 1, 2 or 3 elements per call, through each entry point. */
		uint64_t m = 1 + k % 3, i;
		ssize_t got;

		if (m > n - done)
			m = n - done;
		for (i = 0; i < m; i++)
			cxx_elem_fill(buf + i * esz, esz, start + done + i);
		if (m == 1)
			got = (rc = ring_push(&r, buf)) == 0 ? 1 : rc;
		else if (k % 2)
			got = ring_push_bulk(&r, buf, (size_t)m);
		else
			got = ring_push_burst(&r, buf, (size_t)m);
		if (got <= 0) {
			ring_close(&r);
			return got < 0 ? (int)got : -EIO;
		}
		done += (uint64_t)got;
		k++;
	}
	return ring_close(&r);
}

int cxx_c_drain(void *mem, size_t len, uint64_t start, uint64_t n)
{
	unsigned char buf[3 * CXX_ESZ_MAX];
	struct ring r = {0};
	uint64_t done = 0, k = 0;
	size_t esz;
	int rc;

	rc = ring_attach_mem(&r, mem, len, RING_KIND_ANY);
	if (rc < 0)
		return rc;
	esz = ring_elem_size(&r);
	rc = esz < 8 || esz > CXX_ESZ_MAX ? -EINVAL : 0;
	while (rc == 0 && done < n) {
		uint64_t m = 1 + k % 3, i;
		ssize_t got;

		if (m > n - done)
			m = n - done;
		if (m == 1)
			got = (rc = ring_pop(&r, buf)) == 0 ? 1 : rc;
		else if (k % 2)
			got = ring_pop_bulk(&r, buf, (size_t)m);
		else
			got = ring_pop_burst(&r, buf, (size_t)m);
		if (got <= 0) {
			rc = got < 0 ? (int)got : -EIO;
			break;
		}
		for (i = 0; i < (uint64_t)got; i++)
			if (!cxx_elem_ok(buf + i * esz, esz, start + done + i))
				rc = -EILSEQ;
		done += (uint64_t)got;
		k++;
	}
	if (rc == 0 && (ring_pop(&r, buf) != -EAGAIN || ring_count(&r) != 0))
		rc = -EILSEQ;
	ring_close(&r);
	return rc;
}
