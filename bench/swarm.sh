#!/usr/bin/env bash
# A 50-service map on the test bed's two-node Swarm: dmap (`dmap up`, which returns once every
# task runs) against `docker stack deploy` of the equivalent compose file (then polled until
# every service has all its tasks running). Both use `endpoint_mode: dnsrr` (the bed's kernel has
# no IPVS). Times: the first deploy, and a redeploy with nothing changed. Medians of RUNS.
#
#   tests/bed/engines.sh swarm-up && bench/swarm.sh        # RUNS=3 N=50
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
RUNS=${RUNS:-3}
N=${N:-50}
DMAP=${DMAP:-target/release/dmap}
[ -x "$DMAP" ] || cargo build --release --quiet
M=${DMAP_ENGINE2_HOST:-tcp://10.200.0.2:2375}
docker -H "$M" node ls >/dev/null 2>&1 || { echo "no Swarm manager at $M: tests/bed/engines.sh swarm-up" >&2; exit 1; }
IMAGE=$(docker images --format '{{.Repository}}:{{.Tag}}' | grep -m1 '^dmap-test/busybox:' || true)
[ -n "$IMAGE" ] || { echo "no dmap-test/busybox image: run cargo test once" >&2; exit 1; }
tests/bed/engines.sh load "$IMAGE" >/dev/null 2>&1 || true

work=$(mktemp -d)
cat >"$work/swarm.rhai" <<RHAI
let m = container_map("dmapbenchsw");
m.clients = ["sw"];
for i in 0..$N {
    m.containers[\`s\${i}\`] = #{ image: "$IMAGE", stop_signal: "SIGKILL",
        deploy: #{ endpoint_mode: "dnsrr" }, create_options: #{ command: "sleep 3600" } };
}
mapping_client(m, #{ sw: docker(#{ base_url: "$M", swarm: true }) });
RHAI
{
    echo 'version: "3.8"'
    echo 'services:'
    for i in $(seq 0 $((N - 1))); do
        cat <<YAML
  s$i:
    image: $IMAGE
    command: sleep 3600
    stop_signal: SIGKILL
    deploy:
      endpoint_mode: dnsrr
YAML
    done
    echo 'networks:'
    echo '  default:'
    echo '    driver: overlay'
    echo '    attachable: true'
} >"$work/compose.yaml"

cleanup() {
    "$DMAP" -q down "$work/swarm.rhai" >/dev/null 2>&1 || true
    docker -H "$M" stack rm dmapbenchstack >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m }'; }
stack_running() {
    # every service of the stack at N/N
    local ready
    while :; do
        ready=$(docker -H "$M" service ls --filter label=com.docker.stack.namespace=dmapbenchstack --format '{{.Replicas}}' | awk -F/ '$1 == $2 && $2 > 0' | wc -l)
        [ "$ready" -ge "$N" ] && return 0
        sleep 0.2
    done
}
gone() {
    while [ -n "$(docker -H "$M" service ls -q --filter "name=$1")" ] || [ -n "$(docker -H "$M" network ls -q --filter "name=$1")" ]; do sleep 0.3; done
    sleep 2 # tasks' containers and endpoints on the nodes
}

d_first=() d_again=() s_first=() s_again=()
for _ in $(seq 1 "$RUNS"); do
    t=$(now); "$DMAP" -q up "$work/swarm.rhai"; d_first+=("$(since "$t")")
    t=$(now); "$DMAP" -q up "$work/swarm.rhai"; d_again+=("$(since "$t")")
    "$DMAP" -q down "$work/swarm.rhai"; gone dmapbenchsw
    t=$(now); docker -H "$M" stack deploy -q -c "$work/compose.yaml" dmapbenchstack >/dev/null 2>&1; stack_running; s_first+=("$(since "$t")")
    t=$(now); docker -H "$M" stack deploy -q -c "$work/compose.yaml" dmapbenchstack >/dev/null 2>&1; stack_running; s_again+=("$(since "$t")")
    docker -H "$M" stack rm dmapbenchstack >/dev/null; gone dmapbenchstack
done
df=$(printf '%s\n' "${d_first[@]}" | median); da=$(printf '%s\n' "${d_again[@]}" | median)
sf=$(printf '%s\n' "${s_first[@]}" | median); sa=$(printf '%s\n' "${s_again[@]}" | median)
printf 'N=%s services, medians of %s\n' "$N" "$RUNS"
printf 'first deploy   dmap %7.3f s   docker stack deploy %7.3f s   ratio %.2f\n' "$df" "$sf" "$(awk -v a="$df" -v b="$sf" 'BEGIN { print a / b }')"
printf 'no-op redeploy dmap %7.3f s   docker stack deploy %7.3f s   ratio %.2f\n' "$da" "$sa" "$(awk -v a="$da" -v b="$sa" 'BEGIN { print a / b }')"
