/* SPDX-License-Identifier: MIT */
/*
 * The shared-memory layout of a shmring ring: the only definition of what lives
 * in the shared object. Every offset and size is fixed by this file and checked
 * by the static asserts below, so C and C++ builds, any compiler flags, and any
 * two processes agree on it. Nothing in the shared region is a pointer.
 *
 *   offset   size  contents                          written by
 *   0        128   struct ring_hdr                   creator, once
 *   128      128   struct ring_prod_line (tail)      producers
 *   256      128   struct ring_cons_line (head)      consumers
 *   384      128   struct ring_wait_line (futexes)   sleepers and wakers only
 *   512      ...   slots[slots] * stride
 *
 * Each block is RING_LINE (128) bytes: two 64-byte cache lines, so the
 * adjacent-line prefetcher does not couple the producer's and the consumer's
 * words. The padding is a constant of the layout, not of the build.
 *
 * Slots: SPSC slots are the element bytes alone (stride = elem_size). MPMC
 * slots are an 8-byte sequence word followed by the element, the stride
 * rounded up to 8 so every sequence word is aligned.
 */
#ifndef SHMRING_RING_LAYOUT_H
#define SHMRING_RING_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define SHMRING_INSIDE_HEADERS 1
#include "ring_atomic_pvt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "SHMRING\0" read as a little-endian 64-bit word. */
#define RING_MAGIC UINT64_C(0x00474e49524d4853)
/* Bumped on any change to this file's layout or to the meaning of a word. */
#define RING_LAYOUT_VERSION 1u
/* Value of ring_hdr.ready once the creator has written every other field. */
#define RING_READY UINT32_C(0x59444552) /* "REDY" */

#define RING_LINE 128u
#define RING_DATA_OFFSET (4u * RING_LINE)

/* Ring kinds (ring_hdr.kind). RING_KIND_ANY is only an argument to open. */
#define RING_KIND_ANY 0u
#define RING_KIND_SPSC 1u
#define RING_KIND_MPMC 2u

/* Capacity rules (ring_hdr.rule). */
#define RING_RULE_N1 1u    /* in/out in [0, n); full when (in+1) % n == out */
#define RING_RULE_COUNT 2u /* free-running in/out; count = in - out; all n slots */

/* Creation flags (ring_hdr.flags). */
#define RING_F_BLOCKING 0x1u /* the futex words are used: blocking and timed calls work */
#define RING_F_ALL RING_F_BLOCKING

/*
 * Top bit of the producer index (tail): set once by ring_close_write(). Keeping
 * it in the same word as the index makes "closed" and "claimed a slot" one
 * atomic fact for MPMC producers, and costs SPSC nothing: a closed tail looks
 * out of range (n-1 rule) or over-full (count rule) and falls to the slow path.
 */
#define RING_CLOSED_BIT (UINT64_C(1) << 63)

/*
 * MPMC slot sequence word, for the slot of free-running position p:
 * RING_MPMC_FREE(p) while the producer of p may fill it, RING_MPMC_FULL(p)
 * once that producer published its element, RING_MPMC_FREE(p + n) once the
 * consumer of p has read it. Positions are doubled so that "full for p" and
 * "free for p + 1" differ even when n == 1 (Vyukov's p / p + 1 / p + n
 * encoding makes them equal there). A slot given up on (a dead claimant
 * repaired by a survivor) holds RING_MPMC_SKIP(p) instead of RING_MPMC_FULL(p):
 * consumers meet it only on their slow path and step over the slot without
 * delivering it.
 */
#define RING_MPMC_FREE(p) ((uint64_t)(p) << 1)
#define RING_MPMC_FULL(p) (((uint64_t)(p) << 1) | 1u)
#define RING_MPMC_SKIP(p) (RING_MPMC_FULL(p) ^ RING_CLOSED_BIT)

struct ring_hdr {
	uint64_t magic;       /* RING_MAGIC */
	uint32_t version;     /* RING_LAYOUT_VERSION */
	uint32_t kind;        /* RING_KIND_SPSC or RING_KIND_MPMC */
	uint32_t rule;        /* RING_RULE_N1 or RING_RULE_COUNT */
	uint32_t flags;       /* RING_F_* */
	uint64_t slots;       /* n, the number of slots */
	uint64_t elem_size;   /* bytes per element */
	uint64_t stride;      /* bytes per slot */
	uint64_t data_offset; /* RING_DATA_OFFSET */
	uint64_t total_size;  /* bytes of the whole region */
	RING_ATOMIC(uint32_t) ready; /* RING_READY, stored last with release */
	uint32_t reserved0;
	uint8_t pad[RING_LINE - 72];
};

struct ring_prod_line {
	/* SPSC n-1: in, in [0, n). SPSC count and MPMC: free-running enqueue
	 * position. RING_CLOSED_BIT once closed. */
	RING_ATOMIC(uint64_t) tail;
	uint8_t pad[RING_LINE - 8];
};

struct ring_cons_line {
	/* SPSC n-1: out, in [0, n). Otherwise the free-running dequeue position. */
	RING_ATOMIC(uint64_t) head;
	uint8_t pad[RING_LINE - 8];
};

/*
 * Futex words, touched only by rings created with RING_F_BLOCKING. Sleepers
 * write them; the hot path only reads *_waiters, which stay cached in both
 * sides' caches while nobody sleeps.
 */
struct ring_wait_line {
	RING_ATOMIC(uint32_t) cons_seq;     /* consumers sleep on it; bumped to wake */
	RING_ATOMIC(uint32_t) cons_waiters; /* nonzero: a consumer may be asleep */
	RING_ATOMIC(uint32_t) prod_seq;     /* producers sleep on it; bumped to wake */
	RING_ATOMIC(uint32_t) prod_waiters; /* nonzero: a producer may be asleep */
	/* CPU + 1 each side last waited or woke on (0: not known). A hint
	 * only: a waiter whose peer shares its CPU sleeps without spinning. */
	RING_ATOMIC(uint32_t) cons_cpu;
	RING_ATOMIC(uint32_t) prod_cpu;
	uint8_t pad[RING_LINE - 24];
};

struct ring_shared {
	struct ring_hdr hdr;
	struct ring_prod_line prod;
	struct ring_cons_line cons;
	struct ring_wait_line wait;
};

struct ring_mpmc_slot {
	/* Per-slot sequence (Vyukov's, positions doubled): RING_MPMC_FREE(p),
	 * RING_MPMC_FULL(p), RING_MPMC_FREE(p + n); see RING_MPMC_FREE. */
	RING_ATOMIC(uint64_t) seq;
	/* elem_size bytes of payload follow */
};

RING_STATIC_ASSERT(RING_LOCK_FREE_64 && RING_LOCK_FREE_32,
		   "shared atomics must be lock-free to work across processes");
RING_STATIC_ASSERT(sizeof(RING_ATOMIC(uint64_t)) == 8, "64-bit atomic size");
RING_STATIC_ASSERT(RING_ALIGNOF(RING_ATOMIC(uint64_t)) == 8, "64-bit atomic alignment");
RING_STATIC_ASSERT(sizeof(RING_ATOMIC(uint32_t)) == 4, "32-bit atomic size");
RING_STATIC_ASSERT(sizeof(struct ring_hdr) == RING_LINE, "header block size");
RING_STATIC_ASSERT(offsetof(struct ring_hdr, slots) == 24, "header offsets");
RING_STATIC_ASSERT(offsetof(struct ring_hdr, total_size) == 56, "header offsets");
RING_STATIC_ASSERT(offsetof(struct ring_hdr, ready) == 64, "header offsets");
RING_STATIC_ASSERT(sizeof(struct ring_prod_line) == RING_LINE, "producer block size");
RING_STATIC_ASSERT(sizeof(struct ring_cons_line) == RING_LINE, "consumer block size");
RING_STATIC_ASSERT(sizeof(struct ring_wait_line) == RING_LINE, "wait block size");
RING_STATIC_ASSERT(offsetof(struct ring_shared, prod) == 1 * RING_LINE, "layout");
RING_STATIC_ASSERT(offsetof(struct ring_shared, cons) == 2 * RING_LINE, "layout");
RING_STATIC_ASSERT(offsetof(struct ring_shared, wait) == 3 * RING_LINE, "layout");
RING_STATIC_ASSERT(sizeof(struct ring_shared) == RING_DATA_OFFSET, "layout");
RING_STATIC_ASSERT(sizeof(struct ring_mpmc_slot) == 8, "MPMC slot header");

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_LAYOUT_H */
