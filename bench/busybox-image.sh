#!/usr/bin/env bash
# Builds the benchmarks' image from the host's static busybox (Debian's busybox-static): FROM
# scratch, busybox and its applet links, /tmp, /etc/passwd and /etc/group with root.
# Usage: bench/busybox-image.sh [TAG]   (default dmap-bench/busybox:latest)
set -euo pipefail
tag=${1:-dmap-bench/busybox:latest}
busybox=/bin/busybox
linkage=$(LC_ALL=C ldd "$busybox" 2>&1 || true)
if [[ ! -x $busybox || ! $linkage =~ (not a dynamic executable|statically linked) ]]; then
    echo "needs a static $busybox (apt-get install busybox-static)" >&2
    exit 1
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$busybox" "$dir/busybox"
cat >"$dir/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && mkdir -p /tmp /etc /root && chmod 1777 /tmp && echo root:x:0:0:root:/root:/bin/sh >/etc/passwd && echo root:x:0: >/etc/group"]
CMD ["sh"]
DOCKERFILE
docker build -q -t "$tag" "$dir" >/dev/null
echo "$tag"
