/* SPDX-License-Identifier: MIT */
/*
 * The C side of the Python FFI test (test/ffi_test.py), a separately started
 * program:
 *
 *   ffi_peer layout            print the sizes and struct ring_params field
 *                              offsets the Python side builds its buffers
 *                              from ("name offset size" per line)
 *   ffi_peer prod NAME COUNT   create the named SPSC ring NAME (count rule,
 *                              FFI_SLOTS slots, 16-byte messages, blocking),
 *                              push COUNT messages, close the write side
 *   ffi_peer cons NAME COUNT   open NAME (retrying while it does not exist or
 *                              is not ready), unlink it, pop until -EPIPE,
 *                              check that exactly COUNT messages arrive
 *
 * A message is { seq, seq * FFI_MUL } (two native uint64_t): a lost,
 * duplicated, reordered or torn message fails the check. The peer dies with
 * its parent (PR_SET_PDEATHSIG) and gives up after FFI_STALL_S seconds
 * without progress. Exit status: 0, or 1 with a message on stderr.
 */
#include <shmring/shmring.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#define FFI_SLOTS 64u
#define FFI_MUL UINT64_C(0x9e3779b97f4a7c15)
#define FFI_STALL_S 30

struct ffi_msg {
	uint64_t seq;
	uint64_t check;
};

#define FIELD(f) \
	printf(#f " %zu %zu\n", offsetof(struct ring_params, f), sizeof(((struct ring_params *)0)->f))

static int layout(void)
{
	printf("sizeof_ring %zu 0\n", sizeof(struct ring));
	printf("sizeof_params %zu 0\n", sizeof(struct ring_params));
	FIELD(kind);
	FIELD(rule);
	FIELD(slots);
	FIELD(elem_size);
	FIELD(flags);
	printf("RING_KIND_SPSC %u 0\nRING_KIND_MPMC %u 0\n", RING_KIND_SPSC, RING_KIND_MPMC);
	printf("RING_RULE_N1 %u 0\nRING_RULE_COUNT %u 0\n", RING_RULE_N1, RING_RULE_COUNT);
	printf("RING_F_BLOCKING %u 0\n", RING_F_BLOCKING);
	return 0;
}

static int produce(const char *name, uint64_t count)
{
	struct ring_params p;
	struct ring r = {0};
	uint64_t seq;
	int rc;

	memset(&p, 0, sizeof(p));
	p.kind = RING_KIND_SPSC;
	p.rule = RING_RULE_COUNT;
	p.slots = FFI_SLOTS;
	p.elem_size = sizeof(struct ffi_msg);
	p.flags = RING_F_BLOCKING;
	rc = ring_create(&r, name, &p);
	if (rc < 0) {
		fprintf(stderr, "ffi_peer prod: ring_create(%s): %s\n", name, ring_strerror(rc));
		return 1;
	}
	for (seq = 0; seq < count; seq++) {
		struct ffi_msg m = {seq, seq * FFI_MUL};

		rc = ring_push_timeout(&r, &m, (uint64_t)FFI_STALL_S * 1000000000u);
		if (rc < 0) {
			fprintf(stderr, "ffi_peer prod: push %llu: %s\n", (unsigned long long)seq,
				ring_strerror(rc));
			ring_unlink(name);
			ring_close(&r);
			return 1;
		}
	}
	rc = ring_close_write(&r);
	ring_close(&r);
	return rc < 0;
}

static int consume(const char *name, uint64_t count)
{
	const struct timespec ms = {0, 1000000};
	struct ring r = {0};
	struct ffi_msg m;
	uint64_t next = 0;
	int rc = -ENOENT, tries;

	for (tries = 0; tries < FFI_STALL_S * 1000; tries++) {
		rc = ring_open(&r, name, RING_KIND_SPSC);
		if (rc != -ENOENT && rc != -EAGAIN)
			break;
		nanosleep(&ms, NULL);
	}
	if (rc < 0) {
		fprintf(stderr, "ffi_peer cons: ring_open(%s): %s\n", name, ring_strerror(rc));
		return 1;
	}
	ring_unlink(name);
	if (ring_elem_size(&r) != sizeof(m) || !(ring_flags(&r) & RING_F_BLOCKING)) {
		fprintf(stderr, "ffi_peer cons: unexpected geometry (elem %zu)\n", ring_elem_size(&r));
		goto fail;
	}
	for (;;) {
		rc = ring_pop_timeout(&r, &m, (uint64_t)FFI_STALL_S * 1000000000u);
		if (rc == -EPIPE)
			break;
		if (rc < 0) {
			fprintf(stderr, "ffi_peer cons: pop after %llu: %s\n",
				(unsigned long long)next, ring_strerror(rc));
			goto fail;
		}
		if (m.seq != next || m.check != next * FFI_MUL) {
			fprintf(stderr, "ffi_peer cons: message %llu is {%llu, %#llx}\n",
				(unsigned long long)next, (unsigned long long)m.seq,
				(unsigned long long)m.check);
			goto fail;
		}
		next++;
	}
	if (next != count) {
		fprintf(stderr, "ffi_peer cons: %llu messages, expected %llu\n",
			(unsigned long long)next, (unsigned long long)count);
		goto fail;
	}
	ring_close(&r);
	printf("ffi_peer cons: %llu messages in order\n", (unsigned long long)next);
	return 0;
fail:
	ring_close(&r);
	return 1;
}

int main(int argc, char **argv)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (argc == 2 && strcmp(argv[1], "layout") == 0)
		return layout();
	if (argc == 4 && strcmp(argv[1], "prod") == 0)
		return produce(argv[2], strtoull(argv[3], NULL, 10));
	if (argc == 4 && strcmp(argv[1], "cons") == 0)
		return consume(argv[2], strtoull(argv[3], NULL, 10));
	fprintf(stderr, "usage: %s layout | prod NAME COUNT | cons NAME COUNT\n", argv[0]);
	return 2;
}
