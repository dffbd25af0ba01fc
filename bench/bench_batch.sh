#!/usr/bin/env bash
# bench_batch.sh: slim-tok batch on a corpus of about 1 GB made from the
# shared corpora (make bench; docs/PERFORMANCE.md, "slim-tok batch").
#
#   bench/bench_batch.sh            (BENCH_BATCH_MB=64 bench/bench_batch.sh for a quick run)
#
# Measures, one after the other so that all see the same machine load:
#  - bench-batch (bench/bench_batch.c): single-document encode speed (every
#    document encoded on its own, one thread), then slim_batch_run on the
#    same corpus with 1 thread and with all threads, wall-clock and CPU time;
#  - Hugging Face tokenizers' encodeBatch on all threads (npm `tokenizers`
#    0.23.2, bench/batch_hf.mjs) against `slim-tok batch` on all threads, on
#    the first BENCH_BATCH_HF_MB of the corpus (default 32) with the GPT-2
#    tokenizer (the same ids on both sides: HF's tokenizer.json, slim's
#    built-in gpt2, and slim reading the same tokenizer.json). HF is timed
#    on documents already in memory; slim on its whole run (reading the
#    jsonl, tokenizing, writing the output) without loading the tokenizer;
#    CPU time is the whole process for both.
# Prints a markdown table on stdout; progress on stderr.
#
# Environment: BENCH_BATCH_MB (corpus size, default 1024), BENCH_BATCH_HF_MB,
# BENCH_BATCH_TOKENIZER (default o200k_base), SLIM_SHARED_DATA. The corpus
# is generated once into bench/.cache (ignored by git): the shared corpora
# (jsonl) appended whole, in turn, until the size is reached. The npm
# package is installed there on first use; without node or npm the HF rows
# say why they were skipped.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
data=${SLIM_SHARED_DATA:-$root/../shared/data}
cache=${BENCH_BATCH_CACHE:-$here/.cache}
slim=${SLIM_TOK:-$root/bin/slim-tok}
bench=${BENCH_BATCH:-$root/build/native/bench/bench-batch}
mb=${BENCH_BATCH_MB:-1024}
hf_mb=${BENCH_BATCH_HF_MB:-32}
tok=${BENCH_BATCH_TOKENIZER:-o200k_base}
tokenizers_version=0.23.2
cores=$(nproc 2>/dev/null || echo 2)

if [ ! -d "$data/corpora" ]; then
    echo "bench_batch.sh: skipped: no shared data at $data (set SLIM_SHARED_DATA)"
    exit 0
fi
[ -x "$slim" ] && [ -x "$bench" ] || { echo "bench_batch.sh: $slim or $bench not built" >&2; exit 1; }
mkdir -p "$cache"

# make_corpus MB: the path of a corpus of about MB MiB (whole documents).
make_corpus() {
    local out=$cache/batch-corpus-$1M.jsonl
    if [ ! -s "$out" ]; then
        echo "bench_batch.sh: generating $out" >&2
        local want=$(($1 * 1048576)) pass=$cache/batch-pass.jsonl
        cat "$data"/corpora/*.jsonl > "$pass"
        # Whole passes over the corpora: ceil(want / pass size) copies.
        local n=$(( (want + $(stat -c %s "$pass") - 1) / $(stat -c %s "$pass") ))
        yes "$pass" | head -n "$n" | xargs cat > "$out.tmp"
        rm -f "$pass"
        mv "$out.tmp" "$out"
    fi
    echo "$out"
}

# timed CMD...: runs CMD, its stdout to $cache/out.txt; sets wall, cpu.
timed() {
    /usr/bin/time -f "%e %U %S" -o "$cache/time.txt" "$@" > "$cache/out.txt" 2> "$cache/err.txt" \
        || { echo "bench_batch.sh: failed: $* ($(cat "$cache/err.txt"))" >&2; exit 1; }
    read -r wall user sys < "$cache/time.txt"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
}

# json_field NAME: a number from the --json line in out.txt.
json_field() { sed -n "s/.*\"$1\": \([0-9.e+-]*\).*/\1/p" "$cache/out.txt" | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
mbs() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.2f", (t > 0 ? b / t / 1e6 : 0) }'; }

corpus=$(make_corpus "$mb")
size=$(stat -c %s "$corpus")
echo "bench_batch.sh: $tok on $corpus ($size bytes), $cores cores" >&2

out=$cache/batch-out.bin
echo "bench_batch.sh: single-document encode, then batch on 1 and $cores threads (bench-batch)" >&2
timed "$bench" -t "$tok" -j "$cores" "$corpus" "$out"
rm -f "$out"
# Rows: name, text bytes, tokens, wall s, CPU s.
row() { awk -F'\t' -v n="$1" -v f="$2" '$1 == n { print $f }' "$cache/out.txt"; }
bytes=$(row encode 2)
enc_wall=$(mbs "$bytes" "$(row encode 4)")
enc_cpu=$(mbs "$bytes" "$(row encode 5)")
b1_wall=$(mbs "$bytes" "$(row batch-1 4)")
b1_cpu=$(mbs "$bytes" "$(row batch-1 5)")
bn_wall=$(mbs "$bytes" "$(row batch-$cores 4)")
bn_cpu=$(mbs "$bytes" "$(row batch-$cores 5)")

echo "| $tok, $((size / 1048576)) MiB jsonl, $(row encode 3) tokens | wall s | CPU s | MB/s (wall) | MB/s per CPU s |"
echo "|---|---|---|---|---|"
echo "| single-document encode, 1 thread | $(row encode 4) | $(row encode 5) | $enc_wall | $enc_cpu |"
echo "| slim-tok batch, 1 thread | $(row batch-1 4) | $(row batch-1 5) | $b1_wall | $b1_cpu |"
echo "| slim-tok batch, $cores threads | $(row batch-$cores 4) | $(row batch-$cores 5) | $bn_wall | $bn_cpu |"
echo
echo "- speed-up 1 -> $cores threads (wall): $(ratio "$bn_wall" "$b1_wall")x"
# On an idle machine, 1 thread runs the worker on one core (wall = its CPU
# W) and $cores threads share W plus the reading/writing thread's M.
w1=$(awk -v c="$(row batch-1 5)" -v m="$(row batch-1 6)" 'BEGIN { print c - m }')
echo "- reading/writing thread: $(row batch-1 6) s CPU of $(row batch-1 5) s with 1 thread; speed-up on idle cores estimated from CPU times, $cores W / (W + M): $(awk -v w="$w1" -v m="$(row batch-$cores 6)" -v c="$(row batch-$cores 5)" -v n="$cores" 'BEGIN { printf "%.2f", n * w / c }')x"
echo "- batch per core against single-document encode: $(ratio "$b1_wall" "$enc_wall") (wall), $(ratio "$b1_cpu" "$enc_cpu") (CPU; batch CPU includes its reading and writing thread)"

# ---- against Hugging Face tokenizers' encodeBatch ----
hf_skip=
if ! command -v node >/dev/null; then
    hf_skip="node not found"
elif ! grep -q "\"version\": \"$tokenizers_version\"" "$cache/node_modules/tokenizers/package.json" 2>/dev/null; then
    if ! command -v npm >/dev/null; then
        hf_skip="npm not found"
    else
        echo "bench_batch.sh: installing tokenizers@$tokenizers_version into $cache" >&2
        [ -f "$cache/package.json" ] || echo '{"private": true}' > "$cache/package.json"
        (cd "$cache" && npm install --no-audit --no-fund "tokenizers@$tokenizers_version" >/dev/null 2>&1) \
            || hf_skip="npm install tokenizers@$tokenizers_version failed"
    fi
fi
echo
if [ -n "$hf_skip" ]; then
    echo "Hugging Face tokenizers: skipped ($hf_skip)"
    exit 0
fi
small=$(make_corpus "$hf_mb")
gpt2=$data/vocab/hf/gpt2/tokenizer.json
echo "bench_batch.sh: HF encodeBatch, all threads, $small" >&2
timed node "$here/batch_hf.mjs" "$cache" "$gpt2" "$small"
read -r _ hf_bytes hf_tokens hf_wall hf_cpu < "$cache/out.txt"
hf_mbs=$(mbs "$hf_bytes" "$hf_wall")
echo "| GPT-2, $((hf_bytes / 1048576)) MiB, all $cores threads | MB/s (wall) | CPU s | tokens | vs HF (wall) | vs HF (CPU) |"
echo "|---|---|---|---|---|---|"
echo "| HF tokenizers encodeBatch (npm $tokenizers_version) | $hf_mbs | $hf_cpu | $hf_tokens | 1.0x | 1.0x |"
for t in gpt2 "$gpt2"; do
    echo "bench_batch.sh: slim-tok batch -t $t, all threads" >&2
    # --allow-special: HF always recognizes its added tokens in the text.
    timed "$slim" batch -t "$t" --input jsonl --allow-special --no-eos --json --no-manifest -o "$out" "$small"
    label="slim-tok batch, built-in gpt2"
    [ "$t" = gpt2 ] || label="slim-tok batch, the same tokenizer.json"
    # Wall time of the run itself (reading, tokenizing, writing), without
    # loading the tokenizer, as HF's is timed without loading.
    m=$(mbs "$(json_field text_bytes)" "$(json_field seconds)")
    echo "| $label | $m | $cpu | $(json_field tokens) | $(ratio "$m" "$hf_mbs")x | $(ratio "$hf_cpu" "$cpu")x |"
done
rm -f "$out"
