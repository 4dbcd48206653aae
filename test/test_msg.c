/* SPDX-License-Identifier: MIT */
/*
 * Message rings in one process (and a forked peer for the blocking calls):
 * parameters and attach validation, every length 0..max over many laps so
 * records straddle the wrap point (padding), messages exactly at max and at
 * 0, -EMSGSIZE both ways, zero-copy reserve/commit/abort and peek/release
 * (one and many producers), the inline send and receive across processes
 * at every length, burst receive, end of stream, blocking and
 * timed calls, every region type, corrupt records and indices (-EUCLEAN,
 * never an out-of-bounds length), and the repair of a dead producer's
 * unfinished record.
 */
#include <criterion/criterion.h>

#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include <shmring/shmring.h>

#include "common.h"
#include "cr_ring.h"
#include "msg_common.h"

static struct ring_params msgp(uint64_t bytes, uint64_t max, uint32_t flags)
{
	struct ring_params p = {RING_KIND_MSG, RING_RULE_COUNT, bytes, max, flags, 0, 0, 0};

	return p;
}

static unsigned char scratch[1 << 16];

Test(msg, params)
{
	struct ring_params p = msgp(4096, 100, 0);

	cr_assert_gt(ring_memsize(&p), 4096);
	p.slots = 4095;
	cr_assert_eq(ring_memsize(&p), -EINVAL, "not a power of two");
	p = msgp(4096, 0, 0);
	cr_assert_eq(ring_memsize(&p), -EINVAL, "max 0");
	p = msgp(4096, 2048 - 16, 0);
	cr_assert_gt(ring_memsize(&p), 0, "largest record exactly half");
	p = msgp(4096, 2048 - 15, 0);
	cr_assert_eq(ring_memsize(&p), -EINVAL, "largest record over half");
	p = msgp(4096, 100, 0);
	p.rule = RING_RULE_N1;
	cr_assert_eq(ring_memsize(&p), -EINVAL, "n-1 rule");
	p = msgp(4096, 100, 0x80000000u);
	cr_assert_eq(ring_memsize(&p), -EINVAL, "unknown flag");
	p = msgp(32, 8, 0);
	cr_assert_eq(ring_memsize(&p), -EINVAL, "too small");
	/* The many-producer flag belongs to message rings only. */
	{
		struct ring_params s = {RING_KIND_SPSC, RING_RULE_COUNT, 8, 8, RING_F_MSG_MP, 0, 0, 0};

		cr_assert_eq(ring_memsize(&s), -EINVAL);
		s.kind = RING_KIND_BYTES;
		s.elem_size = 1;
		cr_assert_eq(ring_memsize(&s), -EINVAL);
	}
}

/* Every length 0..max, many laps, checked byte for byte; count and free
 * agree with the bytes of records in the ring. */
static void lengths_round_trip(struct ring *r, uint64_t laps)
{
	size_t max = ring_msg_max(r), len, i;
	unsigned char *buf = malloc(max + 1);
	uint64_t seq = 0, total = 0;

	cr_assert_not_null(buf);
	while (total < laps * ring_capacity(r)) {
		for (len = 0; len <= max; len++, seq++) {
			size_t got = 12345;

			mt_fill(scratch, len, 1, seq);
			cr_assert_eq(ring_msg_send(r, scratch, len), 0, "len %zu", len);
			cr_assert_geq(ring_count(r), (ssize_t)RING_MSG_REC(len));
			memset(buf, 0xee, max + 1);
			cr_assert_eq(ring_msg_recv(r, buf, max, &got), 0, "len %zu", len);
			cr_assert_eq(got, len);
			cr_assert(mt_check(buf, len, 1, seq, scratch + 32768));
			cr_assert_eq(buf[len], 0xee, "wrote past the message");
			total += RING_MSG_REC(len);
		}
	}
	/* Several in flight, straddling the end of the area. */
	for (i = 0; i < 1000; i++) {
		size_t k, n = 0, got;

		while (ring_msg_send(r, scratch, len = mt_len(1, seq + n, 0, max)) == 0)
			n++, mt_fill(scratch, mt_len(1, seq + n, 0, max), 1, seq + n);
		cr_assert_gt(n, 0);
		for (k = 0; k < n; k++) {
			cr_assert_eq(ring_msg_recv(r, buf, max, &got), 0);
			cr_assert_eq(got, mt_len(1, seq + k, 0, max));
		}
		cr_assert_eq(ring_msg_recv(r, buf, max, &got), -EAGAIN);
		cr_assert_eq(ring_count(r), 0);
		seq += n;
		mt_fill(scratch, mt_len(1, seq, 0, max), 1, seq);
	}
	free(buf);
}

Test(msg, lengths_and_wrap_one_producer)
{
	struct ring r;
	struct ring_params p = msgp(1024, 300, 0);
	size_t len;
	void *mem = mem_ring(&r, &p, &len);

	cr_assert_eq(ring_kind(&r), RING_KIND_MSG);
	cr_assert_eq(ring_capacity(&r), 1024);
	cr_assert_eq(ring_msg_max(&r), 300);
	lengths_round_trip(&r, 50);
	ring_close(&r);
	free(mem);
}

Test(msg, lengths_and_wrap_many_producers)
{
	struct ring r;
	struct ring_params p = msgp(2048, 1000, RING_F_MSG_MP);
	size_t len;
	void *mem = mem_ring(&r, &p, &len);

	lengths_round_trip(&r, 20);
	ring_close(&r);
	free(mem);
}

/*
 * The inline send and receive across processes: nprod forked producers
 * each send every length 0..max (ring_msg_send only, spinning on -EAGAIN
 * and -EBUSY) for `laps` rounds, so that records of every length meet and
 * straddle the end of the area at many offsets and the copies run at every
 * size; the parent receives with ring_msg_recv into a buffer of exactly max
 * bytes (guarded) and checks every byte, and each producer's order.
 * Producer 1 sends no empty messages (its lengths are 1..max, then 1 ...),
 * so that a message of 0 bytes, which carries no stamp, is producer 0's.
 */
static size_t inline_len(int who, uint64_t seq, size_t max)
{
	return who == 0 ? (size_t)(seq % (max + 1)) : 1 + (size_t)(seq % max);
}

static void inline_across_fork(uint32_t flags, int nprod, size_t max, unsigned laps)
{
	struct ring r;
	struct ring_params p = msgp(1024, max, flags);
	uint64_t per = (uint64_t)(max + 1) * laps, next[2] = {0, 0}, k;
	unsigned char *buf = malloc(max + 1);
	pid_t pid[2];
	int i;

	cr_assert_not_null(buf);
	cr_assert_eq(ring_create_anon(&r, &p), 0);
	for (i = 0; i < nprod; i++) {
		pid[i] = fork();
		cr_assert_geq(pid[i], 0);
		if (pid[i] == 0) {
			unsigned char *m = malloc(max + 8);
			uint64_t seq;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			CHILD_CHECK(m != NULL);
			for (seq = 0; seq < per; seq++) {
				size_t l = inline_len(i, seq, max);
				int rc;

				/* The stamp: producer and sequence in the first
				 * bytes, the pattern after them. */
				mt_fill(m, l, 10 + (unsigned)i, seq);
				while ((rc = ring_msg_send(&r, m, l)) == -EAGAIN || rc == -EBUSY)
					sched_yield(); /* the consumer may share this CPU */
				CHILD_CHECK(rc == 0);
			}
			_exit(0);
		}
	}
	for (k = 0; k < per * (uint64_t)nprod; k++) {
		size_t got = 0, l;
		int rc, who, found = -1;

		memset(buf, 0xee, max + 1);
		while ((rc = ring_msg_recv(&r, buf, max, &got)) == -EAGAIN)
			sched_yield();
		cr_assert_eq(rc, 0, "message %llu: %d", (unsigned long long)k, rc);
		cr_assert_eq(buf[max], 0xee, "wrote past the buffer");
		/* Which producer: the one whose next message this is. */
		for (who = 0; who < nprod && found < 0; who++) {
			l = inline_len(who, next[who], max);
			if (next[who] < per && got == l && mt_check(buf, l, 10 + (unsigned)who, next[who],
								      scratch))
				found = who;
		}
		cr_assert_geq(found, 0, "message %llu (%zu bytes) is nobody's next", (unsigned long long)k,
			      got);
		next[found]++;
	}
	for (i = 0; i < nprod; i++)
		cr_assert_eq(test_wait_child(pid[i]), 0);
	{
		size_t got;

		cr_assert_eq(ring_msg_recv(&r, buf, max, &got), -EAGAIN, "nothing left over");
	}
	ring_close(&r);
	free(buf);
}

Test(msg, inline_lengths_across_fork_one_producer) { inline_across_fork(0, 1, 300, 4); }
Test(msg, inline_lengths_across_fork_two_producers) { inline_across_fork(RING_F_MSG_MP, 2, 200, 4); }

Test(msg, sizes)
{
	uint32_t flags[] = {0, RING_F_MSG_MP};
	unsigned f;

	for (f = 0; f < 2; f++) {
		struct ring r;
		struct ring_params p = msgp(256, 100, flags[f]);
		size_t len, got = 0;
		void *mem = mem_ring(&r, &p, &len);
		unsigned char buf[200];

		cr_assert_eq(ring_msg_send(&r, scratch, 101), -EMSGSIZE, "longer than max");
		cr_assert_eq(ring_count(&r), 0);
		mt_fill(scratch, 100, 1, 7);
		cr_assert_eq(ring_msg_send(&r, scratch, 100), 0);
		cr_assert_eq(ring_msg_recv(&r, buf, 99, &got), -EMSGSIZE);
		cr_assert_eq(got, 100, "the length needed");
		got = 0;
		cr_assert_eq(ring_msg_recv_burst(&r, buf, 50, &got, 4), -EMSGSIZE);
		cr_assert_eq(got, 100);
		cr_assert_eq(ring_msg_recv(&r, buf, 100, &got), 0, "still there");
		cr_assert(mt_check(buf, 100, 1, 7, scratch + 1000));
		cr_assert_eq(ring_msg_send(&r, NULL, 0), 0, "empty message");
		cr_assert_eq(ring_msg_recv(&r, NULL, 0, &got), 0);
		cr_assert_eq(got, 0);
		cr_assert_eq(ring_msg_send(&r, NULL, 1), -EINVAL);
		cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), NULL), -EINVAL);
		ring_close(&r);
		free(mem);
	}
}

Test(msg, wrong_kind_calls)
{
	struct ring r;
	struct ring_params p = {RING_KIND_SPSC, RING_RULE_COUNT, 8, 8, 0, 0, 0, 0};
	size_t len, got;
	void *mem = mem_ring(&r, &p, &len);
	uint64_t v = 1;
	void *ptr;

	cr_assert_eq(ring_msg_send(&r, &v, 8), -EINVAL);
	cr_assert_eq(ring_msg_recv(&r, &v, 8, &got), -EINVAL);
	cr_assert_eq(ring_msg_reserve(&r, 8, &ptr), -EINVAL);
	cr_assert_eq(ring_bytes_write(&r, &v, 8), -EINVAL);
	ring_close(&r);
	free(mem);
	p = msgp(1024, 100, 0);
	mem = mem_ring(&r, &p, &len);
	cr_assert_eq(ring_push(&r, &v), -EINVAL, "fixed-slot calls refuse a message ring");
	cr_assert_eq(ring_pop(&r, &v), -EINVAL);
	cr_assert_eq(ring_span_reserve(&r, 1, &ptr), -EINVAL);
	cr_assert_eq(ring_msg_send_wait(&r, &v, 8, NULL), -ENOTSUP, "not blocking");
	cr_assert_eq(ring_msg_recv_timeout(&r, &v, 8, &got, 1000), -ENOTSUP);
	ring_close(&r);
	cr_assert_eq(ring_msg_send(&r, &v, 8), -EINVAL, "closed handle");
	cr_assert_eq(ring_msg_recv(&r, &v, 8, &got), -EINVAL);
	free(mem);
}

static void zero_copy(uint32_t flags)
{
	struct ring r;
	struct ring_params p = msgp(1024, 200, flags);
	size_t len, got;
	void *mem = mem_ring(&r, &p, &len);
	unsigned char buf[256];
	const void *cp;
	void *ptr;
	uint64_t seq;

	for (seq = 0; seq < 5000; seq++) {
		size_t want = mt_len(2, seq, 0, 200), fin = want - (seq % 3 == 0 ? want / 2 : 0);

		cr_assert_eq(ring_msg_reserve(&r, want, &ptr), 0);
		cr_assert_eq((uintptr_t)ptr % 16, 0, "aligned");
		cr_assert_eq(ring_msg_reserve(&r, want, &ptr), -EALREADY);
		cr_assert_eq(ring_msg_send(&r, buf, 1), -EALREADY);
		cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), -EAGAIN, "not committed");
		if (seq % 7 == 3) {
			cr_assert_eq(ring_msg_abort(&r), 0);
			cr_assert_eq(ring_msg_abort(&r), -EINVAL);
			cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), -EAGAIN, "aborted");
			continue;
		}
		mt_fill(ptr, fin, 2, seq);
		cr_assert_eq(ring_msg_commit(&r, want + 1), -EINVAL, "longer than reserved");
		cr_assert_eq(ring_msg_commit(&r, fin), 0);
		cr_assert_eq(ring_msg_commit(&r, fin), -EINVAL);
		if (seq % 2) {
			cr_assert_eq(ring_msg_peek(&r, &cp, &got), 0);
			cr_assert_eq(got, fin);
			cr_assert(mt_check(cp, fin, 2, seq, scratch));
			cr_assert_eq(ring_msg_peek(&r, &cp, &got), 0, "peek again: same");
			cr_assert_eq(got, fin);
			cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), -EALREADY);
			cr_assert_eq(ring_msg_release(&r), 0);
			cr_assert_eq(ring_msg_release(&r), -EINVAL);
		} else {
			cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), 0);
			cr_assert_eq(got, fin);
			cr_assert(mt_check(buf, fin, 2, seq, scratch));
		}
		cr_assert_eq(ring_count(&r), 0);
	}
	cr_assert_eq(ring_msg_commit(&r, 0), -EINVAL, "nothing reserved");
	ring_close(&r);
	free(mem);
}

Test(msg, zero_copy_one_producer) { zero_copy(0); }
Test(msg, zero_copy_many_producers) { zero_copy(RING_F_MSG_MP); }

/* Two handles of a many-producer ring: the second's commit waits behind the
 * first's reservation; an abort lets it through. */
Test(msg, reservation_order_many_producers)
{
	struct ring a, b, c;
	struct ring_params p = msgp(1024, 100, RING_F_MSG_MP);
	size_t len, got;
	void *mem = mem_ring(&a, &p, &len);
	unsigned char buf[128];
	void *pa, *pb;

	cr_assert_eq(ring_attach_mem(&b, mem, len, RING_KIND_MSG), 0);
	cr_assert_eq(ring_attach_mem(&c, mem, len, RING_KIND_MSG), 0);
	cr_assert_eq(ring_msg_reserve(&a, 10, &pa), 0);
	cr_assert_eq(ring_msg_reserve(&b, 20, &pb), 0);
	memset(pb, 'b', 20);
	cr_assert_eq(ring_msg_commit(&b, 20), 0);
	cr_assert_eq(ring_msg_recv(&c, buf, sizeof(buf), &got), -EAGAIN, "a's record first");
	cr_assert_eq(ring_msg_abort(&a), 0);
	cr_assert_eq(ring_msg_recv(&c, buf, sizeof(buf), &got), 0);
	cr_assert_eq(got, 20);
	cr_assert_eq(buf[19], 'b');
	cr_assert_eq(ring_count(&c), 0);
	ring_close(&a);
	ring_close(&b);
	ring_close(&c);
	free(mem);
}

Test(msg, burst)
{
	struct ring r;
	struct ring_params p = msgp(4096, 64, 0);
	size_t len, lens[64], i, k, off;
	void *mem = mem_ring(&r, &p, &len);
	unsigned char buf[1024];
	ssize_t n;
	uint64_t seq = 0, rseq = 0;

	mt_fill(scratch, mt_len(3, 0, 0, 64), 3, 0);
	for (i = 0; i < 3000; i++) {
		size_t cap = sizeof(buf) - i % 960, want = 1 + i % 64;

		while (ring_msg_send(&r, scratch, mt_len(3, seq, 0, 64)) == 0) {
			seq++;
			mt_fill(scratch, mt_len(3, seq, 0, 64), 3, seq);
		}
		n = ring_msg_recv_burst(&r, buf, cap, lens, want);
		cr_assert_gt(n, 0);
		cr_assert_leq(n, (ssize_t)want);
		for (k = 0, off = 0; k < (size_t)n; k++, rseq++) {
			cr_assert_eq(lens[k], mt_len(3, rseq, 0, 64));
			cr_assert(mt_check(buf + off, lens[k], 3, rseq, scratch + 32768));
			off += lens[k];
		}
		cr_assert_leq(off, cap);
		/* It stopped early only at a message that did not fit. */
		if ((size_t)n < want && rseq < seq)
			cr_assert_gt(mt_len(3, rseq, 0, 64), cap - off);
	}
	ring_close(&r);
	free(mem);
}

Test(msg, end_of_stream)
{
	uint32_t flags[] = {0, RING_F_MSG_MP, RING_F_BLOCKING, RING_F_BLOCKING | RING_F_MSG_MP};
	unsigned f;

	for (f = 0; f < 4; f++) {
		struct ring r;
		struct ring_params p = msgp(1024, 100, flags[f]);
		size_t len, got, lens[4];
		void *mem = mem_ring(&r, &p, &len);
		unsigned char buf[128];
		const void *cp;
		void *ptr;

		cr_assert_eq(ring_msg_send(&r, "abc", 3), 0);
		cr_assert_eq(ring_close_write(&r), 0);
		cr_assert_eq(ring_is_closed(&r), 1);
		cr_assert_eq(ring_msg_send(&r, "abc", 3), -EPIPE);
		cr_assert_eq(ring_msg_reserve(&r, 3, &ptr), -EPIPE);
		cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), 0, "drained first");
		cr_assert_eq(got, 3);
		cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), -EPIPE);
		cr_assert_eq(ring_msg_recv_burst(&r, buf, sizeof(buf), lens, 4), -EPIPE);
		cr_assert_eq(ring_msg_peek(&r, &cp, &got), -EPIPE);
		if (flags[f] & RING_F_BLOCKING) {
			cr_assert_eq(ring_msg_recv_wait(&r, buf, sizeof(buf), &got, NULL), -EPIPE);
			cr_assert_eq(ring_msg_send_wait(&r, buf, 1, NULL), -EPIPE);
		}
		ring_close(&r);
		free(mem);
	}
}

/* A reservation committed after the close: claimed before it, so delivered
 * (many producers); one producer: the close ends it. */
Test(msg, commit_after_close)
{
	struct ring r;
	struct ring_params p = msgp(1024, 100, RING_F_MSG_MP);
	size_t len, got;
	void *mem = mem_ring(&r, &p, &len);
	unsigned char buf[128];
	void *ptr;

	cr_assert_eq(ring_msg_reserve(&r, 5, &ptr), 0);
	cr_assert_eq(ring_close_write(&r), 0);
	cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), -EAGAIN, "claimed, not committed");
	memcpy(ptr, "hello", 5);
	cr_assert_eq(ring_msg_commit(&r, 5), 0);
	cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), 0);
	cr_assert_eq(got, 5);
	cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), -EPIPE);
	ring_close(&r);
	free(mem);

	p = msgp(1024, 100, 0);
	mem = mem_ring(&r, &p, &len);
	cr_assert_eq(ring_msg_reserve(&r, 5, &ptr), 0);
	cr_assert_eq(ring_close_write(&r), 0);
	cr_assert_eq(ring_msg_commit(&r, 5), -EPIPE);
	cr_assert_eq(ring_is_closed(&r), 1, "still closed");
	cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), -EPIPE);
	ring_close(&r);
	free(mem);
}

Test(msg, timed_calls)
{
	struct ring r;
	struct ring_params p = msgp(256, 100, RING_F_BLOCKING);
	size_t len, got;
	void *mem = mem_ring(&r, &p, &len);
	unsigned char buf[128];
	struct timespec past = {0, 0};
	const void *cp;
	void *ptr;

	cr_assert_eq(ring_msg_recv_timeout(&r, buf, sizeof(buf), &got, 1000000), -ETIMEDOUT);
	cr_assert_eq(ring_msg_peek_wait(&r, &cp, &got, &past), -ETIMEDOUT);
	cr_assert_eq(ring_msg_send_timeout(&r, buf, 100, 1000), 0);
	cr_assert_eq(ring_msg_send_timeout(&r, buf, 100, 1000), 0);
	cr_assert_eq(ring_msg_send_wait(&r, buf, 0, &past), -ETIMEDOUT, "full: 2 records of 128");
	cr_assert_eq(ring_msg_reserve_wait(&r, 100, &ptr, &past), -ETIMEDOUT);
	cr_assert_eq(ring_msg_send_wait(&r, buf, 101, NULL), -EMSGSIZE, "refused, not waited for");
	cr_assert_eq(ring_msg_recv_wait(&r, buf, sizeof(buf), &got, NULL), 0);
	cr_assert_eq(got, 100);
	cr_assert_eq(ring_msg_send_wait(&r, buf, 7, NULL), 0);
	ring_close(&r);
	free(mem);
}

/* A forked producer and a consumer blocked in every receive call. */
Test(msg, blocking_across_fork)
{
	struct ring r;
	struct ring_params p = msgp(512, 200, RING_F_BLOCKING | RING_F_MSG_MP);
	uint64_t seq, n = 20000;
	unsigned char buf[256];
	pid_t pid;

	cr_assert_eq(ring_create_anon(&r, &p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		unsigned char m[256];

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (seq = 0; seq < n; seq++) {
			size_t l = mt_len(4, seq, 0, 200);
			void *ptr;

			mt_fill(m, l, 4, seq);
			if (seq % 2) {
				CHILD_CHECK(ring_msg_send_wait(&r, m, l, NULL) == 0);
			} else {
				CHILD_CHECK(ring_msg_reserve_wait(&r, l, &ptr, NULL) == 0);
				memcpy(ptr, m, l);
				CHILD_CHECK(ring_msg_commit(&r, l) == 0);
			}
		}
		CHILD_CHECK(ring_close_write(&r) == 0);
		_exit(0);
	}
	for (seq = 0;;) {
		size_t got, lens[8], k, off;
		const void *cp;
		ssize_t rc;

		switch (seq % 3) {
		case 0:
			rc = ring_msg_recv_wait(&r, buf, sizeof(buf), &got, NULL);
			if (rc == -EPIPE)
				goto done;
			cr_assert_eq(rc, 0);
			cr_assert_eq(got, mt_len(4, seq, 0, 200));
			cr_assert(mt_check(buf, got, 4, seq, scratch));
			seq++;
			break;
		case 1:
			rc = ring_msg_peek_wait(&r, &cp, &got, NULL);
			if (rc == -EPIPE)
				goto done;
			cr_assert_eq(rc, 0);
			cr_assert_eq(got, mt_len(4, seq, 0, 200));
			cr_assert(mt_check(cp, got, 4, seq, scratch));
			cr_assert_eq(ring_msg_release(&r), 0);
			seq++;
			break;
		default:
			rc = ring_msg_recv_burst_wait(&r, scratch + 4096, 2048, lens, 8, NULL);
			if (rc == -EPIPE)
				goto done;
			cr_assert_gt(rc, 0);
			for (k = 0, off = 0; k < (size_t)rc; k++, seq++) {
				cr_assert_eq(lens[k], mt_len(4, seq, 0, 200));
				cr_assert(mt_check(scratch + 4096 + off, lens[k], 4, seq, scratch));
				off += lens[k];
			}
			break;
		}
	}
done:
	cr_assert_eq(seq, n);
	cr_assert_eq(test_wait_child(pid), 0);
	ring_close(&r);
}

Test(msg, every_region_type)
{
	struct ring_params p = msgp(4096, 500, RING_F_BLOCKING);
	struct ring a, b, *pb;
	char name[64];
	size_t len, got;
	void *mem;
	unsigned char buf[512];
	int kind;

	for (kind = 0; kind < 4; kind++) {
		mem = NULL;
		switch (kind) {
		case 0:
			test_shm_name(name, sizeof(name), "msg");
			cr_assert_eq(ring_create(&a, name, &p), 0);
			cr_assert_eq(ring_open(&b, name, RING_KIND_MSG), 0);
			cr_assert_eq(ring_open(&b, name, RING_KIND_BYTES), -EPROTOTYPE);
			cr_assert_eq(ring_open(&b, name, RING_KIND_ANY), 0);
			cr_assert_eq(ring_unlink(name), 0);
			break;
		case 1:
			cr_assert_eq(ring_create_memfd(&a, "msg", &p), 0);
			cr_assert_eq(ring_open_fd(&b, ring_fd(&a), RING_KIND_MSG), 0);
			break;
		case 2:
			mem = mem_ring(&a, &p, &len);
			cr_assert_eq(ring_attach_mem(&b, mem, len, RING_KIND_MSG), 0);
			break;
		default:
			/* Anonymous: one handle, both roles (a forked child would
			 * use the copy it inherits). */
			cr_assert_eq(ring_create_anon(&a, &p), 0);
			break;
		}
		pb = kind == 3 ? &a : &b;
		cr_assert_eq(ring_kind(pb), RING_KIND_MSG);
		cr_assert_eq(ring_msg_max(pb), 500);
		mt_fill(scratch, 500, 5, 1);
		cr_assert_eq(ring_msg_send(&a, scratch, 500), 0);
		cr_assert_eq(ring_msg_recv(pb, buf, sizeof(buf), &got), 0);
		cr_assert_eq(got, 500);
		cr_assert(mt_check(buf, 500, 5, 1, scratch + 1024));
		if (kind != 3)
			ring_close(&b);
		ring_close(&a);
		free(mem);
	}
}

/* ---- Corruption: every word a peer can write ----------------------------- */

struct corrupt_case {
	const char *what;
	int rc_sp, rc_mp; /* what the consumer must get */
};

static unsigned char *data_of(struct ring *r) { return (unsigned char *)r->shm + RING_DATA_OFFSET; }

static void corrupt(int which, uint32_t flags)
{
	struct ring r;
	struct ring_params p = msgp(1024, 100, flags);
	size_t len, got = 0, lens[4];
	void *mem = mem_ring(&r, &p, &len);
	unsigned char buf[64];
	struct ring_msg_hdr *h;
	const void *cp;
	int mp = (flags & RING_F_MSG_MP) != 0, rc, want = -EUCLEAN;

	/* Move past the first lap so that positions are not all small. */
	memset(scratch, 1, 100);
	for (int i = 0; i < 13; i++) {
		cr_assert_eq(ring_msg_send(&r, scratch, 90), 0);
		cr_assert_eq(ring_msg_recv(&r, buf, 0, &got), -EMSGSIZE);
		cr_assert_eq(ring_msg_recv(&r, scratch + 200, 100, &got), 0);
	}
	cr_assert_eq(ring_msg_send(&r, scratch, 40), 0);
	h = (struct ring_msg_hdr *)(void *)(data_of(&r) +
					    (ring_pvt_load(&r.shm->cons.head, relaxed) & 1023));
	switch (which) {
	case 0: /* a length larger than max (and than the buffer) */
		ring_pvt_store(&h->meta, RING_MSG_META(5000, RING_MSG_T_DATA, RING_MSG_REC(5000)), relaxed);
		break;
	case 1: /* a length larger than its record */
		ring_pvt_store(&h->meta, RING_MSG_META(60, RING_MSG_T_DATA, 32), relaxed);
		break;
	case 2: /* a record past the tail */
		ring_pvt_store(&h->meta, RING_MSG_META(40, RING_MSG_T_DATA, 128), relaxed);
		break;
	case 3: /* an unknown type */
		ring_pvt_store(&h->meta, RING_MSG_META(40, 9, 64), relaxed);
		break;
	case 4: /* a wrong tag: corrupt with one producer, not ready with many */
		ring_pvt_store(&h->commit, 12345, relaxed);
		want = mp ? -EAGAIN : -EUCLEAN;
		break;
	case 5: /* a misaligned head, met by a consumer attaching now */
		ring_pvt_store(&r.shm->cons.head, ring_pvt_load(&r.shm->cons.head, relaxed) + 8, relaxed);
		r.cons_pos = RING_PVT_POS_UNKNOWN;
		break;
	case 6: /* tail more than a ring ahead */
		ring_pvt_store(&r.shm->prod.tail, ring_pvt_load(&r.shm->cons.head, relaxed) + 4096,
			       relaxed);
		r.cons_cache = 0;
		break;
	case 7: /* padding that does not reach the end */
		ring_pvt_store(&h->meta, RING_MSG_META(0, RING_MSG_T_PAD, 64), relaxed);
		break;
	default: /* a zero-size record */
		ring_pvt_store(&h->meta, RING_MSG_META(0, RING_MSG_T_SKIP, 0), relaxed);
		break;
	}
	rc = ring_msg_recv(&r, buf, sizeof(buf), &got);
	if (which == 6) {
		/* The record itself is sound, and the consumer takes it by its
		 * commit word without reading the tail; the next call needs
		 * the tail and finds it corrupt. */
		cr_assert_eq(rc, 0, "case 6: %d", rc);
		cr_assert_eq(got, 40);
		rc = ring_msg_recv(&r, buf, sizeof(buf), &got);
	}
	cr_assert_eq(rc, want, "case %d: %d", which, rc);
	cr_assert_eq(ring_msg_recv_burst(&r, buf, sizeof(buf), lens, 4), want, "case %d", which);
	cr_assert_eq(ring_msg_peek(&r, &cp, &got), want, "case %d", which);
	ring_close(&r);
	free(mem);
}

Test(msg, corrupt_records_one_producer)
{
	for (int i = 0; i < 9; i++)
		corrupt(i, 0);
}

Test(msg, corrupt_records_many_producers)
{
	for (int i = 0; i < 9; i++)
		corrupt(i, RING_F_MSG_MP);
}

/* ---- One producer that died between its commit and its tail store --------- */

/* What such a producer leaves: a committed data record of len bytes (each
 * byte `fill`) at the tail, the tail not moved past it. */
static void commit_above_tail(struct ring *r, size_t len, unsigned char fill)
{
	uint64_t t = ring_pvt_load(&r->shm->prod.tail, relaxed);
	struct ring_msg_hdr *h = (struct ring_msg_hdr *)(void *)(data_of(r) + (t & (r->n - 1)));

	memset(h + 1, fill, len);
	ring_pvt_store(&h->meta, RING_MSG_META(len, RING_MSG_T_DATA, RING_MSG_REC(len)), relaxed);
	ring_pvt_store(&h->commit, RING_MSG_TAG(r->shm->hdr.create_id, t), release);
}

Test(msg, consumer_past_tail_one_producer)
{
	struct ring r;
	struct ring_params p = msgp(1024, 100, 0);
	size_t len, got = 0;
	void *mem = mem_ring(&r, &p, &len);
	unsigned char buf[128];
	uint64_t t;

	memset(scratch, 7, 100);
	for (int i = 0; i < 20; i++) { /* past the first lap */
		cr_assert_eq(ring_msg_send(&r, scratch, 60), 0);
		cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), 0);
	}
	t = ring_pvt_load(&r.shm->prod.tail, relaxed);
	commit_above_tail(&r, 50, 0xAB);
	/* Taken by its commit word: the consumer is a record past the tail. */
	cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), 0);
	cr_assert_eq(got, 50);
	cr_assert_eq(buf[0], 0xAB);
	cr_assert_eq(buf[49], 0xAB);
	cr_assert_eq(ring_pvt_load(&r.shm->cons.head, relaxed), t + RING_MSG_REC(50));
	/* An empty ring, not a corrupt one, for every reader. */
	cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), -EAGAIN);
	cr_assert_eq(ring_msg_recv_burst(&r, buf, sizeof(buf), &got, 1), -EAGAIN);
	cr_assert_eq(ring_count(&r), 0);
	cr_assert_eq(ring_free(&r), (ssize_t)r.cap);
	/* A producer taking over starts after it. */
	r.prod_pos = RING_PVT_POS_UNKNOWN;
	cr_assert_eq(ring_msg_send(&r, scratch, 30), 0);
	cr_assert_eq(ring_pvt_load(&r.shm->prod.tail, relaxed), t + RING_MSG_REC(50) + RING_MSG_REC(30));
	cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), 0);
	cr_assert_eq(got, 30);
	cr_assert_eq(ring_count(&r), 0);
	/* More than a record behind the head is still corruption. */
	ring_pvt_store(&r.shm->prod.tail, t - 512, relaxed);
	cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), -EUCLEAN);
	ring_close(&r);
	free(mem);
}

Test(msg, takeover_keeps_committed_record_one_producer)
{
	struct ring r;
	struct ring_params p = msgp(1024, 100, 0);
	size_t len, got = 0;
	void *mem = mem_ring(&r, &p, &len);
	unsigned char buf[128];

	memset(scratch, 5, 100);
	cr_assert_eq(ring_msg_send(&r, scratch, 40), 0);
	commit_above_tail(&r, 70, 0xCD); /* not taken yet */
	r.prod_pos = RING_PVT_POS_UNKNOWN;
	/* The new producer must not write over it: the consumer may be
	 * reading it by its commit word at this moment. */
	cr_assert_eq(ring_msg_send(&r, scratch, 20), 0);
	cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), 0);
	cr_assert_eq(got, 40);
	cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), 0);
	cr_assert_eq(got, 70);
	cr_assert_eq(buf[69], 0xCD);
	cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), 0);
	cr_assert_eq(got, 20);
	cr_assert_eq(buf[0], 5);
	cr_assert_eq(ring_msg_recv(&r, buf, sizeof(buf), &got), -EAGAIN);
	ring_close(&r);
	free(mem);
}

Test(msg, corrupt_producer_indices)
{
	struct ring r;
	struct ring_params p = msgp(1024, 100, 0);
	size_t len;
	void *mem = mem_ring(&r, &p, &len);

	ring_pvt_store(&r.shm->cons.head, 5000, relaxed); /* head past tail */
	cr_assert_eq(ring_msg_send(&r, scratch, 10), -EUCLEAN);
	ring_pvt_store(&r.shm->cons.head, 0, relaxed);
	ring_pvt_store(&r.shm->prod.tail, 8, relaxed); /* misaligned tail */
	cr_assert_eq(ring_msg_send(&r, scratch, 10), -EUCLEAN);
	ring_close(&r);
	free(mem);
}

/* ---- A producer that died between its reservation and its commit --------- */

Test(msg, repair_dead_reserver)
{
	struct ring a, b, c;
	struct ring_params p = msgp(1024, 200, RING_F_MSG_MP);
	size_t len, got;
	void *mem = mem_ring(&a, &p, &len);
	unsigned char buf[256];
	uint64_t pos, cnt, i;
	void *ptr;

	cr_assert_eq(ring_attach_mem(&b, mem, len, RING_KIND_MSG), 0);
	cr_assert_eq(ring_attach_mem(&c, mem, len, RING_KIND_MSG), 0);
	cr_assert_eq(ring_pvt_msg_repair(&c, 0, 0), 0, "nothing claimed");
	for (i = 0; i < 40; i++) {
		/* The dead one: what its intent words would say. */
		pos = ring_pvt_load(&a.shm->prod.tail, relaxed);
		cr_assert_eq(ring_msg_reserve(&a, 150, &ptr), 0);
		cnt = ring_pvt_load(&a.shm->prod.tail, relaxed) - pos; /* padding included */
		a.zc_res_cnt = 0; /* it never commits */
		cr_assert_eq(ring_msg_send(&b, "after", 5), 0);
		cr_assert_eq(ring_msg_recv(&c, buf, sizeof(buf), &got), -EAGAIN, "stuck behind it");
		/* The padding before it, if any, was committed at the claim. */
		cr_assert_eq(ring_pvt_msg_repair(&c, pos, cnt), 1);
		cr_assert_eq(ring_pvt_msg_repair(&c, pos, cnt), 0, "twice: nothing more");
		cr_assert_eq(ring_msg_recv(&c, buf, sizeof(buf), &got), 0);
		cr_assert_eq(got, 5);
		cr_assert_eq(memcmp(buf, "after", 5), 0);
		cr_assert_eq(ring_count(&c), 0);
		/* A committed record is never touched. */
		pos = ring_pvt_load(&a.shm->prod.tail, relaxed);
		cr_assert_eq(ring_msg_send(&a, "kept", 4), 0);
		cnt = ring_pvt_load(&a.shm->prod.tail, relaxed) - pos;
		cr_assert_eq(ring_pvt_msg_repair(&c, pos, cnt), 0);
		cr_assert_eq(ring_msg_recv(&c, buf, sizeof(buf), &got), 0);
		cr_assert_eq(got, 4);
	}
	/* A claim that never happened, and words that cannot be one. */
	pos = ring_pvt_load(&a.shm->prod.tail, relaxed);
	cr_assert_eq(ring_pvt_msg_repair(&c, pos, 64), 0);
	cr_assert_eq(ring_pvt_msg_repair(&c, pos + 8, 64), -EUCLEAN);
	cr_assert_eq(ring_pvt_msg_repair(&c, pos, 1u << 20), -EUCLEAN);
	cr_assert_eq(ring_pvt_msg_repair(&c, pos, 512 + 16), -EUCLEAN, "larger than a record");
	ring_close(&a);
	ring_close(&b);
	ring_close(&c);
	free(mem);
}

/*
 * Across processes attached by name: a producer killed between its
 * reservation and its commit. The consumer steps over its record once the
 * death is verified, in the ordinary receive calls (non-blocking: after the
 * repair delay; blocking: within a wait slice) and gets what another
 * producer sent after it. A stopped reserver is alive: never repaired; once
 * continued, its message arrives, then the other one.
 */
static void reserver_dies(uint32_t flags, int stop)
{
	struct ring r, cons, prod;
	struct ring_params p = msgp(1024, 200, RING_F_MSG_MP | flags);
	struct ring_attach_opts o;
	char name[64];
	unsigned char buf[256];
	size_t got;
	int round;

	test_shm_name(name, sizeof(name), "msgdead");
	cr_assert_eq(ring_create(&r, name, &p), 0);
	ring_close(&r);
	memset(&o, 0, sizeof(o));
	o.roles = RING_ROLE_CONSUMER;
	cr_assert_eq(ring_attach(&cons, name, &o), 0);
	o.roles = RING_ROLE_PRODUCER;
	cr_assert_eq(ring_attach(&prod, name, &o), 0);
	/* 150-byte records in 1024 bytes: some rounds' claims start with padding. */
	for (round = 0; round < 8; round++) {
		int fds[2], tries;
		char c;
		pid_t pid;

		cr_assert_eq(pipe(fds), 0);
		pid = fork();
		cr_assert_geq(pid, 0);
		if (pid == 0) {
			struct ring w;
			void *ptr;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			CHILD_CHECK(ring_attach(&w, name, &o) == 0);
			CHILD_CHECK(ring_msg_reserve(&w, 150, &ptr) == 0);
			memset(ptr, 'd', 150);
			CHILD_CHECK(write(fds[1], "r", 1) == 1);
			if (stop) {
				raise(SIGSTOP);
				CHILD_CHECK(ring_msg_commit(&w, 150) == 0);
				ring_close(&w);
				_exit(0);
			}
			pause();
			_exit(1);
		}
		close(fds[1]);
		cr_assert_eq(read(fds[0], &c, 1), 1);
		close(fds[0]);
		cr_assert_eq(ring_msg_send(&prod, "after", 5), 0);
		if (stop) {
			cr_assert_eq(test_wait_stopped(pid), 0);
			/* 50 ms of receives, 50 times the repair delay: the
			 * record of a stopped producer stays. */
			for (tries = 0; tries < 50; tries++) {
				cr_assert_eq(ring_msg_recv(&cons, buf, sizeof(buf), &got), -EAGAIN);
				usleep(1000);
			}
			kill(pid, SIGCONT);
			cr_assert_eq(test_wait_child(pid), 0);
			cr_assert_eq(ring_msg_recv(&cons, buf, sizeof(buf), &got), 0);
			cr_assert_eq(got, 150);
			cr_assert_eq(buf[0], 'd');
			cr_assert_eq(buf[149], 'd');
		} else {
			kill(pid, SIGKILL);
			cr_assert_eq(test_wait_child(pid), 1000 + SIGKILL);
		}
		if (flags & RING_F_BLOCKING) {
			cr_assert_eq(ring_msg_recv_wait(&cons, buf, sizeof(buf), &got, NULL), 0);
		} else {
			int rc;

			/* Bounded by a count, not a clock: 10 s of 100 µs naps. */
			for (tries = 0; tries < 100000; tries++) {
				rc = ring_msg_recv(&cons, buf, sizeof(buf), &got);
				if (rc != -EAGAIN)
					break;
				usleep(100);
			}
			cr_assert_eq(rc, 0, "receive after the dead reserver: %s", ring_strerror(rc));
		}
		cr_assert_eq(got, 5);
		cr_assert_eq(memcmp(buf, "after", 5), 0);
		cr_assert_eq(ring_count(&cons), 0);
	}
	ring_close(&prod);
	ring_close(&cons);
	ring_unlink(name);
}

Test(msg, reserver_killed_spin) { reserver_dies(0, 0); }
Test(msg, reserver_killed_blocking) { reserver_dies(RING_F_BLOCKING, 0); }
Test(msg, reserver_stopped_kept) { reserver_dies(0, 1); }

/* One consumer per message ring and one producer without RING_F_MSG_MP, across
 * processes; a dead holder's role is taken over. Many producers share. */
Test(msg, roles_exclusive_and_taken_over)
{
	struct ring r, cons, prod, other;
	struct ring_params p = msgp(1024, 100, 0);
	struct ring_attach_opts o;
	char name[64];
	unsigned char buf[128];
	size_t got;
	int fds[2];
	char c;
	pid_t pid;

	test_shm_name(name, sizeof(name), "msgroles");
	cr_assert_eq(ring_create(&r, name, &p), 0);
	ring_close(&r);
	memset(&o, 0, sizeof(o));
	o.roles = RING_ROLE_CONSUMER;
	cr_assert_eq(ring_attach(&cons, name, &o), 0);
	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct ring a, b;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		CHILD_CHECK(ring_attach(&a, name, &o) == -EADDRINUSE); /* consumer taken */
		o.roles = RING_ROLE_PRODUCER;
		CHILD_CHECK(ring_attach(&b, name, &o) == 0);
		CHILD_CHECK(ring_msg_send(&b, "one", 3) == 0);
		CHILD_CHECK(write(fds[1], "s", 1) == 1);
		pause(); /* holds the producer role until killed */
		_exit(1);
	}
	close(fds[1]);
	cr_assert_eq(read(fds[0], &c, 1), 1);
	close(fds[0]);
	o.roles = RING_ROLE_PRODUCER;
	cr_assert_eq(ring_attach(&prod, name, &o), -EADDRINUSE, "one producer without RING_F_MSG_MP");
	kill(pid, SIGKILL);
	cr_assert_eq(test_wait_child(pid), 1000 + SIGKILL);
	cr_assert_eq(ring_attach(&prod, name, &o), 0, "the dead producer's role taken over");
	cr_assert_eq(ring_msg_send(&prod, "two", 3), 0);
	cr_assert_eq(ring_msg_recv(&cons, buf, sizeof(buf), &got), 0);
	cr_assert(got == 3 && memcmp(buf, "one", 3) == 0);
	cr_assert_eq(ring_msg_recv(&cons, buf, sizeof(buf), &got), 0);
	cr_assert(got == 3 && memcmp(buf, "two", 3) == 0);
	ring_close(&prod);
	ring_close(&cons);
	ring_unlink(name);
	/* Many producers: a second one is welcome. */
	p = msgp(1024, 100, RING_F_MSG_MP);
	cr_assert_eq(ring_create(&r, name, &p), 0);
	ring_close(&r);
	cr_assert_eq(ring_attach(&prod, name, &o), 0);
	cr_assert_eq(ring_attach(&other, name, &o), 0);
	ring_close(&other);
	ring_close(&prod);
	ring_unlink(name);
}

/* A handle closed with a reservation open on a many-producer ring gives it
 * up: the consumer steps over it at once, with no producer to judge dead. */
Test(msg, close_gives_up_reservation)
{
	struct ring a, b, c;
	struct ring_params p = msgp(1024, 100, RING_F_MSG_MP);
	size_t len, got;
	void *mem = mem_ring(&a, &p, &len);
	unsigned char buf[128];
	void *ptr;

	cr_assert_eq(ring_attach_mem(&b, mem, len, RING_KIND_MSG), 0);
	cr_assert_eq(ring_attach_mem(&c, mem, len, RING_KIND_MSG), 0);
	cr_assert_eq(ring_msg_reserve(&a, 50, &ptr), 0);
	cr_assert_eq(ring_msg_send(&b, "after", 5), 0);
	cr_assert_eq(ring_msg_recv(&c, buf, sizeof(buf), &got), -EAGAIN);
	ring_close(&a);
	cr_assert_eq(ring_msg_recv(&c, buf, sizeof(buf), &got), 0);
	cr_assert(got == 5 && memcmp(buf, "after", 5) == 0);
	ring_close(&b);
	ring_close(&c);
	free(mem);
}
