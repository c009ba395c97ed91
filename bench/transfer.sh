#!/usr/bin/env bash
# One declared image on two Engines: `up` when each Engine builds it (`image_transfer: "build"`)
# against `up` when the main Engine builds it and engine2 gets it copied (`image_transfer: "copy"`:
# save → load streamed between the Engines). Medians of RUNS, rounds alternating which mode goes
# first; every run starts with neither Engine holding the image.
#
#   tests/bed/engines.sh up && bench/transfer.sh      # RUNS=5 MB=50 WORK=sleep SECONDS_=3
#   WORK=cpu bench/transfer.sh                        # the build's few seconds are CPU work
#
# The image: the busybox test image plus one RUN that works for a few seconds (WORK=sleep: sleeps
# SECONDS_; WORK=cpu: counts in a shell loop for about as long on an idle core) and writes MB of
# random bytes (incompressible: the copy carries them all), a fresh salt per run so that no build
# is cached. Needs the busybox test image (built by `cargo test`, or bench/busybox-image.sh) and
# the bed's engine2; loads the base image into it (engine2 builds FROM it). Everything it creates
# is removed on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
RUNS=${RUNS:-5}
MB=${MB:-50}
WORK=${WORK:-sleep}
SECONDS_=${SECONDS_:-3}
DMAP=${DMAP:-target/release/dmap}
[ -x "$DMAP" ] || cargo build --release --quiet
# shellcheck source=bench/tools.sh
source "$here/tools.sh"
bed_engine2
LABEL=dmap.bench=transfer

case $WORK in
sleep) work="sleep $SECONDS_" ;;
# About SECONDS_ of one core in busybox sh (calibrated below).
cpu) work='i=0; while [ $i -lt COUNT ]; do i=$((i+1)); done' ;;
*) echo "WORK is sleep or cpu" >&2; exit 2 ;;
esac

work_dir=$(mktemp -d)
cat >"$work_dir/transfer.rhai" <<RHAI
// ARGS: ACTION (up, down) MODE (build, copy) SALT WORK
let m = container_map("dmapbenchxfer");
let df = dockerfile("$IMAGE");
df.writeline("LABEL $LABEL");
df.run(\`\${ARGS[3]} && dd if=/dev/urandom of=/blob bs=1M count=$MB 2>/dev/null && echo \${ARGS[2]} > /salt\`);
m.images["dmapbenchxfer-app"] = df;
m.clients = ["main", "e2"];
m.containers.app = #{ image: "dmapbenchxfer-app", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
let c = mapping_client(m, #{ main: docker(), e2: docker(#{ base_url: "$E2", image_transfer: ARGS[1] }) });
if ARGS[0] == "up" { c.update(); } else { c.shutdown(); }
RHAI
images_gone() {
    for host in "" "-H $E2"; do
        # shellcheck disable=SC2086
        ids=$(docker $host images -q --filter "label=$LABEL" | sort -u)
        # shellcheck disable=SC2086
        [ -z "$ids" ] || docker $host rmi -f $ids >/dev/null 2>&1 || true
    done
}
cleanup() {
    "$DMAP" -q run "$work_dir/transfer.rhai" down build x true >/dev/null 2>&1 || true
    images_gone
    rm -rf "$work_dir"
}
trap cleanup EXIT

if [ "$WORK" = cpu ]; then
    # How far busybox sh counts in SECONDS_ on this machine.
    per_second=$(docker run --rm "$IMAGE" sh -c 'i=0; end=$(($(date +%s) + 2)); while [ $(date +%s) -lt $end ]; do j=0; while [ $j -lt 10000 ]; do j=$((j+1)); done; i=$((i+10000)); done; echo $((i / 2))')
    work=${work/COUNT/$((per_second * SECONDS_))}
fi

median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f", m }'; }
declare -A times
one() {
    local mode=$1 salt=$2 t0 t1
    "$DMAP" -q run "$work_dir/transfer.rhai" down "$mode" "$salt" true >/dev/null 2>&1 || true
    images_gone
    t0=$EPOCHREALTIME
    "$DMAP" -q run "$work_dir/transfer.rhai" up "$mode" "$salt" "$work" || { echo "up ($mode) failed" >&2; exit 1; }
    t1=$EPOCHREALTIME
    [ "$(docker images -q dmapbenchxfer-app:latest)" = "$(docker -H "$E2" images -q dmapbenchxfer-app:latest)" ] ||
        [ "$mode" = build ] || { echo "the copy differs from the original" >&2; exit 1; }
    times[$mode]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') "
}
for i in $(seq 1 "$RUNS"); do
    echo "round $i/$RUNS" >&2
    if ((i % 2)); then order="build copy"; else order="copy build"; fi
    for mode in $order; do one "$mode" "$i-$mode-$RANDOM"; done
done
size=$(docker image inspect --format '{{.Size}}' dmapbenchxfer-app:latest)
b=$(printf '%s\n' ${times[build]} | median)
c=$(printf '%s\n' ${times[copy]} | median)
printf 'image %s MB, WORK=%s (%s s)\n' "$((size / 1000000))" "$WORK" "$SECONDS_"
printf '%-22s %6s s   (%s)\n' "build on each" "$b" "${times[build]% }"
printf '%-22s %6s s   (%s)\n' "build once, copy" "$c" "${times[copy]% }"
awk -v b="$b" -v c="$c" 'BEGIN { printf "copy / build on each: %.2f×\n", c / b }'
