//! A local registry standing in for the Docker Hub: Debian's `docker-registry` (Docker
//! Distribution 2.x) started by the test on a free port of 127.0.0.1 with a temporary storage
//! directory, and the busybox fixture pushed into it. The Engine allows plain HTTP for
//! registries on 127.0.0.0/8, so no TLS is involved.
//!
//! The registry is required: when `docker-registry` is missing, the tests fail (they never skip;
//! .ci/run installs it).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{busybox_image, docker, is_not_found};
use bollard::query_parameters::{PushImageOptionsBuilder, RemoveImageOptionsBuilder, TagImageOptionsBuilder};
use futures_util::StreamExt;
use tempfile::TempDir;

const REGISTRY: &str = "docker-registry";

/// How long the registry may take to answer `GET /v2/`.
const REGISTRY_READY: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// A local registry
// ---------------------------------------------------------------------------------------------

/// A `docker-registry serve` process; killed when dropped.
pub(crate) struct Registry {
    child: Child,
    pub(crate) port: u16,
    dir: TempDir,
}

impl Registry {
    /// Starts a registry on a free port of 127.0.0.1 and waits until it answers. The port is found
    /// by binding port 0 and releasing it, so another process may take it in between: the start
    /// is retried a few times on a fresh port when the registry exits early.
    pub(crate) fn start() -> Registry {
        Registry::start_on("127.0.0.1")
    }

    /// A registry listening on every address of this host (`0.0.0.0`): the test bed's Engines
    /// reach it on the LAN address, the main Engine on 127.0.0.1.
    pub(crate) fn start_on(listen: &str) -> Registry {
        Registry::start_with(listen, None)
    }

    /// A registry on 127.0.0.1 that asks for basic authentication: the users of `htpasswd`
    /// (bcrypt lines, `user:$2b$...`).
    pub(crate) fn start_with_users(htpasswd: &str) -> Registry {
        Registry::start_with("127.0.0.1", Some(htpasswd))
    }

    fn start_with(listen: &str, htpasswd: Option<&str>) -> Registry {
        let mut failures = Vec::new();
        for _ in 0..5 {
            match Registry::try_start(listen, htpasswd) {
                Ok(registry) => return registry,
                Err(failure) => failures.push(failure),
            }
        }
        panic!(
            "could not start a local {REGISTRY} (5 attempts):\n{}",
            failures.join("\n---\n")
        );
    }

    fn try_start(listen: &str, htpasswd: Option<&str>) -> Result<Registry, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .map_err(|error| format!("cannot find a free port on 127.0.0.1: {error}"))?;
        let dir =
            tempfile::tempdir().map_err(|error| format!("cannot make a temporary directory: {error}"))?;
        let storage = dir.path().join("storage");
        std::fs::create_dir(&storage)
            .map_err(|error| format!("cannot create {}: {error}", storage.display()))?;
        let auth = match htpasswd {
            Some(users) => {
                let path = dir.path().join("htpasswd");
                std::fs::write(&path, users)
                    .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
                format!(
                    "auth:\n  htpasswd:\n    realm: dmap-test\n    path: {}\n",
                    path.display()
                )
            }
            None => String::new(),
        };
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  \
                 filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: \
                 {listen}:{port}\n  secret: dmap-pull-test\n{auth}",
                storage.display()
            ),
        )
        .map_err(|error| format!("cannot write {}: {error}", config.display()))?;
        let log_path = dir.path().join("registry.log");
        let log = std::fs::File::create(&log_path)
            .map_err(|error| format!("cannot create {}: {error}", log_path.display()))?;
        let log_err = log
            .try_clone()
            .map_err(|error| format!("cannot duplicate the log file handle: {error}"))?;
        let child = Command::new(REGISTRY)
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "the pull tests need Debian's `{REGISTRY}` on PATH (apt-get install docker-registry; \
                     .ci/run installs it) and it could not be run: {error}"
                )
            });
        let mut registry = Registry { child, port, dir };
        let deadline = Instant::now() + REGISTRY_READY;
        loop {
            if let Ok(Some(status)) = registry.child.try_wait() {
                return Err(format!(
                    "{REGISTRY} on port {port} exited early ({status}):\n{}",
                    registry.log()
                ));
            }
            if registry.answers() {
                return Ok(registry);
            }
            if Instant::now() > deadline {
                // Dropping `registry` kills the process.
                return Err(format!(
                    "{REGISTRY} on port {port} did not answer GET /v2/ within {REGISTRY_READY:?}:\n{}",
                    registry.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether `GET /v2/` answers 200.
    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let request = format!(
            "GET /v2/ HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        );
        if stream.write_all(request.as_bytes()).is_err() {
            return false;
        }
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        ["200", "401"].iter().any(|code| {
            response.starts_with(&format!("HTTP/1.1 {code}"))
                || response.starts_with(&format!("HTTP/1.0 {code}"))
        })
    }

    /// `127.0.0.1:PORT`
    pub(crate) fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The registry's output so far (for failure messages).
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------

/// Runs `future` on a runtime of its own in a thread of its own, so it can be called from `Drop`
/// and from plain test code alike.
pub(crate) fn detached<T: Send + 'static, F: std::future::Future<Output = T>>(
    make: impl FnOnce() -> F + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("cannot build a tokio runtime")
            .block_on(make())
    })
    .join()
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Removes the image tag when dropped (only that tag: the image itself stays as long as other
/// tags, such as the fixture's, point at it). Never panics.
pub(crate) struct RemoveTag(pub(crate) String);

impl Drop for RemoveTag {
    fn drop(&mut self) {
        let tag = self.0.clone();
        let result = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| error.to_string())?
                .block_on(async {
                    let docker = match bollard::Docker::connect_with_defaults() {
                        Ok(docker) => docker.negotiate_version().await,
                        Err(error) => Err(error),
                    }
                    .map_err(|error| error.to_string())?;
                    match docker
                        .remove_image(&tag, Some(RemoveImageOptionsBuilder::default().build()), None)
                        .await
                    {
                        Ok(_) => Ok(()),
                        Err(error) if is_not_found(&error) => Ok(()),
                        Err(error) => Err(error.to_string()),
                    }
                })
        })
        .join();
        match result {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("cannot remove the image tag {}: {error}", self.0),
            Err(_) => eprintln!("removing the image tag {} panicked", self.0),
        }
    }
}

/// Whether the Engine has the image (by tag).
pub(crate) fn image_present(image: &str) -> bool {
    let image = image.to_string();
    detached(move || async move {
        match docker().await.inspect_image(&image).await {
            Ok(_) => true,
            Err(error) if is_not_found(&error) => false,
            Err(error) => panic!("cannot inspect image {image}: {error}"),
        }
    })
}

/// Tags the busybox fixture as `REPOSITORY:TAG`, pushes it and removes the tag again, so only the
/// registry has it. The fixture image itself is left alone.
pub(crate) fn push_fixture(repository: &str, tag: &str) {
    push(&busybox_image(), repository, tag);
}

/// Tags image `fixture` as `REPOSITORY:TAG`, pushes it and removes that tag again.
pub(crate) fn push(fixture: &str, repository: &str, tag: &str) {
    let fixture = fixture.to_string();
    let (repository, tag) = (repository.to_string(), tag.to_string());
    detached(move || async move {
        let docker = docker().await;
        let reference = format!("{repository}:{tag}");
        docker
            .tag_image(
                &fixture,
                Some(
                    TagImageOptionsBuilder::default()
                        .repo(&repository)
                        .tag(&tag)
                        .build(),
                ),
            )
            .await
            .unwrap_or_else(|error| panic!("cannot tag {fixture} as {reference}: {error}"));
        let mut stream = docker.push_image(
            &repository,
            Some(PushImageOptionsBuilder::default().tag(&tag).build()),
            None,
        );
        let mut log = Vec::new();
        while let Some(item) = stream.next().await {
            let info = item.unwrap_or_else(|error| panic!("pushing {reference} failed: {error}"));
            if let Some(detail) = info.error_detail {
                panic!(
                    "pushing {reference} failed: {}\n{}",
                    detail.message.unwrap_or_default(),
                    log.join("\n")
                );
            }
            log.extend(info.status);
        }
        assert!(
            log.iter().any(|line| line.contains("digest:")),
            "pushing {reference} reported no digest:\n{}",
            log.join("\n")
        );
        let removed = docker
            .remove_image(
                &reference,
                Some(RemoveImageOptionsBuilder::default().build()),
                None,
            )
            .await
            .unwrap_or_else(|error| panic!("cannot remove the tag {reference}: {error}"));
        assert!(
            removed.iter().all(|item| item.deleted.is_none()),
            "removing the tag {reference} deleted image layers: {removed:?}"
        );
    });
    assert!(image_present(&busybox_image()), "the fixture image lost its tag");
}
