# Sourced by the side-by-side benches (stack20.sh, teardown.sh): the tools they compare.
# Needs $root (the checkout) and $here (bench/).

# docker-compose 1.29 from the PATH, for TOOLS with v1.
compose_v1_path() {
    local found
    found=$(command -v docker-compose || true)
    [[ -n $found && $("$found" version --short 2>/dev/null) == 1.* ]] || {
        echo "needs docker-compose 1.29 on the PATH for v1 (or TOOLS without v1)" >&2
        exit 1
    }
    echo "$found"
}

# The dmap to measure: $DMAP_BIN, or this checkout's release build.
dmap_path() {
    if [[ -n ${DMAP_BIN:-} ]]; then
        echo "$DMAP_BIN"
    else
        echo "building release binary..." >&2
        (cd "$root" && cargo build --release --quiet)
        echo "$root/target/release/dmap"
    fi
}
