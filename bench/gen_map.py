#!/usr/bin/env python3
"""Generate a realistic docker-map YAML map with N container instances (for bench/show.sh).

Usage: gen_map.py N OUT.yaml [--seed S] [--layers L]

Shape of the map (deterministic for a given N and seed):
  * a few abstract templates (`abstract: true`) that most configs `extends`;
  * concrete configs spread over L dependency layers (default 10); most have 2-5 instances,
    about one in five has none (a single default instance);
  * about a third join the map network `backend`, the rest stay on the default bridge;
  * every config of layer k > 0 links to 1-3 configs/instances of layer k-1 on the same network
    (`cfg.inst` when the target has instances, `cfg` otherwise) - an acyclic graph;
  * every config attaches 1-2 volumes (alias names unique per map, each with a `volumes:` path);
    about a third `uses:` 1-2 attached aliases of layer k-1;
  * about a fifth bind a `host:` alias (read-only), with per-instance or shared host paths;
  * single-instance configs sometimes publish a port; every host port in the map is unique;
  * `create_options` with an environment and a command, some `user`/`permissions`,
    `exec_commands`, `healthcheck`, `image` with tags, and one map network `backend`.
Only the standard library is used; output is written by hand (block-style YAML,
JSON-quoted scalars where needed).
"""

import argparse
import json
import random
import sys


def q(s):
    """A YAML scalar: JSON string syntax is valid YAML."""
    return json.dumps(s)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="total number of container instances")
    ap.add_argument("out", help="output YAML file ('-' for stdout)")
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--layers", type=int, default=10)
    a = ap.parse_args()
    if a.n < 1:
        sys.exit("N must be >= 1")
    text = generate(a.n, a.seed, a.layers)
    if a.out == "-":
        sys.stdout.write(text)
    else:
        with open(a.out, "w") as f:
            f.write(text)


TEMPLATES = {
    "base_web": {"user": "www-data", "env": {"LOG_LEVEL": "info", "HTTP_TIMEOUT": "30"}},
    "base_worker": {"user": 2000, "env": {"LOG_LEVEL": "warn", "QUEUE_PREFETCH": "8"}},
    "base_db": {"user": "postgres", "env": {"PGDATA": "/var/lib/postgresql/data"}},
}
IMAGES = ["nginx", "app", "worker", "redis", "postgres", "celery", "api", "cron", "metrics", "proxy"]
ROLES = ["web", "api", "worker", "db", "cache", "queue", "cron", "proxy", "metrics", "auth"]


def generate(n, seed, layers):
    rng = random.Random(seed * 1000003 + n)

    # 1. Configs and their instance lists, until exactly n instances.
    configs = []  # dicts: name, instances (list), layer, ...
    remaining = n
    idx = 0
    while remaining > 0:
        if remaining == 1 or rng.random() < 0.2:
            k = 0
        else:
            k = min(rng.randint(2, 5), remaining)
            if k == 1:
                k = 0
        role = ROLES[idx % len(ROLES)]
        name = f"{role}{idx:05d}"
        configs.append({"name": name, "instances": [f"i{j + 1}" for j in range(k)]})
        remaining -= max(k, 1)
        idx += 1
    nconf = len(configs)
    layers = max(1, min(layers, nconf))
    by_layer = [[] for _ in range(layers)]
    for i, c in enumerate(configs):
        c["layer"] = i * layers // nconf
        by_layer[c["layer"]].append(c)

    # 2. Attached volumes (unique aliases), host aliases, ports.
    volumes = {}  # alias -> container path
    host = {}  # alias -> str | {inst: path}
    n_host = max(4, nconf // 25)
    host_aliases = [f"conf{h:04d}" for h in range(n_host)]
    for h in host_aliases:
        volumes[h] = f"/etc/bench/{h}"
    next_port = 10000
    for c in configs:
        c["attaches"] = []
        for j in range(rng.choice([1, 1, 2])):
            alias = f"{c['name']}_vol{j}"
            c["attaches"].append(alias)
            volumes[alias] = f"/srv/{c['name']}/vol{j}"

    for c in configs:
        layer = c["layer"]
        prev = by_layer[layer - 1] if layer > 0 else []
        c["network"] = rng.random() < 0.3
        # links, to containers on the same network (the Engine links only within a network)
        links = []
        peers = [t for t in prev if t["network"] == c["network"]]
        if peers:
            for t in rng.sample(peers, min(len(peers), rng.randint(1, 3))):
                links.append(f"{t['name']}.{rng.choice(t['instances'])}" if t["instances"] else t["name"])
        c["links"] = links
        # uses of attached aliases of the previous layer
        uses = []
        if prev and rng.random() < 0.35:
            for t in rng.sample(prev, min(len(prev), rng.randint(1, 2))):
                uses.append(rng.choice(t["attaches"]))
        c["uses"] = uses
        # binds via host aliases
        binds = []
        if rng.random() < 0.2:
            binds = rng.sample(host_aliases, rng.randint(1, 2))
        c["binds"] = binds
        # exposed ports: host ports only on single-instance configs, each unique
        exposes = []
        if not c["instances"] and rng.random() < 0.3:
            exposes.append((8080, next_port))
            next_port += 1
            if rng.random() < 0.3:
                exposes.append((8443, next_port))
                next_port += 1
        elif rng.random() < 0.15:
            exposes.append(("9100", None))  # exposed only, not published
        c["exposes"] = exposes
        c["extends"] = rng.choice([None, "base_web", "base_worker", "base_db", "base_worker"])
        c["image"] = rng.choice(IMAGES) + (f":1.{rng.randint(0, 20)}" if rng.random() < 0.5 else "")
        c["env"] = {f"VAR_{e}": f"value-{rng.randint(0, 99999)}" for e in range(rng.randint(1, 4))}
        c["env"]["SERVICE_NAME"] = c["name"]
        c["command"] = rng.choice(["serve --port 8080", "run-worker -c 4", "", "start.sh"]) or None
        c["permissions"] = "u=rwX,g=rX,o=" if rng.random() < 0.2 else None
        c["exec"] = rng.random() < 0.1
        c["healthcheck"] = rng.random() < 0.15

    # host paths for bound aliases: shared, or per instance with a default
    for h in host_aliases:
        if rng.random() < 0.5:
            host[h] = f"config/{h}"
        else:
            host[h] = {"default": f"config/{h}/default", "i1": f"config/{h}/i1", "i2": f"/srv/host/{h}/i2"}

    # 3. Write.
    out = []
    w = out.append
    w(f"# generated by bench/gen_map.py {n} (seed {seed}): {nconf} configs, {n} instances, {layers} layers")
    w("repository: registry.example.com")
    w("host_root: /var/lib/bench")
    w("default_tag: stable")
    for tname, t in TEMPLATES.items():
        w(f"{tname}:")
        w("  abstract: true")
        w(f"  user: {q(t['user']) if isinstance(t['user'], str) else t['user']}")
        w("  create_options:")
        w("    environment:")
        for k, v in t["env"].items():
            w(f"      {k}: {q(v)}")
    for c in configs:
        w(f"{c['name']}:")
        if c["extends"]:
            w(f"  extends: {c['extends']}")
        w(f"  image: {q(c['image'])}")
        if c["instances"]:
            w("  instances: [" + ", ".join(c["instances"]) + "]")
        if c["links"]:
            w("  links: [" + ", ".join(c["links"]) + "]")
        w("  attaches:")
        for al in c["attaches"]:
            w(f"  - {al}")
        if c["uses"]:
            w("  uses: [" + ", ".join(c["uses"]) + "]")
        if c["binds"]:
            w("  binds:")
            for b in c["binds"]:
                w(f"  - {b}: ro")
        if c["exposes"]:
            w("  exposes:")
            for cp, hp in c["exposes"]:
                if hp is None:
                    w(f"  - {q(cp)}")
                else:
                    w(f"  - [{cp}, {hp}]")
        if c["network"]:
            w("  networks: [backend]")
        if c["permissions"]:
            w(f"  permissions: {q(c['permissions'])}")
        if c["exec"]:
            w("  exec_commands:")
            w("  - [['/bin/sh', '-c', 'migrate.sh'], root]")
        if c["healthcheck"]:
            w("  healthcheck: [['curl', '-f', 'http://localhost:8080/health'], '30s', '5s', 3]")
        w("  create_options:")
        w("    environment:")
        for k, v in c["env"].items():
            w(f"      {k}: {q(v)}")
        if c["command"]:
            w(f"    command: {q(c['command'])}")
    w("volumes:")
    for al, p in volumes.items():
        w(f"  {al}: {p}")
    w("networks:")
    w("  backend:")
    w("    driver: bridge")
    w("host:")
    for h, p in host.items():
        if isinstance(p, str):
            w(f"  {h}: {p}")
        else:
            w(f"  {h}:")
            for k, v in p.items():
                w(f"    {k}: {v}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
