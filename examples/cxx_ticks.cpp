// SPDX-License-Identifier: MIT
//
// The README's producer and consumer in C++17 with <shmring/shmring.hpp>:
// one program that forks, the child producing ticks into a named ring, the
// parent consuming them; no exceptions, errors as std::error_code.
//
//   cxx_ticks [COUNT]
#include <shmring/shmring.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

struct tick {
	unsigned long seq;
	double price;
};

int main(int argc, char **argv)
{
	using namespace std::chrono_literals;
	unsigned long count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000000;
	std::string name = "/shmring-cxx-ticks-" + std::to_string(getpid());

	shmring::options o;
	o.slots = 1024;
	o.flags = RING_F_BLOCKING;
	shmring::ring<tick> consumer;
	if (auto st = consumer.create(name.c_str(), o); !st) {
		std::fprintf(stderr, "create: %s\n", st.error().message().c_str());
		return 1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		shmring::ring<tick> producer; // attaches by name, as another program would
		if (!producer.open(name.c_str(), RING_KIND_SPSC))
			_exit(1);
		shmring::ring<tick>::unlink(name.c_str()); // both sides attached
		for (unsigned long i = 0; i < count; i++)
			if (!producer.push_for(tick{i, 100.0 + static_cast<double>(i % 100)}, 10s))
				_exit(1);
		_exit(producer.close_write() ? 0 : 1);
	}
	unsigned long got = 0;
	double sum = 0;
	tick t;
	shmring::status st;
	while ((st = consumer.pop_for(t, 10s))) {
		if (t.seq != got) {
			std::fprintf(stderr, "tick %lu arrived as %lu\n", got, t.seq);
			break;
		}
		sum += t.price;
		got++;
	}
	int ws = 0;
	waitpid(pid, &ws, 0);
	if (st != std::errc::broken_pipe || got != count || !WIFEXITED(ws) || WEXITSTATUS(ws)) {
		std::fprintf(stderr, "stopped after %lu ticks: %s\n", got, st.error().message().c_str());
		shmring::ring<tick>::unlink(name.c_str());
		return 1;
	}
	std::printf("%lu ticks in order, mean price %.2f\n", got, sum / static_cast<double>(got));
	return 0;
}
