/* SPDX-License-Identifier: MIT */
/*
 * Statistics (ring_stats) and read-only introspection by name
 * (ring_inspect). The counters' words are assigned in ring_layout.h
 * (RING_STAT_*); the slow paths of each mechanism increment them.
 *
 * Two readers share the code below: a handle's mapping, read with atomic
 * loads, and a descriptor opened read-only, read with pread(2). The second
 * never maps the object: a process that shrinks the object while it is being
 * read makes pread return short (an error here), where a mapping would
 * fault. Every value read either way is shared memory, so untrusted: it is
 * read once into a local, range-checked, and used only as a number.
 */
#include "ring_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where the words come from: a mapping (shm) or a descriptor (fd). */
struct word_src {
	struct ring_shared *shm;
	int fd;
};

/* Tries at a consistent snapshot of a side's position or of the pair of
 * indices before reporting a moving one. */
#define SNAP_TRIES 16

static int read_word(const struct word_src *src, size_t off, uint64_t *v)
{
	if (src->shm != NULL) {
		/* Acquire: see read_pos for the pairs. */
		*v = ring_pvt_load((RING_ATOMIC(uint64_t) *)(void *)((unsigned char *)src->shm + off),
				   acquire);
		return 0;
	}
	if (pread(src->fd, v, sizeof(*v), (off_t)off) != (ssize_t)sizeof(*v))
		return -EIO;
	return 0;
}

static int read_line(const struct word_src *src, size_t off, uint64_t w[RING_STAT_WORDS])
{
	unsigned i;

	if (src->shm != NULL) {
		RING_ATOMIC(uint64_t) *p =
			(RING_ATOMIC(uint64_t) *)(void *)((unsigned char *)src->shm + off);

		for (i = 0; i < RING_STAT_WORDS; i++)
			w[i] = ring_pvt_load(&p[i], relaxed);
		return 0;
	}
	if (pread(src->fd, w, RING_STAT_WORDS * 8, (off_t)off) != (ssize_t)(RING_STAT_WORDS * 8))
		return -EIO;
	return 0;
}

/*
 * Elements that went through one side: its free-running index (count rule,
 * MPMC), or laps * n + index (n-1 rule). For the n-1 rule the lap word is
 * read before and after the index (see RING_STAT_LAPS and
 * ring_pvt_n1_publish_wrap): the writer stores laps+1, index (release),
 * laps+2 (release). A1s: the first acquire load that reads an even value L
 * synchronises with the release store of L, so the index read next is at
 * least the one stored at that wrap. A2s: an index stored after the next
 * wrap began is a release store program-ordered after laps+1; reading it
 * with acquire makes the second lap read return a larger value. Equal even
 * values before and after therefore bracket an index of lap L / 2. The
 * pread reader gets the same from the order of its system calls on x86-64,
 * where stores become visible in program order.
 */
static int read_pos(const struct word_src *src, size_t idx_off, size_t laps_off, int n1,
		    uint64_t n, uint64_t *idx, uint64_t *pos, uint32_t *flags)
{
	uint64_t l1 = 0, l2 = 0;
	int tries, rc;

	if (!n1) {
		rc = read_word(src, idx_off, idx);
		*pos = *idx & ~RING_CLOSED_BIT;
		return rc;
	}
	for (tries = 0; tries < SNAP_TRIES; tries++) {
		if ((rc = read_word(src, laps_off, &l1)) < 0 || (rc = read_word(src, idx_off, idx)) < 0 ||
		    (rc = read_word(src, laps_off, &l2)) < 0)
			return rc;
		if (l1 == l2 && !(l1 & 1)) {
			*pos = l1 / 2 * n + (*idx & ~RING_CLOSED_BIT);
			return 0;
		}
	}
	/* Wrapping all the time (a tiny ring), or a hostile lap word. */
	*flags |= RING_STATS_F_MOVING;
	*pos = (l2 + 1) / 2 * n + (*idx & ~RING_CLOSED_BIT);
	return 0;
}

static void side_from_words(struct ring_side_stats *s, const uint64_t w[RING_STAT_WORDS])
{
	unsigned i;

	s->again = w[RING_STAT_AGAIN];
	s->waits = w[RING_STAT_WAITS];
	s->wakes = w[RING_STAT_WAKES];
	s->repairs = w[RING_STAT_REPAIRS];
	s->skips = w[RING_STAT_SKIPS];
	s->contended = w[RING_STAT_CONTENDED];
	s->corrupt = w[RING_STAT_CORRUPT];
	s->closed = w[RING_STAT_CLOSED];
	s->timeouts = w[RING_STAT_TIMEOUTS];
	for (i = RING_STAT_KIND_FIRST; i < RING_STAT_WORDS; i++)
		s->kind[i - RING_STAT_KIND_FIRST] = w[i];
}

/* Validated geometry a reader works from. */
struct view {
	uint32_t kind, rule, flags;
	uint64_t n, cap;
};

/* The fixed-slot kinds keep element positions in tail and head; message
 * rings and byte streams keep byte positions there (ring_layout.h), so for
 * them count, capacity and ops are bytes (message rings: record bytes,
 * headers and padding included). Other kinds' families define theirs (and
 * add their case here). */
static int has_fixed_indices(uint32_t kind)
{
	return kind == RING_KIND_SPSC || kind == RING_KIND_MPMC || kind == RING_KIND_MSG ||
	       kind == RING_KIND_BYTES;
}

static int collect_stats(const struct word_src *src, const struct view *v, struct ring_stats *out)
{
	uint64_t w[RING_STAT_WORDS], idx;
	int n1 = v->rule == RING_RULE_N1, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = read_line(src, offsetof(struct ring_shared, pstat), w)) < 0)
		return rc;
	side_from_words(&out->prod, w);
	if ((rc = read_line(src, offsetof(struct ring_shared, cstat), w)) < 0)
		return rc;
	side_from_words(&out->cons, w);
	if (v->kind == RING_KIND_BCAST) {
		/* Pushes are the producer's tail; pops are counted by the
		 * consumers themselves (ring_layout.h, RING_STAT_BCAST_POPS). */
		rc = read_word(src, offsetof(struct ring_shared, prod.tail), &idx);
		out->prod.ops = idx & ~RING_CLOSED_BIT;
		/* Messages: the count published, not the byte position. */
		if (rc == 0 && (v->flags & RING_F_BCAST_MSG))
			rc = read_word(src, offsetof(struct ring_shared, prod.bmsg_seq), &out->prod.ops);
		out->cons.ops = w[RING_STAT_BCAST_POPS];
		return rc;
	}
	if (!has_fixed_indices(v->kind))
		return 0;
	rc = read_pos(src, offsetof(struct ring_shared, prod.tail),
		      offsetof(struct ring_shared, pstat.words) + 8 * RING_STAT_LAPS, n1, v->n, &idx,
		      &out->prod.ops, &out->flags);
	if (rc == 0)
		rc = read_pos(src, offsetof(struct ring_shared, cons.head),
			      offsetof(struct ring_shared, cstat.words) + 8 * RING_STAT_LAPS, n1,
			      v->n, &idx, &out->cons.ops, &out->flags);
	return rc;
}

/* tail, head and the count from one moment where possible: head read on
 * both sides of tail and equal (as ring_count does). */
static int collect_indices(const struct word_src *src, const struct view *v, uint64_t *tail,
			   uint64_t *head, int64_t *count)
{
	uint64_t h1, h2, t, used;
	int tries, rc;

	for (tries = 0; tries < SNAP_TRIES; tries++) {
		if ((rc = read_word(src, offsetof(struct ring_shared, cons.head), &h1)) < 0 ||
		    (rc = read_word(src, offsetof(struct ring_shared, prod.tail), &t)) < 0 ||
		    (rc = read_word(src, offsetof(struct ring_shared, cons.head), &h2)) < 0)
			return rc;
		if (h1 == h2)
			break;
	}
	*tail = t;
	*head = h2;
	t &= ~RING_CLOSED_BIT;
	if (v->rule == RING_RULE_N1) {
		if (t >= v->n || h2 >= v->n) {
			*count = -EUCLEAN;
			return 0;
		}
		used = t >= h2 ? t - h2 : t + v->n - h2;
	} else {
		used = t - h2;
	}
	if (used <= v->cap)
		*count = (int64_t)used;
	else if (h1 != h2 && (int64_t)used < 0)
		*count = 0; /* head moved past the tail read: drained meanwhile */
	else if (v->kind == RING_KIND_MSG && !(v->flags & RING_F_MSG_MP) && (int64_t)used < 0 &&
		 0 - used <= v->n)
		*count = 0; /* one producer: the consumer is a record past the tail (ring_msg.c) */
	else
		*count = -EUCLEAN;
	return 0;
}

int ring_stats(const struct ring *r, struct ring_stats *out)
{
	struct word_src src;
	struct view v;

	if (r == NULL || r->shm == NULL || out == NULL)
		return -EINVAL;
	src.shm = r->shm;
	src.fd = -1;
	v.kind = r->kind;
	v.rule = r->rule;
	v.flags = r->flags;
	v.n = r->n;
	v.cap = r->cap;
	return collect_stats(&src, &v, out);
}

/* The header checks of ring_pvt_attach(), on a copy read with pread. */
static int check_header(struct ring_inspect_info *out, int fd, uint64_t size, struct view *v)
{
	struct ring_hdr c;
	struct ring_geom g;
	uint32_t ready;

	if (size == 0)
		return -EAGAIN;
	if (size < sizeof(struct ring_shared))
		return -EBADMSG;
	/* The ready word first, then the header: the creator stores ready
	 * last (R0), so a header read after it is complete (system calls in
	 * order, as for read_pos). */
	if (pread(fd, &ready, sizeof(ready), (off_t)offsetof(struct ring_hdr, ready)) !=
		    (ssize_t)sizeof(ready) ||
	    pread(fd, &c, sizeof(c), 0) != (ssize_t)sizeof(c))
		return -EIO;
	if (c.magic != RING_MAGIC)
		return c.magic == 0 && ready == 0 ? -EAGAIN : -EBADMSG;
	out->have |= RING_INSPECT_HDR;
	out->version = c.version;
	out->kind = c.kind;
	out->rule = c.rule;
	out->flags = c.flags;
	out->slots = c.slots;
	out->elem_size = c.elem_size;
	out->stride = c.stride;
	out->total_size = c.total_size;
	out->part_offset = c.part_offset;
	out->create_id = c.create_id;
	out->max_parts = c.max_parts;
	if (ready != RING_READY)
		return ready == 0 ? -EAGAIN : -EBADMSG;
	if (c.version != RING_LAYOUT_VERSION)
		return -EPROTONOSUPPORT;
	if (ring_pvt_geometry(c.kind, c.rule, c.slots, c.elem_size, c.flags, c.max_parts, &g) < 0)
		return -EPROTO;
	if (c.stride != g.stride || c.data_offset != RING_DATA_OFFSET || c.total_size != g.total ||
	    c.part_offset != g.part_offset)
		return -EPROTO;
	if (size != g.total)
		return -EMSGSIZE;
	v->kind = c.kind;
	v->rule = c.rule;
	v->flags = c.flags;
	v->n = c.slots;
	v->cap = g.cap;
	out->capacity = g.cap;
	return 0;
}

/*
 * The participant table, copied with pread and judged (ring_live.c). The
 * header was validated: max_parts is 1..RING_PARTS_MAX and part_offset is
 * what the geometry gives; the table's end is checked against the object's
 * size again here, so a short read (the object shrank meanwhile) is an
 * error, never a read past what was allocated.
 */
static ssize_t read_parts(int fd, const struct ring_inspect_info *hdr, struct ring_part_info *parts,
			  size_t max, struct ring_pvt_part_sum *sum)
{
	uint32_t n = hdr->max_parts;
	uint64_t off = hdr->part_offset, len;
	struct ring_part *tab;
	ssize_t rc;

	if (n == 0 || n > RING_PARTS_MAX || off > hdr->file_size)
		return -EPROTO;
	len = (uint64_t)n * sizeof(struct ring_part);
	if (len > hdr->file_size - off)
		return -EMSGSIZE;
	tab = (struct ring_part *)malloc((size_t)len);
	if (tab == NULL)
		return -ENOMEM;
	if (pread(fd, tab, (size_t)len, (off_t)off) != (ssize_t)len) {
		free(tab);
		return -EIO;
	}
	rc = ring_pvt_live_list(tab, n, NULL, parts, max, sum);
	free(tab);
	return rc;
}

static int inspect_fd(int fd, struct ring_inspect_info *out, struct ring_part_info *parts,
		      size_t max, ssize_t *nparts)
{
	struct ring_pvt_part_sum sum;
	struct word_src src;
	struct view v;
	struct stat st;
	int rc;

	if (fstat(fd, &st) < 0)
		return -errno;
	out->have |= RING_INSPECT_OBJECT;
	out->file_size = (uint64_t)st.st_size;
	out->uid = (uint32_t)st.st_uid;
	out->mode = (uint32_t)st.st_mode & 07777u;
	if (!S_ISREG(st.st_mode))
		return -EBADMSG;
	rc = check_header(out, fd, (uint64_t)st.st_size, &v);
	if (rc < 0)
		return rc;
	src.shm = NULL;
	src.fd = fd;
	if (has_fixed_indices(v.kind)) {
		rc = collect_indices(&src, &v, &out->tail, &out->head, &out->count);
		if (rc < 0)
			return rc;
		out->closed = (out->tail & RING_CLOSED_BIT) != 0;
		out->have |= RING_INSPECT_INDICES;
	}
	rc = collect_stats(&src, &v, &out->stats);
	if (rc < 0)
		return rc;
	out->have |= RING_INSPECT_STATS;
	*nparts = read_parts(fd, out, parts, max, &sum);
	if (*nparts < 0)
		return (int)*nparts;
	out->parts_used = sum.used;
	out->parts_alive = sum.alive;
	out->parts_dead = sum.dead;
	out->live_producers = sum.live_producers;
	out->live_consumers = sum.live_consumers;
	out->have |= RING_INSPECT_PARTS;
	return 0;
}

static ssize_t inspect(const char *name, struct ring_inspect_info *out,
		       struct ring_part_info *parts, size_t max)
{
	ssize_t nparts = 0;
	int fd, rc;

	if (out == NULL || (parts == NULL && max != 0))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	rc = ring_pvt_check_name(name);
	if (rc == 0) {
		/* Read-only, and O_NONBLOCK: opening a FIFO someone put in
		 * /dev/shm must not wait for a writer. shm_open adds
		 * O_NOFOLLOW. */
		fd = shm_open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
		if (fd < 0) {
			rc = -errno;
		} else {
			rc = inspect_fd(fd, out, parts, max, &nparts);
			close(fd);
		}
	}
	out->status = rc;
	return rc < 0 ? rc : nparts;
}

int ring_inspect(const char *name, struct ring_inspect_info *out)
{
	ssize_t rc = inspect(name, out, NULL, 0);

	return rc < 0 ? (int)rc : 0;
}

ssize_t ring_inspect_parts(const char *name, struct ring_inspect_info *out,
			   struct ring_part_info *parts, size_t max)
{
	return inspect(name, out, parts, max);
}
