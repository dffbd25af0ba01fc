#!/usr/bin/env bash
# cli_quant.sh - slim-quant's command-line contract: exit codes (0 ok, 1
# failure, 2 usage), one clear message per error, and no output file left
# behind by a failure or a signal (an existing file is left untouched).
#
#   bash tests/cli_quant.sh [path/to/slim-quant]
set -u
. "$(dirname "$0")/cli_lib.sh"

Q=$(realpath "${1:-bin/slim-quant}")
work=$(mktemp -d "${TMPDIR:-/tmp}/slim-cli-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"


# Only the inputs may exist after a failed run (no output, no temporary).
inputs="err.txt in.f32 keep.q odd.f32 out.txt small.imx w.f32"
only_inputs() {
    local now
    now=$(ls -A | sort | tr '\n' ' ' | sed 's/ $//')
    [ "$now" = "$inputs" ] || bad "after '$1': files are '$now'"
}

"$Q" gen --rows 8 --cols 256 --seed 3 -o w.f32 || { echo "FAIL: gen"; exit 1; }
cp w.f32 in.f32
head -c 1000 w.f32 > odd.f32
head -c 100 w.f32 > small.imx
echo keep > keep.q
touch err.txt out.txt

# ---- usage errors: exit 2 ----
expect 2 "missing command" "$Q"
expect 2 "unknown command 'frob'" "$Q" frob
expect 2 "unknown option '--frob'" "$Q" --frob
expect 2 "unknown option '--frob'" "$Q" raw --frob -t q4_0 -c 256 w.f32 -o x.q
expect 2 "needs a value" "$Q" raw -t q4_0 -c 256 w.f32 -o
expect 2 "missing --type" "$Q" raw -c 256 w.f32 -o x.q
expect 2 "missing --cols" "$Q" raw -t q4_0 w.f32 -o x.q
expect 2 "missing -o" "$Q" raw -t q4_0 -c 256 w.f32
expect 2 "missing input" "$Q" raw -t q4_0 -c 256 -o x.q
expect 2 "one input file expected" "$Q" raw -t q4_0 -c 256 w.f32 in.f32 -o x.q
expect 2 "'abc' is not a whole number" "$Q" raw -t q4_0 -c abc w.f32 -o x.q
expect 2 "out of range" "$Q" raw -t q4_0 -c 0 w.f32 -o x.q
expect 2 "not with --dequantize" "$Q" raw -d --imatrix small.imx -t q4_0 -c 256 w.f32 -o x.q
expect 2 "--json goes with --stats" "$Q" raw --json -t q4_0 -c 256 w.f32 -o x.q
expect 2 "cannot both be stdin" "$Q" raw --imatrix - -t q4_0 -c 256 - -o x.q
expect 2 "Try 'slim-quant raw --help'" "$Q" raw
expect 2 "--rows and --cols are required" "$Q" gen -o x.f32
expect 2 "unexpected argument" "$Q" types extra
only_inputs "usage errors"

# ---- failures: exit 1, one line naming the problem, nothing written ----
expect 1 "--cols 100 is not a multiple of q4_K's block size 256" \
    "$Q" raw -t q4_K -c 100 w.f32 -o x.q
expect 1 "'odd.f32' has 1000 bytes: not a whole number of rows of 256 float32 values" \
    "$Q" raw -t q4_0 -c 256 odd.f32 -o x.q
expect 1 "not a whole number of q4_0 rows" "$Q" raw -d -t q4_0 -c 256 odd.f32 -o x.f32
expect 1 "imatrix 'small.imx' has 100 bytes; expected 1024" \
    "$Q" raw -t q4_K -c 256 --imatrix small.imx w.f32 -o x.q
expect 1 "unknown type 'q9_K'; valid types: " "$Q" raw -t q9_K -c 256 w.f32 -o x.q
grep -qF "q4_K" err.txt || bad "the unknown-type message lists the valid types"
expect 1 "type 'iq2_xxs' has no kernels" "$Q" raw -t iq2_xxs -c 256 w.f32 -o x.q
expect 1 "cannot open 'missing.f32'" "$Q" raw -t q4_0 -c 256 missing.f32 -o x.q
expect 1 "cannot create" "$Q" raw -t q4_0 -c 256 w.f32 -o no/such/dir/x.q
expect 1 "SLIM_CPU='avx9' is not a kernel path" env SLIM_CPU=avx9 "$Q" raw -t q4_0 -c 256 w.f32 -o x.q
case $(uname -m) in
    aarch64) other=avx2 ;;
    *) other=neon ;;
esac
expect 1 "SLIM_CPU='$other': this CPU cannot run that path" \
    env SLIM_CPU=$other "$Q" raw -t q4_0 -c 256 w.f32 -o x.q
expect 1 "SLIM_CPU='$other'" env SLIM_CPU=$other "$Q" info
# On a terminal (script(1) gives one), binary output is refused; the message
# comes back through the terminal, so on script's stdout.
if command -v script >/dev/null; then
    script -qec "'$Q' raw -t q4_0 -c 256 '$work/w.f32' -o -" /dev/null >out.txt 2>&1
    code=$?
    if [ $code -ne 1 ] || ! grep -qF "refusing to write binary data to a terminal" out.txt; then
        bad "binary to a terminal: exit $code, $(cat out.txt)"
    fi
fi
only_inputs "failures"

# A NaN or an Inf: named by row and column; an existing output is untouched.
python3 - <<'EOF'
import array
a = array.array('f', open('w.f32', 'rb').read())
a[5 * 256 + 17] = float('nan')
open('nan.f32', 'wb').write(a.tobytes())
a[5 * 256 + 17] = 1.0
a[7 * 256 + 255] = float('-inf')
open('inf.f32', 'wb').write(a.tobytes())
EOF
inputs="err.txt in.f32 inf.f32 keep.q nan.f32 odd.f32 out.txt small.imx w.f32"
expect 1 "'nan.f32': NaN at row 5, column 17" "$Q" raw -t q4_K -c 256 nan.f32 -o keep.q
expect 1 "'inf.f32': Inf at row 7, column 255" "$Q" raw -t q8_0 -c 256 inf.f32 -o keep.q
expect 1 "NaN at row 5, column 17" sh -c "'$Q' raw -t q4_0 -c 256 - -o - < nan.f32 > /dev/null"
[ "$(cat keep.q)" = keep ] || bad "a failed run changed an existing output"
only_inputs "non-finite input"

# A signal during a long write leaves no temporary file.
"$Q" gen --rows 4000000 --cols 1024 -o big.f32 &
pid=$!
sleep 0.5
kill -TERM $pid 2>/dev/null
wait $pid
code=$?
[ $code -eq 143 ] || [ $code -eq 0 ] || bad "gen killed by SIGTERM exited $code"
rm -f big.f32   # only if it finished before the signal
only_inputs "SIGTERM"

# ---- successes: exit 0 ----
expect 0 "" "$Q" --help
grep -q "Usage: slim-quant" out.txt || bad "--help prints the usage on stdout"
expect 0 "" "$Q" --version
grep -q "^slim-quant [0-9]" out.txt || bad "--version prints the version"
expect 0 "" "$Q" raw --help
expect 0 "" "$Q" types
grep -q "^q4_K  *12  *256  *144" out.txt || bad "types lists q4_K: $(grep q4_K out.txt)"
expect 0 "" "$Q" types --json
python3 -c "import json; json.load(open('out.txt'))" || bad "types --json is not JSON"
expect 0 "" "$Q" info --json
python3 -c "import json; json.load(open('out.txt'))" || bad "info --json is not JSON"
expect 0 "" "$Q" raw -t Q4_k -c 256 w.f32 -o a.q
expect 0 "" sh -c "'$Q' raw -t q4_K -c 256 - -o - < w.f32 > b.q"
cmp -s a.q b.q || bad "stdin/stdout gives other bytes than files"
[ "$(wc -c < a.q)" -eq $((8 * 144)) ] || bad "q4_K output size"
expect 0 "" "$Q" raw -t q4_K -c 256 -j 1 w.f32 -o c.q
cmp -s a.q c.q || bad "1 thread gives other bytes than all threads"
expect 0 "" "$Q" raw -d -t q4_K -c 256 a.q -o a.f32
[ "$(wc -c < a.f32)" -eq $((8 * 256 * 4)) ] || bad "dequantized size"
expect 0 "" "$Q" raw -t q4_K -c 256 --stats --json w.f32 -o a.q
python3 -c "
import json; s = json.load(open('out.txt'))
assert s['type'] == 'q4_K' and s['rows'] == 8 and s['cols'] == 256 and s['bytes'] == 1152
assert 0 < s['rel_rmse'] < 0.2 and 0.9 < s['cosine'] <= 1
" || bad "--stats --json: $(cat out.txt)"
python3 -c "
import array; open('ones.imx','wb').write(array.array('f',[1.0]*256).tobytes())"
expect 0 "" "$Q" raw -t q4_K -c 256 --imatrix ones.imx w.f32 -o i.q
expect 0 "" "$Q" raw -t q4_K -c 256 w.f32 -o w.f32.q
[ -z "$(ls -A | grep tmp)" ] || bad "temporary files left after success: $(ls -A | grep tmp)"

# Through a symlink the target file is replaced (keeping its mode) and the
# link stays; a FIFO (like a device) is written in place, not replaced.
echo old > target.q && chmod 640 target.q && ln -s target.q link.q
expect 0 "" "$Q" raw -t q4_K -c 256 w.f32 -o link.q
[ -L link.q ] || bad "the symlink was replaced"
cmp -s a.q target.q || bad "the symlink's target does not hold the output"
[ "$(stat -c %a target.q)" = 640 ] || bad "the target's mode changed to $(stat -c %a target.q)"
mkfifo fifo.q
cat fifo.q > from-fifo.q &
expect 0 "" "$Q" raw -t q4_K -c 256 w.f32 -o fifo.q
wait
[ -p fifo.q ] || bad "the FIFO was replaced by a file"
cmp -s a.q from-fifo.q || bad "the FIFO did not carry the output"

echo "cli_quant.sh: $pass checks passed, $fail failed"
[ $fail -eq 0 ]
