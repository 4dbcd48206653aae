// SPDX-License-Identifier: MIT
/*
 * Shared by the Relacy models. MO(NAME, order) is `order`, or relaxed when
 * the model is built with -DMUT_NAME=1: the mutation that weakens that edge.
 * FENCE(NAME) is a seq_cst fence, or nothing under -DMUT_NAME=1.
 */
#ifndef SHMRING_MODEL_H
#define SHMRING_MODEL_H

#ifndef MUT_A1
#define MUT_A1 0
#endif
#ifndef MUT_A2
#define MUT_A2 0
#endif
#ifndef MUT_R1
#define MUT_R1 0
#endif
#ifndef MUT_R2
#define MUT_R2 0
#endif
#ifndef MUT_A3
#define MUT_A3 0
#endif
#ifndef MUT_A4
#define MUT_A4 0
#endif
#ifndef MUT_R3
#define MUT_R3 0
#endif
#ifndef MUT_R4
#define MUT_R4 0
#endif
#ifndef MUT_F1
#define MUT_F1 0
#endif
#ifndef MUT_F2
#define MUT_F2 0
#endif
#ifndef MUT_SEQ
#define MUT_SEQ 0
#endif

#define MO(name, order) (MUT_##name ? rl::mo_relaxed : (order))
#define FENCE(name)                                              \
	do {                                                     \
		if (!MUT_##name)                                 \
			rl::atomic_thread_fence(rl::mo_seq_cst, $); \
	} while (0)

#endif
