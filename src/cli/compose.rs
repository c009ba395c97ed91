//! A Compose file for the verbs: its map, read with the process environment and the files of
//! its project directory, and the images its services build as build contexts (the directory,
//! its Dockerfile as the context's, the build's arguments, stage and labels).

use std::path::Path;

use super::error::Error;
use crate::compose::Source;
use crate::model::ContainerMap;
use crate::script::handles::{ContextHandle, ImageSource, Images};

/// A YAML file whose top level has a `services` mapping is a Compose file.
pub(super) fn is_compose_file(label: &str, text: &str) -> bool {
    crate::yaml::parse(label, text, &|_| None).is_ok_and(|doc| crate::compose::is_compose(doc.root()))
}

/// The map of a Compose file, whose project directory is the file's, and the images its
/// services build; Compose's warnings go to stderr.
/// What the command line says of Compose files (`-p`, `--profile`, `--env-file`), set once
/// before the verb runs.
#[derive(Debug, Default)]
pub(super) struct Flags {
    pub project: Option<String>,
    pub profiles: Vec<String>,
    pub env_files: Vec<std::path::PathBuf>,
}

static FLAGS: std::sync::OnceLock<Flags> = std::sync::OnceLock::new();

pub(super) fn set_flags(flags: Flags) {
    let _ = FLAGS.set(flags);
}

pub(super) fn load(file: &Path, label: &str, text: &str) -> Result<(ContainerMap, Images), Error> {
    load_with_builds(file, label, text).map(|(map, images, _)| (map, images))
}

/// [`load`], and the builds the images come from (what `dmap convert` writes).
pub(super) fn load_with_builds(
    file: &Path,
    label: &str,
    text: &str,
) -> Result<(ContainerMap, Images, Vec<crate::compose::Build>), Error> {
    let flags = FLAGS.get_or_init(Flags::default);
    let parent = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = std::path::absolute(parent).map_err(|e| Error::Read {
        path: label.to_string(),
        source: e,
    })?;
    let read = |path: &Path| -> Result<String, String> {
        crate::script::input_file::read(path, &path.to_string_lossy()).map_err(|e| e.to_string())
    };
    let loaded = crate::compose::load(&Source {
        label,
        text,
        dir: &dir,
        env: &|v| std::env::var(v).ok(),
        read: &read,
        project: flags.project.as_deref(),
        profiles: &flags.profiles,
        env_files: &flags.env_files,
    })
    .map_err(|problems| Error::Problems { problems })?;
    #[allow(clippy::print_stderr)] // the terminal is the CLI's
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let mut images = Images::new();
    let mut problems = Vec::new();
    for b in &loaded.builds {
        match b.context(&read) {
            Ok(c) => {
                images.insert(
                    b.image.clone(),
                    (ImageSource::Context(ContextHandle::new(c)), b.origin.clone()),
                );
            }
            Err(p) => problems.push(p),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Problems { problems });
    }
    Ok((loaded.map, images, loaded.builds))
}
