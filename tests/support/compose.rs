//! Docker Compose v2 beside dmap: running the real `docker compose` on a project directory, and
//! reading back what a project put on the Engine, normalised so that two projects (one made by
//! Compose v2, one by dmap, under other project names) compare equal when they would run the
//! same containers.
//!
//! Compose v2 is required: when it is missing, tests fail (they never skip). CI installs it and
//! exports [`COMPOSE_V2_ENV`]; elsewhere `bench/compose-v2.sh` finds or installs it.
//!
//! What [`engine_state`] normalises, so the dmap side knows what it must match and what it may
//! do its own way:
//! - the project name, wherever it appears (object names, mount sources, aliases, network modes,
//!   label and environment values), reads `PROJECT`; full ids of the project's containers (as in
//!   `container:<id>` modes) read as their normalised names;
//! - `Config.Hostname` equal to the container's short id (the Engine's default) reads `<id>`; the
//!   alias the Engine adds for the short id is dropped;
//! - labels starting with `com.docker.compose.` or `dmap.` are dropped (the image's labels,
//!   merged in by the Engine, stay: both tools get the same);
//! - `Config.Env`, `ExposedPorts`, `CapAdd`, `CapDrop`, `SecurityOpt`, `ExtraHosts`, `Ulimits`
//!   (by name) and network aliases are sorted (Compose keeps some of them in maps, and their
//!   order means nothing to the Engine); `Dns`, `Cmd`, `GroupAdd`, ... keep theirs;
//! - `HostConfig.Binds`, `HostConfig.Mounts` and `Config.Volumes` are one list of mounts
//!   (type, source, target, read-only, options) sorted by target: a named volume may be a bind
//!   string or a mount, an anonymous volume a mount or a `Config.Volumes` entry; an anonymous
//!   volume's source (none, or a 64-hex name) reads `""`;
//! - an empty list or map reads as none (`[]` and `null` mean the same to the Engine).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bollard::models::{ContainerInspectResponse, HostConfig, Mount};
use bollard::query_parameters::{
    InspectContainerOptions, ListContainersOptionsBuilder, ListNetworksOptionsBuilder,
    ListVolumesOptionsBuilder,
};
use bollard::Docker;
use serde_json::{json, Map, Value};

use super::harness::{Output, Test};
use super::{docker, is_not_found, COMPOSE_PROJECT_LABEL};

/// The variable naming the Compose v2 binary (`.ci/run` exports it).
pub(crate) const COMPOSE_V2_ENV: &str = "DMAP_COMPOSE_V2";

/// The label dmap puts on a map's objects: `dmap.map=<map>`.
const DMAP_MAP_LABEL: &str = "dmap.map";

/// Labels of these prefixes are the tools' own bookkeeping, not the file's: not compared.
const TOOL_LABEL_PREFIXES: [&str; 2] = ["com.docker.compose.", "dmap."];

/// Variables removed from the environment Compose v2 (and dmap, in the tests) inherit: Compose's
/// own settings (`COMPOSE_*`), and the fixtures' variables that must be unset for their
/// `${VAR:-default}` to take the default (`DMAP_FIXTURE_*`); a test passes what it sets.
pub(crate) const CLEARED_PREFIXES: [&str; 2] = ["COMPOSE_", "DMAP_FIXTURE_"];

/// How long one `up` or `down` of Compose v2 may take.
const COMPOSE_TIMEOUT: Duration = Duration::from_secs(240);

/// Where the project's name reads in a normalised state.
pub(crate) const PROJECT: &str = "PROJECT";

/// The Compose v2 binary: `$DMAP_COMPOSE_V2`, else what `bench/compose-v2.sh` prints (it
/// installs Compose v2 into a cache folder when absent). Panics, with the reason, when neither
/// gives one: the Compose tests fail without it.
pub(crate) fn compose_v2() -> String {
    static BIN: OnceLock<String> = OnceLock::new();
    BIN.get_or_init(find_compose_v2).clone()
}

fn find_compose_v2() -> String {
    if let Some(path) = std::env::var_os(COMPOSE_V2_ENV).filter(|path| !path.is_empty()) {
        let path = path.to_string_lossy().into_owned();
        assert!(
            Path::new(&path).is_file(),
            "{COMPOSE_V2_ENV}={path}, which is no file: the Compose tests need Docker Compose v2 \
             (unset {COMPOSE_V2_ENV} to let bench/compose-v2.sh install it)"
        );
        return path;
    }
    let root = env!("CARGO_MANIFEST_DIR");
    let output = Command::new("bash")
        .arg("bench/compose-v2.sh")
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("cannot run {root}/bench/compose-v2.sh: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let path = stdout.lines().last().unwrap_or_default().trim().to_string();
    assert!(
        output.status.success() && Path::new(&path).is_file(),
        "the Compose tests need Docker Compose v2, and bench/compose-v2.sh could not provide it \
         (set {COMPOSE_V2_ENV} to a docker-compose v2 binary instead): {}\n--- stdout:\n{stdout}\n\
         --- stderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    path
}

/// What one run of Compose v2 printed.
pub(crate) struct ComposeOutput {
    pub stdout: String,
    pub stderr: String,
}

/// Runs Compose v2 on `dir/compose.yaml` as project `project` (`COMPOSE_PROJECT_NAME`), with the
/// inherited environment less [`CLEARED_PREFIXES`] plus `env`, plain progress output, under
/// [`COMPOSE_TIMEOUT`]. Panics with the command, stdout and stderr when it fails or times out.
pub(crate) fn compose_v2_run(
    dir: &Path,
    project: &str,
    env: &[(&str, &str)],
    args: &[&str],
) -> ComposeOutput {
    let bin = compose_v2();
    let mut command = Command::new(&bin);
    command
        .args(["--ansi", "never", "--progress", "plain", "--file", "compose.yaml"])
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for key in cleared_variables() {
        command.env_remove(key);
    }
    command.env("COMPOSE_PROJECT_NAME", project);
    for (key, value) in env {
        command.env(key, value);
    }
    let shown = format!(
        "COMPOSE_PROJECT_NAME={project} {} docker-compose {} (in {})",
        env.iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join(" "),
        args.join(" "),
        dir.display()
    );
    let mut child = command
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {bin}: {error}"));
    let stdout = read_all(child.stdout.take().expect("stdout pipe"));
    let stderr = read_all(child.stderr.take().expect("stderr pipe"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for docker-compose") {
            break Some(status);
        }
        if started.elapsed() > COMPOSE_TIMEOUT {
            child.kill().ok();
            child.wait().ok();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = ComposeOutput {
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    };
    match status {
        Some(status) if status.success() => out,
        Some(status) => panic!(
            "{shown} failed: {status}\n--- stdout:\n{}\n--- stderr:\n{}",
            out.stdout, out.stderr
        ),
        None => panic!(
            "{shown} still running after {COMPOSE_TIMEOUT:?}; killed\n--- stdout:\n{}\n--- stderr:\n{}",
            out.stdout, out.stderr
        ),
    }
}

/// The inherited variables starting with one of [`CLEARED_PREFIXES`].
pub(crate) fn cleared_variables() -> Vec<OsString> {
    std::env::vars_os()
        .map(|(key, _)| key)
        .filter(|key| {
            let key = key.to_string_lossy();
            CLEARED_PREFIXES.iter().any(|prefix| key.starts_with(prefix))
        })
        .collect()
}

fn read_all(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        pipe.read_to_end(&mut bytes).ok();
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// `docker compose up --detach --wait`: creates and starts the project, and returns once every
/// container with a healthcheck is healthy (and the one-shots others wait for have completed).
pub(crate) fn compose_v2_up(dir: &Path, project: &str, env: &[(&str, &str)]) -> ComposeOutput {
    compose_v2_run(
        dir,
        project,
        env,
        &["up", "--detach", "--wait", "--wait-timeout", "180"],
    )
}

/// `docker compose down --volumes --remove-orphans`: removes the project's containers, networks
/// and volumes (anonymous ones with their containers).
pub(crate) fn compose_v2_down(dir: &Path, project: &str, env: &[(&str, &str)]) -> ComposeOutput {
    compose_v2_run(dir, project, env, &["down", "--volumes", "--remove-orphans"])
}

// ---------------------------------------------------------------------------------------------
// What the Engine shows of a project
// ---------------------------------------------------------------------------------------------

/// Fields of one object, by name, as normalised JSON values.
pub(crate) type Fields = BTreeMap<String, Value>;

/// Everything the Engine shows about one project's containers, volumes and networks, normalised
/// (see the module's documentation) so that two projects can be compared.
#[derive(Clone, Debug, Default)]
pub(crate) struct ProjectState {
    /// The project's name, as it was before normalisation.
    pub project: String,
    /// By normalised container name (`PROJECT-web-1`).
    pub containers: BTreeMap<String, Fields>,
    /// By normalised volume name (`PROJECT_data`).
    pub volumes: BTreeMap<String, Fields>,
    /// By normalised network name (`PROJECT_default`).
    pub networks: BTreeMap<String, Fields>,
    /// The Engine names of the anonymous volumes the containers mount: not compared, but they
    /// must be gone after `down --volumes` (see [`leftovers`]).
    pub anonymous_volumes: Vec<String>,
}

/// Reads what the Engine has of project `project`: containers named `project-*` (or one of
/// `container_names`, or labelled `com.docker.compose.project=project` or `dmap.map=project`),
/// volumes and networks named `project_*`.
pub(crate) async fn engine_state(project: &str, container_names: &[&str]) -> ProjectState {
    let docker = docker().await;
    let mut state = ProjectState {
        project: project.to_string(),
        ..Default::default()
    };
    let inspected = project_containers(&docker, project, container_names).await;
    // Full ids of the project's containers, for `container:<id>` modes.
    let ids: Vec<(String, String)> = inspected
        .iter()
        .map(|c| {
            let name = c.name.as_deref().unwrap_or_default();
            (
                c.id.clone().unwrap_or_default(),
                name.trim_start_matches('/').to_string(),
            )
        })
        .collect();
    for container in &inspected {
        let (name, fields, anonymous) = container_fields(container);
        state.anonymous_volumes.extend(anonymous);
        let name = normalise_str(&name, project, &ids);
        let mut fields = fields
            .into_iter()
            .map(|(key, value)| (key, normalise_value(value, project, &ids)))
            .collect();
        sort_lists(&mut fields);
        state.containers.insert(name, fields);
    }
    for volume in list_volume_names(&docker, project).await {
        if !volume.starts_with(&format!("{project}_")) {
            continue;
        }
        let inspected = match docker.inspect_volume(&volume).await {
            Ok(inspected) => inspected,
            Err(error) if is_not_found(&error) => continue,
            Err(error) => panic!("cannot inspect volume {volume}: {error}"),
        };
        let fields = Fields::from([
            ("driver".to_string(), json!(inspected.driver)),
            ("options".to_string(), sorted_map(&inspected.options)),
            ("labels".to_string(), file_labels(Some(&inspected.labels))),
        ]);
        let fields = fields
            .into_iter()
            .map(|(key, value)| (key, normalise_value(value, project, &ids)))
            .collect();
        state
            .volumes
            .insert(normalise_str(&volume, project, &ids), fields);
    }
    let filters = HashMap::from([("name".to_string(), vec![project.to_string()])]);
    let options = ListNetworksOptionsBuilder::default().filters(&filters).build();
    let networks = docker
        .list_networks(Some(options))
        .await
        .unwrap_or_else(|error| panic!("cannot list networks: {error}"));
    for network in networks {
        let name = network.name.clone().unwrap_or_default();
        if !name.starts_with(&format!("{project}_")) {
            continue;
        }
        let ipam = network.ipam.as_ref();
        let fields = Fields::from([
            ("driver".to_string(), json!(network.driver)),
            (
                "options".to_string(),
                sorted_map(&network.options.clone().unwrap_or_default()),
            ),
            ("internal".to_string(), json!(network.internal)),
            ("attachable".to_string(), json!(network.attachable)),
            ("ipv6".to_string(), json!(network.enable_ipv6)),
            ("labels".to_string(), file_labels(network.labels.as_ref())),
            (
                "ipam_driver".to_string(),
                json!(ipam.and_then(|i| i.driver.clone())),
            ),
            (
                "ipam_options".to_string(),
                sorted_map(&ipam.and_then(|i| i.options.clone()).unwrap_or_default()),
            ),
        ]);
        let fields = fields
            .into_iter()
            .map(|(key, value)| (key, normalise_value(value, project, &ids)))
            .collect();
        state.networks.insert(normalise_str(&name, project, &ids), fields);
    }
    state
}

/// The Engine list filters that find a project's objects: its name in theirs, or a label of
/// either tool naming it.
fn project_filters(project: &str) -> [HashMap<String, Vec<String>>; 3] {
    [
        HashMap::from([("name".to_string(), vec![project.to_string()])]),
        HashMap::from([(
            "label".to_string(),
            vec![format!("{COMPOSE_PROJECT_LABEL}={project}")],
        )]),
        HashMap::from([("label".to_string(), vec![format!("{DMAP_MAP_LABEL}={project}")])]),
    ]
}

/// Inspects the project's containers (see [`engine_state`]), sorted by name.
async fn project_containers(
    docker: &Docker,
    project: &str,
    container_names: &[&str],
) -> Vec<ContainerInspectResponse> {
    let mut ids = BTreeSet::new();
    for filters in project_filters(project) {
        let by_name = filters.contains_key("name");
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let listed = docker
            .list_containers(Some(options))
            .await
            .unwrap_or_else(|error| panic!("cannot list containers: {error}"));
        for container in listed {
            let named = container.names.iter().flatten().any(|name| {
                let name = name.trim_start_matches('/');
                name.starts_with(&format!("{project}-")) || container_names.contains(&name)
            });
            if named || !by_name {
                ids.insert(container.id.unwrap_or_default());
            }
        }
    }
    for name in container_names {
        match docker
            .inspect_container(name, None::<InspectContainerOptions>)
            .await
        {
            Ok(container) => {
                ids.insert(container.id.unwrap_or_default());
            }
            Err(error) if is_not_found(&error) => {}
            Err(error) => panic!("cannot inspect container {name}: {error}"),
        }
    }
    let mut inspected = Vec::new();
    for id in ids {
        match docker
            .inspect_container(&id, None::<InspectContainerOptions>)
            .await
        {
            Ok(container) => inspected.push(container),
            Err(error) if is_not_found(&error) => {}
            Err(error) => panic!("cannot inspect container {id}: {error}"),
        }
    }
    inspected.sort_by(|a, b| a.name.cmp(&b.name));
    inspected
}

/// Names of the volumes whose name contains `project`, or labelled as the project's.
async fn list_volume_names(docker: &Docker, project: &str) -> Vec<String> {
    volumes_matching(docker, project_filters(project))
        .await
        .into_iter()
        .collect()
}

/// Names of the volumes any of `filters` selects.
async fn volumes_matching(
    docker: &Docker,
    filters: impl IntoIterator<Item = HashMap<String, Vec<String>>>,
) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for filters in filters {
        let options = ListVolumesOptionsBuilder::default().filters(&filters).build();
        let listed = docker
            .list_volumes(Some(options))
            .await
            .unwrap_or_else(|error| panic!("cannot list volumes: {error}"));
        names.extend(listed.volumes.unwrap_or_default().into_iter().map(|v| v.name));
    }
    names
}

/// One container's name, its fields (before the project's name and ids are normalised), and
/// the names of the anonymous volumes it mounts.
fn container_fields(container: &ContainerInspectResponse) -> (String, Fields, Vec<String>) {
    let name = container
        .name
        .as_deref()
        .unwrap_or_default()
        .trim_start_matches('/')
        .to_string();
    let id = container.id.clone().unwrap_or_default();
    let short_id: String = id.chars().take(12).collect();
    let config = container.config.clone().unwrap_or_default();
    let host = container.host_config.clone().unwrap_or_default();
    let mut fields = Fields::new();
    let mut put = |key: &str, value: Value| {
        fields.insert(key.to_string(), value);
    };

    // Config
    put("image", json!(config.image));
    put("cmd", json!(config.cmd));
    put("entrypoint", json!(config.entrypoint));
    // An entry without `=` sets nothing in the container (Compose passes a bare name that is
    // unset as it is; dmap leaves it out).
    put(
        "env",
        sorted(
            config
                .env
                .clone()
                .map(|env| env.into_iter().filter(|e| e.contains('=')).collect()),
        ),
    );
    put("user", json!(config.user));
    put("working_dir", json!(config.working_dir));
    let hostname = config.hostname.clone().unwrap_or_default();
    put(
        "hostname",
        json!(if hostname == short_id {
            "<id>".to_string()
        } else {
            hostname
        }),
    );
    put("domainname", json!(config.domainname));
    put("tty", json!(config.tty));
    put("open_stdin", json!(config.open_stdin));
    put("stdin_once", json!(config.stdin_once));
    put("stop_signal", json!(config.stop_signal));
    put("stop_timeout", json!(config.stop_timeout));
    put("healthcheck", to_json(&config.healthcheck));
    put(
        "exposed_ports",
        sorted(config.exposed_ports.clone().map(expand_ports)),
    );
    put("labels", file_labels(config.labels.as_ref()));

    // HostConfig
    put("port_bindings", to_json(&host.port_bindings));
    put("restart_policy", to_json(&host.restart_policy));
    put("mounts", Value::Array(mounts(&config.volumes, &host)));
    put("tmpfs", to_json(&host.tmpfs));
    put("privileged", json!(host.privileged));
    put("readonly_rootfs", json!(host.readonly_rootfs));
    put("cap_add", sorted(host.cap_add.clone()));
    put("cap_drop", sorted(host.cap_drop.clone()));
    put("dns", to_json(&host.dns));
    put("dns_options", to_json(&host.dns_options));
    put("dns_search", to_json(&host.dns_search));
    // Compose keeps extra hosts in a map: their order is not the file's.
    put("extra_hosts", sorted(host.extra_hosts.clone()));
    put("init", json!(host.init));
    put("memory", json!(host.memory));
    put("memory_reservation", json!(host.memory_reservation));
    put("memory_swap", json!(host.memory_swap));
    put("nano_cpus", json!(host.nano_cpus));
    put("cpu_shares", json!(host.cpu_shares));
    put("cpu_period", json!(host.cpu_period));
    put("cpu_quota", json!(host.cpu_quota));
    put("cpuset_cpus", json!(host.cpuset_cpus));
    put("pids_limit", json!(host.pids_limit));
    put("oom_score_adj", json!(host.oom_score_adj));
    put("shm_size", json!(host.shm_size));
    // Compose keeps ulimits in a map: their order is not the file's.
    let mut ulimits = host.ulimits.clone().unwrap_or_default();
    ulimits.sort_by(|a, b| a.name.cmp(&b.name));
    put("ulimits", to_json(&ulimits));
    put("sysctls", to_json(&host.sysctls));
    put("network_mode", json!(host.network_mode));
    put("security_opt", sorted(host.security_opt.clone()));
    put("pid_mode", json!(host.pid_mode));
    put("ipc_mode", json!(host.ipc_mode));
    put("uts_mode", json!(host.uts_mode));
    put("userns_mode", json!(host.userns_mode));
    put("group_add", to_json(&host.group_add));
    put("log_config", to_json(&host.log_config));
    put("devices", to_json(&host.devices));
    put("links", to_json(&host.links));
    put("volumes_from", to_json(&host.volumes_from));
    put("publish_all_ports", json!(host.publish_all_ports));
    put("auto_remove", json!(host.auto_remove));
    put("runtime", json!(host.runtime));
    put("cgroup_parent", json!(host.cgroup_parent));

    // Networks: the aliases on each, less the short id the Engine adds.
    let mut networks = Map::new();
    let endpoints = container
        .network_settings
        .as_ref()
        .and_then(|settings| settings.networks.clone())
        .unwrap_or_default();
    for (network, endpoint) in endpoints {
        let aliases: BTreeSet<String> = endpoint
            .aliases
            .unwrap_or_default()
            .into_iter()
            .filter(|alias| !(alias.len() >= 12 && id.starts_with(alias.as_str())))
            .collect();
        let mut settings = Map::new();
        settings.insert("aliases".to_string(), json!(aliases));
        let ipam = endpoint.ipam_config.unwrap_or_default();
        settings.insert("ipv4_address".to_string(), json!(ipam.ipv4_address));
        settings.insert("ipv6_address".to_string(), json!(ipam.ipv6_address));
        settings.insert("links".to_string(), json!(endpoint.links));
        settings.insert("driver_opts".to_string(), to_json(&endpoint.driver_opts));
        networks.insert(network, Value::Object(settings));
    }
    put("networks", Value::Object(networks));

    // State: running, or how it ended.
    let state = container.state.clone().unwrap_or_default();
    let status = to_json(&state.status);
    let status = status.as_str().unwrap_or_default().to_string();
    put(
        "state",
        json!(match status.as_str() {
            "exited" | "dead" => format!("{status} ({})", state.exit_code.unwrap_or_default()),
            _ => status,
        }),
    );

    let anonymous = container
        .mounts
        .iter()
        .flatten()
        .filter_map(|mount| mount.name.clone())
        .filter(|name| is_anonymous_name(name))
        .collect();
    (name, fields, anonymous)
}

/// The container fields whose lists are sorted (after normalisation, which can change the
/// order), besides each network's aliases.
const SORTED_FIELDS: [&str; 6] = [
    "env",
    "exposed_ports",
    "cap_add",
    "cap_drop",
    "security_opt",
    "extra_hosts",
];

/// Sorts the lists of [`SORTED_FIELDS`] and the aliases on each network.
fn sort_lists(fields: &mut Fields) {
    let sort = |value: Option<&mut Value>| {
        if let Some(Value::Array(items)) = value {
            items.sort_by_key(|item| item.to_string());
        }
    };
    for key in SORTED_FIELDS {
        sort(fields.get_mut(key));
    }
    if let Some(Value::Object(networks)) = fields.get_mut("networks") {
        for settings in networks.values_mut() {
            sort(settings.get_mut("aliases"));
        }
    }
}

/// An anonymous volume's name: 64 hex digits.
fn is_anonymous_name(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The mounts a container was created with, from `Binds`, `Mounts` and `Config.Volumes`, as
/// `{type, source, target, read_only[, options]}` sorted by target.
fn mounts(volumes: &Option<Vec<String>>, host: &HostConfig) -> Vec<Value> {
    let mut found: Vec<(String, Value)> = Vec::new();
    for bind in host.binds.iter().flatten() {
        found.push(bind_mount(bind));
    }
    for mount in host.mounts.iter().flatten() {
        found.push(api_mount(mount));
    }
    for target in volumes.iter().flatten() {
        if !found.iter().any(|(known, _)| known == target) {
            found.push((
                target.clone(),
                mount_value("volume", "", target, false, Map::new()),
            ));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.to_string().cmp(&b.1.to_string())));
    found.into_iter().map(|(_, value)| value).collect()
}

/// One mount as compared; an anonymous volume's source is `""`.
fn mount_value(
    kind: &str,
    source: &str,
    target: &str,
    read_only: bool,
    options: Map<String, Value>,
) -> Value {
    let source = if is_anonymous_name(source) { "" } else { source };
    let mut value = json!({
        "type": kind,
        "source": source,
        "target": target,
        "read_only": read_only,
    });
    if !options.is_empty() {
        value["options"] = Value::Object(options);
    }
    value
}

/// A `Binds` entry (`SOURCE:TARGET[:MODE,...]`, or `TARGET` alone) as a mount: a bind when the
/// source is a path, else a volume; the mode's flags become the options a `Mounts` entry would
/// have (`nocopy` → `NoCopy`, a propagation → `Propagation`, `z`/`Z` → `Relabel`).
fn bind_mount(bind: &str) -> (String, Value) {
    let parts: Vec<&str> = bind.split(':').collect();
    let (source, target, mode) = match parts.as_slice() {
        [target] => ("", *target, ""),
        [source, target] => (*source, *target, ""),
        [source, target, mode, ..] => (*source, *target, *mode),
        [] => ("", "", ""),
    };
    let kind = if source.starts_with('/') { "bind" } else { "volume" };
    let mut read_only = false;
    let mut options = Map::new();
    for flag in mode.split(',').filter(|flag| !flag.is_empty()) {
        match flag {
            "ro" => read_only = true,
            "rw" => {}
            "nocopy" => {
                options.insert("NoCopy".to_string(), json!(true));
            }
            "private" | "rprivate" | "shared" | "rshared" | "slave" | "rslave" => {
                options.insert("Propagation".to_string(), json!(flag));
            }
            "z" | "Z" => {
                options.insert("Relabel".to_string(), json!(flag));
            }
            other => {
                options.insert(format!("mode {other}"), json!(true));
            }
        }
    }
    (
        target.to_string(),
        mount_value(kind, source, target, read_only, options),
    )
}

/// A `Mounts` entry as a mount: its options are the non-empty fields of its bind, volume and
/// tmpfs options, merged.
fn api_mount(mount: &Mount) -> (String, Value) {
    let kind = to_json(&mount.typ);
    let target = mount.target.clone().unwrap_or_default();
    let mut options = Map::new();
    for part in [
        to_json(&mount.bind_options),
        to_json(&mount.volume_options),
        to_json(&mount.tmpfs_options),
    ] {
        if let Value::Object(part) = part {
            options.extend(part.into_iter().filter(|(_, value)| !value.is_null()));
        }
    }
    if let Some(consistency) = mount.consistency.as_ref().filter(|c| !c.is_empty()) {
        options.insert("Consistency".to_string(), json!(consistency));
    }
    (
        target.clone(),
        mount_value(
            kind.as_str().unwrap_or_default(),
            mount.source.as_deref().unwrap_or_default(),
            &target,
            mount.read_only.unwrap_or_default(),
            options,
        ),
    )
}

/// A serialisable value as JSON, empty lists and maps (and their empty members) as null.
fn to_json<T: serde::Serialize>(value: &T) -> Value {
    empty_as_null(serde_json::to_value(value).unwrap_or(Value::Null))
}

fn empty_as_null(value: Value) -> Value {
    match value {
        Value::Array(items) if items.is_empty() => Value::Null,
        Value::Object(map) => {
            let map: Map<String, Value> = map
                .into_iter()
                .map(|(key, value)| (key, empty_as_null(value)))
                .filter(|(_, value)| !value.is_null())
                .collect();
            if map.is_empty() {
                Value::Null
            } else {
                // Sorted keys: the Engine's maps have no order.
                Value::Object(map.into_iter().collect::<BTreeMap<_, _>>().into_iter().collect())
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(empty_as_null).collect()),
        other => other,
    }
}

/// A list sorted, or null when there is none or it is empty.
/// Exposed ports one per key with their protocol: the Engine keeps `expose: ["8000"]` as `8000`
/// and a range as written, which expose the same ports as `8000/tcp` and one key per port.
fn expand_ports(ports: Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    for p in ports {
        let (range, proto) = p.split_once('/').unwrap_or((p.as_str(), "tcp"));
        match range
            .split_once('-')
            .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
        {
            Some((a, b)) => out.extend((a..=b).map(|n| format!("{n}/{proto}"))),
            None => out.push(format!("{range}/{proto}")),
        }
    }
    out
}

fn sorted(list: Option<Vec<String>>) -> Value {
    let mut list = list.unwrap_or_default();
    list.sort();
    to_json(&list)
}

/// A map with sorted keys, or null when empty.
fn sorted_map(map: &HashMap<String, String>) -> Value {
    to_json(&map.iter().collect::<BTreeMap<_, _>>())
}

/// The labels a file sets: those not of the tools' own bookkeeping.
fn file_labels(labels: Option<&HashMap<String, String>>) -> Value {
    let labels: BTreeMap<&String, &String> = labels
        .into_iter()
        .flatten()
        .filter(|(key, _)| !TOOL_LABEL_PREFIXES.iter().any(|prefix| key.starts_with(prefix)))
        .collect();
    to_json(&labels)
}

/// `text` with the project's name read as [`PROJECT`] and the full ids in `ids` (`(id, name)`)
/// as their containers' normalised names.
fn normalise_str(text: &str, project: &str, ids: &[(String, String)]) -> String {
    let mut text = text.to_string();
    for (id, name) in ids {
        if !id.is_empty() && text.contains(id.as_str()) {
            text = text.replace(id.as_str(), name);
        }
    }
    text.replace(project, PROJECT)
}

/// [`normalise_str`] on every string of `value`, map keys included.
fn normalise_value(value: Value, project: &str, ids: &[(String, String)]) -> Value {
    match value {
        Value::String(text) => Value::String(normalise_str(&text, project, ids)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| normalise_value(item, project, ids))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| {
                    (
                        normalise_str(&key, project, ids),
                        normalise_value(value, project, ids),
                    )
                })
                .collect(),
        ),
        other => other,
    }
}

// ---------------------------------------------------------------------------------------------
// Comparing
// ---------------------------------------------------------------------------------------------

/// One field that differs: the object (`container PROJECT-web-1`), the field, and its value on
/// each side (null where absent).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Difference {
    pub object: String,
    pub field: String,
    pub left: Value,
    pub right: Value,
}

/// The fields in which `left` and `right` differ, object by object, in name order. An object on
/// one side only is one difference, field `exists`.
pub(crate) fn differences(left: &ProjectState, right: &ProjectState) -> Vec<Difference> {
    let mut found = Vec::new();
    for (kind, left, right) in [
        ("container", &left.containers, &right.containers),
        ("volume", &left.volumes, &right.volumes),
        ("network", &left.networks, &right.networks),
    ] {
        let names: BTreeSet<&String> = left.keys().chain(right.keys()).collect();
        for name in names {
            let object = format!("{kind} {name}");
            match (left.get(name), right.get(name)) {
                (Some(left), Some(right)) => {
                    let fields: BTreeSet<&String> = left.keys().chain(right.keys()).collect();
                    for field in fields {
                        let l = left.get(field).cloned().unwrap_or(Value::Null);
                        let r = right.get(field).cloned().unwrap_or(Value::Null);
                        if l != r {
                            found.push(Difference {
                                object: object.clone(),
                                field: field.clone(),
                                left: l,
                                right: r,
                            });
                        }
                    }
                }
                (left, right) => found.push(Difference {
                    object,
                    field: "exists".to_string(),
                    left: json!(left.is_some()),
                    right: json!(right.is_some()),
                }),
            }
        }
    }
    found
}

/// The differences as a readable listing: object / field, then each side's value, and for two
/// lists what only one side has.
pub(crate) fn show_differences(differences: &[Difference], left_name: &str, right_name: &str) -> String {
    let width = left_name.len().max(right_name.len()) + 1;
    let mut out = String::new();
    for d in differences {
        let _ = writeln!(out, "{} / {}", d.object, d.field);
        let _ = writeln!(out, "    {:width$} {}", format!("{left_name}:"), d.left);
        let _ = writeln!(out, "    {:width$} {}", format!("{right_name}:"), d.right);
        if let (Value::Array(l), Value::Array(r)) = (&d.left, &d.right) {
            let only_left: Vec<&Value> = l.iter().filter(|v| !r.contains(v)).collect();
            let only_right: Vec<&Value> = r.iter().filter(|v| !l.contains(v)).collect();
            if !only_left.is_empty() {
                let _ = writeln!(out, "    only {left_name}: {}", json!(only_left));
            }
            if !only_right.is_empty() {
                let _ = writeln!(out, "    only {right_name}: {}", json!(only_right));
            }
        }
    }
    out
}

/// Asserts that two projects' states are equal; when not, panics with every difference (object /
/// field / left value / right value) and both states in full.
#[track_caller]
pub(crate) fn assert_same_state(
    left: &ProjectState,
    right: &ProjectState,
    left_name: &str,
    right_name: &str,
) {
    let found = differences(left, right);
    if found.is_empty() {
        return;
    }
    panic!(
        "the Engine shows {} difference(s) between project {} ({left_name}) and project {} \
         ({right_name}), both normalised (project names read {PROJECT}):\n\n{}\n--- {left_name} \
         state:\n{}\n--- {right_name} state:\n{}",
        found.len(),
        left.project,
        right.project,
        show_differences(&found, left_name, right_name),
        show_state(left),
        show_state(right),
    );
}

/// A state as pretty JSON.
pub(crate) fn show_state(state: &ProjectState) -> String {
    serde_json::to_string_pretty(&json!({
        "containers": state.containers,
        "volumes": state.volumes,
        "networks": state.networks,
    }))
    .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Leftovers
// ---------------------------------------------------------------------------------------------

/// What the Engine still has of project `project`: containers named `project-*` or one of
/// `container_names`, volumes and networks named `project_*`, anything labelled
/// `com.docker.compose.project=project` or `dmap.map=project`, and the anonymous volumes `state`
/// recorded. Each as `kind name`.
pub(crate) async fn leftovers(project: &str, container_names: &[&str], state: &ProjectState) -> Vec<String> {
    let docker = docker().await;
    let mut left = Vec::new();
    for container in project_containers(&docker, project, container_names).await {
        left.push(format!(
            "container {}",
            container
                .name
                .as_deref()
                .unwrap_or_default()
                .trim_start_matches('/')
        ));
    }
    let labelled_volumes = volumes_matching(
        &docker,
        [COMPOSE_PROJECT_LABEL, DMAP_MAP_LABEL]
            .map(|label| HashMap::from([("label".to_string(), vec![format!("{label}={project}")])])),
    )
    .await;
    for volume in list_volume_names(&docker, project).await {
        if volume.starts_with(&format!("{project}_")) || labelled_volumes.contains(&volume) {
            left.push(format!("volume {volume}"));
        }
    }
    for volume in &state.anonymous_volumes {
        match docker.inspect_volume(volume).await {
            Ok(_) => left.push(format!("anonymous volume {volume}")),
            Err(error) if is_not_found(&error) => {}
            Err(error) => panic!("cannot inspect volume {volume}: {error}"),
        }
    }
    let mut networks = BTreeSet::new();
    for filters in project_filters(project) {
        let by_name = filters.contains_key("name");
        let options = ListNetworksOptionsBuilder::default().filters(&filters).build();
        for network in docker
            .list_networks(Some(options))
            .await
            .unwrap_or_else(|error| panic!("cannot list networks: {error}"))
        {
            let name = network.name.unwrap_or_default();
            if !by_name || name.starts_with(&format!("{project}_")) {
                networks.insert(name);
            }
        }
    }
    left.extend(networks.into_iter().map(|name| format!("network {name}")));
    left
}

/// Asserts that nothing of project `project` is left on the Engine (see [`leftovers`]) after
/// `what` took it down.
pub(crate) async fn assert_gone(project: &str, container_names: &[&str], state: &ProjectState, what: &str) {
    let left = leftovers(project, container_names, state).await;
    assert!(
        left.is_empty(),
        "after {what}, the Engine still has {} object(s) of project {project}:\n  {}",
        left.len(),
        left.join("\n  ")
    );
}

/// `dmap run r.rhai PHASE` of a recipe that loads `compose` (written as `compose.yaml` beside
/// it) as project `project`, with `IMAGE` set to `image`: how a Compose project reaches another
/// Engine or a Swarm.
pub(crate) fn run_compose_recipe(
    project: &str,
    image: &str,
    compose: &str,
    recipe: &str,
    phase: &str,
) -> Output {
    Test::new()
        .file("compose.yaml", compose)
        .file("r.rhai", recipe)
        .engine()
        .env("IMAGE", image)
        .env("COMPOSE_PROJECT_NAME", project)
        .args(["run", "r.rhai", phase])
        .run()
}
