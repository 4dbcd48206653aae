/* SPDX-License-Identifier: MIT */
/*
 * shmring: lock-free SPSC and MPMC rings in shared memory.
 *
 * A ring is a region (a named POSIX shm object, anonymous shared memory
 * inherited across fork, a sealed memfd, or memory the caller provides) laid
 * out as in <shmring/ring_layout.h>. Each process attaches its own handle,
 * struct ring, which holds everything process-local: the mapping, validated
 * copies of the geometry and the cached copy of the other side's index.
 *
 * Results: 0 or a count on success, a negative errno on failure;
 * ring_strerror() describes every code. Codes shared by every call:
 *   -EINVAL     an argument is invalid (zero count, unknown flag; a zeroed
 *               or closed handle; a NULL handle for the out-of-line calls —
 *               the inline push/pop calls need a non-NULL handle)
 *   -EAGAIN     full (push) / empty (pop): nothing was moved
 *   -EBUSY      MPMC only: the call lost RING_PVT_RETRIES races with other
 *               processes (or kept finding its position stale) and gave up
 *               rather than spin on their progress; the ring may be neither
 *               full nor empty. Nothing was moved: retry. The blocking calls
 *               never return it (they retry).
 *   -EPIPE      push: the ring was closed with ring_close_write();
 *               pop: closed and drained (end of stream)
 *   -EUCLEAN    the shared indices are inconsistent (a corrupt or hostile
 *               peer); nothing was moved
 *   -EADDRINUSE a first push/pop: the SPSC role is held by a live process
 *   -EUSERS     a first push/pop after fork: participant table full
 *   -ESTALE     the ring was replaced by a newer ring of its name (reported
 *               instead of -EAGAIN)
 *   -ECONNRESET waits only: every peer is verified dead (ring_live.h)
 *
 * Who may run concurrently with whom, on one ring:
 *
 *                     | push          | pop           | count/free   | close_write
 *   ------------------+---------------+---------------+--------------+------------
 *   push (SPSC)       | no: 1 producer| yes           | yes          | same thread
 *   push (MPMC)       | yes           | yes           | yes          | yes
 *   pop (SPSC)        | yes           | no: 1 consumer| yes          | yes
 *   pop (MPMC)        | yes           | yes           | yes          | yes
 *
 * "push" covers ring_push, _bulk, _burst and the blocking variants; likewise
 * "pop". One struct ring may be used by one thread at a time; a thread or
 * process that pushes and another that pops should each have their own handle
 * (ring_open, ring_attach_mem). Sharing one between a pushing and a popping
 * thread is correct only once it holds both roles before the threads start
 * (ring_join(r, RING_ROLE_PRODUCER | RING_ROLE_CONSUMER)): a role's first
 * taking writes fields of the handle that the other direction reads. This
 * holds for SPSC rings only: an MPMC (or many-producer message) handle records
 * its claims in one participant entry, which a dead peer's repair reads, so
 * a pushing and a popping thread must each have their own handle there.
 * After fork() the child may use the handle it inherited once it calls
 * ring_join() (it takes an entry of its own; until then it acts under its
 * parent's).
 *
 * SPSC handles keep their own index (the producer its tail, the consumer its
 * head) and a cached copy of the other side's. The producer (consumer) role
 * may move to another handle only through a fresh attach (ring_open,
 * ring_attach_mem, ring_open_fd) made after the previous holder stopped: a
 * handle attached earlier would write from its own stale position. A fresh
 * handle reads both indices from shared memory on its first call. SPSC
 * ring_close_write() belongs to the producer's handle (or to any handle once
 * the producer has stopped): a producer still pushing through another
 * handle stores its tail without the closed bit and may erase it.
 *
 * Roles (<shmring/ring_live.h>): every attached handle is a participant of
 * the ring; its first push takes the producer role, its first pop the
 * consumer role (or ring_attach/ring_join take them up front). On SPSC rings
 * a role held by a live process is refused to other processes (-EADDRINUSE)
 * and taken over once its holder is verified dead, the new holder starting
 * from the shared indices; between handles of one process it moves to the
 * newest (the rule above about fresh handles still applies there).
 */
#ifndef SHMRING_RING_H
#define SHMRING_RING_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "ring_layout.h"

#if defined(SHMRING_STATIC_DEFINE)
#define RING_API
#elif defined(SHMRING_BUILDING)
#define RING_API __attribute__((visibility("default")))
#else
#define RING_API
#endif

/*
 * The public calls defined in the headers: the inline fast path (ring_push,
 * ring_pop, bulk, burst) and the small queries. src/ring_ffi.c defines
 * SHMRING_FFI_DEFINE before including the headers, which compiles each of
 * them once more as an exported function of libshmring-ffi.so, for callers
 * that cannot compile C headers (Python ctypes/cffi, Rust, Go, Java...).
 * Every new public inline call uses RING_INLINE (and gets a line in
 * src/shmring-ffi.map); internal inline helpers keep RING_PVT_INLINE.
 */
#ifdef SHMRING_FFI_DEFINE
#define RING_INLINE RING_API
#else
#define RING_INLINE RING_PVT_INLINE
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Largest element a ring accepts, in bytes. */
#define RING_ELEM_MAX (UINT32_C(1) << 30)
/* Longest name accepted by ring_create/ring_open, '/' included. */
#define RING_NAME_MAX 255

/* What a ring is made of; pass to ring_create*, ring_init_mem, ring_memsize. */
struct ring_params {
	uint32_t kind;      /* RING_KIND_SPSC, _MPMC, _MSG (ring_msg.h) or _BYTES */
	uint32_t rule;      /* RING_RULE_N1 (SPSC only), RING_RULE_COUNT, or
			     * RING_RULE_SEQ (SPSC only; see below) */
	uint64_t slots;     /* n: slots in the ring (n-1 rule: holds n-1);
			     * message and byte rings: data bytes, a power of two */
	uint64_t elem_size; /* bytes per element, 1..RING_ELEM_MAX; message
			     * rings: the largest message; byte rings: 1 */
	uint32_t flags;     /* RING_F_* */
	uint32_t mode;      /* named rings: permission bits; 0 means 0600 */
	uint32_t max_parts; /* participant table entries, 1..RING_PARTS_MAX; 0 means
			     * RING_PARTS_DEFAULT */
	uint32_t reserved;  /* 0 */
};

/* Broadcast handles (ring_bcast.h): the role taken and the positions. The
 * handle's prod_cache is the producer's limit (the position at which it must
 * look at the consumers' cursors again), cons_cache a consumer's copy of the
 * tail. */
struct ring_pvt_bcast {
	uint64_t ppos;     /* producer: next position to write */
	uint64_t cpos;     /* consumer: next position to read */
	uint64_t missed;   /* consumer: elements lost since it joined */
	uint64_t pending;  /* consumer: lost and not yet reported by a pop */
	uint64_t counted;  /* consumer: position up to which its pops and losses
			    * are on the cstat line (RING_STAT_BCAST_*) */
	struct ring_part *entry; /* consumer: its participant entry (back-pressure) */
	uint32_t role;     /* RING_PVT_BCAST_* */
	int32_t owner;     /* pid that took the role (roles do not survive fork) */
	uint32_t hold;     /* producer: 1 + the entry that held it at the last scan (0: none) */
	uint8_t pad[4];
};

/*
 * A process's handle on a ring. Fields are internal; they are visible only so
 * that the fast path can be inlined. Zero-initialise or leave it to the
 * constructors; ring_close() returns it to the closed state.
 */
struct ring {
	/* Read-only after attach: validated copies of the geometry. */
	unsigned char *slots;     /* first slot, inside the mapping */
	struct ring_shared *shm;  /* the mapping's start */
	uint64_t n;               /* slots */
	uint64_t mask;            /* n - 1 when n is a power of two, else 0 */
	uint64_t cap;             /* elements a user can store */
	uint32_t esz;             /* element size */
	uint32_t stride;          /* slot size */
	uint32_t mode;            /* RING_PVT_MODE_* of pushes: kind, rule and mask in one */
	uint32_t cmode;           /* the same for pops (each side takes its role on
				   * its first call, through RING_PVT_MODE_JOIN) */
	uint32_t flags;
	uint16_t kind;
	uint16_t rule;
	/* Lifecycle. */
	void *map;
	size_t map_len;
	int fd;
	uint32_t own;             /* RING_PVT_OWN_*: what ring_close releases */
	struct ring_part *parts;  /* the participant table, inside the mapping */
	struct ring_part *part;   /* this handle's entry in it, or NULL */
	uint64_t create_id;       /* the ring's ring_hdr.create_id at attach */
	uint32_t max_parts;       /* entries in the table */
	uint32_t part_idx;        /* index of part */
	uint16_t roles;           /* RING_ROLE_* held through part */
	uint16_t live;            /* RING_PVT_LIVE_*: how the handle attached */
	uint32_t part_gen;        /* generation of part when this handle took it */
	/* Producer-private (SPSC): the producer position up to which a push
	 * needs no refresh, from the consumer index as last read. Count rule:
	 * that index + capacity (full as far as this producer knows). n-1
	 * rule: ring_pvt_n1_plimit (full, or the wrap). 0 before the first
	 * push (ring_pvt_spsc_forget) and, n-1 rule, after a wrap. */
	uint64_t prod_cache;
	/* The producer's own index (tail without the closed bit), kept here so
	 * that a push never loads the line the consumer polls. Only the
	 * producer writes tail, so this copy is exact while one handle holds
	 * the role. RING_PVT_POS_UNKNOWN after attach and after
	 * ring_close_write(): the next push takes its slow path, which reads
	 * tail from shared memory (and there sees the closed bit). */
	uint64_t prod_pos;
	/* Producer's slow path (src/ring_live.c): the MPMC position this
	 * handle last found blocked by a claimant, and when a repair of it is
	 * next due (CLOCK_MONOTONIC ns). */
	uint64_t prod_stuck_pos;
	uint64_t prod_stuck_due;
	uint64_t prod_check_due; /* when a waiting producer next judges its peers */
	/* Producer-private zero-copy state (ring_msg.h, ring_span.h): the
	 * reserved position, bytes or slots claimed (0: nothing reserved) and
	 * the length asked for. */
	uint64_t zc_res_pos;
	uint64_t zc_res_cnt;
	uint64_t zc_res_len;
	/* Consumer-private (SPSC): count rule, the producer index as last
	 * read; n-1 rule, ring_pvt_n1_climit of it (empty, or the wrap), or
	 * under a FAST mode an index read that passed the inline refresh's
	 * test (>= n only if corrupt: see ring_pvt_dequeue_other). */
	uint64_t cons_cache;
	/* The consumer's own index (head); RING_PVT_POS_UNKNOWN after attach. */
	uint64_t cons_pos;
	uint64_t cons_stuck_pos; /* as prod_stuck_pos, for the consumer side */
	uint64_t cons_stuck_due;
	uint64_t cons_check_due;
	/* Consumer-private zero-copy state: the peeked position and bytes or
	 * slots (0: nothing peeked). */
	uint64_t zc_peek_pos;
	uint64_t zc_peek_cnt;
	/* Read-only after attach, here for want of room elsewhere: 1 if
	 * wakers issue F1 as a fence (no membarrier registration), see
	 * ring_common_pvt.h. */
	uint32_t wake_fence;
	/* Read-only after attach: 1 if the ring is RING_F_BLOCKING and
	 * wake_fence is 0, the one test of the inline ring_push_wait /
	 * ring_pop_wait before their inline try (ring_pvt_wait_attach). */
	uint8_t wake_light;
	uint8_t pad2[3];
	/* Read-only after attach: slot arithmetic that does not fit the first
	 * line. Its own line, so that neither side's writes share it. */
	struct ring_pvt_idx {
		uint64_t recip;   /* floor((2^64 - 1) / n): pos % n by a
				   * multiply (ring_pvt_mod) */
		uint8_t pad[56];
	} idx;
	/* Broadcast handles: see struct ring_pvt_bcast. */
	struct ring_pvt_bcast bc;
};

RING_STATIC_ASSERT(offsetof(struct ring, prod_cache) == 128, "handle layout");
RING_STATIC_ASSERT(offsetof(struct ring, prod_pos) == 136, "handle layout");
RING_STATIC_ASSERT(offsetof(struct ring, cons_cache) == 192, "handle layout");
RING_STATIC_ASSERT(offsetof(struct ring, cons_pos) == 200, "handle layout");
RING_STATIC_ASSERT(offsetof(struct ring, idx) == 256, "handle layout");

/*
 * prod_pos / cons_pos before the handle has read its index. n-1 rule: >= n,
 * which every refresh refuses. Count rule: above every position an honest
 * ring reaches (below 3 * 2^61 - capacity: over a century at 10^9 elements
 * a second), so the producer's limit test fails, and far enough from every
 * honest tail, closed bit or not, that the consumer's "tail - head - 1 <
 * capacity" test fails too. Either way the call reaches its slow path,
 * which adopts the index found in shared memory.
 */
#define RING_PVT_POS_UNKNOWN (UINT64_C(3) << 61)

/* The handle is 384 bytes: four lines for every kind, the index line
 * (idx), then the broadcast line (bc). Callers allocate it, so its size is
 * part of the ABI: it grew from 320 bytes when broadcast rings came
 * (SOVERSION 0, before any release). test/package/app/cxx_layout.h checks
 * that C and C++ agree on it. */
RING_STATIC_ASSERT(offsetof(struct ring, bc) == 320 && sizeof(struct ring_pvt_bcast) == 64 &&
			   sizeof(struct ring) == 384,
		   "handle layout");

/* Which fast path a handle takes (struct ring.mode for pushes, .cmode for
 * pops), fixed when the handle takes the role. */
#define RING_PVT_MODE_NONE 0u      /* zeroed or closed handle: -EINVAL */
/* SPSC, power-of-two n, 8-byte elements (blocking or not), either capacity
 * rule. The two rules' common push and pop are the same code: the own
 * position below the handle's cache (prod_cache, cons_cache), the slot
 * pos & mask, then the index store. Under the n-1 rule the positions stay
 * in [0, n) and the caches are the n-1 limits (ring_pvt_n1_plimit /
 * _climit, <= n - 1, unless a corrupt tail was taken: see
 * ring_pvt_dequeue_other), so that path never wraps an index; the
 * refreshes and the wrap are the rule's, out of line (ring_pvt_enqueue_other
 * / _dequeue_other test r->rule), except the consumer's inline refresh,
 * which is right for both (ring_pvt_spsc_dequeue_w). 64-byte bulk and
 * burst calls are out of line, each rule's own. One mode for both rules
 * gives the n-1 rule the first test of ring_push/ring_pop instead of the
 * third (callgrind: 53 -> 46 instructions per pair). */
#define RING_PVT_MODE_SPSC_FAST8 1u
#define RING_PVT_MODE_SPSC_MASK 2u /* SPSC, count rule, power-of-two n */
#define RING_PVT_MODE_SPSC_N1 3u   /* SPSC, n-1 rule */
#define RING_PVT_MODE_SPSC_MOD 4u  /* SPSC, count rule, other n */
#define RING_PVT_MODE_MPMC 5u
#define RING_PVT_MODE_SPSC_FAST64 6u /* as FAST8, with 64-byte elements */
#define RING_PVT_MODE_SPSC_N1_8 7u   /* SPSC, n-1 rule, 8-byte elements, n not
				      * a power of two (the index is the slot) */
#define RING_PVT_MODE_SPSC_N1_64 8u  /* as N1_8, with 64-byte elements */
/* Attached without that role yet: the first push (pop) goes out of line,
 * takes the role (src/ring_live.c), sets the real mode (cmode) and carries
 * on. Costs the fast path nothing: a push reads only mode, a pop only cmode. */
#define RING_PVT_MODE_JOIN 9u
/* Slot-sequenced SPSC (RING_RULE_SEQ, ring_seq_pvt.h), not blocking (no
 * wake check): SEQ8 inline at the call site, SEQ64 in the out-of-line call
 * with the 64-byte copy as a constant; SEQ every other (blocking rings, other
 * sizes; with the wake check). Bit RING_PVT_MODE_SEQ8_BIT is SEQ8's alone (no
 * other mode may have it): ring_push/ring_pop test it with one instruction
 * after FAST8, where an equality test would be folded by gcc into the
 * comparison tree of the other modes (about five more instructions), and
 * the modes after it pay that one test and branch (callgrind: 2 Ir per
 * call). SEQ64 inline as well cost the n-1 and MPMC flavours more. */
#define RING_PVT_MODE_SEQ8_BIT 0x40u
#define RING_PVT_MODE_SEQ8 0x40u
#define RING_PVT_MODE_SEQ64 0x31u
#define RING_PVT_MODE_SEQ 0x32u
#define RING_PVT_MODE_MPMC8 0x20u    /* MPMC, 8-byte elements, power-of-two n,
				      * not blocking (MPMC is every other) */

/* struct ring.live bits. */
#define RING_PVT_LIVE_OBSERVE 0x1u /* no entry, no push/pop: inspection only */
#define RING_PVT_LIVE_DECLARED 0x2u /* roles declared: see RING_PART_DECLARED */
#define RING_PVT_MODE_MSG_SP 0x10u   /* message ring, one producer */
#define RING_PVT_MODE_MSG_MP 0x11u   /* message ring, many producers */
#define RING_PVT_MODE_BYTES 0x12u    /* byte stream */
#define RING_PVT_MODE_BCAST 0x13u    /* broadcast: ring_bcast.h's calls only */

/* ---- Lifecycle (src/ring_shm.c, src/ring_attach.c) ---------------------- */
/* Every constructor below leaves a non-NULL handle closed (as after
 * ring_close) when it fails, and then holds no descriptor or mapping.
 *
 * Size limits. ring_create, ring_create_memfd and ring_create_anon take every
 * page of the ring at once (so that running out fails the call, not a later
 * store with SIGBUS), and before touching any they check the size against:
 *   -ENOSPC  the free space of the filesystem holding the object (the tmpfs
 *            mounted on /dev/shm for named rings; the kernel's memfd mount
 *            has no size limit of its own, so none applies to memfds)
 *   -ENOMEM  the memory the kernel reports available (MemAvailable in
 *            /proc/meminfo), and RLIMIT_AS
 *   -EFBIG   RLIMIT_FSIZE (named and memfd rings), which the kernel would
 *            otherwise enforce with SIGXFSZ
 * A memory cgroup's limit is not checked: there the kernel's own accounting
 * decides. */

/*
 * Bytes a ring with these parameters occupies; for ring_init_mem().
 * Errors: -EINVAL (unknown kind/rule/flag, slots or elem_size 0, MPMC with
 * the n-1 rule, n-1 rule with fewer than 2 slots, elem_size > RING_ELEM_MAX,
 * mode with bits outside 0777), -EOVERFLOW (the size does not fit).
 */
RING_API ssize_t ring_memsize(const struct ring_params *p);

/*
 * Create the named ring `name` ("/name": one leading '/', no other, at most
 * RING_NAME_MAX bytes) in /dev/shm with permissions params->mode (0600 if 0;
 * as with open(2), the umask applies), reserve all of its pages (a full
 * /dev/shm fails here with -ENOSPC rather than SIGBUS later), format it and
 * attach `r`. The object gets its name only once complete (O_TMPFILE, then
 * linkat): a creator killed at any point leaves no name or a complete ring.
 * An existing object of that name is left alone, except a ring of this user
 * with no live participant (verified dead, see ring_live.h), which is
 * replaced: handles still on it get -ESTALE. The creator's handle is a
 * participant from the start, so a new ring is never "stale".
 * Errors: ring_memsize's, -EINVAL/-ENAMETOOLONG (bad name), -EEXIST (a live
 * ring, an object that is not this user's ring, or a symbolic link of that
 * name), -ENOSPC, -ENOMEM, -EFBIG (size limits above), -EACCES, -EMFILE,
 * -EUSERS. Pair with ring_close() and ring_unlink().
 */
RING_API int ring_create(struct ring *r, const char *name, const struct ring_params *p);

/*
 * Attach `r` to the existing named ring `name`, from any process. The header is
 * validated against this library's own geometry math and the object's size;
 * nothing read from the object decides an address or a mapping size.
 * `kind`: RING_KIND_ANY or the kind the caller expects.
 * Errors: -EINVAL/-ENAMETOOLONG (bad name or kind; both checked before the
 * object is looked up), -ENOENT, -EACCES, -ELOOP (the name in /dev/shm is a
 * symbolic link: refused, never followed, as with O_NOFOLLOW), -EMFILE,
 * -EAGAIN (the creator has not finished yet: retry), -EBADMSG (not a shmring
 * object: bad magic or too small), -EPROTONOSUPPORT (other layout version),
 * -EPROTO (inconsistent header), -EMSGSIZE (object size differs from the
 * header's), -EPROTOTYPE (kind differs from `kind`), -EPERM (owned by
 * another user, or writable by group or others: ring_attach's
 * RING_ATTACH_SHARED_GROUP allows a group), -EUSERS (participant table
 * full). ring_attach() also checks the element size and can create or wait.
 * Pair with ring_close().
 */
RING_API int ring_open(struct ring *r, const char *name, uint32_t kind);

/* Remove the name (like shm_unlink); attached handles keep working.
 * Errors: -EINVAL/-ENAMETOOLONG (bad name), -ENOENT, -EACCES. */
RING_API int ring_unlink(const char *name);

/*
 * Create a ring in anonymous shared memory (MAP_SHARED|MAP_ANONYMOUS): a child
 * created by fork() afterwards shares it through the handle it inherits.
 * Errors: ring_memsize's, -ENOMEM (size limits above, or mmap's).
 * Pair with ring_close() (in each process).
 */
RING_API int ring_create_anon(struct ring *r, const struct ring_params *p);

/*
 * Create a ring in a memfd sealed against shrinking and growing; ring_fd()
 * returns the descriptor to hand to another process (SCM_RIGHTS, inheritance),
 * which attaches with ring_open_fd(). `name` is only a debugging label.
 * Errors: ring_memsize's, -ENOMEM, -EFBIG (size limits above), -EMFILE.
 * Pair with ring_close().
 */
RING_API int ring_create_memfd(struct ring *r, const char *name, const struct ring_params *p);

/*
 * Attach to the ring in descriptor `fd`, which must be sealed against
 * shrinking (a memfd from ring_create_memfd, or any memfd with F_SEAL_SHRINK):
 * the descriptor may come from a process this one does not trust, and an
 * unsealed object could be shrunk under the mapping (SIGBUS on the next
 * access). Named rings are attached with ring_open. Validates as ring_open
 * does. The handle keeps its own duplicate of fd.
 * Errors: as ring_open (a bad kind is -EINVAL before fd is looked at), plus
 * -EBADF, -EPERM (not sealed against shrinking).
 */
RING_API int ring_open_fd(struct ring *r, int fd, uint32_t kind);

/* The descriptor behind a named or memfd ring, or -EBADF (anonymous or
 * caller memory). Owned by the handle: do not close it. */
RING_API int ring_fd(const struct ring *r);

/*
 * Format a ring inside `len` bytes at `mem` (8-byte aligned; 64 recommended)
 * and attach `r`. The memory stays the caller's: ring_close() does not free it.
 * Errors: ring_memsize's, -EINVAL (NULL or misaligned mem), -EMSGSIZE (len
 * smaller than ring_memsize()).
 */
RING_API int ring_init_mem(struct ring *r, void *mem, size_t len, const struct ring_params *p);

/*
 * Attach `r` to a ring that ring_init_mem (or any creator) formatted at `mem`,
 * `len` bytes mapped. Validates as ring_open does; -EINVAL for a NULL or
 * misaligned mem or a len of 0.
 */
RING_API int ring_attach_mem(struct ring *r, void *mem, size_t len, uint32_t kind);

/*
 * Detach: give the participant entry (and its roles) back, unmap and close
 * what the handle owns. The ring and its contents remain for the other
 * processes. Caller memory (ring_init_mem, ring_attach_mem) must still be
 * mapped: the entry is in it. Closing a zeroed or already closed handle, or
 * NULL, is a no-op returning 0.
 */
RING_API int ring_close(struct ring *r);

/* Text for a code returned by any shmring call (negative or positive errno). */
RING_API const char *ring_strerror(int err);

/* ---- Queries ------------------------------------------------------------ */

/*
 * Capacity rules (struct ring_params.rule), chosen at creation:
 *   RING_RULE_N1     indices in [0, n); holds n - 1 elements; any n >= 2.
 *   RING_RULE_COUNT  free-running counts; holds n elements; any n >= 1.
 *   RING_RULE_SEQ    SPSC only: a sequence word in every slot (slot stride
 *                    8 + elem_size rounded up to 8); holds exactly n
 *                    elements; n a power of two, at least 2 (else -EINVAL).
 *                    A hand-off moves the slot's cache line only: the hot
 *                    path reads no index word. The shared indices are
 *                    published once per call, so ring_count()/ring_free()
 *                    are estimates (see there). The span calls
 *                    (ring_span.h) return -EINVAL for it.
 * Elements a user can store: n-1 (n-1 rule) or n (the others).
 */
RING_INLINE size_t ring_capacity(const struct ring *r) { return RING_PVT_CAST(size_t, r->cap); }
RING_INLINE size_t ring_elem_size(const struct ring *r) { return r->esz; }
RING_INLINE uint32_t ring_kind(const struct ring *r) { return r->kind; }
RING_INLINE uint32_t ring_rule(const struct ring *r) { return r->rule; }
RING_INLINE uint32_t ring_flags(const struct ring *r) { return r->flags; }

/*
 * Elements in the ring / free slots, as a snapshot (other sides may move
 * concurrently): a pair of indices that existed at one instant. If the head
 * moves during every one of a bounded number of tries, the last pair read is
 * used: off by what moved (the n-1 rule may then report a full ring).
 * RING_RULE_SEQ: tail and head are copies each side publishes after each
 * call, so the result is off from the number of elements at one instant by
 * at most the elements of the push call and of the pop call in progress
 * (or left unfinished by a process that died), at most n each; it is
 * clamped to [0, n].
 * Broadcast rings count per handle (ring_bcast.h): a consumer's own backlog,
 * the producer's distance to its slowest joined consumer; -EINVAL on a
 * handle with no broadcast role.
 * Errors: -EUCLEAN (indices inconsistent).
 */
RING_API ssize_t ring_count(const struct ring *r);
RING_API ssize_t ring_free(const struct ring *r);

/* 1 if ring_close_write() was called, 0 if not; -EINVAL for a NULL, zeroed or
 * closed handle, as every out-of-line call (so `if (ring_is_closed(r))`
 * treats a handle that is not attached as closed). */
RING_API int ring_is_closed(const struct ring *r);

/* ---- Close (end of stream) and blocking (src/ring_wait.c) --------------- */

/*
 * Mark the end of the stream: later pushes fail with -EPIPE; consumers drain
 * what was pushed before, then get -EPIPE; every blocked producer and
 * consumer is woken. SPSC: call it from the producer (after its last push).
 * MPMC: any process may call it; a push racing with it either lands before
 * the close (and is delivered) or fails with -EPIPE. Idempotent.
 * Errors: -EINVAL (no ring).
 */
RING_API int ring_close_write(struct ring *r);

/*
 * Blocking push/pop for rings created with RING_F_BLOCKING: ring_push_wait()
 * and ring_pop_wait() (inline, below) and the variants here. `deadline` is an
 * absolute CLOCK_MONOTONIC time, or NULL to wait without limit. The call
 * tries the operation first (a ready ring costs what ring_push/ring_pop
 * cost), spins briefly (or, when its one peer last ran on this CPU, tries
 * after each of a few sched_yield() calls), then sleeps on a futex until the other side moves,
 * the deadline passes or the ring is closed; signals do not end the wait
 * early. No single sleep lasts longer than one slice: 10 ms, doubling to at
 * most 40 ms while slices run out with nothing to do (a wake-up starts again
 * at 10 ms). A process that dies between making an element (room) available
 * and waking the sleepers delays them by at most that. Each push (pop) wakes
 * at most as many sleepers as it made elements (slots) available. After
 * each sleep, dead claimants' MPMC slots are repaired and the peers are
 * judged, so a wait whose peers are all verified dead returns -ECONNRESET
 * (a consumer once the ring is drained; -EPIPE for rings created with
 * RING_F_PIPE) within about one slice of the death; a wait for a peer that
 * never attached goes on.
 * Errors: -ENOTSUP (ring created without RING_F_BLOCKING), -ETIMEDOUT
 * (deadline passed, nothing moved; never returned before it), -EPIPE, -EUCLEAN,
 * -ECONNRESET, -ESTALE, -EINVAL (bad tv_nsec, NULL buffer), or the errno of
 * an unexpected futex failure (-ENOSYS on a kernel without futexes).
 */
RING_API int ring_pvt_push_wait(struct ring *r, const void *elem, const struct timespec *deadline);
RING_API int ring_pvt_pop_wait(struct ring *r, void *elem, const struct timespec *deadline);
/* Burst variants: wait until at least one element can move, move up to n.
 * Return the count moved, or an error as above. */
RING_API ssize_t ring_push_burst_wait(struct ring *r, const void *src, size_t n,
				      const struct timespec *deadline);
RING_API ssize_t ring_pop_burst_wait(struct ring *r, void *dst, size_t n,
				     const struct timespec *deadline);
/* Relative-timeout conveniences: wait at most timeout_ns nanoseconds. */
RING_API int ring_push_timeout(struct ring *r, const void *elem, uint64_t timeout_ns);
RING_API int ring_pop_timeout(struct ring *r, void *elem, uint64_t timeout_ns);

/* Out-of-line parts of the fast path; not for direct use. */
RING_API void ring_pvt_wake(struct ring *r, int consumers, size_t n);
/* A handle's first push (role RING_ROLE_PRODUCER) or pop (consumer) after an
 * attach without roles: takes the role (src/ring_live.c) and sets the fast
 * path's mode. 0 or the error the push/pop returns. */
RING_API int ring_pvt_live_first(struct ring *r, uint32_t role);

#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
extern "C" {
#endif
/* Defined below; the inline fast path hands its rare cases to them. */
static RING_PVT_NOINLINE ssize_t ring_pvt_enqueue_other(struct ring *r, const void *src,
							size_t cnt, int burst);
static RING_PVT_NOINLINE ssize_t ring_pvt_dequeue_other(struct ring *r, void *dst, size_t cnt,
							int burst);
#ifdef __cplusplus
}
#endif

#include "ring_spsc_pvt.h"
#include "ring_seq_pvt.h"
#include "ring_mpmc_pvt.h"
#include "ring_live.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Non-blocking push/pop (inline) ------------------------------------- */

/*
 * The most common rings (SPSC, count rule, power-of-two slots, no futexes,
 * 8-byte elements: a sequence number, an offset, a pointer-sized handle; or
 * 64-byte ones, a cache line) are inlined at each call site with their rule,
 * mask and copy as constants: no call, so no registers to save. This matters
 * beyond the instruction count: a producer slower than its consumer keeps
 * the ring near empty, and every message then costs the consumer a cache-line
 * round trip on the producer's index. Every other flavour is
 * a call to one header-defined function per direction, so that its registers
 * and branches stay out of the caller's loop; inside it, each flavour is again
 * specialised by constants.
 */
/* Slot-sequenced rings: their own function, reached from the two below
 * by a tail call, so that the copy loops of their bursts
 * (ring_pvt_seq_fill / _drain) do not crowd the registers of the other
 * flavours' code in one function (callgrind: the n-1 rule's bursts paid
 * about 0.7 instructions an element for sharing it). */
static RING_PVT_NOINLINE ssize_t ring_pvt_seq_enqueue_other(struct ring *r, const void *src,
								   size_t cnt, int burst)
{
	if (r->mode == RING_PVT_MODE_SEQ8)
		return ring_pvt_seq_enqueue(r, src, cnt, burst, 8, 0);
	if (r->mode == RING_PVT_MODE_SEQ64)
		return ring_pvt_seq_enqueue(r, src, cnt, burst, 64, 0);
	return ring_pvt_seq_enqueue(r, src, cnt, burst, 0, 0);
}

static RING_PVT_NOINLINE ssize_t ring_pvt_seq_dequeue_other(struct ring *r, void *dst, size_t cnt,
								   int burst)
{
	if (r->cmode == RING_PVT_MODE_SEQ8)
		return ring_pvt_seq_dequeue(r, dst, cnt, burst, 8, 0);
	if (r->cmode == RING_PVT_MODE_SEQ64)
		return ring_pvt_seq_dequeue(r, dst, cnt, burst, 64, 0);
	return ring_pvt_seq_dequeue(r, dst, cnt, burst, 0, 0);
}

static RING_PVT_NOINLINE ssize_t ring_pvt_enqueue_other(struct ring *r, const void *src,
							       size_t cnt, int burst)
{
	switch (r->mode) {
	case RING_PVT_MODE_SPSC_FAST8: /* the FAST modes come here when full */
	case RING_PVT_MODE_SPSC_FAST64:
		if (r->rule == RING_RULE_N1) /* and to refresh or wrap */
			return ring_pvt_spsc_enqueue(r, src, cnt, burst, RING_RULE_N1, 0);
		return ring_pvt_spsc_enqueue(r, src, cnt, burst, RING_RULE_COUNT, 1);
	case RING_PVT_MODE_SPSC_MASK:
		return ring_pvt_spsc_enqueue(r, src, cnt, burst, RING_RULE_COUNT, 1);
	case RING_PVT_MODE_SPSC_N1: /* N1_* come here when full */
	case RING_PVT_MODE_SPSC_N1_8:
	case RING_PVT_MODE_SPSC_N1_64:
		return ring_pvt_spsc_enqueue(r, src, cnt, burst, RING_RULE_N1, 0);
	case RING_PVT_MODE_SPSC_MOD:
		return ring_pvt_spsc_enqueue(r, src, cnt, burst, RING_RULE_COUNT, 0);
	case RING_PVT_MODE_SEQ8: /* bursts */
	case RING_PVT_MODE_SEQ64:
	case RING_PVT_MODE_SEQ:
		return ring_pvt_seq_enqueue_other(r, src, cnt, burst);
	case RING_PVT_MODE_MPMC8: /* bursts and bulk: geometry as constants */
		return ring_pvt_mpmc_enqueue(r, src, cnt, burst, 1);
	case RING_PVT_MODE_MPMC:
		return ring_pvt_mpmc_enqueue(r, src, cnt, burst, 0);
	case RING_PVT_MODE_JOIN: {
		int rc = ring_pvt_live_first(r, RING_ROLE_PRODUCER);

		return rc < 0 ? rc : ring_pvt_enqueue_other(r, src, cnt, burst);
	}
	default:
		return -EINVAL; /* zeroed or closed handle */
	}
}

static RING_PVT_NOINLINE ssize_t ring_pvt_dequeue_other(struct ring *r, void *dst,
							       size_t cnt, int burst)
{
	switch (r->cmode) {
	case RING_PVT_MODE_SPSC_FAST8: /* the FAST modes come here when empty */
	case RING_PVT_MODE_SPSC_FAST64:
		if (r->rule == RING_RULE_N1) { /* and to refresh or wrap */
			/* Only a corrupt tail taken by the inline refresh
			 * (ring_pvt_spsc_dequeue_w) leaves a limit >= n, and
			 * cons_pos at most that: the n-1 code indexes slots
			 * by position, unmasked, so it starts with a refresh,
			 * whose range test (in < n, then spsc_consistent for
			 * a cons_pos >= n) gives -EUCLEAN. */
			if (ring_pvt_unlikely(r->cons_cache >= r->n))
				r->cons_cache = 0;
			return ring_pvt_spsc_dequeue(r, dst, cnt, burst, RING_RULE_N1, 0);
		}
		return ring_pvt_spsc_dequeue(r, dst, cnt, burst, RING_RULE_COUNT, 1);
	case RING_PVT_MODE_SPSC_MASK:
		return ring_pvt_spsc_dequeue(r, dst, cnt, burst, RING_RULE_COUNT, 1);
	case RING_PVT_MODE_SPSC_N1: /* N1_* come here when empty */
	case RING_PVT_MODE_SPSC_N1_8:
	case RING_PVT_MODE_SPSC_N1_64:
		return ring_pvt_spsc_dequeue(r, dst, cnt, burst, RING_RULE_N1, 0);
	case RING_PVT_MODE_SPSC_MOD:
		return ring_pvt_spsc_dequeue(r, dst, cnt, burst, RING_RULE_COUNT, 0);
	case RING_PVT_MODE_SEQ8:
	case RING_PVT_MODE_SEQ64:
	case RING_PVT_MODE_SEQ:
		return ring_pvt_seq_dequeue_other(r, dst, cnt, burst);
	case RING_PVT_MODE_MPMC8:
		return ring_pvt_mpmc_dequeue(r, dst, cnt, burst, 1);
	case RING_PVT_MODE_MPMC:
		return ring_pvt_mpmc_dequeue(r, dst, cnt, burst, 0);
	case RING_PVT_MODE_JOIN: {
		int rc = ring_pvt_live_first(r, RING_ROLE_CONSUMER);

		return rc < 0 ? rc : ring_pvt_dequeue_other(r, dst, cnt, burst);
	}
	default:
		return -EINVAL; /* zeroed or closed handle */
	}
}

#define RING_PVT_DISPATCH(r, field, spsc, other, ...)                             \
	(ring_pvt_likely((r)->field == RING_PVT_MODE_SPSC_FAST8)                  \
		 ? spsc(r, __VA_ARGS__, RING_RULE_COUNT, 8)                       \
		 : other(r, __VA_ARGS__))

/*
 * Copy one element (elem_size bytes) into the ring.
 * Returns 0, -EAGAIN (full), -EBUSY (MPMC: lost races, retry), -EPIPE
 * (closed), -EUCLEAN.
 */
RING_INLINE int ring_push(struct ring *r, const void *elem)
{
	ssize_t rc;

	/* Single MPMC elements are inlined too: their path hands every rare
	 * case to an out-of-line call, so it adds no register pressure. */
	uint32_t mode = r->mode;

	if (ring_pvt_likely(mode == RING_PVT_MODE_SPSC_FAST8))
		rc = ring_pvt_spsc_enqueue(r, elem, 1, 0, RING_RULE_COUNT, 8);
	else if (mode & RING_PVT_MODE_SEQ8_BIT)
		rc = ring_pvt_seq_enqueue(r, elem, 1, 0, 8, 0);
	else if (mode == RING_PVT_MODE_SPSC_N1_8)
		rc = ring_pvt_spsc_enqueue(r, elem, 1, 0, RING_RULE_N1, 8);
	else if (mode == RING_PVT_MODE_MPMC8)
		rc = ring_pvt_mpmc_push1(r, elem, 1);
	else if (mode == RING_PVT_MODE_SPSC_FAST64)
		rc = ring_pvt_spsc_enqueue(r, elem, 1, 0, RING_RULE_COUNT, 64);
	else if (mode == RING_PVT_MODE_SPSC_N1_64)
		rc = ring_pvt_spsc_enqueue(r, elem, 1, 0, RING_RULE_N1, 64);
	else
		rc = ring_pvt_enqueue_other(r, elem, 1, 0);
	return rc < 0 ? RING_PVT_CAST(int, rc) : 0;
}

/*
 * Copy the oldest element out of the ring into elem.
 * Returns 0, -EAGAIN (empty), -EBUSY (MPMC: lost races, retry), -EPIPE
 * (empty and closed), -EUCLEAN.
 */
RING_INLINE int ring_pop(struct ring *r, void *elem)
{
	ssize_t rc;

	uint32_t mode = r->cmode;

	if (ring_pvt_likely(mode == RING_PVT_MODE_SPSC_FAST8))
		rc = ring_pvt_spsc_dequeue(r, elem, 1, 0, RING_RULE_COUNT, 8);
	else if (mode & RING_PVT_MODE_SEQ8_BIT)
		rc = ring_pvt_seq_dequeue(r, elem, 1, 0, 8, 0);
	else if (mode == RING_PVT_MODE_SPSC_N1_8)
		rc = ring_pvt_spsc_dequeue(r, elem, 1, 0, RING_RULE_N1, 8);
	else if (mode == RING_PVT_MODE_MPMC8)
		rc = ring_pvt_mpmc_pop1(r, elem, 1);
	else if (mode == RING_PVT_MODE_SPSC_FAST64)
		rc = ring_pvt_spsc_dequeue(r, elem, 1, 0, RING_RULE_COUNT, 64);
	else if (mode == RING_PVT_MODE_SPSC_N1_64)
		rc = ring_pvt_spsc_dequeue(r, elem, 1, 0, RING_RULE_N1, 64);
	else
		rc = ring_pvt_dequeue_other(r, elem, 1, 0);
	return rc < 0 ? RING_PVT_CAST(int, rc) : 0;
}

/*
 * ring_push and ring_pop with the MPMC flavour tested first (mode in the
 * name, as ck_ring_enqueue_mpmc): for code that knows its ring is MPMC, on
 * the common ring (8-byte elements, power-of-two slots, not blocking) the
 * call skips the tests ring_push makes for the SPSC flavours. Any other
 * handle (other MPMC rings, SPSC, a handle still to take its role) is
 * served out of line as by ring_push: same results and errors, on any ring.
 * Returns 0, -EAGAIN, -EBUSY, -EPIPE, -EUCLEAN, -EINVAL, as ring_push / ring_pop.
 */
RING_INLINE int ring_push_mpmc(struct ring *r, const void *elem)
{
	ssize_t rc;

	if (ring_pvt_likely(r->mode == RING_PVT_MODE_MPMC8))
		rc = ring_pvt_mpmc_push1(r, elem, 1);
	else
		rc = ring_pvt_enqueue_other(r, elem, 1, 0);
	return rc < 0 ? RING_PVT_CAST(int, rc) : 0;
}

RING_INLINE int ring_pop_mpmc(struct ring *r, void *elem)
{
	ssize_t rc;

	if (ring_pvt_likely(r->cmode == RING_PVT_MODE_MPMC8))
		rc = ring_pvt_mpmc_pop1(r, elem, 1);
	else
		rc = ring_pvt_dequeue_other(r, elem, 1, 0);
	return rc < 0 ? RING_PVT_CAST(int, rc) : 0;
}

/*
 * Push all n elements (n * elem_size bytes at src) or none.
 * Returns n, -EAGAIN (fewer than n free), -EBUSY (MPMC), -EPIPE, -EUCLEAN,
 * -EINVAL (n == 0 or n > capacity: could never succeed).
 */
RING_INLINE ssize_t ring_push_bulk(struct ring *r, const void *src, size_t n)
{
	if (ring_pvt_unlikely(n - 1 >= r->cap))
		return -EINVAL;
	return RING_PVT_DISPATCH(r, mode, ring_pvt_spsc_enqueue, ring_pvt_enqueue_other, src, n, 0);
}

/*
 * Pop exactly n elements into dst or none.
 * Returns n, -EAGAIN (fewer than n stored), -EBUSY (MPMC), -EPIPE (closed and
 * fewer than n remain: ring_count() says how many, ring_pop_burst() drains them), -EUCLEAN,
 * -EINVAL (n == 0 or n > capacity).
 */
RING_INLINE ssize_t ring_pop_bulk(struct ring *r, void *dst, size_t n)
{
	if (ring_pvt_unlikely(n - 1 >= r->cap))
		return -EINVAL;
	return RING_PVT_DISPATCH(r, cmode, ring_pvt_spsc_dequeue, ring_pvt_dequeue_other, dst, n, 0);
}

/*
 * Push as many of the n elements as fit, at least one.
 * Returns the count pushed (1..n), -EAGAIN (full), -EBUSY (MPMC), -EPIPE,
 * -EUCLEAN, -EINVAL (n == 0).
 */
RING_INLINE ssize_t ring_push_burst(struct ring *r, const void *src, size_t n)
{
	if (ring_pvt_unlikely(n == 0))
		return -EINVAL;
	n = n < r->cap ? n : RING_PVT_CAST(size_t, r->cap); /* the fast paths rely on n <= capacity */
	return RING_PVT_DISPATCH(r, mode, ring_pvt_spsc_enqueue, ring_pvt_enqueue_other, src, n, 1);
}

/*
 * Pop up to n elements, at least one.
 * Returns the count popped (1..n), -EAGAIN (empty), -EBUSY (MPMC), -EPIPE
 * (closed and drained), -EUCLEAN, -EINVAL (n == 0).
 */
RING_INLINE ssize_t ring_pop_burst(struct ring *r, void *dst, size_t n)
{
	if (ring_pvt_unlikely(n == 0))
		return -EINVAL;
	n = n < r->cap ? n : RING_PVT_CAST(size_t, r->cap);
	return RING_PVT_DISPATCH(r, cmode, ring_pvt_spsc_dequeue, ring_pvt_dequeue_other, dst, n, 1);
}

/* ---- Blocking push/pop (inline try, src/ring_wait.c) -------------------- */

/*
 * Push one element, waiting for room (see ring_pvt_push_wait above for the
 * semantics and errors). The first try is inline and does nothing but the
 * push: while the ring has room a call costs what ring_push() costs, plus
 * one test. (Where this process's wakers need a fence, no membarrier(2),
 * the first try is the out-of-line call's.)
 * -EBUSY (lost races) is never returned: the wait retries.
 */
RING_INLINE int ring_push_wait(struct ring *r, const void *elem,
				   const struct timespec *deadline)
{
	/* wake_light: blocking, and wakers need no fence (ring_wait.c). The
	 * rest (not blocking, wakers that fence) takes the call, whose first
	 * step is the same try. */
	if (ring_pvt_likely(r != NULL && r->wake_light && elem != NULL &&
			    (deadline == NULL || RING_PVT_CAST(unsigned long, deadline->tv_nsec) < 1000000000UL))) {
		ssize_t rc;

		if (ring_pvt_likely(r->mode == RING_PVT_MODE_SPSC_FAST8))
			rc = ring_pvt_spsc_enqueue_w(r, elem, 1, 0, RING_RULE_COUNT, 8, 1);
		else
			rc = ring_push(r, elem);
		if (ring_pvt_likely(rc != -EAGAIN && rc != -EBUSY))
			return rc < 0 ? RING_PVT_CAST(int, rc) : 0;
	}
	return ring_pvt_push_wait(r, elem, deadline);
}

/* Pop one element, waiting for one; as ring_push_wait. */
RING_INLINE int ring_pop_wait(struct ring *r, void *elem, const struct timespec *deadline)
{
	if (ring_pvt_likely(r != NULL && r->wake_light && elem != NULL &&
			    (deadline == NULL || RING_PVT_CAST(unsigned long, deadline->tv_nsec) < 1000000000UL))) {
		ssize_t rc;

		if (ring_pvt_likely(r->cmode == RING_PVT_MODE_SPSC_FAST8))
			rc = ring_pvt_spsc_dequeue_w(r, elem, 1, 0, RING_RULE_COUNT, 8, 1);
		else
			rc = ring_pop(r, elem);
		if (ring_pvt_likely(rc != -EAGAIN && rc != -EBUSY))
			return rc < 0 ? RING_PVT_CAST(int, rc) : 0;
	}
	return ring_pvt_pop_wait(r, elem, deadline);
}

#ifdef __cplusplus
}
#endif

#include "ring_stats.h"
#include "ring_bcast.h"

#endif /* SHMRING_RING_H */
