/* SPDX-License-Identifier: MIT */
#include "overhead.h"

__attribute__((noinline)) uint64_t overhead_c_loop(struct ring *r, uint64_t n)
{
	uint64_t i, v, bad = 0;

	for (i = 0; i < n; i++) {
		if (ring_push(r, &i) != 0)
			bad++;
		if (ring_pop(r, &v) != 0 || v != i)
			bad++;
	}
	return bad;
}
