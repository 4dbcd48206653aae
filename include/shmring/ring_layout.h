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
 *   512      128   struct ring_hint_line             sleepers and wakers only
 *   640      128   struct ring_state_line            lifecycle and liveness
 *   768      128   struct ring_stat_line (producers) producers' slow paths
 *   896      128   struct ring_stat_line (consumers) consumers' slow paths
 *   1024     ...   data: slots[slots] * stride (fixed-slot and broadcast
 *                  kinds) or the byte area of message and byte-stream rings
 *   part_offset    struct ring_part[max_parts]       one entry per attached
 *                                                    participant
 *
 * Each block is RING_LINE (128) bytes: two 64-byte cache lines, so the
 * adjacent-line prefetcher does not couple words of different writers. The
 * padding is a constant of the layout, not of the build. part_offset is the
 * end of the data rounded up to RING_LINE.
 *
 * Slots: SPSC slots are the element bytes alone (stride = elem_size), except
 * under the slot-sequenced rule (RING_RULE_SEQ, block below). MPMC, broadcast
 * and RING_RULE_SEQ slots are an 8-byte sequence word followed by the
 * element, the stride rounded up to 8 so every sequence word is aligned.
 *
 * Ownership of the blocks by mechanism: the header and the data geometry by
 * src/ring_attach.c; wait and hint lines by src/ring_wait.c; the state line
 * and the participant table by src/ring_live.c; the stat lines by the slow
 * paths of each family (counters readable through the introspection call).
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
#define RING_LAYOUT_VERSION 3u
/* Value of ring_hdr.ready once the creator has written every other field. */
#define RING_READY UINT32_C(0x59444552) /* "REDY" */

#define RING_LINE 128u
#define RING_DATA_OFFSET (8u * RING_LINE)

/* Ring kinds (ring_hdr.kind). RING_KIND_ANY is only an argument to open. */
#define RING_KIND_ANY 0u
#define RING_KIND_SPSC 1u
#define RING_KIND_MPMC 2u
#define RING_KIND_MSG 3u   /* messages of 0..max bytes (datagram model) */
#define RING_KIND_BYTES 4u /* byte stream (pipe model) */
#define RING_KIND_BCAST 5u /* one producer, every consumer sees every element */

/* Capacity rules (ring_hdr.rule). */
#define RING_RULE_N1 1u    /* in/out in [0, n); full when (in+1) % n == out */
#define RING_RULE_COUNT 2u /* free-running in/out; count = in - out; all n slots */
#define RING_RULE_SEQ 3u   /* SPSC only: a sequence word per slot; all n slots */

/* Creation flags (ring_hdr.flags). Bits are allocated here, once, for every
 * mechanism; RING_F_ALL lists those the library accepts. */
#define RING_F_BLOCKING 0x1u /* the futex words are used: blocking and timed calls work */
/* Pipe semantics (src/ring_live.c): once every producer that ever attached is
 * verified dead (or detached) and the ring is drained, pops return -EPIPE
 * (end of stream) instead of -ECONNRESET. */
#define RING_F_PIPE 0x2u
#define RING_F_BCAST_LOSSY 0x4u /* broadcast: the producer never waits (see below) */
#define RING_F_MSG_MP 0x8u   /* message ring: many producers (RING_KIND_MSG only) */
/* 0x10..0x80: the blocking layer's. */
/* Broadcast of messages of 0..max bytes instead of fixed-size elements
 * (RING_KIND_BCAST only; the broadcast block below). */
#define RING_F_BCAST_MSG 0x100u
#define RING_F_ALL (RING_F_BLOCKING | RING_F_PIPE | RING_F_BCAST_LOSSY | RING_F_MSG_MP | RING_F_BCAST_MSG)

/* Participant table (ring_hdr.max_parts): ring_params.max_parts of 0 means
 * RING_PARTS_DEFAULT. */
#define RING_PARTS_DEFAULT 64u
#define RING_PARTS_MAX 4096u

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
#define RING_MPMC_FREE(p) (RING_PVT_CAST(uint64_t, p) << 1)
#define RING_MPMC_FULL(p) ((RING_PVT_CAST(uint64_t, p) << 1) | 1u)
#define RING_MPMC_SKIP(p) (RING_MPMC_FULL(p) ^ RING_CLOSED_BIT)

struct ring_hdr {
	uint64_t magic;       /* RING_MAGIC */
	uint32_t version;     /* RING_LAYOUT_VERSION */
	uint32_t kind;        /* RING_KIND_* */
	uint32_t rule;        /* RING_RULE_* */
	uint32_t flags;       /* RING_F_* */
	uint64_t slots;       /* n, the number of slots (byte kinds: data bytes) */
	uint64_t elem_size;   /* bytes per element (message kind: largest message) */
	uint64_t stride;      /* bytes per slot */
	uint64_t data_offset; /* RING_DATA_OFFSET */
	uint64_t total_size;  /* bytes of the whole region */
	RING_ATOMIC(uint32_t) ready; /* RING_READY, stored last with release */
	uint32_t max_parts;   /* entries in the participant table */
	uint64_t part_offset; /* offset of the participant table */
	uint64_t create_id;   /* random at creation: tells rings of one name apart */
	uint64_t reserved[5]; /* zero; for later header fields */
};

struct ring_prod_line {
	/* SPSC n-1: in, in [0, n). SPSC count and MPMC: free-running enqueue
	 * position. RING_CLOSED_BIT once closed. */
	RING_ATOMIC(uint64_t) tail;
	/* Broadcast message rings only (RING_F_BCAST_MSG, see the broadcast
	 * block): the end of the write in progress (== tail when none), and
	 * the count of messages published. Zero on other kinds. */
	RING_ATOMIC(uint64_t) bmsg_intent;
	RING_ATOMIC(uint64_t) bmsg_seq;
	uint8_t pad[RING_LINE - 24];
};

struct ring_cons_line {
	/* SPSC n-1: out, in [0, n). Otherwise the free-running dequeue position. */
	RING_ATOMIC(uint64_t) head;
	uint8_t pad[RING_LINE - 8];
};

/*
 * Futex words, touched only by rings created with RING_F_BLOCKING
 * (src/ring_wait.c has the protocol). *_seq: the futex word one side sleeps
 * on, bumped by each wake. *_waiters: two counts of that side's sleepers,
 * RING_WAIT_ARMED (armed to sleep; each sleeper adds and removes its own 1)
 * and RING_WAIT_WOKEN (wakes issued to them and not yet used up), stored as
 * armed (low 16 bits) and armed - woken (high 16 bits: the armed sleepers no
 * wake covers yet), so that the hot path's one test, "does a sleeper need a
 * wake", is w > RING_WAIT_MAX. The hot path only reads *_waiters, which
 * stays cached in both sides' caches while nobody sleeps. A hostile word
 * decodes to some pair of counts: it costs wake calls or sleeps up to the
 * slice (src/ring_wait.c), nothing else.
 */
#define RING_WAIT_MAX 0xffffu
#define RING_WAIT_ARMED(w) (RING_PVT_CAST(uint32_t, w) & RING_WAIT_MAX)
#define RING_WAIT_UNCOVERED(w) (RING_PVT_CAST(uint32_t, w) >> 16)
#define RING_WAIT_WOKEN(w) ring_pvt_wait_woken(RING_PVT_CAST(uint32_t, w))
/* woken <= armed (the writers keep it so). */
#define RING_WAIT_WORD(armed, woken)                                          \
	((RING_PVT_CAST(uint32_t, armed) & RING_WAIT_MAX) |                   \
	 ((RING_PVT_CAST(uint32_t, armed) - RING_PVT_CAST(uint32_t, woken)) & \
	  RING_WAIT_MAX) << 16)
/* Is an armed sleeper left that no wake covers? */
#define RING_WAIT_PENDING(w) (RING_PVT_CAST(uint32_t, w) > RING_WAIT_MAX)

RING_PVT_INLINE uint32_t ring_pvt_wait_woken(uint32_t w)
{
	return (RING_WAIT_ARMED(w) - RING_WAIT_UNCOVERED(w)) & RING_WAIT_MAX;
}

/*
 * Readiness descriptors (src/ring_waitfd.c, include/shmring/ring_waitfd.h):
 * a waiter on a descriptor counts itself in *_waiters like a sleeper, sets
 * its direction bit in its participant entry's op[RING_PART_OP_WAITFD], and
 * adds 1 to *_fdw while so armed. *_fdw only tells wakers whether to look at
 * the table at all; a waker clears a set bit (fetch_and) before it makes the
 * entry's descriptor readable, once per arming.
 *
 * The rest of the op word says what that descriptor is, written by its
 * owner at ring_waitfd_open and cleared at ring_waitfd_close:
 * RING_WAITFD_BIT_EFD set: an eventfd, number RING_WAITFD_TAG_FD in the
 * owner's process, kernel eventfd id RING_WAITFD_TAG_ID (/proc fdinfo
 * "eventfd-id"); a waker takes a copy with pidfd_getfd(2), checks the id
 * and write()s it. RING_WAITFD_BIT_SOCK set instead: a datagram socket
 * named after the ring and the entry (src/ring_waitfd.c). *_fxw: the futex sleepers among *_waiters
 * (each adds its 1 before arming, removes it after its futex_wait); a
 * waker that reads 0 there after counting its wakes makes no FUTEX_WAKE.
 */
#define RING_PART_OP_WAITFD 4
#define RING_WAITFD_BIT_DATA 1u /* armed for data (a consumer) */
#define RING_WAITFD_BIT_ROOM 2u /* armed for room (a producer) */
#define RING_WAITFD_BIT_EFD 4u  /* the entry's descriptor is an eventfd */
#define RING_WAITFD_BIT_SOCK 8u /* the entry's descriptor is its socket */
#define RING_WAITFD_TAG(fd, id)                                             \
	((RING_PVT_CAST(uint64_t, RING_PVT_CAST(uint32_t, id)) << 32) |     \
	 ((RING_PVT_CAST(uint64_t, fd) & 0xffffffu) << 8) | RING_WAITFD_BIT_EFD)
#define RING_WAITFD_TAG_FD(w) (RING_PVT_CAST(uint32_t, (w) >> 8) & 0xffffffu)
#define RING_WAITFD_TAG_ID(w) RING_PVT_CAST(uint32_t, (w) >> 32)
#define RING_WAITFD_TAG_MASK (~RING_PVT_CAST(uint64_t, 0xffu) | RING_WAITFD_BIT_EFD)
#define RING_WAITFD_FD_MAX 0xffffff /* highest descriptor number a tag holds */

struct ring_wait_line {
	RING_ATOMIC(uint32_t) cons_seq;     /* consumers sleep on it; bumped to wake */
	RING_ATOMIC(uint32_t) cons_waiters; /* consumers armed / woken (counts) */
	RING_ATOMIC(uint32_t) prod_seq;     /* producers sleep on it; bumped to wake */
	RING_ATOMIC(uint32_t) prod_waiters; /* producers armed / woken (counts) */
	RING_ATOMIC(uint32_t) cons_fdw;     /* consumers armed on a descriptor */
	RING_ATOMIC(uint32_t) prod_fdw;     /* producers armed on a descriptor */
	RING_ATOMIC(uint32_t) cons_fxw;     /* consumers in (or entering) futex_wait */
	RING_ATOMIC(uint32_t) prod_fxw;     /* producers in (or entering) futex_wait */
	uint8_t pad[RING_LINE - 32];
};

/* Words sleepers and wakers write on their slow paths only, kept off the
 * line the hot path reads. */
struct ring_hint_line {
	/* CPU + 1 each side last waited or woke on (0: not known). A hint
	 * only: a waiter whose peer shares its CPU sleeps without spinning. */
	RING_ATOMIC(uint32_t) cons_cpu;
	RING_ATOMIC(uint32_t) prod_cpu;
	uint8_t pad[RING_LINE - 8];
};

/* Lifecycle and liveness words of the whole ring (src/ring_live.c). */
struct ring_state_line {
	RING_ATOMIC(uint64_t) words[RING_LINE / 8];
};

/*
 * Counters of one side: ring_shared.pstat for producers, .cstat for
 * consumers. Each side writes only its own line, and only on paths that are
 * already out of line (full, empty, sleeping, waking, repairing), except
 * RING_STAT_LAPS below. What the hot path already writes is not repeated:
 * pushes and pops are the positions (tail and head; n-1 rule: laps * n plus
 * the index). Counters are statistics: relaxed, they order nothing, and a
 * hostile peer can write any value into them (readers treat them as numbers,
 * never as sizes or bounds).
 *
 * Word indices (words[i]; the same index on both lines unless noted):
 */
/* 0: n-1 rule only: 2 * (times this side's index wrapped from n - 1 to 0),
 * plus 1 while a wrap is being published. At a wrap the side stores
 * laps + 1, then its index (release), then laps + 2 (release): a reader that
 * sees the same even value before and after reading the index has an index
 * of lap value / 2, so positions = value / 2 * n + index. Written by the
 * side's single writer (SPSC) with plain stores, once per n elements. */
#define RING_STAT_LAPS 0u
/* 1: calls that found the ring full (pstat) / empty (cstat): -EAGAIN with
 * nothing moved (a bulk call: fewer than asked). Each try of a spinning
 * blocking call counts. */
#define RING_STAT_AGAIN 1u
/* 2: times this side went to sleep (futex wait entered). */
#define RING_STAT_WAITS 2u
/* 3: wake-ups this side issued to the other side's sleepers (one per
 * futex wake call, whatever number of sleepers it woke). */
#define RING_STAT_WAKES 3u
/* 4: repairs made for dead participants of this side (liveness). */
#define RING_STAT_REPAIRS 4u
/* 5: cstat: slots stepped over without delivery (given up by a repair). */
#define RING_STAT_SKIPS 5u
/* 6: calls that gave up after RING_PVT_RETRIES lost races (MPMC: -EBUSY). */
#define RING_STAT_CONTENDED 6u
/* 7: calls that found the shared indices inconsistent (-EUCLEAN). */
#define RING_STAT_CORRUPT 7u
/* 8: pstat: pushes refused by a closed ring; cstat: pops at the end of the
 * stream (-EPIPE). */
#define RING_STAT_CLOSED 8u
/* 9: waits that ended at their deadline (-ETIMEDOUT). */
#define RING_STAT_TIMEOUTS 9u
/* 10..15: per kind; each ring family assigns them in its own block of this
 * file (for example lost or overwritten elements) and documents them. */
#define RING_STAT_KIND_FIRST 10u
#define RING_STAT_WORDS (RING_LINE / 8)

/* Indices into ring_state_line.words (src/ring_live.c owns them all). */
#define RING_STATE_LIFE 0      /* RING_LIFE_*: replaced or not */
#define RING_STATE_PROD_OWNER 1 /* SPSC, broadcast: entry holding the producer role */
#define RING_STATE_CONS_OWNER 2 /* SPSC: entry holding the consumer role */
#define RING_STATE_PROD_JOINS 3 /* producer roles ever taken (count) */
#define RING_STATE_CONS_JOINS 4 /* consumer roles ever taken (count) */
#define RING_STATE_REPAIRS 5    /* MPMC slots repaired (skipped or released) */
#define RING_STATE_TAKEOVERS 6  /* entries or roles taken over from the dead */
#define RING_STATE_REPLACED_BY 7 /* create_id of the ring that replaced this one */
/* words[LIFE]: 0 in use; RING_LIFE_REPLACING(pid, ns) while a creator
 * (that pid, low 28 bits of its pid-namespace inode, as in a joining entry)
 * checks that nobody is alive on it: attachers retry, or undo the mark once
 * that creator is verified dead; RING_LIFE_REPLACED once a newer ring took
 * its name. */
#define RING_LIFE_STATUS(w) ((w) & 3u)
#define RING_LIFE_REPLACING(pid, ns) RING_PART_JOINING(pid, ns)
#define RING_LIFE_REPLACED UINT64_C(2)
/* words[*_OWNER]: 0 (nobody) or RING_OWNER(entry index, entry generation). */
#define RING_OWNER(idx, gen) ((RING_PVT_CAST(uint64_t, gen) << 32) | (RING_PVT_CAST(uint64_t, idx) + 1u))

struct ring_stat_line {
	RING_ATOMIC(uint64_t) words[RING_STAT_WORDS];
};

struct ring_shared {
	struct ring_hdr hdr;
	struct ring_prod_line prod;
	struct ring_cons_line cons;
	struct ring_wait_line wait;
	struct ring_hint_line hint;
	struct ring_state_line state;
	struct ring_stat_line pstat;
	struct ring_stat_line cstat;
};

/*
 * One entry of the participant table: a handle attached as producer and/or
 * consumer. Line 0 says who (written when the entry is taken, read by anyone
 * checking liveness); line 1 is written by its owner while it operates (read
 * by repairers and, for broadcast rings, by the producer).
 *
 * state (src/ring_live.c), taken and given back only by CAS:
 *   free     RING_PART_FREE(gen)                 status 0
 *   joining  RING_PART_JOINING(pid, ns)          status 1: the taker's pid
 *            and the low 28 bits of its pid-namespace inode, so that a taker
 *            that dies before writing ident[] is still recognisable
 *   live     RING_PART_LIVE(gen, roles)          status 2: ident[] is valid;
 *            | RING_PART_DECLARED
 * ident[RING_ID_PID], [RING_ID_START] (start time, field 22 of
 * /proc/PID/stat), [RING_ID_PIDNS] (inode of /proc/self/ns/pid),
 * [RING_ID_UID] (effective uid), [RING_ID_SINCE] (CLOCK_REALTIME seconds
 * at join); the rest are zero.
 *
 * intent (MPMC; written by the owner before each claim CAS, read by
 * repairers): RING_INTENT(pos, side, cnt): the claim of positions
 * [pos, pos + cnt) (pos modulo 2^56) by the producer (side 0) or consumer
 * (side 1) of this entry; cnt field RING_INTENT_BIG: the count is in
 * intent_cnt (stored before intent). 0: no claim in progress.
 */
/* Roles (in the state word of a live entry; public in ring_live.h). */
#define RING_ROLE_PRODUCER 0x1u
#define RING_ROLE_CONSUMER 0x2u
#define RING_PART_STATUS(s) ((s) & 3u)
#define RING_PART_ROLES(s) (((s) >> 2) & 3u)
#define RING_PART_GEN(s) RING_PVT_CAST(uint32_t, (s) >> 32)
#define RING_PART_FREE(gen) (RING_PVT_CAST(uint64_t, gen) << 32)
#define RING_PART_JOINING(pid, ns)                                                  \
	((RING_PVT_CAST(uint64_t, RING_PVT_CAST(uint32_t, pid)) << 32) |            \
	 ((RING_PVT_CAST(uint64_t, ns) & 0xfffffffu) << 4) | 1u)
#define RING_PART_LIVE(gen, roles) \
	((RING_PVT_CAST(uint64_t, gen) << 32) | (RING_PVT_CAST(uint64_t, roles) << 2) | 2u)
/* Live state bit: the roles were declared (ring_attach's opts.roles,
 * ring_join) rather than taken by the first push/pop; such an entry is not
 * counted as a possible future holder of the roles it lacks. */
#define RING_PART_DECLARED 0x10u
#define RING_ID_PID 0
#define RING_ID_START 1
#define RING_ID_PIDNS 2
#define RING_ID_UID 3
#define RING_ID_SINCE 4
#define RING_INTENT_BIG 127u
#define RING_INTENT(pos, side, cnt) \
	((RING_PVT_CAST(uint64_t, pos) << 8) | (RING_PVT_CAST(uint64_t, side) << 7) | \
	 RING_PVT_CAST(uint64_t, cnt))
struct ring_part {
	/* Line 0: identity (src/ring_live.c). */
	RING_ATOMIC(uint64_t) state;
	uint64_t ident[7];
	/* Line 1: the owner's operation words. */
	RING_ATOMIC(uint64_t) intent;     /* position being claimed (MPMC, messages) */
	RING_ATOMIC(uint64_t) intent_cnt; /* how many positions from intent */
	RING_ATOMIC(uint64_t) cursor;     /* broadcast consumers: next position */
	/* Reserved for per-participant words, handed out by src/ring_live.c
	 * (cleared when an entry is taken). op[RING_PART_OP_WAITFD] (4): the
	 * readiness-descriptor bits of the entry's owner (RING_WAITFD_BIT_*,
	 * src/ring_waitfd.c). */
	RING_ATOMIC(uint64_t) op[5];
};

/*
 * ---- Message and byte-stream rings (RING_KIND_MSG, RING_KIND_BYTES) ----
 * Owned by src/ring_msg.c and src/ring_bytes.c.
 *
 * Both kinds keep a data area of hdr.slots bytes (a power of two) at
 * RING_DATA_OFFSET; hdr.stride is 1. prod.tail and cons.head are free-running
 * byte positions (the byte at position p is at offset p & (slots - 1));
 * tail - head is the number of bytes in use, at most slots; RING_CLOSED_BIT
 * in tail marks the end of the stream, as for the fixed-slot kinds.
 *
 * Byte stream: the bytes of [head, tail) are the stream; no other words.
 *
 * Message ring: hdr.elem_size is the largest message (1 .. slots/2 - 16
 * bytes, so that a largest record always fits once the ring drains). The
 * area holds records, each 16-byte aligned, never crossing the end of the
 * area: a record that would is preceded by a padding record filling the area
 * to its end. A record is a struct ring_msg_hdr and the payload; its size
 * (meta's rec field) is at least RING_MSG_REC(len) and may be more (a
 * reservation committed shorter). Record types:
 *   RING_MSG_T_DATA  a message of len bytes
 *   RING_MSG_T_PAD   filler up to the end of the area (len 0)
 *   RING_MSG_T_SKIP  a reservation given up (aborted, or its producer died
 *                    and was repaired); consumers step over it
 * A record at position p is committed once its commit word holds
 * RING_MSG_TAG(key, p) (key = hdr.create_id); meta is written before, with
 * the payload, and read only after the commit word (release/acquire). A
 * producer of a many-producer ring (RING_F_MSG_MP) that reserved p stores
 * RING_MSG_BUSY(key, p) there first. The tag is the position mixed with the
 * ring's random key: a word left from an earlier lap or payload bytes at p
 * match it only by a 1 in 2^63 chance, so a consumer never takes an
 * unfinished record for a committed one, and takes a data record by its
 * commit word without reading the tail. One producer stores the tail after
 * the commit words of the records it passes, so head may be one record
 * past tail (an empty ring) until it does; below the tail, a wrong tag
 * is corruption there (many producers: not committed yet).
 *
 * Participant words (struct ring_part) of a many-producer message ring: a
 * producer stores intent = the tail it is about to claim from and
 * intent_cnt = the bytes it claims (padding included) before its claim CAS,
 * and intent_cnt = 0 after its commit. A survivor that verified its death
 * calls ring_pvt_msg_repair() (src/ring_msg.c) with those two words.
 */
#define RING_MSG_ALIGN 16u
#define RING_MSG_T_DATA 0u
#define RING_MSG_T_PAD 1u
#define RING_MSG_T_SKIP 2u
#define RING_MSG_TAG_MUL UINT64_C(0x9E3779B97F4A7C15)
#define RING_MSG_TAG(key, pos) \
	(((RING_PVT_CAST(uint64_t, pos) ^ RING_PVT_CAST(uint64_t, key)) * RING_MSG_TAG_MUL) | 1u)
#define RING_MSG_BUSY(key, pos) (RING_MSG_TAG(key, pos) ^ 1u)
/* A record the consumer is turning into a skipped one (a dead producer's). */
#define RING_MSG_REPAIRING(key, pos) (RING_MSG_TAG(key, pos) ^ 2u)
/* Bytes of a record carrying len payload bytes: header + len rounded up. */
#define RING_MSG_REC(len)                                   \
	(RING_PVT_CAST(uint64_t, sizeof(struct ring_msg_hdr)) + \
	 ((RING_PVT_CAST(uint64_t, len) + 15u) & ~UINT64_C(15)))
/* meta: len in bits 0..31, type in 32..35, record size / 16 in 36..63. */
#define RING_MSG_META(len, type, rec)                                       \
	((RING_PVT_CAST(uint64_t, len) & UINT64_C(0xffffffff)) |            \
	 (RING_PVT_CAST(uint64_t, type) & 0xfu) << 32 | (RING_PVT_CAST(uint64_t, rec) >> 4) << 36)
#define RING_MSG_META_LEN(m) (RING_PVT_CAST(uint64_t, m) & UINT64_C(0xffffffff))
#define RING_MSG_META_TYPE(m) ((RING_PVT_CAST(uint64_t, m) >> 32) & 0xfu)
#define RING_MSG_META_REC(m) ((RING_PVT_CAST(uint64_t, m) >> 36) << 4)

struct ring_msg_hdr {
	RING_ATOMIC(uint64_t) commit; /* RING_MSG_TAG(key, p) once committed */
	RING_ATOMIC(uint64_t) meta;   /* RING_MSG_META(len, type, rec) */
};

struct ring_mpmc_slot {
	/* Per-slot sequence (Vyukov's, positions doubled): RING_MPMC_FREE(p),
	 * RING_MPMC_FULL(p), RING_MPMC_FREE(p + n); see RING_MPMC_FREE. */
	RING_ATOMIC(uint64_t) seq;
	/* elem_size bytes of payload follow */
};

/*
 * ---- Broadcast (RING_KIND_BCAST: ring_bcast_pvt.h, src/ring_bcast.c) ----
 *
 * One producer, any number of consumers; every consumer reads every element
 * from the position at which it joined, at its own pace. Count rule only:
 * positions are free-running 64-bit counts and all n slots hold data.
 * Flags: RING_F_BLOCKING, RING_F_BCAST_LOSSY, RING_F_BCAST_MSG (messages:
 * see the end of this block; the rest of it speaks of elements). Without RING_F_BCAST_LOSSY the
 * policy is back-pressure: the producer does not overwrite a slot that a
 * joined back-pressure consumer (op[0] below) has not read yet.
 *
 * prod.tail   positions published (the next position the producer writes),
 *             RING_CLOSED_BIT once closed. Written by the producer only.
 * producer    the role is src/ring_live.c's exclusive one: the state line's
 *             RING_STATE_PROD_OWNER word names the entry holding it.
 * cons.head   the scan hint: a joining consumer ORs in the smallest power of
 *             two above its entry's index, and the producer looks at the
 *             entries below the highest bit only (so that a table of 4096
 *             entries with a few consumers costs a few loads, not 4096).
 * slots       struct ring_bcast_slot: a sequence word, then the element
 *             rounded up to 8 bytes (stride = 8 + round8(elem_size)), copied
 *             in 8-byte atomic words so that a reader racing the producer's
 *             overwrite reads stale or new words, never undefined ones.
 *   seq = 0                 never written
 *   seq = RING_BCAST_BUSY(p)  the producer is writing position p into it
 *   seq = RING_BCAST_DONE(p)  position p is published there
 *   A reader of position p copies the element between two loads of seq and
 *   keeps it only if both read RING_BCAST_DONE(p) (a seqlock).
 *
 * Participant entries (struct ring_part): every attached handle holds one
 * (src/ring_live.c), and a consumer of either policy holds the consumer
 * role bit in its state word. A back-pressure consumer also uses:
 *   op[0]  RING_BCAST_MEMBER while it is joined (any other non-zero value
 *          counts the same), 0 when not; only entries live in ring_live.c's
 *          terms count, so the entry of a consumer freed after its verified
 *          death no longer holds the producer.
 *   cursor the consumer's next position (stored with release after reading
 *          the slots before it); RING_BCAST_JOINING while it joins, which
 *          holds the producer where it is.
 * Lossy consumers write nothing in the ring but their entry's line 0
 * (ring_live.c's words) and, on their slow path, the consumers' counters.
 *
 * Counters (RING_STAT_*). pstat is the producer's: AGAIN (back-pressure:
 * full), CLOSED (push after the end of the stream) and the wait loop's
 * words; pushes are prod.tail. cstat is shared by all consumers and written
 * on their slow path only (once per tail read, so at least once per n
 * elements delivered): AGAIN (nothing new), CLOSED (-EPIPE), CORRUPT
 * (-EUCLEAN), CONTENDED (lapped again and again: -EAGAIN after the bounded
 * retries), the wait loop's words, and the two below.
 */
/* cstat: elements consumers lost (lapped past, or found overwritten while
 * they copied them), summed over consumers. */
#define RING_STAT_BCAST_MISSED (RING_STAT_KIND_FIRST + 0u)
/* cstat: elements delivered, summed over consumers: each adds what it
 * delivered since it last did, on its slow path and when it leaves
 * (ring_stats() reports it as cons.ops). */
#define RING_STAT_BCAST_POPS (RING_STAT_KIND_FIRST + 1u)
#define RING_BCAST_BUSY(p) ((RING_PVT_CAST(uint64_t, p) << 1) | 1u)
#define RING_BCAST_DONE(p) ((RING_PVT_CAST(uint64_t, p) + 1u) << 1)
#define RING_BCAST_JOINING UINT64_MAX
#define RING_BCAST_MEMBER UINT64_C(1)

struct ring_bcast_slot {
	RING_ATOMIC(uint64_t) seq; /* RING_BCAST_BUSY(p) / RING_BCAST_DONE(p) */
	/* round8(elem_size) bytes of payload follow, as 8-byte atomic words */
};

/*
 * Broadcast messages (RING_KIND_BCAST | RING_F_BCAST_MSG; src/ring_bcast_msg.c
 * has the ordering). Geometry as a message ring's: hdr.slots data bytes (a
 * power of two, at least 64), hdr.stride 1, hdr.elem_size the largest
 * message with RING_BMSG_REC(max) <= slots / 2. The area holds the message
 * ring's records (struct ring_msg_hdr, 16-byte aligned, a padding record
 * before one that would cross the end, RING_MSG_T_SKIP for an aborted
 * reservation), committed with RING_MSG_TAG(create_id, position) and
 * published by the tail; a data record's header is followed by struct
 * ring_bmsg_ext, then the payload: RING_BMSG_REC(len) bytes.
 *
 * prod.tail         byte position published (RING_CLOSED_BIT once closed)
 * prod.bmsg_intent  the end of the bytes the producer is writing, stored
 *                   before it writes them: a reader at position c whose
 *                   copy is followed by intent - c <= slots read no byte
 *                   overwritten (a seqlock over positions); never decreases
 * prod.bmsg_seq     messages published (the sequence of the next)
 * cons.head, cursor, op[0]  as for fixed-size broadcast, in bytes: a
 *                   back-pressure consumer's cursor is the byte position it
 *                   has read up to
 * Counters: RING_STAT_BCAST_MISSED and _POPS count messages; ring_stats()
 * reports prod.ops = bmsg_seq.
 */
struct ring_bmsg_ext {
	RING_ATOMIC(uint64_t) seq;   /* the message's sequence, from 0 */
	RING_ATOMIC(uint64_t) spare; /* 0 */
};
#define RING_BMSG_REC(len) (RING_MSG_REC(len) + RING_PVT_CAST(uint64_t, sizeof(struct ring_bmsg_ext)))

/*
 * ---- Slot-sequenced SPSC (RING_KIND_SPSC, RING_RULE_SEQ) ----
 * Owned by include/shmring/ring_seq_pvt.h and src/ring_seq.c.
 *
 * n (hdr.slots) is a power of two, at least 2; all n slots hold data. Each
 * slot is struct ring_seq_slot: a sequence word, then the element (stride =
 * 8 + elem_size rounded up to 8). For the slot of free-running position p:
 *   seq = p        free: the producer of p may fill it
 *   seq = p + 1    full: the element of position p is there
 *   seq = p + n    read: free for the producer of p + n
 * (p + 1 and p + n differ because n >= 2.) The creator stores seq = i in
 * slot i. Each side keeps its position in its handle (prod_pos, cons_pos);
 * the hot path reads no index line.
 *
 * prod.tail / cons.head: each side stores its position there (relaxed, the
 * producer after its slot words, the consumer after its), once per call:
 * lazily published copies, behind the real positions by at most the
 * elements of one call in progress (or left unfinished by a process that
 * died). They serve ring_count, statistics, the progress test of the wait
 * loop and the start of a role taker's scan (src/ring_seq.c); no slot
 * access depends on them. RING_CLOSED_BIT in tail marks the end of the
 * stream as for the other rules.
 */
struct ring_seq_slot {
	RING_ATOMIC(uint64_t) seq; /* p, p + 1 or p + n: see above */
	/* round8(elem_size) bytes of payload follow */
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
RING_STATIC_ASSERT(offsetof(struct ring_hdr, max_parts) == 68, "header offsets");
RING_STATIC_ASSERT(offsetof(struct ring_hdr, part_offset) == 72, "header offsets");
RING_STATIC_ASSERT(offsetof(struct ring_hdr, create_id) == 80, "header offsets");
RING_STATIC_ASSERT(sizeof(struct ring_prod_line) == RING_LINE, "producer block size");
RING_STATIC_ASSERT(sizeof(struct ring_cons_line) == RING_LINE, "consumer block size");
RING_STATIC_ASSERT(sizeof(struct ring_wait_line) == RING_LINE, "wait block size");
RING_STATIC_ASSERT(offsetof(struct ring_shared, prod) == 1 * RING_LINE, "layout");
RING_STATIC_ASSERT(offsetof(struct ring_shared, cons) == 2 * RING_LINE, "layout");
RING_STATIC_ASSERT(offsetof(struct ring_shared, wait) == 3 * RING_LINE, "layout");
RING_STATIC_ASSERT(sizeof(struct ring_hint_line) == RING_LINE, "hint block size");
RING_STATIC_ASSERT(sizeof(struct ring_state_line) == RING_LINE, "state block size");
RING_STATIC_ASSERT(sizeof(struct ring_stat_line) == RING_LINE, "stat block size");
RING_STATIC_ASSERT(offsetof(struct ring_shared, hint) == 4 * RING_LINE, "layout");
RING_STATIC_ASSERT(offsetof(struct ring_shared, state) == 5 * RING_LINE, "layout");
RING_STATIC_ASSERT(offsetof(struct ring_shared, pstat) == 6 * RING_LINE, "layout");
RING_STATIC_ASSERT(offsetof(struct ring_shared, cstat) == 7 * RING_LINE, "layout");
RING_STATIC_ASSERT(sizeof(struct ring_part) == RING_LINE, "participant entry size");
RING_STATIC_ASSERT(offsetof(struct ring_part, intent) == 64, "participant entry layout");
RING_STATIC_ASSERT(sizeof(struct ring_shared) == RING_DATA_OFFSET, "layout");
RING_STATIC_ASSERT(sizeof(struct ring_mpmc_slot) == 8, "MPMC slot header");
RING_STATIC_ASSERT(sizeof(struct ring_bcast_slot) == 8, "broadcast slot header");
RING_STATIC_ASSERT(sizeof(struct ring_seq_slot) == 8, "slot-sequenced slot header");
RING_STATIC_ASSERT(offsetof(struct ring_part, cursor) == 80, "participant entry layout");
RING_STATIC_ASSERT(offsetof(struct ring_part, op) == 88, "participant entry layout");
RING_STATIC_ASSERT(sizeof(struct ring_msg_hdr) == RING_MSG_ALIGN, "message record header");
RING_STATIC_ASSERT(offsetof(struct ring_msg_hdr, meta) == 8, "message record header");
RING_STATIC_ASSERT(offsetof(struct ring_prod_line, bmsg_intent) == 8 &&
			   offsetof(struct ring_prod_line, bmsg_seq) == 16,
		   "producer block layout");
RING_STATIC_ASSERT(sizeof(struct ring_bmsg_ext) == RING_MSG_ALIGN, "broadcast message record");

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_LAYOUT_H */
