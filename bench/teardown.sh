#!/usr/bin/env bash
# Teardown of the README tour, dmap against Docker Compose v2 (2.40.3), side by side on the same
# Engine: two containers that ignore SIGTERM (a shell loop and httpd as PID 1, so every stop
# waits out its 10 s timeout), one mounting the other's named volume. bench/tour/tour.rhai is the
# tour for dmap, bench/tour/docker-compose.yml the same for Compose (`depends_on: [writer]`,
# the start order dmap's `uses` of the volume gives).
#
#   bench/teardown.sh                       # 3 rounds: dmap, compose v2, compose v2 without depends_on
#   ROUNDS=5 TOOLS="dmap v2" bench/teardown.sh   # some of: dmap v2 v2flat v1
#   DMAP_BIN=/tmp/dmap-old bench/teardown.sh      # that dmap binary instead of building this tree's
#
# Tools: `dmap` (down --volumes), `v2` (compose v2, down -v), `v2flat` (compose v2 on the same
# file without `depends_on`: what Compose takes when it need not order the stops), `v1`
# (docker-compose 1.29, down -v). Each round brings each tool's tour up (untimed, checked: both
# containers run and the page is served) and times its teardown; the order rotates from round to
# round. Prints the median per tool and dmap's ratio to each. Exits non-zero only when the
# benchmark itself fails.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
ROUNDS=${ROUNDS:-3}
TOOLS=${TOOLS:-dmap v2 v2flat}
IMAGE=dmap-bench/busybox:latest
MAP=dmapbenchtour
# shellcheck disable=SC2034 # read through ${!...}
PROJECT_v2=composev2benchtour PROJECT_v2flat=composev2flatbenchtour PROJECT_v1=composebenchtour
# shellcheck disable=SC2034
PORT_dmap=18091 PORT_v2=18092 PORT_v2flat=18093 PORT_v1=18094

cd "$root"
docker info >/dev/null 2>&1 || {
    echo "cannot reach the Docker Engine" >&2
    exit 1
}
read -r -a tools <<<"$TOOLS"
has() { [[ " ${tools[*]} " == *" $1 "* ]]; }
if has v2 || has v2flat; then
    compose_v2=$("$here/compose-v2.sh")
fi
# shellcheck source=bench/tools.sh
source "$here/tools.sh"
if has v1; then
    compose_v1=$(compose_v1_path)
fi
dmap=$(dmap_path)
recipe="$here/tour/tour.rhai"
echo "building $IMAGE..." >&2
"$here/busybox-image.sh" "$IMAGE" >/dev/null

py=$(python3 -c 'import sys; print(sys.executable)')
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmap-teardown.XXXXXX")
sed '/depends_on/d' "$here/tour/docker-compose.yml" >"$tmp/flat.yml"

dmap_verb() { "$dmap" --progress plain "$1" "${@:2}" "$recipe" -a "$MAP" -a "$PORT_dmap" -a "$IMAGE"; }
compose() {
    local tool=$1 project=PROJECT_$1 port=PORT_$1 bin file=$here/tour/docker-compose.yml
    shift
    case $tool in
    v2) bin=$compose_v2 ;;
    v2flat) bin=$compose_v2 file=$tmp/flat.yml ;;
    v1) bin=$compose_v1 ;;
    esac
    TOUR_PORT=${!port} "$bin" -p "${!project}" -f "$file" "$@"
}
label_of() {
    local project=PROJECT_$1
    case $1 in
    dmap) echo "dmap.map=$MAP" ;;
    *) echo "com.docker.compose.project=${!project}" ;;
    esac
}

teardown_all() {
    local tool leftovers
    for tool in "${tools[@]}"; do
        case $tool in
        dmap) dmap_verb down --volumes >/dev/null 2>&1 || true ;;
        *) compose "$tool" down -v -t 1 >/dev/null 2>&1 || true ;;
        esac
        leftovers=$(docker ps -aq --filter "label=$(label_of "$tool")")
        [[ -z $leftovers ]] || docker rm -f $leftovers >/dev/null 2>&1 || true
    done
}
cleanup() {
    local status=$?
    echo "tearing down..." >&2
    teardown_all
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

run() {
    "$@" >"$tmp/out" 2>&1 || {
        echo "failed: $*" >&2
        cat "$tmp/out" >&2
        exit 1
    }
}

one_round() {
    local tool=$1 round=$2 port=PORT_$1 n t0 t1 label
    label=$(label_of "$tool")
    case $tool in
    dmap) run dmap_verb up ;;
    *) run compose "$tool" up -d ;;
    esac
    n=$(docker ps -q --filter "label=$label" | wc -l)
    ((n == 2)) || {
        echo "$tool: $n containers running after up, expected 2" >&2
        exit 1
    }
    # The page exists once `writer` has written it.
    for _ in $(seq 50); do
        curl -fs "http://127.0.0.1:${!port}/" >/dev/null && break
        sleep 0.1
    done
    curl -fs "http://127.0.0.1:${!port}/" >/dev/null || {
        echo "$tool: the page is not served on ${!port}" >&2
        exit 1
    }
    t0=$EPOCHREALTIME
    case $tool in
    dmap) run dmap_verb down --volumes ;;
    *) run compose "$tool" down -v ;;
    esac
    t1=$EPOCHREALTIME
    n=$(($(docker ps -aq --filter "label=$label" | wc -l) + $(docker volume ls -q --filter "label=$label" | wc -l)))
    ((n == 0)) || {
        echo "$tool: $n containers/volumes left after the teardown" >&2
        exit 1
    }
    "$py" -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.4f}")' "$t0" "$t1" >>"$tmp/$tool"
    printf '  %-7s %7.3f s\n' "$tool" "$(tail -n 1 "$tmp/$tool")" >&2
}

echo "Engine $(docker version --format '{{.Server.Version}}'); $(nproc) cores; $ROUNDS rounds;" \
    "load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
teardown_all
for ((round = 1; round <= ROUNDS; round++)); do
    echo "round $round/$ROUNDS" >&2
    for ((i = 0; i < ${#tools[@]}; i++)); do
        one_round "${tools[$(((i + round - 1) % ${#tools[@]}))]}" "$round"
    done
done

echo
"$py" - "$tmp" "${tools[@]}" <<'PY'
import statistics, sys
tmp, tools = sys.argv[1], sys.argv[2:]
names = {"dmap": "dmap down --volumes", "v2": "compose v2 down -v",
         "v2flat": "compose v2 down -v, no depends_on", "v1": "compose 1.29 down -v"}
runs = {t: [float(x) for x in open(f"{tmp}/{t}") if x.strip()] for t in tools}
d = statistics.median(runs["dmap"]) if "dmap" in runs else None
print(f"{'teardown of the tour':<36}{'median (s)':>11}{'dmap / it':>11}   runs")
for t in tools:
    m = statistics.median(runs[t])
    ratio = f"{d / m:11.2f}" if d is not None else f"{'-':>11}"
    print(f"{names[t]:<36}{m:11.3f}{ratio}   " + ", ".join(f"{x:.2f}" for x in runs[t]))
PY
echo "(medians of $ROUNDS rounds; load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
