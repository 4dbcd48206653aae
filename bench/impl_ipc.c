/* SPDX-License-Identifier: MIT */
/*
 * The kernel's message passing, as in the lecture: a pipe, a Unix datagram
 * socketpair, a POSIX message queue and a SysV message queue. Every call
 * blocks (never "full" or "empty"), one message per system call. The POSIX
 * queue's name is unlinked as soon as it is open (fork() passes the
 * descriptor on); the SysV queue is removed at teardown or at exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

/* One message per read/write: writes of <= PIPE_BUF bytes are atomic, and all
 * messages have one size, so a read of esz bytes returns exactly one. */
static int io_full(ssize_t n, uint32_t esz)
{
	return n == (ssize_t)esz ? 1 : n < 0 ? -errno : -EIO;
}

static int pipe_setup(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	(void)esz;
	(void)slots;
	(void)mpmc;
	if (pipe(c->fd) != 0) {
		perror("pipe");
		return -1;
	}
	return 0;
}

static void fd_teardown(struct chan *c)
{
	close(c->fd[0]);
	close(c->fd[1]);
}

static inline int pipe_push(struct chan *c, const void *m, uint32_t esz)
{
	ssize_t n;

	do
		n = write(c->fd[1], m, esz);
	while (n < 0 && errno == EINTR);
	return io_full(n, esz);
}

static inline int pipe_pop(struct chan *c, void *m, uint32_t esz)
{
	ssize_t n;

	do
		n = read(c->fd[0], m, esz);
	while (n < 0 && errno == EINTR);
	return io_full(n, esz);
}

#define LOOP_P pipe
#include "loops.h"

static int unix_setup(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	(void)esz;
	(void)slots;
	(void)mpmc;
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, c->fd) != 0) {
		perror("socketpair");
		return -1;
	}
	return 0;
}

static inline int udg_push(struct chan *c, const void *m, uint32_t esz)
{
	ssize_t n;

	do
		n = send(c->fd[1], m, esz, 0);
	while (n < 0 && errno == EINTR);
	return io_full(n, esz);
}

static inline int udg_pop(struct chan *c, void *m, uint32_t esz)
{
	ssize_t n;

	do
		n = recv(c->fd[0], m, esz, 0);
	while (n < 0 && errno == EINTR);
	return io_full(n, esz);
}

#define LOOP_P udg
#include "loops.h"

/* /proc/sys/fs/mqueue/msg_max caps an unprivileged queue's depth (10 by
 * default); root may exceed it only up to HARD_MSGMAX, so ask for what the
 * limit says. */
static long mq_depth(void)
{
	long v = 10;
	FILE *f = fopen("/proc/sys/fs/mqueue/msg_max", "r");

	if (f != NULL) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 10;
		fclose(f);
	}
	return v;
}

static int mq_setup(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	static unsigned serial;
	struct mq_attr a;
	char name[64];
	mqd_t q;

	(void)slots;
	(void)mpmc;
	memset(&a, 0, sizeof(a));
	a.mq_maxmsg = mq_depth();
	a.mq_msgsize = esz;
	snprintf(name, sizeof(name), "/shmbench.%d.%u", (int)getpid(), serial++);
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
	if (q == (mqd_t)-1) {
		perror("mq_open");
		return -1;
	}
	mq_unlink(name);
	c->id = (long)q;
	return 0;
}

static void mq_teardown(struct chan *c)
{
	mq_close((mqd_t)c->id);
}

static inline int mq_push(struct chan *c, const void *m, uint32_t esz)
{
	int rc;

	do
		rc = mq_send((mqd_t)c->id, (const char *)m, esz, 0);
	while (rc != 0 && errno == EINTR);
	return rc == 0 ? 1 : -errno;
}

static inline int mq_pop(struct chan *c, void *m, uint32_t esz)
{
	ssize_t n;

	do
		n = mq_receive((mqd_t)c->id, (char *)m, esz, NULL);
	while (n < 0 && errno == EINTR);
	return io_full(n, esz);
}

#define LOOP_P mq
#include "loops.h"

struct sysv_msg {
	long mtype;
	unsigned char text[BENCH_MAX_ESZ];
};

static int sysv_setup(struct chan *c, uint32_t esz, uint32_t slots, int mpmc)
{
	int id;

	(void)esz;
	(void)slots;
	(void)mpmc;
	id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (id < 0) {
		perror("msgget");
		return -1;
	}
	sysv_track(id, 1);
	c->id = id;
	return 0;
}

static void sysv_teardown(struct chan *c)
{
	msgctl((int)c->id, IPC_RMID, NULL);
	sysv_track((int)c->id, 0);
}

static inline int sysv_push(struct chan *c, const void *m, uint32_t esz)
{
	struct sysv_msg b;
	int rc;

	b.mtype = 1;
	memcpy(b.text, m, esz);
	do
		rc = msgsnd((int)c->id, &b, esz, 0);
	while (rc != 0 && errno == EINTR);
	return rc == 0 ? 1 : -errno;
}

static inline int sysv_pop(struct chan *c, void *m, uint32_t esz)
{
	struct sysv_msg b;
	ssize_t n;

	do
		n = msgrcv((int)c->id, &b, esz, 0, 0);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)esz)
		memcpy(m, b.text, esz);
	return io_full(n, esz);
}

#define LOOP_P sysv
#include "loops.h"

const struct impl impls_ipc[] = {
	{"pipe", CAP_IPC, pipe_setup, fd_teardown, LOOP_FNS(pipe)},
	{"unix-dgram", CAP_IPC, unix_setup, fd_teardown, LOOP_FNS(udg)},
	{"posix-mq", CAP_IPC, mq_setup, mq_teardown, LOOP_FNS(mq)},
	{"sysv-msgq", CAP_IPC, sysv_setup, sysv_teardown, LOOP_FNS(sysv)},
	{NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
