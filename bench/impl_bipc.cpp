// SPDX-License-Identifier: MIT
//
// Boost.Interprocess message_queue: a named shared-memory queue guarded by a
// process-shared mutex and condition variables, the queue a Boost user picks
// to pass messages between processes. Created in the parent before fork()
// (the children use the inherited mapping) and its name removed at once, so
// a killed run leaves nothing behind. try_send / try_receive: never blocks,
// 0 when full / empty. SPSC and MPMC (any number of senders and receivers).
#include <cstdio>
#include <new>

#include <unistd.h>

#include <boost/interprocess/ipc/message_queue.hpp>

#include "bench.h"

namespace bip = boost::interprocess;

namespace {

unsigned bipc_counter;

int bipc_setup(struct chan *c, uint32_t esz, uint32_t slots, int)
{
	char name[64];

	std::snprintf(name, sizeof(name), "shmbench-bipc-%ld-%u", (long)getpid(), bipc_counter++);
	try {
		bip::message_queue::remove(name);
		c->obj = new bip::message_queue(bip::create_only, name, slots, esz);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "boost message_queue: %s\n", e.what());
		return -1;
	}
	bip::message_queue::remove(name);
	return 0;
}

void bipc_teardown(struct chan *c)
{
	delete static_cast<bip::message_queue *>(c->obj);
}

inline int bipc_push(struct chan *c, const void *m, uint32_t esz)
{
	try {
		return static_cast<bip::message_queue *>(c->obj)->try_send(m, esz, 0) ? 1 : 0;
	} catch (const std::exception &) {
		return -EIO;
	}
}

inline int bipc_pop(struct chan *c, void *m, uint32_t esz)
{
	bip::message_queue::size_type got = 0;
	unsigned prio = 0;

	try {
		if (!static_cast<bip::message_queue *>(c->obj)->try_receive(m, esz, got, prio))
			return 0;
	} catch (const std::exception &) {
		return -EIO;
	}
	return got == esz ? 1 : -EMSGSIZE;
}

} // namespace

#define LOOP_P bipc
#include "loops.h"

extern "C" const struct impl impls_bipc[] = {
	{"boost-ipc-mq", CAP_SPSC | CAP_MPMC, bipc_setup, bipc_teardown, LOOP_FNS(bipc)},
	{nullptr, 0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr},
};
