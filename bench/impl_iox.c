/* SPDX-License-Identifier: MIT */
/*
 * iceoryx 2.0 publish/subscribe (C binding) as a point-to-point channel:
 * one publisher, one subscriber per channel, every message a loaned chunk
 * (loan, write, publish; take, read, release). The publisher waits for a
 * full subscriber queue (WAIT_FOR_CONSUMER / BLOCK_PRODUCER), so nothing is
 * lost and, like the kernel mechanisms, its calls block instead of saying
 * "full": it runs the single-op stream and ping-pong cases with the smaller
 * counts. Each process registers with RouDi and connects in child_init,
 * before the start line, so the measured time is message passing only;
 * shmbench starts and stops RouDi itself (iox_roudi.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iceoryx_binding_c/log.h>
#include <iceoryx_binding_c/publisher.h>
#include <iceoryx_binding_c/runtime.h>
#include <iceoryx_binding_c/subscriber.h>

#include "bench.h"

/* Per process, after fork: the channel's struct chan is this process's own
 * copy, so its obj field holds this side's publisher or subscriber. */
struct iox_end {
	iox_pub_storage_t pst;
	iox_sub_storage_t sst;
	iox_pub_t pub;
	iox_sub_t sub;
};

static long iox_next_id;

static int iox_setup(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	(void)esz;
	(void)slots;
	(void)mpmc;
	c->id = (long)getpid() << 8 | (iox_next_id++ & 0xff); /* the channel's service */
	c->obj = NULL;
	return 0;
}

static void iox_teardown(struct chan *c)
{
	(void)c;
}

static int iox_wait_until(int (*ready)(struct iox_end *), struct iox_end *e)
{
	int i;

	for (i = 0; i < 5000; i++) { /* 5 s */
		if (ready(e))
			return 0;
		usleep(1000);
	}
	return -1;
}

static int sub_ready(struct iox_end *e)
{
	return iox_sub_get_subscription_state(e->sub) == SubscribeState_SUBSCRIBED;
}

static int pub_ready(struct iox_end *e)
{
	return iox_pub_has_subscribers(e->pub);
}

/* Open this process's end of channel c: as publisher (tx) or subscriber. */
static struct iox_end *iox_open(struct chan *c, int tx)
{
	struct iox_end *e = calloc(1, sizeof(*e));
	char inst[32];

	if (e == NULL)
		return NULL;
	snprintf(inst, sizeof(inst), "c%lx", (unsigned long)c->id);
	if (tx) {
		iox_pub_options_t o;

		iox_pub_options_init(&o);
		o.historyCapacity = 0;
		o.subscriberTooSlowPolicy = ConsumerTooSlowPolicy_WAIT_FOR_CONSUMER;
		e->pub = iox_pub_init(&e->pst, "shmbench", inst, "msg", &o);
	} else {
		iox_sub_options_t o;

		iox_sub_options_init(&o);
		o.queueCapacity = 256; /* iceoryx 2.0's largest subscriber queue */
		o.historyRequest = 0;
		o.queueFullPolicy = QueueFullPolicy_BLOCK_PRODUCER;
		e->sub = iox_sub_init(&e->sst, "shmbench", inst, "msg", &o);
	}
	c->obj = e;
	return e;
}

/* Roles: the stream's tx publishes on c[0], rx subscribes; ping publishes on
 * c[0] and subscribes to c[1], pong the other way round. */
static int iox_child_init(struct chan *c, int role)
{
	char name[64];
	struct iox_end *p = NULL, *s = NULL;
	int tx0 = role == BR_TX || role == BR_PING;

	snprintf(name, sizeof(name), "shmbench-%ld", (long)getpid());
	iox_set_loglevel(Iceoryx_LogLevel_Error);
	iox_runtime_init(name);
	if (role == BR_TX || role == BR_RX) {
		if (tx0)
			p = iox_open(&c[0], 1);
		else
			s = iox_open(&c[0], 0);
	} else if (role == BR_PING || role == BR_PONG) {
		p = iox_open(&c[tx0 ? 0 : 1], 1);
		s = iox_open(&c[tx0 ? 1 : 0], 0);
	} else {
		return -1;
	}
	if ((p == NULL && s == NULL) || (s && iox_wait_until(sub_ready, s) != 0) ||
	    (p && iox_wait_until(pub_ready, p) != 0))
		return -1;
	return 0;
}

static void iox_close(struct chan *c)
{
	struct iox_end *e = (struct iox_end *)c->obj;

	if (e == NULL)
		return;
	if (e->pub)
		iox_pub_deinit(e->pub);
	if (e->sub)
		iox_sub_deinit(e->sub);
	free(e);
	c->obj = NULL;
}

static void iox_child_fini(struct chan *c, int role)
{
	iox_close(&c[0]);
	if (role == BR_PING || role == BR_PONG)
		iox_close(&c[1]);
	iox_runtime_shutdown();
}

static inline int iox_push(struct chan *c, const void *m, uint32_t esz)
{
	struct iox_end *e = (struct iox_end *)c->obj;
	void *chunk;

	if (iox_pub_loan_chunk(e->pub, &chunk, esz) != AllocationResult_SUCCESS)
		return 0; /* every chunk of the pool in flight: retry */
	memcpy(chunk, m, esz);
	iox_pub_publish_chunk(e->pub, chunk);
	return 1;
}

static inline int iox_pop(struct chan *c, void *m, uint32_t esz)
{
	struct iox_end *e = (struct iox_end *)c->obj;
	const void *chunk;

	if (iox_sub_take_chunk(e->sub, &chunk) != ChunkReceiveResult_SUCCESS)
		return 0;
	memcpy(m, chunk, esz);
	iox_sub_release_chunk(e->sub, chunk);
	return 1;
}

#define LOOP_P iox
#include "loops.h"

const struct impl impls_iox[] = {
	{"iceoryx", CAP_IPC, iox_setup, iox_teardown, LOOP_FNS_HOOKS(iox, iox_child_init, iox_child_fini)},
	{NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
