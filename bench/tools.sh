# Sourced by the benches: the tools they compare, and the test bed they use.
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

# The test bed's engine2 ($E2) with the tests' busybox image loaded ($IMAGE), for the benches
# that use a second Engine; exits when it does not answer or the image was never built.
bed_engine2() {
    E2=${DMAP_ENGINE2_HOST:-tcp://10.200.0.2:2375}
    docker -H "$E2" version >/dev/null 2>&1 || { echo "engine2 ($E2) does not answer: tests/bed/engines.sh up" >&2; exit 1; }
    IMAGE=$(docker images --format '{{.Repository}}:{{.Tag}}' | grep -m1 '^dmap-test/busybox:' || true)
    [ -n "$IMAGE" ] || { echo "no dmap-test/busybox image: run cargo test once" >&2; exit 1; }
    "$root/tests/bed/engines.sh" load "$IMAGE" >/dev/null 2>&1 || true
}
