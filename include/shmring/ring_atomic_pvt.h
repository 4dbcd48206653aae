/* SPDX-License-Identifier: MIT */
/*
 * One spelling of atomics for C11 and C++17.
 *
 * C uses _Atomic(T) and <stdatomic.h>; C++ uses std::atomic<T> (g++ 12 rejects
 * _Atomic before C++23). ring_layout.h asserts that both have the size and
 * alignment of T and are lock-free, so the shared layout is the same in both
 * languages and the same inline fast path compiles in both.
 *
 * Internal: include <shmring/ring.h> or <shmring/ring_layout.h> instead.
 */
#ifndef SHMRING_RING_ATOMIC_PVT_H
#define SHMRING_RING_ATOMIC_PVT_H

#ifndef SHMRING_INSIDE_HEADERS
#error "ring_atomic_pvt.h is internal: include <shmring/ring.h>"
#endif

#ifdef __cplusplus
#include <atomic>
#define RING_ATOMIC(T) std::atomic<T>
#define RING_MO(o) std::memory_order_##o
#define ring_pvt_load(p, o) std::atomic_load_explicit((p), RING_MO(o))
#define ring_pvt_store(p, v, o) std::atomic_store_explicit((p), (v), RING_MO(o))
#define ring_pvt_xchg(p, v, o) std::atomic_exchange_explicit((p), (v), RING_MO(o))
#define ring_pvt_fetch_add(p, v, o) std::atomic_fetch_add_explicit((p), (v), RING_MO(o))
#define ring_pvt_fetch_or(p, v, o) std::atomic_fetch_or_explicit((p), (v), RING_MO(o))
#define ring_pvt_fetch_and(p, v, o) std::atomic_fetch_and_explicit((p), (v), RING_MO(o))
#define ring_pvt_fetch_sub(p, v, o) std::atomic_fetch_sub_explicit((p), (v), RING_MO(o))
#define ring_pvt_cas(p, e, d, os, of) \
	std::atomic_compare_exchange_weak_explicit((p), (e), (d), RING_MO(os), RING_MO(of))
#define ring_pvt_fence(o) std::atomic_thread_fence(RING_MO(o))
#define ring_pvt_signal_fence(o) std::atomic_signal_fence(RING_MO(o))
#define RING_STATIC_ASSERT(c, m) static_assert(c, m)
#define RING_ALIGNOF(T) alignof(T)
#define RING_LOCK_FREE_64 (std::atomic<unsigned long long>::is_always_lock_free)
#define RING_LOCK_FREE_32 (std::atomic<unsigned int>::is_always_lock_free)
#else
#include <stdatomic.h>
#define RING_ATOMIC(T) _Atomic(T)
#define RING_MO(o) memory_order_##o
#define ring_pvt_load(p, o) atomic_load_explicit((p), RING_MO(o))
#define ring_pvt_store(p, v, o) atomic_store_explicit((p), (v), RING_MO(o))
#define ring_pvt_xchg(p, v, o) atomic_exchange_explicit((p), (v), RING_MO(o))
#define ring_pvt_fetch_add(p, v, o) atomic_fetch_add_explicit((p), (v), RING_MO(o))
#define ring_pvt_fetch_or(p, v, o) atomic_fetch_or_explicit((p), (v), RING_MO(o))
#define ring_pvt_fetch_and(p, v, o) atomic_fetch_and_explicit((p), (v), RING_MO(o))
#define ring_pvt_fetch_sub(p, v, o) atomic_fetch_sub_explicit((p), (v), RING_MO(o))
#define ring_pvt_cas(p, e, d, os, of) \
	atomic_compare_exchange_weak_explicit((p), (e), (d), RING_MO(os), RING_MO(of))
#define ring_pvt_fence(o) atomic_thread_fence(RING_MO(o))
#define ring_pvt_signal_fence(o) atomic_signal_fence(RING_MO(o))
#define RING_STATIC_ASSERT(c, m) _Static_assert(c, m)
#define RING_ALIGNOF(T) _Alignof(T)
/* libatomic's lock fallback is process-local: shared words must be lock-free. */
#define RING_LOCK_FREE_64 (ATOMIC_LLONG_LOCK_FREE == 2 && ATOMIC_LONG_LOCK_FREE == 2)
#define RING_LOCK_FREE_32 (ATOMIC_INT_LOCK_FREE == 2)
#endif

/*
 * gcc rejects atomic_thread_fence under -fsanitize=thread (-Wtsan: TSan does
 * not model fences), which would break every TSan build that includes these
 * headers. Our fences (F1/F2, the store-buffering handshake) order atomic
 * accesses only, which TSan never reports on, so under gcc's TSan the same
 * hardware barrier a seq_cst fence compiles to is issued directly: behaviour
 * is unchanged, the warning is gone.
 */
#if defined(__SANITIZE_THREAD__) && !defined(__clang__) && \
	(defined(__x86_64__) || defined(__i386__) || defined(__aarch64__))
#undef ring_pvt_fence
#if defined(__aarch64__)
#define ring_pvt_fence(o) __asm__ __volatile__("dmb ish" ::: "memory")
#else
#define ring_pvt_fence(o) __asm__ __volatile__("mfence" ::: "memory")
#endif
#endif

/*
 * Casts in the headers. C spells them (T)(x). The same code compiled as C++
 * must stay quiet under -Wold-style-cast and -Wuseless-cast (g++ flags a
 * cast to the type the value already has, as (size_t) of a uint64_t on LP64,
 * which C needs on 32-bit targets): there they are a static_cast inside a
 * function template, which neither warning reports. extern "C++" keeps the
 * template legal when a user includes the headers inside extern "C".
 *   RING_PVT_CAST(T, x)    a value or object-pointer conversion
 *   RING_PVT_UNCONST(p)    const void * to void *, for a buffer the callee
 *                          only reads
 */
#ifdef __cplusplus
extern "C++" {
template <class T, class U>
constexpr inline T ring_pvt_cxx_cast(U u) noexcept
{
	return static_cast<T>(u);
}
}
#define RING_PVT_CAST(T, x) (ring_pvt_cxx_cast<T>(x))
#define RING_PVT_UNCONST(p) (const_cast<void *>(p))
#else
#define RING_PVT_CAST(T, x) ((T)(x))
#define RING_PVT_UNCONST(p) ((void *)(uintptr_t)(const void *)(p))
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ring_pvt_likely(x) __builtin_expect(!!(x), 1)
#define ring_pvt_unlikely(x) __builtin_expect(!!(x), 0)
/* The fast path must be inlined at each call site so that constant
 * arguments (one element, the rule) fold away; compilers otherwise keep one
 * shared out-of-line copy of the generic function. */
#define RING_PVT_INLINE static inline __attribute__((always_inline))
#define RING_PVT_NOINLINE __attribute__((noinline, unused))
#else
#define RING_PVT_NOINLINE
#define ring_pvt_likely(x) (x)
#define ring_pvt_unlikely(x) (x)
#define RING_PVT_INLINE static inline
#endif

#endif /* SHMRING_RING_ATOMIC_PVT_H */
