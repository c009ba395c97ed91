//! Running recipes through the real binary against the Engine, and looking at the Engine
//! afterwards: shared by the runtime and convergence tests.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::{
    BuildImageOptionsBuilder, RemoveImageOptionsBuilder, TagImageOptionsBuilder,
};
use bollard::Docker;
use futures_util::StreamExt;
use tempfile::TempDir;

pub(crate) use super::harness::{Output, Test, RUN_TIMEOUT};
use super::{docker, DockerTest};

/// Put before every recipe: `show(steps)` prints what an action returned.
pub(crate) const PRELUDE: &str = r#"fn show(r) {
    for s in r { print(`STEP ${s.container} | ${s.action} | ${s.reason}`); }
    print(`STEPS ${r.len()}`);
}
let m = container_map(ARGS[0]);
let img = ARGS[1];
let phase = ARGS[2];
"#;

// ------------------------------------------------------------------------------------------------
// Running the binary (through the harness)
// ------------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Step {
    pub container: String,
    pub action: String,
    pub reason: String,
}

/// What the recipes of these tests print, read back.
impl Output {
    /// The steps the recipe printed with `show`.
    pub(crate) fn steps(&self) -> Vec<Step> {
        self.stdout
            .lines()
            .filter_map(|line| line.strip_prefix("STEP "))
            .map(|line| {
                let mut parts = line.splitn(3, " | ");
                let mut next = || parts.next().unwrap_or_default().to_string();
                Step {
                    container: next(),
                    action: next(),
                    reason: next(),
                }
            })
            .collect()
    }

    /// The steps on `subject` with action `action`.
    pub(crate) fn steps_of(&self, subject: &str, action: &str) -> Vec<Step> {
        self.steps()
            .into_iter()
            .filter(|s| s.container == subject && s.action == action)
            .collect()
    }

    /// The subjects of the progress lines `  ACTION SUBJECT: ...` on stderr, in order.
    pub(crate) fn progress(&self, action: &str) -> Vec<String> {
        let prefix = format!("  {action} ");
        self.stderr
            .lines()
            .filter_map(|line| line.strip_prefix(&prefix))
            .filter_map(|rest| rest.split(':').next())
            .map(str::to_string)
            .collect()
    }
}

/// A recipe in a temporary directory, run as `dmap run r.rhai MAP IMAGE PHASE EXTRA...`.
pub(crate) struct Recipe {
    pub dir: TempDir,
    pub map: String,
    pub image: String,
}

impl Recipe {
    /// `body` comes after [`PRELUDE`]: `m` is the map, `img` the image, `phase` the third arg.
    pub(crate) fn new(t: &DockerTest, image: &str, body: &str) -> Recipe {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("r.rhai"), format!("{PRELUDE}{body}")).expect("write recipe");
        Recipe {
            dir,
            map: t.name.clone(),
            image: image.to_string(),
        }
    }

    pub(crate) fn args(&self, dry_run: bool, phase: &str, extra: &[&str]) -> Vec<String> {
        let mut args = vec!["run".to_string()];
        if dry_run {
            args.push("--dry-run".into());
        }
        args.extend(["r.rhai", &self.map, &self.image, phase].map(String::from));
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    }

    /// The run, against the Engine, in the recipe's directory.
    pub(crate) fn test(&self, dry_run: bool, phase: &str, extra: &[&str]) -> Test {
        Test::in_dir(self.dir.path())
            .engine()
            .args(self.args(dry_run, phase, extra))
    }

    #[track_caller]
    pub(crate) fn run_with(&self, phase: &str, extra: &[&str]) -> Output {
        self.test(false, phase, extra).run()
    }

    #[track_caller]
    pub(crate) fn run(&self, phase: &str) -> Output {
        self.run_with(phase, &[])
    }

    #[track_caller]
    pub(crate) fn dry_run(&self, phase: &str) -> Output {
        self.test(true, phase, &[]).run()
    }
}

// ------------------------------------------------------------------------------------------------
// Looking at the Engine
// ------------------------------------------------------------------------------------------------

/// Stops a container behind dmap's back, at once (no grace period).
pub(crate) async fn stop_now(name: &str) {
    let options = bollard::query_parameters::StopContainerOptions {
        signal: None,
        t: Some(0),
    };
    docker()
        .await
        .stop_container(name, Some(options))
        .await
        .unwrap_or_else(|e| panic!("cannot stop {name}: {e}"));
}

/// `<map>.<rest>`
pub(crate) fn n(t: &DockerTest, rest: &str) -> String {
    format!("{}.{rest}", t.name)
}

/// Names of the test's containers, sorted, without the leading `/`.
pub(crate) async fn names(t: &DockerTest) -> Vec<String> {
    let mut names: Vec<String> = t
        .containers()
        .await
        .into_iter()
        .flat_map(|c| c.names.unwrap_or_default())
        .map(|name| name.trim_start_matches('/').to_string())
        // Links give a container more names: `/a/alias` on `/a`'s linker.
        .filter(|name| !name.contains('/'))
        .collect();
    names.sort();
    names
}

pub(crate) fn sorted(names: &[String]) -> Vec<String> {
    let mut names = names.to_vec();
    names.sort();
    names
}

pub(crate) async fn try_inspect(name: &str) -> Option<ContainerInspectResponse> {
    match docker().await.inspect_container(name, None).await {
        Ok(info) => Some(info),
        Err(error) if crate::support::is_not_found(&error) => None,
        Err(error) => panic!("cannot inspect container {name}: {error}"),
    }
}

pub(crate) async fn id_of(t: &DockerTest, name: &str) -> String {
    t.inspect(name).await.id.unwrap_or_default()
}

pub(crate) fn is_running(info: &ContainerInspectResponse) -> bool {
    info.state.as_ref().and_then(|s| s.running) == Some(true)
}

pub(crate) async fn assert_running(t: &DockerTest, names: &[String]) {
    for name in names {
        let info = t.inspect(name).await;
        assert!(is_running(&info), "{name} should be running: {:?}", info.state);
    }
}

pub(crate) fn labels(info: &ContainerInspectResponse) -> HashMap<String, String> {
    info.config
        .as_ref()
        .and_then(|c| c.labels.clone())
        .unwrap_or_default()
}

pub(crate) fn env(info: &ContainerInspectResponse) -> Vec<String> {
    info.config
        .as_ref()
        .and_then(|c| c.env.clone())
        .unwrap_or_default()
}

/// Nanoseconds since the epoch of an RFC 3339 time as the Engine writes them
/// (`2024-05-01T12:34:56.123456789Z`, or with a `+hh:mm` offset).
pub(crate) fn parse_time(text: &str) -> i128 {
    let number = |part: &str| -> i64 {
        part.parse()
            .unwrap_or_else(|_| panic!("cannot parse the time {text:?}"))
    };
    let (date, rest) = text
        .split_once('T')
        .unwrap_or_else(|| panic!("cannot parse the time {text:?}"));
    let d: Vec<i64> = date.split('-').map(number).collect();
    let split = rest
        .find(['Z', '+', '-'])
        .unwrap_or_else(|| panic!("no zone in the time {text:?}"));
    let (clock, offset) = rest.split_at(split);
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let t: Vec<i64> = hms.split(':').map(number).collect();
    let nanos = number(&format!("{frac:0<9}")[..9]);
    let offset_secs = match offset.split_once(':') {
        None => 0,
        Some((h, m)) => {
            let sign = if h.starts_with('-') { -1 } else { 1 };
            sign * (number(&h[1..]) * 3600 + number(m) * 60)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, m) = if d[1] <= 2 {
        (d[0] - 1, d[1] + 9)
    } else {
        (d[0], d[1] - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d[2] - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + t[0] * 3600 + t[1] * 60 + t[2] - offset_secs;
    i128::from(secs) * 1_000_000_000 + i128::from(nanos)
}

pub(crate) fn started_at(info: &ContainerInspectResponse) -> i128 {
    parse_time(
        info.state
            .as_ref()
            .and_then(|s| s.started_at.as_deref())
            .expect("StartedAt"),
    )
}

/// Polls `cmd` in `container` until its output (trimmed) is `expected`; returns the last output.
pub(crate) async fn wait_output(t: &DockerTest, container: &str, cmd: &[&str], expected: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, output) = t.exec_output(container, cmd).await;
        if output.trim() == expected || Instant::now() > deadline {
            return output.trim().to_string();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A port nobody listens on now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// `GET /` on 127.0.0.1:port, retried for a few seconds while the server starts.
pub(crate) fn http_get(port: u16) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let attempt = (|| -> std::io::Result<String> {
            let mut stream = TcpStream::connect(("127.0.0.1", port))?;
            stream.set_read_timeout(Some(Duration::from_secs(2)))?;
            stream.write_all(b"GET /index.html HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
            let mut text = String::new();
            stream.read_to_string(&mut text)?;
            Ok(text)
        })();
        match attempt {
            Ok(text) if !text.is_empty() => return text,
            _ if Instant::now() > deadline => panic!("no HTTP answer on 127.0.0.1:{port}: {attempt:?}"),
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Test images (not swept by DockerTest)
// ------------------------------------------------------------------------------------------------

/// Removes volumes, then image tags, when dropped: what `DockerTest` does not sweep (test
/// images; anonymous volumes carried over to a recreated container, which are mounted by name).
/// Declare it before the `DockerTest`, so the containers go first.
#[derive(Default)]
pub(crate) struct Leftovers {
    pub images: Vec<String>,
    pub volumes: Vec<String>,
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        let images = std::mem::take(&mut self.images);
        let volumes = std::mem::take(&mut self.volumes);
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let docker = docker().await;
                for volume in volumes {
                    let options = bollard::query_parameters::RemoveVolumeOptionsBuilder::default()
                        .force(true)
                        .build();
                    if let Err(error) = docker.remove_volume(&volume, Some(options)).await {
                        if !crate::support::is_not_found(&error) {
                            eprintln!("cannot remove test volume {volume}: {error}");
                        }
                    }
                }
                for tag in images {
                    let options = RemoveImageOptionsBuilder::default().force(true).build();
                    if let Err(error) = docker.remove_image(&tag, Some(options), None).await {
                        if !crate::support::is_not_found(&error) {
                            eprintln!("cannot remove test image {tag}: {error}");
                        }
                    }
                }
            });
        })
        .join();
    }
}

/// The volumes a container mounts at `target`.
pub(crate) fn volume_at(info: &ContainerInspectResponse, target: &str) -> Option<String> {
    info.mounts
        .iter()
        .flatten()
        .find(|m| m.destination.as_deref() == Some(target))
        .and_then(|m| m.name.clone())
}

pub(crate) async fn tag(docker: &Docker, source: &str, target: &str) {
    let (repo, tag) = target.rsplit_once(':').expect("repo:tag");
    let options = TagImageOptionsBuilder::default().repo(repo).tag(tag).build();
    docker
        .tag_image(source, Some(options))
        .await
        .unwrap_or_else(|error| panic!("cannot tag {source} as {target}: {error}"));
}

/// Builds a context holding only `dockerfile`, tagged `tag`.
pub(crate) async fn build(docker: &Docker, dockerfile: &str, tag: &str) {
    let mut archive = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(dockerfile.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    archive
        .append_data(&mut header, "Dockerfile", dockerfile.as_bytes())
        .expect("tar");
    let context = archive.into_inner().expect("tar");
    let options = BuildImageOptionsBuilder::default()
        .dockerfile("Dockerfile")
        .t(tag)
        .rm(true)
        .forcerm(true)
        .build();
    let mut stream = docker.build_image(options, None, Some(bollard::body_full(context.into())));
    while let Some(item) = stream.next().await {
        let info = item.unwrap_or_else(|error| panic!("building {tag}: {error}"));
        if let Some(detail) = info.error_detail {
            panic!("building {tag}: {:?}", detail.message);
        }
    }
}

pub(crate) async fn image_id(docker: &Docker, tag: &str) -> String {
    docker
        .inspect_image(tag)
        .await
        .unwrap_or_else(|error| panic!("cannot inspect image {tag}: {error}"))
        .id
        .unwrap_or_default()
}

/// The recipe's action did nothing.
#[track_caller]
pub(crate) fn assert_no_steps(out: &Output) {
    assert!(
        out.stdout.contains("STEPS 0") && out.steps().is_empty(),
        "nothing to do\n{out}"
    );
}
