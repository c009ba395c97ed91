//! Scenarios from docker-map (its test fixtures and documented behaviour: extends and merge
//! rules, image names, dependency order, integrity checks; docs/yaml.md says how dmap reads
//! them): docker-map's YAML read by `load_map`, then checked by the model. Where docker-map had a
//! bug, the test asserts dmap's corrected behaviour (docs/yaml.md, "Where dmap differs from
//! docker-map").

use std::net::IpAddr;

use crate::model::graph::{Graph, Item};
use crate::model::link::Link;
use crate::model::port::{Port, PortBinding, Protocol};
use crate::model::target::{expand_targets, TargetError};
use crate::model::volume_ref::Bind;
use crate::model::{check, check_maps, Checked, ContainerMap, Value};
use crate::yaml::load_map;

// ---------------------------------------------------------------------------------------------
// docker-map's test fixtures, verbatim
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

/// The map of docker-map's `tests/test_dependency_resolution.py`; it is only valid
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

fn extended(map: &ContainerMap) -> crate::model::container_map::Configs<'_> {
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
fn targets(requested: &[&str], maps: &[Checked]) -> Result<Vec<String>, TargetError> {
    let requested: Vec<String> = requested.iter().map(|t| t.to_string()).collect();
    expand_targets(&requested, maps).map(|ids| {
        ids.iter()
            .map(|id| format!("{}/{id}", maps[id.map].map.name))
            .collect()
    })
}

mod fixtures;
mod images;
mod integrity;
mod merge;
mod order;
mod targets;
