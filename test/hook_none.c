/* SPDX-License-Identifier: MIT */
/*
 * The test hook of programs linked against shmring_testhooks that stop at
 * no step: only for SHMRING_TEST_SLICE_MS (unbounded sleeps). Kill-point
 * tests (test_wake_kill.c) define their own.
 */
void ring_pvt_test_hook(int point);
void ring_pvt_test_hook(int point) { (void)point; }
