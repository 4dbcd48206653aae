/* SPDX-License-Identifier: MIT */
/* The push+pop loop of test/cxx/overhead.sh, once in C and once in C++. */
#ifndef SHMRING_TEST_CXX_OVERHEAD_H
#define SHMRING_TEST_CXX_OVERHEAD_H

#include <shmring/shmring.h>

#ifdef __cplusplus
extern "C" {
#endif
/* n iterations of push(i) then pop on r (8-byte elements); returns the
 * number of failed calls plus the number of wrong values popped. */
uint64_t overhead_c_loop(struct ring *r, uint64_t n);
#ifdef __cplusplus
}
#endif

#endif
