#!/usr/bin/env bash
# bench_tok.sh: slim's tokenizers against their peers, side by side in one
# run, single thread, and the ratios (make bench; docs/PERFORMANCE.md,
# "Tokenizers").
#
#   bench/bench_tok.sh [--time S] [--raw DIR] [TOKENIZER...]
#
# TOKENIZER: o200k_base, cl100k_base (built-in, against the npm `tiktoken`
# 1.0.22) or the name of a folder of $SLIM_SHARED_DATA/vocab/hf (against
# the npm `tokenizers` 0.23.2 on the same tokenizer.json). Default: all of
# them. For each tokenizer, bench-tok (slim) and bench/tok_peers.mjs (node)
# run one after the other on the same corpora, so that both see the same
# machine load; their rows are joined into markdown tables on stdout.
# --time S: minimum seconds per figure (default 0.5). --raw DIR keeps the
# raw rows (slim.tsv, peers.tsv).
#
# The npm packages are installed into bench/.cache (ignored by git) when
# missing; the .zst tokenizer.json files are decompressed there for the
# npm package. Without node, npm or the network the peer columns say why
# they were skipped and the slim columns still run.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
data=${SLIM_SHARED_DATA:-$root/../shared/data}
bench_tok=${BENCH_TOK:-$root/build/native/bench/bench-tok}
cache=${BENCH_TOK_CACHE:-$here/.cache}
tiktoken_version=1.0.22
tokenizers_version=0.23.2
time=0.5
raw=
names=()
while [ $# -gt 0 ]; do
    case $1 in
        --time) time=$2; shift 2 ;;
        --raw) raw=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "bench_tok.sh: unknown option $1" >&2; exit 2 ;;
        *) names+=("$1"); shift ;;
    esac
done
[ ${#names[@]} -gt 0 ] || names=(o200k_base cl100k_base gpt2 llama3.1 qwen3 llama2 mistral7b-v0.1 gemma3)

if [ ! -d "$data/corpora" ]; then
    echo "bench_tok.sh: skipped: no shared data at $data (set SLIM_SHARED_DATA)"
    exit 0
fi
[ -x "$bench_tok" ] || { echo "bench_tok.sh: $bench_tok not built" >&2; exit 1; }

# The peers: installed on first use; otherwise a reason for skipping them.
peer_skip=
have_pkg() { grep -q "\"version\": \"$2\"" "$cache/node_modules/$1/package.json" 2>/dev/null; }
if ! command -v node >/dev/null; then
    peer_skip="node not found"
elif ! have_pkg tiktoken $tiktoken_version || ! have_pkg tokenizers $tokenizers_version; then
    if ! command -v npm >/dev/null; then
        peer_skip="npm not found"
    else
        echo "bench_tok.sh: installing tiktoken@$tiktoken_version tokenizers@$tokenizers_version into $cache" >&2
        mkdir -p "$cache"
        # Bounded, so that an offline machine skips the peers in seconds.
        if ! (cd "$cache" && npm install --no-audit --no-fund --loglevel=error \
                --fetch-retries=1 --fetch-timeout=20000 \
                tiktoken@$tiktoken_version tokenizers@$tokenizers_version \
                >"$cache/npm-install.log" 2>&1); then
            peer_skip="npm install failed (offline?), see $cache/npm-install.log"
        fi
    fi
fi

work=${raw:-$(mktemp -d)}
mkdir -p "$work"
[ -n "$raw" ] || trap 'rm -rf "$work"' EXIT
: > "$work/slim.tsv"
: > "$work/peers.tsv"

for name in "${names[@]}"; do
    spec=$name
    hf=$data/vocab/hf/$name
    if [ -d "$hf" ]; then
        json=$hf/tokenizer.json
        if [ ! -f "$json" ] && [ -f "$json.zst" ]; then
            json=$cache/hf/$name/tokenizer.json
            if [ ! -s "$json" ]; then
                mkdir -p "$(dirname "$json")"
                zstd -dqf "$hf/tokenizer.json.zst" -o "$json" 2>/dev/null || json=$hf/tokenizer.json.zst
            fi
        fi
        spec=$name=$json
    fi
    echo "bench_tok.sh: $name" >&2
    "$bench_tok" --tsv --time "$time" --data "$data" "$spec" >> "$work/slim.tsv" 2>/dev/null ||
        echo "bench_tok.sh: bench-tok failed on $spec" >&2
    if [ -z "$peer_skip" ]; then
        case $spec in
            *.zst) echo "skip	$name	no zstd to decompress for the npm package" >> "$work/peers.tsv" ;;
            *) RAYON_NUM_THREADS=1 UV_THREADPOOL_SIZE=1 node "$here/tok_peers.mjs" --time "$time" \
                   --data "$data" --modules "$cache/node_modules" "$spec" >> "$work/peers.tsv" 2>/dev/null ||
                   echo "skip	$name	tok_peers.mjs failed" >> "$work/peers.tsv" ;;
        esac
    fi
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
echo "Tokenizers, slim against its peers: $(date -u '+%Y-%m-%d %H:%M UTC'), ${cpu:-unknown CPU}," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
if [ -n "$peer_skip" ]; then
    echo "Peers skipped: $peer_skip."
else
    echo "Peers: npm tiktoken $tiktoken_version (WASM) for the built-ins, npm tokenizers" \
         "$tokenizers_version (native) for tokenizer.json; node $(node --version)."
fi
echo
encode_note="Encode, one thread, each document on its own, special tokens recognized. \
MB/s of UTF-8 input per CPU second (wall clock in parentheses): slim = its thread, peer = the \
node process. slim/peer: ratio of the CPU figures. ids equal: documents whose ids are identical."
load_note="Start-up: loading until ready to encode, in a fresh process (ms of CPU, wall in \
parentheses; for the peers the require of the package, WASM set-up included, is given apart). \
Memory: growth of the resident set from that load, and its ratio to the vocabulary file (the \
.tiktoken rank file for built-ins, else tokenizer.json)."
awk -F'\t' -v skip="$peer_skip" -v encode_note="$encode_note" -v load_note="$load_note" '
function mbs(bytes, s) { return s > 0 ? sprintf("%.1f", bytes / s / 1e6) : "-" }
# A paragraph, then a table header whose first `left` columns are text.
function table_head(prose, cols, left,    n, i, rule) {
    print prose "\n"
    print "| " cols " |"
    n = split(cols, unused, "|")
    for (i = 1; i <= n; i++)
        rule = rule (i <= left ? "|---" : "|---:")
    print rule "|"
}
function peer_of(t) { return t ~ /_base$/ ? "tiktoken" : "tokenizers" }
FILENAME == ARGV[1] && $1 == "doc" { sdoc[$2 SUBSEP $3 SUBSEP $4] = $5 ":" $6 }
FILENAME == ARGV[1] && $1 == "encode" { n++; key[n] = $2 SUBSEP $3; tok[n] = $2; corp[n] = $3
    bytes[n] = $4; docs[n] = $5; swall[n] = $7; scpu[n] = $8 }
FILENAME == ARGV[1] && $1 == "load" { ln++; ltok[ln] = $2; slw[$2] = $3; slc[$2] = $4; srss[$2] = $5; file[$2] = $6 }
FILENAME == ARGV[2] && $1 == "doc" { if (sdoc[$2 SUBSEP $3 SUBSEP $4] == $5 ":" $6) same[$2 SUBSEP $3]++ }
FILENAME == ARGV[2] && $1 == "encode" { pwall[$2 SUBSEP $3] = $7; pcpu[$2 SUBSEP $3] = $8 }
FILENAME == ARGV[2] && $1 == "load" { plw[$2] = $3; plc[$2] = $4; prss[$2] = $5; pmod[$2] = $7 }
FILENAME == ARGV[2] && $1 == "skip" { why[$2] = $3 }
END {
    table_head(encode_note, "tokenizer | corpus | slim MB/s | peer | peer MB/s | slim/peer | ids equal", 2)
    for (i = 1; i <= n; i++) {
        k = key[i]; t = tok[i]
        s = mbs(bytes[i], scpu[i]) " (" mbs(bytes[i], swall[i]) ")"
        if (skip != "" || t in why || !(k in pcpu)) {
            r = skip != "" ? skip : (t in why ? why[t] : "no result")
            printf "| %s | %s | %s | %s | skipped: %s | - | - |\n", t, corp[i], s, peer_of(t), r
            continue
        }
        p = mbs(bytes[i], pcpu[k]) " (" mbs(bytes[i], pwall[k]) ")"
        ratio = pcpu[k] > 0 && scpu[i] > 0 ? sprintf("%.1fx", pcpu[k] / scpu[i]) : "-"
        printf "| %s | %s | %s | %s | %s | **%s** | %d/%d |\n", t, corp[i], s, peer_of(t), p, ratio, same[k], docs[i]
    }
    print ""
    table_head(load_note, "tokenizer | vocabulary file | slim load ms | slim memory | peer load ms | peer require ms | peer memory", 1)
    for (i = 1; i <= ln; i++) {
        t = ltok[i]; f = file[t]
        sm = sprintf("%.1f MB (%.1fx)", srss[t] / 1e6, f > 0 ? srss[t] / f : 0)
        if (t in plc)
            pl = sprintf("%.0f (%.0f) | %.0f | %.1f MB (%.1fx)", plc[t], plw[t], pmod[t], prss[t] / 1e6, f > 0 ? prss[t] / f : 0)
        else
            pl = "- | - | -"
        printf "| %s | %.1f MB | %.1f (%.1f) | %s | %s |\n", t, f / 1e6, slc[t], slw[t], sm, pl
    }
}' "$work/slim.tsv" "$work/peers.tsv"
