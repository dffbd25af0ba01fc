#!/usr/bin/env python3
"""Convert a .tiktoken rank file into slim's compact built-in vocabulary form.

Why: parsing 200k base64 lines costs more than the whole start-up budget
(20 ms for o200k), so the built-in vocabularies are stored pre-decoded.

Output (before zstd): the 8-byte magic "SLIMVOC2", the number of rank slots N
as a little-endian uint32, N length bytes (rank 0..N-1; 0 marks a rank the
file skips), then all token bytes in rank order. Lengths first lets the loader
decompress the token bytes straight into their final array.
Usage: tiktoken_to_slimvocab.py IN.tiktoken OUT.bin   (then: zstd -19 OUT.bin)
"""
import base64
import struct
import sys


def main():
    src, dst = sys.argv[1], sys.argv[2]
    ranks = {}
    with open(src, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            tok, rank = line.split()
            ranks[int(rank)] = base64.b64decode(tok, validate=True)
    n = max(ranks) + 1
    out = bytearray(b"SLIMVOC2" + struct.pack("<I", n))
    for r in range(n):
        t = ranks.get(r, b"")
        if not 0 < len(t) < 256 and r in ranks:
            sys.exit(f"rank {r}: token length {len(t)} out of range")
        out.append(len(t))
    for r in range(n):
        out += ranks.get(r, b"")
    with open(dst, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
