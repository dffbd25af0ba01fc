#!/usr/bin/env bash
# demo.sh - slim at work on built-in data only (run by `make demo` after the
# build). Needs nothing but the tools in bin/; everything it writes goes to a
# temporary directory that is removed at the end.
set -euo pipefail

BIN=${BIN:-bin}
Q="$BIN/slim-quant"
work=$(mktemp -d "${TMPDIR:-/tmp}/slim-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

have_type() { "$Q" types | awk 'NR > 1 { print $1 }' | grep -qx "$1"; }

echo "== slim-quant: one weight matrix, many ggml types =="
"$Q" info | sed -n '2,5p'
echo
rows=4096 cols=1024
"$Q" gen --rows $rows --cols $cols --seed 1 -o "$work/w.f32"
echo "Input: $rows x $cols float32 (16 MiB) from 'slim-quant gen': near-Gaussian rows,"
echo "a few 4x input channels and rare outliers, like a model's weight matrix."
echo "Per type: size, bits per weight, error of the dequantized weights against the"
echo "input (relative RMSE, cosine similarity, largest absolute error), quantize time."
echo
for t in q8_0 q6_K q5_K q4_K q4_0 q3_K q2_K iq4_xs tq2_0; do
    if have_type "$t"; then
        "$Q" raw --type "$t" --cols $cols --stats "$work/w.f32" -o "$work/w.$t"
    else
        echo "$t: no kernels in this build"
    fi
done
echo "(tq2_0 stores ternary weights: it is meant for models trained ternary, such as"
echo "BitNet; on ordinary weights its error is large by design.)"

# The point of slim: the bytes are ggml's, whatever the kernel path or the
# thread count, so a file made here loads the same everywhere.
t=q4_K
if have_type $t; then
    echo
    echo "== The same bytes on every kernel path and thread count ($t) =="
    echo "Each path on 1 thread, compared with the file above ($("$Q" info | sed -n 's/^path: *\([a-z0-9]*\).*/\1/p'), all threads):"
    for path in scalar avx2 avx512 neon; do
        if SLIM_CPU=$path "$Q" info >/dev/null 2>&1; then
            line=$(SLIM_CPU=$path "$Q" raw --type $t --cols $cols --threads 1 --stats \
                   "$work/w.f32" -o "$work/p.$t")
            if cmp -s "$work/p.$t" "$work/w.$t"; then same="identical"; else same="DIFFERENT"; fi
            printf '  %-7s %s bytes, %s\n' "$path" "$same" "$(echo "$line" | grep -o '[0-9.]* MB/s')"
        fi
    done
    "$Q" raw --dequantize --type $t --cols $cols "$work/w.$t" -o "$work/back.f32"
    echo "dequantized back to float32: $(wc -c < "$work/back.f32") bytes ('slim-quant raw --dequantize')"
fi

T="$BIN/slim-tok"
if [[ -x "$T" ]]; then
    echo
    echo "== slim-tok: the built-in o200k_base vocabulary (GPT-4o's), no download =="
    sample='slim makes large language models small: it quantizes weights into ggml
types, bit for bit, and tokenizes text exactly as tiktoken does. 你好，世界！ Ça va ?'
    printf '%s\n' "$sample"
    echo "ids:"
    printf '%s' "$sample" | "$T" encode | fold -w 78 -s | sed 's/^/  /'
    printf '%s' "$sample" | "$T" encode | "$T" decode > "$work/back.txt"
    if [[ "$(cat "$work/back.txt")" == "$sample" ]]; then
        echo "decode(encode(text)) == text: yes"
    else
        echo "decode(encode(text)) == text: NO"; exit 1
    fi
    # Speed on a larger built-in text: the sample repeated to about 8 MB.
    for _ in $(seq 1 40000); do printf '%s\n' "$sample"; done > "$work/big.txt"
    echo "speed on $(( $(wc -c < "$work/big.txt") / 1000000 )) MB of that text, one thread:"
    "$T" count --stats "$work/big.txt" 2>&1 >/dev/null | sed 's/^/  /'
fi
