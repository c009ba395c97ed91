//! Files of this machine copied into a running container without recreating it (`up --watch`'s
//! `sync` rules): a tar of them sent to the Engine's archive endpoint, unpacked at `/`; a file
//! gone here is removed there (`rm -rf` run in the container, as Compose's watch does).

use std::path::PathBuf;

use bollard::query_parameters::UploadToContainerOptions;

use super::driver::Driver;
use super::error::StepError;
use super::exec::{exec, ExecRequest};

/// One file to bring up to date: where it is here, and its absolute path in the container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Synced {
    pub host: PathBuf,
    pub container: String,
}

/// Copies the files that exist into `container` and removes there those that don't exist
/// here any more.
pub(crate) async fn sync(driver: &Driver, container: &str, files: &[Synced]) -> Result<(), StepError> {
    let (present, gone): (Vec<&Synced>, Vec<&Synced>) = files.iter().partition(|f| f.host.exists());
    if !present.is_empty() {
        let tar = archive(&present).map_err(|e| StepError::Internal {
            message: format!("can't pack the files to sync: {e}"),
        })?;
        let options = UploadToContainerOptions {
            path: "/".into(),
            ..Default::default()
        };
        driver
            .docker
            .upload_to_container(container, Some(options), bollard::body_full(tar.into()))
            .await
            .map_err(StepError::on("container", container))?;
    }
    if !gone.is_empty() {
        let mut command = vec!["rm".to_string(), "-rf".to_string(), "--".to_string()];
        command.extend(gone.iter().map(|f| f.container.clone()));
        let request = ExecRequest {
            container: container.to_string(),
            command,
            user: None,
            workdir: None,
            env: Vec::new(),
            tty: false,
            stdin: false,
            size: None,
        };
        let mut output = Vec::new();
        let code = exec(driver, &request, &mut |_, bytes| output.extend_from_slice(bytes)).await?;
        if code != 0 {
            return Err(StepError::Command {
                what: "removing the files gone here".into(),
                code,
                output: String::from_utf8_lossy(&output).into_owned(),
            });
        }
    }
    Ok(())
}

/// The files (a directory with what it holds) as a tar, each at its path in the container.
fn archive(files: &[&Synced]) -> std::io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    tar.follow_symlinks(false);
    for f in files {
        let name = f.container.trim_start_matches('/');
        if f.host.is_dir() {
            tar.append_dir_all(name, &f.host)?;
        } else {
            tar.append_path_with_name(&f.host, name)?;
        }
    }
    tar.into_inner()
}
