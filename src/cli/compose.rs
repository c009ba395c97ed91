//! A Compose file for the verbs: its map, read with the process environment and the files of
//! its project directory, and the images its services build as build contexts (the directory,
//! its Dockerfile as the context's, the build's arguments, stage and labels).

use std::path::Path;

use super::error::Error;
use crate::model::ContainerMap;
use crate::script::compose_file::Options;
use crate::script::handles::Images;

/// A YAML file whose top level has a `services` mapping is a Compose file.
pub(super) fn is_compose_file(label: &str, text: &str) -> bool {
    crate::yaml::parse(label, text, &|_| None).is_ok_and(|doc| crate::compose::is_compose(doc.root()))
}

/// What the command line says of Compose files (`-p`, `--profile`, `--env-file`), set once
/// before the verb runs.
static FLAGS: std::sync::OnceLock<Options> = std::sync::OnceLock::new();

pub(super) fn set_flags(flags: Options) {
    let _ = FLAGS.set(flags);
}

/// The map of a Compose file, whose project directory is the file's, and the images its
/// services build; Compose's warnings go to stderr.
pub(super) fn load(file: &Path, label: &str, text: &str) -> Result<(ContainerMap, Images), Error> {
    load_with_builds(file, label, text).map(|(map, images, _)| (map, images))
}

/// [`load`], and the builds the images come from (what `dmap convert` writes).
pub(super) fn load_with_builds(
    file: &Path,
    label: &str,
    text: &str,
) -> Result<(ContainerMap, Images, Vec<crate::compose::Build>), Error> {
    let flags = FLAGS.get_or_init(Options::default);
    let project = crate::script::compose_file::load(file, label, text, flags)
        .map_err(|problems| Error::Problems { problems })?;
    #[allow(clippy::print_stderr)] // the terminal is the CLI's
    for w in &project.warnings {
        eprintln!("warning: {w}");
    }
    Ok((project.map, project.images, project.builds))
}
