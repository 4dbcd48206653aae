// SPDX-License-Identifier: MIT
//
// moodycamel's ReaderWriterQueue (SPSC) and ConcurrentQueue (MPMC), THREADS
// ONLY: both allocate their blocks with the process heap and link them with
// pointers, so they cannot live in memory shared between processes. They run
// as threads of one process (CAP_THREADS; the tables mark them "threads").
// Bounded like the rings: the queues are sized once at set-up and only the
// non-allocating try_enqueue is used, which fails (0: full) instead of
// growing. ConcurrentQueue is FIFO per producer, which is what the MPMC
// check verifies.
#include <cstdio>
#include <new>

#include <concurrentqueue/concurrentqueue.h>
#include <readerwriterqueue/readerwriterqueue.h>

#include "bench.h"

namespace {

struct m8 {
	uint64_t w[1];
};
struct m64 {
	uint64_t w[8];
};
using rwq8 = moodycamel::ReaderWriterQueue<m8>;
using rwq64 = moodycamel::ReaderWriterQueue<m64>;
using cq8 = moodycamel::ConcurrentQueue<uint64_t>;

int rwq_setup(struct chan *c, uint32_t esz, uint32_t slots, int)
{
	try {
		if (esz == 8)
			c->obj = new rwq8(slots);
		else
			c->obj = new rwq64(slots);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "readerwriterqueue: %s\n", e.what());
		return -1;
	}
	return 0;
}

void rwq_teardown(struct chan *c)
{
	if (c->esz == 8)
		delete static_cast<rwq8 *>(c->obj);
	else
		delete static_cast<rwq64 *>(c->obj);
}

inline int rwq_push(struct chan *c, const void *m, uint32_t esz)
{
	if (esz == 8)
		return static_cast<rwq8 *>(c->obj)->try_enqueue(*static_cast<const m8 *>(m));
	return static_cast<rwq64 *>(c->obj)->try_enqueue(*static_cast<const m64 *>(m));
}

inline int rwq_pop(struct chan *c, void *m, uint32_t esz)
{
	if (esz == 8)
		return static_cast<rwq8 *>(c->obj)->try_dequeue(*static_cast<m8 *>(m));
	return static_cast<rwq64 *>(c->obj)->try_dequeue(*static_cast<m64 *>(m));
}

int cq_setup(struct chan *c, uint32_t esz, uint32_t slots, int)
{
	if (esz != 8) {
		std::fprintf(stderr, "concurrentqueue: 8-byte messages only here\n");
		return -1;
	}
	try {
		/* Room for `slots` elements per producer thread (up to 8),
		 * allocated now: try_enqueue never allocates. */
		c->obj = new cq8(slots, 0, BENCH_MAX_CHILD);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "concurrentqueue: %s\n", e.what());
		return -1;
	}
	return 0;
}

void cq_teardown(struct chan *c)
{
	delete static_cast<cq8 *>(c->obj);
}

inline int cq_push(struct chan *c, const void *m, uint32_t)
{
	return static_cast<cq8 *>(c->obj)->try_enqueue(*static_cast<const uint64_t *>(m));
}

inline int cq_pop(struct chan *c, void *m, uint32_t)
{
	return static_cast<cq8 *>(c->obj)->try_dequeue(*static_cast<uint64_t *>(m));
}

} // namespace

#define LOOP_P rwq
#include "loops.h"

#define LOOP_P cq
#include "loops.h"

extern "C" const struct impl impls_moody[] = {
	{"moody-rwq-thr", CAP_SPSC | CAP_THREADS, rwq_setup, rwq_teardown, LOOP_FNS(rwq)},
	{"moody-cq-thr", CAP_MPMC | CAP_THREADS, cq_setup, cq_teardown, LOOP_FNS(cq)},
	{nullptr, 0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr},
};
