# cli_lib.sh - helpers shared by the command-line tests (tests/cli_*.sh),
# sourced by them: pass/fail counters and `expect`.

pass=0 fail=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# expect CODE 'stderr substring' command... : runs the command in the
# current directory, checks its exit code and that stderr contains the
# substring (an empty substring checks the code only).
expect() {
    local code=$1 msg=$2
    shift 2
    "$@" >out.txt 2>err.txt
    local got=$?
    if [ "$got" -ne "$code" ]; then
        bad "'$*' exited $got, expected $code; stderr: $(cat err.txt)"
    elif [ -n "$msg" ] && ! grep -qF -- "$msg" err.txt; then
        bad "'$*': stderr lacks '$msg': $(cat err.txt)"
    else
        pass=$((pass + 1))
    fi
}
