//! Images: pull and push, streaming the Engine's progress until it ends or reports an error,
//! with the user's registry credentials (`runtime::credentials`) where they have some.

use bollard::query_parameters::{CreateImageOptions, PushImageOptions};
use futures_util::StreamExt;

use crate::runtime::driver::Driver;
use crate::runtime::error::{message, StepError};

pub(super) async fn pull(driver: &Driver, image: &str) -> Result<(), StepError> {
    let (name, tag) = crate::model::image::split_tag(image);
    let options = CreateImageOptions {
        from_image: Some(name.to_string()),
        tag: tag.map(str::to_string),
        ..Default::default()
    };
    let failed = |message: String| StepError::Pull {
        image: image.to_string(),
        message,
    };
    let credentials = crate::runtime::credentials::for_image(image)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let anonymous = credentials.is_none();
    let mut stream = driver.docker.create_image(Some(options), None, credentials);
    while let Some(item) = stream.next().await {
        let info = item.map_err(|e| failed(with_login_hint(message(&e), image, anonymous)))?;
        if let Some(detail) = info.error_detail.and_then(|d| d.message) {
            return Err(failed(with_login_hint(detail, image, anonymous)));
        }
    }
    Ok(())
}

/// Pushes `image` (a reference with its registry) from the client's Engine.
pub(super) async fn push(driver: &Driver, image: &str) -> Result<(), StepError> {
    let (name, tag) = crate::model::image::split_tag(image);
    let failed = |message: String| StepError::Push {
        image: image.to_string(),
        message,
    };
    let credentials = crate::runtime::credentials::for_image(image)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let options = PushImageOptions {
        tag: tag.map(str::to_string),
        ..Default::default()
    };
    let anonymous = credentials.is_none();
    let mut stream = driver.docker.push_image(name, Some(options), credentials);
    while let Some(item) = stream.next().await {
        item.map_err(|e| {
            let text = match e {
                bollard::errors::Error::DockerStreamError { error } => error,
                other => message(&other),
            };
            failed(with_login_hint(text, image, anonymous))
        })?;
    }
    Ok(())
}

/// A registry's refusal for want of credentials, with the way to give them when the user's
/// config has none for it.
fn with_login_hint(text: String, image: &str, anonymous: bool) -> String {
    let lower = text.to_ascii_lowercase();
    let about_auth = ["auth", "unauthorized", "denied"]
        .iter()
        .any(|w| lower.contains(w));
    if anonymous && about_auth {
        let registry = crate::runtime::credentials::registry_of(image);
        format!("{text} (there are no credentials for `{registry}` in the docker config: `docker login {registry}`)")
    } else {
        text
    }
}
