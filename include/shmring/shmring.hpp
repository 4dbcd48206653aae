// SPDX-License-Identifier: MIT
//
// shmring for C++17: a thin header over the C API, no logic the C calls do
// not have, no exceptions (build with -fno-exceptions if you like).
//
//   shmring::handle     move-only owner of a struct ring (ring_close on
//                       destruction), untyped calls
//   shmring::ring<T>    the same for elements of type T: T must be trivially
//                       copyable, and attaching to a ring whose element size is
//                       not sizeof(T) fails with EMSGSIZE
//   shmring::status     result of a call: 0 or an errno, as a std::error_code
//                       of shmring::category() on demand
//   shmring::result<N>  a count, or an error
//
// Every call is the C call it names (ring_push for push, ...), inlined the
// same way: status and result are plain integers until an error is asked for
// as a std::error_code, so a push or pop costs what it costs from C. The
// error category maps each code to its std::errc condition, so
//   if (auto st = q.pop(v); st == std::errc::resource_unavailable_try_again)
// tests for "empty". Deadlines are std::chrono time points (steady_clock is
// CLOCK_MONOTONIC, as the C calls use; other clocks are converted through
// now()) or durations.
//
// Thread and process safety are the C calls': see <shmring/ring.h>.
#ifndef SHMRING_SHMRING_HPP
#define SHMRING_SHMRING_HPP

#include "shmring.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

// The wrappers of the inline fast path are forced inline too: ring_push
// expands to enough code that a compiler's size heuristics would otherwise
// keep one out-of-line copy of push(), a call per element that C does not pay.
#if defined(__GNUC__) || defined(__clang__)
#define SHMRING_CXX_INLINE __attribute__((always_inline))
#else
#define SHMRING_CXX_INLINE
#endif

namespace shmring {

// ---- errors -----------------------------------------------------------------

// The category of shmring's codes: message() is ring_strerror(); codes are
// errno values, so each maps to the std::errc condition of the same value.
class error_category_impl final : public std::error_category {
public:
	const char *name() const noexcept override { return "shmring"; }
	std::string message(int ev) const override { return ::ring_strerror(ev); }
	std::error_condition default_error_condition(int ev) const noexcept override
	{
		return std::error_condition(ev, std::generic_category());
	}
};

inline const std::error_category &category() noexcept
{
	static const error_category_impl instance;
	return instance;
}

// A C result (0 or a count on success, -errno on failure) as a
// std::error_code: empty on success.
inline std::error_code make_error_code(long long rc) noexcept
{
	if (rc >= 0)
		return std::error_code();
	return std::error_code(static_cast<int>(-rc), category());
}

// The outcome of a call that moves no count: true on success, as
// std::expected<void, ...> would be.
class status {
public:
	constexpr status() noexcept = default;
	constexpr explicit status(int rc) noexcept : rc_(rc < 0 ? rc : 0) {}
	constexpr bool ok() const noexcept { return rc_ == 0; }
	constexpr explicit operator bool() const noexcept { return rc_ == 0; }
	// The C result: 0 or -errno.
	constexpr int raw() const noexcept { return rc_; }
	std::error_code error() const noexcept { return make_error_code(rc_); }
	friend bool operator==(status s, std::errc e) noexcept { return s.error() == e; }
	friend bool operator!=(status s, std::errc e) noexcept { return !(s == e); }

private:
	int rc_ = 0;
};

// A count (elements moved, stored, free) or an error.
class result {
public:
	constexpr explicit result(long long rc) noexcept : rc_(rc) {}
	constexpr bool ok() const noexcept { return rc_ >= 0; }
	constexpr explicit operator bool() const noexcept { return rc_ >= 0; }
	// The count; 0 on error.
	constexpr std::size_t value() const noexcept
	{
		return rc_ >= 0 ? static_cast<std::size_t>(rc_) : 0u;
	}
	constexpr long long raw() const noexcept { return rc_; }
	std::error_code error() const noexcept { return make_error_code(rc_); }
	friend bool operator==(result r, std::errc e) noexcept { return r.error() == e; }
	friend bool operator!=(result r, std::errc e) noexcept { return !(r == e); }

private:
	long long rc_;
};

// ---- deadlines ----------------------------------------------------------------

namespace detail {

inline struct timespec to_timespec(std::chrono::steady_clock::duration since_epoch) noexcept
{
	using namespace std::chrono;
	auto ns = duration_cast<nanoseconds>(since_epoch).count();
	struct timespec ts;
	if (ns < 0)
		ns = 0;
	// RING_PVT_CAST: time_t and long may be the type of ns already.
	ts.tv_sec = RING_PVT_CAST(time_t, ns / 1000000000);
	ts.tv_nsec = RING_PVT_CAST(long, ns % 1000000000);
	return ts;
}

// An absolute CLOCK_MONOTONIC deadline. libstdc++ and libc++ on Linux define
// steady_clock as CLOCK_MONOTONIC, so its epoch is the C calls' epoch.
template <class Clock, class Dur>
struct timespec deadline(const std::chrono::time_point<Clock, Dur> &t) noexcept
{
	using std::chrono::steady_clock;
	if constexpr (std::is_same_v<Clock, steady_clock>) {
		return to_timespec(std::chrono::duration_cast<steady_clock::duration>(
			t.time_since_epoch()));
	} else {
		auto left = t - Clock::now();
		auto at = steady_clock::now() +
			  std::chrono::duration_cast<steady_clock::duration>(left);
		return to_timespec(at.time_since_epoch());
	}
}

template <class Rep, class Period>
std::uint64_t nanoseconds(const std::chrono::duration<Rep, Period> &d) noexcept
{
	auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
	return ns > 0 ? static_cast<std::uint64_t>(ns) : 0u;
}

} // namespace detail

// ---- the untyped handle --------------------------------------------------------

// Owns one struct ring. Move-only: a copy would unmap the ring twice.
// Constructors of the C API are the open/create members; each closes what the
// handle held before. Closing is the destructor's (or close()'s).
class handle {
public:
	handle() noexcept : r_() {}
	~handle() { ::ring_close(&r_); }
	handle(const handle &) = delete;
	handle &operator=(const handle &) = delete;
	handle(handle &&o) noexcept : r_(o.r_) { o.r_ = ::ring(); }
	handle &operator=(handle &&o) noexcept
	{
		if (this != &o) {
			::ring_close(&r_);
			r_ = o.r_;
			o.r_ = ::ring();
		}
		return *this;
	}

	status create(const char *name, const ::ring_params &p) noexcept
	{
		::ring_close(&r_);
		return status(::ring_create(&r_, name, &p));
	}
	status open(const char *name, std::uint32_t kind = RING_KIND_ANY) noexcept
	{
		::ring_close(&r_);
		return status(::ring_open(&r_, name, kind));
	}
	status create_anon(const ::ring_params &p) noexcept
	{
		::ring_close(&r_);
		return status(::ring_create_anon(&r_, &p));
	}
	status create_memfd(const char *label, const ::ring_params &p) noexcept
	{
		::ring_close(&r_);
		return status(::ring_create_memfd(&r_, label, &p));
	}
	status open_fd(int fd, std::uint32_t kind = RING_KIND_ANY) noexcept
	{
		::ring_close(&r_);
		return status(::ring_open_fd(&r_, fd, kind));
	}
	status init_mem(void *mem, std::size_t len, const ::ring_params &p) noexcept
	{
		::ring_close(&r_);
		return status(::ring_init_mem(&r_, mem, len, &p));
	}
	status attach_mem(void *mem, std::size_t len, std::uint32_t kind = RING_KIND_ANY) noexcept
	{
		::ring_close(&r_);
		return status(::ring_attach_mem(&r_, mem, len, kind));
	}
	static status unlink(const char *name) noexcept { return status(::ring_unlink(name)); }
	void close() noexcept { ::ring_close(&r_); }
	status close_write() noexcept { return status(::ring_close_write(&r_)); }

	// Attached (not zeroed or closed).
	bool is_open() const noexcept { return r_.shm != nullptr; }
	bool is_closed_for_write() const noexcept { return ::ring_is_closed(&r_) == 1; }
	std::size_t capacity() const noexcept { return ::ring_capacity(&r_); }
	std::size_t elem_size() const noexcept { return ::ring_elem_size(&r_); }
	std::uint32_t kind() const noexcept { return ::ring_kind(&r_); }
	std::uint32_t rule() const noexcept { return ::ring_rule(&r_); }
	std::uint32_t flags() const noexcept { return ::ring_flags(&r_); }
	result count() const noexcept { return result(::ring_count(&r_)); }
	result free_slots() const noexcept { return result(::ring_free(&r_)); }
	int fd() const noexcept { return ::ring_fd(&r_); }

	// Untyped element calls: elem_size() bytes per element.
	SHMRING_CXX_INLINE status push(const void *elem) noexcept { return status(::ring_push(&r_, elem)); }
	SHMRING_CXX_INLINE status pop(void *elem) noexcept { return status(::ring_pop(&r_, elem)); }
	SHMRING_CXX_INLINE result push_bulk(const void *src, std::size_t n) noexcept
	{
		return result(::ring_push_bulk(&r_, src, n));
	}
	SHMRING_CXX_INLINE result pop_bulk(void *dst, std::size_t n) noexcept
	{
		return result(::ring_pop_bulk(&r_, dst, n));
	}
	SHMRING_CXX_INLINE result push_burst(const void *src, std::size_t n) noexcept
	{
		return result(::ring_push_burst(&r_, src, n));
	}
	SHMRING_CXX_INLINE result pop_burst(void *dst, std::size_t n) noexcept
	{
		return result(::ring_pop_burst(&r_, dst, n));
	}

	// Blocking (RING_F_BLOCKING rings): without limit, until a time point,
	// or for a duration.
	status push_wait(const void *elem) noexcept
	{
		return status(::ring_push_wait(&r_, elem, nullptr));
	}
	status pop_wait(void *elem) noexcept { return status(::ring_pop_wait(&r_, elem, nullptr)); }
	template <class Clock, class Dur>
	status push_until(const void *elem, const std::chrono::time_point<Clock, Dur> &t) noexcept
	{
		struct timespec ts = detail::deadline(t);
		return status(::ring_push_wait(&r_, elem, &ts));
	}
	template <class Clock, class Dur>
	status pop_until(void *elem, const std::chrono::time_point<Clock, Dur> &t) noexcept
	{
		struct timespec ts = detail::deadline(t);
		return status(::ring_pop_wait(&r_, elem, &ts));
	}
	template <class Rep, class Period>
	status push_for(const void *elem, const std::chrono::duration<Rep, Period> &d) noexcept
	{
		return status(::ring_push_timeout(&r_, elem, detail::nanoseconds(d)));
	}
	template <class Rep, class Period>
	status pop_for(void *elem, const std::chrono::duration<Rep, Period> &d) noexcept
	{
		return status(::ring_pop_timeout(&r_, elem, detail::nanoseconds(d)));
	}
	template <class Clock, class Dur>
	result push_burst_until(const void *src, std::size_t n,
				const std::chrono::time_point<Clock, Dur> &t) noexcept
	{
		struct timespec ts = detail::deadline(t);
		return result(::ring_push_burst_wait(&r_, src, n, &ts));
	}
	template <class Clock, class Dur>
	result pop_burst_until(void *dst, std::size_t n,
			       const std::chrono::time_point<Clock, Dur> &t) noexcept
	{
		struct timespec ts = detail::deadline(t);
		return result(::ring_pop_burst_wait(&r_, dst, n, &ts));
	}

	// The C handle, for calls this header does not wrap.
	::ring *native() noexcept { return &r_; }
	const ::ring *native() const noexcept { return &r_; }

private:
	::ring r_;
};

// ---- the typed ring --------------------------------------------------------------

// Parameters of a ring<T>; elem_size is sizeof(T).
struct options {
	std::uint32_t kind = RING_KIND_SPSC;
	std::uint32_t rule = RING_RULE_COUNT;
	std::uint64_t slots = 1024;
	std::uint32_t flags = 0;
	std::uint32_t mode = 0;

	::ring_params params(std::size_t elem_size) const noexcept
	{
		::ring_params p = {};
		p.kind = kind;
		p.rule = rule;
		p.slots = slots;
		p.elem_size = elem_size;
		p.flags = flags;
		p.mode = mode;
		return p;
	}
};

template <class T>
class ring {
	static_assert(std::is_trivially_copyable_v<T>,
		      "shmring::ring<T>: T must be trivially copyable (it is copied as bytes "
		      "between processes)");
	static_assert(!std::is_pointer_v<T>,
		      "shmring::ring<T>: a pointer means nothing in another process");

public:
	ring() noexcept = default;

	status create(const char *name, const options &o = options()) noexcept
	{
		return h_.create(name, o.params(sizeof(T)));
	}
	status create_anon(const options &o = options()) noexcept
	{
		return h_.create_anon(o.params(sizeof(T)));
	}
	status create_memfd(const char *label, const options &o = options()) noexcept
	{
		return h_.create_memfd(label, o.params(sizeof(T)));
	}
	status init_mem(void *mem, std::size_t len, const options &o = options()) noexcept
	{
		return h_.init_mem(mem, len, o.params(sizeof(T)));
	}
	// The attach calls refuse (EMSGSIZE, handle closed) a ring whose element
	// size is not sizeof(T).
	status open(const char *name, std::uint32_t kind = RING_KIND_ANY) noexcept
	{
		return checked(h_.open(name, kind));
	}
	status open_fd(int fd, std::uint32_t kind = RING_KIND_ANY) noexcept
	{
		return checked(h_.open_fd(fd, kind));
	}
	status attach_mem(void *mem, std::size_t len, std::uint32_t kind = RING_KIND_ANY) noexcept
	{
		return checked(h_.attach_mem(mem, len, kind));
	}
	// Bytes a ring of these options takes, for init_mem.
	static result memsize(const options &o = options()) noexcept
	{
		::ring_params p = o.params(sizeof(T));
		return result(::ring_memsize(&p));
	}
	static status unlink(const char *name) noexcept { return handle::unlink(name); }
	void close() noexcept { h_.close(); }
	status close_write() noexcept { return h_.close_write(); }

	SHMRING_CXX_INLINE status push(const T &v) noexcept { return h_.push(&v); }
	SHMRING_CXX_INLINE status pop(T &v) noexcept { return h_.pop(&v); }
	SHMRING_CXX_INLINE result push_bulk(const T *v, std::size_t n) noexcept { return h_.push_bulk(v, n); }
	SHMRING_CXX_INLINE result pop_bulk(T *v, std::size_t n) noexcept { return h_.pop_bulk(v, n); }
	SHMRING_CXX_INLINE result push_burst(const T *v, std::size_t n) noexcept { return h_.push_burst(v, n); }
	SHMRING_CXX_INLINE result pop_burst(T *v, std::size_t n) noexcept { return h_.pop_burst(v, n); }

	status push_wait(const T &v) noexcept { return h_.push_wait(&v); }
	status pop_wait(T &v) noexcept { return h_.pop_wait(&v); }
	template <class Clock, class Dur>
	status push_until(const T &v, const std::chrono::time_point<Clock, Dur> &t) noexcept
	{
		return h_.push_until(&v, t);
	}
	template <class Clock, class Dur>
	status pop_until(T &v, const std::chrono::time_point<Clock, Dur> &t) noexcept
	{
		return h_.pop_until(&v, t);
	}
	template <class Rep, class Period>
	status push_for(const T &v, const std::chrono::duration<Rep, Period> &d) noexcept
	{
		return h_.push_for(&v, d);
	}
	template <class Rep, class Period>
	status pop_for(T &v, const std::chrono::duration<Rep, Period> &d) noexcept
	{
		return h_.pop_for(&v, d);
	}
	template <class Clock, class Dur>
	result push_burst_until(const T *v, std::size_t n,
				const std::chrono::time_point<Clock, Dur> &t) noexcept
	{
		return h_.push_burst_until(v, n, t);
	}
	template <class Clock, class Dur>
	result pop_burst_until(T *v, std::size_t n,
			       const std::chrono::time_point<Clock, Dur> &t) noexcept
	{
		return h_.pop_burst_until(v, n, t);
	}

	bool is_open() const noexcept { return h_.is_open(); }
	bool is_closed_for_write() const noexcept { return h_.is_closed_for_write(); }
	std::size_t capacity() const noexcept { return h_.capacity(); }
	std::uint32_t kind() const noexcept { return h_.kind(); }
	std::uint32_t rule() const noexcept { return h_.rule(); }
	std::uint32_t flags() const noexcept { return h_.flags(); }
	result count() const noexcept { return h_.count(); }
	result free_slots() const noexcept { return h_.free_slots(); }
	int fd() const noexcept { return h_.fd(); }

	shmring::handle &untyped() noexcept { return h_; }
	::ring *native() noexcept { return h_.native(); }

private:
	status checked(status st) noexcept
	{
		if (st && h_.elem_size() != sizeof(T)) {
			h_.close();
			return status(-EMSGSIZE);
		}
		return st;
	}

	shmring::handle h_;
};

} // namespace shmring

#endif // SHMRING_SHMRING_HPP
