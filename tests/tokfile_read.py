#!/usr/bin/env python3
"""An independent reader of slim-tok batch outputs, for tests/cli_batch.sh.

Only the standard library: it reads the formats from their published
descriptions (numpy's .npy format 1.0, Megatron-LM's MMIDIDX index), checks
their structure and prints the token ids, so the shell test can compare
formats with each other and with the shared reference ids.

    tokfile_read.py bin PATH uint16|uint32|int32   every id, one per line
    tokfile_read.py npy PATH                       the same, header checked
    tokfile_read.py megatron PREFIX EOS            the same, index checked: one
                                                   sequence per document, each
                                                   ending with EOS (-1: none)
    tokfile_read.py jsonl PATH                     the same, one array per line
    tokfile_read.py ref TOKREF_DIR EOS CORPUS...   the reference ids of the
                                                   corpora, EOS after each document
Exits 1 with a message on stderr when a file is malformed.
"""
import ast
import json
import struct
import subprocess
import sys

WIDTHS = {"uint16": "H", "uint32": "I", "int32": "i"}
NPY_TYPES = {"<u2": "H", "<u4": "I", "<i4": "i"}
MEGATRON_TYPES = {8: "H", 4: "i"}


def fail(msg):
    sys.stderr.write("tokfile_read: " + msg + "\n")
    sys.exit(1)


def unpack(code, data):
    size = struct.calcsize(code)
    if len(data) % size:
        fail("%d bytes is not a whole number of %d-byte ids" % (len(data), size))
    return list(struct.unpack("<%d%s" % (len(data) // size, code), data))


def read_npy(path):
    b = open(path, "rb").read()
    if b[:6] != b"\x93NUMPY" or b[6] != 1:
        fail("%s: not an npy 1.x file" % path)
    hlen = struct.unpack("<H", b[8:10])[0]
    if (10 + hlen) % 64:
        fail("%s: data does not start at a multiple of 64" % path)
    header = b[10:10 + hlen].decode("latin1")
    if not header.endswith("\n"):
        fail("%s: header does not end with a newline" % path)
    d = ast.literal_eval(header)
    if d.get("fortran_order") is not False or len(d.get("shape", ())) != 1:
        fail("%s: not a 1-D C-order array: %r" % (path, d))
    code = NPY_TYPES.get(d.get("descr"))
    if not code:
        fail("%s: unexpected descr %r" % (path, d.get("descr")))
    ids = unpack(code, b[10 + hlen:])
    if len(ids) != d["shape"][0]:
        fail("%s: shape %r but %d ids" % (path, d["shape"], len(ids)))
    return ids


def read_megatron(prefix, eos):
    x = open(prefix + ".idx", "rb").read()
    data = open(prefix + ".bin", "rb").read()
    if x[:9] != b"MMIDIDX\x00\x00":
        fail("bad index magic")
    version, code, seqs, docs = struct.unpack("<QBQQ", x[9:34])
    if version != 1 or code not in MEGATRON_TYPES:
        fail("version %d, dtype code %d" % (version, code))
    if len(x) != 34 + 4 * seqs + 8 * seqs + 8 * docs:
        fail("index size %d does not match its counts" % len(x))
    off = 34
    lens = struct.unpack("<%di" % seqs, x[off:off + 4 * seqs])
    off += 4 * seqs
    ptrs = struct.unpack("<%dq" % seqs, x[off:off + 8 * seqs])
    off += 8 * seqs
    doc_idx = struct.unpack("<%dq" % docs, x[off:off + 8 * docs])
    if list(doc_idx) != list(range(seqs + 1)):
        fail("document index is not one sequence per document")
    item = struct.calcsize(MEGATRON_TYPES[code])
    ids, pos = [], 0
    for n, p in zip(lens, ptrs):
        if p != pos:
            fail("sequence pointer %d, expected %d" % (p, pos))
        seq = unpack(MEGATRON_TYPES[code], data[p:p + n * item])
        if eos >= 0 and (not seq or seq[-1] != eos):
            fail("a document does not end with %d" % eos)
        ids += seq
        pos += n * item
    if pos != len(data):
        fail(".bin holds %d bytes, the index %d" % (len(data), pos))
    return ids


def read_jsonl(path):
    ids = []
    for line in open(path, encoding="ascii"):
        ids += json.loads(line)
    return ids


def read_ref(tokref, eos, corpora):
    ids = []
    for c in corpora:
        raw = subprocess.run(["zstd", "-dc", "%s/%s.ids.jsonl.zst" % (tokref, c)],
                             check=True, capture_output=True).stdout.decode()
        for line in raw.splitlines():
            if line.strip():
                ids += json.loads(line) + ([eos] if eos >= 0 else [])
    return ids


def main(argv):
    kind = argv[1]
    if kind == "bin":
        ids = unpack(WIDTHS[argv[3]], open(argv[2], "rb").read())
    elif kind == "npy":
        ids = read_npy(argv[2])
    elif kind == "megatron":
        ids = read_megatron(argv[2], int(argv[3]))
    elif kind == "jsonl":
        ids = read_jsonl(argv[2])
    elif kind == "ref":
        ids = read_ref(argv[2], int(argv[3]), argv[4:])
    else:
        fail("unknown kind " + kind)
    sys.stdout.write("\n".join(map(str, ids)) + "\n")


if __name__ == "__main__":
    main(sys.argv)
