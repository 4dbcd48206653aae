/* SPDX-License-Identifier: MIT */
/*
 * A byte stream used like a pipe: the parent copies its standard input
 * into the ring in pieces of any size, a forked child copies the ring to
 * its standard output.
 *
 *   byte_pipe < in > out          (then cmp in out)
 */
#include <shmring/shmring.h>

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	struct ring_params p = {
		.kind = RING_KIND_BYTES, .rule = RING_RULE_COUNT,
		.slots = 1 << 16, .elem_size = 1, .flags = RING_F_BLOCKING,
	};
	struct ring r;
	char buf[8192];
	ssize_t n;
	int rc = ring_create_anon(&r, &p), st;
	pid_t pid;

	if (rc < 0) {
		fprintf(stderr, "byte_pipe: %s\n", ring_strerror(rc));
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		/* Reader: whatever is there, up to the buffer, like read(2). */
		while ((n = ring_bytes_read_wait(&r, buf, sizeof(buf), NULL)) > 0)
			if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
				_exit(1);
		fflush(stdout);
		_exit(n == -EPIPE ? 0 : 1); /* -EPIPE: the writer closed the stream */
	}
	/* Writer: all of it, waiting for room, like write(2) to a pipe. */
	while ((n = (ssize_t)fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (ring_bytes_write_wait(&r, buf, (size_t)n, NULL) != n)
			return 1;
	ring_close_write(&r);
	waitpid(pid, &st, 0);
	ring_close(&r);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
