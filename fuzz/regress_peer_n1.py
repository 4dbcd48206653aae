# SPDX-License-Identifier: MIT
# Usage: python3 fuzz/regress_peer_n1.py fuzz/corpus/peer
# Writes two regression inputs for fuzz_peer: an SPSC n-1 ring of 128 slots of
# 64 bytes, whose head (consumer side) or tail (producer side) the peer sets to
# 256, then pop/push, burst and count calls on this side. Slot 256 starts
# exactly at the region's end, on the guard page. The integers are read from
# the end of the input (fuzz/fuzz_input.h), one byte per 8 bits of a range;
# producer payloads from the front.
import sys

def make(role, which, ops):
    ints = [[0x00], [0x00], [0x00, 63], [126], [0], [role]]
    ints += [[0], [which], [3], [1, 0]]  # poke; tail (0) or head (1); 0..2n+2; 256
    payload = 0
    for n, op in ops:
        ints += [[4], [n - 1], [op]]  # this side: n elements, call `op`
        if role == 1:
            payload += n * 64
    flat = [b for i in ints for b in i]
    return bytes([0x41] * payload) + bytes(reversed(flat))

out = sys.argv[1]
ops = [(1, 0), (8, 2), (1, 6)]  # single, burst of 8, count
open(out + "/regress-n1-hostile-head", "wb").write(make(0, 1, ops))
open(out + "/regress-n1-hostile-tail", "wb").write(make(1, 0, ops))
