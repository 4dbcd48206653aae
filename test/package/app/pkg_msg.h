/* SPDX-License-Identifier: MIT */
/*
 * What the package test's producer and consumers agree on: the ring's shape
 * and the message format. Each message carries its sequence number and a
 * check word derived from it, so a lost, duplicated, reordered or torn
 * message is detected by the consumer.
 */
#ifndef SHMRING_PKG_MSG_H
#define SHMRING_PKG_MSG_H

#include <stdint.h>

/* Not a power of two, so the modulo path of both rules is used. */
#define PKG_SLOTS 1000u

struct pkg_msg {
	uint64_t seq;
	uint64_t check;
};

static inline uint64_t pkg_check(uint64_t seq)
{
	return (seq * UINT64_C(0x9e3779b97f4a7c15)) ^ UINT64_C(0x5a5a5a5a5a5a5a5a);
}

/* Give up on a peer that made no progress for this long (a hang guard, not a
 * timing assertion: any progress restarts it). */
#define PKG_STALL_NS (UINT64_C(30) * 1000000000u)

#endif /* SHMRING_PKG_MSG_H */
