/* SPDX-License-Identifier: MIT */
/* The element of the broadcast example: one market-data tick. */
#ifndef BCAST_TICK_H
#define BCAST_TICK_H

#include <stdint.h>
#include <time.h>

struct tick {
	uint64_t seq;  /* 0, 1, 2, ... */
	uint64_t ns;   /* CLOCK_MONOTONIC at publication */
	double price;
};

static inline uint64_t tick_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
