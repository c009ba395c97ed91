//! Reference scenarios from docker-map (its test fixtures and documented behaviour: extends and
//! merge rules, image names, dependency order, integrity checks; docs/yaml.md says how dmap
//! reads them), run against dmap's public model API. Where docker-map had a bug, the test asserts
//! dmap's corrected behaviour (docs/yaml.md, "Where dmap differs from docker-map").

use std::net::IpAddr;

use dmap::model::graph::{Graph, Item};
use dmap::model::link::Link;
use dmap::model::port::{Port, PortBinding, Protocol};
use dmap::model::target::expand;
use dmap::model::volume_ref::Bind;
use dmap::model::{check, check_maps, Checked, ContainerMap, Value};
use dmap::yaml::load_map;

// ---------------------------------------------------------------------------------------------
// Fixtures (Appendix B, verbatim)
// ---------------------------------------------------------------------------------------------

const MAP_DATA_1: &str = r#"
repository: registry.example.com
default_tag: custom
host_root: /var/lib/site
web_server:
  image: nginx:latest
  binds:
    /etc/nginx: [config/nginx, ro]
  uses: app_server_socket
  attaches: web_log
  links: [app_server.instance1, app_server.instance2]
  exposes: {80: 80, 443: 443}
  stop_timeout: 5
app_server:
  image: app
  instances: [instance1, instance2]
  exposes: [8880]
  binds:
  - {app_config: ro}
  - app_data
  attaches: [app_log, app_server_socket]
  user: 2000
  permissions: u=rwX,g=rX,o=
app_extra: {network_mode: app_server.instance1}
volumes: {web_log: /var/log/nginx, app_server_socket: /var/lib/app/socket, app_config: /var/lib/app/config,
  app_log: /var/lib/app/log, app_data: /var/lib/app/data}
host:
  app_config: {instance1: config/app1, instance2: config/app2}
  app_data: {instance1: data/app1, instance2: data/app2}
"#;

const MAP_DATA_1_NEW: &str = r#"
repository: registry.example.com
default_tag: custom
host_root: /var/lib/site
web_server:
  image: nginx:latest
  binds:
    /etc/nginx: [config/nginx, ro]
  uses:
  - [app_server_socket, /var/lib/app/custom/socket]
  attaches:
  - [web_log, /var/log/nginx]
  networks:
    bridge: null
    app:
      links:
      - [app_server.instance1, i1]
      - [app_server.instance2, i2]
  exposes: {80: 80, 443: 443}
  stop_timeout: 5
app_server:
  image: app
  instances: [instance1, instance2]
  exposes: [8880]
  binds:
  - {app_config: ro}
  - app_data
  networks: app
  attaches:
  - app_log
  - [app_server_socket, /var/lib/app/socket]
  user: 2000
  permissions: u=rwX,g=rX,o=
  stop_signal: SIGTERM
  stop_timeout: 10
  healthcheck:
    test: [curl, 'http://localhost/']
    interval: 1m
    timeout: 1000ms
    retries: 3
    start_period: 5s
app_extra: {networks: app}
networks: {app: null}
volumes: {app_config: /var/lib/app/config, app_log: /var/lib/app/log, app_data: /var/lib/app/data}
host:
  app_config: {instance1: config/app1, instance2: config/app2}
  app_data: {instance1: data/app1, instance2: data/app2}
"#;

const MAP_DATA_2: &str = r#"
repository: registry.example.com
host_root: /var/lib/site
containers:
  svc: {}
  svc2: {}
  sub_svc: {links: sub_sub_svc}
  sub_sub_svc: {}
  net_sub_svc: {}
  net_svc:
    networks:
    - - app_net1
      - {links: net_sub_svc}
  abstract_config:
    abstract: true
    image: server
    binds: {app_config: ro}
    links:
    - [svc, svc_alias1]
    uses: redis.redis_socket
    attaches: app_log
    user: app_user
    permissions: u=rwX,g=rX,o=
  server:
    extends: abstract_config
    binds: {app_data: rw}
    links:
    - [svc, svc_alias2]
    attaches: server_log
    user: server_user
    exposes:
      8443: [8443, private]
    create_options: {mem_limit: 1g, cpu_shares: 15}
    host_config:
      restart_policy: {MaximumRetryCount: 3, Name: always}
  server2:
    extends: server
    links: [svc2]
  server3:
    networks:
    - app_net1
    - [app_net2, server_x]
  abstract_worker:
    abstract: true
    extends: abstract_config
    binds: {app_data: rw}
    create_options: {entrypoint: celery}
    host_config:
      restart_policy: {MaximumRetryCount: 0, Name: always}
  worker:
    extends: abstract_worker
    create_options: {mem_limit: 2g, cpu_shares: 10, command: 'worker -A MyApp -Q queue1,queue2'}
  worker_q2:
    extends: abstract_worker
    create_options: {mem_limit: 1g, cpu_shares: 30, command: worker -A MyApp -Q queue2}
  redis:
    image: redis
    instances: [queue, cache]
    binds:
      /etc/redis: [redis/config, ro]
      /var/lib/redis: redis/data
    links: sub_svc
    attaches:
    - redis_socket
    - [redis_log, /var/log/redis]
    user: redis
    permissions: u=rwX,g=rX,o=
    host_config:
      restart_policy: {MaximumRetryCount: 0, Name: always}
  persistent_one: {persistent: true}
volumes: {redis_socket: /var/run/redis, server_log: /var/lib/server/log, app_data: /var/lib/app/data,
  app_config: /var/lib/app/config, app_log: /var/lib/app/log}
host: {app_data: app/data, app_config: app/config}
networks:
  app_net1: {driver: bridge}
  app_net2: null
groups:
  group1: [server, worker, worker_q2]
"#;

const MAP_DATA_3: &str = r#"
repository: registry.example.com
host_root: /var/lib/site
containers:
  abstract_config:
    abstract: true
    image: server
    binds:
      /var/lib/web/config: [web/config, ro]
    attaches: web_log
    permissions: u=rwX,g=rX,o=
  server: {extends: abstract_config}
volumes: {web_log: /var/lib/web/log}
"#;

/// The map of docker-map's `tests/test_dependency_resolution.py` (§7.2 item 11); it is only valid
/// with integrity checks off (`a` uses `c` and `d` uses `e`, which share no volumes).
const DEPENDENCY_MAP: &str = r#"
a: {uses: [b, c]}
b: {uses: [dv, f], links: e.1}
c: {}
d: {uses: e, instances: [1, 2], attaches: dv}
e: {instances: [1, 2]}
f: {}
l: {links: e.1}
x: {uses: [b, f]}
"#;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn no_env(_: &str) -> Option<String> {
    None
}

/// Loads YAML text as map `name` (no integrity checks).
fn load(name: &str, yaml: &str) -> ContainerMap {
    load_map(&format!("{name}.yaml"), yaml, Some(name), &no_env)
        .unwrap_or_else(|p| panic!("map `{name}` does not load: {p:?}\n{yaml}"))
}

/// MAP_DATA_2 as map `main`, with or without `use_attached_parent_name`.
fn map_data_2(parent_name: bool) -> ContainerMap {
    load(
        "main",
        &format!("use_attached_parent_name: {parent_name}\n{MAP_DATA_2}"),
    )
}

/// The messages of every integrity problem of a single map (empty when it passes).
fn problems_of(map: &ContainerMap) -> Vec<String> {
    match check(map) {
        Ok(_) => Vec::new(),
        Err(problems) => problems.into_iter().map(|p| p.message).collect(),
    }
}

fn problems(yaml: &str) -> Vec<String> {
    problems_of(&load("t", yaml))
}

fn extended(map: &ContainerMap) -> dmap::model::container_map::Configs<'_> {
    map.extended()
        .unwrap_or_else(|p| panic!("map `{}` does not extend: {p:?}", map.name))
}

/// The dependency graph without integrity checks (docker-map's `check_integrity=False`).
fn graph_unchecked(map: &ContainerMap) -> Graph {
    Graph::build(map, &extended(map)).unwrap_or_else(|p| panic!("graph of `{}`: {p:?}", map.name))
}

fn c(reference: &str) -> Item {
    match reference.split_once('.') {
        Some((cfg, inst)) => Item::container(cfg, Some(inst)),
        None => Item::container(reference, None),
    }
}

fn shown<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> Vec<String> {
    items.into_iter().map(|i| i.to_string()).collect()
}

fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|i| name(i).to_string()).collect()
}

fn alias_bind(name: &str, readonly: bool) -> Bind {
    Bind::Alias {
        name: name.into(),
        readonly,
    }
}

fn path_bind(path: &str, host_path: &str, readonly: bool) -> Bind {
    Bind::Path {
        path: path.into(),
        host_path: host_path.into(),
        readonly,
    }
}

fn link(container: &str, alias: Option<&str>) -> Link {
    Link {
        container: container.into(),
        alias: alias.map(Into::into),
    }
}

fn tcp(number: u16) -> Port {
    Port {
        number,
        protocol: Protocol::Tcp,
    }
}

fn binding(port: u16, host: Option<u16>, interface: Option<&str>) -> PortBinding {
    PortBinding {
        exposed_port: tcp(port),
        host_port: host,
        interface: interface.map(Into::into),
        ipv6: false,
    }
}

fn s(text: &str) -> Value {
    Value::str(text)
}

/// Expands targets and shows them as `MAP/CONFIG[.INSTANCE]`.
fn targets(requested: &[&str], maps: &[Checked]) -> Result<Vec<String>, String> {
    let requested: Vec<String> = requested.iter().map(|t| t.to_string()).collect();
    expand(&requested, maps).map(|ids| {
        ids.iter()
            .map(|id| format!("{}/{id}", maps[id.map].map.name))
            .collect()
    })
}

// ---------------------------------------------------------------------------------------------
// §7.2 item 5: targets, in the spec's grammar
// ---------------------------------------------------------------------------------------------

/// docker-map's maps m and n. docker-map requested "instance i" of configs that declare no
/// instances (`n.e`); in dmap an instance a config does not declare is an error, so `e` declares
/// `[i, j]` here. `base` is an abstract config added for the error case.
const TARGET_MAP_M: &str = r#"
c: {instances: [i]}
d: {instances: [i]}
base: {abstract: true}
groups: {default: [c.i, d.i]}
"#;
const TARGET_MAP_N: &str = r#"
e: {instances: [i, j]}
networks: {nn1: {}}
groups: {default: [e]}
"#;

#[test]
fn targets_in_spec_grammar() {
    let (m, n) = (load("m", TARGET_MAP_M), load("n", TARGET_MAP_N));
    let checked = check_maps(&[&m, &n], None).expect("maps m and n are valid");
    let all4 = ["m/c.i", "m/d.i", "n/e.i", "n/e.j"];
    let cases: &[(&[&str], &[&str])] = &[
        // docker-map 'm.c' → (m, c, i)
        (&["m/c"], &["m/c.i"]),
        // without a prefix, the first map is meant
        (&["c"], &["m/c.i"]),
        (&["c.i"], &["m/c.i"]),
        // docker-map ['m.c.', 'd', ('n', 'e', ['i', 'j'])] with default map m and instance i
        (&["m/c.i", "d.i", "n/e.i", "n/e.j"], &all4),
        // docker-map ['m.default', 'n.default', 'n.e.j'] with instance i; `n/default` means every
        // instance of e, so `n/e.j` adds nothing new (each target once, first position kept)
        (&["m/default", "n/default", "n/e.j"], &all4),
        (&["default"], &["m/c.i", "m/d.i"]),
        (&["n/e"], &["n/e.i", "n/e.j"]),
        (&["n/e.j", "n/e"], &["n/e.j", "n/e.i"]),
        // `__all__` without a prefix is the first map; abstract configs are never targets
        (&["__all__"], &["m/c.i", "m/d.i"]),
        (&["n/__all__"], &["n/e.i", "n/e.j"]),
        (&["__all__/__all__"], &all4),
        // `__all__/X`: X in every map that has it
        (&["__all__/e"], &["n/e.i", "n/e.j"]),
        (&["__all__/default"], &all4),
    ];
    for (requested, expected) in cases {
        assert_eq!(
            targets(requested, &checked),
            Ok(expected.iter().map(|e| e.to_string()).collect()),
            "targets {requested:?}"
        );
    }
}

#[test]
fn targets_all_of_a_map_and_one_config_everywhere() {
    // docker-map: 'm.__all__' with m = {c1, c2, c3} → all three; '__all__.c1' → c1 in every map.
    let p = load("p", "c1: {}\nc2: {}\nc3: {}\n");
    let q = load("q", "c1: {}\nx: {}\n");
    let r = load("r", "y: {}\n");
    let checked = check_maps(&[&p, &q, &r], None).expect("valid maps");
    let cases: &[(&[&str], &[&str])] = &[
        (&["p/__all__"], &["p/c1", "p/c2", "p/c3"]),
        (&["__all__/c1"], &["p/c1", "q/c1"]),
        (&["__all__/y"], &["r/y"]),
        (&["q/__all__", "__all__/c1"], &["q/c1", "q/x", "p/c1"]),
    ];
    for (requested, expected) in cases {
        assert_eq!(
            targets(requested, &checked),
            Ok(expected.iter().map(|e| e.to_string()).collect()),
            "targets {requested:?}"
        );
    }
}

#[test]
fn target_errors_name_the_offender() {
    let (m, n) = (load("m", TARGET_MAP_M), load("n", TARGET_MAP_N));
    let checked = check_maps(&[&m, &n], None).expect("maps m and n are valid");
    // (target, phrases the error must contain)
    let cases: &[(&str, &[&str])] = &[
        ("zz", &["`zz`"]),                        // unknown config
        ("n/c", &["`c`"]),                        // config of another map
        ("other/c", &["unknown map", "`other`"]), // unknown map
        ("c.k", &["instance", "`k`"]),            // unknown instance
        ("n/e.k", &["instance", "`k`"]),          // undeclared instance (docker-map allowed it)
        ("base", &["abstract", "`base`"]),        // abstract config
        ("m/base.i", &["`base`"]),                // abstract config with an instance
        ("default.i", &["group", "`default`"]),   // a group takes no instance
        ("n/default.i", &["group", "`default`"]),
        ("__all__/zz", &["`zz`"]), // in no map
    ];
    for (target, phrases) in cases {
        match targets(&[target], &checked) {
            Ok(ids) => panic!("target `{target}` should fail, gave {ids:?}"),
            Err(e) => {
                for phrase in *phrases {
                    assert!(
                        e.contains(phrase),
                        "target `{target}`: error `{e}` lacks `{phrase}`"
                    );
                }
            }
        }
    }
    // One bad target spoils the whole request.
    assert!(targets(&["c", "zz"], &checked).is_err());
}

// ---------------------------------------------------------------------------------------------
// §7.2 item 6 / §2.4: image names through maps
// ---------------------------------------------------------------------------------------------

#[test]
fn image_names_through_maps() {
    // (repository, default_tag, image, expected) for config `app-server` (the docs table)
    let repo = Some("registry.example.com");
    type Case<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, &'a str);
    let cases: &[Case] = &[
        (None, None, None, "app-server:latest"),
        (None, None, Some("image1"), "image1:latest"),
        (repo, None, None, "registry.example.com/app-server:latest"),
        (repo, None, Some("image1"), "registry.example.com/image1:latest"),
        (None, Some("devel"), None, "app-server:devel"),
        (None, Some("devel"), Some("image1"), "image1:devel"),
        (repo, Some("devel"), Some("/image1"), "image1:devel"),
        (
            repo,
            Some("devel"),
            Some("image1:one"),
            "registry.example.com/image1:one",
        ),
        (repo, Some("devel"), Some("/image1:two"), "image1:two"),
        (repo, Some("devel"), None, "registry.example.com/app-server:devel"),
        (None, None, Some("ubuntu:16.04"), "ubuntu:16.04"),
        // docker-map bug §2.4: a registry port without a tag is no tag
        (None, None, Some("host:5000/img"), "host:5000/img:latest"),
        (repo, Some("devel"), Some("host:5000/img"), "host:5000/img:devel"),
        (repo, None, Some("host:5000/img:1.2"), "host:5000/img:1.2"),
        // a name with `/` is used as-is, without the map's repository
        (repo, None, Some("org/img"), "org/img:latest"),
    ];
    for (repository, default_tag, image, expected) in cases {
        let mut yaml = String::new();
        if let Some(r) = repository {
            yaml += &format!("repository: {r}\n");
        }
        if let Some(t) = default_tag {
            yaml += &format!("default_tag: {t}\n");
        }
        match image {
            Some(i) => yaml += &format!("app-server: {{image: '{i}'}}\n"),
            None => yaml += "app-server: {}\n",
        }
        let map = load("img", &yaml);
        let configs = extended(&map);
        assert_eq!(
            map.image_of("app-server", &configs["app-server"]),
            *expected,
            "{yaml}"
        );
        // The graph's image item is the same name.
        let checked = check(&map).unwrap_or_else(|p| panic!("{p:?}"));
        let deps = checked.graph.dependencies(&c("app-server"));
        assert_eq!(shown(&deps), [format!("IMG {expected}")], "{yaml}");
    }
}

#[test]
fn image_names_of_the_fixtures() {
    let m1 = load("main", MAP_DATA_1);
    let configs = extended(&m1);
    let images: Vec<(String, String)> = configs
        .iter()
        .map(|(n, cfg)| (n.clone(), m1.image_of(n, cfg)))
        .collect();
    assert_eq!(
        images,
        [
            (
                "app_extra".to_string(),
                "registry.example.com/app_extra:custom".to_string()
            ),
            (
                "app_server".to_string(),
                "registry.example.com/app:custom".to_string()
            ),
            (
                "web_server".to_string(),
                "registry.example.com/nginx:latest".to_string()
            ),
        ]
    );
    let m2 = map_data_2(true);
    let configs = extended(&m2);
    // `worker` inherits `image: server` from abstract_config.
    assert_eq!(
        m2.image_of("worker", &configs["worker"]),
        "registry.example.com/server:latest"
    );
    assert_eq!(
        m2.image_of("redis", &configs["redis"]),
        "registry.example.com/redis:latest"
    );
    assert_eq!(
        m2.image_of("svc", &configs["svc"]),
        "registry.example.com/svc:latest"
    );
}

// ---------------------------------------------------------------------------------------------
// §7.2 item 7 / §2.6: integrity errors
// ---------------------------------------------------------------------------------------------

#[test]
fn integrity_errors_each_reported_with_the_offender() {
    // (what, map, phrases the single problem must contain)
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "link to an unknown container",
            "a: {links: b}",
            &["links to `b`", "unknown container"],
        ),
        (
            "link to a config with instances",
            "a: {links: b}\nb: {instances: [y]}",
            &["links to `b`", "has instances", "`b.y`"],
        ),
        (
            "link to an unknown instance",
            "a: {links: b.z}\nb: {instances: [y]}",
            &["`b.z`", "no instance `z`"],
        ),
        (
            "link on a network endpoint",
            "a: {networks: {n: {links: b}}}\nnetworks: {n: {}}",
            &["links to `b`", "network `n`", "unknown container"],
        ),
        (
            "duplicate attached volume",
            "a: {attaches: v}\nb: {attaches: v}\nvolumes: {v: /p}",
            &["attached volume `v`", "both `a` and `b`"],
        ),
        (
            "bind alias missing from host",
            "a: {binds: v}\nvolumes: {v: /x}",
            &["binds `v`", "not in the map's `host`"],
        ),
        (
            "bind alias missing from volumes",
            "a: {binds: v}\nhost: {v: /h}",
            &["binds `v`", "`volumes`"],
        ),
        (
            "host alias without a path for an instance",
            "a: {binds: v, instances: [x, y]}\nhost: {v: {x: hx}}\nvolumes: {v: /v}",
            &["host alias `v`", "instance `y`"],
        ),
        (
            "attached volume without a path",
            "a: {attaches: v}",
            &["attaches volume `v`", "no path"],
        ),
        (
            "unknown used volume",
            "a: {uses: vol}",
            &["uses `vol`", "neither an attached volume nor a container"],
        ),
        (
            "used container without volumes",
            "a: {uses: b}\nb: {}",
            &["uses container `b`", "no volumes"],
        ),
        (
            "used container with instances",
            "a: {uses: redis}\nredis: {instances: [queue, cache], shares: [/data]}",
            &["uses `redis`", "has instances", "`redis.queue`"],
        ),
        (
            "unknown network",
            "a: {networks: n}",
            &["network `n`", "not in the map's `networks`"],
        ),
        (
            "config name used as a group",
            "a: {}\ngroups: {a: [a]}",
            &["`a`", "both for a container configuration and a group"],
        ),
        (
            "group with an unknown member",
            "a: {}\ngroups: {g: [a, b]}",
            &["group `g`", "unknown container `b`"],
        ),
        (
            "group with an unknown instance",
            "a: {instances: [x]}\ngroups: {g: [a.y]}",
            &["group `g`", "`a.y`"],
        ),
        (
            "unknown network_mode container",
            "a: {network_mode: b}",
            &["network of `b`", "unknown container"],
        ),
        (
            "unknown network_mode instance",
            "a: {network_mode: b.z}\nb: {instances: [y]}",
            &["network of `b.z`", "no instance `z`"],
        ),
        ("self link", "a: {links: a}", &["`a`", "itself"]),
    ];
    for (what, yaml, phrases) in cases {
        let found = problems(yaml);
        assert_eq!(
            found.len(),
            1,
            "{what}: expected one problem, got {found:#?}\n{yaml}"
        );
        for phrase in *phrases {
            assert!(
                found[0].contains(phrase),
                "{what}: `{}` lacks `{phrase}`",
                found[0]
            );
        }
    }
}

#[test]
fn integrity_passes() {
    let cases: &[(&str, &str)] = &[
        ("attached volume with its own path", "a: {attaches: {v: /p}}"),
        (
            "used attached volume",
            "a: {attaches: v}\nb: {uses: v}\nvolumes: {v: /p}",
        ),
        ("used container with shares", "a: {shares: /data}\nb: {uses: a}"),
        (
            "used instance",
            "a: {instances: [x, y], shares: /data}\nb: {uses: a.x}",
        ),
        ("link to an instance", "a: {links: b.y}\nb: {instances: [y]}"),
        (
            "preset networks",
            "a: {networks: [bridge]}\nb: {network_mode: host}",
        ),
        (
            "network_mode of a config with instances",
            "a: {network_mode: b}\nb: {instances: [y, z]}",
        ),
        (
            "only abstract configs",
            "base: {abstract: true, image: x, links: nowhere}",
        ),
        (
            "abstract parent and a child",
            "base: {abstract: true, image: x}\nchild: {extends: base}",
        ),
        ("empty map", "{}"),
    ];
    for (what, yaml) in cases {
        assert_eq!(problems(yaml), Vec::<String>::new(), "{what}:\n{yaml}");
    }
    // A map with only abstract configs is valid and has nothing to run (docker-map crashed, §9.20).
    let map = load("t", "base: {abstract: true, image: x}");
    let checked = check(&map).expect("valid");
    assert!(checked.configs.is_empty());
    assert!(checked.graph.containers().is_empty());
}

#[test]
fn all_problems_of_a_map_are_reported_together() {
    let found = problems("a: {links: zz, networks: nn, uses: vv}");
    assert_eq!(found.len(), 3, "{found:#?}");
    for name in ["`zz`", "`nn`", "`vv`"] {
        assert_eq!(
            found.iter().filter(|p| p.contains(name)).count(),
            1,
            "{name} in {found:#?}"
        );
    }
    // The same over several configs.
    let found = problems("a: {links: zz}\nb: {networks: nn}\nc: {binds: hh}\nvolumes: {hh: /h}");
    assert_eq!(found.len(), 3, "{found:#?}");
}

// check.rs promises that every problem of a map is reported together, but `check_maps` runs the
// graph (cycles) only on maps whose references are clean, the port check only on maps whose
// graph was built, and `Graph::build` stops at the first cycle. The three tests below show each
// symptom of that one cause.

#[test]
fn reference_port_and_cycle_problems_reported_together() {
    // An unknown link, a host port bound twice and a cycle: only the unknown link is reported.
    let found =
        problems("a: {links: zz, exposes: {80: 80}}\nb: {exposes: {80: 80}}\nx: {links: y}\ny: {links: x}");
    assert_eq!(found.len(), 3, "{found:#?}");
}

#[test]
fn cycle_and_port_problems_reported_together() {
    let found = problems("x: {links: y, exposes: {80: 80}}\ny: {links: x}\nb: {exposes: {80: 80}}");
    assert_eq!(found.len(), 2, "{found:#?}");
}

#[test]
fn every_cycle_reported() {
    let found = problems("x: {links: y}\ny: {links: x}\np: {links: q}\nq: {links: p}");
    assert_eq!(found.len(), 2, "{found:#?}");
}

/// Is `message` naming the cycle through `nodes` (in dependency order), starting anywhere?
fn names_cycle(message: &str, nodes: &[&str]) -> bool {
    (0..nodes.len()).any(|start| {
        let mut rotated: Vec<&str> = nodes[start..].iter().chain(&nodes[..start]).copied().collect();
        rotated.push(rotated[0]);
        message.contains(&rotated.join(" -> "))
    })
}

#[test]
fn dependency_cycles_are_problems() {
    // docker-map recursed forever on a two-node cycle (§9.1).
    let cases: &[(&str, &[&str])] = &[
        ("a: {links: b}\nb: {links: a}", &["a", "b"]),
        ("a: {links: b}\nb: {links: c}\nc: {links: a}", &["a", "b", "c"]),
        // a cycle through a used attached volume and a network_mode
        (
            "a: {uses: v}\nb: {attaches: v, network_mode: a}\nvolumes: {v: /v}",
            &["a", "b"],
        ),
        ("a: {links: b.x}\nb: {instances: [x], links: a}", &["a", "b.x"]),
    ];
    for (yaml, cycle) in cases {
        let found = problems(yaml);
        assert_eq!(found.len(), 1, "{found:#?}\n{yaml}");
        assert!(found[0].contains("circular"), "{}", found[0]);
        assert!(
            names_cycle(&found[0], cycle),
            "`{}` does not name the cycle {cycle:?}",
            found[0]
        );
        // Graph::build alone reports it as well.
        let map = load("t", yaml);
        assert!(Graph::build(&map, &extended(&map)).is_err(), "{yaml}");
    }
}

#[test]
fn extends_problems() {
    // An `extends` cycle.
    let map = load("t", "a: {extends: b}\nb: {extends: a}");
    let found: Vec<String> = map
        .extended()
        .expect_err("cycle")
        .into_iter()
        .map(|p| p.message)
        .collect();
    assert!(!found.is_empty());
    for p in &found {
        assert!(p.contains("extends itself") && names_cycle(p, &["a", "b"]), "{p}");
    }
    assert!(!problems_of(&map).is_empty());
    // Through an abstract config, too.
    let found = problems("base: {abstract: true, extends: a}\na: {extends: base}");
    assert!(
        !found.is_empty() && found.iter().all(|p| p.contains("extends itself")),
        "{found:#?}"
    );
    // A config that extends itself.
    let found = problems("a: {extends: a}");
    assert!(
        !found.is_empty() && found.iter().all(|p| p.contains("extends itself")),
        "{found:#?}"
    );
    // An unknown parent (docker-map: plain KeyError('zz')).
    let found = problems("a: {extends: zz}");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("extends unknown container `zz`"),
        "{}",
        found[0]
    );
}

#[test]
fn host_port_conflicts() {
    // (what, map, conflict expected)
    let cases: &[(&str, &str, bool)] = &[
        (
            "two containers, one host port",
            "a: {exposes: {80: 80}}\nb: {exposes: {8080: 80}}",
            true,
        ),
        (
            "different explicit interfaces",
            "a: {exposes: [[80, 80, 10.0.0.1]]}\nb: {exposes: [[80, 80, 10.0.0.2]]}",
            false,
        ),
        (
            "all addresses vs one",
            "a: {exposes: [[80, 80, 0.0.0.0]]}\nb: {exposes: [[80, 80, 10.0.0.1]]}",
            true,
        ),
        (
            "no interface vs one",
            "a: {exposes: {80: 80}}\nb: {exposes: [[80, 80, 10.0.0.1]]}",
            true,
        ),
        (
            "same interface alias",
            "a: {exposes: [[80, 80, private]]}\nb: {exposes: [[80, 80, private]]}",
            true,
        ),
        (
            "different protocols",
            "a: {exposes: [['53/udp', 53]]}\nb: {exposes: [[53, 53]]}",
            false,
        ),
        (
            "same udp port",
            "a: {exposes: [['53/udp', 53]]}\nb: {exposes: [['53/udp', 53]]}",
            true,
        ),
        (
            "two instances of one config",
            "a: {instances: [x, y], exposes: {80: 80}}",
            true,
        ),
        (
            "different host ports",
            "a: {exposes: {80: 80}}\nb: {exposes: {80: 8080}}",
            false,
        ),
        (
            "exposed only, not published",
            "a: {exposes: [80]}\nb: {exposes: [80]}",
            false,
        ),
        (
            "abstract config does not bind",
            "base: {abstract: true, exposes: {80: 80}}\nb: {exposes: {80: 80}}",
            false,
        ),
        (
            "inherited binding",
            "base: {abstract: true, exposes: {80: 80}}\nb: {extends: base}\nc: {extends: base}",
            true,
        ),
    ];
    for (what, yaml, conflict) in cases {
        let found = problems(yaml);
        if *conflict {
            assert_eq!(found.len(), 1, "{what}: {found:#?}");
            assert!(found[0].contains("both bind host port"), "{what}: {}", found[0]);
        } else {
            assert_eq!(found, Vec::<String>::new(), "{what}");
        }
    }
    // The offending containers are named by their Engine names.
    let found = problems("a: {instances: [x, y], exposes: {80: 80}}");
    assert!(
        found[0].contains("`t.a.x`") && found[0].contains("`t.a.y`") && found[0].contains("80"),
        "{}",
        found[0]
    );
    let found = problems("a: {exposes: [['53/udp', 53]]}\nb: {exposes: [['53/udp', 53]]}");
    assert!(found[0].contains("53/udp"), "{}", found[0]);
}

#[test]
fn host_port_conflicts_across_maps_and_interfaces() {
    let one = load("one", "web: {exposes: {80: 80}}");
    let two = load("two", "web: {exposes: {80: 80}}");
    let found = check_maps(&[&one, &two], None).expect_err("port 80 twice");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].message.contains("`one.web`") && found[0].message.contains("`two.web`"),
        "{}",
        found[0]
    );

    // Maps on different clients do not conflict.
    let three = load("three", "clients: [other]\nweb: {exposes: {80: 80}}");
    assert!(check_maps(&[&one, &three], None).is_ok());

    // An interface alias is resolved through the clients' interfaces.
    let alias = load(
        "alias",
        "a: {exposes: [[80, 80, private]]}\nb: {exposes: [[80, 80, 10.0.0.11]]}",
    );
    let interfaces = |name: &str, _ipv6: bool| -> Option<IpAddr> {
        (name == "private").then(|| "10.0.0.11".parse().unwrap())
    };
    assert!(
        check_maps(&[&alias], Some(&interfaces)).is_err(),
        "private is 10.0.0.11"
    );
    let elsewhere = |name: &str, _ipv6: bool| -> Option<IpAddr> {
        (name == "private").then(|| "10.0.0.12".parse().unwrap())
    };
    assert!(
        check_maps(&[&alias], Some(&elsewhere)).is_ok(),
        "private is 10.0.0.12"
    );
}

// ---------------------------------------------------------------------------------------------
// §7.2 items 8–9 and §2.2: inheritance and merging
// ---------------------------------------------------------------------------------------------

#[test]
fn inheritance_of_worker_and_server() {
    let map = map_data_2(false);
    let configs = extended(&map);
    assert!(!configs.contains_key("abstract_config") && !configs.contains_key("abstract_worker"));

    // worker extends abstract_worker, which extends abstract_config
    let worker = &configs["worker"];
    assert_eq!(
        worker.binds,
        [alias_bind("app_config", true), alias_bind("app_data", false)]
    );
    assert_eq!(names(&worker.uses, |u| &u.name), ["redis.redis_socket"]);
    assert_eq!(names(&worker.attaches, |a| &a.name), ["app_log"]);
    assert_eq!(
        worker.user.as_ref().map(ToString::to_string).as_deref(),
        Some("app_user")
    );
    assert_eq!(worker.image.as_deref(), Some("server"));
    assert_eq!(worker.links, [link("svc", Some("svc_alias1"))]);
    assert_eq!(
        Value::Map(worker.create_options.clone()),
        Value::map([
            ("mem_limit", s("2g")),
            ("cpu_shares", Value::Int(10)),
            ("entrypoint", s("celery")),
            ("command", s("worker -A MyApp -Q queue1,queue2")),
        ])
    );
    assert_eq!(
        Value::Map(worker.host_config.clone()),
        Value::map([(
            "restart_policy",
            Value::map([("MaximumRetryCount", Value::Int(0)), ("Name", s("always"))])
        )])
    );
    assert!(!worker.is_abstract);

    // server extends abstract_config
    let server = &configs["server"];
    assert_eq!(
        server.links,
        [link("svc", Some("svc_alias1")), link("svc", Some("svc_alias2"))]
    );
    assert_eq!(names(&server.attaches, |a| &a.name), ["app_log", "server_log"]);
    assert_eq!(
        server.user.as_ref().map(ToString::to_string).as_deref(),
        Some("server_user")
    );
    assert_eq!(server.exposes, [binding(8443, Some(8443), Some("private"))]);
    assert_eq!(
        server.binds,
        [alias_bind("app_config", true), alias_bind("app_data", false)]
    );
    assert_eq!(server.permissions.as_deref(), Some("u=rwX,g=rX,o="));
    assert_eq!(
        Value::Map(server.create_options.clone()),
        Value::map([("mem_limit", s("1g")), ("cpu_shares", Value::Int(15))])
    );
    assert_eq!(
        Value::Map(server.host_config.clone()),
        Value::map([(
            "restart_policy",
            Value::map([("MaximumRetryCount", Value::Int(3)), ("Name", s("always"))])
        )])
    );

    // server2 extends server: links add up
    let server2 = &configs["server2"];
    assert_eq!(
        server2.links,
        [
            link("svc", Some("svc_alias1")),
            link("svc", Some("svc_alias2")),
            link("svc2", None)
        ]
    );
    assert_eq!(
        server2.user.as_ref().map(ToString::to_string).as_deref(),
        Some("server_user")
    );

    // MAP_DATA_3: the child of an abstract config is a plain copy
    let m3 = load("main", MAP_DATA_3);
    let c3 = extended(&m3);
    assert_eq!(c3.keys().collect::<Vec<_>>(), ["server"]);
    assert_eq!(
        c3["server"].binds,
        [path_bind("/var/lib/web/config", "web/config", true)]
    );
    assert_eq!(names(&c3["server"].attaches, |a| &a.name), ["web_log"]);
    assert_eq!(c3["server"].image.as_deref(), Some("server"));
}

#[test]
fn merge_lists_only() {
    let map = map_data_2(false);
    let mut merged = map.containers["abstract_config"].clone();
    merged.merge_from(&map.containers["server"], true);
    // scalars and dicts kept
    assert_eq!(
        merged.user.as_ref().map(ToString::to_string).as_deref(),
        Some("app_user")
    );
    assert!(merged.create_options.is_empty(), "{:?}", merged.create_options);
    assert!(merged.host_config.is_empty(), "{:?}", merged.host_config);
    assert_eq!(merged.image.as_deref(), Some("server"));
    // lists merged
    assert_eq!(
        merged.binds,
        [alias_bind("app_config", true), alias_bind("app_data", false)]
    );
    assert_eq!(names(&merged.attaches, |a| &a.name), ["app_log", "server_log"]);
    assert_eq!(
        merged.links,
        [link("svc", Some("svc_alias1")), link("svc", Some("svc_alias2"))]
    );
    assert_eq!(merged.exposes, [binding(8443, Some(8443), Some("private"))]);
    assert_eq!(names(&merged.uses, |u| &u.name), ["redis.redis_socket"]);

    // Without lists_only the scalars and dicts of server win; `abstract` and `extends` never merge.
    let mut full = map.containers["abstract_config"].clone();
    full.merge_from(&map.containers["server"], false);
    assert_eq!(
        full.user.as_ref().map(ToString::to_string).as_deref(),
        Some("server_user")
    );
    assert_eq!(
        Value::Map(full.create_options.clone()),
        Value::map([("mem_limit", s("1g")), ("cpu_shares", Value::Int(15))])
    );
    assert!(full.is_abstract);
    assert!(full.extends.is_empty());
}

#[test]
fn map_merge_example() {
    // §2.2's verified example. docker-map's `create_options` keys `a`, `b`, `c` are not Engine
    // options, which dmap rejects, so real keys stand in: a → cpu_shares, b → labels (a dict
    // that is replaced, not deep-merged), c → working_dir. `volumes: {v1: ...}` gives map 1 the
    // v1 whose `default_path` the example says is kept.
    let base = r#"
repository: r1
volumes: {v1: /data/v1}
a:
  image: i1
  uses: v1
  binds: [[/x, /hx, ro]]
  create_options: {cpu_shares: 1, labels: {x: '1'}}
  exposes: [[80, 8080]]
"#;
    let other = r#"
repository: r2
host_root: /root2
a:
  image: i2
  uses: [v2, v1]
  binds: [[/x, /hx2], [/y, /hy]]
  create_options: {labels: {y: '2'}, working_dir: /w}
  exposes: [[80, 9090], 443]
volumes: {v1: {driver: x}}
"#;
    let mut map = load("main", base);
    map.merge_from(&load("main", other), false);
    assert_eq!(map.repository.as_deref(), Some("r2"));
    assert_eq!(map.host_root.as_deref(), Some("/root2"));
    let a = &map.containers["a"];
    assert_eq!(a.image.as_deref(), Some("i2"));
    assert_eq!(names(&a.uses, |u| &u.name), ["v1", "v2"]);
    assert_eq!(
        a.binds,
        [path_bind("/x", "/hx2", false), path_bind("/y", "/hy", false)]
    );
    assert_eq!(
        a.exposes,
        [binding(80, Some(9090), None), binding(443, None, None)]
    );
    assert_eq!(
        Value::Map(a.create_options.clone()),
        Value::map([
            ("cpu_shares", Value::Int(1)),
            ("labels", Value::map([("y", s("2"))])),
            ("working_dir", s("/w")),
        ])
    );
    let v1 = &map.volumes["v1"];
    assert_eq!(v1.default_path.as_deref(), Some("/data/v1"));
    assert_eq!(v1.driver, "x");

    // lists_only: map-level scalars and host_root stay; containers merge their lists only.
    let mut map = load("main", base);
    map.merge_from(&load("main", other), true);
    assert_eq!(map.repository.as_deref(), Some("r1"));
    assert_eq!(map.host_root, None);
    let a = &map.containers["a"];
    assert_eq!(a.image.as_deref(), Some("i1"));
    assert_eq!(names(&a.uses, |u| &u.name), ["v1", "v2"]);
    assert_eq!(
        a.binds,
        [path_bind("/x", "/hx2", false), path_bind("/y", "/hy", false)]
    );
    assert_eq!(
        Value::Map(a.create_options.clone()),
        Value::map([
            ("cpu_shares", Value::Int(1)),
            ("labels", Value::map([("x", s("1"))]))
        ])
    );
}

#[test]
fn map_merge_from_value_equals_yaml() {
    // The same merge with the other side built from the dict layout.
    let mut from_yaml = load("main", "a: {image: i1, links: b}\nb: {}");
    let mut from_value = from_yaml.clone();
    let other_yaml = load("main", "repository: r2\na: {links: [c, b]}\nc: {}");
    let other_value = ContainerMap::from_value(
        "main",
        &Value::map([
            ("repository", s("r2")),
            ("a", Value::map([("links", Value::List(vec![s("c"), s("b")]))])),
            ("c", Value::map::<&str>([])),
        ]),
        &|_| Default::default(),
    )
    .expect("valid dict layout");
    from_yaml.merge_from(&other_yaml, false);
    from_value.merge_from(&other_value, false);
    assert_eq!(from_yaml.to_value(), from_value.to_value());
    assert_eq!(
        from_yaml.containers["a"].links,
        [link("b", None), link("c", None)]
    );
    assert_eq!(from_yaml.repository.as_deref(), Some("r2"));
}

// ---------------------------------------------------------------------------------------------
// §7.2 items 10–11 / §2.5: dependency order
// ---------------------------------------------------------------------------------------------

#[test]
fn dependency_path_of_server_with_parent_names() {
    let map = map_data_2(true);
    let graph = graph_unchecked(&map);
    let server_path = [
        "IMG registry.example.com/sub_sub_svc:latest",
        "C sub_sub_svc",
        "IMG registry.example.com/sub_svc:latest",
        "C sub_svc",
        "VOL redis/redis_socket",
        "VOL redis/redis_log",
        "IMG registry.example.com/redis:latest",
        "IMG registry.example.com/svc:latest",
        "C redis.queue",
        "C redis.cache",
        "C svc",
        "VOL server/app_log",
        "VOL server/server_log",
        "IMG registry.example.com/server:latest",
    ];
    assert_eq!(shown(graph.dependencies(&c("server"))), server_path);

    let merged = graph.merged_paths(&[c("server"), c("worker"), c("worker_q2")], false);
    let merged: Vec<(String, Vec<String>)> = merged.iter().map(|(i, p)| (i.to_string(), shown(p))).collect();
    assert_eq!(
        merged,
        [
            ("C server".to_string(), server_path.map(String::from).to_vec()),
            ("C worker".to_string(), vec!["VOL worker/app_log".to_string()]),
            (
                "C worker_q2".to_string(),
                vec!["VOL worker_q2/app_log".to_string()]
            ),
        ]
    );
}

#[test]
fn dependencies_and_dependents_of_the_resolution_map() {
    let map = load("test_map", DEPENDENCY_MAP);
    // Loaded with checks off in docker-map: `a` uses `c`, which shares nothing.
    assert!(check(&map).is_err());
    let graph = graph_unchecked(&map);

    assert_eq!(
        shown(graph.dependencies(&c("a"))),
        [
            "IMG e:latest",
            "C e.1",
            "C e.2",
            "VOL d/dv",
            "IMG d:latest",
            "IMG f:latest",
            "C d.1",
            "C d.2",
            "C f",
            "IMG b:latest",
            "IMG c:latest",
            "C b",
            "C c",
            "IMG a:latest",
        ]
    );
    assert_eq!(
        shown(graph.dependencies(&c("l"))),
        ["IMG e:latest", "C e.1", "IMG l:latest"]
    );

    // Stop/remove order: dependents, outermost first.
    assert_eq!(
        shown(graph.dependents(&c("e.1"))),
        ["C a", "C x", "C b", "C d.1", "C d.2", "C l"]
    );
    assert_eq!(shown(graph.dependents(&c("f"))), ["C a", "C x", "C b"]);
    assert_eq!(shown(graph.dependents(&c("a"))), Vec::<String>::new());
}

#[test]
fn simple_chain_stop_order() {
    // b links a, c links b: `stop a` stops c, b, then a.
    let map = load("chain", "a: {}\nb: {links: a}\nc: {links: b}");
    let checked = check(&map).expect("valid");
    let graph = &checked.graph;
    assert_eq!(shown(graph.dependents(&c("a"))), ["C c", "C b"]);
    let merged = graph.merged_paths(&[c("a")], true);
    let mut order: Vec<String> = Vec::new();
    for (input, path) in &merged {
        order.extend(shown(path));
        order.push(input.to_string());
    }
    assert_eq!(order, ["C c", "C b", "C a"]);
    // and the start order of c is a, b (then c)
    assert_eq!(
        shown(graph.dependencies(&c("c"))),
        ["IMG a:latest", "C a", "IMG b:latest", "C b", "IMG c:latest"]
    );
}

// ---------------------------------------------------------------------------------------------
// §2.6 on the fixtures
// ---------------------------------------------------------------------------------------------

#[test]
fn fixture_map_data_1_is_valid() {
    let map = load("main", MAP_DATA_1);
    let checked = check(&map).unwrap_or_else(|p| panic!("{p:#?}"));
    // network_mode: app_server.instance1 is a dependency on that instance only.
    assert_eq!(
        shown(checked.graph.direct_dependencies(&c("app_extra"))),
        [
            "C app_server.instance1",
            "IMG registry.example.com/app_extra:custom"
        ]
    );
    // web_server: the owner of app_server_socket (all instances), then its links.
    assert_eq!(
        shown(checked.graph.direct_dependencies(&c("web_server"))),
        [
            "C app_server.instance1",
            "C app_server.instance2",
            "VOL web_server/web_log",
            "IMG registry.example.com/nginx:latest"
        ]
    );
    // Per-instance host aliases give every instance a path.
    assert_eq!(
        map.host["app_config"].path_for(Some("instance2")),
        Some("config/app2")
    );
}

#[test]
fn fixture_map_data_1_new_is_valid() {
    let map = load("main", MAP_DATA_1_NEW);
    let checked = check(&map).unwrap_or_else(|p| panic!("{p:#?}"));
    // The endpoint links of network `app` are dependencies, after the network itself.
    let deps = shown(checked.graph.direct_dependencies(&c("web_server")));
    assert_eq!(
        deps,
        [
            "NET app",
            "C app_server.instance1",
            "C app_server.instance2",
            "VOL web_server/web_log",
            "IMG registry.example.com/nginx:latest"
        ]
    );
}

#[test]
fn fixture_map_data_3_is_valid() {
    let map = load("main", MAP_DATA_3);
    let checked = check(&map).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(checked.configs.keys().collect::<Vec<_>>(), ["server"]);
}

#[test]
fn fixture_map_data_2_with_parent_names() {
    // Every reference resolves with `use_attached_parent_name: true`. But `server2` extends
    // `server` and so inherits `exposes: {8443: [8443, private]}`: two containers bind host port
    // 8443 on the same interface of the same client. docker-map had no port check; dmap reports
    // it. The fixture's `restart_policy: {MaximumRetryCount: 3, Name: always}` is a value the
    // Engine refuses (a retry count belongs to `on-failure`): reported for both configurations
    // that have it. Those are the only problems of the map.
    let map = map_data_2(true);
    let found = problems_of(&map);
    assert_eq!(found.len(), 3, "{found:#?}");
    for cfg in ["server", "server2"] {
        assert!(
            found.contains(&format!("container `{cfg}`: `host_config` `restart_policy`: restart policy `always` takes no retry count (3): only `on-failure` does")),
            "{found:#?}"
        );
    }
    let ports = found
        .iter()
        .find(|p| p.contains("8443"))
        .expect("the port problem");
    assert!(
        ports.contains("`main.server`") && ports.contains("`main.server2`"),
        "{ports}"
    );
    // Without that duplicate and with a policy the Engine takes, the map passes.
    let mut fixed = map.clone();
    // (server2 extends server, and takes its `host_config` with it.)
    fixed
        .containers
        .get_mut("server")
        .unwrap()
        .set_field(
            "host_config",
            &Value::map([("restart_policy", s("always"))]),
            Default::default(),
        )
        .unwrap();
    fixed
        .containers
        .get_mut("server2")
        .unwrap()
        .set_field(
            "exposes",
            &Value::map([("8443", Value::List(vec![Value::Int(9443), s("private")]))]),
            Default::default(),
        )
        .unwrap();
    let checked = check(&fixed).unwrap_or_else(|p| panic!("{p:#?}"));
    // server2's exposes replaced by key (same port, same interface): 8443 → 9443.
    assert_eq!(
        checked.configs["server2"].exposes,
        [binding(8443, Some(9443), Some("private"))]
    );
    assert_eq!(checked.configs.len(), 13);
}

#[test]
fn fixture_map_data_2_without_parent_names() {
    // Without `use_attached_parent_name`, attached volumes are used by their bare alias, and
    // `cfg.something` names a container instance (§2.3). `redis.redis_socket` is therefore the
    // instance `redis_socket` of `redis`, which has only `queue` and `cache`: docker-map's check
    // item 4 ("No shared or attached volumes found for used volume(s): redis.redis_socket").
    // dmap must reject it too, once for each config that inherits the `uses` from
    // abstract_config: server, server2, worker, worker_q2. Bare aliases must also be unique per
    // map (check item 3): `app_log` is attached by server, server2, worker and worker_q2, and
    // `server_log` by server and server2.
    let map = map_data_2(false);
    let found = problems_of(&map);
    let (uses, others): (Vec<&String>, Vec<&String>) =
        found.iter().partition(|p| p.contains("redis.redis_socket"));
    for cfg in ["server", "server2", "worker", "worker_q2"] {
        let hits: Vec<&&String> = uses
            .iter()
            .filter(|p| p.contains(&format!("container `{cfg}` uses `redis.redis_socket`")))
            .collect();
        assert_eq!(hits.len(), 1, "{cfg}: {found:#?}");
        assert!(hits[0].contains("no instance `redis_socket`"), "{}", hits[0]);
    }
    assert_eq!(uses.len(), 4, "{found:#?}");
    assert!(!others.is_empty(), "{found:#?}");
    // server2 inherits server's host port 8443: reported alongside the reference problems.
    assert!(
        others.iter().any(|p| p.contains("both bind host port 8443")),
        "{found:#?}"
    );
    for p in others
        .iter()
        .filter(|p| !p.contains("host port") && !p.contains("restart_policy"))
    {
        assert!(p.contains("attached by both"), "{p}");
        assert!(p.contains("`app_log`") || p.contains("`server_log`"), "{p}");
    }
    for alias in ["`app_log`", "`server_log`"] {
        assert!(others.iter().any(|p| p.contains(alias)), "{alias}: {found:#?}");
    }

    // Using the bare alias instead makes that reference valid; the duplicates remain.
    let mut bare = map.clone();
    bare.containers
        .get_mut("abstract_config")
        .unwrap()
        .set_field("uses", &s("redis_socket"), Default::default())
        .unwrap();
    let found = problems_of(&bare);
    assert!(
        !found.is_empty()
            && found.iter().all(|p| p.contains("attached by both")
                || p.contains("both bind host port 8443")
                || p.contains("restart policy `always` takes no retry count")),
        "{found:#?}"
    );
}
