/* SPDX-License-Identifier: MIT */
/*
 * Many processes log lines of any length into one consumer through a
 * message ring: each receive is one whole line, never mixed with another.
 *
 *   msg_log [WRITERS [LINES]]     default 4 writers, 1000 lines each
 *
 * Prints one summary line; exit 0 when every line of every writer arrived
 * intact and in that writer's order.
 */
#include <shmring/shmring.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int writers = argc > 1 ? atoi(argv[1]) : 4;
	int lines = argc > 2 ? atoi(argv[2]) : 1000;
	struct ring_params p = {
		.kind = RING_KIND_MSG, .rule = RING_RULE_COUNT,
		.slots = 1 << 16,          /* bytes of records */
		.elem_size = 512,          /* longest line */
		.flags = RING_F_BLOCKING | RING_F_MSG_MP,
	};
	struct ring r;
	int rc = ring_create_anon(&r, &p), w, next[64] = {0}, got = 0, done = 0;
	char line[512];
	size_t len;

	if (rc < 0 || writers < 1 || writers > 64) {
		fprintf(stderr, "msg_log: %s\n", rc < 0 ? ring_strerror(rc) : "1..64 writers");
		return 1;
	}
	for (w = 0; w < writers; w++) {
		if (fork() == 0) {
			for (int i = 0; i < lines; i++) {
				/* Lines of varying length: "writer w line i" padded with dots. */
				int n = snprintf(line, sizeof(line), "writer %d line %d ", w, i);
				int pad = (i * 37 + w * 11) % 300;

				memset(line + n, '.', (size_t)pad);
				ring_msg_send_wait(&r, line, (size_t)(n + pad), NULL);
			}
			_exit(0);
		}
	}
	while (done < writers) {
		int w2, i;

		/* Wake up every 100 ms to see which writers have exited. */
		rc = ring_msg_recv_timeout(&r, line, sizeof(line) - 1, &len, 100000000);
		/* -ECONNRESET: every writer has gone (they exit without
		 * closing the stream); -ETIMEDOUT: nothing for 100 ms. */
		if (rc == -ETIMEDOUT || rc == -EAGAIN || rc == -ECONNRESET) {
			while (waitpid(-1, NULL, WNOHANG) > 0)
				done++;
			if (rc == -ECONNRESET && done < writers)
				usleep(1000);
			continue;
		}
		if (rc < 0) {
			fprintf(stderr, "msg_log: %s\n", ring_strerror(rc));
			return 1;
		}
		line[len] = '\0';
		if (sscanf(line, "writer %d line %d", &w2, &i) != 2 || w2 < 0 || w2 >= writers ||
		    i != next[w2]++) {
			fprintf(stderr, "msg_log: unexpected line: %.60s\n", line);
			return 1;
		}
		got++;
	}
	/* Every writer has exited: what is left in the ring is all there is. */
	while (ring_msg_recv(&r, line, sizeof(line), &len) == 0)
		got++;
	printf("msg_log: %d lines from %d writers\n", got, writers);
	ring_close(&r);
	return got == writers * lines ? 0 : 1;
}
