//! Errors at the Engine edge. Engine failures keep their status code; names are in backticks.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid Docker address `{address}`: {reason}")]
    Address { address: String, reason: String },
    #[error("can't reach the Docker Engine at `{address}`")]
    Unreachable {
        address: String,
        #[source]
        source: bollard::errors::Error,
    },
    #[error("can't read the Engine's state ({what})")]
    Observe {
        what: String,
        #[source]
        source: bollard::errors::Error,
    },
    #[error("the tokio runtime could not start")]
    Runtime(#[source] std::io::Error),
}

/// The Engine's status code, when it answered with one.
pub fn status(e: &bollard::errors::Error) -> Option<u16> {
    match e {
        bollard::errors::Error::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

/// The Engine's own message, else the client's.
pub fn message(e: &bollard::errors::Error) -> String {
    match e {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message.trim().to_string(),
        other => other.to_string(),
    }
}
