#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""libshmring-ffi.so from Python ctypes, against a separately started C peer.

    ffi_test.py LIBSHMRING_FFI_SO FFI_PEER [COUNT]

1. Python creates a named SPSC ring through the FFI library and pushes COUNT
   sequence-numbered messages (ring_push, ring_push_burst, ring_push_bulk; the
   exported copies of the inline fast path), while `ffi_peer cons`, another
   process, opens the ring by name and checks every message.
2. `ffi_peer prod` creates a ring and pushes; Python opens it by name and pops
   (ring_pop, ring_pop_burst, ring_pop_bulk), checking every message.
Only the layout figures come from the C side (`ffi_peer layout`): Python
builds its handle and parameter buffers from them, as an FFI binding would
from the header. Exit status 0 on success.
"""
import ctypes
import errno
import os
import struct
import subprocess
import sys
import time

MUL = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1
MSG = struct.Struct("=QQ")  # struct ffi_msg in ffi_peer.c
STALL_NS = 30 * 1000000000


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def load(path):
    lib = ctypes.CDLL(path, use_errno=True)
    P, S, U32, U64, I = (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint32,
                         ctypes.c_uint64, ctypes.c_int)
    SZ, SSZ = ctypes.c_size_t, ctypes.c_ssize_t
    sigs = {
        "ring_create": (I, [P, S, P]),
        "ring_open": (I, [P, S, U32]),
        "ring_unlink": (I, [S]),
        "ring_close": (I, [P]),
        "ring_close_write": (I, [P]),
        "ring_strerror": (S, [I]),
        "ring_push": (I, [P, P]),
        "ring_pop": (I, [P, P]),
        "ring_push_bulk": (SSZ, [P, P, SZ]),
        "ring_pop_bulk": (SSZ, [P, P, SZ]),
        "ring_push_burst": (SSZ, [P, P, SZ]),
        "ring_pop_burst": (SSZ, [P, P, SZ]),
        "ring_push_timeout": (I, [P, P, U64]),
        "ring_pop_timeout": (I, [P, P, U64]),
        "ring_capacity": (SZ, [P]),
        "ring_elem_size": (SZ, [P]),
        "ring_kind": (U32, [P]),
        "ring_rule": (U32, [P]),
        "ring_flags": (U32, [P]),
        "ring_count": (SSZ, [P]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)  # AttributeError: not exported
        fn.restype, fn.argtypes = res, args
    return lib


def layout(peer):
    out = subprocess.run([peer, "layout"], check=True, capture_output=True, text=True).stdout
    fig = {}
    for line in out.splitlines():
        name, off, size = line.split()
        fig[name] = (int(off), int(size))
    return fig


class Handle:
    """A struct ring in Python-owned memory, 64-byte aligned."""

    def __init__(self, size):
        self.buf = ctypes.create_string_buffer(size + 64)
        addr = ctypes.addressof(self.buf)
        self.ptr = ctypes.c_void_p((addr + 63) & ~63)


def params(fig, **values):
    buf = ctypes.create_string_buffer(fig["sizeof_params"][0])
    codes = {4: "=I", 8: "=Q"}
    for field, value in values.items():
        off, size = fig[field]
        struct.pack_into(codes[size], buf, off, value)
    return buf


def check_msg(data, at, want):
    seq, chk = MSG.unpack_from(data, at)
    if seq != want or chk != (want * MUL) & MASK:
        fail("message %d arrived as {%d, %#x}" % (want, seq, chk))


def reap(proc, what):
    try:
        rc = proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        fail("%s did not finish" % what)
    if rc != 0:
        fail("%s exited with %d" % (what, rc))


def python_produces(lib, fig, peer, count):
    name = ("/shmring-ffi-%d-py2c" % os.getpid()).encode()
    h = Handle(fig["sizeof_ring"][0])
    p = params(fig, kind=fig["RING_KIND_SPSC"][0], rule=fig["RING_RULE_N1"][0],
               slots=97, elem_size=MSG.size, flags=fig["RING_F_BLOCKING"][0])
    rc = lib.ring_create(h.ptr, name, p)
    if rc != 0:
        fail("ring_create: %s" % lib.ring_strerror(rc).decode())
    proc = None
    try:
        if lib.ring_capacity(h.ptr) != 96 or lib.ring_elem_size(h.ptr) != MSG.size:
            fail("n-1 ring of 97 slots: capacity %d, elem %d" %
                 (lib.ring_capacity(h.ptr), lib.ring_elem_size(h.ptr)))
        proc = subprocess.Popen([peer, "cons", name, str(count)])
        batch = ctypes.create_string_buffer(MSG.size * 8)
        seq, k = 0, 0
        while seq < count:
            want = min(1 + k % 8, count - seq)
            for i in range(want):
                MSG.pack_into(batch, i * MSG.size, seq + i, ((seq + i) * MUL) & MASK)
            if want == 1:
                rc = lib.ring_push(h.ptr, batch)
                got = 1 if rc == 0 else rc
            elif k % 2:
                got = lib.ring_push_bulk(h.ptr, batch, want)
            else:
                got = lib.ring_push_burst(h.ptr, batch, want)
            if got == -errno.EAGAIN:
                # Full: wait for room without spinning, one message.
                rc = lib.ring_push_timeout(h.ptr, batch, STALL_NS)
                got = 1 if rc == 0 else rc
            if got < 0:
                fail("push at %d: %s" % (seq, lib.ring_strerror(got).decode()))
            if got == 0 or got > want:
                fail("push of %d moved %d" % (want, got))
            seq += got
            k += 1
        if lib.ring_close_write(h.ptr) != 0:
            fail("ring_close_write")
        if lib.ring_push(h.ptr, batch) != -errno.EPIPE:
            fail("push after ring_close_write is not -EPIPE")
        reap(proc, "ffi_peer cons")
        proc = None
    finally:
        lib.ring_close(h.ptr)
        lib.ring_unlink(name)  # -ENOENT once the consumer has unlinked it
        if proc is not None:
            proc.kill()
            proc.wait()
    print("python -> C: %d messages through the FFI push calls" % count)


def python_consumes(lib, fig, peer, count):
    name = ("/shmring-ffi-%d-c2py" % os.getpid()).encode()
    h = Handle(fig["sizeof_ring"][0])
    proc = subprocess.Popen([peer, "prod", name, str(count)])
    try:
        deadline = time.monotonic() + 30
        while True:
            rc = lib.ring_open(h.ptr, name, fig["RING_KIND_SPSC"][0])
            if rc not in (-errno.ENOENT, -errno.EAGAIN) or time.monotonic() > deadline:
                break
            time.sleep(0.001)
        if rc != 0:
            fail("ring_open: %s" % lib.ring_strerror(rc).decode())
        lib.ring_unlink(name)
        if (lib.ring_kind(h.ptr) != fig["RING_KIND_SPSC"][0] or
                lib.ring_rule(h.ptr) != fig["RING_RULE_COUNT"][0] or
                lib.ring_elem_size(h.ptr) != MSG.size or
                not lib.ring_flags(h.ptr) & fig["RING_F_BLOCKING"][0]):
            fail("unexpected geometry")
        batch = ctypes.create_string_buffer(MSG.size * 8)
        nxt, k = 0, 0
        while True:
            want = 1 + k % 8
            if want == 1:
                rc = lib.ring_pop(h.ptr, batch)
                got = 1 if rc == 0 else rc
            elif k % 2:
                got = lib.ring_pop_bulk(h.ptr, batch, want)
            else:
                got = lib.ring_pop_burst(h.ptr, batch, want)
            if got == -errno.EAGAIN or (got == -errno.EPIPE and want > 1):
                # Empty (or fewer than a bulk asked for): wait for one.
                rc = lib.ring_pop_timeout(h.ptr, batch, STALL_NS)
                got = 1 if rc == 0 else rc
            if got == -errno.EPIPE:
                break
            if got < 0:
                fail("pop after %d: %s" % (nxt, lib.ring_strerror(got).decode()))
            if got == 0 or got > want:
                fail("pop of %d moved %d" % (want, got))
            for i in range(got):
                check_msg(batch, i * MSG.size, nxt + i)
            nxt += got
            k += 1
        if nxt != count:
            fail("%d messages, expected %d" % (nxt, count))
        if lib.ring_count(h.ptr) != 0:
            fail("drained ring has count %d" % lib.ring_count(h.ptr))
        reap(proc, "ffi_peer prod")
        proc = None
    finally:
        lib.ring_close(h.ptr)
        lib.ring_unlink(name)
        if proc is not None:
            proc.kill()
            proc.wait()
    print("C -> python: %d messages through the FFI pop calls" % count)


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    lib = load(sys.argv[1])
    peer = sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) == 4 else 20000
    fig = layout(peer)
    # A closed (zeroed) handle: the exported inline calls answer -EINVAL.
    h = Handle(fig["sizeof_ring"][0])
    if lib.ring_push(h.ptr, ctypes.create_string_buffer(16)) != -errno.EINVAL:
        fail("ring_push on a zeroed handle is not -EINVAL")
    if not lib.ring_strerror(-errno.EAGAIN):
        fail("ring_strerror(-EAGAIN) is empty")
    python_produces(lib, fig, peer, count)
    python_consumes(lib, fig, peer, count)
    print("ffi test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
