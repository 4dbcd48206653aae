// SPDX-License-Identifier: MIT
//
// overhead MODE LANG N: set up a ring in memory (MODE: fast8 = SPSC, count
// rule, 1024 slots; n1 = SPSC, n-1 rule, 1000 slots; mpmc = MPMC, 1024 slots;
// 8-byte elements, not blocking) and run N push+pop pairs through the C
// inline calls (LANG c) or shmring::ring<std::uint64_t> (LANG cxx), in a
// function of its own that test/cxx/overhead.sh counts under callgrind
// (--toggle-collect). Exit status 0 when every call succeeded in order.
#include <shmring/shmring.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "overhead.h"

extern "C" __attribute__((noinline)) std::uint64_t overhead_cxx_loop(
	shmring::ring<std::uint64_t> &q, std::uint64_t n)
{
	std::uint64_t v, bad = 0;

	for (std::uint64_t i = 0; i < n; i++) {
		if (!q.push(i))
			bad++;
		if (!q.pop(v) || v != i)
			bad++;
	}
	return bad;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		std::fprintf(stderr, "usage: %s fast8|n1|mpmc c|cxx N\n", argv[0]);
		return 2;
	}
	shmring::options o;
	o.slots = 1024;
	if (std::strcmp(argv[1], "n1") == 0) {
		o.rule = RING_RULE_N1;
		o.slots = 1000;
	} else if (std::strcmp(argv[1], "mpmc") == 0) {
		o.kind = RING_KIND_MPMC;
	}
	std::uint64_t n = std::strtoull(argv[3], nullptr, 10);
	auto size = shmring::ring<std::uint64_t>::memsize(o);
	std::vector<std::uint64_t> mem(size.value() / 8 + 1);
	shmring::ring<std::uint64_t> q;
	if (!size || !q.init_mem(mem.data(), size.value(), o)) {
		std::fprintf(stderr, "ring setup failed\n");
		return 1;
	}
	std::uint64_t bad = std::strcmp(argv[2], "c") == 0 ? overhead_c_loop(q.native(), n)
							   : overhead_cxx_loop(q, n);
	return bad == 0 ? 0 : 1;
}
