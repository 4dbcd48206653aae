// SPDX-License-Identifier: MIT
//
// Boost.Lockfree spsc_queue with compile-time capacity, placement-new'ed into
// shared memory made before fork(): its storage is inside the object and its
// indices are lock-free std::atomic, so both processes use it in place.
// Capacity is BENCH_SLOTS - 1.
#include <cstdio>
#include <new>

#include <boost/lockfree/spsc_queue.hpp>

#include "bench.h"

namespace {

struct m8 {
	uint64_t w[1];
};
struct m64 {
	uint64_t w[8];
};
using q8 = boost::lockfree::spsc_queue<m8, boost::lockfree::capacity<BENCH_SLOTS>>;
using q64 = boost::lockfree::spsc_queue<m64, boost::lockfree::capacity<BENCH_SLOTS>>;

int bst_setup(struct chan *c, uint32_t esz, uint32_t slots, int)
{
	if (slots != BENCH_SLOTS) {
		std::fprintf(stderr, "boost spsc_queue: built for %u slots only\n", BENCH_SLOTS);
		return -1;
	}
	c->len = esz == 8 ? sizeof(q8) : sizeof(q64);
	c->mem = shared_alloc(c->len);
	if (c->mem == nullptr)
		return -1;
	if (esz == 8)
		c->obj = new (c->mem) q8();
	else
		c->obj = new (c->mem) q64();
	return 0;
}

void bst_teardown(struct chan *c)
{
	if (c->esz == 8)
		static_cast<q8 *>(c->obj)->~q8();
	else
		static_cast<q64 *>(c->obj)->~q64();
	shared_free(c->mem, c->len);
}

inline int bst_push(struct chan *c, const void *m, uint32_t esz)
{
	if (esz == 8)
		return static_cast<q8 *>(c->obj)->push(*static_cast<const m8 *>(m));
	return static_cast<q64 *>(c->obj)->push(*static_cast<const m64 *>(m));
}

inline int bst_pop(struct chan *c, void *m, uint32_t esz)
{
	if (esz == 8)
		return static_cast<q8 *>(c->obj)->pop(*static_cast<m8 *>(m));
	return static_cast<q64 *>(c->obj)->pop(*static_cast<m64 *>(m));
}

inline int bst_push_burst(struct chan *c, const void *m, uint32_t n, uint32_t esz)
{
	if (esz == 8)
		return (int)static_cast<q8 *>(c->obj)->push(static_cast<const m8 *>(m), n);
	return (int)static_cast<q64 *>(c->obj)->push(static_cast<const m64 *>(m), n);
}

inline int bst_pop_burst(struct chan *c, void *m, uint32_t n, uint32_t esz)
{
	if (esz == 8)
		return (int)static_cast<q8 *>(c->obj)->pop(static_cast<m8 *>(m), n);
	return (int)static_cast<q64 *>(c->obj)->pop(static_cast<m64 *>(m), n);
}

} // namespace

#define LOOP_P bst
#define LOOP_BURST
#include "loops.h"

extern "C" const struct impl impls_boost[] = {
	{"boost-spsc", CAP_SPSC | CAP_BURST, bst_setup, bst_teardown, LOOP_FNS(bst)},
	{nullptr, 0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr},
};
