// SPDX-License-Identifier: MIT
// msgbench's Boost.Interprocess message_queue peer (header-only Boost).
#include <boost/interprocess/ipc/message_queue.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

namespace bi = boost::interprocess;

extern "C" int bipc_create(const char *name, size_t maxsz)
{
	try {
		bi::message_queue::remove(name);
		bi::message_queue q(bi::create_only, name, 64, maxsz);
		return 0;
	} catch (...) {
		return 1;
	}
}

extern "C" void bipc_remove(const char *name)
{
	bi::message_queue::remove(name);
}

extern "C" int bipc_send(const char *name, uint64_t n, size_t (*len_of)(uint64_t))
{
	try {
		bi::message_queue q(bi::open_only, name);
		std::vector<unsigned char> buf(q.get_max_msg_size());
		for (uint64_t i = 0; i < n; i++) {
			size_t len = len_of(i);
			if (len >= 8)
				std::memcpy(buf.data(), &i, 8);
			else if (len)
				buf[0] = static_cast<unsigned char>(i);
			q.send(buf.data(), len, 0);
		}
		return 0;
	} catch (...) {
		return 1;
	}
}

extern "C" int bipc_recv(const char *name, uint64_t n, size_t (*len_of)(uint64_t))
{
	try {
		bi::message_queue q(bi::open_only, name);
		std::vector<unsigned char> buf(q.get_max_msg_size());
		for (uint64_t i = 0; i < n; i++) {
			bi::message_queue::size_type got;
			unsigned prio;
			q.receive(buf.data(), buf.size(), got, prio);
			uint64_t v = 0;
			if (got != len_of(i))
				return 1;
			if (got >= 8) {
				std::memcpy(&v, buf.data(), 8);
				if (v != i)
					return 1;
			}
		}
		return 0;
	} catch (...) {
		return 1;
	}
}
