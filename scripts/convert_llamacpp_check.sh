#!/usr/bin/env bash
# convert_llamacpp_check.sh - converts the shared stories260K folders with
# slim-quant convert into several types and runs each file in llama.cpp's
# llama-simple (built outside this project), greedy from BOS; the text must
# start like llama2.c's own greedy continuation for the exact types.
#
#   bash scripts/convert_llamacpp_check.sh path/to/llama-simple [path/to/slim-quant]
set -u
simple=${1:?usage: $0 path/to/llama-simple [slim-quant]}
Q=$(realpath "${2:-bin/slim-quant}")
data=$(realpath "${SLIM_SHARED_DATA:-../shared/data}")/models
want=$(sed -n 's/^text //p' "$data/stories260K-llama2c/greedy60_from_BOS.txt")
work=$(mktemp -d "${TMPDIR:-/tmp}/slim-llamacpp.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail=0
# folder:type:exact (1 = the text must equal llama2.c's)
for c in stories260K-hf:F32:1 stories260K-hf-bf16:BF16:1 stories260K-hf-sharded:F16:1 \
         stories260K-hf:Q8_0:1 stories260K-hf:Q4_K_M:1 stories260K-hf:Q6_K:1 \
         stories260K-hf:Q4_0:0 stories260K-hf:IQ4_NL:0; do
    IFS=: read -r folder type exact <<<"$c"
    out=$work/$folder-$type.gguf
    "$Q" convert "$data/$folder" --type "$type" -o "$out" 2>/dev/null || { echo "FAIL: convert $c"; fail=1; continue; }
    got=$("$simple" -m "$out" -n 60 "" 2>/dev/null | head -1 | sed 's/^<s> //')
    if [ -z "$got" ]; then
        echo "FAIL: llama.cpp did not run $folder $type"; fail=1
    elif [ "$exact" = 1 ] && [ "${want#"$got"}" = "$want" ]; then
        echo "FAIL: $folder $type: $got"; fail=1
    else
        echo "ok   $folder $type: ${got:0:70}..."
    fi
done
exit $fail
