/* SPDX-License-Identifier: MIT */
/*
 * Byte-stream rings and zero-copy spans: partial writes and reads, the
 * stream across many laps, end of stream, the blocking write that writes
 * everything (a forked reader), spans on byte streams and on SPSC rings of
 * both rules (never wrapping, commit/release of part, misuse), parameters.
 */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include <shmring/shmring.h>

#include "common.h"
#include "cr_ring.h"
#include "msg_common.h"

static struct ring_params bytesp(uint64_t n, uint32_t flags)
{
	struct ring_params p = {RING_KIND_BYTES, RING_RULE_COUNT, n, 1, flags, 0, 0, 0};

	return p;
}

Test(bytes, params)
{
	struct ring_params p = bytesp(1024, 0);

	cr_assert_gt(ring_memsize(&p), 1024);
	p.elem_size = 2;
	cr_assert_eq(ring_memsize(&p), -EINVAL);
	p = bytesp(1000, 0);
	cr_assert_eq(ring_memsize(&p), -EINVAL);
	p = bytesp(1024, RING_F_MSG_MP);
	cr_assert_eq(ring_memsize(&p), -EINVAL);
	p = bytesp(1, 0);
	cr_assert_gt(ring_memsize(&p), 0, "one byte is a stream too");
}

Test(bytes, partial_transfers)
{
	struct ring r;
	struct ring_params p = bytesp(64, 0);
	size_t len;
	void *mem = mem_ring(&r, &p, &len);
	unsigned char in[200], out[200];

	cr_assert_eq(ring_kind(&r), RING_KIND_BYTES);
	cr_assert_eq(ring_capacity(&r), 64);
	mt_stream_fill(in, 0, 200);
	cr_assert_eq(ring_bytes_write(&r, in, 0), 0);
	cr_assert_eq(ring_bytes_write(&r, in, 200), 64, "takes what fits");
	cr_assert_eq(ring_bytes_write(&r, in, 1), -EAGAIN);
	check_count(&r, 64);
	cr_assert_eq(ring_bytes_read(&r, out, 10), 10);
	cr_assert_eq(ring_bytes_read(&r, out + 10, 200), 54, "returns what is there");
	cr_assert_eq(mt_stream_check(out, 0, 64), 64);
	cr_assert_eq(ring_bytes_read(&r, out, 1), -EAGAIN);
	ring_close(&r);
	free(mem);
}

Test(bytes, stream_over_many_laps)
{
	struct ring r;
	struct ring_params p = bytesp(256, 0);
	size_t len;
	void *mem = mem_ring(&r, &p, &len);
	unsigned char in[700], out[700];
	uint64_t w = 0, rd = 0, rs = 5;
	int i;

	for (i = 0; i < 20000; i++) {
		size_t a, b;
		ssize_t k;

		rs = rs * 6364136223846793005u + 1442695040888963407u;
		a = (size_t)(rs >> 33) % 700;
		b = (size_t)(rs >> 13) % 700;
		mt_stream_fill(in, w, a);
		k = ring_bytes_write(&r, in, a);
		cr_assert(a == 0 ? k == 0 : (k > 0 || k == -EAGAIN));
		if (k > 0)
			w += (uint64_t)k;
		k = ring_bytes_read(&r, out, b);
		cr_assert(b == 0 ? k == 0 : (k > 0 || k == -EAGAIN));
		if (k > 0) {
			cr_assert_eq(mt_stream_check(out, rd, (size_t)k), (size_t)k);
			rd += (uint64_t)k;
		}
		cr_assert_leq(w - rd, 256);
		check_count(&r, w - rd);
	}
	cr_assert_gt(rd, 100 * 256);
	ring_close(&r);
	free(mem);
}

Test(bytes, end_of_stream)
{
	struct ring r;
	struct ring_params p = bytesp(64, RING_F_BLOCKING);
	size_t len;
	void *mem = mem_ring(&r, &p, &len);
	unsigned char b[16];

	cr_assert_eq(ring_bytes_write(&r, "hello", 5), 5);
	cr_assert_eq(ring_close_write(&r), 0);
	cr_assert_eq(ring_bytes_write(&r, "x", 1), -EPIPE);
	cr_assert_eq(ring_bytes_write_wait(&r, "x", 1, NULL), -EPIPE);
	cr_assert_eq(ring_bytes_read(&r, b, 16), 5);
	cr_assert_eq(ring_bytes_read(&r, b, 16), -EPIPE);
	cr_assert_eq(ring_bytes_read_wait(&r, b, 16, NULL), -EPIPE);
	ring_close(&r);
	free(mem);
}

Test(bytes, timed)
{
	struct ring r;
	struct ring_params p = bytesp(64, RING_F_BLOCKING);
	size_t len;
	void *mem = mem_ring(&r, &p, &len);
	unsigned char b[100] = {0};

	cr_assert_eq(ring_bytes_read_timeout(&r, b, 10, 1000000), -ETIMEDOUT);
	cr_assert_eq(ring_bytes_write_timeout(&r, b, 100, 1000000), 64, "partial before the deadline");
	cr_assert_eq(ring_bytes_write_timeout(&r, b, 1, 1000), -ETIMEDOUT);
	ring_close(&r);
	free(mem);
	p = bytesp(64, 0);
	mem = mem_ring(&r, &p, &len);
	cr_assert_eq(ring_bytes_read_wait(&r, b, 10, NULL), -ENOTSUP);
	ring_close(&r);
	free(mem);
}

/* write_wait moves everything, however small the ring, with a forked reader. */
Test(bytes, blocking_write_all_across_fork)
{
	struct ring r;
	struct ring_params p = bytesp(128, RING_F_BLOCKING);
	static unsigned char big[1 << 20], out[4096];
	uint64_t rd = 0;
	pid_t pid;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		mt_stream_fill(big, 0, sizeof(big));
		CHILD_CHECK(ring_bytes_write_wait(&r, big, sizeof(big), NULL) == (ssize_t)sizeof(big));
		CHILD_CHECK(ring_close_write(&r) == 0);
		_exit(0);
	}
	for (;;) {
		ssize_t k = ring_bytes_read_wait(&r, out, sizeof(out), NULL);

		if (k == -EPIPE)
			break;
		cr_assert_gt(k, 0);
		cr_assert_eq(mt_stream_check(out, rd, (size_t)k), (size_t)k);
		rd += (uint64_t)k;
	}
	cr_assert_eq(rd, sizeof(big));
	cr_assert_eq(test_wait_child(pid), 0);
	ring_close(&r);
}

/* Spans on one ring: never wrapping, partial commit and release, misuse. */
static void spans(const struct ring_params *p)
{
	struct ring r;
	size_t len, esz = p->elem_size, i;
	void *mem = mem_ring(&r, p, &len);
	uint64_t w = 0, rd = 0, rs = 3;
	unsigned char *base = (unsigned char *)mem + RING_DATA_OFFSET;
	void *ptr;
	ssize_t k;

	cr_assert_eq(ring_span_commit(&r, 0), -EINVAL, "nothing reserved");
	cr_assert_eq(ring_span_release(&r, 0), -EINVAL, "nothing peeked");
	cr_assert_eq(ring_span_reserve(&r, 0, &ptr), -EINVAL);
	cr_assert_eq(ring_span_peek(&r, 1, &ptr), -EAGAIN);
	for (i = 0; i < 5000; i++) {
		size_t want, j;

		rs = rs * 6364136223846793005u + 1442695040888963407u;
		want = 1 + (size_t)(rs >> 33) % (p->slots + 2);
		k = ring_span_reserve(&r, want, &ptr);
		if (k > 0) {
			size_t c = (size_t)k - (size_t)((rs >> 20) % (size_t)k);

			cr_assert_leq((size_t)k, want);
			cr_assert_geq((unsigned char *)ptr, base);
			cr_assert_leq((unsigned char *)ptr + (size_t)k * esz, base + p->slots * esz,
				      "a span never wraps");
			cr_assert_eq(ring_span_reserve(&r, 1, &ptr), -EALREADY);
			for (j = 0; j < c; j++)
				mt_stream_fill((unsigned char *)ptr + j * esz, (w + j) * esz, esz);
			cr_assert_eq(ring_span_commit(&r, (size_t)k + 1), -EINVAL, "more than reserved");
			cr_assert_eq(ring_span_commit(&r, c), 0);
			w += c;
		} else {
			cr_assert_eq(k, -EAGAIN);
		}
		want = 1 + (size_t)(rs >> 40) % (p->slots + 2);
		k = ring_span_peek(&r, want, &ptr);
		if (k > 0) {
			size_t c = (size_t)k - (size_t)((rs >> 10) % (size_t)k);

			cr_assert_leq((unsigned char *)ptr + (size_t)k * esz, base + p->slots * esz);
			cr_assert_eq(mt_stream_check(ptr, rd * esz, (size_t)k * esz), (size_t)k * esz);
			cr_assert_eq(ring_span_peek(&r, 1, &ptr), -EALREADY);
			cr_assert_eq(ring_span_release(&r, c), 0);
			rd += c;
		} else {
			cr_assert_eq(k, -EAGAIN);
		}
		check_count(&r, w - rd);
	}
	cr_assert_gt(rd, 1000);
	cr_assert_eq(ring_close_write(&r), 0);
	cr_assert_eq(ring_span_reserve(&r, 1, &ptr), -EPIPE);
	while ((k = ring_span_peek(&r, p->slots, &ptr)) > 0)
		cr_assert_eq(ring_span_release(&r, (size_t)k), 0);
	cr_assert_eq(k, -EPIPE);
	ring_close(&r);
	free(mem);
}

Test(bytes, spans_on_byte_stream)
{
	struct ring_params p = bytesp(64, 0);

	spans(&p);
}

Test(bytes, spans_on_spsc_rings)
{
	struct ring_params c = {RING_KIND_SPSC, RING_RULE_COUNT, 16, 24, 0, 0, 0, 0};
	struct ring_params n1 = {RING_KIND_SPSC, RING_RULE_N1, 7, 40, RING_F_BLOCKING, 0, 0, 0};
	struct ring_params odd = {RING_KIND_SPSC, RING_RULE_COUNT, 10, 8, 0, 0, 0, 0};
	struct ring_params f64 = {RING_KIND_SPSC, RING_RULE_COUNT, 8, 64, 0, 0, 0, 0};
	struct ring_params mpmc = {RING_KIND_MPMC, RING_RULE_COUNT, 8, 8, 0, 0, 0, 0};
	struct ring r;
	size_t len;
	void *mem, *ptr;

	spans(&c);
	spans(&n1);
	spans(&odd);
	spans(&f64);
	mem = mem_ring(&r, &mpmc, &len);
	cr_assert_eq(ring_span_reserve(&r, 1, &ptr), -EINVAL, "not on MPMC rings");
	ring_close(&r);
	free(mem);
}

/* Spans mixed with push/pop on an SPSC ring: the indices agree. */
Test(bytes, spans_and_push_pop)
{
	struct ring_params p = {RING_KIND_SPSC, RING_RULE_COUNT, 8, 8, 0, 0, 0, 0};
	struct ring r;
	size_t len;
	void *mem = mem_ring(&r, &p, &len);
	uint64_t v, i;
	void *ptr;

	for (i = 0; i < 100; i++) {
		cr_assert_eq(ring_push(&r, &i), 0);
		cr_assert_eq(ring_span_reserve(&r, 1, &ptr), 1);
		v = i + 1000;
		memcpy(ptr, &v, 8);
		cr_assert_eq(ring_span_commit(&r, 1), 0);
		cr_assert_eq(ring_span_peek(&r, 8, &ptr), 2);
		memcpy(&v, ptr, 8);
		cr_assert_eq(v, i);
		cr_assert_eq(ring_span_release(&r, 1), 0);
		cr_assert_eq(ring_pop(&r, &v), 0);
		cr_assert_eq(v, i + 1000);
	}
	ring_close(&r);
	free(mem);
}
