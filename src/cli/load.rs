//! Reading what a command acts on: the maps of a recipe (evaluated as `check` does: actions
//! recorded, not run) or of a YAML map, grouped with the clients the recipe handed them to; the
//! images they declare.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::args::Recipe;
use super::error::Error;
use super::output::Stderr;
use super::{builders, limits, session};
use crate::model::client::ClientConfig;
use crate::model::{check_with_clients, Checked, ContainerMap};
use crate::script::handles::{Images, MapHandle};
use crate::script::input_file::InputError;
use crate::script::select::{self, Group};
use crate::script::{Interpreter, MapImage};
use crate::session::{Mode, Recorder};

/// A docker-map YAML map, by its extension (any case).
pub(super) fn is_yaml(file: &Path) -> bool {
    file.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// The files a verb reads when none is named, in the order they are looked for.
pub(super) const DEFAULT_FILES: [&str; 5] = [
    "dmap.rhai",
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// The first of `defaults` in the current directory.
pub(super) fn default_file(defaults: &[&str]) -> Option<PathBuf> {
    defaults
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .map(Path::to_path_buf)
}

/// Whether a verb's first argument is its FILE: anything there but a directory (a pipe or a
/// device too: its reader says what is wrong), or named like one (`.rhai`, `.yaml`, `.yml`);
/// else it is a target.
pub(super) fn named_like_a_file(p: &Path) -> bool {
    (p.exists() && !p.is_dir())
        || p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ["rhai", "yaml", "yml"].iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// Decides a verb's FILE: `dmap -f FILE`; else its first argument, when that is a file (no
/// directory) or is named
/// like one (`.rhai`, `.yaml`, `.yml`); else the first of [`DEFAULT_FILES`] in the current
/// directory. A first argument that is not the FILE is the first of `rest` (the targets).
pub(super) fn resolve_file(
    recipe: &mut Recipe,
    flag: Option<&Path>,
    rest: &mut Vec<String>,
) -> Result<(), Error> {
    recipe.file = decide_file(recipe.given.take(), flag, rest, &DEFAULT_FILES)?;
    Ok(())
}

/// [`resolve_file`] for a verb whose FILE is looked for among `defaults`; `rest` takes a first
/// argument that is not the FILE.
pub(super) fn decide_file(
    given: Option<PathBuf>,
    flag: Option<&Path>,
    rest: &mut Vec<String>,
    defaults: &[&str],
) -> Result<PathBuf, Error> {
    if let Some(given) = given {
        if flag.is_none() && named_like_a_file(&given) {
            return Ok(given);
        }
        rest.insert(0, given.to_string_lossy().into_owned());
    }
    if let Some(flag) = flag {
        return Ok(flag.to_path_buf());
    }
    match default_file(defaults) {
        Some(found) => Ok(found),
        None => Err(Error::Usage {
            message: format!(
                "no FILE given and none of {} here",
                defaults
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

fn read_error(e: InputError) -> Error {
    match e {
        InputError::Io { label, error } => Error::Read {
            path: label,
            source: error,
        },
        other => Error::Problems {
            problems: vec![other.into()],
        },
    }
}

/// A YAML file's map: a Compose file (a top-level `services` mapping), with the images its
/// services build, or a docker-map map.
fn yaml_map(file: &Path, label: &str, text: &str) -> Result<(ContainerMap, Images), Error> {
    if super::compose::is_compose_file(label, text) {
        super::compose::load(file, label, text)
    } else {
        let map = crate::yaml::load_map(label, text, None, &|v| std::env::var(v).ok())
            .map_err(|problems| Error::Problems { problems })?;
        Ok((map, Images::new()))
    }
}

/// The clients each map was handed to, by map name.
pub(super) type Clients = Vec<(String, Vec<(String, ClientConfig)>)>;

/// Every integrity check, including the interfaces of the clients the recipe names.
pub(super) fn checked<'a>(maps: &[&'a ContainerMap], clients: &Clients) -> Result<Vec<Checked<'a>>, Error> {
    let clients_of = |name: &str| {
        clients
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.clone())
            .unwrap_or_default()
    };
    check_with_clients(maps, &clients_of).map_err(|problems| Error::Problems { problems })
}

/// The maps of a recipe or a YAML map file, and the clients the recipe handed them to.
pub(super) fn load(file: &Path, args: &[String]) -> Result<(Vec<ContainerMap>, Clients), Error> {
    if is_yaml(file) {
        let (label, text) = read_yaml(file)?;
        let (map, _) = yaml_map(file, &label, &text)?;
        return Ok((vec![map], Vec::new()));
    }
    let session = Rc::new(session(Mode::Record));
    let mut interpreter =
        Interpreter::new(&limits()?, session, Rc::new(Recorder::default()), Rc::new(Stderr));
    interpreter.set_args(args);
    let evaluation = interpreter.eval_file(file)?;
    let images = crate::script::select::images(&interpreter, &evaluation)?;
    let (maps, clients): (Vec<ContainerMap>, Vec<_>) = interpreter
        .take_selected(&evaluation)
        .into_iter()
        .map(|(map, clients)| {
            let name = map.name.clone();
            (map, (name, clients))
        })
        .unzip();
    // The images the maps declare are checked too: a missing source is named at its line, a
    // reference declared twice differently is a problem.
    let refs: Vec<&ContainerMap> = maps.iter().collect();
    let declared: Vec<crate::session::Declared> = images.into_iter().map(|i| i.declared).collect();
    crate::session::images::resolve(&refs, &declared, &builders())
        .map_err(|problems| Error::Problems { problems })?;
    Ok((maps, clients))
}

/// The text of a YAML file, and the label its problems name it by.
pub(super) fn read_yaml(file: &Path) -> Result<(String, String), Error> {
    let label = file
        .strip_prefix("./")
        .unwrap_or(file)
        .to_string_lossy()
        .into_owned();
    let text = crate::script::input_file::read(file, &label).map_err(read_error)?;
    Ok((label, text))
}

/// A recipe evaluated in an interpreter that records its actions, its output on stderr.
fn evaluate(
    file: &Path,
    args: &[String],
) -> Result<(Interpreter, crate::script::interpreter::Evaluation), Error> {
    let session = Rc::new(session(Mode::Record));
    let mut interpreter =
        Interpreter::new(&limits()?, session, Rc::new(Recorder::default()), Rc::new(Stderr));
    interpreter.set_args(args);
    let evaluation = interpreter.eval_file(file)?;
    Ok((interpreter, evaluation))
}

/// The maps a verb acts on, grouped by the mapping client they were handed to; a YAML map is
/// one group on the local Engine.
pub(super) fn groups(recipe: &Recipe) -> Result<Vec<Group>, Error> {
    if is_yaml(&recipe.file) {
        let label = recipe.file.to_string_lossy().into_owned();
        let text = crate::script::input_file::read(&recipe.file, &label).map_err(read_error)?;
        let (map, images) = yaml_map(&recipe.file, &label, &text)?;
        let handle = MapHandle::new(map);
        handle.images.borrow_mut().extend(images);
        return Ok(vec![Group {
            maps: vec![handle],
            clients: vec![(
                crate::model::name::DEFAULT_CLIENT.to_string(),
                ClientConfig::default(),
            )],
        }]);
    }
    let (interpreter, evaluation) = evaluate(&recipe.file, &recipe.args)?;
    let groups = select::groups(&interpreter, &evaluation);
    if groups.is_empty() {
        return Err(Error::Usage {
            message: format!("`{}` makes no maps", recipe.file.display()),
        });
    }
    Ok(groups)
}

/// The images a recipe's maps declare, the recipe evaluated as `check` does.
pub(super) fn recipe_images(file: &Path, args: &[String]) -> Result<Vec<MapImage>, Error> {
    if is_yaml(file) {
        let (label, text) = read_yaml(file)?;
        if !super::compose::is_compose_file(&label, &text) {
            return Err(Error::Usage {
                message: format!(
                    "`{}` is a docker-map YAML map: images are declared by recipes (`m.images.NAME = df`)",
                    file.display()
                ),
            });
        }
        // A Compose file's images: those its services build, on the local Engine.
        let (map, images) = yaml_map(file, &label, &text)?;
        let handle = MapHandle::new(map);
        handle.images.borrow_mut().extend(images);
        let map = handle.read().clone();
        return Ok(crate::script::select::declared(std::slice::from_ref(&handle))?
            .into_iter()
            .map(|declared| MapImage {
                reference: crate::session::images::reference(&map, &declared.name),
                declared,
                clients: Vec::new(),
            })
            .collect());
    }
    let (interpreter, evaluation) = evaluate(file, args)?;
    Ok(crate::script::select::images(&interpreter, &evaluation)?)
}

/// The images `names` asks for (declared names or references), all when none; an unknown name
/// is an error listing the declared ones.
pub(super) fn select<'a>(
    images: &'a [MapImage],
    names: &[String],
    file: &Path,
) -> Result<Vec<&'a MapImage>, Error> {
    if images.is_empty() {
        return Err(Error::Usage {
            message: format!(
                "`{}` declares no images: a map declares one with `m.images.NAME = dockerfile(...)`",
                file.display()
            ),
        });
    }
    if names.is_empty() {
        return Ok(images.iter().collect());
    }
    let mut out: Vec<&MapImage> = Vec::new();
    for name in names {
        let found: Vec<&MapImage> = images
            .iter()
            .filter(|i| i.declared.name == *name || i.reference == *name)
            .collect();
        if found.is_empty() {
            let declared: Vec<String> = images.iter().map(|i| format!("`{}`", i.declared.name)).collect();
            return Err(Error::Usage {
                message: format!(
                    "no image `{name}` is declared in `{}` (declared: {})",
                    file.display(),
                    declared.join(", ")
                ),
            });
        }
        for f in found {
            if !out.iter().any(|o| std::ptr::eq(*o, f)) {
                out.push(f);
            }
        }
    }
    Ok(out)
}
