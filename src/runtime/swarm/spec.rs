//! A map's containers as Swarm services, purely: each container configuration (instance) on a
//! Swarm client becomes the service `MAP_CONFIG[_INSTANCE]`, on overlay networks `MAP_NET` (a
//! map without networks gets `MAP_default`), with named volumes `MAP_ALIAS`, as `docker stack`
//! names things. Links become aliases of the linked service on the networks both are on. The
//! spec sent is recorded as a digest in a label, so an update touches a service only when its
//! spec changed.

use std::collections::HashMap;

use bollard::models::{
    EndpointPortConfig, EndpointPortConfigProtocolEnum, EndpointPortConfigPublishModeEnum, EndpointSpec,
    EndpointSpecModeEnum, Mount, MountType, NetworkAttachmentConfig, ServiceSpec, ServiceSpecMode,
    ServiceSpecModeReplicated, ServiceSpecUpdateConfig, ServiceSpecUpdateConfigFailureActionEnum,
    ServiceSpecUpdateConfigOrderEnum, TaskSpec, TaskSpecContainerSpec, TaskSpecPlacement,
    TaskSpecPlacementPreferences, TaskSpecPlacementSpread, TaskSpecRestartPolicy,
    TaskSpecRestartPolicyConditionEnum,
};

use crate::model::deploy::{Deploy, EndpointMode, FailureAction, PublishMode, RestartCondition, UpdateOrder};
use crate::model::naming::Naming;
use crate::runtime::labels;
use crate::runtime::record::sha256_hex;
use crate::runtime::spec::{Desired, MountKind, ResolvedContainer};
use crate::runtime::translate::{command_words, env_words, health_config, option_fields, TranslateError};

/// A service dmap wants on a Swarm client.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WantedService {
    /// `MAP_CONFIG[_INSTANCE]`
    pub name: String,
    /// The container's Engine name in the map (`MAP.CONFIG[.INSTANCE]`): progress, targets.
    pub container: String,
    /// Every container it runs (a Compose service's instances are its replicas): targets.
    pub containers: Vec<String>,
    pub map: String,
    pub spec: ServiceSpec,
    /// sha256 of the spec (labels aside), recorded in the `dmap.spec` label.
    pub digest: String,
    /// The same without `replicas` (`dmap.spec.base`): when only it differs, a change scales.
    pub base_digest: String,
    pub replicas: u64,
    /// Services (by name) whose tasks must run first.
    pub depends_on: Vec<String>,
    /// The reference of the declared image it runs, which the manager builds and pushes: the
    /// spec names it by tag until [`WantedService::pinned`] pins it to the pushed digest.
    pub build: Option<String>,
}

impl WantedService {
    /// The service with its image pinned to `digest` (`sha256:...`), as the registry holds it
    /// (`REPO/NAME:TAG@sha256:...`), so that every node runs the same image; its digests are
    /// the pinned spec's. Unchanged when it runs no declared image.
    pub(crate) fn pinned(&self, digest: &str) -> WantedService {
        let Some(reference) = &self.build else {
            return self.clone();
        };
        let mut spec = self.spec.clone();
        if let Some(l) = spec.labels.as_mut() {
            l.remove(labels::SPEC);
            l.remove(BASE_LABEL);
        }
        if let Some(c) = spec
            .task_template
            .as_mut()
            .and_then(|t| t.container_spec.as_mut())
        {
            if let Some(l) = c.labels.as_mut() {
                l.remove(BASE_LABEL);
            }
            c.image = Some(format!("{reference}@{digest}"));
        }
        let (spec, digest, base_digest) = seal(spec);
        WantedService {
            spec,
            digest,
            base_digest,
            ..self.clone()
        }
    }
}

/// The label with the digest of a service's spec without `replicas`.
pub(crate) const BASE_LABEL: &str = "dmap.spec.base";

/// A Swarm name: `.` becomes `_` (`app.web.a` → `app_web_a`).
pub(crate) fn swarm_name(engine_name: &str) -> String {
    engine_name.replace('.', "_")
}

/// The service a container runs as: `MAP_CONFIG[_INSTANCE]`; the containers of one service of a
/// Compose project are one service, `PROJECT_SERVICE`, with a replica each, as `docker stack
/// deploy` runs them.
pub(crate) fn service_name(c: &ResolvedContainer) -> String {
    match c.naming {
        Naming::Compose => format!("{}_{}", c.map, c.config),
        Naming::DockerMap => swarm_name(&c.name),
    }
}

/// The overlay network of a map without networks of its own.
pub(crate) fn default_network(map: &str) -> String {
    format!("{map}_default")
}

/// Overlay networks: (name, map).
pub(crate) type Networks = Vec<(String, String)>;

/// The services and overlay networks of a Swarm client's desired state.
pub(crate) fn services(desired: &Desired) -> Result<(Vec<WantedService>, Networks), TranslateError> {
    // Every overlay network (name, map), and which services are on which.
    let mut networks: Vec<(String, String)> = Vec::new();
    let on: Vec<Vec<String>> = desired
        .containers
        .iter()
        .map(|c| {
            let nets: Vec<String> = if c.spec.networks.is_empty() {
                vec![default_network(&c.map)]
            } else {
                c.spec.networks.iter().map(|e| swarm_name(&e.network)).collect()
            };
            for n in &nets {
                if !networks.iter().any(|(x, _)| x == n) {
                    networks.push((n.clone(), c.map.clone()));
                }
            }
            nets
        })
        .collect();
    // The service of each container, and how many containers each service runs.
    let service_of: HashMap<&str, String> = desired
        .containers
        .iter()
        .map(|c| (c.name.as_str(), service_name(c)))
        .collect();
    let mut instances: HashMap<&str, Vec<String>> = HashMap::new();
    for c in &desired.containers {
        instances
            .entry(service_of[c.name.as_str()].as_str())
            .or_default()
            .push(c.name.clone());
    }
    // Aliases a service gets from those linking to it, per network.
    let mut aliases: HashMap<(String, String), Vec<String>> = HashMap::new();
    for (c, nets) in desired.containers.iter().zip(&on) {
        for l in &c.spec.links {
            let Some(target) = desired.containers.iter().position(|t| t.name == l.container) else {
                continue;
            };
            for n in nets.iter().filter(|n| on[target].contains(n)) {
                let list = aliases
                    .entry((service_of[l.container.as_str()].clone(), n.clone()))
                    .or_default();
                if !list.contains(&l.alias) {
                    list.push(l.alias.clone());
                }
            }
        }
    }
    let mut out: Vec<WantedService> = Vec::new();
    for (c, nets) in desired.containers.iter().zip(&on) {
        let name = service_of[c.name.as_str()].clone();
        if out.iter().any(|s| s.name == name) {
            continue;
        }
        let containers = instances.get(name.as_str()).cloned().unwrap_or_default();
        let attachments: Vec<NetworkAttachmentConfig> = nets
            .iter()
            .map(|n| {
                let mut a = aliases
                    .get(&(name.clone(), n.clone()))
                    .cloned()
                    .unwrap_or_default();
                if let Some(e) = c.spec.networks.iter().find(|e| swarm_name(&e.network) == *n) {
                    // A service's replicas answer to its name, not to a container's.
                    a.extend(e.aliases.iter().filter(|x| !containers.contains(x)).cloned());
                }
                a.sort();
                a.dedup();
                NetworkAttachmentConfig {
                    target: Some(n.clone()),
                    aliases: (!a.is_empty()).then_some(a),
                    driver_opts: None,
                }
            })
            .collect();
        let grouped = (c.naming == Naming::Compose).then_some(containers.len() as u64);
        let (spec, replicas) = service_spec(c, &name, grouped, &desired.client, attachments)?;
        let (spec, digest, base_digest) = seal(spec);
        let mut depends_on: Vec<String> = Vec::new();
        for d in &c.depends_on {
            let s = service_of
                .get(d.as_str())
                .cloned()
                .unwrap_or_else(|| swarm_name(d));
            if s != name && !depends_on.contains(&s) {
                depends_on.push(s);
            }
        }
        out.push(WantedService {
            name,
            container: c.name.clone(),
            containers,
            map: c.map.clone(),
            spec,
            digest,
            base_digest,
            replicas,
            depends_on,
            build: desired
                .builds
                .contains_key(&c.spec.image)
                .then(|| c.spec.image.clone()),
        });
    }
    Ok((out, networks))
}

/// The spec with its digests, with and without `replicas`, recorded in its labels (`dmap.spec`,
/// `dmap.spec.base`) and the base one in its tasks' labels too: a wait counts the tasks of the
/// spec just sent, not those a rollout is about to replace (a change of `replicas` alone keeps
/// them).
fn seal(spec: ServiceSpec) -> (ServiceSpec, String, String) {
    let digest = digest(&spec);
    let mut base = spec.clone();
    base.mode = None;
    let base_digest = self::digest(&base);
    let mut spec = spec;
    if let Some(l) = spec.labels.as_mut() {
        l.insert(labels::SPEC.into(), digest.clone());
        l.insert(BASE_LABEL.into(), base_digest.clone());
    }
    if let Some(l) = spec
        .task_template
        .as_mut()
        .and_then(|t| t.container_spec.as_mut())
        .and_then(|c| c.labels.as_mut())
    {
        l.insert(BASE_LABEL.into(), base_digest.clone());
    }
    (spec, digest, base_digest)
}

/// sha256 of the spec's JSON with every object's keys sorted (labels are a hash map).
fn digest(spec: &ServiceSpec) -> String {
    fn canonical(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let mut entries: Vec<(String, serde_json::Value)> = m.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, canonical(v))).collect())
            }
            serde_json::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(canonical).collect()),
            other => other,
        }
    }
    let value = serde_json::to_value(spec).map(canonical).unwrap_or_default();
    sha256_hex(value.to_string().as_bytes())
}

fn nanos(n: Option<u64>) -> Option<i64> {
    n.map(|n| i64::try_from(n).unwrap_or(i64::MAX))
}

/// One container as a service spec (labels without the digest), and its replicas.
fn service_spec(
    c: &ResolvedContainer,
    name: &str,
    grouped: Option<u64>,
    client: &str,
    networks: Vec<NetworkAttachmentConfig>,
) -> Result<(ServiceSpec, u64), TranslateError> {
    let s = &c.spec;
    let deploy: Deploy = s.deploy.clone().unwrap_or_default();
    let mut labels: HashMap<String, String> = HashMap::new();
    labels.insert(labels::MAP.into(), c.map.clone());
    labels.insert(labels::CONFIG.into(), c.config.clone());
    if let (Some(i), None) = (&c.instance, grouped) {
        labels.insert(labels::INSTANCE.into(), i.clone());
    }
    labels.insert(labels::CLIENT.into(), client.to_string());
    let mounts: Vec<Mount> = s
        .mounts
        .iter()
        .map(|m| Mount {
            target: Some(m.target.clone()),
            source: match m.kind {
                MountKind::Volume => Some(swarm_name(&m.source)),
                MountKind::Bind => Some(m.source.clone()),
                MountKind::Anonymous => None,
            },
            typ: Some(match m.kind {
                MountKind::Bind => MountType::BIND,
                MountKind::Volume | MountKind::Anonymous => MountType::VOLUME,
            }),
            read_only: Some(m.readonly),
            volume_options: (m.kind == MountKind::Volume).then(|| bollard::models::MountVolumeOptions {
                labels: Some(HashMap::from([(labels::MAP.to_string(), c.map.clone())])),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();
    let env = env_words(&s.environment);
    // What a container would get from its options and a task takes too.
    let (body, _) = option_fields(&s.options)?;
    let container_spec = TaskSpecContainerSpec {
        image: Some(s.image.clone()),
        labels: Some(labels.clone()),
        // A container's `command` is the image's CMD replaced: a task's `args`.
        args: s.command.as_ref().map(command_words).transpose()?,
        command: s.entrypoint.as_ref().map(command_words).transpose()?,
        hostname: s.hostname.clone(),
        env: (!env.is_empty()).then_some(env),
        dir: body.working_dir,
        user: s.user.clone(),
        mounts: (!mounts.is_empty()).then_some(mounts),
        stop_signal: s.stop_signal.clone(),
        stop_grace_period: s
            .stop_timeout
            .map(|t| i64::try_from(t.saturating_mul(1_000_000_000)).unwrap_or(i64::MAX)),
        health_check: s.healthcheck.as_ref().map(health_config),
        ..Default::default()
    };
    let placement = &deploy.placement;
    let task = TaskSpec {
        container_spec: Some(container_spec),
        networks: Some(networks),
        placement: (!placement.constraints.is_empty() || !placement.preferences.is_empty()).then(|| {
            TaskSpecPlacement {
                constraints: (!placement.constraints.is_empty()).then(|| placement.constraints.clone()),
                preferences: (!placement.preferences.is_empty()).then(|| {
                    placement
                        .preferences
                        .iter()
                        .map(|p| TaskSpecPlacementPreferences {
                            spread: Some(TaskSpecPlacementSpread {
                                spread_descriptor: Some(p.spread.clone()),
                            }),
                        })
                        .collect()
                }),
                ..Default::default()
            }
        }),
        restart_policy: deploy.restart_policy.as_ref().map(|r| TaskSpecRestartPolicy {
            condition: r.condition.map(|c| match c {
                RestartCondition::None => TaskSpecRestartPolicyConditionEnum::NONE,
                RestartCondition::OnFailure => TaskSpecRestartPolicyConditionEnum::ON_FAILURE,
                RestartCondition::Any => TaskSpecRestartPolicyConditionEnum::ANY,
            }),
            delay: nanos(r.delay),
            max_attempts: nanos(r.max_attempts),
            window: nanos(r.window),
        }),
        ..Default::default()
    };
    let publish = match deploy.publish_mode {
        Some(PublishMode::Host) => EndpointPortConfigPublishModeEnum::HOST,
        _ => EndpointPortConfigPublishModeEnum::INGRESS,
    };
    let ports: Vec<EndpointPortConfig> = s
        .ports
        .iter()
        .filter_map(|p| {
            // A port exposed without a host port is only reachable on the service's networks:
            // a Swarm would publish it on a port of its choosing.
            p.host_port?;
            let (number, protocol) = p
                .container_port
                .split_once('/')
                .unwrap_or((p.container_port.as_str(), "tcp"));
            Some(EndpointPortConfig {
                name: None,
                protocol: Some(match protocol {
                    "udp" => EndpointPortConfigProtocolEnum::UDP,
                    "sctp" => EndpointPortConfigProtocolEnum::SCTP,
                    _ => EndpointPortConfigProtocolEnum::TCP,
                }),
                target_port: Some(number.parse().ok()?),
                published_port: p.host_port.map(i64::from),
                publish_mode: Some(publish),
            })
        })
        .collect();
    let replicas = grouped.or(deploy.replicas).unwrap_or(1);
    let spec = ServiceSpec {
        name: Some(name.to_string()),
        labels: Some(labels),
        task_template: Some(task),
        mode: Some(ServiceSpecMode {
            replicated: Some(ServiceSpecModeReplicated {
                replicas: Some(i64::try_from(replicas).unwrap_or(i64::MAX)),
            }),
            ..Default::default()
        }),
        update_config: deploy.update_config.as_ref().map(|u| ServiceSpecUpdateConfig {
            parallelism: nanos(u.parallelism),
            delay: nanos(u.delay),
            failure_action: u.failure_action.map(|f| match f {
                FailureAction::Continue => ServiceSpecUpdateConfigFailureActionEnum::CONTINUE,
                FailureAction::Pause => ServiceSpecUpdateConfigFailureActionEnum::PAUSE,
                FailureAction::Rollback => ServiceSpecUpdateConfigFailureActionEnum::ROLLBACK,
            }),
            monitor: nanos(u.monitor),
            max_failure_ratio: u.max_failure_ratio,
            order: u.order.map(|o| match o {
                UpdateOrder::StopFirst => ServiceSpecUpdateConfigOrderEnum::STOP_FIRST,
                UpdateOrder::StartFirst => ServiceSpecUpdateConfigOrderEnum::START_FIRST,
            }),
        }),
        endpoint_spec: Some(EndpointSpec {
            mode: Some(match deploy.endpoint_mode {
                Some(EndpointMode::Dnsrr) => EndpointSpecModeEnum::DNSRR,
                _ => EndpointSpecModeEnum::VIP,
            }),
            ports: (!ports.is_empty()).then_some(ports),
        }),
        ..Default::default()
    };
    Ok((spec, replicas))
}
