/* SPDX-License-Identifier: MIT */
/*
 * Byte-stream rings: write and read (the SPSC path on one-byte elements)
 * and their blocking and timed variants; waiting is ring_wait.c's one loop.
 */
#include "ring_internal.h"

#include <shmring/ring_bytes.h>

#include <errno.h>

static int is_bytes(const struct ring *r)
{
	return r != NULL && r->shm != NULL && r->kind == RING_KIND_BYTES;
}

ssize_t ring_bytes_write(struct ring *r, const void *buf, size_t len)
{
	int rc;

	if (!is_bytes(r) || (buf == NULL && len != 0))
		return -EINVAL;
	if ((rc = ring_pvt_live_join_side(r, 0)) < 0)
		return rc;
	if (len == 0)
		return 0;
	if (len > r->cap)
		len = (size_t)r->cap; /* the SPSC path takes at most a ring */
	return ring_pvt_spsc_enqueue(r, buf, len, 1, RING_RULE_COUNT, 1);
}

ssize_t ring_bytes_read(struct ring *r, void *buf, size_t len)
{
	int rc;

	if (!is_bytes(r) || (buf == NULL && len != 0))
		return -EINVAL;
	if ((rc = ring_pvt_live_join_side(r, 1)) < 0)
		return rc;
	if (len == 0)
		return 0;
	if (len > r->cap)
		len = (size_t)r->cap;
	return ring_pvt_spsc_dequeue(r, buf, len, 1, RING_RULE_COUNT, 1);
}

struct bytes_op {
	unsigned char *buf;
	size_t len;
	size_t done; /* write_wait: bytes written so far */
};

/* Write what fits; -EAGAIN (keep waiting) until all of it is written. */
static ssize_t try_write_all(struct ring *r, void *ctx)
{
	struct bytes_op *o = (struct bytes_op *)ctx;

	for (;;) {
		ssize_t k = ring_bytes_write(r, o->buf + o->done, o->len - o->done);

		if (k < 0)
			return k;
		o->done += (size_t)k;
		if (o->done == o->len)
			return (ssize_t)o->done;
	}
}

static ssize_t try_read(struct ring *r, void *ctx)
{
	const struct bytes_op *o = (const struct bytes_op *)ctx;

	return ring_bytes_read(r, o->buf, o->len);
}

ssize_t ring_bytes_write_wait(struct ring *r, const void *buf, size_t len,
			      const struct timespec *deadline)
{
	struct bytes_op o;
	ssize_t rc;

	if (!is_bytes(r) || (buf == NULL && len != 0))
		return -EINVAL;
	if (len == 0)
		return 0;
	o.buf = (unsigned char *)(uintptr_t)buf;
	o.len = len;
	o.done = 0;
	rc = ring_pvt_wait_until(r, 0, try_write_all, &o, deadline);
	/* A partial write is a success, as for write(2); the error (deadline,
	 * close) comes with the next call. */
	return o.done > 0 ? (ssize_t)o.done : rc;
}

ssize_t ring_bytes_read_wait(struct ring *r, void *buf, size_t len,
			     const struct timespec *deadline)
{
	struct bytes_op o;

	if (!is_bytes(r) || (buf == NULL && len != 0))
		return -EINVAL;
	if (len == 0)
		return 0;
	o.buf = (unsigned char *)buf;
	o.len = len;
	o.done = 0;
	return ring_pvt_wait_until(r, 1, try_read, &o, deadline);
}

ssize_t ring_bytes_write_timeout(struct ring *r, const void *buf, size_t len, uint64_t timeout_ns)
{
	struct timespec d;
	int rc = ring_pvt_deadline_after(timeout_ns, &d);

	return rc < 0 ? rc : ring_bytes_write_wait(r, buf, len, &d);
}

ssize_t ring_bytes_read_timeout(struct ring *r, void *buf, size_t len, uint64_t timeout_ns)
{
	struct timespec d;
	int rc = ring_pvt_deadline_after(timeout_ns, &d);

	return rc < 0 ? rc : ring_bytes_read_wait(r, buf, len, &d);
}
