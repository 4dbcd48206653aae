/* SPDX-License-Identifier: MIT */
/*
 * A separately started program for the shmring command's tests
 * (test/tool_test.py):
 *
 *   ops_peer hold NAME [p|c|pc]
 *                          attach to the ring (taking the producer and/or
 *                          consumer role, or none), print "ready", then keep
 *                          it until stdin reaches end of file (a test kills
 *                          it with SIGKILL to leave a dead participant)
 *   ops_peer close NAME    attach, ring_close_write(), detach
 *
 * Dies with its parent (PR_SET_PDEATHSIG). Exit status 0, or 1 with a
 * message.
 */
#include <shmring/shmring.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct ring r;
	char buf[64];
	int rc;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	struct ring_attach_opts o;

	if (argc != 3 && !(argc == 4 && strcmp(argv[1], "hold") == 0)) {
		fprintf(stderr, "usage: ops_peer hold NAME [p|c|pc] | close NAME\n");
		return 2;
	}
	memset(&o, 0, sizeof(o));
	o.kind = RING_KIND_ANY;
	if (argc == 4) {
		if (strchr(argv[3], 'p') != NULL)
			o.roles |= RING_ROLE_PRODUCER;
		if (strchr(argv[3], 'c') != NULL)
			o.roles |= RING_ROLE_CONSUMER;
	}
	rc = ring_attach(&r, argv[2], &o);
	if (rc < 0) {
		fprintf(stderr, "ops_peer: %s: %s\n", argv[2], ring_strerror(rc));
		return 1;
	}
	if (strcmp(argv[1], "close") == 0) {
		rc = ring_close_write(&r);
	} else if (strcmp(argv[1], "hold") == 0) {
		printf("ready\n");
		fflush(stdout);
		while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
			;
	} else {
		rc = -22;
	}
	ring_close(&r);
	if (rc < 0) {
		fprintf(stderr, "ops_peer: %s\n", ring_strerror(rc));
		return 1;
	}
	return 0;
}
