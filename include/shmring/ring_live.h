/* SPDX-License-Identifier: MIT */
/*
 * shmring liveness: participants and roles, attach with options
 * (open-or-create, waiting for the creator, expected parameters), and
 * introspection. Included by <shmring/ring.h>; see src/ring_live.c for the
 * mechanism and README "What happens when a process dies" for what a dead
 * process leaves behind.
 *
 * Every handle that may push or pop is a participant: it holds an entry of
 * the ring's participant table (sized at creation, ring_params.max_parts)
 * from attach to ring_close. Roles (RING_ROLE_PRODUCER, RING_ROLE_CONSUMER,
 * ring_layout.h) are taken explicitly (ring_attach's opts.roles, ring_join)
 * or by the handle's first push (producer) or pop (consumer); a handle takes
 * a second role at its first out-of-line call in that direction. On SPSC
 * rings each role has one holder: another handle asking for it gets
 * -EADDRINUSE while the holder is alive, and takes it over once the holder
 * is verified dead, starting from the shared indices (no cached index of the
 * dead holder survives). MPMC roles are shared.
 *
 * Errors of the liveness layer (ring_strerror describes each):
 *   -EADDRINUSE  an exclusive role is held by a live participant
 *   -EUSERS      every entry of the participant table is held by a live one
 *   -ECONNRESET  a wait's peers (all producers, or all consumers) are
 *                verified dead, and (consumers) the ring is drained
 *   -EPIPE       the same for a ring created with RING_F_PIPE
 *   -ESTALE      the ring was replaced by a newer ring of the same name
 *   -EMEDIUMTYPE the ring's element size or parameters differ from what the
 *                caller expects
 *   -EPERM       a named object owned by another user, or writable by
 *                group or others (without RING_ATTACH_SHARED_GROUP)
 */
#ifndef SHMRING_RING_LIVE_H
#define SHMRING_RING_LIVE_H

#ifndef SHMRING_RING_H
#include "ring.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ring_attach_opts.flags */
#define RING_ATTACH_CREATE 0x1u       /* create from opts.params if the name does not exist */
#define RING_ATTACH_WAIT 0x2u         /* wait until opts.deadline for the name to appear */
#define RING_ATTACH_SHARED_GROUP 0x4u /* accept an object of another user of one of our
				       * groups, or group-writable (never others-writable) */
#define RING_ATTACH_OBSERVE 0x8u      /* read-only inspection: no entry, no push/pop */
#define RING_ATTACH_ALL 0xfu

struct ring_attach_opts {
	uint32_t roles;    /* RING_ROLE_*: taken at attach; 0: at the first push/pop */
	uint32_t flags;    /* RING_ATTACH_* */
	uint32_t kind;     /* RING_KIND_ANY or the kind expected (-EPROTOTYPE) */
	uint32_t reserved; /* 0 */
	uint64_t elem_size; /* 0: any; else the element size expected (-EMEDIUMTYPE) */
	/* RING_ATTACH_CREATE: the ring to create. When set, an existing ring
	 * must also match its kind, rule, slots, elem_size and flags
	 * (-EMEDIUMTYPE), whether or not CREATE is given. */
	const struct ring_params *params;
	/* RING_ATTACH_WAIT: absolute CLOCK_MONOTONIC time, NULL: no limit. */
	const struct timespec *deadline;
};

/*
 * Attach `r` to the named ring `name` with options (NULL: as ring_open with
 * RING_KIND_ANY). Validates as ring_open does, then checks the owner (the
 * object must belong to this effective uid and not be writable by group or
 * others, unless RING_ATTACH_SHARED_GROUP) and the expected parameters. With
 * RING_ATTACH_CREATE, a missing name is created (as ring_create), and a ring
 * under the name that has no live participant and other parameters is
 * replaced; a compatible one is attached, its contents kept. With
 * RING_ATTACH_WAIT, a missing name, or one whose creator is not done, is
 * retried (sleeps of at most 10 ms) until the deadline. Takes opts.roles.
 * Returns 0 (attached an existing ring) or 1 (created it), or: ring_open's
 * errors, ring_create's (CREATE), -ETIMEDOUT (WAIT), -EPERM, -EMEDIUMTYPE,
 * -EADDRINUSE, -EUSERS, -EINVAL (unknown flag, roles or reserved bits).
 * Pair with ring_close().
 */
RING_API int ring_attach(struct ring *r, const char *name, const struct ring_attach_opts *opts);

/*
 * Take roles (RING_ROLE_* bits) on an attached handle of any region type, now
 * rather than at the first push/pop. Also makes a handle inherited across
 * fork() a participant of its own (with the roles it had). Idempotent.
 * Errors: -EINVAL (closed or observing handle, unknown bits), -EADDRINUSE,
 * -EUSERS, -ESTALE.
 */
RING_API int ring_join(struct ring *r, uint32_t roles);

/* ---- Introspection -------------------------------------------------------- */

/* ring_part_info.alive */
#define RING_PART_IS_ALIVE 1u   /* not verified dead (running, stopped, slow) */
#define RING_PART_IS_DEAD 2u    /* verified dead: reclaimable */
#define RING_PART_IS_JOINING 3u /* taking the entry right now */

struct ring_part_info {
	uint32_t index;  /* entry in the table */
	uint32_t roles;  /* RING_ROLE_* */
	uint32_t alive;  /* RING_PART_IS_* */
	uint32_t self;   /* 1: this handle's own entry */
	int64_t pid;     /* as the entry records it (the joiner's, while joining) */
	uint64_t start_time; /* /proc/PID/stat field 22 at join */
	uint64_t uid;
	uint64_t since;  /* CLOCK_REALTIME seconds at join */
};

struct ring_live_info {
	uint32_t kind, rule, flags, max_parts;
	uint64_t slots, elem_size, capacity, total_size, create_id;
	uint64_t head, tail; /* shared indices as read (tail without the closed bit) */
	uint32_t closed;     /* ring_close_write() was called */
	uint32_t replaced;   /* a newer ring of this name replaced this one */
	uint64_t replaced_by; /* its create_id, if replaced */
	uint64_t producer_joins, consumer_joins; /* roles ever taken */
	uint64_t repairs;    /* MPMC slots given up on or released for the dead */
	uint64_t takeovers;  /* entries and roles taken over from the dead */
	uint32_t parts_used; /* entries not free */
	uint32_t live_producers, live_consumers; /* entries alive with each role */
	uint32_t dead;       /* entries verified dead, not yet reclaimed */
};

/*
 * Header, indices and counters of the ring and a summary of its
 * participants (judging each one's liveness: one /proc read per entry not
 * of this process). Reads only; every value comes from shared memory and is
 * a snapshot. Works on observing handles. Errors: -EINVAL.
 */
RING_API int ring_live_info(const struct ring *r, struct ring_live_info *info);

/*
 * The entries in use, up to max of them in out[]. Returns how many are in
 * use (may exceed max: call again with a larger array), or -EINVAL.
 */
RING_API ssize_t ring_participants(const struct ring *r, struct ring_part_info *out, size_t max);

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_LIVE_H */
