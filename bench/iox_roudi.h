/* SPDX-License-Identifier: MIT */
/*
 * iceoryx's RouDi daemon for the benchmarks that have an iceoryx peer
 * (shmbench, shmbench_bcast): started as a child of the benchmark, stopped
 * at its end (and by PR_SET_PDEATHSIG if the benchmark dies first).
 */
#ifndef SHMBENCH_IOX_ROUDI_H
#define SHMBENCH_IOX_ROUDI_H

/* Start iox-roudi and give it time to create its shared memory. Returns 0,
 * or -1 when it could not be started or exited at once (another RouDi
 * running, the binary missing). */
int iox_roudi_start(void);

/* Stop it (SIGTERM, then reap it); nothing when it is not running. */
void iox_roudi_stop(void);

#endif /* SHMBENCH_IOX_ROUDI_H */
