/* SPDX-License-Identifier: MIT */
/*
 * Statistics and introspection (src/ring_stats.c).
 *
 * Every ring keeps per-side counters in shared memory (ring_layout.h,
 * RING_STAT_*): pushes and pops are derived from the positions the fast path
 * already writes, the rest are counted on the out-of-line paths only (full,
 * empty, sleeping, waking, repairs). Two ways to read them:
 *
 *   ring_stats()    through a handle this process attached;
 *   ring_inspect()  by name, read-only, without attaching: for monitoring
 *                   tools (the shmring command); ring_inspect_parts() also
 *                   lists the participants. It opens the object
 *                   O_RDONLY, copies what it needs with pread(2) (no
 *                   mapping, so a hostile process that truncates the object
 *                   cannot make the reader fault), validates every field as
 *                   ring_open() would, and never writes.
 *
 * Counters are statistics: each is a relaxed 64-bit word, exact once the
 * ring is quiet, a moment's snapshot while it moves. A hostile peer can
 * write any value into them; they are reported, never used as sizes.
 * Include <shmring/ring.h>.
 */
#ifndef SHMRING_RING_STATS_H
#define SHMRING_RING_STATS_H

#ifndef SHMRING_RING_H
#error "include <shmring/ring.h> (or <shmring/shmring.h>), not ring_stats.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* One side's counters; see the RING_STAT_* words in ring_layout.h. */
struct ring_side_stats {
	uint64_t ops;       /* producers: elements pushed; consumers: popped.
			     * MPMC: positions claimed (includes elements being
			     * written or read at that instant, and slots
			     * stepped over) */
	uint64_t again;     /* calls that found the ring full (producers) or
			     * empty (consumers): -EAGAIN */
	uint64_t waits;     /* sleeps entered (blocking calls) */
	uint64_t wakes;     /* wake-ups issued to the other side */
	uint64_t repairs;   /* repairs made for dead participants of this side */
	uint64_t skips;     /* consumers: slots stepped over, not delivered */
	uint64_t contended; /* calls that gave up after bounded lost races
			     * (-EBUSY) */
	uint64_t corrupt;   /* calls that met inconsistent indices (-EUCLEAN) */
	uint64_t closed;    /* producers: pushes refused (closed); consumers:
			     * pops at the end of the stream (-EPIPE) */
	uint64_t timeouts;  /* waits ended by their deadline (-ETIMEDOUT) */
	uint64_t kind[RING_STAT_WORDS - RING_STAT_KIND_FIRST]; /* per kind */
};

struct ring_stats {
	struct ring_side_stats prod;
	struct ring_side_stats cons;
	uint32_t flags;    /* RING_STATS_F_* */
	uint32_t reserved;
};

/* ring_stats.flags: the positions kept moving while they were read, so
 * prod.ops and cons.ops may each be a few elements (n-1 rule: up to one lap)
 * apart from any single instant. */
#define RING_STATS_F_MOVING 0x1u

/*
 * Fill *out with the ring's counters, read through the handle. Safe from any
 * process and thread, concurrently with every other call; writes nothing
 * shared. Errors: -EINVAL (NULL out, NULL, zeroed or closed handle).
 */
RING_API int ring_stats(const struct ring *r, struct ring_stats *out);

/* What ring_inspect() found. Fields not yet known are zero; `have` says
 * which groups were filled. */
struct ring_inspect_info {
	uint32_t have;        /* RING_INSPECT_* */
	int status;           /* 0, or the -errno ring_open() would return */
	/* Object (RING_INSPECT_OBJECT). */
	uint64_t file_size;
	uint32_t uid;
	uint32_t mode;        /* permission bits */
	/* Header as read (RING_INSPECT_HDR: magic matched; each field is the
	 * object's claim, checked unless status is 0). */
	uint32_t version;
	uint32_t kind;        /* RING_KIND_*; may be one this library lacks */
	uint32_t rule;
	uint32_t flags;
	uint64_t slots;
	uint64_t elem_size;
	uint64_t stride;
	uint64_t total_size;
	uint64_t part_offset;
	uint64_t create_id;
	uint32_t max_parts;
	uint32_t reserved0;
	/* Indices (RING_INSPECT_INDICES: status is 0 and the kind is one whose
	 * indices this library reads). */
	uint64_t capacity;    /* elements a user can store */
	uint64_t tail;        /* the producer index word as read (closed bit
			       * included) */
	uint64_t head;        /* the consumer index word */
	int64_t count;        /* elements stored, or -EUCLEAN (inconsistent) */
	int closed;           /* 1: ring_close_write() was called */
	int reserved1;
	/* Counters (RING_INSPECT_STATS). */
	struct ring_stats stats;
	/* Participants (RING_INSPECT_PARTS: status is 0 and the table was
	 * read), judged as ring_participants() judges them: dead means
	 * verified dead (pid gone or reused: start time differs), anything
	 * else counts as alive. */
	uint32_t parts_used;      /* entries not free */
	uint32_t parts_alive;     /* of them not verified dead (joining included) */
	uint32_t parts_dead;      /* verified dead, not yet reclaimed */
	uint32_t live_producers;  /* live entries holding the producer role */
	uint32_t live_consumers;  /* live entries holding the consumer role */
	uint32_t reserved2;
};

#define RING_INSPECT_OBJECT 0x1u  /* file_size, uid, mode */
#define RING_INSPECT_HDR 0x2u     /* the header fields */
#define RING_INSPECT_INDICES 0x4u /* capacity, tail, head, count, closed */
#define RING_INSPECT_STATS 0x8u   /* stats */
#define RING_INSPECT_PARTS 0x10u  /* parts_* and live_* */

/*
 * Read the named ring ("/name", as ring_open) without attaching to it and
 * without writing anything: opens the object read-only (O_NONBLOCK: a FIFO
 * of that name does not block the caller), copies the words it needs with
 * pread(2), validates them and fills *out as far as they allow.
 *
 * Returns 0 for a ring ring_open() would accept (out->status 0); otherwise
 * the error ring_open() would return, also stored in out->status, with
 * out->have saying what could still be read:
 *   -EINVAL/-ENAMETOOLONG (bad name or NULL out), -ENOENT, -EACCES,
 *   -EBADMSG (not a ring: not a regular file, too small, bad magic),
 *   -EAGAIN (the creator has not finished), -EPROTONOSUPPORT (other layout
 *   version), -EPROTO (inconsistent header, or a kind this library does not
 *   know: out->kind says which), -EMSGSIZE (object size differs from the
 *   header's), -EMFILE, -EIO.
 * Thread-safe; no handle is involved, so nothing is ever written to the
 * ring, its counters or its participant table.
 */
RING_API int ring_inspect(const char *name, struct ring_inspect_info *out);

/*
 * ring_inspect(), and the participant table listed into parts[] (up to max
 * entries, NULL if max is 0), from the same read-only descriptor. The table
 * is copied with pread(2) from the offset and size the header gives once
 * they are validated (part_offset and max_parts against the geometry, the
 * table's end against the object's size), and each entry of the copy gets
 * the verdict of ring_participants() (RING_PART_IS_*; self is 0). Nothing is
 * written. Returns how many entries are in use (may exceed max: call again
 * with a larger array), or ring_inspect()'s error (out->have says what was
 * read; the table is read only for a ring ring_open() would accept).
 */
RING_API ssize_t ring_inspect_parts(const char *name, struct ring_inspect_info *out,
				    struct ring_part_info *parts, size_t max);

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_STATS_H */
