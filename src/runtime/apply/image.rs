//! Images: pull, streaming the Engine's progress until it ends or reports an error.

use bollard::query_parameters::CreateImageOptions;
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
    let mut stream = driver.docker.create_image(Some(options), None, None);
    while let Some(item) = stream.next().await {
        let info = item.map_err(|e| failed(message(&e)))?;
        if let Some(detail) = info.error_detail.and_then(|d| d.message) {
            return Err(failed(detail));
        }
    }
    Ok(())
}
