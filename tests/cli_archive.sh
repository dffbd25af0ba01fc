#!/usr/bin/env bash
# cli_archive.sh - slim-pack's .slim archive commands: pack -> unpack gives
# the same bytes, ls and inspect list the files, extract writes one file or
# one tensor, verify catches a flipped byte, and a failed pack leaves no
# file behind.
#
#   bash tests/cli_archive.sh [path/to/slim-pack]
set -u

P=$(realpath "${1:-bin/slim-pack}")
DATA=${SLIM_SHARED_DATA:-$(realpath ../shared/data 2>/dev/null)}
work=$(mktemp -d "${TMPDIR:-/tmp}/slim-archive-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

pass=0 fail=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
ok() { pass=$((pass + 1)); }

# expect CODE 'stderr substring' command...
expect() {
    local code=$1 msg=$2
    shift 2
    "$@" >out.txt 2>err.txt
    local got=$?
    if [ "$got" -ne "$code" ]; then
        bad "'$*' exited $got, expected $code; stderr: $(cat err.txt)"
    elif [ -n "$msg" ] && ! grep -qF -- "$msg" err.txt; then
        bad "'$*': stderr lacks '$msg': $(cat err.txt)"
    else
        ok
    fi
}

# A folder of its own: text, binary noise, an empty file, a sub-folder.
mkdir -p src/sub
printf '{"hidden_size": 64}\n' > src/config.json
head -c 70000 /dev/urandom > src/sub/noise.bin
: > src/empty.txt
seq 1 20000 > src/numbers.txt

expect 0 "" "$P" pack src -o a.slim --level 5 --threads 2
expect 0 "" "$P" unpack a.slim -o out
diff -r src out >/dev/null && ok || bad "unpack differs from the packed folder"
expect 0 "" "$P" ls a.slim
grep -q "sub/noise.bin" out.txt && grep -q "4 files" out.txt && ok || bad "ls output: $(cat out.txt)"
expect 0 "" "$P" ls a.slim --json
python3 -c 'import json,sys; d=json.load(open("out.txt")); sys.exit(0 if len(d["files"])==4 else 1)' \
    && ok || bad "ls --json is not the expected JSON"
expect 0 "" "$P" inspect a.slim
grep -q ".slim archive v1" out.txt && ok || bad "inspect does not detect the archive"
expect 0 "" "$P" verify a.slim
grep -q ": ok (" out.txt && ok || bad "verify did not print ok"
expect 0 "" "$P" extract a.slim sub/noise.bin -o n.bin
cmp -s n.bin src/sub/noise.bin && ok || bad "extracted file differs"
expect 1 "no file or tensor" "$P" extract a.slim nothing -o x
expect 2 "missing -o" "$P" pack src
expect 2 "missing -o" "$P" unpack a.slim

# The same archive for any thread count.
expect 0 "" "$P" pack src -o t1.slim --threads 1
expect 0 "" "$P" pack src -o t7.slim --threads 7
cmp -s t1.slim t7.slim && ok || bad "1 and 7 threads give different archives"

# A flipped byte inside a chunk: verify exits 1 naming the offset.
cp a.slim bad.slim
printf '\xff' | dd of=bad.slim bs=1 seek=200 conv=notrunc 2>/dev/null
expect 1 "at byte" "$P" verify bad.slim
# Truncated and not-an-archive inputs.
head -c 300 a.slim > cut.slim
expect 1 "truncated" "$P" ls cut.slim
expect 1 "not a .slim archive" "$P" ls src/numbers.txt

# A failed pack (missing input) leaves nothing behind.
before=$(ls -A | sort | tr '\n' ' ')
expect 1 "" "$P" pack src missing-dir -o fail.slim
after=$(ls -A | sort | tr '\n' ' ')
[ "$before" = "$after" ] && ok || bad "failed pack left '$after'"

M="$DATA/models"
if [ -z "$DATA" ] || [ ! -d "$M" ]; then
    echo "cli_archive.sh: SKIP shared model folders (set SLIM_SHARED_DATA)"
else
    for d in stories260K-hf stories260K-hf-bf16 synth-llama-a/hf; do
        rm -rf u
        expect 0 "" "$P" pack "$M/$d" -o m.slim
        expect 0 "" "$P" unpack m.slim -o u
        diff -r "$M/$d" u >/dev/null && ok || bad "$d: unpack differs"
    done
    # One tensor by name: the raw bytes of its data.
    expect 0 "" "$P" pack "$M/stories260K-hf-bf16" -o m.slim
    expect 0 "" "$P" extract m.slim model.embed_tokens.weight -o emb.bin
    python3 - "$M/stories260K-hf-bf16/model.safetensors" emb.bin <<'PY' && ok || bad "tensor extract differs"
import json, struct, sys
b = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
t = json.loads(b[8:8 + n])['model.embed_tokens.weight']
s, e = t['data_offsets']
sys.exit(0 if b[8 + n + s:8 + n + e] == open(sys.argv[2], 'rb').read() else 1)
PY
fi

echo "cli_archive.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
