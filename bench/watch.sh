#!/usr/bin/env bash
# `dmap up --watch` side by side with `docker compose watch` (Compose v2.40.3) on one small
# Compose project, each tool under its own project name, directory and published port, on the
# same Engine. The project (generated under a temp dir, one copy per tool): an image built FROM
# scratch with the host's static busybox (COPY busybox, RUN busybox --install, COPY site /site),
# one service `web` serving /site with `httpd -f -p 80 -h /site` on a published port, and one
# `develop.watch` rule on ./site:
#
#   sync      action: sync, path: ./site, target: /site   (the file is copied into the container)
#   rebuild   action: rebuild, path: ./site               (the image is built, web recreated)
#
# Latency, per rule: both projects are brought up (untimed: `dmap up`, `compose up -d --build`),
# then both watches start (`dmap up --watch`, `compose watch --no-up`) and the bench waits until
# each says it watches (dmap: `  watching N files`, Compose: `Watch enabled`). Then ROUNDS rounds,
# the tools' order alternating: bench/watch.py writes a fresh token to site/index.html and asks
# the published port every 20 ms until the page holds it; the time from the file's close to that
# answer is recorded. After each answer the bench waits SETTLE seconds and checks that each watch
# acted exactly once per round (dmap: one ` changed → ` line, Compose: one `changes were
# detected` line): a missed change times out (60 s), a double rebuild is an error.
#
# Idle CPU: a project whose ./site holds FILES (10,000) small files in directories of 100, with
# the rebuild rule (both tools read the same compose file), plus a third watch, dmap on the same
# project without `develop:` (dmap then watches every file of the image's build context, which
# Compose can't). The three watches are started one after the other, each timed until it says
# it watches, left SETTLE seconds, then the CPU time of each process is read before and after
# the same IDLE_SECONDS (10) of nothing happening: the run time of all its threads from
# /proc/PID/task/*/schedstat (utime+stime in ns; /proc/PID/stat's 10 ms ticks are too coarse
# here), with its context switches per second (wake-ups), RSS and threads at the window's end.
# IDLE_ROUNDS (3) rounds, medians; a watch that acts while nothing changed is an error.
#
# Compose v2.40.3 is configured to build with Bake, which needs buildx (not installed here, and not
# installable offline): it warns and falls back to its internal builder; COMPOSE_BAKE=false asks
# for that builder directly. Both tools then build with the Engine's BuildKit (through its API).
# Images carry a label of this run (`dmap.bench.watch=PID`); everything is brought down, and the
# images (the rebuilt ones' leftovers too) removed, on exit, failures included. A watch is ended
# with SIGINT (Ctrl-C) and its exit status checked (dmap: 0; Compose: 130).
#
#   bench/watch.sh                                   # ROUNDS=5, FILES=10000
#   ROUNDS=3 RULES=sync DMAP_BIN=target/release/dmap bench/watch.sh
#   IDLE_ROUNDS=0 bench/watch.sh                     # latency only
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
ROUNDS=${ROUNDS:-5}
RULES=${RULES:-sync rebuild}
FILES=${FILES:-10000}
IDLE_ROUNDS=${IDLE_ROUNDS:-3}
IDLE_SECONDS=${IDLE_SECONDS:-10}
SETTLE=${SETTLE:-1.5}
P_DMAP=dmapwatch
P_V2=composev2watch
P_CTX=dmapwatchctx
PORT_DMAP=18281
PORT_V2=18282
PORT_CTX=18283
export COMPOSE_BAKE=false

# shellcheck source=bench/tools.sh
source "$here/tools.sh"
dmap=$(dmap_path)
compose_v2=$("$here/compose-v2.sh")
[[ -x /bin/busybox ]] || {
    echo "needs a static /bin/busybox (apt-get install busybox-static)" >&2
    exit 1
}
run=$$
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmap-watch.XXXXXX")
mkdir "$tmp/logs"
declare -A pid=()  # watch name -> process id
declare -A file=() # project name -> its compose file

d() { "$dmap" --progress quiet -p "$1" -f "${file[$1]}" "${@:2}"; }
c() { "$compose_v2" --progress quiet -p "$1" -f "${file[$1]}" "${@:2}"; }

# project NAME PORT ACTION|none NFILES: writes the project into $tmp/NAME.
project() {
    local name=$1 port=$2 action=$3 n=$4 dir=$tmp/$1
    mkdir -p "$dir/site"
    cp /bin/busybox "$dir/busybox"
    echo start >"$dir/site/index.html"
    cat >"$dir/Dockerfile" <<DOCKERFILE
FROM scratch
LABEL dmap.bench.watch=$run
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
COPY site /site
CMD ["httpd", "-f", "-p", "80", "-h", "/site"]
DOCKERFILE
    python3 - "$dir/site" "$n" <<'PY'
import os, sys
site, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(site, f"d{i // 100:03}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i % 100:02}.txt"), "w") as f:
        f.write(f"file {i}\n")
PY
    {
        echo "services:"
        echo "  web:"
        echo "    build: ."
        echo "    ports: [\"$port:80\"]"
        echo "    stop_signal: SIGKILL"
        if [[ $action != none ]]; then
            echo "    develop:"
            echo "      watch:"
            echo "        - action: $action"
            echo "          path: ./site"
            [[ $action != sync ]] || echo "          target: /site"
        fi
    } >"$dir/compose.yaml"
    file[$name]=$dir/compose.yaml
}

# up TOOL NAME: brings the project up (untimed).
up() {
    if [[ $1 == dmap ]]; then d "$2" up >/dev/null; else c "$2" up -d --build >/dev/null 2>&1; fi
}

down() {
    local name=$1
    [[ -n ${file[$name]:-} ]] || return 0
    if [[ $name == "$P_V2"* ]]; then
        c "$name" down -v --remove-orphans >/dev/null 2>&1 || true
    else
        d "$name" down --volumes >/dev/null 2>&1 || true
    fi
}

# start TOOL NAME: starts its watch in the background; prints the ms until it says it watches.
start() {
    local tool=$1 name=$2 log=$tmp/logs/$2.log ready begin
    begin=$(date +%s%N)
    if [[ $tool == dmap ]]; then
        "$dmap" --progress plain -p "$name" -f "${file[$name]}" up --watch >"$log" 2>&1 &
        ready='  watching '
    else
        "$compose_v2" -p "$name" -f "${file[$name]}" watch --no-up >"$log" 2>&1 &
        ready='Watch enabled'
    fi
    pid[$name]=$!
    local deadline=$((SECONDS + 120))
    until grep -qs "$ready" "$log"; do
        kill -0 "${pid[$name]}" 2>/dev/null || {
            echo "$tool: the watch of $name ended before it watched:" >&2
            cat "$log" >&2
            exit 1
        }
        ((SECONDS < deadline)) || {
            echo "$tool: the watch of $name did not start within 120 s:" >&2
            cat "$log" >&2
            exit 1
        }
        sleep 0.02
    done
    echo $((($(date +%s%N) - begin) / 1000000))
}

# stop NAME: Ctrl-C; checks the exit status (dmap 0, Compose 130).
stop() {
    local name=$1 p=${pid[$1]:-} status=0 want=0
    [[ -n $p ]] || return 0
    unset "pid[$name]"
    [[ $name != "$P_V2"* ]] || want=130
    kill -INT "$p" 2>/dev/null || return 0
    for _ in $(seq 100); do
        kill -0 "$p" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$p" 2>/dev/null; then
        echo "the watch of $name did not end 10 s after SIGINT: killed" >&2
        kill -KILL "$p" 2>/dev/null || true
    fi
    wait "$p" || status=$?
    [[ $status == "$want" ]] ||
        echo "the watch of $name ended with $status after SIGINT (expected $want)" >&2
}

cleanup() {
    local name
    for name in "${!pid[@]}"; do stop "$name"; done
    for name in "${!file[@]}"; do down "$name"; done
    docker image ls -q --filter "label=dmap.bench.watch=$run" | sort -u |
        xargs -r docker image rm -f >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# acted NAME: how many bursts of changes the watch has acted on.
acted() {
    local said=' changed → '
    [[ $1 != "$P_V2"* ]] || said='changes were detected'
    grep -c "$said" "$tmp/logs/$1.log" || true
}

# latency NAME PORT ROUND: one save, timed until served; appends the ms to $tmp/NAME.ms.
latency() {
    local name=$1 port=$2 round=$3 ms
    ms=$(python3 "$here/watch.py" "$tmp/$name/site/index.html" "http://127.0.0.1:$port/" \
        "token-$name-$round-$RANDOM") || {
        echo "$name: the change of round $round was not served:" >&2
        cat "$tmp/logs/$name.log" >&2
        exit 1
    }
    echo "$ms" >>"$tmp/$name.ms"
    sleep "$SETTLE"
    local n
    n=$(acted "$name")
    [[ $n == "$round" ]] || {
        echo "$name: $n bursts acted on after $round saves:" >&2
        cat "$tmp/logs/$name.log" >&2
        exit 1
    }
}

median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "load before: $(load)" >&2
declare -A result=()
for rule in $RULES; do
    [[ $rule == sync || $rule == rebuild ]] || {
        echo "RULES: sync and/or rebuild, not $rule" >&2
        exit 1
    }
    pd=$P_DMAP-$rule pv=$P_V2-$rule
    project "$pd" "$PORT_DMAP" "$rule" 0
    project "$pv" "$PORT_V2" "$rule" 0
    up dmap "$pd"
    up v2 "$pv"
    start dmap "$pd" >"$tmp/$pd.ready"
    start v2 "$pv" >"$tmp/$pv.ready"
    for ((round = 1; round <= ROUNDS; round++)); do
        echo "$rule: round $round/$ROUNDS" >&2
        if ((round % 2)); then
            latency "$pd" "$PORT_DMAP" "$round"
            latency "$pv" "$PORT_V2" "$round"
        else
            latency "$pv" "$PORT_V2" "$round"
            latency "$pd" "$PORT_DMAP" "$round"
        fi
    done
    stop "$pd"
    stop "$pv"
    down "$pd"
    down "$pv"
    result[$rule]="$(median "$tmp/$pd.ms") $(median "$tmp/$pv.ms")"
    result[$rule]+=" $(paste -sd, "$tmp/$pd.ms") $(paste -sd, "$tmp/$pv.ms")"
done

# cpu_ns PID: the time on a CPU of all the process's threads, in ns (/proc/PID/task/*/schedstat:
# utime+stime at ns precision; /proc/PID/stat counts 10 ms ticks, too coarse for an idle watch).
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ n += $1 } END { printf "%d", n }'; }
# wakeups PID: context switches of all its threads (each is a wake-up, or a preemption).
wakeups() {
    cat /proc/"$1"/task/*/status 2>/dev/null |
        awk '/^(non)?voluntary_ctxt_switches:/ { n += $2 } END { printf "%d", n }'
}
threads() { awk '/^Threads:/ { print $2 }' "/proc/$1/status"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

if ((IDLE_ROUNDS > 0)); then
    pd=$P_DMAP-idle pv=$P_V2-idle
    project "$pd" "$PORT_DMAP" rebuild "$FILES"
    project "$pv" "$PORT_V2" rebuild "$FILES"
    project "$P_CTX" "$PORT_CTX" none "$FILES"
    echo "idle: building the $FILES-file projects" >&2
    up dmap "$pd"
    up v2 "$pv"
    up dmap "$P_CTX"
    for ((round = 1; round <= IDLE_ROUNDS; round++)); do
        echo "idle: round $round/$IDLE_ROUNDS" >&2
        names=("$pd" "$pv" "$P_CTX")
        ((round % 2)) || names=("$pv" "$pd" "$P_CTX")
        for name in "${names[@]}"; do
            tool=dmap
            [[ $name != "$P_V2"* ]] || tool=v2
            start "$tool" "$name" >>"$tmp/$name.ready"
        done
        sleep "$SETTLE"
        declare -A cpu0=() woke0=()
        for name in "${names[@]}"; do
            cpu0[$name]=$(cpu_ns "${pid[$name]}")
            woke0[$name]=$(wakeups "${pid[$name]}")
        done
        sleep "$IDLE_SECONDS"
        for name in "${names[@]}"; do
            p=${pid[$name]}
            echo $((($(cpu_ns "$p") - cpu0[$name]) / 1000)) >>"$tmp/$name.cpu"
            echo $((($(wakeups "$p") - woke0[$name]) / IDLE_SECONDS)) >>"$tmp/$name.woke"
            rss_kb "$p" >>"$tmp/$name.rss"
            threads "$p" >>"$tmp/$name.threads"
            n=$(acted "$name")
            [[ $n == 0 ]] || {
                echo "$name: acted on $n bursts while nothing changed:" >&2
                cat "$tmp/logs/$name.log" >&2
                exit 1
            }
        done
        for name in "${names[@]}"; do stop "$name"; done
    done
fi
echo "load after: $(load)" >&2

printf '\nsave → served (median of %s; ms)    dmap       v2   dmap/v2   dmap runs / v2 runs\n' "$ROUNDS"
for rule in $RULES; do
    read -r dm v2 dmr v2r <<<"${result[$rule]}"
    printf '%-34s %8s %8s %9s   %s / %s\n' "$rule" "$dm" "$v2" "$(ratio "$dm" "$v2")" "$dmr" "$v2r"
done
for rule in $RULES; do
    printf '%-34s %8s %8s\n' "watch ready, $rule rule (ms)" \
        "$(cat "$tmp/$P_DMAP-$rule.ready")" "$(cat "$tmp/$P_V2-$rule.ready")"
done
if ((IDLE_ROUNDS > 0)); then
    printf '\nidle watch over %s files, median of %s   ready   CPU / %ss   wakeups/s   RSS  threads   CPU runs (ms)\n' \
        "$FILES" "$IDLE_ROUNDS" "$IDLE_SECONDS"
    for row in "dmap, rebuild rule:$P_DMAP-idle" "Compose v2, rebuild rule:$P_V2-idle" \
        "dmap, build context (no rule):$P_CTX"; do
        name=${row#*:}
        printf '%-38s %5s ms %7s ms %11s %3s MB %8s   %s\n' "${row%%:*}" \
            "$(median "$tmp/$name.ready")" \
            "$(awk '{ printf "%.1f", $1 / 1000 }' <<<"$(median "$tmp/$name.cpu")")" \
            "$(median "$tmp/$name.woke")" \
            "$(awk '{ printf "%.0f", $1 / 1024 }' <<<"$(median "$tmp/$name.rss")")" \
            "$(median "$tmp/$name.threads")" \
            "$(awk '{ printf "%s%.1f", (NR > 1 ? "," : ""), $1 / 1000 }' "$tmp/$name.cpu")"
    done
    for name in "$P_DMAP-idle" "$P_CTX"; do
        echo "$name: $(grep -m1 '  watching ' "$tmp/logs/$name.log" | sed 's/^ *//')"
    done
fi
