//! The planner's decisions, without Docker: desired state from a YAML map, observed state made
//! up per case. Fixtures here; the cases by theme in the submodules.

mod actions;
mod builds;
mod convergence;
mod depends_on;
mod duplicates;
mod recreation;
mod run_once;
mod teardown;
mod transfer;

use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::model::client::ClientConfig;
use crate::runtime::snapshot::ObservedContainer;
use crate::runtime::snapshot::{ObservedEndpoint, ObservedMount, ObservedNetwork, ObservedVolume};
use crate::runtime::spec::{Desired, MountKind};

/// web uses app's socket volume and links both app instances, all on `backend`; db is
/// persistent and has a healthcheck; side shares web's network namespace.
const MAP: &str = r#"
web:
  image: web
  networks: backend
  uses: app_socket
  links: [app.a, app.b]
  create_options:
    environment: {MODE: prod, DEBUG: "0"}
    mem_limit: 64m
  exec_commands:
  - [["echo", "every"], null, restart]
  - [["echo", "first"], null, initial]
app:
  image: app
  instances: [a, b]
  attaches: app_socket
  user: 2000
  networks: backend
  links: db
db:
  image: db
  networks: backend
  persistent: true
  healthcheck: {test: ["CMD", "true"], interval: 1s}
side:
  image: web
  network_mode: web
volumes:
  app_socket: /run/app
networks:
  backend: {}
"#;

fn desired() -> Desired {
    let map = crate::yaml::load_map("m.yaml", MAP, None, &|_| None).expect("map loads");
    let checked = crate::model::check(&map).expect("map checks");
    Desired::build(&[checked], Path::new("/"), "default", &ClientConfig::default()).expect("desired")
}

const IMAGE_ID: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

/// An Engine holding everything as dmap would have made it, every container running.
fn converged(d: &Desired) -> Snapshot {
    let mut s = Snapshot::default();
    for c in &d.containers {
        let mut labels = BTreeMap::new();
        labels.insert(crate::runtime::labels::MAP.to_string(), c.map.clone());
        s.containers.insert(
            c.name.clone(),
            ObservedContainer {
                id: format!("id-{}", c.name),
                name: c.name.clone(),
                image_id: IMAGE_ID.into(),
                state: RunState::Running,
                labels,
                spec: Some(crate::runtime::record::recorded(&c.spec)),
                mounts: c
                    .spec
                    .mounts
                    .iter()
                    .map(|m| ObservedMount {
                        target: m.target.clone(),
                        kind: if m.kind == MountKind::Bind {
                            MountKind::Bind
                        } else {
                            MountKind::Volume
                        },
                        source: if m.kind == MountKind::Anonymous {
                            format!("{:064x}", m.target.len())
                        } else {
                            m.source.clone()
                        },
                    })
                    .collect(),
                networks: c
                    .spec
                    .networks
                    .iter()
                    .map(|e| {
                        (
                            e.network.clone(),
                            ObservedEndpoint {
                                aliases: e.aliases.clone(),
                                ipv4_address: None,
                            },
                        )
                    })
                    .collect(),
                health: None,
                host_config: engine_limits(&c.spec),
                published: serde_json::Value::Null,
                created: 1,
                started_at: Some(2),
            },
        );
    }
    let owned_labels = |map: &str| -> BTreeMap<String, String> {
        [(crate::runtime::labels::MAP.to_string(), map.to_string())].into()
    };
    for v in &d.volumes {
        s.volumes.insert(
            v.name.clone(),
            ObservedVolume {
                name: v.name.clone(),
                driver: "local".into(),
                options: BTreeMap::new(),
                labels: owned_labels(&v.map),
                adopted_by: None,
            },
        );
    }
    for n in &d.networks {
        let members = d
            .containers
            .iter()
            .filter(|c| c.spec.networks.iter().any(|e| e.network == n.name))
            .map(|c| c.name.clone())
            .collect();
        s.networks.insert(
            n.name.clone(),
            ObservedNetwork {
                id: format!("net-{}", n.name),
                name: n.name.clone(),
                driver: "bridge".into(),
                options: BTreeMap::new(),
                internal: false,
                labels: owned_labels(&n.map),
                containers: members,
                adopted_by: None,
            },
        );
    }
    for image in &d.images {
        s.images.insert(image.clone(), IMAGE_ID.into());
    }
    s
}

/// The HostConfig the Engine reports for limits the spec set.
fn engine_limits(spec: &crate::runtime::spec::ContainerSpec) -> serde_json::Value {
    crate::runtime::translate::update_body(&spec.options, false)
        .ok()
        .flatten()
        .and_then(|b| serde_json::to_value(b).ok())
        .unwrap_or(serde_json::Value::Null)
}

fn all(d: &Desired) -> Vec<String> {
    d.containers.iter().map(|c| c.name.clone()).collect()
}

fn lines(p: &Plan) -> Vec<String> {
    p.steps.iter().map(ToString::to_string).collect()
}

fn index(p: &Plan, line: &str) -> usize {
    p.steps
        .iter()
        .position(|s| s.to_string() == line)
        .unwrap_or_else(|| panic!("no step `{line}` in {:#?}", lines(p)))
}

/// Does step `later` (transitively) wait for step `earlier`?
fn after(p: &Plan, later: &str, earlier: &str) -> bool {
    let (l, e) = (index(p, later), index(p, earlier));
    let mut stack = vec![l];
    let mut seen = BTreeSet::new();
    while let Some(i) = stack.pop() {
        if i == e {
            return true;
        }
        if seen.insert(i) {
            stack.extend(&p.steps[i].deps);
        }
    }
    false
}

fn run<T: AsRef<str>>(action: Action, targets: &[T], d: &Desired, s: &Snapshot, o: &Options) -> Plan {
    let targets: Vec<String> = targets.iter().map(|t| t.as_ref().to_string()).collect();
    plan(&action, &targets, d, s, o).unwrap_or_else(|e| panic!("plan fails: {e:?}"))
}
