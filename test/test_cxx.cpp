// SPDX-License-Identifier: MIT
//
// The public headers used from C++17 (built with -std=c++17 -Wall -Wextra
// -Werror -pedantic), against rings that C code formats and fills.
//
//   test_cxx                      self-test, in one process:
//     1. every size, offset, alignment and constant of the shared layout and
//        the handle is the same in C++ as in C (cxx_layout.c), and the shared
//        structs sit at the RING_* offsets;
//     2. a ring formatted and filled by C (ring_init_mem, C inline pushes) is
//        read by the C++ inline fast path (pop, bulk, burst), and one that C++
//        fills is drained by C, for SPSC n-1, SPSC count and MPMC;
//     3. the documented results: -EAGAIN full/empty, -EINVAL, -EPIPE;
//     4. a named ring created and opened from C++.
//   test_cxx consume NAME COUNT   drain the named ring that the package
//     test's C producer creates in another process (non-blocking C++ pops).
//
// Exit status 0 on success; failures print the file, line and condition.

#include "cxx_layout.h"
// The C++ wrapper too: it must build under the same flags, installed or not.
#include <shmring/shmring.hpp>
#include <shmring/ring_waitfd.h>
#include "pkg_msg.h"

#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

int failures = 0;

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
				     __LINE__, #cond);                           \
			failures++;                                              \
		}                                                                \
	} while (0)

// CHECK that an int/ssize_t result equals want, printing both on failure.
#define CHECK_RC(expr, want)                                                     \
	do {                                                                     \
		long long got_ = (long long)(expr);                              \
		if (got_ != (long long)(want)) {                                 \
			std::fprintf(stderr, "%s:%d: %s = %lld (%s), want %lld\n", \
				     __FILE__, __LINE__, #expr, got_,            \
				     ring_strerror((int)got_), (long long)(want)); \
			failures++;                                              \
		}                                                                \
	} while (0)

void check_layout()
{
#define CXX_FIGURE(e) static_cast<uint64_t>(e),
	static const uint64_t cxx[] = {CXX_LAYOUT_LIST(CXX_FIGURE)};
#undef CXX_FIGURE
#define CXX_NAME(e) #e,
	static const char *const names[] = {CXX_LAYOUT_LIST(CXX_NAME)};
#undef CXX_NAME
	const size_t n = sizeof(cxx) / sizeof(cxx[0]);
	std::vector<uint64_t> c(n + 1);

	CHECK_RC(cxx_c_layout(c.data(), c.size()), n);
	for (size_t i = 0; i < n; i++) {
		if (c[i] != cxx[i]) {
			std::fprintf(stderr, "layout: %s is %llu in C, %llu in C++\n", names[i],
				     (unsigned long long)c[i], (unsigned long long)cxx[i]);
			failures++;
		}
	}

	// The documented layout, as C++ sees it.
	CHECK(offsetof(struct ring_shared, hdr) == 0);
	CHECK(offsetof(struct ring_shared, prod) == 1 * RING_LINE);
	CHECK(offsetof(struct ring_shared, cons) == 2 * RING_LINE);
	CHECK(offsetof(struct ring_shared, wait) == 3 * RING_LINE);
	CHECK(sizeof(struct ring_shared) == RING_DATA_OFFSET);
	CHECK(sizeof(struct ring_hdr) == RING_LINE);
	CHECK(sizeof(struct ring_mpmc_slot) == 8);
	CHECK(sizeof(RING_ATOMIC(uint64_t)) == 8 && sizeof(RING_ATOMIC(uint32_t)) == 4);
	CHECK(RING_LOCK_FREE_64 && RING_LOCK_FREE_32);
}

// Aligned memory for ring_init_mem, freed on scope exit.
struct region {
	void *mem = nullptr;
	size_t len = 0;
	explicit region(size_t n) : len(n)
	{
		if (posix_memalign(&mem, 64, n) != 0)
			mem = nullptr;
		else
			std::memset(mem, 0, n);
	}
	~region() { std::free(mem); }
	region(const region &) = delete;
	region &operator=(const region &) = delete;
};

// Pop n elements through the C++ inline fast path (pop, bulk, burst in turn),
// checking they are start .. start+n-1.
void cxx_drain(struct ring *r, uint64_t start, uint64_t n)
{
	const size_t esz = ring_elem_size(r);
	std::vector<unsigned char> buf(4 * esz);
	uint64_t done = 0;

	for (unsigned k = 0; done < n; k++) {
		uint64_t m = 1 + k % 4;
		ssize_t got;

		if (m > n - done)
			m = n - done;
		if (m == 1) {
			int rc = ring_pop(r, buf.data());
			got = rc == 0 ? 1 : rc;
		} else if (k % 2) {
			got = ring_pop_bulk(r, buf.data(), m);
		} else {
			got = ring_pop_burst(r, buf.data(), m);
		}
		if (got <= 0 || (uint64_t)got > m) {
			std::fprintf(stderr, "C++ pop after %llu of %llu: %lld (%s)\n",
				     (unsigned long long)done, (unsigned long long)n,
				     (long long)got, ring_strerror((int)got));
			failures++;
			return;
		}
		for (ssize_t i = 0; i < got; i++)
			CHECK(cxx_elem_ok(&buf[(size_t)i * esz], esz, start + done + (uint64_t)i));
		done += (uint64_t)got;
	}
}

// Push n elements start .. start+n-1 through the C++ inline fast path.
void cxx_fill(struct ring *r, uint64_t start, uint64_t n)
{
	const size_t esz = ring_elem_size(r);
	std::vector<unsigned char> buf(4 * esz);
	uint64_t done = 0;

	for (unsigned k = 0; done < n; k++) {
		uint64_t m = 1 + k % 4;
		ssize_t got;

		if (m > n - done)
			m = n - done;
		for (uint64_t i = 0; i < m; i++)
			cxx_elem_fill(&buf[i * esz], esz, start + done + i);
		if (m == 1) {
			int rc = ring_push(r, buf.data());
			got = rc == 0 ? 1 : rc;
		} else if (k % 2) {
			got = ring_push_bulk(r, buf.data(), m);
		} else {
			got = ring_push_burst(r, buf.data(), m);
		}
		if (got <= 0 || (uint64_t)got > m) {
			std::fprintf(stderr, "C++ push after %llu of %llu: %lld (%s)\n",
				     (unsigned long long)done, (unsigned long long)n,
				     (long long)got, ring_strerror((int)got));
			failures++;
			return;
		}
		done += (uint64_t)got;
	}
}

// C formats and fills, C++ reads; then C++ fills and C drains; several laps
// so the indices wrap.
void check_c_to_cxx(uint32_t kind, uint32_t rule, uint64_t slots, uint64_t esz)
{
	struct ring_params p = {};
	p.kind = kind;
	p.rule = rule;
	p.slots = slots;
	p.elem_size = esz;
	const uint64_t cap = rule == RING_RULE_N1 ? slots - 1 : slots;

	ssize_t size = ring_memsize(&p);
	CHECK(size > (ssize_t)RING_DATA_OFFSET);
	if (size <= 0)
		return;
	region mem((size_t)size);
	CHECK(mem.mem != nullptr);
	if (!mem.mem)
		return;

	CHECK_RC(cxx_c_format_fill(mem.mem, mem.len, &p, 0, cap), 0);

	// The header C wrote, read through C++'s view of the layout.
	auto *sh = static_cast<struct ring_shared *>(mem.mem);
	CHECK(sh->hdr.ready.load(std::memory_order_acquire) == RING_READY);
	CHECK(sh->hdr.magic == RING_MAGIC);
	CHECK(sh->hdr.version == RING_LAYOUT_VERSION);
	CHECK(sh->hdr.kind == kind && sh->hdr.rule == rule);
	CHECK(sh->hdr.slots == slots && sh->hdr.elem_size == esz);
	CHECK(sh->hdr.data_offset == RING_DATA_OFFSET);
	CHECK(sh->hdr.total_size == (uint64_t)size);

	struct ring r = {};
	CHECK_RC(ring_attach_mem(&r, mem.mem, mem.len, kind), 0);
	if (r.shm == nullptr)
		return;
	CHECK(ring_capacity(&r) == cap);
	CHECK_RC(ring_count(&r), cap);
	CHECK_RC(ring_free(&r), 0);

	std::vector<unsigned char> one(esz);
	cxx_elem_fill(one.data(), esz, 999);
	CHECK_RC(ring_push(&r, one.data()), -EAGAIN);          // full
	CHECK_RC(ring_push_bulk(&r, one.data(), 1), -EAGAIN);
	CHECK_RC(ring_push_burst(&r, one.data(), 1), -EAGAIN);
	CHECK_RC(ring_pop_bulk(&r, one.data(), cap + 1), -EINVAL);
	CHECK_RC(ring_pop_burst(&r, one.data(), 0), -EINVAL);

	cxx_drain(&r, 0, cap);
	CHECK_RC(ring_pop(&r, one.data()), -EAGAIN);           // empty
	CHECK_RC(ring_pop_burst(&r, one.data(), 1), -EAGAIN);
	CHECK_RC(ring_count(&r), 0);
	CHECK_RC(ring_free(&r), cap);

	// Laps: C++ fills, C drains, so both directions cross the wrap point.
	uint64_t next = cap;
	for (int lap = 0; lap < 5; lap++) {
		uint64_t n = cap - (uint64_t)lap % cap;
		cxx_fill(&r, next, n);
		CHECK_RC(cxx_c_drain(mem.mem, mem.len, next, n), 0);
		next += n;
	}

	// End of stream, seen by C++. The consumer role moved to the C handles
	// and comes back to r: only through a fresh attach (ring.h).
	CHECK_RC(ring_close(&r), 0);
	CHECK_RC(ring_attach_mem(&r, mem.mem, mem.len, kind), 0);
	if (r.shm == nullptr)
		return;
	cxx_fill(&r, next, 1);
	CHECK_RC(ring_close_write(&r), 0);
	CHECK_RC(ring_is_closed(&r), 1);
	CHECK_RC(ring_push(&r, one.data()), -EPIPE);
	cxx_drain(&r, next, 1);
	CHECK_RC(ring_pop(&r, one.data()), -EPIPE);
	CHECK_RC(ring_close(&r), 0);
	CHECK_RC(ring_close(&r), 0); // closing twice is a no-op
}

void check_named()
{
	const std::string name = "/shmring_cxx_" + std::to_string(getpid());
	struct ring_params p = {};
	p.kind = RING_KIND_SPSC;
	p.rule = RING_RULE_COUNT;
	p.slots = 7;
	p.elem_size = 8;
	struct ring a = {}, b = {};

	CHECK_RC(ring_create(&a, name.c_str(), &p), 0);
	CHECK_RC(ring_open(&b, name.c_str(), RING_KIND_SPSC), 0);
	CHECK_RC(ring_unlink(name.c_str()), 0);
	CHECK_RC(ring_open(&b, name.c_str(), RING_KIND_SPSC), -ENOENT);
	if (a.shm && b.shm) {
		cxx_fill(&a, 0, 7);
		cxx_drain(&b, 0, 7);
		cxx_fill(&a, 7, 5);
		cxx_drain(&b, 7, 5);
	}
	CHECK_RC(ring_close(&a), 0);
	CHECK_RC(ring_close(&b), 0);
}

// Broadcast from C++: the inline push and pop, both policies, a lap.
void check_bcast()
{
	for (uint32_t flags : {0u, (uint32_t)RING_F_BCAST_LOSSY}) {
		struct ring_params p = {RING_KIND_BCAST, RING_RULE_COUNT, 4, 12, flags, 0, 0, 0};
		struct ring prod = {}, a = {}, b = {};
		unsigned char e[12];
		uint64_t missed = 99;

		CHECK_RC(ring_create_anon(&prod, &p), 0);
		CHECK_RC(ring_attach_mem(&a, prod.map, prod.map_len, RING_KIND_BCAST), 0);
		CHECK_RC(ring_attach_mem(&b, prod.map, prod.map_len, RING_KIND_BCAST), 0);
		CHECK_RC(ring_bcast_producer(&prod), 0);
		CHECK_RC(ring_bcast_join(&a), 0);
		CHECK_RC(ring_bcast_join(&b), 0);
		for (uint64_t i = 0; i < 6; i++) {
			cxx_elem_fill(e, sizeof(e), i);
			int rc = ring_bcast_push(&prod, e);
			CHECK_RC(rc, flags || i < 4 ? 0 : -EAGAIN);
		}
		CHECK_RC(ring_bcast_pop(&a, e, &missed), 0);
		CHECK(cxx_elem_ok(e, sizeof(e), flags ? 2 : 0));
		CHECK(missed == (flags ? 2u : 0u));
		CHECK_RC(ring_bcast_pop_burst(&b, e, 1, &missed), 1);
		CHECK_RC(ring_close_write(&prod), 0);
		ring_close(&b);
		ring_close(&a);
		ring_close(&prod);
	}
	// Broadcast messages: a send, a zero-copy send, a receive and a peek.
	for (uint32_t flags : {0u, (uint32_t)RING_F_BCAST_LOSSY}) {
		struct ring_params p = {RING_KIND_BCAST, RING_RULE_COUNT, 256, 40,
					RING_F_BCAST_MSG | flags, 0, 0, 0};
		struct ring prod = {}, a = {};
		unsigned char e[40];
		const void *cp = nullptr;
		void *wp = nullptr;
		size_t len = 0;
		uint64_t missed = 99;

		CHECK_RC(ring_create_anon(&prod, &p), 0);
		CHECK_RC(ring_attach_mem(&a, prod.map, prod.map_len, RING_KIND_BCAST), 0);
		CHECK_RC(ring_bcast_producer(&prod), 0);
		CHECK_RC(ring_bcast_join(&a), 0);
		cxx_elem_fill(e, 12, 3);
		CHECK_RC(ring_bcast_send(&prod, e, 12), 0);
		CHECK_RC(ring_bcast_reserve(&prod, 40, &wp), 0);
		cxx_elem_fill(static_cast<unsigned char *>(wp), 12, 4);
		CHECK_RC(ring_bcast_commit(&prod, 12), 0);
		CHECK_RC(ring_bcast_recv(&a, e, sizeof(e), &len, &missed), 0);
		CHECK(len == 12 && missed == 0 && cxx_elem_ok(e, 12, 3));
		CHECK_RC(ring_bcast_peek(&a, &cp, &len, &missed), 0);
		CHECK(len == 12 && cxx_elem_ok(static_cast<const unsigned char *>(cp), 12, 4));
		CHECK_RC(ring_bcast_release(&a), 0);
		ring_close(&a);
		ring_close(&prod);
	}
}

// Message rings, byte streams and spans through the C++ inline paths: a
// message ring's records read back whole (copy and zero-copy, one and many
// producers), a byte stream's partial transfers, an SPSC span.
void check_msg_bytes()
{
	for (uint32_t flags : {0u, (uint32_t)RING_F_MSG_MP}) {
		struct ring_params p = {};
		p.kind = RING_KIND_MSG;
		p.rule = RING_RULE_COUNT;
		p.slots = 1024;
		p.elem_size = 200;
		p.flags = flags;
		struct ring r = {};
		CHECK_RC(ring_create_anon(&r, &p), 0);
		if (!r.shm)
			continue;
		std::vector<unsigned char> m(200), out(200);
		for (unsigned i = 0; i < 500; i++) {
			size_t len = i % 201, got = 0;
			for (size_t b = 0; b < len; b++)
				m[b] = (unsigned char)(i + b);
			if (i % 2) {
				CHECK_RC(ring_msg_send(&r, m.data(), len), 0);
			} else {
				void *ptr = nullptr;
				CHECK_RC(ring_msg_reserve(&r, len, &ptr), 0);
				if (ptr)
					std::memcpy(ptr, m.data(), len);
				CHECK_RC(ring_msg_commit(&r, len), 0);
			}
			if (i % 3) {
				CHECK_RC(ring_msg_recv(&r, out.data(), out.size(), &got), 0);
				CHECK(got == len && std::memcmp(out.data(), m.data(), len) == 0);
			} else {
				const void *cp = nullptr;
				CHECK_RC(ring_msg_peek(&r, &cp, &got), 0);
				CHECK(got == len && cp && std::memcmp(cp, m.data(), len) == 0);
				CHECK_RC(ring_msg_release(&r), 0);
			}
		}
		CHECK_RC(ring_msg_send(&r, m.data(), 201), -EMSGSIZE);
		CHECK(ring_msg_max(&r) == 200);
		CHECK_RC(ring_close(&r), 0);
	}
	struct ring_params p = {};
	p.kind = RING_KIND_BYTES;
	p.rule = RING_RULE_COUNT;
	p.slots = 64;
	p.elem_size = 1;
	struct ring r = {};
	CHECK_RC(ring_create_anon(&r, &p), 0);
	if (r.shm) {
		unsigned char in[100], out[100];
		for (unsigned i = 0; i < 100; i++)
			in[i] = (unsigned char)i;
		CHECK_RC(ring_bytes_write(&r, in, 100), 64);
		CHECK_RC(ring_bytes_read(&r, out, 30), 30);
		CHECK_RC(ring_bytes_read(&r, out + 30, 70), 34);
		CHECK(std::memcmp(in, out, 64) == 0);
		void *ptr = nullptr;
		CHECK_RC(ring_span_reserve(&r, 100, &ptr), 64 - 64 % 64);
		CHECK_RC(ring_span_commit(&r, 10), 0);
		CHECK_RC(ring_span_peek(&r, 100, &ptr), 10);
		CHECK_RC(ring_span_release(&r, 10), 0);
		CHECK_RC(ring_close(&r), 0);
	}
}

// Readiness descriptors from C++: open, ready at once when data is there,
// armed when not, -ENOTSUP on a ring without RING_F_BLOCKING.
void check_waitfd()
{
	struct ring_params p = {};
	p.kind = RING_KIND_SPSC;
	p.rule = RING_RULE_COUNT;
	p.slots = 4;
	p.elem_size = 8;
	p.flags = RING_F_BLOCKING;
	struct ring r = {};
	struct ring_waitfd f = {};
	CHECK_RC(ring_create_anon(&r, &p), 0);
	if (!r.shm)
		return;
	CHECK(ring_waitfd_open(&f, &r, RING_WAITFD_DATA) >= 0);
	CHECK(f.fd >= 0);
	CHECK_RC(ring_waitfd_arm(&f), 0);
	CHECK(ring_waitfd_timeout_ms(&f) > 0);
	uint64_t v = 5;
	CHECK_RC(ring_push(&r, &v), 0);
	CHECK_RC(ring_waitfd_consume(&f), 0);
	CHECK_RC(ring_waitfd_arm(&f), 1);
	CHECK_RC(ring_waitfd_close(&f), 0);
	CHECK_RC(ring_waitfd_close(&f), 0);
	CHECK_RC(ring_close(&r), 0);
	p.flags = 0;
	CHECK_RC(ring_create_anon(&r, &p), 0);
	CHECK_RC(ring_waitfd_open(&f, &r, RING_WAITFD_DATA), -ENOTSUP);
	CHECK_RC(ring_close(&r), 0);
}

int self_test()
{
	check_layout();
	check_c_to_cxx(RING_KIND_SPSC, RING_RULE_N1, 7, 8);
	check_c_to_cxx(RING_KIND_SPSC, RING_RULE_N1, 2, 13);
	check_c_to_cxx(RING_KIND_SPSC, RING_RULE_COUNT, 8, 8);
	check_c_to_cxx(RING_KIND_SPSC, RING_RULE_COUNT, 5, 24);
	check_c_to_cxx(RING_KIND_SPSC, RING_RULE_SEQ, 8, 8);
	check_c_to_cxx(RING_KIND_SPSC, RING_RULE_SEQ, 4, 64);
	check_c_to_cxx(RING_KIND_SPSC, RING_RULE_SEQ, 2, 13);
	check_c_to_cxx(RING_KIND_MPMC, RING_RULE_COUNT, 8, 8);
	check_c_to_cxx(RING_KIND_MPMC, RING_RULE_COUNT, 6, 13);
	check_named();
	check_msg_bytes();
	check_waitfd();
	check_bcast();
	if (failures)
		std::fprintf(stderr, "test_cxx: %d failure(s)\n", failures);
	else
		std::printf("test_cxx: all checks passed\n");
	return failures ? 1 : 0;
}

uint64_t now_ns()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// The C++ consumer of the package test: like consumer.c, but with the
// non-blocking inline calls, yielding while the ring is empty.
int consume(const char *name, uint64_t count)
{
	struct ring r = {};
	int rc = -ENOENT;
	uint64_t since = now_ns();

	while (rc == -ENOENT || rc == -EAGAIN) {
		rc = ring_open(&r, name, RING_KIND_SPSC);
		if ((rc == -ENOENT || rc == -EAGAIN) && now_ns() - since > PKG_STALL_NS)
			break;
		if (rc == -ENOENT || rc == -EAGAIN)
			usleep(1000);
	}
	if (rc < 0) {
		std::fprintf(stderr, "test_cxx: ring_open(%s): %s\n", name, ring_strerror(rc));
		return 1;
	}
	CHECK_RC(ring_unlink(name), 0);
	CHECK(ring_elem_size(&r) == sizeof(struct pkg_msg));

	struct pkg_msg buf[16];
	uint64_t next = 0, spins = 0;
	since = now_ns();
	for (unsigned k = 0; failures == 0; k++) {
		ssize_t got;
		size_t want = 1 + k % 16;

		if (want == 1) {
			int prc = ring_pop(&r, buf);
			got = prc == 0 ? 1 : prc;
		} else if (k % 2) {
			got = ring_pop_bulk(&r, buf, want);
			// Fewer than want left at the end of the stream: take them
			// with burst on the next round.
			if (got == -EPIPE && ring_count(&r) > 0)
				got = -EAGAIN;
		} else {
			got = ring_pop_burst(&r, buf, want);
		}
		if (got == -EPIPE)
			break;
		if (got == -EAGAIN) {
			if (++spins % 64 == 0) {
				if (now_ns() - since > PKG_STALL_NS) {
					std::fprintf(stderr, "test_cxx: no progress after %llu\n",
						     (unsigned long long)next);
					failures++;
				}
				sched_yield();
			}
			continue;
		}
		if (got < 0) {
			CHECK_RC(got, 0);
			break;
		}
		since = now_ns();
		for (ssize_t i = 0; i < got; i++, next++) {
			if (buf[i].seq != next || buf[i].check != pkg_check(buf[i].seq)) {
				std::fprintf(stderr, "test_cxx: message %llu: seq %llu\n",
					     (unsigned long long)next,
					     (unsigned long long)buf[i].seq);
				failures++;
				break;
			}
		}
	}
	CHECK(next == count);
	CHECK_RC(ring_pop(&r, buf), -EPIPE);
	ring_close(&r);
	if (failures == 0)
		std::printf("test_cxx: %llu messages in order\n", (unsigned long long)next);
	return failures ? 1 : 0;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc == 1)
		return self_test();
	if (argc == 4 && std::strcmp(argv[1], "consume") == 0)
		return consume(argv[2], std::strtoull(argv[3], nullptr, 10));
	std::fprintf(stderr, "usage: %s [consume NAME COUNT]\n", argv[0]);
	return 2;
}
