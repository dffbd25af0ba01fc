#!/usr/bin/env bash
# cli_report.sh - 'slim-quant report': usage errors (exit 2), failures
# (exit 1) with a message, and the figures on llama.cpp's stories260K files:
# a file against itself is exact, a Hugging Face folder as the original
# gives the same figures as its F32 GGUF, and --json is one valid object.
#
#   bash tests/cli_report.sh [path/to/slim-quant]
set -u
. "$(dirname "$0")/cli_lib.sh"

Q=$(realpath "${1:-bin/slim-quant}")
data=$(realpath "${SLIM_SHARED_DATA:-../shared/data}" 2>/dev/null)
work=$(mktemp -d "${TMPDIR:-/tmp}/slim-cli-report.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

expect 2 "needs ORIGINAL and QUANTIZED.gguf" "$Q" report
expect 2 "needs ORIGINAL and QUANTIZED.gguf" "$Q" report a.gguf
expect 2 "unexpected argument 'c'" "$Q" report a.gguf b.gguf c
expect 2 "unknown option '--frob'" "$Q" report --frob a.gguf b.gguf
expect 0 "" "$Q" report --help
grep -q -- "--imatrix" out.txt || bad "report --help lacks --imatrix"
expect 1 "nothing.gguf" "$Q" report nothing.gguf nothing.gguf
echo "not a gguf file" > junk.gguf
expect 1 "junk.gguf" "$Q" report junk.gguf junk.gguf

# raw --optimize: same format and size as ggml's, error not larger
"$Q" gen --rows 8 --cols 256 --seed 5 -o w.f32 || bad "gen"
expect 0 "" "$Q" raw -t q3_K -c 256 --stats --json w.f32 -o ggml.q
ggml_rmse=$(grep -o '"rmse":[^,]*' out.txt | cut -d: -f2)
expect 0 "" "$Q" raw --optimize -t q3_K -c 256 --stats --json w.f32 -o opt.q
opt_rmse=$(grep -o '"rmse":[^,]*' out.txt | cut -d: -f2)
[ "$(stat -c %s ggml.q)" = "$(stat -c %s opt.q)" ] || bad "--optimize changed the size"
python3 -c "import sys; sys.exit(0 if float('$opt_rmse') <= float('$ggml_rmse') else 1)" \
    || bad "--optimize rmse $opt_rmse > ggml's $ggml_rmse"

gg=$data/models/stories260K-gguf-llamacpp
if [ ! -d "$gg" ]; then
    echo "cli_report.sh: shared data absent ($data): model checks skipped"
else
    f32=$gg/stories260K-hf-convert_hf_to_gguf-f32.gguf
    q4=$gg/stories260K-hf-convert_hf_to_gguf-f32-Q4_K_M.gguf
    expect 0 "" "$Q" report "$f32" "$f32"
    grep -q "summary: 47 tensors (0 missing), 260032 weights" out.txt || bad "self report: $(tail -2 out.txt)"
    grep -q "rel_rmse 0.0000e+00, cosine 1.000000, max_abs 0.0000e+00" out.txt \
        || bad "a file against itself is not exact: $(tail -1 out.txt)"

    expect 0 "" "$Q" report "$f32" "$q4"
    grep -E -q "^blk.2.attn_v.weight +q8_0 +8.500 " out.txt || bad "Q4_K_M row: $(grep blk.2.attn_v out.txt)"
    tail -2 out.txt > gguf-summary.txt
    expect 0 "" "$Q" report "$data/models/stories260K-hf" "$q4"
    tail -2 out.txt | cmp -s - gguf-summary.txt \
        || bad "HF folder and F32 GGUF originals differ: $(tail -1 out.txt) vs $(tail -1 gguf-summary.txt)"
    export TMPDIR=$work/tmp
    mkdir "$TMPDIR"
    expect 0 "" "$Q" report "$data/models/stories260K-hf" "$q4"
    [ -z "$(ls -A "$TMPDIR")" ] || bad "left in TMPDIR: $(ls -A "$TMPDIR")"
    expect 1 "config.json" "$Q" report "$work/tmp" "$q4"
    [ -z "$(ls -A "$TMPDIR")" ] || bad "left in TMPDIR after a failure: $(ls -A "$TMPDIR")"

    expect 0 "" "$Q" report --json "$f32" "$q4"
    python3 -c 'import json,sys; d=json.load(open("out.txt")); assert d["summary"]["tensors"]==47 and len(d["tensors"])==47 and 0.99<d["summary"]["cosine"]<1' \
        || bad "--json: $(head -c 300 out.txt)"

    imx=$data/models/synth-llama-a/imatrix/synth-llama-a.imatrix.gguf
    expect 0 "" "$Q" report --imatrix "$imx" "$f32" "$q4"
    grep -q "weighted" out.txt || bad "--imatrix: no weighted error in the summary"
    expect 1 "junk.gguf" "$Q" report --imatrix junk.gguf "$f32" "$q4"

    # same names, other shapes: an error that names the tensor
    a32=$data/models/synth-llama-a/gguf/synth-llama-a-Q4_0.gguf
    expect 1 "shape differs" "$Q" report "$f32" "$a32"
fi

echo "cli_report.sh: $pass checks passed, $fail failed"
[ $fail -eq 0 ]
