/* SPDX-License-Identifier: MIT */
/*
 * Message and byte-stream test payloads, shared by test_msg.c, test_bytes.c
 * and stress_msg.c: the length and the bytes of message `seq` of producer
 * `id` are functions of (id, seq), so a consumer that knows which producer
 * a message comes from knows exactly what it must be; a lost, duplicated,
 * reordered or torn message is seen byte for byte.
 *
 * Message layout, for a length L: byte 0 the producer id (L >= 1), bytes
 * 1..8 the sequence number (L >= 9), then bytes from a stream seeded by
 * (id, seq). A message of length 0 carries nothing: only rings with one
 * producer send them (its id is then known).
 */
#ifndef SHMRING_TEST_MSG_COMMON_H
#define SHMRING_TEST_MSG_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t mt_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

/* Length of message seq of producer id: 0..max (min..max if min given). */
static inline size_t mt_len(unsigned id, uint64_t seq, size_t min, size_t max)
{
	uint64_t x = mt_mix(seq * 0x9E3779B97F4A7C15u ^ ((uint64_t)id << 56) ^ 0x5bd1e995u);

	/* A quarter of the messages at the edges: min, max, and near 0. */
	switch (x & 7) {
	case 0: return max;
	case 1: return min;
	default: return min + (size_t)((x >> 8) % (max - min + 1));
	}
}

static inline void mt_fill(unsigned char *p, size_t len, unsigned id, uint64_t seq)
{
	uint64_t s = mt_mix(seq ^ ((uint64_t)id << 48) ^ UINT64_C(0x243F6A8885A308D3));
	size_t i = 0;

	if (len >= 1)
		p[i++] = (unsigned char)id;
	for (; i < 9 && i < len; i++)
		p[i] = (unsigned char)(seq >> (8 * (i - 1)));
	while (i + 8 <= len) {
		s = s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
		memcpy(p + i, &s, 8);
		i += 8;
	}
	if (i < len) {
		s = s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
		memcpy(p + i, &s, len - i);
	}
}

/* 1 if p[0..len) is message seq of producer id; scratch holds len bytes. */
static inline int mt_check(const unsigned char *p, size_t len, unsigned id, uint64_t seq,
			   unsigned char *scratch)
{
	mt_fill(scratch, len, id, seq);
	return memcmp(p, scratch, len) == 0;
}

/* Byte i of the test byte stream. Written and checked 8 bytes at a time. */
static inline uint64_t mt_stream_word(uint64_t word_index)
{
	return mt_mix(word_index + UINT64_C(0x9E3779B97F4A7C15));
}

static inline void mt_stream_fill(unsigned char *p, uint64_t pos, size_t len)
{
	size_t i = 0;

	/* Byte by byte up to an 8-byte stream boundary, then whole words. */
	for (; i < len && ((pos + i) & 7) != 0; i++)
		p[i] = (unsigned char)(mt_stream_word((pos + i) >> 3) >> (8 * ((pos + i) & 7)));
	for (; i + 8 <= len; i += 8) {
		uint64_t w = mt_stream_word((pos + i) >> 3);

		memcpy(p + i, &w, 8); /* little-endian: byte b is w >> 8b */
	}
	for (; i < len; i++)
		p[i] = (unsigned char)(mt_stream_word((pos + i) >> 3) >> (8 * ((pos + i) & 7)));
}

/* Index of the first byte of p[0..len) that is not the stream at pos, or len. */
static inline size_t mt_stream_check(const unsigned char *p, uint64_t pos, size_t len)
{
	unsigned char want[4096];
	size_t i = 0, k, j;

	while (i < len) {
		k = len - i < sizeof(want) ? len - i : sizeof(want);
		mt_stream_fill(want, pos + i, k);
		if (memcmp(p + i, want, k) != 0) {
			for (j = 0; p[i + j] == want[j]; j++)
				;
			return i + j;
		}
		i += k;
	}
	return len;
}

/* FNV-1a over bytes, for end-to-end checksums. */
static inline uint64_t mt_fnv(uint64_t h, const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * UINT64_C(0x100000001b3);
	return h;
}

#endif /* SHMRING_TEST_MSG_COMMON_H */
