/* SPDX-License-Identifier: MIT */
/*
 * The C half of test_cxx.cpp: cxx_layout.c is compiled as C11 and linked into
 * the C++17 test, so both languages' view of the shared structs and of the
 * inline fast path meet in one process.
 */
#ifndef SHMRING_CXX_LAYOUT_H
#define SHMRING_CXX_LAYOUT_H

#include <shmring/shmring.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Every size, offset, alignment and constant that the two languages must
 * agree on. Expanded once in C and once in C++; the figures are compared one
 * by one at run time. */
#define CXX_LAYOUT_LIST(X)                                                      \
	X(sizeof(struct ring_hdr)) X(RING_ALIGNOF(struct ring_hdr))             \
	X(offsetof(struct ring_hdr, magic)) X(offsetof(struct ring_hdr, version)) \
	X(offsetof(struct ring_hdr, kind)) X(offsetof(struct ring_hdr, rule))   \
	X(offsetof(struct ring_hdr, flags)) X(offsetof(struct ring_hdr, slots)) \
	X(offsetof(struct ring_hdr, elem_size)) X(offsetof(struct ring_hdr, stride)) \
	X(offsetof(struct ring_hdr, data_offset))                               \
	X(offsetof(struct ring_hdr, total_size)) X(offsetof(struct ring_hdr, ready)) \
	X(offsetof(struct ring_hdr, max_parts))                                 \
	X(offsetof(struct ring_hdr, part_offset))                               \
	X(offsetof(struct ring_hdr, create_id))                                 \
	X(offsetof(struct ring_hdr, reserved))                                  \
	X(sizeof(struct ring_prod_line)) X(offsetof(struct ring_prod_line, tail)) \
	X(sizeof(struct ring_cons_line)) X(offsetof(struct ring_cons_line, head)) \
	X(sizeof(struct ring_wait_line))                                        \
	X(offsetof(struct ring_wait_line, cons_seq))                            \
	X(offsetof(struct ring_wait_line, cons_waiters))                        \
	X(offsetof(struct ring_wait_line, prod_seq))                            \
	X(offsetof(struct ring_wait_line, prod_waiters))                        \
	X(offsetof(struct ring_wait_line, cons_fdw))                            \
	X(offsetof(struct ring_wait_line, prod_fdw))                            \
	X(offsetof(struct ring_wait_line, cons_fxw))                            \
	X(offsetof(struct ring_wait_line, prod_fxw))                            \
	X(sizeof(struct ring_shared)) X(RING_ALIGNOF(struct ring_shared))       \
	X(offsetof(struct ring_shared, hdr)) X(offsetof(struct ring_shared, prod)) \
	X(offsetof(struct ring_shared, cons)) X(offsetof(struct ring_shared, wait)) \
	X(offsetof(struct ring_shared, hint)) X(offsetof(struct ring_shared, state)) \
	X(offsetof(struct ring_shared, pstat)) X(offsetof(struct ring_shared, cstat)) \
	X(sizeof(struct ring_part)) X(offsetof(struct ring_part, state))        \
	X(offsetof(struct ring_part, intent)) X(offsetof(struct ring_part, cursor)) \
	X(sizeof(struct ring_mpmc_slot)) X(offsetof(struct ring_mpmc_slot, seq)) \
	X(sizeof(struct ring)) X(RING_ALIGNOF(struct ring))                     \
	X(offsetof(struct ring, slots)) X(offsetof(struct ring, shm))           \
	X(offsetof(struct ring, n)) X(offsetof(struct ring, mask))              \
	X(offsetof(struct ring, cap)) X(offsetof(struct ring, esz))             \
	X(offsetof(struct ring, stride)) X(offsetof(struct ring, kind))         \
	X(offsetof(struct ring, mode)) X(offsetof(struct ring, cmode))          \
	X(offsetof(struct ring, rule)) X(offsetof(struct ring, flags))          \
	X(offsetof(struct ring, own)) X(offsetof(struct ring, map))             \
	X(offsetof(struct ring, map_len)) X(offsetof(struct ring, fd))          \
	X(offsetof(struct ring, prod_cache)) X(offsetof(struct ring, cons_cache)) \
	X(sizeof(struct ring_params)) X(offsetof(struct ring_params, kind))     \
	X(offsetof(struct ring_params, rule)) X(offsetof(struct ring_params, slots)) \
	X(offsetof(struct ring_params, elem_size))                              \
	X(offsetof(struct ring_params, flags)) X(offsetof(struct ring_params, mode)) \
	X(offsetof(struct ring_params, max_parts))                              \
	X(offsetof(struct ring, parts)) X(offsetof(struct ring, part))          \
	X(offsetof(struct ring, create_id)) X(offsetof(struct ring, max_parts)) \
	X(offsetof(struct ring, idx)) X(offsetof(struct ring, idx.recip))       \
	X(RING_PARTS_DEFAULT) X(RING_PARTS_MAX) X(RING_KIND_MSG)                \
	X(RING_KIND_BYTES) X(RING_KIND_BCAST)                                   \
	X(RING_MAGIC) X(RING_LAYOUT_VERSION) X(RING_READY) X(RING_LINE)         \
	X(RING_DATA_OFFSET) X(RING_CLOSED_BIT) X(RING_MPMC_SKIP(UINT64_C(5)))   \
	X(RING_KIND_ANY) X(RING_KIND_SPSC) X(RING_KIND_MPMC) X(RING_RULE_N1)    \
	X(RING_RULE_COUNT) X(RING_F_BLOCKING) X(RING_F_ALL) X(RING_ELEM_MAX)    \
	X(RING_NAME_MAX)                                                        \
	X(sizeof(struct ring_side_stats)) X(sizeof(struct ring_stats))          \
	X(offsetof(struct ring_stats, cons)) X(offsetof(struct ring_stats, flags)) \
	X(sizeof(struct ring_inspect_info)) X(offsetof(struct ring_inspect_info, slots))        \
	X(offsetof(struct ring_inspect_info, count)) X(offsetof(struct ring_inspect_info, stats)) \
	X(RING_STAT_LAPS) X(RING_STAT_TIMEOUTS) X(RING_STAT_KIND_FIRST)         \
	X(RING_STAT_WORDS) X(RING_INSPECT_STATS) X(RING_STATS_F_MOVING) \
	X(sizeof(struct ring_msg_hdr)) X(offsetof(struct ring_msg_hdr, commit)) \
	X(offsetof(struct ring_msg_hdr, meta)) X(RING_MSG_ALIGN)                \
	X(RING_MSG_T_DATA) X(RING_MSG_T_PAD) X(RING_MSG_T_SKIP) X(RING_F_MSG_MP) \
	X(RING_MSG_TAG(UINT64_C(0x1234), UINT64_C(4096)))                       \
	X(RING_MSG_BUSY(UINT64_C(0x1234), UINT64_C(4096)))                      \
	X(RING_MSG_META(100, RING_MSG_T_DATA, 128)) X(RING_MSG_REC(100))        \
	X(offsetof(struct ring, zc_res_pos)) X(offsetof(struct ring, zc_res_cnt)) \
	X(offsetof(struct ring, zc_res_len)) \
	X(offsetof(struct ring, zc_peek_pos)) X(offsetof(struct ring, zc_peek_cnt)) \
	X(offsetof(struct ring, bc)) X(sizeof(struct ring_pvt_bcast))           \
	X(offsetof(struct ring, wake_fence)) X(offsetof(struct ring, wake_light)) \
	X(offsetof(struct ring_pvt_bcast, cpos)) X(offsetof(struct ring_pvt_bcast, role)) \
	X(sizeof(struct ring_bcast_slot)) X(offsetof(struct ring_part, op))     \
	X(RING_F_BCAST_LOSSY) X(RING_BCAST_BUSY(UINT64_C(5)))                   \
	X(RING_BCAST_DONE(UINT64_C(5))) X(RING_BCAST_JOINING)                   \
	X(RING_BCAST_MEMBER) X(RING_PVT_MODE_BCAST)

#ifdef __cplusplus
extern "C" {
#endif

/* The figures of CXX_LAYOUT_LIST as C computes them; returns how many were
 * written (at most max). */
size_t cxx_c_layout(uint64_t *out, size_t max);

/* Format a ring in `len` bytes at `mem` with ring_init_mem and push the
 * elements start .. start+n-1 through the C inline fast path (ring_push,
 * ring_push_bulk, ring_push_burst in turn). 0 or a negative errno. */
int cxx_c_format_fill(void *mem, size_t len, const struct ring_params *p,
		      uint64_t start, uint64_t n);

/* Attach a C handle to the ring at `mem` and pop n elements through the C
 * inline fast path, checking they are start .. start+n-1 and that the ring is
 * then empty. 0, -EILSEQ on a wrong element, or a negative errno. */
int cxx_c_drain(void *mem, size_t len, uint64_t start, uint64_t n);

#ifdef __cplusplus
}
#endif

/* Element i of a test stream, elem_size >= 8 bytes: i in the first 8 bytes,
 * then bytes derived from i, so a torn or shifted copy is noticed. */
static inline void cxx_elem_fill(unsigned char *e, size_t esz, uint64_t i)
{
	size_t b;

	memcpy(e, &i, sizeof(i));
	for (b = sizeof(i); b < esz; b++)
		e[b] = (unsigned char)(i * 31u + b);
}

static inline int cxx_elem_ok(const unsigned char *e, size_t esz, uint64_t i)
{
	uint64_t v;
	size_t b;

	memcpy(&v, e, sizeof(v));
	if (v != i)
		return 0;
	for (b = sizeof(i); b < esz; b++)
		if (e[b] != (unsigned char)(i * 31u + b))
			return 0;
	return 1;
}

#endif /* SHMRING_CXX_LAYOUT_H */
