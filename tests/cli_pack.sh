#!/usr/bin/env bash
# cli_pack.sh - slim-pack's command-line contract: format detection by
# content, verify's exit codes and messages, convert round trips
# (safetensors -> GGUF -> safetensors gives the same tensors) and no file
# left behind by a failed convert.
#
#   bash tests/cli_pack.sh [path/to/slim-pack]
set -u
. "$(dirname "$0")/cli_lib.sh"

P=$(realpath "${1:-bin/slim-pack}")
DATA=${SLIM_SHARED_DATA:-$(realpath ../shared/data 2>/dev/null)}
work=$(mktemp -d "${TMPDIR:-/tmp}/slim-pack-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"


# same_tensors A B: two safetensors files hold the same tensors (names,
# dtypes, shapes, bytes), whatever their header order.
same_tensors() {
    python3 - "$1" "$2" <<'PY'
import json, struct, sys
def load(p):
    b = open(p, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    h = json.loads(b[8:8 + n])
    h.pop('__metadata__', None)
    return {k: (v['dtype'], v['shape'], b[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]])
            for k, v in h.items()}
a, b = load(sys.argv[1]), load(sys.argv[2])
sys.exit(0 if a == b else 1)
PY
}

# Usage errors exit 2.
expect 2 "missing command" "$P"
expect 2 "unknown command" "$P" frobnicate
expect 2 "missing FILE" "$P" verify
expect 2 "missing -o" "$P" convert x
expect 2 "unknown option" "$P" verify --json x
expect 0 "" "$P" --help

# Failures exit 1 with the file and the place.
printf 'not a model at all' > junk.bin
expect 1 "not a GGUF or safetensors file" "$P" verify junk.bin
expect 1 "cannot open" "$P" verify missing.gguf
printf 'GGUF\001\000\000\000' > v1.gguf
expect 1 "at byte 4" "$P" verify v1.gguf

if [ -z "$DATA" ] || [ ! -d "$DATA/models" ]; then
    echo "cli_pack.sh: shared data not found, skipping the model checks"
else
    M=$DATA/models
    G=$M/stories260K-gguf-llamacpp/stories260K-hf-convert_hf_to_gguf-q8_0.gguf
    # Detection by content, not by name.
    cp "$G" looks-like.safetensors
    expect 0 "" "$P" inspect looks-like.safetensors
    grep -q "GGUF v3" out.txt || bad "inspect did not detect GGUF by content"
    expect 0 "" "$P" inspect --json "$M/stories260K-hf-sharded"
    python3 -c 'import json,sys; d=json.load(open("out.txt")); sys.exit(0 if len(d["tensors"]) == 47 else 1)' \
        || bad "inspect --json is not valid JSON with 47 tensors"
    expect 0 "" "$P" verify "$M/stories260K-hf-bf16/model.safetensors"
    grep -q ": ok (" out.txt || bad "verify did not print ok"
    # A truncated file: exit 1, with the offset.
    head -c 5000 "$G" > cut.gguf
    expect 1 "at byte" "$P" verify cut.gguf
    rm -f cut.gguf looks-like.safetensors

    # Round trips: single, sharded and BF16 safetensors through GGUF.
    for src in stories260K-hf/model.safetensors stories260K-hf-bf16/model.safetensors synth-llama-a/hf/model.safetensors; do
        expect 0 "" "$P" convert "$M/$src" -o rt.gguf
        expect 0 "" "$P" convert rt.gguf -o rt.safetensors
        same_tensors "$M/$src" rt.safetensors && pass=$((pass + 1)) || bad "round trip of $src changed tensors"
        rm -f rt.gguf rt.safetensors
    done
    expect 0 "" "$P" convert "$M/stories260K-hf-sharded" -o sh.gguf
    expect 0 "" "$P" convert sh.gguf -o sh.safetensors
    same_tensors "$M/stories260K-hf/model.safetensors" sh.safetensors && pass=$((pass + 1)) \
        || bad "sharded round trip changed tensors"
    rm -f sh.gguf sh.safetensors

    # Split GGUF output (llama.cpp's naming), read back through any file.
    expect 0 "" "$P" convert "$M/stories260K-hf" -o sp.gguf --split-max-size 400K
    [ -f sp-00001-of-00003.gguf ] && [ -f sp-00003-of-00003.gguf ] && [ ! -e sp.gguf ] \
        && pass=$((pass + 1)) || bad "split output files: $(ls)"
    expect 0 "" "$P" convert sp-00002-of-00003.gguf -o sp.safetensors
    same_tensors "$M/stories260K-hf/model.safetensors" sp.safetensors && pass=$((pass + 1)) \
        || bad "split round trip changed tensors"
    rm -f sp-0000?-of-00003.gguf sp.safetensors
    expect 2 "not a size" "$P" convert "$M/stories260K-hf" -o x.gguf --split-max-size 12Q
    expect 2 "GGUF output only" "$P" convert "$G" -o x.safetensors --split-max-size 1M

    # A quantized GGUF cannot become safetensors: no output, no temporary.
    before=$(ls -A | sort | tr '\n' ' ')
    expect 1 "quantized" "$P" convert "$G" -o q.safetensors
    after=$(ls -A | sort | tr '\n' ' ')
    [ "$before" = "$after" ] && pass=$((pass + 1)) || bad "failed convert left '$after'"
fi

echo "cli_pack.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
