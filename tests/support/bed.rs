//! The test bed's extra Docker Engines, for tests that need Engines other than the main one.
//!
//! `tests/bed/engines.sh` runs them on this machine: engine2 (10.200.0.2) and, after
//! `swarm-up`, engine3 (10.200.0.3), each a dockerd of its own in network, mount, PID and UTS
//! namespaces of its own, on a private LAN where this host is 10.200.0.1. Each answers on
//! `tcp://<ip>:2375` and publishes ports on its own address, like another host would; after
//! `swarm-up`, engine2 manages a two-node Swarm with engine3 as its worker. The Engines start
//! empty and cannot reach a registry: [`load_images`] copies images into them from the main
//! Engine.
//!
//! The bed also runs an ssh server whose `docker` reaches engine2 ([`sshd`]), for Engines over
//! ssh.
//!
//! `.ci/run` starts the bed and exports what `tests/bed/engines.sh env` prints
//! (`DMAP_ENGINE2_HOST`, `DMAP_ENGINE2_IP`, the same for engine3, `DMAP_BED_HOST_IP`,
//! `DMAP_SSH_HOST`, `DMAP_SSH_DIR`). By hand:
//!
//! ```text
//! sudo tests/bed/engines.sh swarm-up
//! eval "$(tests/bed/engines.sh env)"    # optional: unset, the bed's own addresses are used
//! ```
//!
//! The bed is required: when an Engine of it cannot be reached, the tests that need it fail
//! (they never skip), in CI and out of it.

use std::ffi::OsString;
use std::io::Read as _;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// How the bed is started, for the messages of tests that miss it.
const START: &str = "tests/bed/engines.sh swarm-up";

/// How long an Engine of the bed may take to accept a TCP connection: it is on this machine.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// One Engine of the test bed.
#[derive(Clone, Debug)]
pub(crate) struct Engine {
    /// Its API over plain TCP, `tcp://10.200.0.N:2375`: for `docker -H` and dmap's `base_url`.
    pub host: String,
    /// Its address on the bed's LAN, where its published ports are.
    pub ip: String,
}

/// This host's address on the bed's LAN (`DMAP_BED_HOST_IP`, else 10.200.0.1): where the bed's
/// Engines reach a registry a test starts with `Registry::start_on("0.0.0.0")`.
pub(crate) fn host_ip() -> String {
    std::env::var("DMAP_BED_HOST_IP")
        .ok()
        .filter(|ip| !ip.is_empty())
        .unwrap_or_else(|| "10.200.0.1".into())
}

/// engine2: the bed's first extra Engine (the Swarm manager after `swarm-up`). Panics when it
/// does not answer.
#[track_caller]
pub(crate) fn engine2() -> Engine {
    engine(2)
}

/// engine3: the bed's second extra Engine, started by `swarm-up` (the Swarm's worker). Panics when
/// it does not answer.
#[track_caller]
pub(crate) fn engine3() -> Engine {
    engine(3)
}

/// Engine `n` from `DMAP_ENGINE<n>_HOST` and `DMAP_ENGINE<n>_IP`, or at the bed's own address
/// (10.200.0.n) when they are unset; either way it must accept a TCP connection.
#[track_caller]
fn engine(n: u8) -> Engine {
    let var = |name: String| std::env::var(name).ok().filter(|value| !value.is_empty());
    let ip = var(format!("DMAP_ENGINE{n}_IP")).unwrap_or_else(|| format!("10.200.0.{n}"));
    let host = var(format!("DMAP_ENGINE{n}_HOST")).unwrap_or_else(|| format!("tcp://{ip}:2375"));
    if let Err(why) = probe(&host) {
        missing(&format!("engine{n} at {host}"), &why);
    }
    Engine { host, ip }
}

/// Says how to start the bed, for a test that misses a part of it.
fn missing(what: &str, why: &str) -> ! {
    let how = if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        format!("CI starts the bed in .ci/run (`{START}`): see the setup log for why it is not up")
    } else {
        format!("start the bed with `sudo {START}` (as root)")
    };
    panic!(
        "this test needs {what} of the test bed, which does not answer ({why}); {how}. \
         Tests that need the bed fail without it, they never skip."
    );
}

/// Whether something accepts TCP connections at a `tcp://ADDRESS:PORT` Docker host.
fn probe(host: &str) -> Result<(), String> {
    let address = host
        .strip_prefix("tcp://")
        .ok_or_else(|| "not a tcp:// address".to_string())?;
    let addresses = address
        .to_socket_addrs()
        .map_err(|error| format!("bad address: {error}"))?;
    let mut last = "no address".to_string();
    for socket in addresses {
        match TcpStream::connect_timeout(&socket, PROBE_TIMEOUT) {
            Ok(_) => return Ok(()),
            Err(error) => last = error.to_string(),
        }
    }
    Err(last)
}

/// The docker CLI aimed at `engine`, whatever the environment says about other Engines or TLS.
fn docker_on(engine: &Engine) -> Command {
    let mut command = Command::new("docker");
    command
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_TLS_VERIFY")
        .env_remove("DOCKER_CERT_PATH")
        .arg("-H")
        .arg(&engine.host);
    command
}

/// The image ID a tag names, or None when the Engine lacks it.
fn image_id(mut docker: Command, tag: &str) -> Option<String> {
    let out = docker
        .args(["image", "inspect", "--format", "{{.Id}}", tag])
        .output()
        .unwrap_or_else(|error| panic!("cannot run docker image inspect {tag}: {error}"));
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Copies images from the main Engine (the one `docker` reaches, as for the other tests) into
/// `engine`, with `docker save TAGS | docker -H HOST load`: the bed has no registry. Tags the
/// Engine has already, as the same image, are left alone. Panics, with docker's stderr, when the
/// main Engine lacks a tag or the copy fails.
#[track_caller]
pub(crate) fn load_images(engine: &Engine, tags: &[&str]) {
    let mut wanted = Vec::new();
    for &tag in tags {
        let Some(id) = image_id(Command::new("docker"), tag) else {
            panic!("cannot copy {tag} into {}: the main Engine lacks it", engine.host);
        };
        if image_id(docker_on(engine), tag).as_deref() != Some(id.as_str()) {
            wanted.push(tag);
        }
    }
    if wanted.is_empty() {
        return;
    }
    let mut save = Command::new("docker")
        .arg("save")
        .args(&wanted)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run docker save: {error}"));
    let archive = save.stdout.take().expect("docker save's stdout pipe");
    let loaded = docker_on(engine)
        .args(["load", "--quiet"])
        .stdin(Stdio::from(archive))
        .output()
        .unwrap_or_else(|error| panic!("cannot run docker -H {} load: {error}", engine.host));
    let saved = save
        .wait_with_output()
        .unwrap_or_else(|error| panic!("cannot wait for docker save: {error}"));
    // when load fails, save fails too (a broken pipe): say both, load first
    assert!(
        loaded.status.success() && saved.status.success(),
        "copying {wanted:?} from the main Engine into {} failed\n\
         --- docker load: {}\n{}--- docker save: {}\n{}",
        engine.host,
        loaded.status,
        stderr(&loaded),
        saved.status,
        stderr(&saved)
    );
}

/// Removes what a test made on an extra Engine (named after the test's map), on drop.
pub(crate) struct Remote {
    pub host: String,
    pub prefix: String,
}

impl Remote {
    pub(crate) fn docker(&self, args: &[&str]) -> String {
        let out = Command::new("docker")
            .arg("-H")
            .arg(&self.host)
            .args(args)
            .output()
            .expect("run docker");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `docker inspect` of a container on the extra Engine, as JSON.
    pub(crate) fn inspect(&self, name: &str) -> serde_json::Value {
        let text = self.docker(&["inspect", name]);
        let list: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        list.get(0).cloned().unwrap_or(serde_json::Value::Null)
    }

    pub(crate) fn names(&self) -> Vec<String> {
        let filter = format!("name=^{}", self.prefix);
        self.docker(&["ps", "-a", "--filter", &filter, "--format", "{{.Names}}"])
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        let names = self.names();
        if !names.is_empty() {
            let mut args = vec!["rm", "-f", "-v"];
            args.extend(names.iter().map(String::as_str));
            self.docker(&args);
        }
        let filter = format!("name={}", self.prefix);
        for kind in ["volume", "network"] {
            let listed = self.docker(&[kind, "ls", "-q", "--filter", &filter]);
            let ids: Vec<&str> = listed.lines().filter(|l| !l.is_empty()).collect();
            if !ids.is_empty() {
                let mut args = vec![kind, "rm"];
                args.extend(ids);
                self.docker(&args);
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------
// sshd
// ------------------------------------------------------------------------------------------------

/// The bed's ssh server (netns dmap-bed-ssh, 10.200.0.22): a session runs the command it is given
/// as root, and the environment its key gets decides what `docker` there does. Its files are in
/// `dir`: the client keys `id_engine2` (`docker` reaches engine2), `id_nodocker` (no `docker` on
/// PATH), `id_nodaemon` (`docker` reaches no Engine), `id_stranger` (not authorized), a
/// `known_hosts` with its host key, and `bin/ssh`, ssh with a configuration that uses
/// `id_engine2` and that `known_hosts` (ssh reads no `~/.ssh/config` from `$HOME`: a test puts a
/// wrapper first on PATH instead).
#[derive(Clone, Debug)]
pub(crate) struct Sshd {
    /// `ssh://root@10.200.0.22`: for `DOCKER_HOST` and `base_url`.
    pub host: String,
    /// Its address.
    pub ip: String,
    pub dir: PathBuf,
}

/// The bed's ssh server, from `DMAP_SSH_HOST` and `DMAP_SSH_DIR` or at the bed's own address
/// when they are unset. Panics when it does not greet as an ssh server.
#[track_caller]
pub(crate) fn sshd() -> Sshd {
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let host = var("DMAP_SSH_HOST").unwrap_or_else(|| "ssh://root@10.200.0.22".into());
    let dir = PathBuf::from(var("DMAP_SSH_DIR").unwrap_or_else(|| "/tmp/dmap-bed/ssh".into()));
    let ip = host
        .rsplit_once('@')
        .map_or(host.trim_start_matches("ssh://"), |(_, ip)| ip)
        .to_string();
    if let Err(why) = greets(&ip) {
        missing(&format!("sshd at {host}"), &why);
    }
    if !dir.join("bin/ssh").exists() {
        missing(
            &format!("sshd at {host}"),
            &format!("{} lacks bin/ssh", dir.display()),
        );
    }
    Sshd { host, ip, dir }
}

/// Whether an ssh server greets on `ip`, port 22.
fn greets(ip: &str) -> Result<(), String> {
    let address = format!("{ip}:22")
        .parse()
        .map_err(|error| format!("bad address: {error}"))?;
    let mut stream = TcpStream::connect_timeout(&address, PROBE_TIMEOUT).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(PROBE_TIMEOUT))
        .map_err(|e| e.to_string())?;
    let mut greeting = [0u8; 4];
    stream.read_exact(&mut greeting).map_err(|e| e.to_string())?;
    if &greeting == b"SSH-" {
        Ok(())
    } else {
        Err(format!("it greets with {greeting:?}, not as an ssh server"))
    }
}

impl Sshd {
    /// PATH with the bed's `ssh` first.
    pub(crate) fn path(&self) -> OsString {
        prepend_path(&self.dir.join("bin"))
    }

    /// The `known_hosts` line of its host key.
    pub(crate) fn known_host(&self) -> String {
        std::fs::read_to_string(self.dir.join("known_hosts")).expect("read the bed's known_hosts")
    }

    /// A client of its own below `dir`: an ssh configuration that logs in with key `id_KEY` and
    /// knows the hosts `known_hosts` says (text, checked strictly), and an `ssh` that uses it.
    /// Returns the PATH that puts that `ssh` first.
    pub(crate) fn client(&self, dir: &Path, key: &str, known_hosts: &str) -> OsString {
        let bin = dir.join("ssh-client/bin");
        std::fs::create_dir_all(&bin).expect("create the client's directory");
        let config = dir.join("ssh-client/config");
        let known = dir.join("ssh-client/known_hosts");
        std::fs::write(&known, known_hosts).expect("write known_hosts");
        std::fs::write(
            &config,
            format!(
                "Host *\n    IdentityFile {}\n    IdentitiesOnly yes\n    UserKnownHostsFile {}\n    StrictHostKeyChecking yes\n",
                self.dir.join(format!("id_{key}")).display(),
                known.display()
            ),
        )
        .expect("write the ssh configuration");
        let ssh = system_ssh();
        let wrapper = bin.join("ssh");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nexec {} -F {} \"$@\"\n",
                ssh.display(),
                config.display()
            ),
        )
        .expect("write the ssh wrapper");
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755))
            .expect("chmod the wrapper");
        prepend_path(&bin)
    }
}

/// `dir`, then this process's PATH.
fn prepend_path(dir: &Path) -> OsString {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(dir.to_path_buf()).chain(std::env::split_paths(&rest)))
        .expect("a PATH")
}

/// The system's `ssh`, found on PATH.
fn system_ssh() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("ssh"))
        .find(|ssh| ssh.is_file())
        .expect("ssh on PATH (Debian: openssh-client)")
}
