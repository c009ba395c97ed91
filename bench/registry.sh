#!/usr/bin/env bash
# Pushing a 50 MB image to a local registry: `dmap push` vs `docker push`, each to a registry of its
# own (Debian's docker-registry on 127.0.0.1, fresh storage every round, so no layer is there yet).
# dmap's image is the recipe's (FROM scratch, busybox and a 50 MB file of random bytes), built
# before timing; docker pushes the same image under another name.
#
#   bench/registry.sh                     # 5 rounds
#   ROUNDS=3 MB=20 DMAP_BIN=target/release/dmap bench/registry.sh
#
# Prints the median wall time per tool and dmap/docker; also the time of an unchanged `dmap push`
# (the image is up to date: nothing is built, the registry already has every layer).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
ROUNDS=${ROUNDS:-5}
MB=${MB:-50}
# shellcheck source=bench/tools.sh
source "$here/tools.sh"
dmap=$(dmap_path)
command -v docker-registry >/dev/null || {
    echo "needs Debian's docker-registry (apt-get install docker-registry)" >&2
    exit 1
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmap-registry.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    docker rmi -f $(docker images -q --filter "reference=127.0.0.1:*/benchpush*") >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

head -c "$((MB * 1024 * 1024))" /dev/urandom >"$tmp/blob"
cat >"$tmp/push.rhai" <<'EOF'
import "dmap/busybox" as busybox;
let m = container_map("benchpush");
m.repository = ARGS[0];
let df = busybox::dockerfile("scratch", "/bin/busybox");
df.add_file("blob", "/blob");
m.images.benchpush = df;
m
EOF

# registry NAME: starts a registry with fresh storage on a free port; prints 127.0.0.1:PORT.
registry() {
    local dir=$tmp/$1 port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    rm -rf "$dir" && mkdir -p "$dir/storage"
    printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
        "$dir/storage" "$port" >"$dir/config.yml"
    docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do
        curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break
        sleep 0.05
    done
    echo "127.0.0.1:$port"
}

ms() { echo $((($2 - $1) / 1000000)); }
for ((round = 1; round <= ROUNDS; round++)); do
    echo "round $round/$ROUNDS" >&2
    a=$(registry dmap) b=$(registry docker)
    "$dmap" -q build -a "$a" "$tmp/push.rhai" >/dev/null
    docker tag "$a/benchpush:latest" "$b/benchpush-docker:latest"
    t0=$(date +%s%N)
    "$dmap" -q push -a "$a" "$tmp/push.rhai"
    t1=$(date +%s%N)
    docker push -q "$b/benchpush-docker:latest" >/dev/null
    t2=$(date +%s%N)
    "$dmap" -q push -a "$a" "$tmp/push.rhai"
    t3=$(date +%s%N)
    echo "$(ms "$t0" "$t1") $(ms "$t1" "$t2") $(ms "$t2" "$t3")" >>"$tmp/times"
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    pids=()
done
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
d=$(cut -d' ' -f1 "$tmp/times" | median)
k=$(cut -d' ' -f2 "$tmp/times" | median)
u=$(cut -d' ' -f3 "$tmp/times" | median)
printf 'push of a %s MB image: dmap %s ms, docker push %s ms (%.2fx); unchanged dmap push %s ms\n' \
    "$MB" "$d" "$k" "$(echo "$d / $k" | bc -l)" "$u"
