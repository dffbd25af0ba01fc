#!/usr/bin/env bash
# cli_convert.sh - 'slim-quant convert': usage errors (exit 2), failures
# (exit 1) with a message naming what is wrong, and no output or temporary
# file left behind by any failure, a full disk included.
#
#   bash tests/cli_convert.sh [path/to/slim-quant]
set -u
. "$(dirname "$0")/cli_lib.sh"

Q=$(realpath "${1:-bin/slim-quant}")
data=$(realpath "${SLIM_SHARED_DATA:-../shared/data}" 2>/dev/null)
work=$(mktemp -d "${TMPDIR:-/tmp}/slim-cli-convert.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

# files in the work folder other than the test's own
leftovers() { ls -A | grep -v -e '^out.txt$' -e '^err.txt$' -e '^stories260K-hf$' -e '^keep.gguf$' | tr '\n' ' '; }
none_left() { [ -z "$(leftovers)" ] || bad "after '$1': left behind: $(leftovers)"; }

expect 2 "--type is required" "$Q" convert somewhere -o x.gguf
expect 2 "missing INPUT" "$Q" convert --type F16 -o x.gguf
expect 2 "-o OUT is required" "$Q" convert somewhere --type F16
expect 2 "--json goes with --dry-run" "$Q" convert somewhere --type F16 --json -o x.gguf
expect 0 "" "$Q" convert --help
grep -q -- "--tensor-type" out.txt || bad "convert --help lacks --tensor-type"
expect 1 "config.json" "$Q" convert "$work/nothing" --type F16 -o x.gguf
none_left "missing folder"

src=$data/models/stories260K-hf
if [ ! -d "$src" ]; then
    echo "cli_convert.sh: shared models not found, skipping the conversion checks"
else
    hf=stories260K-hf
    mkdir $hf && cp "$src"/* $hf/ && chmod u+w $hf/*
    expect 0 "bits per weight" "$Q" convert $hf --type Q8_0 -o keep.gguf
    cmp -s keep.gguf "$data/models/stories260K-gguf-llamacpp/stories260K-hf-convert_hf_to_gguf-q8_0.gguf" ||
        bad "convert --type Q8_0 differs from convert_hf_to_gguf.py's file"
    expect 0 "" "$Q" convert $hf --type q4_K --pure --dry-run
    grep -q "blk.4.ffn_down.weight .*f16 .*no fallback" out.txt || bad "dry-run plan: $(head -3 out.txt)"
    grep -q "token_embd.weight: rows of 64 columns .* llama.cpp has no fallback for it: written as f16" err.txt || bad "fallbacks are not reported: $(cat err.txt)"
    expect 0 "" "$Q" convert keep.gguf --type F16 --dry-run --json
    grep -q '"file_type":1,' out.txt || bad "dry-run --json: $(head -c 200 out.txt)"
    expect 1 "nope.dat: cannot read" "$Q" convert $hf --type Q4_K_M --imatrix nope.dat -o x.gguf
    none_left "a missing imatrix"
    # a full disk: the writes fail (file size limit), nothing stays
    (ulimit -f 200; trap '' XFSZ; exec "$Q" convert $hf --type F32 -o big.gguf) >out.txt 2>err.txt
    [ $? -eq 1 ] && grep -q "writing tensor" err.txt || bad "file size limit: $(cat err.txt)"
    none_left "a full disk"
    # shapes that disagree with config.json, an unknown architecture
    sed -i 's/"vocab_size": 512/"vocab_size": 500/' $hf/config.json
    expect 1 "implies [500, 64]" "$Q" convert $hf --type F16 -o x.gguf
    sed -i 's/LlamaForCausalLM/FalconForCausalLM/' $hf/config.json
    expect 1 "supported: LlamaForCausalLM" "$Q" convert $hf --type F16 -o x.gguf
    none_left "bad config"
    cp "$src"/config.json $hf/ && rm $hf/model.safetensors
    expect 1 "model.safetensors" "$Q" convert $hf --type F16 -o x.gguf
    cp "$src"/model.safetensors $hf/ && rm $hf/tokenizer.json $hf/tokenizer.model
    expect 1 "tokenizer" "$Q" convert $hf --type F16 -o x.gguf
    none_left "no tokenizer"
    expect 0 "" "$Q" convert $hf --type F16 --no-tokenizer -o x.gguf
fi

# --optimize: same types and size as llama-quantize's choice, lower error on the K-quant tensor
synth=$data/models/synth-llama-a/hf
if [ -d "$synth" ]; then
    ov='blk\.0\.attn_q=q4_K'
    expect 0 "" "$Q" convert "$synth" --type Q8_0 --tensor-type "$ov" -o plain.gguf
    expect 0 "" "$Q" convert "$synth" --type Q8_0 --tensor-type "$ov" --optimize -o opt.gguf
    [ "$(stat -c %s plain.gguf)" = "$(stat -c %s opt.gguf)" ] || bad "--optimize changed the file size"
    cmp -s plain.gguf opt.gguf && bad "--optimize wrote the same bytes as llama.cpp's quantizer"
    rel() { "$Q" report "$synth" "$1" | awk '$1 == "blk.0.attn_q.weight" { print $2, $4 }'; }
    p=$(rel plain.gguf) o=$(rel opt.gguf)
    case "$p $o" in
        "q4_K "*" q4_K "*) python3 -c "import sys; sys.exit(0 if float('${o#* }') < float('${p#* }') else 1)" ||
                               bad "--optimize did not lower blk.0.attn_q's error: $p vs $o" ;;
        *) bad "report rows: '$p' '$o'" ;;
    esac
    rm -f plain.gguf opt.gguf
fi

echo "cli_convert.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
