#!/usr/bin/env bash
# Side-by-side: dmap vs docker-compose 1.29.2 on the same Engine, on the 20-service stack of
# bench/stack20/docker-compose.yml (dmap: bench/stack20.rhai, the same stack as a map).
#
#   bench/stack20.sh                 # 5 rounds
#   ROUNDS=3 bench/stack20.sh
#   STEPLOG=/tmp/steps bench/stack20.sh   # also keep dmap's progress lines, timestamped
#
# Each round runs, for each tool (alternating which goes first):
#   cold startup      dmap: startup __all__            compose: up -d
#   no-op update      dmap: update __all__             compose: up -d (again)
#   teardown          dmap: shutdown __all__ with      compose: down -v
#                           remove_attached: true
# and checks that 20 containers run after the startup and that nothing (containers, volumes)
# is left after the teardown. It prints the median wall time of each phase per tool, the ratio
# dmap/compose and the issue's target for it. Exits non-zero only when the benchmark itself fails
# (build, an action failing, objects left over); missed targets are reported, never fatal.
#
# The two tools use distinct names (map `dmapbench20`: containers `dmapbench20.s0_0`, ...;
# compose project `composebench20`: `composebench20_s0_0_1`, ...), so neither touches the other's
# objects. Both stacks are torn down before the first round and on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
ROUNDS=${ROUNDS:-5}
COMPOSE_FILE_PATH=${COMPOSE_FILE_PATH:-$here/stack20/docker-compose.yml}
MAKE_IMAGE=${MAKE_IMAGE:-$here/busybox-image.sh}
IMAGE=dmap-bench/busybox:latest
MAP=dmapbench20
PROJECT=composebench20
SERVICES=20

cd "$root"
command -v docker-compose >/dev/null || {
    echo "needs docker-compose (1.29.2)" >&2
    exit 1
}
docker info >/dev/null 2>&1 || {
    echo "cannot reach the Docker Engine" >&2
    exit 1
}
[[ -f $COMPOSE_FILE_PATH ]] || {
    echo "no compose file at $COMPOSE_FILE_PATH" >&2
    exit 1
}

echo "building release binary..." >&2
cargo build --release --quiet
dmap="$root/target/release/dmap"
recipe="$here/stack20.rhai"
echo "building $IMAGE..." >&2
"$MAKE_IMAGE" "$IMAGE" >/dev/null

# The real interpreter, not a version-manager shim (a shim's start-up would delay the timestamps).
py=$(python3 -c 'import sys; print(sys.executable)')
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmap-stack20.XXXXXX")
if [[ -n ${STEPLOG:-} ]]; then
    mkdir -p "$STEPLOG"
fi

dmap_action() { "$dmap" run "$recipe" "$1" "$MAP" "$IMAGE"; }
compose() { docker-compose -p "$PROJECT" -f "$COMPOSE_FILE_PATH" "$@"; }

# Tears both stacks down, whatever state they are in (also removes what a failed run left).
teardown_all() {
    dmap_action shutdown >/dev/null 2>&1 || true
    compose down -v --remove-orphans >/dev/null 2>&1 || true
    local leftovers
    leftovers=$(docker ps -aq --filter "name=^$MAP\." --filter "label=dmap.map=$MAP")
    [[ -z $leftovers ]] || docker rm -f $leftovers >/dev/null 2>&1 || true
    leftovers=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT")
    [[ -z $leftovers ]] || docker rm -f $leftovers >/dev/null 2>&1 || true
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

# Timestamps each line of stdin with the seconds since $1 (an $EPOCHREALTIME).
stamp() {
    "$py" -u -c '
import sys, time
start = float(sys.argv[1])
for line in sys.stdin:
    sys.stdout.write(f"{time.time() - start:8.3f} {line}")
' "$1"
}

# timed TOOL PHASE ROUND CMD... : runs CMD, appends its wall time to $tmp/TOOL.PHASE; dies on failure.
timed() {
    local tool=$1 phase=$2 round=$3 t0 t1 status=0
    shift 3
    t0=$EPOCHREALTIME
    if [[ -n ${STEPLOG:-} && $tool == dmap ]]; then
        "$@" >"$tmp/out" 2> >(stamp "$t0" >"$STEPLOG/$phase.$round.log") || status=$?
    else
        "$@" >"$tmp/out" 2>"$tmp/err" || status=$?
    fi
    t1=$EPOCHREALTIME
    if ((status != 0)); then
        echo "$tool $phase (round $round) failed with status $status:" >&2
        cat "$tmp/out" "$tmp/err" >&2 2>/dev/null || true
        exit 1
    fi
    "$py" -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.4f}")' "$t0" "$t1" \
        >>"$tmp/$tool.$phase"
    printf '  %-7s %-8s %7.3f s\n' "$tool" "$phase" "$(tail -n 1 "$tmp/$tool.$phase")" >&2
}

# Counts of the tool's running containers, all containers and volumes.
running() {
    case $1 in
    dmap) docker ps -q --filter "label=dmap.map=$MAP" | wc -l ;;
    compose) docker ps -q --filter "label=com.docker.compose.project=$PROJECT" | wc -l ;;
    esac
}
leftovers() {
    case $1 in
    dmap)
        echo $(($(docker ps -aq --filter "label=dmap.map=$MAP" | wc -l) + \
            $(docker volume ls -q --filter "label=dmap.map=$MAP" | wc -l)))
        ;;
    compose)
        echo $(($(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" | wc -l) + \
            $(docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT" | wc -l)))
        ;;
    esac
}

one_round() {
    local tool=$1 round=$2 n
    case $tool in
    dmap) timed dmap startup "$round" dmap_action startup ;;
    compose) timed compose startup "$round" compose up -d ;;
    esac
    n=$(running "$tool")
    ((n == SERVICES)) || {
        echo "$tool: $n containers running after the startup, expected $SERVICES" >&2
        exit 1
    }
    case $tool in
    dmap) timed dmap update "$round" dmap_action update ;;
    compose) timed compose update "$round" compose up -d ;;
    esac
    case $tool in
    dmap) timed dmap teardown "$round" dmap_action shutdown ;;
    compose) timed compose teardown "$round" compose down -v ;;
    esac
    n=$(leftovers "$tool")
    ((n == 0)) || {
        echo "$tool: $n containers/volumes left after the teardown" >&2
        exit 1
    }
}

echo "docker-compose: $(docker-compose version --short 2>/dev/null || echo '?'); Engine: $(docker \
    version --format '{{.Server.Version}}' 2>/dev/null); $(nproc) cores; $ROUNDS rounds" >&2
teardown_all
for ((round = 1; round <= ROUNDS; round++)); do
    echo "round $round/$ROUNDS" >&2
    if ((round % 2)); then
        one_round dmap "$round"
        one_round compose "$round"
    else
        one_round compose "$round"
        one_round dmap "$round"
    fi
done

median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo
printf '%-14s %10s %10s %8s %8s  %s\n' phase "dmap (s)" "compose" ratio target met
for phase in startup update teardown; do
    case $phase in
    startup) target=0.9 label="cold startup" ;;
    update) target=0.1 label="no-op update" ;;
    teardown) target=0.75 label="teardown" ;;
    esac
    d=$(median "$tmp/dmap.$phase")
    c=$(median "$tmp/compose.$phase")
    "$py" -c '
import sys
label, d, c, target = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
ratio = d / c
met = "yes" if ratio <= target else "NO"
bound = "<= " + str(target)
print(f"{label:<14} {d:10.3f} {c:10.3f} {ratio:8.3f} {bound:>8}  {met}")
' "$label" "$d" "$c" "$target"
done
echo "(medians of $ROUNDS rounds; ratio = dmap / compose)"
