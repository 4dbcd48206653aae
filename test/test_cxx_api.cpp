// SPDX-License-Identifier: MIT
//
// <shmring/shmring.hpp>, built with -fno-exceptions: the error category and
// its std::errc mapping, the move-only handle, ring<T>'s element-size check,
// the documented results through the wrappers, std::chrono deadlines, and a
// transfer between two processes (fork) through ring<T> on both sides.
// Exit status 0 on success; failures print the line and the condition.
#include <shmring/shmring.hpp>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace {

int failures = 0;

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
				     #cond);                                            \
			failures++;                                                     \
		}                                                                       \
	} while (0)

using namespace std::chrono_literals;
using shmring::options;
using shmring::ring;
using shmring::status;

struct msg {
	std::uint64_t seq;
	std::uint64_t check;
};
constexpr std::uint64_t mul = 0x9e3779b97f4a7c15u;

static_assert(!std::is_copy_constructible_v<shmring::handle>, "handle copyable");
static_assert(!std::is_copy_assignable_v<shmring::handle>, "handle copy-assignable");
static_assert(std::is_nothrow_move_constructible_v<shmring::handle>, "handle move");
static_assert(std::is_nothrow_move_assignable_v<shmring::handle>, "handle move-assign");
static_assert(!std::is_copy_constructible_v<ring<msg>>, "ring<T> copyable");
static_assert(std::is_nothrow_move_constructible_v<ring<msg>>, "ring<T> move");

std::string name_for(const char *tag)
{
	return "/shmring-cxxapi-" + std::to_string(getpid()) + "-" + tag;
}

void check_errors()
{
	const std::error_category &c = shmring::category();
	CHECK(std::string(c.name()) == "shmring");
	CHECK(c.message(EAGAIN) == ::ring_strerror(-EAGAIN));
	CHECK(c.default_error_condition(EPIPE) ==
	      std::error_condition(EPIPE, std::generic_category()));
	CHECK(status(-EAGAIN) == std::errc::resource_unavailable_try_again);
	CHECK(status(-EPIPE) == std::errc::broken_pipe);
	CHECK(status(-ETIMEDOUT) == std::errc::timed_out);
	CHECK(status(-EINVAL) == std::errc::invalid_argument);
	CHECK(status(-EAGAIN) != std::errc::broken_pipe);
	CHECK(status(-EPIPE).error().category() == shmring::category());
	CHECK(status(-EPIPE).error().value() == EPIPE);
	CHECK(status(-EPIPE).error().message() == ::ring_strerror(-EPIPE));
	CHECK(!status(-EPIPE));
	CHECK(status(0) && !status(0).error());
	CHECK(shmring::result(5).value() == 5 && shmring::result(5).ok());
	CHECK(shmring::result(-EAGAIN) == std::errc::resource_unavailable_try_again);
	CHECK(shmring::result(-EAGAIN).value() == 0);
}

void check_move()
{
	ring<std::uint64_t> a;
	CHECK(!a.is_open());
	CHECK(a.create_anon());
	for (std::uint64_t i = 0; i < 3; i++)
		CHECK(a.push(i));
	ring<std::uint64_t> b(std::move(a));
	std::uint64_t v = 99;
	CHECK(!a.is_open());                              // NOLINT: moved-from is closed
	CHECK(a.pop(v) == std::errc::invalid_argument);   // NOLINT
	CHECK(b.is_open() && b.count().value() == 3);
	CHECK(b.pop(v) && v == 0);
	ring<std::uint64_t> c;
	CHECK(c.create_anon());
	CHECK(c.push(42u));
	c = std::move(b); // c's old ring is closed, b's moves in
	CHECK(!b.is_open()); // NOLINT
	CHECK(c.pop(v) && v == 1);
	CHECK(c.pop(v) && v == 2);
	CHECK(c.pop(v) == std::errc::resource_unavailable_try_again);
	c.close();
	CHECK(!c.is_open());
	c.close(); // closing twice is a no-op
}

void check_elem_size()
{
	::ring_params p = {};
	p.kind = RING_KIND_SPSC;
	p.rule = RING_RULE_COUNT;
	p.slots = 8;
	p.elem_size = sizeof(msg);
	ssize_t len = ::ring_memsize(&p);
	CHECK(len > 0);
	std::vector<std::uint64_t> mem(static_cast<std::size_t>(len) / 8 + 1);
	shmring::handle h;
	CHECK(h.init_mem(mem.data(), static_cast<std::size_t>(len), p));

	ring<std::uint64_t> wrong;
	CHECK(wrong.attach_mem(mem.data(), static_cast<std::size_t>(len)) ==
	      std::errc::message_size);
	CHECK(!wrong.is_open());
	ring<msg> right;
	CHECK(right.attach_mem(mem.data(), static_cast<std::size_t>(len)));
	CHECK(right.capacity() == 8);

	// By name, as another program would attach.
	std::string n = name_for("esz");
	shmring::handle named;
	p.elem_size = 12;
	CHECK(named.create(n.c_str(), p));
	ring<std::uint64_t> w2;
	CHECK(w2.open(n.c_str()) == std::errc::message_size);
	CHECK(!w2.is_open());
	CHECK(shmring::handle::unlink(n.c_str()));
	CHECK(ring<msg>::memsize(options()).value() > sizeof(msg) * 1024);
}

void check_results()
{
	ring<std::uint64_t> q;
	options o;
	o.slots = 4;
	CHECK(q.create_anon(o));
	std::uint64_t v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	CHECK(q.push_bulk(v, 5) == std::errc::invalid_argument); // > capacity
	CHECK(q.push_burst(v, 8).value() == 4);
	CHECK(q.push(v[0]) == std::errc::resource_unavailable_try_again);
	CHECK(q.free_slots().value() == 0);
	std::uint64_t out[8] = {};
	CHECK(q.pop_bulk(out, 2).value() == 2 && out[0] == 1 && out[1] == 2);
	CHECK(q.close_write());
	CHECK(q.is_closed_for_write());
	CHECK(q.push(v[0]) == std::errc::broken_pipe);
	CHECK(q.pop_burst(out, 8).value() == 2 && out[0] == 3 && out[1] == 4);
	CHECK(q.pop(out[0]) == std::errc::broken_pipe);
	// Not a blocking ring: the waiting calls say so.
	CHECK(q.pop_for(out[0], 1ms) == std::errc::not_supported);
}

void check_deadlines()
{
	ring<msg> q;
	options o;
	o.flags = RING_F_BLOCKING;
	o.slots = 2;
	CHECK(q.create_anon(o));
	msg m{};
	CHECK(q.pop_for(m, 1ms) == std::errc::timed_out);
	CHECK(q.pop_for(m, -5ms) == std::errc::timed_out); // already passed
	CHECK(q.pop_until(m, std::chrono::steady_clock::now()) == std::errc::timed_out);
	CHECK(q.pop_until(m, std::chrono::system_clock::now() + 1ms) == std::errc::timed_out);
	msg b[2] = {{1, mul}, {2, 2 * mul}};
	CHECK(q.push_burst_until(b, 2, std::chrono::steady_clock::now() + 1s).value() == 2);
	CHECK(q.push_until(m, std::chrono::steady_clock::now()) == std::errc::timed_out);
	CHECK(q.push_for(m, 1ms) == std::errc::timed_out);
	CHECK(q.pop_burst_until(b, 2, std::chrono::steady_clock::now() + 1s).value() == 2);
	CHECK(b[1].seq == 2);
}

// A child process produces through ring<msg>, the parent consumes.
void check_processes(std::uint64_t count)
{
	std::string n = name_for("xproc");
	options o;
	o.flags = RING_F_BLOCKING;
	o.slots = 64;
	ring<msg> q;
	CHECK(q.create(n.c_str(), o));
	ring<msg> c; // the consumer, attached by name as another program would
	CHECK(c.open(n.c_str()));
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		ring<msg> p;
		if (!p.open(n.c_str(), RING_KIND_SPSC))
			_exit(3);
		if (!ring<msg>::unlink(n.c_str())) // both sides attached
			_exit(7);
		msg batch[5];
		for (std::uint64_t seq = 0; seq < count;) {
			std::size_t want = 1 + seq % 5;
			if (want > count - seq)
				want = RING_PVT_CAST(std::size_t, count - seq);
			for (std::size_t i = 0; i < want; i++)
				batch[i] = msg{seq + i, (seq + i) * mul};
			auto dl = std::chrono::steady_clock::now() + 30s;
			std::size_t got = 1;
			if (want == 1) {
				if (!p.push_until(batch[0], dl))
					_exit(4);
			} else {
				auto r = p.push_burst_until(batch, want, dl);
				if (!r)
					_exit(5);
				got = r.value();
			}
			seq += got;
		}
		_exit(p.close_write() ? 0 : 6);
	}
	CHECK(pid > 0);
	q.close(); // the creator's handle; the child produces through its own
	std::uint64_t next = 0;
	bool bad = false;
	for (;;) {
		msg m[7];
		auto r = c.pop_burst_until(m, 7, std::chrono::steady_clock::now() + 30s);
		if (r == std::errc::broken_pipe)
			break;
		if (!r) {
			std::fprintf(stderr, "pop: %s\n", r.error().message().c_str());
			bad = true;
			break;
		}
		for (std::size_t i = 0; i < r.value(); i++, next++)
			if (m[i].seq != next || m[i].check != next * mul)
				bad = true;
	}
	int st = 0;
	CHECK(waitpid(pid, &st, 0) == pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		ring<msg>::unlink(n.c_str());
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		std::fprintf(stderr, "producer child: status %#x\n", static_cast<unsigned>(st));
	CHECK(!bad);
	CHECK(next == count);
}

} // namespace

int main(int argc, char **argv)
{
	std::uint64_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
	check_errors();
	check_move();
	check_elem_size();
	check_results();
	check_deadlines();
	check_processes(count);
	if (failures) {
		std::fprintf(stderr, "%d checks failed\n", failures);
		return 1;
	}
	std::printf("test_cxx_api: all checks passed\n");
	return 0;
}
