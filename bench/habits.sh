#!/usr/bin/env bash
# The day-to-day verbs side by side with Docker Compose v2 (2.40.3) on one small Compose project
# (bench/habits/compose.yaml: db with a healthcheck, app depending on it healthy, worker), each
# tool under its own project name on the same Engine, both reading the same file:
#
#   job         dmap job app -- true              compose run --rm app true
#   stop        dmap stop                         compose stop
#   start       dmap start                        compose start
#   restart     dmap restart app                  compose restart app
#   scale up    dmap up --scale worker=5          compose up -d --scale worker=5
#   scale down  dmap up                           compose up -d        (back to 1)
#
#   bench/habits.sh                 # 5 rounds
#   ROUNDS=3 DMAP_BIN=target/release/dmap bench/habits.sh
#
# Prints the median wall time of each phase per tool and dmap/compose. Everything is torn down
# before and after.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
ROUNDS=${ROUNDS:-5}
FILE=$here/habits/compose.yaml
IMAGE=dmap-bench/busybox:latest
P_DMAP=dmaphabits
P_V2=composev2habits

# shellcheck source=bench/tools.sh
source "$here/tools.sh"
dmap=$(dmap_path)
compose_v2=$("$here/compose-v2.sh")
"$here/busybox-image.sh" "$IMAGE" >/dev/null
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmap-habits.XXXXXX")

d() { "$dmap" --progress quiet -p "$P_DMAP" -f "$FILE" "$@"; }
c() { "$compose_v2" --progress quiet -p "$P_V2" -f "$FILE" "$@"; }
teardown() {
    d down --volumes >/dev/null 2>&1 || true
    c down -v --remove-orphans >/dev/null 2>&1 || true
}
trap 'teardown; rm -rf "$tmp"' EXIT
teardown

# time_of NAME TOOL CMD...: runs CMD, appends its wall time (ms) to $tmp/NAME.TOOL.
time_of() {
    local name=$1 tool=$2 start end
    shift 2
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || {
        echo "$tool: $name failed: $*" >&2
        "$@" >&2 || true
        exit 1
    }
    end=$(date +%s%N)
    echo $(((end - start) / 1000000)) >>"$tmp/$name.$tool"
}

phases=(job stop start restart scale_up scale_down)
for ((round = 1; round <= ROUNDS; round++)); do
    echo "round $round/$ROUNDS" >&2
    d up --wait >/dev/null
    c up -d --wait >/dev/null 2>&1
    time_of job dmap d job -T app -- true
    time_of job v2 c run --rm -T app true
    time_of stop dmap d stop
    time_of stop v2 c stop
    time_of start dmap d start
    time_of start v2 c start
    time_of restart dmap d restart app
    time_of restart v2 c restart app
    time_of scale_up dmap d up --scale worker=5
    time_of scale_up v2 c up -d --scale worker=5
    time_of scale_down dmap d up
    time_of scale_down v2 c up -d
    [[ $(docker ps -q --filter "label=dmap.map=$P_DMAP" | wc -l) -eq 3 ]] || {
        echo "dmap: not 3 containers after scaling back" >&2
        exit 1
    }
    teardown
done

median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
printf '%-11s %9s %9s %7s\n' phase dmap v2 ratio
for p in "${phases[@]}"; do
    dm=$(median "$tmp/$p.dmap")
    v2=$(median "$tmp/$p.v2")
    printf '%-11s %7sms %7sms %6.2fx\n' "$p" "$dm" "$v2" "$(echo "$dm / $v2" | bc -l)"
done
