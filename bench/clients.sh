#!/usr/bin/env bash
# One map on two Engines: the wall time of a startup (and a shutdown) on the main Engine alone,
# on the test bed's second Engine alone, and on both at once (dmap converges its clients in
# parallel: both should take about as long as the slower alone, not the sum). Medians of RUNS.
#
#   tests/bed/engines.sh up && bench/clients.sh        # RUNS=5 N=10 by default
#   RUNS=3 N=20 bench/clients.sh
#
# The stack: N configurations in a chain of links (each started after the one before), each a
# busybox `sleep`. Needs the busybox test image (built by `cargo test`, or bench/busybox-image.sh)
# and the bed's engine2; loads the image into it. Everything it creates is removed on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
RUNS=${RUNS:-5}
N=${N:-10}
DMAP=${DMAP:-target/release/dmap}
[ -x "$DMAP" ] || cargo build --release --quiet
# shellcheck source=bench/tools.sh
source "$here/tools.sh"
bed_engine2

work=$(mktemp -d)
cat >"$work/clients.rhai" <<RHAI
// ARGS: ACTION CLIENTS... (main, e2)
let action = ARGS[0];
let m = container_map("dmapbenchclients");
m.clients = ARGS.extract(1);
for i in 0..$N {
    m.containers[\`c\${i}\`] = #{ image: "$IMAGE", stop_signal: "SIGKILL", links: if i > 0 { [\`c\${i - 1}\`] } else { [] },
        create_options: #{ command: "sleep 3600" } };
}
let c = mapping_client(m, #{ main: docker(), e2: docker(#{ base_url: "$E2" }) });
if action == "startup" { c.startup(); } else { c.shutdown(); }
RHAI
cleanup() {
    "$DMAP" -q run "$work/clients.rhai" shutdown main e2 >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m }'; }

declare -A up down
for set in "main" "e2" "main e2"; do
    ups=() downs=()
    for _ in $(seq 1 "$RUNS"); do
        t0=$(now); "$DMAP" -q run "$work/clients.rhai" startup $set; t1=$(now)
        "$DMAP" -q run "$work/clients.rhai" shutdown $set; t2=$(now)
        ups+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
        downs+=("$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')")
    done
    up[$set]=$(printf '%s\n' "${ups[@]}" | median)
    down[$set]=$(printf '%s\n' "${downs[@]}" | median)
    printf '%-8s startup %6.3f s   shutdown %6.3f s\n' "$set" "${up[$set]}" "${down[$set]}"
done
awk -v a="${up[main]}" -v b="${up[e2]}" -v both="${up[main e2]}" -v da="${down[main]}" -v db="${down[e2]}" -v dboth="${down[main e2]}" 'BEGIN {
    s = (a > b) ? a : b; d = (da > db) ? da : db
    printf "both / slower alone: startup %.2f×, shutdown %.2f×   (sum of both alone would be %.2f× / %.2f×)\n", both / s, dboth / d, (a + b) / s, (da + db) / d
}'
