//! A Compose file on disk, as the verbs and `load_compose` read it: its project directory is
//! the file's, the environment the process's, the files it names read as input files, and the
//! images its services build made into build contexts.

use std::path::{Path, PathBuf};

use crate::compose::{Build, Source};
use crate::model::{ContainerMap, Origin, Problem};
use crate::script::handles::{ContextHandle, ImageSource, Images};
use crate::script::input_file::io_reason;

/// How a project is read besides its file (the command line's `-p`, `--profile`, `--env-file`,
/// or `load_compose`'s options).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Options {
    /// The project name, instead of `COMPOSE_PROJECT_NAME`, `name:` or the file's directory.
    pub project: Option<String>,
    /// Profiles to enable besides `COMPOSE_PROFILES`.
    pub profiles: Vec<String>,
    /// Env files read instead of the `.env` beside the Compose file.
    pub env_files: Vec<PathBuf>,
}

/// A Compose project read: its map, the images its services build (and the builds they come
/// from), and what Compose would warn about.
pub(crate) struct Project {
    pub map: ContainerMap,
    pub images: Images,
    pub builds: Vec<Build>,
    pub warnings: Vec<String>,
}

/// Reads the Compose file `file` (its text `text`, named `label` in problems).
pub(crate) fn load(file: &Path, label: &str, text: &str, options: &Options) -> Result<Project, Vec<Problem>> {
    let parent = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = std::path::absolute(parent).map_err(|e| {
        vec![Problem::new(
            format!("can't read Compose file `{label}`: {}", io_reason(&e)),
            Origin::new(label),
        )]
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
        project: options.project.as_deref(),
        profiles: &options.profiles,
        env_files: &options.env_files,
    })?;
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
        return Err(problems);
    }
    Ok(Project {
        map: loaded.map,
        images,
        builds: loaded.builds,
        warnings: loaded.warnings,
    })
}
