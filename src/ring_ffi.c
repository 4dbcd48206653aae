/* SPDX-License-Identifier: MIT */
/*
 * libshmring-ffi.so: the header-defined public calls (RING_INLINE: ring_push,
 * ring_pop, bulk, burst, the queries) compiled once more as exported
 * functions, so that languages which load a shared library but cannot
 * compile C headers reach the fast path too. The same approach as
 * liburing-ffi.so: this translation unit defines SHMRING_FFI_DEFINE, which
 * turns RING_INLINE from "static inline, always inlined" into RING_API, and
 * includes the umbrella header; the rest of libshmring-ffi.so is the same
 * sources as libshmring.so. Exports are listed in src/shmring-ffi.map.
 *
 * Each call costs a call (and the inline code's dispatch) more than from C;
 * it behaves exactly as the inline version, errors included.
 */
#define SHMRING_FFI_DEFINE 1
#include <shmring/shmring.h>
