#!/usr/bin/env bash
# bench_convert.sh - Q4_K_M conversion of a BF16 llama-shaped model: slim-quant
# convert against llama.cpp's llama-quantize (ggml's reference quantizer) on
# the same number of threads, in one run, with the outputs compared byte for
# byte.
#
#   bench/bench_convert.sh                 (make bench runs it)
#
# Steps: bench/synth_llama.py writes a llama-shaped F32 Hugging Face folder
# (TinyLlama's shape, 8 layers, about 1.9 GB; BENCH_CONVERT_LAYERS=2 for a
# quick run) into bench/.cache (ignored by git) once; slim-quant convert
# makes the BF16 GGUF from it (what convert_hf_to_gguf.py writes); then the
# BF16 GGUF is quantized to Q4_K_M by slim-quant convert and by llama-quantize.
# llama-quantize is taken from LLAMA_QUANTIZE, else ../ref/llama.cpp/build/bin
# beside the project; without it that row says skipped.
#
# Environment: BENCH_CONVERT_LAYERS (default 8), BENCH_THREADS (default: all
# cores), LLAMA_QUANTIZE.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
Q=$root/bin/slim-quant
layers=${BENCH_CONVERT_LAYERS:-8}
threads=${BENCH_THREADS:-$(nproc)}
cache=$here/.cache/convert-$layers
lq=${LLAMA_QUANTIZE:-$root/../ref/llama.cpp/build/bin/llama-quantize}

mkdir -p "$cache"
if [ ! -f "$cache/hf/model.safetensors" ]; then
    echo "bench_convert.sh: writing the synthetic model ($layers layers) into $cache/hf"
    python3 "$here/synth_llama.py" "$cache/hf" --layers "$layers" --slim-quant "$Q" >/dev/null
fi
[ -f "$cache/bf16.gguf" ] ||
    "$Q" convert "$cache/hf" --type BF16 --no-tokenizer -o "$cache/bf16.gguf" 2>/dev/null

# run CMD...: prints "wall_s cpu_s peak_MB" of the command
run() {
    /usr/bin/time -o "$cache/time.txt" -f "%e %U %S %M" "$@" >/dev/null 2>"$cache/err.txt" ||
        { echo "bench_convert.sh: $1 failed: $(tail -1 "$cache/err.txt")" >&2; echo "0 0 0"; return; }
    awk '{ printf "%.2f %.2f %.0f\n", $1, $2 + $3, $4 / 1024 }' "$cache/time.txt"
}

src_mb=$(du -m "$cache/bf16.gguf" | cut -f1)
echo
echo "Q4_K_M from a ${src_mb} MB BF16 GGUF ($layers layers), $threads threads, $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| tool | wall s | CPU s | peak RSS MB | speed vs llama-quantize, wall | CPU | output |"
echo "|---|---:|---:|---:|---:|---:|---|"
read -r sw sc sm < <(run "$Q" convert "$cache/bf16.gguf" --type Q4_K_M -j "$threads" -o "$cache/slim-q4km.gguf")
if [ -x "$lq" ]; then
    read -r lw lc lm < <(run "$lq" "$cache/bf16.gguf" "$cache/llama-q4km.gguf" Q4_K_M "$threads")
    same=$(cmp -s "$cache/slim-q4km.gguf" "$cache/llama-q4km.gguf" && echo "identical files" || echo "DIFFERENT files")
    echo "| llama-quantize | $lw | $lc | $lm | 1.0x | 1.0x | $same |"
    rw=$(awk -v a="$lw" -v b="$sw" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }')
    rc=$(awk -v a="$lc" -v b="$sc" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }')
    echo "| slim-quant convert | $sw | $sc | $sm | **$rw** | **$rc** | $same |"
    rm -f "$cache/llama-q4km.gguf"
else
    echo "| llama-quantize | skipped: not found at $lq (set LLAMA_QUANTIZE) | | | | | |"
    echo "| slim-quant convert | $sw | $sc | $sm | | | |"
fi
rm -f "$cache/slim-q4km.gguf" "$cache/err.txt" "$cache/time.txt"
