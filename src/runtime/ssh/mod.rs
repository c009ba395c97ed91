//! Remote Engines over ssh (`ssh://[user@]host[:port]`), as the docker CLI reaches them: each
//! connection to the Engine is the standard input and output of
//! `ssh ... -- HOST docker system dial-stdio`, run by the system's `ssh` with the user's
//! configuration, keys, agent and known_hosts.
//!
//! A [`Tunnel`] owns a private directory (0700) holding a unix socket that bollard connects to:
//! every connection accepted there is carried by an ssh process of its own. The first ssh becomes
//! an ssh master (`ControlMaster=auto`, `ControlPersist`), so the connections after it are
//! sessions over that one authenticated connection: dmap's parallel connections cost one
//! handshake, or one per ten connections at once ([`masters`]). The first contact goes over an
//! ssh process directly (not through the socket), so that its exit code and stderr say why it
//! failed ([`failure`]).
//!
//! ssh runs without prompts (`BatchMode`: a key in the agent or without passphrase, a host key in
//! known_hosts) and in a process group of its own, so a Ctrl-C at the terminal reaches dmap alone,
//! which still talks to the Engine while it cleans up. Dropping the tunnel kills its ssh
//! processes, ends the master (`ssh -O exit`) and removes the directory.

mod failure;
mod masters;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::task::{JoinHandle, JoinSet};

pub(crate) use crate::model::ssh_address::Destination;
pub(crate) use failure::SshError;
use masters::Masters;

/// Seconds the ssh master stays after its last session ended: dmap ends it itself when it is
/// done (`ssh -O exit`); this bounds how long it outlives a dmap that was killed.
const PERSIST_SECONDS: u64 = 60;

/// How long ending the ssh master (`ssh -O exit`) may take.
const EXIT_WAIT: Duration = Duration::from_secs(2);

/// The most of ssh's stderr the first contact keeps.
const MAX_STDERR: usize = 64 * 1024;

/// An `ssh://` Engine's connections, for as long as the tunnel lives.
#[derive(Debug)]
pub(crate) struct Tunnel {
    ssh: Arc<Invocation>,
    dir: PathBuf,
    /// The socket bollard connects to.
    socket: PathBuf,
    /// Accepts connections on the socket and carries each over ssh.
    serve: Option<JoinHandle<()>>,
}

impl Tunnel {
    /// Reaches the Engine at `destination` once (`GET /_ping`) and listens for bollard's
    /// connections. Gives the tunnel and the API version the Engine answered with; fails with why
    /// ssh or the remote `docker` gave no Engine. Dropping the future cleans up as dropping the
    /// tunnel does.
    pub(crate) async fn open(
        destination: &Destination,
        connect_timeout: Duration,
    ) -> Result<(Tunnel, (usize, usize)), SshError> {
        let dir = private_dir()?;
        let ssh = Arc::new(Invocation {
            destination: destination.clone(),
            masters: Arc::new(Masters::new(&dir)),
            connect_timeout: connect_timeout.as_secs().max(1),
        });
        let mut tunnel = Tunnel {
            ssh,
            socket: dir.join("docker.sock"),
            dir,
            serve: None,
        };
        let version = tunnel.ssh.first_contact().await?;
        let listener = UnixListener::bind(&tunnel.socket).map_err(|e| SshError::Local {
            path: tunnel.socket.display().to_string(),
            reason: e.to_string(),
        })?;
        tunnel.serve = Some(tokio::spawn(serve(listener, tunnel.ssh.clone())));
        Ok((tunnel, version))
    }

    /// The unix socket whose connections reach the Engine.
    pub(crate) fn socket(&self) -> &Path {
        &self.socket
    }
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        // its connections' tasks end with it, and their ssh processes are killed
        if let Some(serve) = self.serve.take() {
            serve.abort();
        }
        // every master told to exit at once; one that does not answer at once is not waited
        // for: dmap ends promptly, and the master when its `ControlPersist` runs out
        let exits: Vec<std::process::Child> = self
            .ssh
            .masters
            .running()
            .into_iter()
            .filter_map(|slot| {
                let mut command = std::process::Command::new("ssh");
                command
                    .args(self.ssh.arguments(slot, &["-O", "exit"], false))
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .ok()
            })
            .collect();
        let deadline = std::time::Instant::now() + EXIT_WAIT;
        for mut exit in exits {
            while matches!(exit.try_wait(), Ok(None)) && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(2));
            }
            let _ = exit.kill();
            let _ = exit.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// How ssh is run for one Engine.
#[derive(Debug)]
struct Invocation {
    destination: Destination,
    masters: Arc<Masters>,
    connect_timeout: u64,
}

impl Invocation {
    /// `ssh [-l USER] [-p PORT] -o ... [EXTRA] -- HOST [docker system dial-stdio]`, a session of
    /// slot `slot`'s master.
    fn arguments(&self, slot: usize, extra: &[&str], remote_command: bool) -> Vec<OsString> {
        let mut args: Vec<OsString> = self
            .destination
            .options()
            .into_iter()
            .map(OsString::from)
            .collect();
        let mut option = |value: String| {
            args.push("-o".into());
            args.push(value.into());
        };
        option("BatchMode=yes".into());
        option(format!("ConnectTimeout={}", self.connect_timeout));
        option("ControlMaster=auto".into());
        option(format!(
            "ControlPath={}",
            self.masters.control_path(slot).display()
        ));
        option(format!("ControlPersist={PERSIST_SECONDS}"));
        args.extend(extra.iter().map(OsString::from));
        args.push("-T".into());
        args.push("--".into());
        args.push(self.destination.host.clone().into());
        if remote_command {
            args.extend(["docker", "system", "dial-stdio"].map(OsString::from));
        }
        args
    }

    /// One connection to the Engine, a session of slot `slot`'s master: ssh with piped stdin
    /// and stdout, killed when dropped, in a process group of its own (Ctrl-C at the terminal
    /// is dmap's to handle).
    fn command(&self, slot: usize, stderr: Stdio) -> tokio::process::Command {
        let mut command = tokio::process::Command::new("ssh");
        command
            .args(self.arguments(slot, &[], true))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .process_group(0);
        command
    }

    /// Opens slot `slot`'s master: ssh without a command (`-N`) puts itself in the background
    /// once logged in (`ControlPersist`). Its failure is not an error: each connection of the
    /// slot then logs in on its own.
    async fn open_master(&self, slot: usize) {
        let mut command = tokio::process::Command::new("ssh");
        command
            .args(self.arguments(slot, &["-N"], false))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .process_group(0);
        if let Ok(mut child) = command.spawn() {
            let limit = Duration::from_secs(self.connect_timeout.saturating_mul(2));
            let _ = tokio::time::timeout(limit, child.wait()).await;
        }
    }

    /// `GET /_ping` over one ssh process: the Engine's API version, or why there is no Engine.
    async fn first_contact(&self) -> Result<(usize, usize), SshError> {
        let mut child = self
            .command(0, Stdio::piped())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => SshError::NoSsh,
                _ => SshError::Spawn {
                    reason: e.to_string(),
                },
            })?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(SshError::Spawn {
                reason: "its pipes were not opened".into(),
            });
        };
        // stderr is drained while the exchange runs (a full pipe would stall ssh)
        let stderr = tokio::spawn(read_capped(stderr));
        let answer = super::ping::exchange(tokio::io::join(stdout, stdin)).await;
        if let Some(version) = answer {
            stderr.abort();
            // the Engine closes the connection (`Connection: close`); ssh need not be waited for
            let _ = child.start_kill();
            return Ok(version);
        }
        let code = child.wait().await.ok().and_then(|status| status.code());
        let said = stderr.await.unwrap_or_default();
        let d = &self.destination;
        Err(failure::classify(
            &d.host,
            d.port,
            &d.command_line(),
            code,
            &String::from_utf8_lossy(&said),
        ))
    }
}

/// Up to [`MAX_STDERR`] bytes of `stream`, read to its end.
async fn read_capped(mut stream: impl AsyncRead + Unpin) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
        let room = MAX_STDERR.saturating_sub(kept.len());
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
    kept
}

/// Accepts bollard's connections and carries each over an ssh process of its own; when this task
/// is dropped, so are the connections' tasks, and their ssh processes are killed.
async fn serve(listener: UnixListener, ssh: Arc<Invocation>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(carry(stream, ssh.clone()));
                }
                // out of descriptors, most likely: the next try may find one
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// One connection: bytes both ways between bollard and ssh. bollard's end of file closes ssh's
/// stdin (the remote reads it as the connection's end); the connection ends when the remote side
/// does. An ssh that can't start closes the connection, which bollard reports.
async fn carry(stream: UnixStream, ssh: Arc<Invocation>) {
    let place = ssh.masters.place(|slot| ssh.open_master(slot)).await;
    let Ok(mut child) = ssh.command(place.slot(), Stdio::null()).spawn() else {
        return;
    };
    let (Some(mut stdin), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return;
    };
    let (mut from_client, mut to_client) = stream.into_split();
    let upstream = async move {
        let _ = tokio::io::copy(&mut from_client, &mut stdin).await;
        // stdin is dropped here: ssh passes the end of file on
    };
    let downstream = async {
        let _ = tokio::io::copy(&mut stdout, &mut to_client).await;
        let _ = to_client.shutdown().await;
    };
    let mut upstream = std::pin::pin!(upstream);
    let mut downstream = std::pin::pin!(downstream);
    let mut sent = false;
    loop {
        tokio::select! {
            () = &mut upstream, if !sent => sent = true,
            () = &mut downstream => break,
        }
    }
    let _ = child.start_kill();
    let _ = child.wait().await;
}

/// A new directory only this user may enter, for the tunnel's sockets. Under the temporary
/// directory when its path is plain and short (a unix socket's path has room for ~100 bytes, and
/// ssh reads `ControlPath` as words), else under /tmp.
fn private_dir() -> Result<PathBuf, SshError> {
    use std::os::unix::fs::DirBuilderExt;
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let temp = std::env::temp_dir();
    let plain = temp
        .to_str()
        .is_some_and(|t| t.len() <= 60 && t.chars().all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c)));
    let base = if plain { temp } else { PathBuf::from("/tmp") };
    let mut last = None;
    for _ in 0..100 {
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("dmap-ssh-{}-{n}", std::process::id()));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => {
                return Err(SshError::Local {
                    path: dir.display().to_string(),
                    reason: e.to_string(),
                })
            }
        }
    }
    Err(SshError::Local {
        path: base.display().to_string(),
        reason: last.map_or_else(|| "no free name".into(), |e| e.to_string()),
    })
}
