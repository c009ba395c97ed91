#!/usr/bin/env bash
# Benchmark `dmap show --json` and `dmap check` on generated maps: docker-map YAML maps
# (bench/gen_map.py) and a recipe that builds its map in a loop (bench/scale.rhai: N configs of
# 2 instances, each with an attached volume and 3 links).
#
#   bench/show.sh                    # YAML maps of 2,000 and 20,000 instances, the recipe with
#                                    # 1,000 and 10,000 configs; 5 runs each
#   SIZES="1000 2000 5000" CONFIGS="1000 10000" RUNS=3 bench/show.sh
#   BENCH_TIMER=python bench/show.sh   # measure with os.wait4 instead of GNU time
#
# Reports, per map size and command, the median wall time and the largest max RSS over the runs,
# and each size's time relative to the first size. Exits non-zero only when the benchmark itself
# fails (build, generation, a dmap error); slow numbers are reported, never fatal.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
SIZES=${SIZES:-"2000 20000"}
CONFIGS=${CONFIGS:-"1000 10000"}
RUNS=${RUNS:-5}

cd "$root"
echo "building release binary..." >&2
cargo build --release --quiet
dmap="$root/target/release/dmap"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmap-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# How to measure max RSS: GNU time if present (installed when missing and possible), else a
# python wrapper that reads the child's rusage with os.wait4 (its RSS then includes the ~10 MB
# the forked python child had before exec, so it is an upper bound).
time_bin=""
if [[ ${BENCH_TIMER:-} == python ]]; then
    :
elif [[ -x /usr/bin/time ]] && /usr/bin/time -f '%M' -o /dev/null true 2>/dev/null; then
    time_bin=/usr/bin/time
elif command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
    echo "installing GNU time..." >&2
    if apt-get install -y -qq time >/dev/null 2>&1 && [[ -x /usr/bin/time ]]; then
        time_bin=/usr/bin/time
    fi
fi

# measure OUT_FILE CMD... : runs CMD (stdout to /dev/null) and appends "seconds kilobytes".
if [[ -n $time_bin ]]; then
    measure() {
        local out=$1 rss t0 t1
        shift
        t0=$EPOCHREALTIME
        "$time_bin" -f '%M' -o "$tmp/rss" "$@" >/dev/null
        t1=$EPOCHREALTIME
        rss=$(tail -n 1 "$tmp/rss")
        python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.4f} {sys.argv[3]}")' \
            "$t0" "$t1" "$rss" >>"$out"
    }
else
    echo "GNU time unavailable: measuring with python's os.wait4" >&2
    measure() {
        local out=$1
        shift
        python3 - "$@" >>"$out" <<'EOF'
import os, sys, time
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 1)
    try:
        os.execv(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
t1 = time.perf_counter()
code = os.waitstatus_to_exitcode(status)
if code != 0:
    sys.exit(code)
print(f"{t1 - t0:.4f} {usage.ru_maxrss}")
EOF
    }
fi

# summary FILE -> "median_seconds max_rss_kb"
summary() {
    python3 - "$1" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
print(f"{statistics.median(float(r[0]) for r in rows):.3f} {max(int(r[1]) for r in rows)}")
EOF
}

declare -A result
first=""
for n in $SIZES; do
    map="$tmp/bench$n.yaml"
    python3 "$here/gen_map.py" "$n" "$map"
    # The map must be valid; this also warms the page cache.
    echo "$n instances: $("$dmap" check "$map")" >&2
    for cmd in check show; do
        : >"$tmp/$cmd$n.txt"
        for ((i = 0; i < RUNS; i++)); do
            if [[ $cmd == show ]]; then
                measure "$tmp/$cmd$n.txt" "$dmap" show --json "$map"
            else
                measure "$tmp/$cmd$n.txt" "$dmap" check "$map"
            fi
        done
        result[$cmd$n]=$(summary "$tmp/$cmd$n.txt")
    done
    first=${first:-$n}
done

echo
echo "dmap show --json / dmap check on generated maps ($RUNS runs each; median wall time, max RSS)"
printf '%-10s %-8s %10s %10s %16s\n' instances command "time (s)" "RSS (MB)" "time / first"
for n in $SIZES; do
    for cmd in show check; do
        read -r t kb <<<"${result[$cmd$n]}"
        read -r t0 _ <<<"${result[$cmd$first]}"
        python3 -c 'import sys
n, cmd, t, kb, t0 = sys.argv[1:]
ratio = float(t) / float(t0) if float(t0) > 0 else float("inf")
print(f"{n:<10} {cmd:<8} {float(t):>10.3f} {int(kb) / 1024:>10.1f} {ratio:>15.1f}x")' \
            "$n" "$cmd" "$t" "$kb" "$t0"
    done
done

# The recipe: the map is built by Rhai code, then checked and resolved.
declare -A recipe
firstc=""
for n in $CONFIGS; do
    echo "recipe, $n configs: $("$dmap" check "$here/scale.rhai" "$n")" >&2
    for cmd in check show; do
        : >"$tmp/r$cmd$n.txt"
        for ((i = 0; i < RUNS; i++)); do
            if [[ $cmd == show ]]; then
                measure "$tmp/r$cmd$n.txt" "$dmap" show --json "$here/scale.rhai" "$n"
            else
                measure "$tmp/r$cmd$n.txt" "$dmap" check "$here/scale.rhai" "$n"
            fi
        done
        recipe[$cmd$n]=$(summary "$tmp/r$cmd$n.txt")
    done
    firstc=${firstc:-$n}
done
echo
echo "the same for bench/scale.rhai (containers = 2 x configs)"
printf '%-10s %-8s %10s %10s %16s\n' configs command "time (s)" "RSS (MB)" "time / first"
for n in $CONFIGS; do
    for cmd in show check; do
        read -r t kb <<<"${recipe[$cmd$n]}"
        read -r t0 _ <<<"${recipe[$cmd$firstc]}"
        python3 -c 'import sys
n, cmd, t, kb, t0 = sys.argv[1:]
ratio = float(t) / float(t0) if float(t0) > 0 else float("inf")
print(f"{n:<10} {cmd:<8} {float(t):>10.3f} {int(kb) / 1024:>10.1f} {ratio:>15.1f}x")' \
            "$n" "$cmd" "$t" "$kb" "$t0"
    done
done
echo
echo "targets: the recipe's 20,000 containers resolved and checked (show) < 0.5 s and < 150 MB;"
echo "10x the configs: time ratio <= 11x"
