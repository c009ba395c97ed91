//! The first contact with an Engine: `GET /_ping`, whose `Api-Version` header says which API the
//! Engine speaks. bollard negotiates through `GET /version`, for which Engine 20.10 runs
//! `runc --version` and `docker-init --version` (6–7 ms, most of a no-op `up`); `/_ping` answers in
//! well under a millisecond. Only plain connections (a local socket, `tcp://` or `http://`
//! without TLS, and an ssh tunnel's first contact, `runtime::ssh`) are pinged this way; anything
//! unexpected gives `None`, and the caller negotiates through bollard instead, whose errors say
//! what went wrong (or, over ssh, ssh's exit and stderr say it).

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The answer's head is a few hundred bytes; more than this is not an Engine's `/_ping`.
const MAX_HEAD: usize = 8 * 1024;

const REQUEST: &[u8] =
    b"GET /_ping HTTP/1.1\r\nHost: docker\r\nUser-Agent: dmap\r\nConnection: close\r\n\r\n";

/// The API version (major, minor) the Engine at `address` answers `/_ping` with, when the
/// address is a plain connection and the answer an Engine's.
pub(crate) async fn api_version(address: &str) -> Option<(usize, usize)> {
    if let Some(path) = address.strip_prefix("unix://") {
        let stream = tokio::net::UnixStream::connect(path).await.ok()?;
        exchange(stream).await
    } else {
        let rest = address
            .strip_prefix("tcp://")
            .or_else(|| address.strip_prefix("http://"))?;
        let authority = rest.split('/').next().filter(|a| !a.is_empty())?;
        let stream = tokio::net::TcpStream::connect(authority).await.ok()?;
        stream.set_nodelay(true).ok()?;
        exchange(stream).await
    }
}

/// `GET /_ping` over `stream`, and the `Api-Version` of the answer.
pub(crate) async fn exchange<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    mut stream: S,
) -> Option<(usize, usize)> {
    stream.write_all(REQUEST).await.ok()?;
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || head.len() + n > MAX_HEAD {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    parse_head(&head)
}

/// The `Api-Version` of a `200` answer's head.
fn parse_head(head: &[u8]) -> Option<(usize, usize)> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let status = lines.next()?;
    let mut words = status.split(' ');
    if !words.next()?.starts_with("HTTP/1.") || words.next()? != "200" {
        return None;
    }
    lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("api-version"))
        .and_then(|(_, value)| {
            let (major, minor) = value.trim().split_once('.')?;
            Some((major.parse().ok()?, minor.parse().ok()?))
        })
}

#[cfg(test)]
mod tests {
    use super::parse_head;

    #[test]
    fn reads_the_api_version_of_an_engines_answer_only() {
        let engine = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24 (linux)\r\nDate: x\r\nContent-Length: 2\r\n\r\n";
        let cases: &[(&str, Option<(usize, usize)>)] = &[
            (engine, Some((1, 41))),
            ("HTTP/1.0 200 OK\r\napi-version:1.53\r\n\r\n", Some((1, 53))),
            // not an Engine, or not a usable answer: bollard negotiates and says why
            ("HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n", None),
            ("HTTP/1.1 404 Not Found\r\nApi-Version: 1.41\r\n\r\n", None),
            ("HTTP/1.1 200 OK\r\nApi-Version: 1\r\n\r\n", None),
            ("HTTP/1.1 200 OK\r\nApi-Version: one.two\r\n\r\n", None),
            ("SSH-2.0-OpenSSH_9.2\r\n\r\n", None),
            ("HTTP/1.1 200 OK\r\n\r\nApi-Version: 1.41\r\n", None),
        ];
        for (head, want) in cases {
            assert_eq!(parse_head(head.as_bytes()), *want, "{head:?}");
        }
    }
}
