#!/usr/bin/env bash
# cli_batch.sh - slim-tok batch and merge from the command line: outputs
# equal the shared reference ids (with EOS separators), read back by an
# independent reader (tests/tokfile_read.py, Python standard library only);
# 1, 2 and 7 threads give the same bytes; folders, zstd and stdin; --shard
# K/N parts merged equal one run; shards; malformed lines and invalid UTF-8;
# usage errors; no file left behind by a failed or interrupted run.
#
#   bash tests/cli_batch.sh [path/to/slim-tok]
set -u
. "$(dirname "$0")/cli_lib.sh"

T=$(realpath "${1:-bin/slim-tok}")
R="python3 $(realpath "$(dirname "$0")/tokfile_read.py")"
DATA=${SLIM_SHARED_DATA:-$(realpath ../shared/data 2>/dev/null)}
work=$(mktemp -d "${TMPDIR:-/tmp}/slim-batch-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

# same A B what: the two files are equal.
same() {
    if cmp -s "$1" "$2"; then pass=$((pass + 1)); else bad "$3: $1 and $2 differ"; fi
}

# Usage errors exit 2; --help exits 0.
expect 2 "missing -o" "$T" batch x
expect 2 "missing INPUT" "$T" batch -o x.bin
expect 2 "unknown value" "$T" batch --format parquet -o x.bin x
expect 2 "0 <= K < N" "$T" batch --shard 3/3 -o x.bin x
expect 2 "not to --input jsonl" "$T" batch --input jsonl --split lines -o x.bin x
expect 2 "no uint32" "$T" batch --format megatron --dtype uint32 -o x x
expect 2 "not a size" "$T" batch --shard-size 10Q -o x.bin x
expect 2 "no begin token" "$T" batch --bos -o x.bin /dev/null
expect 1 "no such file" "$T" batch -o x.bin nonexistent.txt
expect 2 "missing -o" "$T" merge a.bin
expect 0 "" "$T" batch --help
grep -q -- "--shard K/N" out.txt && pass=$((pass + 1)) || bad "batch --help lacks --shard"

# Text: lines and paragraphs, EOS and BOS by name or number.
printf 'one\n\ntwo three\r\nfour\n\n\nfive' > t.txt
expect 0 "" "$T" batch -t cl100k_base --split paragraphs --format jsonl --bos=7 -o p.jsonl t.txt
[ "$(wc -l < p.jsonl)" = 3 ] && pass=$((pass + 1)) || bad "paragraphs: $(cat p.jsonl)"
[ "$(head -1 p.jsonl)" = "[7,606,100257]" ] && pass=$((pass + 1)) || bad "bos/eos: $(head -1 p.jsonl)"
expect 0 "" "$T" batch -t cl100k_base --split lines --format jsonl --eos='<|fim_middle|>' -o l.jsonl t.txt
[ "$(wc -l < l.jsonl)" = 4 ] && [ "$(head -1 l.jsonl)" = "[606,100259]" ] && pass=$((pass + 1)) \
    || bad "lines: $(cat l.jsonl)"

# A malformed line fails with file and line, leaving nothing behind;
# --on-error=skip counts it.
printf '{"text": "fine"}\n{"text": "broken",\n{"title": "no text"}\n' > bad.jsonl
before=$(ls -A | sort | tr '\n' ' ')
expect 1 "bad.jsonl:2: invalid JSON at column" "$T" batch --input jsonl -o bad.bin bad.jsonl
after=$(ls -A | sort | tr '\n' ' ')
[ "$before" = "$after" ] && pass=$((pass + 1)) || bad "failed run left '$after'"
expect 0 "2 malformed lines skipped" "$T" batch --input jsonl --on-error=skip -o bad.bin bad.jsonl
printf '{"text": "fine"}\n{"title": "no text"}\n' > nofield.jsonl
expect 1 "nofield.jsonl:2: no string field 'text'" "$T" batch --input jsonl -o x.bin nofield.jsonl
printf 'ab\377cd' > inv.txt
expect 1 "inv.txt: invalid UTF-8 at byte 2" "$T" batch --invalid=fail -o x.bin inv.txt
expect 0 "1 invalid UTF-8 byte replaced or dropped" "$T" batch -o x.bin inv.txt
expect 1 "special token <|endoftext|>" "$T" batch --disallow-special -o x.bin <(printf 'a<|endoftext|>')

# Ctrl-C, even while the input stalls: the run stops, dies of SIGINT and
# leaves no file behind.
mkfifo fifo
"$T" batch -o int.bin fifo 2>/dev/null &
pid=$!
exec 3>fifo
printf 'some text' >&3
for _ in $(seq 100); do ls int.bin.tmp* >/dev/null 2>&1 && break; sleep 0.1; done
kill -INT $pid
wait $pid
rc=$?
exec 3>&-
if [ $rc -eq 130 ] && ! ls int.bin* >/dev/null 2>&1; then pass=$((pass + 1)); else
    bad "interrupted run: exit $rc, left $(ls int.bin* 2>/dev/null)"; fi

if [ -z "$DATA" ] || [ ! -d "$DATA/corpora" ]; then
    echo "cli_batch.sh: shared data not found (set SLIM_SHARED_DATA or provide ../shared/data): reference checks skipped"
else
    corpora="adversarial code-python de-fortunes en-bible en-jargon ja-edict multilingual ru-fortunes zh-debref"
    files=$(for c in $corpora; do printf '%s ' "$DATA/corpora/$c.jsonl"; done)
    # The reference: tiktoken's ids with allowed_special="all", EOS 199999.
    $R ref "$DATA/tokref/o200k_base" 199999 $corpora > ref.txt || bad "cannot read the reference"

    # shellcheck disable=SC2086
    expect 0 "" "$T" batch --input jsonl --allow-special -j 1 -o t1.bin $files
    $R bin t1.bin uint32 > got.txt && same ref.txt got.txt "bin vs reference"
    for j in 2 7; do
        # shellcheck disable=SC2086
        expect 0 "" "$T" batch --input jsonl --allow-special -j $j --chunk-size 16K -o t$j.bin $files
        same t1.bin t$j.bin "$j threads"
    done

    # npy, Megatron and jsonl hold the same ids.
    # shellcheck disable=SC2086
    expect 0 "" "$T" batch --input jsonl --allow-special --format npy -o t.npy $files
    $R npy t.npy > got.txt && same ref.txt got.txt "npy"
    # shellcheck disable=SC2086
    expect 0 "" "$T" batch --input jsonl --allow-special --format megatron -o meg $files
    $R megatron meg 199999 > got.txt && same ref.txt got.txt "megatron"
    # shellcheck disable=SC2086
    expect 0 "" "$T" batch --input jsonl --allow-special --format jsonl -o t.jsonl $files
    $R jsonl t.jsonl > got.txt && same ref.txt got.txt "jsonl"

    # A folder (sorted, recursive) of plain and zstd files, and stdin.
    mkdir -p corp/z
    for c in $corpora; do
        case $c in
            [a-e]*) cp "$DATA/corpora/$c.jsonl" corp/ ;;
            *) zstd -q "$DATA/corpora/$c.jsonl" -o corp/z/$c.jsonl.zst ;;
        esac
    done
    expect 0 "" "$T" batch --input jsonl --allow-special -o dir.bin corp
    same t1.bin dir.bin "folder with zstd files"
    # shellcheck disable=SC2086
    cat $files | zstd -q | "$T" batch --input jsonl --allow-special -o stdin.bin - 2>err.txt
    same t1.bin stdin.bin "zstd on stdin"

    # --shard K/N parts merged in order equal one run, in every format.
    for f in bin npy megatron; do
        parts=""
        for k in 0 1 2; do
            # shellcheck disable=SC2086
            expect 0 "" "$T" batch --input jsonl --allow-special --format $f --shard $k/3 -o part$k.$f $files
            parts="$parts part$k.$f"
        done
        # shellcheck disable=SC2086
        expect 0 "" "$T" merge -o merged.$f $parts
        case $f in
            bin) same t1.bin merged.bin "merged --shard parts" ;;
            npy) same t.npy merged.npy "merged npy parts" ;;
            megatron) same meg.bin merged.megatron.bin "merged megatron .bin"
                      same meg.idx merged.megatron.idx "merged megatron .idx" ;;
        esac
    done

    # --shard-size: numbered outputs at document boundaries, listed in the
    # manifest; merged they equal one output.
    # shellcheck disable=SC2086
    expect 0 "" "$T" batch --input jsonl --allow-special --shard-size 200K --json -o sh.bin $files
    n=$(ls sh-0*.bin | wc -l)
    [ "$n" -ge 3 ] && pass=$((pass + 1)) || bad "--shard-size 200K gave $n shards"
    python3 - out.txt sh.bin.manifest.json <<'PY' && pass=$((pass + 1)) || bad "stats or manifest"
import json, os, sys
stats, man = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert stats["documents"] == man["documents"] > 0 and stats["tokens"] == man["tokens"]
assert len(man["outputs"]) == len(stats["outputs"]) >= 3
assert sum(o["tokens"] for o in man["outputs"]) == man["tokens"]
for o in man["outputs"]:
    assert os.path.getsize(o["path"]) == o["bytes"] == 4 * o["tokens"]
    assert len(o["xxh3"]) == 16 and o["tokens"] <= 200000
PY
    expect 0 "" "$T" merge -o shm.bin sh-0*.bin
    same t1.bin shm.bin "merged --shard-size outputs"
fi

echo "cli_batch.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
