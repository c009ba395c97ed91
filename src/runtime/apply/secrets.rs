//! A build given build secrets (`RUN --mount=type=secret`): BuildKit asks the client for their
//! values through a session, which bollard offers only on the Engine's BuildKit control API
//! (`/grpc`, its `Moby` driver), not on the build endpoint. That API reports no step progress:
//! the build says so in one line, and a failure carries BuildKit's message. The context is sent
//! whole (it is packed in memory first); the values are read from their files or dmap's
//! environment when the build asks, and never printed, logged or labelled.

use bollard::grpc::build::{ImageBuildFrontendOptions, ImageBuildLoadInput, SecretSource};
use bollard::grpc::driver::moby::Moby;
use bollard::grpc::driver::Build as _;

use super::build::Line;
use crate::context::SecretFrom;
use crate::runtime::driver::Driver;
use crate::runtime::error::{BuildFailure, StepError};
use crate::runtime::labels;
use crate::runtime::spec::DesiredBuild;

pub(super) async fn build(
    driver: &Driver,
    build: &DesiredBuild,
    output: &dyn Fn(Line<'_>),
) -> Result<(), StepError> {
    let settings = &build.context.settings;
    let tar = build.context.write(Vec::new()).map_err(StepError::Context)?;
    let mut options = ImageBuildFrontendOptions::builder().label(labels::CONTEXT, &build.digest);
    for (k, v) in &settings.labels {
        options = options.label(k, v);
    }
    for (k, v) in &settings.args {
        options = options.buildarg(k, v);
    }
    if let Some(target) = &settings.target {
        options = options.target(target);
    }
    for (id, from) in &settings.secrets {
        let source = match from {
            SecretFrom::File(path) => SecretSource::File(path.clone()),
            SecretFrom::Env(var) => SecretSource::Env(var.clone()),
        };
        options = options.set_secret(id, &source);
    }
    let names: Vec<&str> = settings.secrets.keys().map(String::as_str).collect();
    let text = format!(
        "building with the build secrets {} through BuildKit's session API, which reports no steps",
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    output(Line {
        text: &text,
        heading: Some("with build secrets"),
    });
    Moby::new(&driver.docker)
        .docker_build(
            &build.reference,
            options.build(),
            ImageBuildLoadInput::Upload(tar.into()),
            None,
            None,
        )
        .await
        .map_err(|e| {
            StepError::Build(Box::new(BuildFailure {
                step: None,
                instruction: None,
                trace: None,
                code: None,
                message: e.to_string(),
                output: Vec::new(),
            }))
        })
}
