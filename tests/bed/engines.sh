#!/usr/bin/env bash
# tests/bed/engines.sh - the test bed: extra Docker Engines on this machine, for the integration
# tests that need Engines other than the main one, and a two-node Swarm made of them.
#
# dmap talks to Docker Engines over their API; a test that targets "another host" should talk to
# an Engine that really is another one: its own engine ID, data, containers, networks, ports and
# IP address, reachable over TCP like a remote host. This script builds such Engines on a single
# machine, without touching the main Engine or the host's own networking:
#
#   host (tests, dmap)     dmap-bed0 (veth) 10.200.0.1/24 --+
#   netns dmap-bed-lan     bridge "switch", no address    +-- a private LAN: no route, NAT or
#   netns dmap-bed-e2      eth0 10.200.0.2/24 (engine2) --+   forwarding leads out of it
#   netns dmap-bed-e3      eth0 10.200.0.3/24 (engine3) --+   (engine3: swarm-up only)
#
#   Each Engine answers on tcp://10.200.0.N:2375 (plain TCP, no TLS; the LAN exists only here)
#   and on the unix socket /tmp/dmap-bed/engineN/docker.sock. Those three addresses, and sshd's
#   10.200.0.22 (below), are the only ones the bed adds (IPv6 is off on its links). The switch
#   sits in a network namespace of its own because the main Engine loads br_netfilter and sets the
#   host's FORWARD policy to DROP, which would drop frames bridged in the host namespace.
#
#   An Engine is dockerd (with its containerd) started by
#     nsenter --net=<its netns> unshare --mount --pid --uts --fork --mount-proc tini -- dockerd
#   so that it has its own network, mount, PID and UTS (hostname engineN) namespaces, with tini as
#   PID 1: ending tini ends every process of that Engine, containers included. In its private
#   mount namespace it gets a sysfs of its own netns (dockerd reads /sys/class/net), the host's
#   cgroup tree, private tmpfs on /run/docker and /run/containerd (paths dockerd and containerd
#   use whatever exec-root says), and none of the main Engine's mounts (so it never keeps them
#   busy). Its configuration (/tmp/dmap-bed/engineN/daemon.json) gives it its own data-root,
#   exec-root, pidfile and key file (hence its own engine ID), the cgroupfs driver with cgroup
#   parent /dmap-bed-engineN, and "tls": false (without it, dockerd waits 15 s on start to warn
#   about an unencrypted TCP socket). Storage driver: overlay2 when the kernel's overlayfs mounts
#   under /tmp, else fuse-overlayfs, else vfs (DMAP_BED_STORAGE_DRIVER overrides).
#
#   The Engines start empty and have no way out to a registry: `load` copies images into them
#   from the main Engine (docker save | docker load). A registry the tests start on the host's LAN
#   address (plain HTTP) is one they may pull from: the LAN is an insecure-registries range.
#
#   swarm-up makes engine2 a Swarm manager (advertising 10.200.0.2, address pool 10.201.0.0/16)
#   and engine3 a worker. Without IPVS in the kernel, VIP services and the ingress routing mesh do
#   not work: use --endpoint-mode dnsrr and --publish mode=host. Tasks first try to pull their
#   image (unless it is given by ID); with no route out that fails at once and the local image is
#   used.
#
#   `up` also starts an OpenSSH server for remote Engines over ssh (`DOCKER_HOST=ssh://...`), in a
#   network namespace of its own on the LAN:
#
#   netns dmap-bed-ssh     eth0 10.200.0.22/24, sshd on port 22 (root, keys only)
#
#   Its files are in /tmp/dmap-bed/ssh: the host key, client keys, a known_hosts that knows the
#   host key, an ssh config using them (config) and a wrapper, bin/ssh, that runs ssh with that
#   config (ssh reads ~/.ssh/config from the passwd entry's home, not $HOME: put bin/ on PATH).
#   A session runs the command it is given, as root, with the environment authorized_keys gives
#   its key: id_engine2 gets DOCKER_HOST=unix:///tmp/dmap-bed/engine2/docker.sock (the remote
#   `docker` reaches engine2), id_nodocker a PATH without `docker`, id_nodaemon a DOCKER_HOST where
#   no Engine listens; id_stranger is not authorized.
#
#   Everything lives in /tmp/dmap-bed and in the namespaces and links named above; `down` removes
#   it all. Commands that change the bed take a lock on this file, so they never run at once.
#
# Needs: root; Linux with network, mount, PID and UTS namespaces, veth and bridge; ip (iproute2),
# unshare, nsenter, mount, umount, flock, setsid (util-linux), ps (procps), tini (or docker-init),
# dockerd with containerd and runc, the docker CLI, sshd, ssh and ssh-keygen (openssh-server,
# openssh-client); fuse-overlayfs when overlayfs does not mount on /tmp.
#
# Usage: tests/bed/engines.sh COMMAND
#   up            start engine2, the LAN and sshd (nothing to do when they run already)
#   swarm-up      up, then engine3, then the Swarm: engine2 manager, engine3 worker, both Ready
#   down          stop and remove everything of the bed (nothing to do when nothing is left)
#   status        say what runs
#   env           print the shell exports the tests read: eval "$(tests/bed/engines.sh env)"
#   load IMAGE... copy images from the main Engine into every running bed Engine
#   storage-driver  print the storage driver the Engines would get here
set -Eeuo pipefail
# a command failing where no check expects it: say where, rather than stop without a word
trap 'echo "engines.sh: error: line $LINENO: \"$BASH_COMMAND\" failed (status $?)" >&2' ERR

SELF=$(readlink -f "${BASH_SOURCE[0]}")
ME=tests/bed/engines.sh

NET=10.200.0
HOST_IP=$NET.1
SWARM_POOL=10.201.0.0/16
API_PORT=2375
STATE=/tmp/dmap-bed
LAN_NS=dmap-bed-lan
HOST_LINK=dmap-bed0
SSH_NS=dmap-bed-ssh
SSH_IP=$NET.22
SSH_DIR=$STATE/ssh
# The main Engine, whatever DOCKER_HOST says: `load` copies from it, the bed never changes it.
MAIN=unix:///var/run/docker.sock
unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH

say() { echo "engines.sh: $*" >&2; }
die() {
    echo "engines.sh: error: $*" >&2
    exit 1
}

# ------------------------------------------------------------------------------------------------
# Names of engine N (2 or 3)
# ------------------------------------------------------------------------------------------------

e_dir() { echo "$STATE/engine$1"; }
e_ns() { echo "dmap-bed-e$1"; }
e_ip() { echo "$NET.$1"; }
e_tcp() { echo "tcp://$NET.$1:$API_PORT"; }
e_sock() { echo "unix://$STATE/engine$1/docker.sock"; }
# the docker CLI aimed at engine N: `on` over its unix socket (root), `at` over TCP (anyone)
on() {
    local n=$1
    shift
    docker -H "$(e_sock "$n")" "$@"
}
at() {
    local n=$1
    shift
    docker -H "$(e_tcp "$n")" "$@"
}

# ------------------------------------------------------------------------------------------------
# Checks
# ------------------------------------------------------------------------------------------------

need_root() {
    [ "$(id -u)" -eq 0 ] || die "the bed needs root (namespaces, links, dockerd); run it as root or with sudo"
}

need_tools() {
    local tool missing=()
    for tool in ip unshare nsenter mount umount flock setsid timeout ps awk dockerd docker; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    TINI=$(command -v tini || command -v docker-init || true)
    [ -n "$TINI" ] || missing+=("tini (or docker-init)")
    [ ${#missing[@]} -eq 0 ] ||
        die "missing commands: ${missing[*]} (Debian: iproute2, util-linux, procps, tini, docker.io)"
}

# what ssh_up needs, besides need_tools' commands
need_ssh_tools() {
    local tool missing=()
    for tool in ssh ssh-keygen; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    SSHD=$(PATH=$PATH:/usr/sbin:/sbin command -v sshd || true)
    [ -n "$SSHD" ] || missing+=(sshd)
    [ ${#missing[@]} -eq 0 ] ||
        die "missing commands: ${missing[*]} (Debian: openssh-server, openssh-client)"
}

# One change at a time: the lock is on this script's own file, so nothing is left behind by it.
lock() {
    exec 9<"$SELF"
    flock -w 300 9 || die "another $ME has held the bed's lock for 5 minutes"
}

netns_exists() { [ -e "/run/netns/$1" ]; }

# IPv4 only: no link-local IPv6 address on link $2 of netns $1 ("" = the host's).
no_ipv6() {
    local knob=/proc/sys/net/ipv6/conf/$2/disable_ipv6
    if [ -z "$1" ]; then
        [ ! -e "$knob" ] || echo 1 >"$knob"
    else
        ip netns exec "$1" sh -c "[ ! -e $knob ] || echo 1 >$knob"
    fi
}

# The netns inode a process is in, or nothing.
proc_netns() { stat -L -c %i "/proc/$1/ns/net" 2>/dev/null || true; }
netns_inode() { stat -L -c %i "/run/netns/$1" 2>/dev/null || true; }

# ------------------------------------------------------------------------------------------------
# The LAN
# ------------------------------------------------------------------------------------------------

lan_up() {
    if ! ip link show "$HOST_LINK" >/dev/null 2>&1; then
        # 10.200.0.0/24 must be ours alone, or the tests would reach something else
        if ip -4 -o addr show | grep -q " inet $NET\."; then
            die "this host already has an address in $NET.0/24 (not on $HOST_LINK):" \
                "$(ip -4 -o addr show | grep " inet $NET\." | awk '{ print $2, $4 }' | tr '\n' ' ')"
        fi
        if ip -4 route show | grep -Eq "^$NET\.[0-9]+(/[0-9]+)? "; then
            die "this host already routes into $NET.0/24: $(ip -4 route show | grep -E "^$NET\.")"
        fi
    fi
    mkdir -p "$STATE"
    # `ip netns add` makes /run/netns; remember whether it was there, so down leaves it as it was
    [ -d /run/netns ] || : >"$STATE/made-run-netns"
    netns_exists "$LAN_NS" || ip netns add "$LAN_NS"
    ip -n "$LAN_NS" link set lo up
    ip -n "$LAN_NS" link show switch >/dev/null 2>&1 || ip -n "$LAN_NS" link add switch type bridge
    ip -n "$LAN_NS" link set switch up
    ip link show "$HOST_LINK" >/dev/null 2>&1 ||
        ip link add "$HOST_LINK" type veth peer name host netns "$LAN_NS"
    ip -n "$LAN_NS" link set host master switch up
    no_ipv6 "" "$HOST_LINK"
    ip addr replace "$HOST_IP/24" dev "$HOST_LINK"
    ip link set "$HOST_LINK" up
}

lan_down() {
    if ip link show "$HOST_LINK" >/dev/null 2>&1; then ip link del "$HOST_LINK"; fi
    if netns_exists "$LAN_NS"; then ip netns del "$LAN_NS"; fi
    if [ -e "$STATE/made-run-netns" ] && [ -d /run/netns ] && [ -z "$(ls -A /run/netns)" ]; then
        umount /run/netns 2>/dev/null || true
        rmdir /run/netns 2>/dev/null || true
    fi
    rm -f "$STATE/made-run-netns"
}

lan_is_up() { ip link show "$HOST_LINK" >/dev/null 2>&1 && netns_exists "$LAN_NS"; }

# ------------------------------------------------------------------------------------------------
# One Engine
# ------------------------------------------------------------------------------------------------

# The host PID of the Engine's tini, when it still runs in the Engine's netns.
e_init_pid() {
    local n=$1 pid want
    pid=$(cat "$(e_dir "$n")/init.pid" 2>/dev/null || true)
    [ -n "$pid" ] || return 0
    want=$(netns_inode "$(e_ns "$n")")
    [ -n "$want" ] && [ "$(proc_netns "$pid")" = "$want" ] && echo "$pid"
    return 0
}

# (an Engine that hangs must not hang us: it counts as not answering after 5 s)
e_answers() { timeout 5 docker -H "$(e_sock "$1")" version --format '{{.Server.Version}}' >/dev/null 2>&1; }
e_running() { [ -n "$(e_init_pid "$1")" ] && e_answers "$1"; }
# what env, status and load go by: whether engine N answers over TCP (needs no root)
e_reachable() { timeout 5 docker -H "$(e_tcp "$1")" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

choose_driver() {
    local dir=$1 probe
    if [ -n "${DMAP_BED_STORAGE_DRIVER:-}" ]; then
        echo "$DMAP_BED_STORAGE_DRIVER"
        return
    fi
    probe=$dir/overlay-probe
    mkdir -p "$probe/lower" "$probe/upper" "$probe/work" "$probe/merged"
    # in a throwaway mount namespace: the probe mount vanishes with it
    if unshare --mount --propagation private mount -t overlay overlay \
        -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" "$probe/merged" 2>/dev/null; then
        echo overlay2
    elif command -v fuse-overlayfs >/dev/null 2>&1; then
        echo fuse-overlayfs
    else
        echo vfs
    fi
    rm -rf "$probe"
}

# `engines.sh __init DIR HOSTNAME MAIN_DATA_ROOT`: PID 2 of a new Engine's PID namespace, under
# tini, in its fresh mount and UTS namespaces; prepares them, then becomes dockerd.
engine_init() {
    local dir=$1 name=$2 main_root=$3 mp
    echo "$name" >/proc/sys/kernel/hostname
    # Forget the copies of mounts this namespace should not hold: the main Engine's (its data root,
    # its fuse/overlay container roots, /run/docker, /run/containerd) and namespace files (nsfs).
    awk -v root="$main_root" '{
            for (i = 7; i <= NF; i++) if ($i == "-") { fstype = $(i + 1); break }
            mp = $5
            if (fstype == "nsfs" || fstype == "overlay" || fstype ~ /^fuse(\.|$)/ ||
                index(mp "/", root "/") == 1 || mp ~ /^\/run\/(docker|containerd)(\/|$)/)
                print mp
        }' /proc/self/mountinfo | sort -r | while read -r mp; do
        umount -l "$(printf '%b' "$mp")" 2>/dev/null || true
    done
    # sysfs as this netns sees it, with the host's cgroup tree kept on /sys/fs/cgroup
    mkdir -p "$dir/cgroup-aside"
    mount --rbind /sys/fs/cgroup "$dir/cgroup-aside"
    umount -l /sys
    mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
    mount --move "$dir/cgroup-aside" /sys/fs/cgroup
    rmdir "$dir/cgroup-aside"
    for mp in /run/docker /run/containerd; do
        mkdir -p "$mp"
        mount -t tmpfs -o mode=0700,size=16m "bed-$name" "$mp"
    done
    exec dockerd --config-file "$dir/daemon.json"
}

# Starts engine $1 (dir $2, netns $3, main data root $4) and waits until it answers on its
# socket; false when it exited while starting.
engine_launch() {
    local n=$1 dir=$2 ns=$3 main_root=$4 launcher init i
    (
        # The Engine outlives us: it keeps none of our descriptors (the lock, a caller's pipes)
        # and has a session of its own (no terminal's Ctrl-C reaches it).
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            [ "$fd" -le 2 ] || eval "exec $fd>&-"
        done
        exec setsid nsenter --net="/run/netns/$ns" -- \
            unshare --mount --propagation private --pid --uts --fork --mount-proc -- \
            "$TINI" -- "$SELF" __init "$dir" "engine$n" "${main_root:-/var/lib/docker}" \
            </dev/null >"$dir/dockerd.log" 2>&1
    ) &
    launcher=$!
    echo "$launcher" >"$dir/launcher.pid"
    init=
    for i in $(seq 1 240); do
        # tini is the launcher's only child (ps fails until it exists)
        [ -n "$init" ] || init=$(ps -o pid= --ppid "$launcher" 2>/dev/null | tr -d ' ' || true)
        [ -z "$init" ] || [ -e "$dir/init.pid" ] || echo "$init" >"$dir/init.pid"
        if [ -n "$init" ] && e_answers "$n"; then break; fi
        if ! kill -0 "$launcher" 2>/dev/null; then
            return 1
        fi
        sleep 0.25
    done
    return 0
}

engine_up() {
    local n=$1 dir ns ip driver main_root attempt started elapsed
    dir=$(e_dir "$n")
    ns=$(e_ns "$n")
    ip=$(e_ip "$n")
    if e_running "$n"; then
        say "engine$n runs already ($(e_tcp "$n"))"
        return 0
    fi
    if [ -n "$(e_init_pid "$n")" ]; then
        die "engine$n has processes but does not answer on $(e_sock "$n"); see $dir/dockerd.log, then run '$ME down'"
    fi
    if netns_exists "$ns" && [ -n "$(ip netns pids "$ns" 2>/dev/null)" ]; then
        die "netns $ns holds processes of an engine$n that is gone; run '$ME down'"
    fi
    started=$(date +%s%N)
    lan_up

    netns_exists "$ns" || ip netns add "$ns"
    ip -n "$ns" link set lo up
    if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
        ip -n "$LAN_NS" link del "e$n" 2>/dev/null || true
        ip link add "e$n" netns "$LAN_NS" type veth peer name eth0 netns "$ns"
    fi
    ip -n "$LAN_NS" link set "e$n" master switch up
    no_ipv6 "$ns" eth0
    ip -n "$ns" addr replace "$ip/24" dev eth0
    ip -n "$ns" link set eth0 up

    # Nothing of an earlier engine$n runs (checked above), but what it left may still be here: a
    # session that ends has its processes killed, and CI may then run on the same machine. Its
    # exec-root's containerd.pid can name a live process of the new PID namespace, and dockerd
    # then waits for a containerd it never starts ("containerd is still running", then "timeout
    # waiting for containerd to start"); its data holds a Swarm that is gone. The bed's Engines
    # start empty.
    if [ -d "$dir" ]; then
        no_mounts_under "$dir" || die "engine$n: something is still mounted under $dir; run '$ME down'"
        rm -rf "$dir"
    fi
    mkdir -p "$dir/data" "$dir/exec"
    driver=$(choose_driver "$dir")
    main_root=$(docker -H "$MAIN" info --format '{{.DockerRootDir}}' 2>/dev/null || true)
    cat >"$dir/daemon.json" <<EOF
{
  "data-root": "$dir/data",
  "exec-root": "$dir/exec",
  "pidfile": "$dir/docker.pid",
  "deprecated-key-path": "$dir/key.json",
  "hosts": ["unix://$dir/docker.sock", "tcp://$ip:$API_PORT"],
  "tls": false,
  "insecure-registries": ["$NET.0/24"],
  "storage-driver": "$driver",
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "cgroup-parent": "/dmap-bed-engine$n",
  "log-driver": "json-file",
  "log-opts": {"max-size": "10m", "max-file": "2"}
}
EOF
    # containerd sometimes misses dockerd's 15 s start-up deadline on a loaded machine (seen in
    # CI: "timeout waiting for containerd to start"); dockerd then exits, and a second start
    # comes up. Three tries, each log kept.
    for attempt in 1 2 3; do
        if engine_launch "$n" "$dir" "$ns" "$main_root"; then
            break
        fi
        mv -f "$dir/dockerd.log" "$dir/dockerd.log.$attempt" 2>/dev/null || true
        tail -n 20 "$dir/dockerd.log.$attempt" >&2 || true
        [ "$attempt" -lt 3 ] || die "engine$n exited while starting, three times (logs: $dir/dockerd.log.*)"
        say "engine$n exited while starting (log: $dir/dockerd.log.$attempt); starting it again"
        netns_empty_within "$ns" 40 || die "engine$n's processes outlive it in netns $ns; run '$ME down'"
        rm -rf "$dir/exec" "$dir/docker.sock" "$dir/docker.pid" "$dir/init.pid"
        mkdir -p "$dir/exec"
    done
    e_answers "$n" || die "engine$n did not answer on $(e_sock "$n") within 60 s (log: $dir/dockerd.log)"
    docker -H "$(e_tcp "$n")" version >/dev/null 2>&1 ||
        die "engine$n answers on its unix socket but not on $(e_tcp "$n") from the host"
    elapsed=$((($(date +%s%N) - started) / 1000000))
    say "engine$n up in $((elapsed / 1000)).$((elapsed % 1000 / 100)) s: $(e_tcp "$n"), storage driver $driver"
}

# True when nothing is mounted at or under directory $1 (in this mount namespace).
no_mounts_under() {
    ! awk -v d="$1" 'index($5 "/", d "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo
}

# Waits up to $2 quarter-seconds for netns $1 to hold no process; true when it is empty.
netns_empty_within() {
    local ns=$1 i
    for i in $(seq 1 "$2"); do
        [ -n "$(ip netns pids "$ns" 2>/dev/null)" ] || return 0
        sleep 0.25
    done
    [ -z "$(ip netns pids "$ns" 2>/dev/null)" ]
}

# The first half of stopping engine N, so that both Engines stop at once: its containers are
# killed (the bed's data is thrown away, their stop timeouts need not be waited out), then its
# tini gets SIGTERM, which it passes on to dockerd; dockerd stops containerd and exits, tini
# follows, and with it every process left in the Engine's PID namespace.
engine_signal() {
    local n=$1 ns init pid pids
    ns=$(e_ns "$n")
    init=$(e_init_pid "$n")
    if [ -z "$init" ] && netns_exists "$ns"; then
        # no usable init.pid (a start that went wrong): tini is the one named so in the netns
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            case $(cat "/proc/$pid/comm" 2>/dev/null || true) in tini | docker-init) init=$pid ;; esac
        done
    fi
    [ -n "$init" ] || return 0
    if e_answers "$n"; then
        pids=$(on "$n" ps -q 2>/dev/null || true)
        # shellcheck disable=SC2086
        [ -z "$pids" ] || on "$n" kill $pids >/dev/null 2>&1 || true
    fi
    kill -TERM "$init" 2>/dev/null || true
}

# The second half: waits for engine N's processes to end (SIGKILL after 20 s), then removes its
# netns, its port on the switch, its cgroups and its directory. (The launcher, unshare, is in
# the netns too, so an empty netns means it has ended as well.)
engine_down() {
    local n=$1 dir ns cg
    dir=$(e_dir "$n")
    ns=$(e_ns "$n")
    netns_exists "$ns" || [ -d "$dir" ] || return 0
    if netns_exists "$ns" && [ -n "$(ip netns pids "$ns" 2>/dev/null)" ]; then
        if ! netns_empty_within "$ns" 80; then
            say "engine$n: still running after 20 s; killing what is left in netns $ns"
            # shellcheck disable=SC2046
            kill -KILL $(ip netns pids "$ns") 2>/dev/null || true
            netns_empty_within "$ns" 40 || die "engine$n: processes still in netns $ns: $(ip netns pids "$ns" | tr '\n' ' ')"
        fi
    fi
    if netns_exists "$LAN_NS"; then ip -n "$LAN_NS" link del "e$n" 2>/dev/null || true; fi
    if netns_exists "$ns"; then ip netns del "$ns"; fi
    # the containers' cgroups are normally gone with them; remove only empty directories
    for cg in /sys/fs/cgroup/*/"dmap-bed-engine$n" /sys/fs/cgroup/"dmap-bed-engine$n"; do
        [ ! -d "$cg" ] || find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
    if [ -d "$dir" ]; then
        no_mounts_under "$dir" || die "engine$n: something is still mounted under $dir; not removing it"
        rm -rf "$dir"
    fi
    say "engine$n stopped and removed"
}

# ------------------------------------------------------------------------------------------------
# sshd: remote Engines over ssh
# ------------------------------------------------------------------------------------------------

# The PID of the bed's sshd (the listener), when it still runs in its netns.
ssh_pid() {
    local pid want
    pid=$(cat "$SSH_DIR/sshd.pid" 2>/dev/null || true)
    [ -n "$pid" ] || return 0
    want=$(netns_inode "$SSH_NS")
    [ -n "$want" ] && [ "$(proc_netns "$pid")" = "$want" ] &&
        [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = sshd ] && echo "$pid"
    return 0
}

# what env and status go by: whether an ssh server greets on port 22 (needs no root)
ssh_reachable() {
    timeout 2 bash -c "exec 3<>/dev/tcp/$SSH_IP/22 && head -c 4 <&3" 2>/dev/null | grep -q '^SSH-'
}
# whether a session reaches engine2 through it: ssh, the key, the remote docker, the Engine
ssh_answers() {
    timeout 10 "$SSH_DIR/bin/ssh" -o ConnectTimeout=5 "root@$SSH_IP" \
        docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

# Kills what runs in sshd's netns (the listener and its sessions): TERM, then KILL after 5 s.
ssh_stop() {
    local pids
    netns_exists "$SSH_NS" || return 0
    pids=$(ip netns pids "$SSH_NS" 2>/dev/null || true)
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    if ! netns_empty_within "$SSH_NS" 20; then
        # shellcheck disable=SC2046
        kill -KILL $(ip netns pids "$SSH_NS") 2>/dev/null || true
        netns_empty_within "$SSH_NS" 20 || die "sshd: processes still in netns $SSH_NS: $(ip netns pids "$SSH_NS" | tr '\n' ' ')"
    fi
}

# Writes sshd's configuration, its host key, the client keys and what a client needs.
ssh_files() {
    local key ssh
    rm -rf "$SSH_DIR"
    mkdir -p "$SSH_DIR/bin"
    chmod 700 "$SSH_DIR"
    ssh-keygen -q -t ed25519 -N '' -C dmap-bed-sshd -f "$SSH_DIR/host_key"
    for key in engine2 nodocker nodaemon stranger; do
        ssh-keygen -q -t ed25519 -N '' -C "dmap-bed-$key" -f "$SSH_DIR/id_$key"
    done
    # SHLVL=1: bash reads root's ~/.bashrc in a session sshd starts, unless the shell is nested;
    # that file is this machine's, and need not make every session slower or noisier.
    {
        echo "environment=\"SHLVL=1\",environment=\"DOCKER_HOST=$(e_sock 2)\" $(cat "$SSH_DIR/id_engine2.pub")"
        echo "environment=\"SHLVL=1\",environment=\"PATH=/nonexistent\" $(cat "$SSH_DIR/id_nodocker.pub")"
        echo "environment=\"SHLVL=1\",environment=\"DOCKER_HOST=unix://$SSH_DIR/no-engine.sock\" $(cat "$SSH_DIR/id_nodaemon.pub")"
    } >"$SSH_DIR/authorized_keys"
    # No StrictModes: the files are under /tmp, which is world-writable. The limits on parallel
    # sessions and unauthenticated connections are OpenSSH's defaults, as on a real host.
    cat >"$SSH_DIR/sshd_config" <<CONFIG
ListenAddress $SSH_IP:22
HostKey $SSH_DIR/host_key
PidFile $SSH_DIR/sshd.pid
AuthorizedKeysFile $SSH_DIR/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
AllowUsers root
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitUserEnvironment yes
X11Forwarding no
PrintMotd no
LogLevel VERBOSE
CONFIG
    echo "$SSH_IP $(cut -d' ' -f1,2 "$SSH_DIR/host_key.pub")" >"$SSH_DIR/known_hosts"
    cat >"$SSH_DIR/config" <<CONFIG
Host $SSH_IP
    IdentityFile $SSH_DIR/id_engine2
    IdentitiesOnly yes
    UserKnownHostsFile $SSH_DIR/known_hosts
    StrictHostKeyChecking yes
CONFIG
    ssh=$(command -v ssh)
    printf '#!/bin/sh\nexec %s -F %s "$@"\n' "$ssh" "$SSH_DIR/config" >"$SSH_DIR/bin/ssh"
    chmod 755 "$SSH_DIR/bin/ssh"
}

ssh_up() {
    local i
    if [ -n "$(ssh_pid)" ] && ssh_answers; then
        say "sshd runs already (ssh://root@$SSH_IP)"
        return 0
    fi
    # What an earlier sshd left (a session that ends has its processes killed; a stale pid file
    # names nothing or someone else) is replaced: files, keys and all.
    ssh_stop
    netns_exists "$SSH_NS" || ip netns add "$SSH_NS"
    ip -n "$SSH_NS" link set lo up
    if ! ip -n "$SSH_NS" link show eth0 >/dev/null 2>&1; then
        ip -n "$LAN_NS" link del es 2>/dev/null || true
        ip link add es netns "$LAN_NS" type veth peer name eth0 netns "$SSH_NS"
    fi
    ip -n "$LAN_NS" link set es master switch up
    no_ipv6 "$SSH_NS" eth0
    ip -n "$SSH_NS" addr replace "$SSH_IP/24" dev eth0
    ip -n "$SSH_NS" link set eth0 up
    ssh_files
    # sshd's privilege separation directory; down removes it when the bed made it
    if [ ! -d /run/sshd ]; then
        mkdir -p /run/sshd
        chmod 755 /run/sshd
        : >"$STATE/made-run-sshd"
    fi
    "$SSHD" -t -f "$SSH_DIR/sshd_config" || die "sshd refuses its configuration ($SSH_DIR/sshd_config)"
    (
        # as for an Engine: none of our descriptors, a session of its own; sshd detaches itself
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            [ "$fd" -le 2 ] || eval "exec $fd>&-"
        done
        exec setsid nsenter --net="/run/netns/$SSH_NS" -- \
            "$SSHD" -f "$SSH_DIR/sshd_config" -E "$SSH_DIR/sshd.log" </dev/null >/dev/null 2>&1
    )
    for i in $(seq 1 40); do
        if [ -n "$(ssh_pid)" ] && ssh_answers; then
            say "sshd up: ssh://root@$SSH_IP, whose docker reaches engine2 (keys: $SSH_DIR)"
            return 0
        fi
        sleep 0.25
    done
    die "sshd at $SSH_IP gives no session that reaches engine2 (log: $SSH_DIR/sshd.log; try: $SSH_DIR/bin/ssh root@$SSH_IP docker version)"
}

ssh_down() {
    ssh_stop
    if netns_exists "$LAN_NS"; then ip -n "$LAN_NS" link del es 2>/dev/null || true; fi
    if netns_exists "$SSH_NS"; then ip netns del "$SSH_NS"; fi
    rm -rf "$SSH_DIR"
    if [ -e "$STATE/made-run-sshd" ]; then
        rmdir /run/sshd 2>/dev/null || true
        rm -f "$STATE/made-run-sshd"
    fi
}

# ------------------------------------------------------------------------------------------------
# The Swarm
# ------------------------------------------------------------------------------------------------

swarm_state() { at "$1" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo unknown; }

swarm_up() {
    local token ready i node
    if [ "$(swarm_state 2)" != active ]; then
        on 2 swarm init --advertise-addr "$(e_ip 2)" --listen-addr "$(e_ip 2):2377" \
            --default-addr-pool "$SWARM_POOL" >/dev/null || die "docker swarm init on engine2 failed"
        say "engine2 is a Swarm manager"
    fi
    [ "$(on 2 info --format '{{.Swarm.ControlAvailable}}')" = true ] ||
        die "engine2 is in a Swarm but not a manager; run '$ME down' and start again"
    if [ "$(swarm_state 3)" != active ]; then
        token=$(on 2 swarm join-token -q worker) || die "cannot read the worker join token from engine2"
        on 3 swarm join --token "$token" --advertise-addr "$(e_ip 3)" --listen-addr "$(e_ip 3):2377" \
            "$(e_ip 2):2377" >/dev/null || die "engine3 could not join engine2's Swarm"
        say "engine3 joined as a worker"
    fi
    # a worker from an earlier engine3 stays listed as Down: forget it
    for node in $(on 2 node ls --format '{{.ID}} {{.Status}}' | awk '$2 == "Down" { print $1 }'); do
        on 2 node rm --force "$node" >/dev/null 2>&1 || true
    done
    ready=0
    for i in $(seq 1 120); do
        ready=$(on 2 node ls --format '{{.Status}}' | grep -c '^Ready$' || true)
        [ "$ready" -lt 2 ] || break
        sleep 0.25
    done
    [ "$ready" -ge 2 ] || die "the Swarm has $ready Ready nodes, not 2: $(on 2 node ls 2>&1)"
}

# ------------------------------------------------------------------------------------------------
# Commands
# ------------------------------------------------------------------------------------------------

print_env() {
    local n
    e_reachable 2 || die "engine2 does not answer on $(e_tcp 2); start the bed with '$ME swarm-up' (or '$ME up')"
    echo "export DMAP_BED_HOST_IP=$HOST_IP"
    for n in 2 3; do
        if e_reachable "$n"; then
            echo "export DMAP_ENGINE${n}_HOST=$(e_tcp "$n")"
            echo "export DMAP_ENGINE${n}_IP=$(e_ip "$n")"
        fi
    done
    if ssh_reachable; then
        echo "export DMAP_SSH_HOST=ssh://root@$SSH_IP"
        echo "export DMAP_SSH_DIR=$SSH_DIR"
    fi
}

print_status() {
    local n nodes
    if lan_is_up; then echo "lan: up, host $HOST_IP on $HOST_LINK"; else echo "lan: down"; fi
    for n in 2 3; do
        if e_reachable "$n"; then
            echo "engine$n: running, $(e_tcp "$n"), $(e_sock "$n")," \
                "storage driver $(at "$n" info --format '{{.Driver}}'), swarm $(swarm_state "$n")"
        elif [ -d "$(e_dir "$n")" ]; then
            echo "engine$n: does not answer on $(e_tcp "$n") (log: $(e_dir "$n")/dockerd.log; '$ME down' clears it)"
        else
            echo "engine$n: not running"
        fi
    done
    if ssh_reachable; then
        echo "sshd: running, ssh://root@$SSH_IP (keys and config: $SSH_DIR)"
    elif [ -d "$SSH_DIR" ]; then
        echo "sshd: does not answer on $SSH_IP:22 (log: $SSH_DIR/sshd.log; '$ME up' starts it again)"
    else
        echo "sshd: not running"
    fi
    if e_reachable 2 && [ "$(at 2 info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ]; then
        nodes=$(at 2 node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}' |
            awk '{ printf "%s%s %s%s", sep, $1, $2, ($3 == "" ? "" : " " $3); sep = ", " }')
        echo "swarm: $nodes"
    fi
}

load_images() {
    local n image want have any= missing=()
    [ $# -gt 0 ] || die "usage: $ME load IMAGE..."
    for image in "$@"; do
        docker -H "$MAIN" image inspect "$image" >/dev/null 2>&1 || missing+=("$image")
    done
    [ ${#missing[@]} -eq 0 ] || die "the main Engine lacks: ${missing[*]}"
    for n in 2 3; do
        e_reachable "$n" || continue
        any=1
        local wanted=()
        for image in "$@"; do
            want=$(docker -H "$MAIN" image inspect --format '{{.Id}}' "$image")
            have=$(at "$n" image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
            [ "$want" = "$have" ] || wanted+=("$image")
        done
        if [ ${#wanted[@]} -eq 0 ]; then
            say "engine$n has them all already"
            continue
        fi
        docker -H "$MAIN" save "${wanted[@]}" | at "$n" load -q >/dev/null ||
            die "copying ${wanted[*]} into engine$n failed"
        say "engine$n: loaded ${wanted[*]}"
    done
    [ -n "$any" ] || die "no bed Engine is running; start the bed with '$ME up'"
}

usage() {
    echo "usage: $ME up | swarm-up | down | status | env | load IMAGE... | storage-driver" >&2
    exit 2
}

cmd=${1:-}
[ $# -eq 0 ] || shift
case "$cmd" in
    __init) engine_init "$@" ;;
    up)
        need_root
        need_tools
        need_ssh_tools
        lock
        engine_up 2
        ssh_up
        ;;
    swarm-up)
        need_root
        need_tools
        need_ssh_tools
        lock
        engine_up 2
        ssh_up
        engine_up 3
        swarm_up
        say "Swarm up: manager engine2 ($(e_tcp 2)), worker engine3 ($(e_tcp 3)), both Ready"
        ;;
    down)
        need_root
        need_tools
        lock
        ssh_down
        engine_signal 3
        engine_signal 2
        engine_down 3
        engine_down 2
        lan_down
        rmdir "$STATE" 2>/dev/null || [ ! -e "$STATE" ] || die "$STATE holds files the bed did not expect: $(ls -A "$STATE" | tr '\n' ' ')"
        say "down: nothing of the bed is left"
        ;;
    status) print_status ;;
    storage-driver)
        need_root
        probe=$(mktemp -d /tmp/dmap-bed-probe.XXXXXX)
        choose_driver "$probe"
        rmdir "$probe"
        ;;
    env) print_env ;;
    load)
        need_tools
        lock
        load_images "$@"
        ;;
    -h | --help | help) sed -n '2,/^set -/p' "$SELF" | sed '$d; s/^# \{0,1\}//' ;;
    *) usage ;;
esac
