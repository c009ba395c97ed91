//! Engine request bodies built from the desired state: containers (with dmap's labels and the
//! recorded spec), networks, volumes, volume-preparation helpers, exec commands. Pure.

use std::collections::HashMap;

use bollard::models::{
    ContainerCreateBody, EndpointIpamConfig, EndpointSettings, HostConfig, NetworkCreateRequest,
    NetworkingConfig, PortBinding, VolumeCreateRequest,
};

use super::{health_config, mac_address, option_fields, split_command, TranslateError};
use crate::model::exec::{Command, ExecCommand};
use crate::model::Value;
use crate::runtime::labels;
use crate::runtime::record::recorded;
use crate::runtime::spec::{
    ContainerSpec, EndpointSpec, MountKind, Prepare, ResolvedContainer, ResolvedNetwork, ResolvedVolume,
};

/// Labels every object dmap creates carries.
pub(crate) fn object_labels(map: &str, kind: &str, client: &str) -> HashMap<String, String> {
    HashMap::from([
        (labels::MAP.to_string(), map.to_string()),
        (labels::KIND.to_string(), kind.to_string()),
        (labels::CLIENT.to_string(), client.to_string()),
    ])
}

/// A command as words: a string is split as a shell would, a list is taken as it is.
pub(crate) fn command_words(value: &Value) -> Result<Vec<String>, TranslateError> {
    match value {
        Value::Str(s) => split_command(s),
        Value::List(words) => Ok(words
            .iter()
            .map(|w| w.scalar_text().unwrap_or_default())
            .collect()),
        other => Err(TranslateError::Words {
            message: format!("expected a command, found {other}"),
        }),
    }
}

/// The environment as the Engine takes it: `K=V` words, sorted by key.
pub(crate) fn env_words(env: &std::collections::BTreeMap<String, String>) -> Vec<String> {
    env.iter().map(|(k, v)| format!("{k}={v}")).collect()
}

/// The words of an exec command.
pub(crate) fn exec_words(e: &ExecCommand) -> Result<Vec<String>, TranslateError> {
    match &e.cmd {
        Command::Line(line) => split_command(line),
        Command::Argv(words) => Ok(words.clone()),
    }
}

/// Endpoint settings of a network; container-level `links` join every user-defined network's
/// endpoint, since the Engine honours `HostConfig.Links` only on the default bridge.
pub(crate) fn endpoint_settings(e: &EndpointSpec, spec: &ContainerSpec) -> EndpointSettings {
    let mut links: Vec<String> = e
        .links
        .iter()
        .map(|l| format!("{}:{}", l.container, l.alias))
        .collect();
    for l in &spec.links {
        let text = format!("{}:{}", l.container, l.alias);
        if !links.contains(&text) {
            links.push(text);
        }
    }
    let ipam = (e.ipv4_address.is_some() || e.ipv6_address.is_some()).then(|| EndpointIpamConfig {
        ipv4_address: e.ipv4_address.clone(),
        ipv6_address: e.ipv6_address.clone(),
        ..Default::default()
    });
    EndpointSettings {
        aliases: (!e.aliases.is_empty()).then(|| e.aliases.clone()),
        links: (!links.is_empty()).then_some(links),
        ipam_config: ipam,
        ..Default::default()
    }
}

/// The create call for a container: its spec, dmap's labels, the spec recorded in a label.
/// `carry` maps targets of the container being replaced to its anonymous volumes, which the new
/// container mounts again.
pub(crate) fn create_body(
    c: &ResolvedContainer,
    client: &str,
    carry: &[(String, String)],
) -> Result<ContainerCreateBody, TranslateError> {
    let spec: &ContainerSpec = &c.spec;
    let (mut body, mut host_config) = option_fields(&spec.options)?;
    body.image = Some(spec.image.clone());
    body.hostname.clone_from(&spec.hostname);
    body.domainname.clone_from(&spec.domainname);
    body.user.clone_from(&spec.user);
    body.env = (!spec.environment.is_empty()).then(|| env_words(&spec.environment));
    body.stop_signal.clone_from(&spec.stop_signal);
    body.stop_timeout = spec.stop_timeout.map(|t| i64::try_from(t).unwrap_or(i64::MAX));
    if let Some(cmd) = &spec.command {
        body.cmd = Some(command_words(cmd)?);
    }
    if let Some(ep) = &spec.entrypoint {
        body.entrypoint = Some(command_words(ep)?);
    }
    let mut binds: Vec<String> = host_config.binds.take().unwrap_or_default();
    let mut anonymous: Vec<String> = body.volumes.take().unwrap_or_default();
    for m in &spec.mounts {
        let mode = if m.readonly { "ro" } else { "rw" };
        match m.kind {
            MountKind::Anonymous => match carry.iter().find(|(target, _)| *target == m.target) {
                Some((_, volume)) => binds.push(format!("{volume}:{}:rw", m.target)),
                None => anonymous.push(m.target.clone()),
            },
            MountKind::Volume | MountKind::Bind => binds.push(format!("{}:{}:{mode}", m.source, m.target)),
        }
    }
    // Anonymous volumes the old container had beyond the map's (the image's `VOLUME`s).
    for (target, volume) in carry {
        if !spec.mounts.iter().any(|m| m.target == *target) {
            binds.push(format!("{volume}:{target}:rw"));
        }
    }
    host_config.binds = (!binds.is_empty()).then_some(binds);
    body.volumes = (!anonymous.is_empty()).then_some(anonymous);
    // The map's own come first; those given in `host_config` are kept too.
    if !spec.volumes_from.is_empty() {
        let mut from = spec.volumes_from.clone();
        from.extend(host_config.volumes_from.take().unwrap_or_default());
        host_config.volumes_from = Some(from);
    }
    if !spec.links.is_empty() {
        let mut links: Vec<String> = spec
            .links
            .iter()
            .map(|l| format!("{}:{}", l.container, l.alias))
            .collect();
        links.extend(host_config.links.take().unwrap_or_default());
        host_config.links = Some(links);
    }
    if let Some(h) = &spec.healthcheck {
        body.healthcheck = Some(health_config(h));
    }
    let mut exposed: Vec<String> = body.exposed_ports.take().unwrap_or_default();
    let mut bindings: HashMap<String, Option<Vec<PortBinding>>> =
        host_config.port_bindings.take().unwrap_or_default();
    for p in &spec.ports {
        if !exposed.contains(&p.container_port) {
            exposed.push(p.container_port.clone());
        }
        if let Some(host_port) = p.host_port {
            bindings
                .entry(p.container_port.clone())
                .or_insert_with(|| Some(Vec::new()))
                .get_or_insert_with(Vec::new)
                .push(PortBinding {
                    host_ip: p.host_ip.clone(),
                    // 0: any free port, which the Engine picks when it is left empty
                    host_port: Some(if host_port == 0 {
                        String::new()
                    } else {
                        host_port.to_string()
                    }),
                });
        }
    }
    body.exposed_ports = (!exposed.is_empty()).then_some(exposed);
    host_config.port_bindings = (!bindings.is_empty()).then_some(bindings);
    let (mac_key, mac) = mac_address(&spec.options).unzip();
    match &spec.network_mode {
        Some(mode) if mac.is_some() && mode != "bridge" => {
            return Err(TranslateError::Invalid {
                key: mac_key.unwrap_or_default().into(),
                message: format!("a container with network mode `{mode}` has no endpoint of its own"),
            })
        }
        Some(mode) if mode == "none" => {
            host_config.network_mode = Some("none".into());
            body.network_disabled = Some(true);
        }
        Some(mode) => host_config.network_mode = Some(mode.clone()),
        None => {
            if let Some(first) = spec.networks.first() {
                host_config.network_mode = Some(first.network.clone());
                let mut endpoint = endpoint_settings(first, spec);
                endpoint.mac_address = mac.clone();
                body.networking_config = Some(NetworkingConfig {
                    endpoints_config: Some(HashMap::from([(first.network.clone(), endpoint)])),
                });
            }
        }
    }
    if let (Some(mac), None) = (&mac, &body.networking_config) {
        // The default bridge (or `network_mode: bridge`) is the network joined at creation.
        body.networking_config = Some(NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                "bridge".to_string(),
                EndpointSettings {
                    mac_address: Some(mac.clone()),
                    ..Default::default()
                },
            )])),
        });
    }
    body.host_config = Some(host_config);
    let mut all_labels = body.labels.take().unwrap_or_default();
    all_labels.extend(object_labels(&c.map, "container", client));
    all_labels.insert(labels::CONFIG.into(), c.config.clone());
    if let Some(i) = &c.instance {
        all_labels.insert(labels::INSTANCE.into(), i.clone());
    }
    all_labels.insert(labels::SCHEMA.into(), labels::SCHEMA_VERSION.into());
    all_labels.insert(
        labels::SPEC.into(),
        serde_json::to_string(&recorded(spec)).map_err(|e| TranslateError::Invalid {
            key: "spec".into(),
            message: format!("can't record the spec: {e}"),
        })?,
    );
    body.labels = Some(all_labels);
    Ok(body)
}

/// The create call for a map network.
pub(crate) fn network_body(
    n: &ResolvedNetwork,
    client: &str,
) -> Result<NetworkCreateRequest, TranslateError> {
    let mut request = NetworkCreateRequest {
        name: n.name.clone(),
        driver: Some(n.driver.clone()),
        internal: Some(n.internal),
        options: Some(n.driver_options.clone().into_iter().collect()),
        labels: Some(object_labels(&n.map, "network", client)),
        ..Default::default()
    };
    for (key, value) in &n.create_options {
        match (key.as_str(), value) {
            ("attachable", Value::Bool(b)) => request.attachable = Some(*b),
            ("enable_ipv6", Value::Bool(b)) => request.enable_ipv6 = Some(*b),
            ("ipam", Value::Map(m)) => request.ipam = Some(ipam(m)),
            ("labels", Value::Map(m)) => {
                let labels = request.labels.get_or_insert_with(HashMap::new);
                for (k, v) in m {
                    labels
                        .entry(k.clone())
                        .or_insert_with(|| v.scalar_text().unwrap_or_default());
                }
            }
            _ => {
                return Err(TranslateError::Unsupported {
                    key: format!("{key}` of network `{}", n.name),
                })
            }
        }
    }
    Ok(request)
}

/// A network's `ipam` (checked by the model) as the Engine takes it.
fn ipam(m: &std::collections::BTreeMap<String, Value>) -> bollard::models::Ipam {
    let text = |v: Option<&Value>| v.and_then(Value::scalar_text);
    let strings = |v: Option<&Value>| match v {
        Some(Value::Map(m)) => Some(
            m.iter()
                .map(|(k, v)| (k.clone(), v.scalar_text().unwrap_or_default()))
                .collect::<HashMap<String, String>>(),
        ),
        _ => None,
    };
    let config = match m.get("config") {
        Some(Value::List(pools)) => Some(
            pools
                .iter()
                .filter_map(|p| match p {
                    Value::Map(p) => Some(bollard::models::IpamConfig {
                        subnet: text(p.get("subnet")),
                        ip_range: text(p.get("ip_range")),
                        gateway: text(p.get("gateway")),
                        auxiliary_addresses: strings(p.get("aux_addresses")),
                    }),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    };
    bollard::models::Ipam {
        driver: text(m.get("driver")),
        config,
        options: strings(m.get("options")),
    }
}

/// The create call for an attached volume.
pub(crate) fn volume_body(v: &ResolvedVolume, client: &str) -> VolumeCreateRequest {
    let mut volume_labels: HashMap<String, String> = v.labels.clone().into_iter().collect();
    volume_labels.extend(object_labels(&v.map, "volume", client));
    volume_labels.insert(labels::CONFIG.into(), v.owner.clone());
    VolumeCreateRequest {
        name: Some(v.name.clone()),
        driver: Some(v.driver.clone()),
        driver_opts: Some(v.driver_options.clone().into_iter().collect()),
        labels: Some(volume_labels),
        ..Default::default()
    }
}

/// The name a container's replacement has while it is recreated: beside the old container
/// until that one is removed (`ReplaceContainer`), or left by an interrupted recreation.
pub(crate) fn replacement_name(container: &str) -> String {
    format!("{container}{REPLACEMENT}")
}

/// The container a replacement's temporary name stands for (the inverse of
/// [`replacement_name`]).
pub(crate) fn replaced_by(name: &str) -> Option<&str> {
    name.strip_suffix(REPLACEMENT).filter(|c| !c.is_empty())
}

const REPLACEMENT: &str = ".dmap-new";

/// The name of the helper container that prepares `volume` for container `container`.
pub(crate) fn helper_name(container: &str, volume: &str) -> String {
    format!("{container}.prepare.{volume}")
}

/// The helper container that runs chown/chmod on a volume as root, from `image`, with no network.
pub(crate) fn helper_body(
    c: &ResolvedContainer,
    p: &Prepare,
    image: &str,
    client: &str,
) -> ContainerCreateBody {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut script = Vec::new();
    if let Some(owner) = &p.owner {
        script.push(format!("chown -R {} {}", quote(owner), quote(&p.path)));
    }
    if let Some(mode) = &p.mode {
        script.push(format!("chmod -R {} {}", quote(mode), quote(&p.path)));
    }
    let mut helper_labels = object_labels(&c.map, "helper", client);
    helper_labels.insert(labels::CONFIG.into(), c.config.clone());
    ContainerCreateBody {
        image: Some(image.to_string()),
        user: Some("0".into()),
        entrypoint: Some(vec!["sh".into(), "-c".into()]),
        cmd: Some(vec![script.join(" && ")]),
        labels: Some(helper_labels),
        network_disabled: Some(true),
        host_config: Some(HostConfig {
            binds: Some(vec![format!("{}:{}:rw", p.volume, p.path)]),
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The name of the marker volume recording that `map` adopted the `kind` (`volume`, `network`)
/// named `name`: derived from the three, so each adoption has one marker.
pub(crate) fn adoption_marker(kind: &str, name: &str, map: &str) -> String {
    // FNV-1a, 64 bits: stable across Rust releases and machines.
    let hash = [kind, name, map]
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, part| {
            part.bytes()
                .chain(std::iter::once(0))
                .fold(h, |h, byte| (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
        });
    format!("dmap-adopted-{kind}-{hash:016x}")
}

/// The marker volume of an adoption: empty, labelled with the map and what it adopted.
pub(crate) fn adoption_body(kind: &str, name: &str, map: &str, client: &str) -> VolumeCreateRequest {
    let mut marker_labels = object_labels(map, labels::KIND_ADOPTION, client);
    marker_labels.insert(labels::ADOPTED.into(), format!("{kind}:{name}"));
    VolumeCreateRequest {
        name: Some(adoption_marker(kind, name, map)),
        driver: Some("local".into()),
        labels: Some(marker_labels),
        ..Default::default()
    }
}
