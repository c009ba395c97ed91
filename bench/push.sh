#!/usr/bin/env bash
# Benchmark `Array.push` in a loop: `let a = []; for i in 0..N { a.push(i); }`, evaluated by
# `dmap check`, in three recipes:
#
#   plain     the loop alone
#   function  the loop and a function that writes nothing (`fn f(x) { x + 1 }`)
#   template  the loop and a template that writes a DockerFile instruction (`df.run(...)`)
#
#   bench/push.sh                          # N = 10k, 40k, 160k; 3 runs each
#   SIZES="10000 20000" RUNS=5 bench/push.sh
#   DMAP=/tmp/dmap-old bench/push.sh       # measure another binary (no build)
#   LIMIT=60 bench/push.sh                 # give up on a run after 60 s (default 120)
#
# Reports the median wall time per recipe and size, and each size's time relative to the first
# (linear growth: 4x per 4x). A run that exceeds LIMIT is reported as `>LIMIT`. Exits non-zero
# only when the benchmark itself fails; slow numbers are reported, never fatal.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
SIZES=${SIZES:-"10000 40000 160000"}
RUNS=${RUNS:-3}
LIMIT=${LIMIT:-120}

if [[ -z ${DMAP:-} ]]; then
    echo "building release binary..." >&2
    (cd "$root" && cargo build --release --quiet)
    DMAP="$root/target/release/dmap"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmap-push.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# recipe KIND N: the recipe text.
recipe() {
    local kind=$1 n=$2
    case $kind in
        plain) ;;
        function) echo 'fn f(x) { x + 1 }' ;;
        template)
            echo 'fn tmpl(df) { df.run("true"); }'
            echo 'let df = dockerfile("scratch"); tmpl(df);'
            ;;
    esac
    echo "let a = []; for i in 0..$n { a.push(i); } if a.len() != $n { throw \"lost pushes\"; }"
}

# seconds FILE: one run's wall time, or `>LIMIT`.
seconds() {
    local t0 status=0
    t0=$EPOCHREALTIME
    DMAP_EVAL_TIMEOUT=$((LIMIT * 2)) timeout "$LIMIT" "$DMAP" check "$1" >/dev/null 2>"$tmp/err" || status=$?
    if [[ $status == 124 ]]; then
        echo ">$LIMIT"
        return
    elif [[ $status != 0 ]]; then
        cat "$tmp/err" >&2
        exit 1
    fi
    python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.3f}")' "$t0" "$EPOCHREALTIME"
}

printf '| %-8s | %9s | %12s | %10s |\n' recipe pushes "median time" "time / 1st"
printf '|%s|%s|%s|%s|\n' ---------- ----------: -------------: -----------:
for kind in plain function template; do
    first=""
    for n in $SIZES; do
        recipe "$kind" "$n" >"$tmp/r.rhai"
        times=()
        for _ in $(seq "$RUNS"); do
            times+=("$(seconds "$tmp/r.rhai")")
            [[ ${times[-1]} == ">"* ]] && break
        done
        median=$(printf '%s\n' "${times[@]}" | python3 -c '
import sys
v = [l.strip() for l in sys.stdin if l.strip()]
slow = [x for x in v if x.startswith(">")]
if slow:
    print(slow[0])
else:
    v = sorted(float(x) for x in v)
    print(f"{v[len(v) // 2]:.3f}")')
        ratio="-"
        if [[ $median != ">"* ]]; then
            [[ -z $first ]] && first=$median
            ratio=$(python3 -c 'import sys; print(f"{float(sys.argv[2]) / float(sys.argv[1]):.1f}x")' "$first" "$median")
            median="$median s"
        else
            median="$median s"
        fi
        printf '| %-8s | %9s | %12s | %10s |\n' "$kind" "$n" "$median" "$ratio"
    done
done
