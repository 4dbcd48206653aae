/* SPDX-License-Identifier: MIT */
/* ring_strerror(): one table for every code the library returns. */
#include <shmring/ring.h>

#include <errno.h>

struct err_text {
	int code;
	const char *text;
};

static const struct err_text table[] = {
	{0, "success"},
	{EINVAL, "invalid argument"},
	{EAGAIN, "ring full (push) or empty (pop); try again"},
	{EBUSY, "MPMC: lost the bounded number of races with other processes; try again"},
	{EPIPE, "ring closed: no more pushes; popped to the end of the stream"},
	{ETIMEDOUT, "deadline passed before the ring was ready"},
	{EUCLEAN, "ring indices are inconsistent (corrupt or hostile peer)"},
	{EBADMSG, "not a shmring ring (bad magic or too small)"},
	{EPROTONOSUPPORT, "ring has another layout version than this library"},
	{EPROTO, "ring header is inconsistent (corrupt geometry)"},
	{EMSGSIZE, "size mismatch: object or memory size differs from the ring's; message longer "
		   "than the ring's largest (send) or than the buffer (receive: it stays)"},
	{EALREADY, "a zero-copy reservation or peek is already held by this handle"},
	{EPROTOTYPE, "ring is of another kind (SPSC, MPMC, message, byte stream, broadcast) than "
		     "requested or than the call needs"},
	{EOVERFLOW, "ring size overflows (too many slots or too large elements)"},
	{ENOTSUP, "operation needs a ring created with RING_F_BLOCKING"},
	{EEXIST, "a ring or shm object with that name already exists"},
	{ENOENT, "no ring with that name"},
	{ENAMETOOLONG, "ring name too long"},
	{ENOSPC, "no space left for shared memory"},
	{EFBIG, "ring larger than the file size limit (RLIMIT_FSIZE)"},
	{ELOOP, "name is a symbolic link in /dev/shm (never followed)"},
	{ENOMEM, "out of memory"},
	{EACCES, "permission denied"},
	{EPERM, "operation not permitted: descriptor not sealed against shrinking (ring_open_fd), or "
		"shm object owned by another user or writable by group/others (ring_open, ring_attach)"},
	{EADDRINUSE, "role (SPSC producer or consumer, broadcast producer) is held by a live participant"},
	{EUSERS, "participant table full: every entry is held by a live participant"},
	{ECONNRESET, "every peer (producer or consumer) of this wait is verified dead"},
	{ENODATA, "broadcast message overwritten by the producer while peeked (lossy): counted as missed"},
	{ESTALE, "ring was replaced by a newer ring of the same name: attach again"},
	{EMEDIUMTYPE, "ring's element size or parameters differ from those expected"},
	{EMFILE, "too many open files"},
	{ENFILE, "too many open files in the system"},
	{EBADF, "bad file descriptor"},
	{EBADFD, "readiness descriptor closed, inherited across fork, or its handle changed entry: open another"},
	{EINTR, "interrupted"},
	{ENOSYS, "system call not available"},
	{EIO, "could not read the object (shrunk while being read?)"},
};

const char *ring_strerror(int err)
{
	/* |err| in unsigned arithmetic: -INT_MIN does not fit an int. */
	unsigned mag = err < 0 ? 0u - (unsigned)err : (unsigned)err;
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if ((unsigned)table[i].code == mag)
			return table[i].text;
	return "unknown error";
}
