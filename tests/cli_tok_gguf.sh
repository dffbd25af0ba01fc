#!/usr/bin/env bash
# cli_tok_gguf.sh - slim-tok with a GGUF model as its tokenizer (-t
# model.gguf, told by content): the same ids as the folder's
# tokenizer.json, BOS from add_bos_token, decode round trip, info, and a
# damaged file is an error that says where.
#
#   bash tests/cli_tok_gguf.sh [path/to/slim-tok]
set -u
. "$(dirname "$0")/cli_lib.sh"

T=$(realpath "${1:-bin/slim-tok}")
DATA=${SLIM_SHARED_DATA:-$(realpath ../shared/data 2>/dev/null)}
work=$(mktemp -d "${TMPDIR:-/tmp}/slim-tok-gguf-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

# A damaged GGUF (the header only) is an error naming the problem.
printf 'GGUF\003\000\000\000' > bad.gguf
expect 1 "not a valid GGUF file" "$T" encode -t bad.gguf /dev/null
expect 2 "apply to a rank file" "$T" encode -t bad.gguf --pattern x /dev/null

G=$DATA/models/stories260K-gguf-llamacpp/stories260K-hf-convert_hf_to_gguf-f32.gguf
J=$DATA/models/stories260K-hf/tokenizer.json
if [ -f "$G" ] && [ -f "$J" ]; then
    printf 'Once upon a time, there was a little girl named Lily. caf\xc3\xa9 \xf0\x9f\xa6\x99\n' > in.txt
    expect 0 "" "$T" encode -t "$G" in.txt
    cp out.txt gguf.ids
    expect 0 "" "$T" encode -t "$J" in.txt
    cmp -s gguf.ids out.txt && pass=$((pass + 1)) || bad "GGUF and tokenizer.json ids differ"
    expect 0 "" "$T" encode -t "$G" --add-special in.txt
    [ "$(cut -d' ' -f1 out.txt)" = 1 ] && pass=$((pass + 1)) || bad "--add-special: no BOS 1"
    expect 0 "" "$T" decode -t "$G" gguf.ids
    # decode ends each document with a newline of its own.
    { cat in.txt; echo; } > want.txt
    cmp -s want.txt out.txt && pass=$((pass + 1)) || bad "decode(encode(x)) != x"
    expect 0 "" "$T" info -t "$G"
    grep -q "^kind: *gguf" out.txt && pass=$((pass + 1)) || bad "info: kind is not gguf"
else
    echo "cli_tok_gguf.sh: shared data not found, model checks skipped"
fi

echo "cli_tok_gguf.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
