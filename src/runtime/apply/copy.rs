//! Copies (`image_transfer: "copy"`): a declared image streamed from another client's Engine
//! (`GET /images/get`, `docker save`) into this one's (`POST /images/load`, `docker load`) chunk
//! by chunk as it arrives, so it never sits whole in memory; the image loaded must have the id it
//! has on the source (image ids are digests of their content), else the step fails. Its labels,
//! the recorded context digest among them, travel with it.

use std::io;
use std::time::{Duration, Instant};

use bollard::query_parameters::ImportImageOptions;
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::Line;
use crate::runtime::driver::Driver;
use crate::runtime::error::{message, StepError};
use crate::runtime::plan::short_id;
use crate::runtime::spec::DesiredBuild;

/// How often the bytes sent so far are told, at most.
const TELL_EVERY: Duration = Duration::from_millis(500);
/// How long the load may take at least: the Engine answers only once it has read the whole
/// image, so the client's `timeout` (which bounds a request up to its answer) would cut a big
/// image on a slow link short.
const LOAD_TIMEOUT: Duration = Duration::from_secs(3600);

/// Copies `build`'s image (its reference and extra tags) from `source`, the Engine of client
/// `from`, into `target`; `output` hears the bytes sent so far (as headings: the live view shows
/// them), then what was copied.
pub(super) async fn copy(
    target: &Driver,
    build: &DesiredBuild,
    from: &str,
    source: &Driver,
    output: &dyn Fn(Line<'_>),
) -> Result<(), StepError> {
    let image = build.reference.as_str();
    let failed = |message: String| StepError::Copy {
        image: image.to_string(),
        from: from.to_string(),
        message,
    };
    let id = image_id(source, image)
        .await
        .map_err(|e| failed(format!("can't inspect it on `{from}`: {e}")))?
        .ok_or_else(|| failed(format!("`{from}` does not hold it")))?;
    let started = Instant::now();
    let names: Vec<String> = std::iter::once(build.reference.clone())
        .chain(build.extra_tags.iter().cloned())
        .collect();
    let (tx, mut rx) = mpsc::channel::<io::Result<Bytes>>(4);
    let docker = source.docker.clone();
    // The source's tar, chunk by chunk, into the body of the load; an error aborts the load.
    let export = async move {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut stream = docker.export_images(&names);
        let mut sent: u64 = 0;
        let mut told = Instant::now();
        while let Some(item) = stream.next().await {
            match item {
                Ok(chunk) => {
                    sent += chunk.len() as u64;
                    if tx.send(Ok(chunk)).await.is_err() {
                        // The load ended: its error says why.
                        break;
                    }
                    if told.elapsed() >= TELL_EVERY {
                        let text = format!("Copying from `{from}`: {}", size(sent));
                        output(Line {
                            text: &text,
                            heading: Some(&text),
                        });
                        told = Instant::now();
                    }
                }
                Err(e) => {
                    let text = message(&e);
                    let _ = tx.send(Err(io::Error::other(text.clone()))).await;
                    return Err(text);
                }
            }
        }
        Ok(sent)
    };
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let load = async {
        let options = ImportImageOptions {
            quiet: true,
            ..Default::default()
        };
        let timeout = LOAD_TIMEOUT.max(target.docker.timeout());
        let docker = target.docker.clone().with_timeout(timeout);
        let mut stream = docker.import_image_stream(options, body, None);
        while let Some(item) = stream.next().await {
            item.map_err(|e| match e {
                bollard::errors::Error::DockerStreamError { error } => error,
                other => message(&other),
            })?;
        }
        Ok::<(), String>(())
    };
    let (exported, loaded) = futures_util::join!(export, load);
    let sent = exported.map_err(|e| failed(format!("reading it from `{from}` failed: {e}")))?;
    loaded.map_err(|e| failed(format!("loading it failed: {e}")))?;
    let loaded = image_id(target, image)
        .await
        .map_err(|e| failed(format!("can't inspect the image loaded: {e}")))?
        .ok_or_else(|| failed("the load left no image of that name".into()))?;
    if loaded != id {
        return Err(failed(format!(
            "the image loaded is {}, and `{from}` holds {}",
            short_id(id_hex(&loaded)),
            short_id(id_hex(&id))
        )));
    }
    let done = format!(
        "Copied {} from `{from}` in {:.1} s: {}",
        size(sent),
        started.elapsed().as_secs_f64(),
        short_id(id_hex(&id))
    );
    output(Line {
        text: &done,
        heading: None,
    });
    Ok(())
}

/// The id of image `reference` on an Engine; none when it has none of that name.
async fn image_id(driver: &Driver, reference: &str) -> Result<Option<String>, String> {
    match driver.docker.inspect_image(reference).await {
        Ok(info) => Ok(info.id),
        Err(e) if crate::runtime::error::status(&e) == Some(404) => Ok(None),
        Err(e) => Err(message(&e)),
    }
}

/// `sha256:HEX` → `HEX`, as the docker CLI shows ids.
fn id_hex(id: &str) -> &str {
    id.strip_prefix("sha256:").unwrap_or(id)
}

/// Bytes as people read them: `812 B`, `3.4 kB`, `52.1 MB`, `1.2 GB`.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "kB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_ids_read_as_the_docker_cli_shows_them() {
        let cases = [
            (0, "0 B"),
            (812, "812 B"),
            (3_400, "3.4 kB"),
            (52_100_000, "52.1 MB"),
            (1_234_000_000, "1.2 GB"),
            (5_000_000_000_000, "5000.0 GB"),
        ];
        for (bytes, text) in cases {
            assert_eq!(size(bytes), text, "{bytes}");
        }
        assert_eq!(
            short_id(id_hex(
                "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            )),
            "0123456789ab"
        );
        assert_eq!(id_hex("abc"), "abc");
    }
}
