/* SPDX-License-Identifier: MIT */
/* A library of the consumer project that uses shmring (see CMakeLists.txt). */
#include <shmring/shmring.h>

int app_ring_capacity(const struct ring_params *p)
{
	return (int)ring_memsize(p);
}
