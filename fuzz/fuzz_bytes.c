/* SPDX-License-Identifier: MIT */
/*
 * Byte-stream rings: operations against a model, and a hostile peer.
 *
 * A byte stream (input-chosen size, blocking or not) in a region ending at
 * a guard page; a writer and a reader handle run writes, reads, spans
 * (reserve/commit, peek/release), timed calls with past deadlines and
 * closes against a model (the bytes in flight). Untouched, every result must
 * match the model exactly: partial writes take exactly the free room
 * (capped at what a span or the ring allows), reads return exactly what is
 * there up to the buffer, bytes in order. After the input rewrites the
 * tail, the head or data bytes, results must still be documented codes,
 * counts at most what was asked, spans inside the data area, and no access
 * outside the buffers or the region.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <shmring/shmring.h>

#include "fuzz_input.h"
#include "fuzz_region.h"

#define MAX_OPS 1024

static unsigned char byte_at(uint64_t pos)
{
	return (unsigned char)(pos * 151u + (pos >> 9));
}

static int known(ssize_t rc)
{
	return rc == -EAGAIN || rc == -EPIPE || rc == -EUCLEAN || rc == -ETIMEDOUT ||
	       rc == -EALREADY || rc == -EINVAL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	struct fuzz_region g;
	struct ring_params p;
	struct ring w, rd;
	ssize_t msize;
	uint64_t n, wpos = 0, rpos = 0;
	int ops, blocking, tainted = 0, closed = 0, reserved = 0, peeked = 0;
	size_t res_len = 0, peek_len = 0;
	struct timespec past = {0, 0};

	fi_init(&in, data, size);
	memset(&p, 0, sizeof(p));
	p.kind = RING_KIND_BYTES;
	p.rule = RING_RULE_COUNT;
	n = UINT64_C(1) << fi_range(&in, 0, 12);
	p.slots = n;
	p.elem_size = 1;
	blocking = fi_bool(&in);
	p.flags = blocking ? RING_F_BLOCKING : 0;
	msize = ring_memsize(&p);
	FUZZ_CHECK(msize > 0);
	fuzz_region_get(&g, (size_t)msize);
	FUZZ_CHECK(ring_init_mem(&w, g.mem, g.len, &p) == 0);
	FUZZ_CHECK(ring_attach_mem(&rd, g.mem, g.len, RING_KIND_BYTES) == 0);

	for (ops = 0; ops < MAX_OPS && fi_left(&in) > 0; ops++) {
		unsigned op = (unsigned)fi_range(&in, 0, 8);
		size_t len = (size_t)fi_range(&in, 0, 2 * n + 3), k;
		unsigned char *buf = malloc(len ? len : 1);
		uint64_t used = wpos - rpos;
		ssize_t rc;
		void *ptr = NULL;

		FUZZ_CHECK(buf != NULL);
		switch (op) {
		case 0: /* write */
		case 1:
			for (k = 0; k < len; k++)
				buf[k] = byte_at(wpos + k);
			rc = op == 0 || !blocking ? ring_bytes_write(&w, buf, len)
						  : ring_bytes_write_wait(&w, buf, len, &past);
			FUZZ_CHECK((rc >= 0 && (size_t)rc <= len) || known(rc));
			if (!tainted) {
				size_t want = len < n - used ? len : (size_t)(n - used);

				if (reserved) {
					/* A write under a held span is the caller's
					 * fault; the model stops predicting. */
					tainted = 1;
				} else if (closed) {
					FUZZ_CHECK(rc == (len ? -EPIPE : 0));
				} else if (len == 0) {
					FUZZ_CHECK(rc == 0);
				} else if (want == 0) {
					FUZZ_CHECK(rc == (op == 0 || !blocking ? -EAGAIN : -ETIMEDOUT));
				} else {
					FUZZ_CHECK(rc == (ssize_t)want);
				}
				if (rc > 0)
					wpos += (uint64_t)rc;
			}
			break;
		case 2: /* read */
		case 3:
			rc = op == 2 || !blocking ? ring_bytes_read(&rd, buf, len)
						  : ring_bytes_read_wait(&rd, buf, len, &past);
			FUZZ_CHECK((rc >= 0 && (size_t)rc <= len) || known(rc));
			if (!tainted) {
				size_t want = len < used ? len : (size_t)used;

				if (peeked) {
					tainted = 1;
				} else if (len == 0) {
					FUZZ_CHECK(rc == 0);
				} else if (want == 0) {
					FUZZ_CHECK(rc == (closed ? -EPIPE
							  : op == 2 || !blocking ? -EAGAIN : -ETIMEDOUT));
				} else {
					FUZZ_CHECK(rc == (ssize_t)want);
					for (k = 0; k < want; k++)
						FUZZ_CHECK(buf[k] == byte_at(rpos + k));
					rpos += want;
				}
			}
			break;
		case 4: /* reserve a span / commit it */
			if (!reserved) {
				rc = len == 0 ? -EINVAL : ring_span_reserve(&w, len, &ptr);
				FUZZ_CHECK((rc >= 1 && (size_t)rc <= len) || known(rc));
				if (rc > 0) {
					unsigned char *c = (unsigned char *)ptr;

					FUZZ_CHECK(c >= w.slots && c + rc <= w.slots + n);
					for (k = 0; k < (size_t)rc; k++)
						c[k] = byte_at(wpos + k);
					reserved = 1;
					res_len = (size_t)rc;
				}
				if (!tainted && len > 0) {
					uint64_t contig = n - (wpos & (n - 1)), fr = n - used;
					uint64_t want = len < fr ? len : fr;

					want = want < contig ? want : contig;
					if (closed)
						FUZZ_CHECK(rc == -EPIPE);
					else
						FUZZ_CHECK(want ? rc == (ssize_t)want : rc == -EAGAIN);
				}
			} else {
				size_t c = (size_t)fi_range(&in, 0, res_len + 1);

				rc = ring_span_commit(&w, c);
				if (c > res_len) {
					FUZZ_CHECK(rc == -EINVAL);
					break;
				}
				FUZZ_CHECK(rc == 0 || rc == -EPIPE || rc == -EUCLEAN);
				reserved = 0;
				if (!tainted) {
					FUZZ_CHECK(rc == (closed && c ? -EPIPE : 0));
					if (rc == 0)
						wpos += c;
				}
			}
			break;
		case 5: /* peek a span / release it */
			if (!peeked) {
				rc = len == 0 ? -EINVAL : ring_span_peek(&rd, len, &ptr);
				FUZZ_CHECK((rc >= 1 && (size_t)rc <= len) || known(rc));
				if (rc > 0) {
					const unsigned char *c = (const unsigned char *)ptr;

					FUZZ_CHECK(c >= rd.slots && c + rc <= rd.slots + n);
					peeked = 1;
					peek_len = (size_t)rc;
					if (!tainted)
						for (k = 0; k < peek_len; k++)
							FUZZ_CHECK(c[k] == byte_at(rpos + k));
				}
				if (!tainted && len > 0) {
					uint64_t contig = n - (rpos & (n - 1));
					uint64_t want = len < used ? len : used;

					want = want < contig ? want : contig;
					FUZZ_CHECK(want ? rc == (ssize_t)want : rc == (closed ? -EPIPE : -EAGAIN));
				}
			} else {
				size_t c = (size_t)fi_range(&in, 0, peek_len + 1);

				rc = ring_span_release(&rd, c);
				if (c > peek_len) {
					FUZZ_CHECK(rc == -EINVAL);
					break;
				}
				/* -EUCLEAN: a read under the peek moved the index. */
				FUZZ_CHECK(rc == 0 || (tainted && c > 0 && rc == -EUCLEAN));
				peeked = 0;
				if (!tainted)
					rpos += c;
			}
			break;
		case 6:
			rc = ring_count(&rd);
			FUZZ_CHECK((rc >= 0 && (uint64_t)rc <= n) || rc == -EUCLEAN);
			if (!tainted)
				FUZZ_CHECK(rc == (ssize_t)used);
			break;
		case 7:
			if (fi_range(&in, 0, 7) == 0) {
				FUZZ_CHECK(ring_close_write(&w) == 0);
				closed = 1;
			}
			break;
		default: {
			struct ring_shared *s = (struct ring_shared *)(void *)g.mem;
			uint64_t v;

			switch (fi_range(&in, 0, 2)) {
			case 0:
				v = ring_pvt_load(&s->prod.tail, relaxed);
				ring_pvt_store(&s->prod.tail, fi_bool(&in) ? v + fi_range(&in, 0, 2 * n) - n : fi_u64(&in),
					       relaxed);
				break;
			case 1:
				v = ring_pvt_load(&s->cons.head, relaxed);
				ring_pvt_store(&s->cons.head, fi_bool(&in) ? v + fi_range(&in, 0, 2 * n) - n : fi_u64(&in),
					       relaxed);
				break;
			default:
				fi_bytes(&in, g.mem + RING_DATA_OFFSET + fi_range(&in, 0, n - 1), 1);
				break;
			}
			tainted = 1;
			break;
		}
		}
		free(buf);
	}
	ring_close(&w);
	ring_close(&rd);
	fuzz_region_put(&g);
	return 0;
}
