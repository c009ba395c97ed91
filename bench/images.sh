#!/usr/bin/env bash
# Side-by-side: dmap's build contexts and builds vs tar(1) and `docker build` (legacy builder),
# on a generated 200 MB tree of mixed files (many small, a few large).
#
#   bench/images.sh                  # 5 runs of each
#   RUNS=3 MB=100 bench/images.sh
#   PHASES="build" bench/images.sh   # some of: tar digest build up stages cached
#
# Phases (median wall time of RUNS runs each, the ratio dmap/other and the issue's target):
#   context tar     dmap: ctx.save(x.tar)                tar cf x.tar tree
#   context digest  dmap: ctx.digest()                   tar cf - tree | sha256sum
#   cold build      dmap --builder classic build FILE    DOCKER_BUILDKIT=0 docker build
#                   (images and build cache removed before each run)
#   unchanged up    dmap run (update, nothing changed)   docker build, fully cached
#   stages          dmap build FILE (BuildKit)           DOCKER_BUILDKIT=0 docker build, and
#                                                        DOCKER_BUILDKIT=1 docker build
#                   a Dockerfile with two independent stages of 3 s each (a new file copied
#                   into both before each run, so nothing comes from the cache)
#   cached          the same, nothing changed: every step from the builder's cache
# The push of a 50 MB image, dmap push vs docker push, is bench/registry.sh.
# Rounds alternate which side goes first. The tree is read once before timing (page cache warm
# for both). Exits non-zero only when the
# benchmark itself fails; missed targets are reported, never fatal. Everything it creates is
# removed on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
RUNS=${RUNS:-5}
MB=${MB:-200}
BASE=dmap-bench/busybox:latest
MAP=dmapbenchimg
DMAP_TAG=dmapbenchimg-app:latest
DOCKER_TAG=dmapbenchimg-docker:latest

cd "$root"
docker info >/dev/null 2>&1 || {
    echo "cannot reach the Docker Engine" >&2
    exit 1
}
echo "building release binary..." >&2
cargo build --release --quiet
dmap="$root/target/release/dmap"
"$here/busybox-image.sh" "$BASE" >/dev/null

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmap-bench-images.XXXXXX")
STAGES_TAGS=(dmapbenchstages-app:latest dmapbenchstages-classic:latest dmapbenchstages-buildkit:latest)
cleanup() {
    docker rm -f "$MAP.app" >/dev/null 2>&1 || true
    docker rmi -f "$DMAP_TAG" "$DOCKER_TAG" "${STAGES_TAGS[@]}" >/dev/null 2>&1 || true
    # The stages' builds of earlier rounds, untagged by the later ones.
    docker images -q --filter label=dmap.bench=images | xargs -r docker rmi -f >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

echo "generating a ${MB} MB tree..." >&2
python3 - "$tmp/ctx/tree" "$MB" <<'PY'
import os, random, sys
root, mb = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
total, budget = 0, mb * 1024 * 1024
large = budget * 7 // 10          # 70% in a few large files, 30% in many small ones
n = 0
while total < large:
    d = os.path.join(root, "assets")
    os.makedirs(d, exist_ok=True)
    size = min(rng.randint(8, 24) * 1024 * 1024, large - total)
    with open(os.path.join(d, f"blob{n}.bin"), "wb") as f:
        f.write(rng.randbytes(size))
    total += size
    n += 1
while total < budget:
    d = os.path.join(root, "src", f"pkg{rng.randint(0, 199)}", f"mod{rng.randint(0, 9)}")
    os.makedirs(d, exist_ok=True)
    size = min(rng.randint(200, 12000), budget - total)
    with open(os.path.join(d, f"f{n}.txt"), "wb") as f:
        f.write(rng.randbytes(size // 2).hex().encode()[:size])
    total += size
    n += 1
print(f"{n} files, {total / 1048576:.0f} MB", file=sys.stderr)
PY
tar cf - -C "$tmp/ctx" tree >/dev/null # warm the page cache

cat >"$tmp/ctx.rhai" <<EOF
let ctx = docker_context(dockerfile("scratch"));
ctx.add("$tmp/ctx/tree", "tree");
if ARGS[0] == "digest" { print(ctx.digest()); } else { ctx.save("$tmp/dmap.tar"); }
EOF
cat >"$tmp/app.rhai" <<EOF
let df = dockerfile("$BASE");
df.add_file("$tmp/ctx/tree", "/tree");
df.command = ["sleep", "2147483647"];
let m = container_map("$MAP");
m.images["dmapbenchimg-app"] = df;
m.containers.app = #{ image: "dmapbenchimg-app", stop_signal: "SIGKILL" };
mapping_client(m).update();
m
EOF
# docker build gets the very Dockerfile dmap sends, in a directory laid out as dmap's context.
"$dmap" dockerfile "$tmp/app.rhai" >"$tmp/ctx/Dockerfile"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# time_it OUT CMD... : appends the wall time of CMD (output discarded) to OUT.
time_it() {
    local out=$1 t0 t1
    shift
    t0=$EPOCHREALTIME
    "$@" >/dev/null 2>&1
    t1=$EPOCHREALTIME
    python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.4f}")' "$t0" "$t1" >>"$out"
}
cold() {
    docker rm -f "$MAP.app" >/dev/null 2>&1 || true
    docker rmi -f "$DMAP_TAG" "$DOCKER_TAG" >/dev/null 2>&1 || true
}
docker_build() { DOCKER_BUILDKIT=0 docker build -q -t "$DOCKER_TAG" "$tmp/ctx"; }

# Each phase: both sides, alternating which goes first from round to round.
pair() {
    local phase=$1 i=$2
    if ((i % 2)); then
        "run_$phase" dmap
        "run_$phase" other
    else
        "run_$phase" other
        "run_$phase" dmap
    fi
}
run_tar() {
    if [[ $1 == dmap ]]; then
        time_it "$tmp/t.tar.dmap" "$dmap" run "$tmp/ctx.rhai" save
    else
        time_it "$tmp/t.tar.other" tar cf "$tmp/other.tar" -C "$tmp/ctx" tree
    fi
}
run_digest() {
    if [[ $1 == dmap ]]; then
        time_it "$tmp/t.digest.dmap" "$dmap" run "$tmp/ctx.rhai" digest
    else
        time_it "$tmp/t.digest.other" bash -c "tar cf - -C '$tmp/ctx' tree | sha256sum"
    fi
}
run_build() {
    cold
    if [[ $1 == dmap ]]; then
        time_it "$tmp/t.build.dmap" "$dmap" --builder classic build "$tmp/app.rhai"
    else
        time_it "$tmp/t.build.other" docker_build
    fi
}
run_up() {
    # Unchanged: dmap has built and runs the app; docker's cache holds every step.
    if [[ $1 == dmap ]]; then
        "$dmap" run "$tmp/app.rhai" >/dev/null 2>&1
        time_it "$tmp/t.up.dmap" "$dmap" run "$tmp/app.rhai"
    else
        docker_build >/dev/null 2>&1
        time_it "$tmp/t.up.other" docker_build
    fi
}
# Two independent stages of 3 s each, joined in a third.
mkdir -p "$tmp/stages"
cat >"$tmp/stages/Dockerfile" <<EOF
FROM $BASE AS left
COPY nonce /nonce
RUN sleep 3 && echo left > /left

FROM $BASE AS right
COPY nonce /nonce
RUN sleep 3 && echo right > /right

FROM $BASE
LABEL dmap.bench=images
COPY --from=left /left /left
COPY --from=right /right /right
EOF
date +%s%N >"$tmp/stages/nonce"
cat >"$tmp/stages.rhai" <<EOF
let m = container_map("dmapbenchstages");
m.images["dmapbenchstages-app"] = build_context("$tmp/stages");
mapping_client(m);
EOF
# `DOCKER_BUILDKIT=1 docker build` needs the buildx plugin since docker 23; a docker CLI of
# 20.10 (Debian's docker.io) builds with BuildKit itself.
bk_docker=docker
if ! docker buildx version >/dev/null 2>&1; then
    for d in $(which -a docker); do
        if [[ $("$d" version --format '{{.Client.Version}}' 2>/dev/null) == 2[0-2].* ]]; then
            bk_docker=$d
            break
        fi
    done
fi
# stages_run SIDE PHASE: one build of the stages by SIDE (dmap, classic, buildkit).
stages_run() {
    local out="$tmp/t.$2.$1"
    case $1 in
    dmap) time_it "$out" "$dmap" build "$tmp/stages.rhai" ;;
    classic) time_it "$out" env DOCKER_BUILDKIT=0 docker build -q -t "${STAGES_TAGS[1]}" "$tmp/stages" ;;
    buildkit) time_it "$out" env DOCKER_BUILDKIT=1 "$bk_docker" build -q -t "${STAGES_TAGS[2]}" "$tmp/stages" ;;
    esac
}
# One round of a stages phase, the sides in turn; before the cached phase's first round each
# side builds once, so that its cache holds every step.
stages_round() {
    local phase=$1 i=$2 sides=(dmap classic buildkit) k side
    for k in 0 1 2; do
        side=${sides[$(((k + i) % 3))]}
        if [[ $phase == stages ]]; then
            date +%s%N >"$tmp/stages/nonce"
        elif ((i == 1)); then
            stages_run "$side" warm
        fi
        stages_run "$side" "$phase"
    done
}

PHASES=${PHASES:-"tar digest build up stages cached"}
for i in $(seq 1 "$RUNS"); do
    echo "round $i/$RUNS" >&2
    for phase in $PHASES; do
        case $phase in
        stages | cached) stages_round "$phase" "$i" ;;
        *) pair "$phase" "$i" ;;
        esac
    done
done
if [[ " $PHASES " == *" up "* ]]; then
    out=$("$dmap" run "$tmp/app.rhai" 2>&1)
    [[ $out == "  up to date" ]] || {
        echo "the unchanged update did something: $out" >&2
        exit 1
    }
fi

printf '\n%-16s %10s %10s %7s %7s\n' phase dmap other ratio target
for phase in "tar 1.2" "digest 1.2" "build 1.0" "up 0.3" \
    "stages:classic 0.6" "stages:buildkit 1.1" "cached:classic 1.0" "cached:buildkit 1.0"; do
    set -- $phase
    name=$1 other=other
    [[ $1 == *:* ]] && name=${1%%:*} other=${1#*:}
    [[ -s $tmp/t.$name.dmap ]] || continue
    d=$(median <"$tmp/t.$name.dmap")
    o=$(median <"$tmp/t.$name.$other")
    python3 -c 'import sys; d, o, t = map(float, sys.argv[2:5]); r = d / o; m = "" if r <= t else "  MISSED"
print(f"{sys.argv[1]:<16} {d:9.3f}s {o:9.3f}s {r:7.2f} {t:7.2f}{m}")' "$1" "$d" "$o" "$2"
done
