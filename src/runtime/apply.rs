//! Applying a plan: each step is one or a few Engine calls; steps run in dependency order,
//! independent ones in parallel (bounded), and a failed step stops only what depends on it.

use std::collections::HashMap;
use std::time::Duration;

use bollard::exec::{CreateExecOptions, StartExecOptions};
use bollard::models::{
    ContainerCreateBody, EndpointIpamConfig, EndpointSettings, HostConfig, NetworkConnectRequest,
    NetworkCreateRequest, NetworkDisconnectRequest, NetworkingConfig, PortBinding, VolumeCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptions, EventsOptions, KillContainerOptions, LogsOptions,
    RemoveContainerOptions, StopContainerOptions, WaitContainerOptions,
};
use futures_util::StreamExt;

use super::driver::Driver;
use super::error::{message, status};
use super::executor::{self, Event, Node, Outcome};
use super::labels;
use super::plan::{Plan, Step, StepKind};
use super::spec::{ContainerSpec, Desired, DesiredContainer};
use super::translate;
use crate::model::exec::Command;
use crate::model::Value;

/// How long `wait_healthy` waits when the client sets no `wait_timeout`.
pub const DEFAULT_HEALTH_WAIT: Duration = Duration::from_secs(120);

/// What happened to one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    Done,
    Failed(String),
    /// Not run: the step it needed failed.
    Skipped {
        because: usize,
    },
}

/// Runs the plan; `on_progress` hears each step start and finish.
pub async fn apply(
    driver: &Driver,
    desired: &Desired,
    plan: &Plan,
    limit: usize,
    mut on_progress: impl FnMut(usize, &Step, Option<&StepOutcome>),
) -> Result<Vec<StepOutcome>, executor::ExecutorError> {
    let nodes: Vec<Node<&Step>> = plan.steps.iter().map(|s| Node::new(s, s.deps.clone())).collect();
    let outcomes = executor::run_with_events(
        &nodes,
        limit,
        |_, step| run_step(driver, desired, step),
        |i, event: Event<'_, (), String>| match event {
            Event::Started => on_progress(i, &plan.steps[i], None),
            Event::Finished(o) => on_progress(i, &plan.steps[i], Some(&convert(o))),
        },
    )
    .await?;
    Ok(outcomes.iter().map(convert).collect())
}

fn convert(o: &Outcome<(), String>) -> StepOutcome {
    match o {
        Outcome::Done(()) => StepOutcome::Done,
        Outcome::Failed(e) => StepOutcome::Failed(e.clone()),
        Outcome::Skipped { because } => StepOutcome::Skipped { because: *because },
    }
}

fn engine(e: bollard::errors::Error) -> String {
    message(&e)
}

/// Success also when the Engine says it is already so (304), or already gone (404).
fn idempotent(r: Result<(), bollard::errors::Error>, ok: &[u16]) -> Result<(), String> {
    match r {
        Ok(()) => Ok(()),
        Err(e) if status(&e).is_some_and(|s| ok.contains(&s)) => Ok(()),
        Err(e) => Err(engine(e)),
    }
}

fn container<'a>(desired: &'a Desired, name: &str) -> Result<&'a DesiredContainer, String> {
    desired
        .container(name)
        .ok_or_else(|| format!("container `{name}` is not in the maps"))
}

async fn run_step(driver: &Driver, desired: &Desired, step: &Step) -> Result<(), String> {
    let docker = &driver.docker;
    match &step.kind {
        StepKind::PullImage { image } => pull(driver, image).await,
        StepKind::CreateNetwork { network } => {
            let n = desired
                .networks
                .iter()
                .find(|n| n.name == *network)
                .ok_or_else(|| format!("network `{network}` is not in the maps"))?;
            let mut request = NetworkCreateRequest {
                name: n.name.clone(),
                driver: Some(n.driver.clone()),
                internal: Some(n.internal),
                options: Some(n.driver_options.clone().into_iter().collect()),
                labels: Some(object_labels(&n.map, "network", &driver.client)),
                ..Default::default()
            };
            for (key, value) in &n.create_options {
                match (key.as_str(), value) {
                    ("attachable", Value::Bool(b)) => request.attachable = Some(*b),
                    ("enable_ipv6", Value::Bool(b)) => request.enable_ipv6 = Some(*b),
                    ("labels", Value::Map(m)) => {
                        let labels = request.labels.get_or_insert_with(HashMap::new);
                        for (k, v) in m {
                            labels
                                .entry(k.clone())
                                .or_insert_with(|| v.scalar_text().unwrap_or_default());
                        }
                    }
                    _ => return Err(format!("network `{network}`: unsupported create option `{key}`")),
                }
            }
            // This Engine accepts duplicate network names; a create an interrupted run sent may
            // have landed after this run looked, so look again right before creating.
            match docker.inspect_network(network, None).await {
                Ok(existing)
                    if existing
                        .labels
                        .as_ref()
                        .is_some_and(|l| l.get(labels::MAP) == Some(&n.map)) =>
                {
                    return Ok(())
                }
                Ok(_) => {
                    return Err(format!(
                        "network `{network}` exists but was not created by dmap for map `{}`",
                        n.map
                    ))
                }
                Err(e) if status(&e) == Some(404) => {}
                Err(e) => return Err(engine(e)),
            }
            docker.create_network(request).await.map(|_| ()).map_err(engine)
        }
        StepKind::RemoveNetwork { network } => idempotent(docker.remove_network(network).await, &[404]),
        StepKind::CreateVolume { volume } => {
            let v = desired
                .volumes
                .iter()
                .find(|v| v.name == *volume)
                .ok_or_else(|| format!("volume `{volume}` is not in the maps"))?;
            let mut volume_labels = object_labels(&v.map, "volume", &driver.client);
            volume_labels.insert(labels::CONFIG.into(), v.owner.clone());
            let request = VolumeCreateRequest {
                name: Some(v.name.clone()),
                driver: Some(v.driver.clone()),
                driver_opts: Some(v.driver_options.clone().into_iter().collect()),
                labels: Some(volume_labels),
                ..Default::default()
            };
            docker.create_volume(request).await.map(|_| ()).map_err(engine)
        }
        StepKind::RemoveVolume { volume } => idempotent(
            docker
                .remove_volume(volume, None::<bollard::query_parameters::RemoveVolumeOptions>)
                .await,
            &[404],
        ),
        StepKind::PrepareVolume {
            volume,
            container: name,
        } => prepare(driver, desired, volume, name).await,
        StepKind::CreateContainer {
            container: name,
            carry,
        } => {
            let c = container(desired, name)?;
            let body = create_body(c, &driver.client, carry)?;
            let options = CreateContainerOptions {
                name: Some(name.clone()),
                platform: translate::platform(&c.spec.options).unwrap_or_default(),
            };
            docker
                .create_container(Some(options), body)
                .await
                .map(|_| ())
                .map_err(engine)
        }
        StepKind::ConnectNetwork {
            container: name,
            network,
        } => {
            let c = container(desired, name)?;
            let endpoint = c.spec.networks.iter().find(|e| e.network == *network);
            let request = NetworkConnectRequest {
                container: name.clone(),
                endpoint_config: endpoint.map(|e| endpoint_settings(e, &c.spec)),
            };
            docker.connect_network(network, request).await.map_err(engine)
        }
        StepKind::DisconnectNetwork {
            container: name,
            network,
        } => {
            let request = NetworkDisconnectRequest {
                container: name.clone(),
                force: Some(true),
            };
            idempotent(docker.disconnect_network(network, request).await, &[404])
        }
        StepKind::StartContainer { container: name } => {
            idempotent(docker.start_container(name, None).await, &[304])?;
            if let Some(delay) = desired.container(name).and_then(|c| c.start_delay) {
                tokio::time::sleep(Duration::from_secs_f64(delay)).await;
            }
            Ok(())
        }
        StepKind::WaitHealthy { container: name } => wait_healthy(driver, name).await,
        StepKind::ExecCommands {
            container: name,
            commands,
        } => {
            let c = container(desired, name)?;
            for i in commands {
                let Some(e) = c.exec_commands.get(*i) else {
                    continue;
                };
                let cmd = match &e.cmd {
                    Command::Line(line) => translate::split_command(line).map_err(|e| e.to_string())?,
                    Command::Argv(words) => words.clone(),
                };
                let options = CreateExecOptions {
                    cmd: Some(cmd),
                    user: e.user.clone().or_else(|| c.exec_user.clone()),
                    ..Default::default()
                };
                let exec = docker.create_exec(name, options).await.map_err(engine)?;
                docker
                    .start_exec(
                        &exec.id,
                        Some(StartExecOptions {
                            detach: true,
                            ..Default::default()
                        }),
                    )
                    .await
                    .map(|_| ())
                    .map_err(engine)?;
            }
            Ok(())
        }
        StepKind::UpdateContainer { container: name } => {
            let c = container(desired, name)?;
            match translate::update_body(&c.spec.options, &Default::default()).map_err(|e| e.to_string())? {
                Some(body) => docker.update_container(name, body).await.map_err(engine),
                None => Ok(()),
            }
        }
        StepKind::StopContainer { container: name } => {
            // With SIGKILL as its stop signal, a grace period is pointless: kill at once.
            let kill = desired
                .container(name)
                .and_then(|c| c.spec.stop_signal.as_deref())
                .is_some_and(|s| matches!(s, "SIGKILL" | "KILL" | "9"));
            if kill {
                let options = KillContainerOptions {
                    signal: "SIGKILL".into(),
                };
                // 409: not running any more, which is what was wanted.
                idempotent(docker.kill_container(name, Some(options)).await, &[404, 409])?;
                let mut wait = docker.wait_container(
                    name,
                    Some(WaitContainerOptions {
                        condition: "not-running".into(),
                    }),
                );
                return match wait.next().await {
                    Some(Err(e))
                        if status(&e).is_some_and(|s| s != 404)
                            && !matches!(e, bollard::errors::Error::DockerContainerWaitError { .. }) =>
                    {
                        Err(engine(e))
                    }
                    _ => Ok(()),
                };
            }
            let timeout = desired
                .container(name)
                .and_then(|c| c.spec.stop_timeout)
                .map(|t| t as f64)
                .or(driver.config.stop_timeout)
                .unwrap_or(10.0);
            let options = StopContainerOptions {
                signal: None,
                t: Some(timeout.ceil() as i32),
            };
            idempotent(docker.stop_container(name, Some(options)).await, &[304, 404])
        }
        StepKind::RemoveContainer { container: name } => {
            let options = RemoveContainerOptions {
                v: false,
                force: false,
                link: false,
            };
            idempotent(docker.remove_container(name, Some(options)).await, &[404])
        }
        StepKind::KillContainer {
            container: name,
            signal,
        } => {
            let options = KillContainerOptions {
                signal: signal.clone(),
            };
            docker.kill_container(name, Some(options)).await.map_err(engine)
        }
    }
}

/// Labels every object dmap creates carries.
fn object_labels(map: &str, kind: &str, client: &str) -> HashMap<String, String> {
    HashMap::from([
        (labels::MAP.to_string(), map.to_string()),
        (labels::KIND.to_string(), kind.to_string()),
        (labels::CLIENT.to_string(), client.to_string()),
    ])
}

async fn pull(driver: &Driver, image: &str) -> Result<(), String> {
    let (name, tag) = crate::model::image::split_tag(image);
    let options = CreateImageOptions {
        from_image: Some(name.to_string()),
        tag: tag.map(str::to_string),
        ..Default::default()
    };
    let mut stream = driver.docker.create_image(Some(options), None, None);
    while let Some(item) = stream.next().await {
        let info = item.map_err(engine)?;
        if let Some(detail) = info.error_detail.and_then(|d| d.message) {
            return Err(detail);
        }
    }
    Ok(())
}

fn command_words(value: &Value) -> Result<Vec<String>, String> {
    match value {
        Value::Str(s) => translate::split_command(s).map_err(|e| e.to_string()),
        Value::List(words) => Ok(words
            .iter()
            .map(|w| w.scalar_text().unwrap_or_default())
            .collect()),
        other => Err(format!("expected a command, found {other}")),
    }
}

/// Endpoint settings of a network; container-level `links` join every user-defined network's
/// endpoint, since the Engine honours `HostConfig.Links` only on the default bridge.
fn endpoint_settings(e: &super::spec::EndpointSpec, spec: &ContainerSpec) -> EndpointSettings {
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
fn create_body(
    c: &DesiredContainer,
    client: &str,
    carry: &[(String, String)],
) -> Result<ContainerCreateBody, String> {
    let spec: &ContainerSpec = &c.spec;
    let mut body = ContainerCreateBody {
        image: Some(spec.image.clone()),
        hostname: spec.hostname.clone(),
        domainname: spec.domainname.clone(),
        user: spec.user.clone(),
        env: (!spec.env.is_empty()).then(|| spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        stop_signal: spec.stop_signal.clone(),
        stop_timeout: spec.stop_timeout.map(|t| i64::try_from(t).unwrap_or(i64::MAX)),
        ..Default::default()
    };
    if let Some(cmd) = &spec.command {
        body.cmd = Some(command_words(cmd)?);
    }
    if let Some(ep) = &spec.entrypoint {
        body.entrypoint = Some(command_words(ep)?);
    }
    let mut host = HostConfig::default();
    translate::apply_create_options(&spec.options, &mut body, &mut host).map_err(|e| e.to_string())?;
    if let Some(h) = &spec.healthcheck {
        body.healthcheck = Some(translate::health_config(h));
    }
    let mut binds: Vec<String> = host.binds.take().unwrap_or_default();
    let mut anonymous: Vec<String> = body.volumes.take().unwrap_or_default();
    for m in &spec.mounts {
        let mode = if m.readonly { "ro" } else { "rw" };
        match m.kind.as_str() {
            "anonymous" => match carry.iter().find(|(target, _)| *target == m.target) {
                Some((_, volume)) => binds.push(format!("{volume}:{}:rw", m.target)),
                None => anonymous.push(m.target.clone()),
            },
            _ => binds.push(format!("{}:{}:{mode}", m.source, m.target)),
        }
    }
    host.binds = (!binds.is_empty()).then_some(binds);
    body.volumes = (!anonymous.is_empty()).then_some(anonymous);
    if !spec.volumes_from.is_empty() {
        host.volumes_from = Some(spec.volumes_from.clone());
    }
    if !spec.links.is_empty() {
        host.links = Some(
            spec.links
                .iter()
                .map(|l| format!("{}:{}", l.container, l.alias))
                .collect(),
        );
    }
    let mut exposed: Vec<String> = body.exposed_ports.take().unwrap_or_default();
    let mut bindings: HashMap<String, Option<Vec<PortBinding>>> =
        host.port_bindings.take().unwrap_or_default();
    for p in &spec.ports {
        if !exposed.contains(&p.port) {
            exposed.push(p.port.clone());
        }
        if let Some(host_port) = p.host_port {
            bindings
                .entry(p.port.clone())
                .or_insert_with(|| Some(Vec::new()))
                .get_or_insert_with(Vec::new)
                .push(PortBinding {
                    host_ip: p.host_ip.clone(),
                    host_port: Some(host_port.to_string()),
                });
        }
    }
    body.exposed_ports = (!exposed.is_empty()).then_some(exposed);
    host.port_bindings = (!bindings.is_empty()).then_some(bindings);
    match &spec.network_mode {
        Some(mode) if mode == "none" => {
            host.network_mode = Some("none".into());
            body.network_disabled = Some(true);
        }
        Some(mode) => host.network_mode = Some(mode.clone()),
        None => {
            if let Some(first) = spec.networks.first() {
                host.network_mode = Some(first.network.clone());
                body.networking_config = Some(NetworkingConfig {
                    endpoints_config: Some(HashMap::from([(
                        first.network.clone(),
                        endpoint_settings(first, spec),
                    )])),
                });
            }
        }
    }
    body.host_config = Some(host);
    let mut all_labels = body.labels.take().unwrap_or_default();
    all_labels.extend(object_labels(&c.map, "container", client));
    all_labels.insert(labels::CONFIG.into(), c.config.clone());
    if let Some(i) = &c.instance {
        all_labels.insert(labels::INSTANCE.into(), i.clone());
    }
    all_labels.insert(labels::SCHEMA.into(), labels::SCHEMA_VERSION.into());
    all_labels.insert(
        labels::SPEC.into(),
        serde_json::to_string(spec).map_err(|e| format!("can't record the spec: {e}"))?,
    );
    body.labels = Some(all_labels);
    Ok(body)
}

/// chown/chmod of an attached volume through a short-lived helper container, running as root
/// from the attaching container's image (so user names resolve as there) unless the client
/// names a `core_image`.
async fn prepare(driver: &Driver, desired: &Desired, volume: &str, name: &str) -> Result<(), String> {
    let docker = &driver.docker;
    let c = container(desired, name)?;
    let Some(p) = c.prepare.iter().find(|p| p.volume == volume) else {
        return Ok(());
    };
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut script = Vec::new();
    if let Some(owner) = &p.owner {
        script.push(format!("chown -R {} {}", quote(owner), quote(&p.path)));
    }
    if let Some(mode) = &p.mode {
        script.push(format!("chmod -R {} {}", quote(mode), quote(&p.path)));
    }
    let helper = format!("{name}.prepare");
    let image = driver
        .config
        .core_image
        .clone()
        .unwrap_or_else(|| c.spec.image.clone());
    let mut helper_labels = object_labels(&c.map, "helper", &driver.client);
    helper_labels.insert(labels::CONFIG.into(), c.config.clone());
    let body = ContainerCreateBody {
        image: Some(image),
        user: Some("0".into()),
        entrypoint: Some(vec!["sh".into(), "-c".into()]),
        cmd: Some(vec![script.join(" && ")]),
        labels: Some(helper_labels),
        network_disabled: Some(true),
        host_config: Some(HostConfig {
            binds: Some(vec![format!("{volume}:{}:rw", p.path)]),
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    // A helper left by an interrupted run goes first.
    let force = RemoveContainerOptions {
        force: true,
        ..Default::default()
    };
    idempotent(
        docker.remove_container(&helper, Some(force.clone())).await,
        &[404],
    )?;
    let options = CreateContainerOptions {
        name: Some(helper.clone()),
        ..Default::default()
    };
    docker
        .create_container(Some(options), body)
        .await
        .map_err(engine)?;
    let result = async {
        docker.start_container(&helper, None).await.map_err(engine)?;
        let mut wait = docker.wait_container(
            &helper,
            Some(WaitContainerOptions {
                condition: "not-running".into(),
            }),
        );
        let code = match wait.next().await {
            Some(Ok(r)) => r.status_code,
            // bollard reports a non-zero exit as an error carrying the code
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => code,
            Some(Err(e)) => return Err(engine(e)),
            None => 0,
        };
        if code != 0 {
            let logs = logs(driver, &helper).await;
            return Err(format!(
                "preparing volume `{volume}` failed (exit code {code}): {logs}"
            ));
        }
        Ok(())
    }
    .await;
    idempotent(docker.remove_container(&helper, Some(force)).await, &[404])?;
    result
}

async fn logs(driver: &Driver, name: &str) -> String {
    let options = LogsOptions {
        stdout: true,
        stderr: true,
        tail: "20".into(),
        ..Default::default()
    };
    let mut stream = driver.docker.logs(name, Some(options));
    let mut out = String::new();
    while let Some(Ok(chunk)) = stream.next().await {
        out.push_str(&chunk.to_string());
    }
    out.trim().to_string()
}

/// Waits for a container's healthcheck to report `healthy`, driven by Engine events; a
/// container without a healthcheck counts as healthy once running.
async fn wait_healthy(driver: &Driver, name: &str) -> Result<(), String> {
    let docker = &driver.docker;
    let filters = HashMap::from([
        ("container".to_string(), vec![name.to_string()]),
        ("type".to_string(), vec!["container".to_string()]),
    ]);
    // Subscribe before looking, so no change falls between the two.
    let mut events = docker.events(Some(EventsOptions {
        filters: Some(filters),
        ..Default::default()
    }));
    let state = |info: bollard::models::ContainerInspectResponse| {
        let st = info.state.unwrap_or_default();
        (
            st.running.unwrap_or(false),
            st.health.and_then(|h| h.status).map(|s| s.to_string()),
            st.exit_code,
        )
    };
    let (running, health, code) = state(docker.inspect_container(name, None).await.map_err(engine)?);
    match (running, health.as_deref()) {
        (_, Some("healthy")) | (true, None | Some("none")) => return Ok(()),
        (false, _) => {
            return Err(format!(
                "container `{name}` is not running (exit code {})",
                code.unwrap_or(0)
            ))
        }
        _ => {}
    }
    let limit = driver
        .config
        .wait_timeout
        .map_or(DEFAULT_HEALTH_WAIT, Duration::from_secs_f64);
    let waited = tokio::time::timeout(limit, async {
        while let Some(event) = events.next().await {
            let event = event.map_err(engine)?;
            let action = event.action.unwrap_or_default();
            if action.starts_with("health_status") {
                if action.ends_with("healthy") && !action.ends_with("unhealthy") {
                    return Ok(());
                }
                if action.ends_with("unhealthy") {
                    return Err(format!("container `{name}` reports unhealthy"));
                }
            } else if action == "die" || action == "destroy" {
                return Err(format!(
                    "container `{name}` stopped while dmap waited for it to be healthy"
                ));
            }
        }
        Err(format!(
            "the Engine stopped sending events while waiting for `{name}`"
        ))
    })
    .await;
    match waited {
        Ok(r) => r,
        Err(_) => Err(format!(
            "container `{name}` was not healthy within {} s (client `wait_timeout`)",
            limit.as_secs()
        )),
    }
}
