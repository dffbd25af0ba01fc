#!/usr/bin/env bash
# Builds and runs the fuzz targets in fuzz/fuzz_<target>.c.
#
#   scripts/fuzz.sh libfuzzer SECONDS target...
#       clang -fsanitize=fuzzer,address,undefined into build/fuzz-clang/, then
#       each target runs for SECONDS on a scratch copy of fuzz/corpus/<target>;
#       inputs with new coverage are merged back into fuzz/corpus/<target>
#       (libFuzzer's -merge=1 keeps only those). Crashes are written to
#       fuzz/crashes/<target>/, which `make fuzz-replay` replays from then on.
#   scripts/fuzz.sh afl SECONDS target...
#       afl-clang-fast (with ASan) into build/afl/; with SECONDS > 0, runs
#       afl-fuzz on each target for that long, else prints the command.
#
# The library is compiled here (not by the Makefile) because the fuzzing
# build needs clang and coverage instrumentation on every object; the source
# list and the link libraries are taken from the Makefile so they cannot drift.
set -euo pipefail

usage() { echo "usage: $0 libfuzzer|afl SECONDS target..." >&2; exit 2; }
[ $# -ge 2 ] || usage
mode=$1 seconds=$2
shift 2
[[ $seconds =~ ^[0-9]+$ ]] || usage
cd "$(dirname "$0")/.."

case $mode in
libfuzzer)
    cc=${FUZZ_CC:-clang}
    out=build/fuzz-clang
    lib_san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
    bin_san="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
    ;;
afl)
    cc=${FUZZ_CC:-afl-clang-fast}
    out=build/afl
    export AFL_USE_ASAN=1 AFL_QUIET=1
    lib_san=""
    bin_san="-fsanitize=fuzzer" # AFL++ links its libFuzzer-compatible driver
    ;;
*) usage ;;
esac
command -v "$cc" >/dev/null || { echo "fuzz.sh: $cc not found (make deps)" >&2; exit 1; }
[ $# -gt 0 ] || { echo "fuzz.sh: no targets" >&2; exit 2; }

# The Makefile's own lists, evaluated for this compiler's architecture.
make_var() {
    make --no-print-directory -s CC="$cc" -f Makefile -f - fuzz-print-var VAR="$1" <<'EOF'
fuzz-print-var: ; @echo $($(VAR))
EOF
}
read -r -a srcs <<<"$(make_var FULL_SRCS) $(make_var FULL_ASM)"
read -r -a libs <<<"$(make_var LDLIBS_FULL)"

cflags=(-std=gnu11 -O1 -g -fno-omit-frame-pointer -ffp-contract=off -pthread
        -Iinclude -I. -DSLIM_BUILDING_LIBRARY -w)
jobs=$(nproc 2>/dev/null || echo 2)

# Compile what changed: an object is stale if its source or any header is
# newer. The .S files embed data with .incbin (paths from the repo root);
# they assemble in no time, so they are always rebuilt.
mkdir -p "$out/obj"
newest_header=$(find include core simd quant tok formats -name '*.h' -printf '%T@\n' 2>/dev/null |
                sort -n | tail -1)
stale=()
for s in "${srcs[@]}"; do
    o="$out/obj/${s%.[cS]}.o"
    if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [[ $s == *.S ]] ||
       [ "$(stat -c %Y "$o")" -lt "${newest_header%.*}" ]; then
        stale+=("$s")
    fi
done
if [ ${#stale[@]} -gt 0 ]; then
    echo "  CC      ${#stale[@]} library sources ($cc)"
    export FUZZ_COMPILE="$cc ${cflags[*]} $lib_san"
    for s in "${stale[@]}"; do printf '%s\n' "$s" "$out/obj/${s%.[cS]}.o"; done |
        xargs -n 2 -P "$jobs" bash -c 'mkdir -p "$(dirname "$2")" && $FUZZ_COMPILE -c "$1" -o "$2"' _
fi
lib="$out/libslim-fuzz.a"
objs=()
for s in "${srcs[@]}"; do objs+=("$out/obj/${s%.[cS]}.o"); done
rm -f "$lib" && ar rcs "$lib" "${objs[@]}"

status=0
for t in "$@"; do
    src="fuzz/fuzz_$t.c"
    [ -f "$src" ] || { echo "fuzz.sh: no $src" >&2; exit 2; }
    bin="$out/fuzz_$t"
    echo "  LINK    $bin"
    # shellcheck disable=SC2086 # the sanitizer flags are word lists
    "$cc" "${cflags[@]}" $bin_san -o "$bin" "$src" "$lib" "${libs[@]}"
    corpus="fuzz/corpus/$t" crashes="fuzz/crashes/$t"
    mkdir -p "$corpus" "$crashes"

    if [ "$mode" = afl ]; then
        cmd=(afl-fuzz -i "$corpus" -o "$out/out/$t" -- "$bin")
        if [ "$seconds" -gt 0 ]; then
            AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
                "${cmd[0]}" -V "$seconds" "${cmd[@]:1}" || status=1
            cp -n "$out/out/$t"/default/crashes/id:* "$crashes"/ 2>/dev/null || true
        else
            echo "  run:    ${cmd[*]}"
        fi
        continue
    fi

    # Fuzz a scratch copy, so the corpus only gains minimized additions.
    work="$out/work/$t"
    rm -rf "$work" && mkdir -p "$work"
    cp -r "$corpus"/. "$work"/ 2>/dev/null || true
    rm -f "$work/.gitkeep"
    echo "  FUZZ    $t for ${seconds}s"
    if ! "$bin" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="$crashes/" "$work" 2>"$out/$t.log"; then
        tail -40 "$out/$t.log" >&2
        echo "fuzz.sh: $t crashed; the input is in $crashes/ (make fuzz-replay reproduces it)" >&2
        status=1
        continue
    fi
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$out/$t.log" | tail -2 || true
    before=$(find "$corpus" -type f ! -name .gitkeep | wc -l)
    "$bin" -merge=1 "$corpus" "$work" >>"$out/$t.log" 2>&1
    after=$(find "$corpus" -type f ! -name .gitkeep | wc -l)
    echo "  MERGE   $t: $((after - before)) new inputs in $corpus ($after in all)"
done
exit $status
