//! Shared fixture for tests that drive the real Docker Engine.
//!
//! Include it with `mod support;`. Tests are plain `#[test]` functions that own a runtime from
//! [`runtime()`]; every Engine object a test creates is named after, or labelled with, a
//! [`DockerTest`], whose `Drop` removes them all, even when the test panics.
//!
//! The Engine is required: when it cannot be reached, tests fail (they never skip).

pub(crate) mod bed;
pub(crate) mod compose;
pub(crate) mod harness;
pub(crate) mod recipe;
pub(crate) mod registry;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use bollard::errors::Error as DockerError;
use bollard::models::{ContainerInspectResponse, ContainerSummary, ExecConfig};
use bollard::query_parameters::{
    InspectContainerOptions, InspectNetworkOptions, ListContainersOptionsBuilder, ListNetworksOptionsBuilder,
    ListVolumesOptionsBuilder, RemoveContainerOptionsBuilder, RemoveImageOptionsBuilder,
    RemoveVolumeOptionsBuilder,
};
use bollard::Docker;
use futures_util::StreamExt;

/// The label every test object carries: `dmap.test=<DockerTest::name>`.
pub(crate) const TEST_LABEL: &str = "dmap.test";

/// The label Compose puts on a project's objects: `com.docker.compose.project=<project>`.
pub(crate) const COMPOSE_PROJECT_LABEL: &str = "com.docker.compose.project";

/// A multi-thread runtime with two workers, owned by one test.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("cannot build a tokio runtime")
}

/// A client connected to the Docker Engine, with the API version negotiated (the Engine here
/// speaks API 1.41, older than bollard's default). Panics when the Engine cannot be reached.
pub(crate) async fn docker() -> Docker {
    let connected = Docker::connect_with_defaults().unwrap_or_else(|error| {
        panic!("these tests need the Docker Engine, and no client could be made: {error}")
    });
    connected.negotiate_version().await.unwrap_or_else(|error| {
        panic!(
            "these tests need the Docker Engine, which cannot be reached (is dockerd running, and \
             DOCKER_HOST right?): {error}"
        )
    })
}

/// Whether a bollard error is the Engine's 404.
pub(crate) fn is_not_found(error: &DockerError) -> bool {
    matches!(
        error,
        DockerError::DockerResponseServerError { status_code: 404, .. }
    )
}

/// Runs `future` to completion on a fresh runtime in a thread of its own, so callers can block on
/// it from anywhere: plain code, `Drop`, or inside another runtime's `block_on`.
fn run_detached<T, F>(make: impl FnOnce() -> F + Send + 'static) -> std::thread::Result<T>
where
    T: Send + 'static,
    F: std::future::Future<Output = T>,
{
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("cannot build a tokio runtime");
        runtime.block_on(make())
    })
    .join()
}

// ---------------------------------------------------------------------------------------------
// The busybox image
// ---------------------------------------------------------------------------------------------

const BUSYBOX_PATH: &str = "/bin/busybox";
const BUSYBOX_REPOSITORY: &str = "dmap-test/busybox";

/// The fixture is built through dmap's own build path: this recipe, run by the dmap binary.
const RECIPE: &str = r#"let df = dockerfile("scratch");
df.add_file("/bin/busybox", "/bin/busybox");
df.writeline(`RUN ["/bin/busybox", "--install", "-s", "/bin"]`);
df.run("mkdir -p /tmp /root /var/run /etc && chmod 1777 /tmp && chmod 700 /root");
df.add_file("passwd", "/etc/passwd");
df.add_file("group", "/etc/group");
df.labels = #{ "dmap.test.fixture": "busybox" };
df.command = ["sh"];
docker().build(df, ARGS[0]);
"#;

const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
app:x:2000:2000:app:/tmp:/bin/sh
";

const GROUP: &str = "root:x:0:
nobody:x:65534:
app:x:2000:
";

/// FNV-1a, 64 bits: stable across Rust releases, unlike `DefaultHasher`.
fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn context_hash(busybox: &[u8]) -> String {
    let mut hash = 0xcbf2_9ce4_8422_2325;
    for part in [RECIPE.as_bytes(), PASSWD.as_bytes(), GROUP.as_bytes(), busybox] {
        hash = fnv1a(hash, &(part.len() as u64).to_le_bytes());
        hash = fnv1a(hash, part);
    }
    format!("{:012x}", hash >> 16)
}

async fn image_exists(docker: &Docker, tag: &str) -> bool {
    match docker.inspect_image(tag).await {
        Ok(_) => true,
        Err(error) if is_not_found(&error) => false,
        Err(error) => panic!("cannot inspect image {tag}: {error}"),
    }
}

async fn build_busybox(docker: &Docker, tag: &str) {
    let out = harness::Test::new()
        .file("fixture.rhai", RECIPE)
        .file("passwd", PASSWD)
        .file("group", GROUP)
        .engine()
        .args(["run", "fixture.rhai", tag])
        .timeout(Duration::from_secs(300))
        .run();
    assert_eq!(
        out.code,
        Some(0),
        "building the busybox test image {tag} with dmap failed\n{out}"
    );
    assert!(
        image_exists(docker, tag).await,
        "dmap built {tag}, but the Engine lacks it"
    );
}

/// Removes the lock file when the build is over, however it ends.
struct LockFile(PathBuf);

impl Drop for LockFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Takes the cross-process build lock for `tag`, or returns None when another process built the
/// image meanwhile. A lock older than two minutes is considered left by a dead process.
async fn lock_or_built(docker: &Docker, tag: &str) -> Option<LockFile> {
    let path = std::env::temp_dir().join(format!("{}.lock", tag.replace(['/', ':'], "-")));
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(_) => return Some(LockFile(path)),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => panic!("cannot create the build lock {}: {error}", path.display()),
        }
        if image_exists(docker, tag).await {
            return None;
        }
        let stale = std::fs::metadata(&path)
            .and_then(|meta| meta.modified())
            .map(|modified| SystemTime::now().duration_since(modified).unwrap_or_default())
            .is_ok_and(|age| age > Duration::from_secs(120));
        if stale {
            let _ = std::fs::remove_file(&path);
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for the build lock {}",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The tag of a tiny image built FROM scratch around the static `/bin/busybox`: applets linked
/// into /bin, /tmp (1777), /root, /var/run, users root (0), nobody (65534) and app (2000:2000),
/// `CMD ["sh"]`, label `dmap.test.fixture=busybox`. The tag (`dmap-test/busybox:<12 hex>`) hashes
/// the recipe and the files it adds, so changing them or busybox rebuilds. Built by dmap (`d.build`)
/// at most once per
/// test binary and only when the Engine lacks the tag; parallel test binaries serialise on a lock
/// file in the temporary directory. Callable from sync code or from inside a runtime.
pub(crate) fn busybox_image() -> String {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        let busybox = std::fs::read(BUSYBOX_PATH).unwrap_or_else(|error| {
            panic!("the Docker tests need a static {BUSYBOX_PATH} (Debian's busybox-static): {error}")
        });
        let tag = format!("{BUSYBOX_REPOSITORY}:{}", context_hash(&busybox));
        let result = run_detached({
            let tag = tag.clone();
            move || async move {
                let docker = docker().await;
                if image_exists(&docker, &tag).await {
                    return;
                }
                if let Some(_lock) = lock_or_built(&docker, &tag).await {
                    if !image_exists(&docker, &tag).await {
                        build_busybox(&docker, &tag).await;
                    }
                }
            }
        });
        if let Err(panic) = result {
            std::panic::resume_unwind(panic);
        }
        tag
    })
    .clone()
}

// ---------------------------------------------------------------------------------------------
// DockerTest
// ---------------------------------------------------------------------------------------------

/// One test's namespace in the Engine. `name` (`t-<test>-<pid>-<n>`) is unique per process and
/// a valid Engine object name; tests use it as the dmap map name (dmap names objects
/// `MAP.CONFIG...`) and as the value of the `dmap.test` label on objects they create directly.
/// Dropping it force-removes every container, then volume, then network named `<name>` or
/// `<name>.*`, or labelled `dmap.test=<name>`, then every image labelled so. A Compose project
/// named after it is removed too: objects named `<name>-*` or `<name>_*` (Compose's
/// `PROJECT-SERVICE-N`, `PROJECT_VOLUME`, `PROJECT_NETWORK`) or labelled
/// `com.docker.compose.project=<name>`.
pub(crate) struct DockerTest {
    pub name: String,
}

impl DockerTest {
    /// A fresh namespace; sweeps anything a previous process with the same name left behind.
    pub(crate) fn new(test_name: &str) -> DockerTest {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let mut slug: String = test_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .take(40)
            .collect();
        if slug.is_empty() {
            slug.push('x');
        }
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("t-{slug}-{}-{n}", std::process::id());
        match Scope(name.clone()).sweep() {
            Ok(0) => {}
            Ok(leftovers) => {
                eprintln!("DockerTest {name}: swept {leftovers} object(s) left by an earlier run")
            }
            Err(error) => panic!("DockerTest {name}: {error}"),
        }
        DockerTest { name }
    }

    /// The label to put on objects the test creates: `("dmap.test", name)`.
    pub(crate) fn label(&self) -> (String, String) {
        (TEST_LABEL.to_string(), self.name.clone())
    }

    /// The label as a map, ready for bollard's `labels` fields.
    pub(crate) fn labels(&self) -> HashMap<String, String> {
        HashMap::from([self.label()])
    }

    /// Whether an Engine object name belongs to this test: `<name>` or `<name>.*` (a leading `/`,
    /// as in container names from the Engine, is ignored).
    pub(crate) fn owns_name(&self, object_name: &str) -> bool {
        Scope(self.name.clone()).owns_name(object_name)
    }

    /// All containers of this test, running or not (by name prefix or label), a Compose project
    /// named after it included.
    pub(crate) async fn containers(&self) -> Vec<ContainerSummary> {
        Scope(self.name.clone())
            .list_containers(&docker().await)
            .await
            .unwrap_or_else(|error| panic!("cannot list containers: {error}"))
    }

    /// The names of [`DockerTest::containers`], sorted (from sync code).
    pub(crate) fn container_names(&self) -> Vec<String> {
        let mut names: Vec<String> = runtime()
            .block_on(self.containers())
            .iter()
            .filter_map(|c| {
                c.names
                    .as_ref()?
                    .first()
                    .map(|n| n.trim_start_matches('/').to_string())
            })
            .collect();
        names.sort();
        names
    }

    /// Inspects a container (panics if it does not exist).
    pub(crate) async fn inspect(&self, name: &str) -> ContainerInspectResponse {
        docker()
            .await
            .inspect_container(name, None::<InspectContainerOptions>)
            .await
            .unwrap_or_else(|error| panic!("cannot inspect container {name}: {error}"))
    }

    /// Runs `cmd` in a running container; returns its exit code and its stdout and stderr, in the
    /// order the Engine sent them.
    pub(crate) async fn exec_output(&self, container: &str, cmd: &[&str]) -> (i64, String) {
        let docker = docker().await;
        let config = ExecConfig {
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            cmd: Some(cmd.iter().map(|arg| arg.to_string()).collect()),
            ..Default::default()
        };
        let exec = docker
            .create_exec(container, config)
            .await
            .unwrap_or_else(|error| panic!("cannot create exec {cmd:?} in {container}: {error}"))
            .id;
        let started = docker
            .start_exec(&exec, None)
            .await
            .unwrap_or_else(|error| panic!("cannot start exec {cmd:?} in {container}: {error}"));
        let mut output = Vec::new();
        if let bollard::exec::StartExecResults::Attached {
            output: mut stream, ..
        } = started
        {
            while let Some(item) = stream.next().await {
                let chunk = item.unwrap_or_else(|error| panic!("exec {cmd:?} in {container}: {error}"));
                output.extend_from_slice(chunk.as_ref());
            }
        }
        let output = String::from_utf8_lossy(&output).into_owned();
        for _ in 0..100 {
            let inspected = docker
                .inspect_exec(&exec)
                .await
                .unwrap_or_else(|error| panic!("cannot inspect exec {cmd:?} in {container}: {error}"));
            if inspected.running != Some(true) {
                if let Some(code) = inspected.exit_code {
                    return (code, output);
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("exec {cmd:?} in {container} did not report an exit code; output so far:\n{output}");
    }

    /// Whether the volume exists.
    pub(crate) async fn volume_exists(&self, name: &str) -> bool {
        match docker().await.inspect_volume(name).await {
            Ok(_) => true,
            Err(error) if is_not_found(&error) => false,
            Err(error) => panic!("cannot inspect volume {name}: {error}"),
        }
    }

    /// Whether the network exists.
    pub(crate) async fn network_exists(&self, name: &str) -> bool {
        match docker()
            .await
            .inspect_network(name, None::<InspectNetworkOptions>)
            .await
        {
            Ok(_) => true,
            Err(error) if is_not_found(&error) => false,
            Err(error) => panic!("cannot inspect network {name}: {error}"),
        }
    }
}

impl Drop for DockerTest {
    /// Force-removes the test's containers, then volumes, then networks. Never panics.
    fn drop(&mut self) {
        if let Err(error) = Scope(self.name.clone()).sweep() {
            eprintln!("DockerTest {}: {error}", self.name);
        }
    }
}

/// The objects of one DockerTest, without a `Drop` of its own, so the cleanup thread can own one.
struct Scope(String);

impl Scope {
    fn owns_name(&self, object_name: &str) -> bool {
        let object_name = object_name.strip_prefix('/').unwrap_or(object_name);
        object_name
            .strip_prefix(self.0.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    }

    /// Whether the cleanup removes an object so named: one the test owns, or one of the Compose
    /// project named after the test (`<name>-*`, `<name>_*`).
    fn sweeps_name(&self, object_name: &str) -> bool {
        let bare = object_name.strip_prefix('/').unwrap_or(object_name);
        self.owns_name(bare)
            || bare
                .strip_prefix(self.0.as_str())
                .is_some_and(|rest| rest.starts_with('-') || rest.starts_with('_'))
    }

    /// Labelled `dmap.test=<name>` or `com.docker.compose.project=<name>`.
    fn has_label(&self, labels: Option<&HashMap<String, String>>) -> bool {
        [TEST_LABEL, COMPOSE_PROJECT_LABEL]
            .iter()
            .any(|key| labels.and_then(|labels| labels.get(*key)) == Some(&self.0))
    }

    /// Filters for Engine list calls: by either label, and by name (the Engine matches names as
    /// unanchored regular expressions, or substrings, so results are checked with `sweeps_name`
    /// too).
    fn filters(&self) -> [HashMap<String, Vec<String>>; 3] {
        [
            HashMap::from([("label".to_string(), vec![format!("{TEST_LABEL}={}", self.0)])]),
            HashMap::from([(
                "label".to_string(),
                vec![format!("{COMPOSE_PROJECT_LABEL}={}", self.0)],
            )]),
            HashMap::from([("name".to_string(), vec![self.0.clone()])]),
        ]
    }

    async fn list_containers(&self, docker: &Docker) -> Result<Vec<ContainerSummary>, DockerError> {
        let mut seen = HashSet::new();
        let mut found = Vec::new();
        for filters in self.filters() {
            let options = ListContainersOptionsBuilder::default()
                .all(true)
                .filters(&filters)
                .build();
            for container in docker.list_containers(Some(options)).await? {
                let named = container
                    .names
                    .iter()
                    .flatten()
                    .any(|name| self.sweeps_name(name));
                if (named || self.has_label(container.labels.as_ref()))
                    && seen.insert(container.id.clone().unwrap_or_default())
                {
                    found.push(container);
                }
            }
        }
        Ok(found)
    }

    /// Also the volumes dmap labels for the test's map under names of its own (adoption
    /// markers, the volumes of its lock), which a killed dmap can leave.
    async fn list_volumes(&self, docker: &Docker) -> Result<Vec<String>, DockerError> {
        let mut found = Vec::new();
        let map = HashMap::from([("label".to_string(), vec![format!("dmap.map={}", self.0)])]);
        for filters in self.filters().into_iter().chain([map]) {
            let options = ListVolumesOptionsBuilder::default().filters(&filters).build();
            for volume in docker
                .list_volumes(Some(options))
                .await?
                .volumes
                .unwrap_or_default()
            {
                let of_the_map = volume.labels.get("dmap.map") == Some(&self.0);
                if (self.sweeps_name(&volume.name) || self.has_label(Some(&volume.labels)) || of_the_map)
                    && !found.contains(&volume.name)
                {
                    found.push(volume.name);
                }
            }
        }
        Ok(found)
    }

    /// (id, name) of each network.
    async fn list_networks(&self, docker: &Docker) -> Result<Vec<(String, String)>, DockerError> {
        let mut found: Vec<(String, String)> = Vec::new();
        for filters in self.filters() {
            let options = ListNetworksOptionsBuilder::default().filters(&filters).build();
            for network in docker.list_networks(Some(options)).await? {
                let name = network.name.unwrap_or_default();
                let id = network.id.unwrap_or_default();
                if (self.sweeps_name(&name) || self.has_label(network.labels.as_ref()))
                    && !found.iter().any(|(known, _)| *known == id)
                {
                    found.push((id, name));
                }
            }
        }
        Ok(found)
    }

    /// Removes containers, then volumes, then networks, on a runtime of its own in a thread of its
    /// own (so it works from `Drop`, even inside a runtime or while unwinding). Returns how many
    /// objects were removed; an Err when the Engine could not be reached, the cleanup took over
    /// two minutes or panicked. Never panics; failures to remove single objects go to stderr.
    fn sweep(self) -> Result<usize, String> {
        let result = run_detached(move || async move {
            let cleanup = async {
                let docker = match Docker::connect_with_defaults() {
                    Ok(docker) => docker.negotiate_version().await,
                    Err(error) => Err(error),
                };
                match docker {
                    // Twice: a build's own removal of its step containers can race the
                    // first pass (which then fails on "removal in progress").
                    Ok(docker) => Ok(self.remove_all(&docker).await + self.remove_all(&docker).await),
                    Err(error) => Err(format!(
                        "the Docker Engine is needed by these tests and cannot be reached: {error}"
                    )),
                }
            };
            tokio::time::timeout(Duration::from_secs(120), cleanup).await
        });
        match result {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Err("cleanup timed out after 120 s".to_string()),
            Err(_) => Err("cleanup panicked".to_string()),
        }
    }

    async fn remove_all(&self, docker: &Docker) -> usize {
        let mut removed = 0;
        let report = |what: &str, error: &DockerError| {
            eprintln!("DockerTest {}: cannot remove {what}: {error}", self.0);
        };
        // Anonymous volumes a container mounts by name (carried over by a recreate) outlive
        // `rm -v`: they are removed after the containers.
        let mut anonymous: Vec<String> = Vec::new();
        match self.list_containers(docker).await {
            Ok(containers) => {
                for container in containers {
                    for mount in container.mounts.iter().flatten() {
                        let name = mount.name.clone().unwrap_or_default();
                        if name.len() == 64
                            && name.bytes().all(|b| b.is_ascii_hexdigit())
                            && !anonymous.contains(&name)
                        {
                            anonymous.push(name);
                        }
                    }
                    let id = container.id.unwrap_or_default();
                    let options = RemoveContainerOptionsBuilder::default()
                        .force(true)
                        .v(true)
                        .build();
                    match docker.remove_container(&id, Some(options)).await {
                        Ok(()) => removed += 1,
                        Err(error) if is_not_found(&error) => {}
                        Err(error) => report(&format!("container {id}"), &error),
                    }
                }
            }
            Err(error) => report("containers (listing failed)", &error),
        }
        match self.list_volumes(docker).await {
            Ok(mut volumes) => {
                volumes.extend(
                    anonymous
                        .into_iter()
                        .filter(|a| !volumes.contains(a))
                        .collect::<Vec<_>>(),
                );
                for volume in volumes {
                    let mut attempt = 0;
                    loop {
                        let options = RemoveVolumeOptionsBuilder::default().force(true).build();
                        match docker.remove_volume(&volume, Some(options)).await {
                            Ok(()) => removed += 1,
                            Err(error) if is_not_found(&error) => {}
                            // "volume is in use" can outlive a container removal briefly.
                            Err(DockerError::DockerResponseServerError { status_code: 409, .. })
                                if attempt < 10 =>
                            {
                                attempt += 1;
                                tokio::time::sleep(Duration::from_millis(200)).await;
                                continue;
                            }
                            Err(error) => report(&format!("volume {volume}"), &error),
                        }
                        break;
                    }
                }
            }
            Err(error) => report("volumes (listing failed)", &error),
        }
        match self.list_networks(docker).await {
            Ok(networks) => {
                for (id, name) in networks {
                    match docker.remove_network(&id).await {
                        Ok(()) => removed += 1,
                        Err(error) if is_not_found(&error) => {}
                        Err(error) => report(&format!("network {name} ({id})"), &error),
                    }
                }
            }
            Err(error) => report("networks (listing failed)", &error),
        }
        // Images a recipe built under the test's name (`<name>-web:latest`, as the scripts in
        // scripts/ name theirs): by tag, their build's own layers with them.
        if let Ok(images) = docker
            .list_images(Some(
                bollard::query_parameters::ListImagesOptionsBuilder::default().build(),
            ))
            .await
        {
            let ours = |tag: &&String| {
                tag.strip_prefix(self.0.as_str())
                    .is_some_and(|rest| rest.starts_with(['-', '.']))
            };
            for tag in images.iter().flat_map(|i| i.repo_tags.iter().filter(ours)) {
                let options = RemoveImageOptionsBuilder::default().force(true).build();
                if docker.remove_image(tag, Some(options), None).await.is_ok() {
                    removed += 1;
                }
            }
        }
        // Images the test built carry its label (on every step's image too): children first,
        // so a few passes remove them all.
        let filters = HashMap::from([("label".to_string(), vec![format!("{TEST_LABEL}={}", self.0)])]);
        for _ in 0..8 {
            let options = bollard::query_parameters::ListImagesOptionsBuilder::default()
                .all(true)
                .filters(&filters)
                .build();
            let images = match docker.list_images(Some(options)).await {
                Ok(images) => images,
                Err(error) => {
                    report("images (listing failed)", &error);
                    break;
                }
            };
            if images.is_empty() {
                break;
            }
            for image in images {
                let options = RemoveImageOptionsBuilder::default().force(true).build();
                // An error is a parent of an image still there (the next pass), or gone.
                if docker.remove_image(&image.id, Some(options), None).await.is_ok() {
                    removed += 1;
                }
            }
        }
        removed
    }
}
