#!/usr/bin/env bash
# An Engine over ssh against the same Engine over TCP: `dmap status` and a no-op `dmap up` of a
# stack of N busybox containers on the test bed's engine2, reached at tcp://10.200.0.2:2375 and
# through the bed's sshd (DOCKER_HOST=ssh://root@10.200.0.22), with ssh multiplexing (dmap's
# default: every connection of a run is a session over the first one's ssh connection) and
# without (an ssh wrapper whose `ControlMaster=no`/`ControlPath=none` come before dmap's options,
# and the first value of an ssh option wins: every connection is an ssh handshake of its own).
# hyperfine, RUNS runs each after 2 warm-ups.
#
#   tests/bed/engines.sh up && bench/ssh.sh        # RUNS=20 N=6 by default
#
# Needs hyperfine, the busybox test image (built by `cargo test`, or bench/busybox-image.sh) and
# the bed's engine2 and sshd; loads the image into engine2. What it creates is removed on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
RUNS=${RUNS:-20}
N=${N:-6}
DMAP=${DMAP:-target/release/dmap}
[ -x "$DMAP" ] || cargo build --release --quiet
DMAP=$(readlink -f "$DMAP")
command -v hyperfine >/dev/null || { echo "hyperfine is missing (Debian: apt-get install hyperfine)" >&2; exit 1; }
E2=${DMAP_ENGINE2_HOST:-tcp://10.200.0.2:2375}
SSH_HOST=${DMAP_SSH_HOST:-ssh://root@10.200.0.22}
SSH_DIR=${DMAP_SSH_DIR:-/tmp/dmap-bed/ssh}
docker -H "$E2" version >/dev/null 2>&1 || { echo "engine2 ($E2) does not answer: tests/bed/engines.sh up" >&2; exit 1; }
[ -x "$SSH_DIR/bin/ssh" ] || { echo "no sshd of the bed ($SSH_DIR): tests/bed/engines.sh up" >&2; exit 1; }
IMAGE=$(docker images --format '{{.Repository}}:{{.Tag}}' | grep -m1 '^dmap-test/busybox:' || true)
[ -n "$IMAGE" ] || { echo "no dmap-test/busybox image: run cargo test once" >&2; exit 1; }
tests/bed/engines.sh load "$IMAGE" >/dev/null 2>&1 || true

work=$(mktemp -d)
cat >"$work/stack.rhai" <<RHAI
let m = container_map("dmapbenchssh");
for i in 0..$N {
    m.containers[\`c\${i}\`] = #{ image: "$IMAGE", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
}
mapping_client(m);
RHAI
# ssh without multiplexing: the bed's ssh, with options that win over dmap's
mkdir -p "$work/no-mux"
printf '#!/bin/sh\nexec %s -o ControlMaster=no -o ControlPath=none "$@"\n' "$SSH_DIR/bin/ssh" >"$work/no-mux/ssh"
chmod 755 "$work/no-mux/ssh"
cleanup() {
    DOCKER_HOST=$E2 "$DMAP" -q down "$work/stack.rhai" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

DOCKER_HOST=$E2 "$DMAP" -q up "$work/stack.rhai"
cd "$work"
run() { # NAME DOCKER_HOST PATH VERB
    echo "env DOCKER_HOST=$2 PATH=$3 $DMAP -q $4 stack.rhai"
}
for verb in status up; do
    echo "== dmap $verb, $N containers"
    hyperfine -N --style basic --warmup 2 --runs "$RUNS" \
        -n tcp "$(run tcp "$E2" "$PATH" "$verb")" \
        -n "ssh, multiplexed" "$(run ssh "$SSH_HOST" "$SSH_DIR/bin:$PATH" "$verb")" \
        -n "ssh, no multiplexing" "$(run ssh "$SSH_HOST" "$work/no-mux:$SSH_DIR/bin:$PATH" "$verb")"
done
