//! A connection to one Docker Engine (a client of the map): `DOCKER_HOST`, TLS, ssh, the API
//! version negotiated down to the Engine's.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bollard::{ClientVersion, Docker, API_DEFAULT_VERSION};

use super::error::Error;
use super::ssh::{Destination, Tunnel};
use crate::model::client::ClientConfig;

#[derive(Clone, Debug)]
pub(crate) struct Driver {
    pub docker: Docker,
    /// The client's name in the maps (`default` for docker-map's `__default__`).
    pub client: String,
    pub config: ClientConfig,
    /// Reached over TCP or ssh (not a local socket): build contexts travel gzipped.
    pub remote: bool,
    /// An `ssh://` Engine's tunnel, open while a clone of this driver lives.
    _tunnel: Option<Arc<Tunnel>>,
}

const DEFAULT_SOCKET: &str = "unix:///var/run/docker.sock";

/// The oldest Engine API dmap speaks (Docker 20.10).
pub(crate) const MINIMUM_API: (usize, usize) = (1, 41);

/// Seconds the first contact with an Engine may take when the client sets no `timeout`.
const CONNECT_TIMEOUT: u64 = 10;

impl Driver {
    /// Connects and negotiates the API version; an unreachable Engine is an error naming the
    /// address.
    pub(crate) async fn connect(client: &str, config: &ClientConfig) -> Result<Driver, Error> {
        let address = config
            .base_url
            .clone()
            .or_else(|| std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()))
            .unwrap_or_else(|| DEFAULT_SOCKET.to_string());
        let timeout = config.timeout.map_or(120, |t| t.ceil() as u64).max(1);
        let tls = config
            .tls_verify
            .unwrap_or_else(|| std::env::var("DOCKER_TLS_VERIFY").is_ok_and(|v| !v.is_empty() && v != "0"));
        let invalid = |reason: String| Error::Address {
            address: address.clone(),
            reason,
        };
        let remote = !address.starts_with("unix://");
        // The first contact is bounded on its own (the client's `timeout`, else 10 s): an Engine
        // that does not answer fails fast, and the other clients go on.
        let first_contact =
            Duration::from_secs(config.timeout.map_or(CONNECT_TIMEOUT, |t| t.ceil() as u64).max(1));
        let no_answer = || Error::NoAnswer {
            address: address.clone(),
            seconds: first_contact.as_secs(),
        };
        // An `ssh://` Engine is reached through a tunnel, whose first contact reads `/_ping`
        // and tells why ssh failed; bollard then connects to the tunnel's local socket.
        let tunnel = if address.starts_with("ssh://") {
            let destination = Destination::parse(&address).map_err(invalid)?;
            let (tunnel, pinged) =
                tokio::time::timeout(first_contact, Tunnel::open(&destination, first_contact))
                    .await
                    .map_err(|_| no_answer())?
                    .map_err(|error| Error::Ssh {
                        address: address.clone(),
                        error,
                    })?;
            Some((Arc::new(tunnel), pinged))
        } else {
            None
        };
        // An Engine's `/_ping` says its API version; when it can't be read so (TLS, or an answer
        // that is not an Engine's), bollard negotiates below, and its errors say why.
        let pinged = if let Some((_, version)) = &tunnel {
            Some(*version)
        } else if tls || address.starts_with("https://") {
            None
        } else {
            tokio::time::timeout(first_contact, super::ping::api_version(&address))
                .await
                .map_err(|_| no_answer())?
        };
        // as bollard negotiates: the Engine's version when older than bollard's own
        let version = match pinged {
            Some((major_version, minor_version))
                if (major_version, minor_version)
                    < (
                        API_DEFAULT_VERSION.major_version,
                        API_DEFAULT_VERSION.minor_version,
                    ) =>
            {
                ClientVersion {
                    major_version,
                    minor_version,
                }
            }
            _ => *API_DEFAULT_VERSION,
        };
        let version = &version;
        let unix = |path: &str| {
            Docker::connect_with_unix(path, timeout, version).map_err(|e| Error::Unreachable {
                address: address.clone(),
                reason: super::error::message(&e),
                error: e,
            })
        };
        let docker = if let Some((tunnel, _)) = &tunnel {
            unix(&tunnel.socket().to_string_lossy())?
        } else if let Some(path) = address.strip_prefix("unix://") {
            unix(path)?
        } else if address.starts_with("tcp://")
            || address.starts_with("http://")
            || address.starts_with("https://")
        {
            if tls || address.starts_with("https://") {
                let dir = config
                    .cert_path
                    .clone()
                    .or_else(|| std::env::var("DOCKER_CERT_PATH").ok())
                    .map(PathBuf::from)
                    .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")))
                    .ok_or_else(|| {
                        invalid("TLS needs DOCKER_CERT_PATH (key.pem, cert.pem, ca.pem)".into())
                    })?;
                Docker::connect_with_ssl(
                    &address,
                    &dir.join("key.pem"),
                    &dir.join("cert.pem"),
                    &dir.join("ca.pem"),
                    timeout,
                    version,
                )
                .map_err(|e| invalid(super::error::message(&e)))?
            } else {
                Docker::connect_with_http(&address, timeout, version)
                    .map_err(|e| invalid(super::error::message(&e)))?
            }
        } else {
            return Err(invalid(
                "expected unix://PATH, tcp://HOST:PORT, http://, https:// or ssh://[USER@]HOST[:PORT]".into(),
            ));
        };
        let docker = if pinged.is_some() {
            docker
        } else {
            match tokio::time::timeout(first_contact, docker.negotiate_version()).await {
                Ok(negotiated) => negotiated.map_err(|e| Error::Unreachable {
                    address: address.clone(),
                    reason: super::error::message(&e),
                    error: e,
                })?,
                Err(_) => return Err(no_answer()),
            }
        };
        let v = docker.client_version();
        if (v.major_version, v.minor_version) < MINIMUM_API {
            return Err(Error::TooOld {
                address,
                version: (v.major_version, v.minor_version),
            });
        }
        Ok(Driver {
            docker,
            client: client.to_string(),
            config: config.clone(),
            remote,
            _tunnel: tunnel.map(|(tunnel, _)| tunnel),
        })
    }

    /// A driver for tests that never reach an Engine: bollard connects on the first request.
    #[cfg(test)]
    pub(crate) fn unconnected(client: &str) -> Driver {
        let address = "tcp://127.0.0.1:9";
        Driver {
            docker: Docker::connect_with_http(address, 1, API_DEFAULT_VERSION)
                .unwrap_or_else(|e| panic!("a lazy connection: {e}")),
            client: client.to_string(),
            config: ClientConfig::default(),
            remote: true,
            _tunnel: None,
        }
    }
}
