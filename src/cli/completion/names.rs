//! The names a file declares, for completion: read as `dmap check` reads it (a recipe evaluated
//! with its actions recorded, no Engine contacted; a Compose file with the command line's
//! `-p`/`--profile`/`--env-file`), and silently: a recipe's `print` and Compose's warnings are
//! dropped, a failure gives no names.

use std::path::Path;
use std::rc::Rc;

use super::position::{Names, Position};
use crate::cli::error::Error;
use crate::cli::{limits, load, session};
use crate::model::ContainerMap;
use crate::script::handles::MapHandle;
use crate::script::output::Discard;
use crate::script::Interpreter;
use crate::session::{Mode, Recorder};

/// The names of kind `names` that `file` declares (sorted).
pub(super) fn declared(file: &Path, names: Names, at: &Position) -> Result<Vec<String>, Error> {
    let maps = maps(file, at)?;
    let read: Vec<_> = maps.iter().map(MapHandle::read).collect();
    let refs: Vec<&ContainerMap> = read.iter().map(|m| &**m).collect();
    Ok(match names {
        Names::Targets => crate::model::target::offered(&refs, false),
        Names::Configs => crate::model::target::offered(&refs, true),
        Names::Images => {
            let mut out: Vec<String> = maps
                .iter()
                .flat_map(|m| m.images.borrow().keys().cloned().collect::<Vec<_>>())
                .collect();
            out.sort();
            out.dedup();
            out
        }
    })
}

/// The maps a verb acts on, in order, with the images each declares.
fn maps(file: &Path, at: &Position) -> Result<Vec<MapHandle>, Error> {
    if load::is_yaml(file) {
        let (label, text) = load::read_yaml(file)?;
        let handle = if crate::cli::compose::is_compose_file(&label, &text) {
            let options = crate::script::compose_file::Options {
                project: at.project.clone(),
                profiles: at.profiles.clone(),
                env_files: at.env_files.clone(),
            };
            let project = crate::script::compose_file::load(file, &label, &text, &options)
                .map_err(|problems| Error::Problems { problems })?;
            let handle = MapHandle::new(project.map);
            handle.images.borrow_mut().extend(project.images);
            handle
        } else {
            MapHandle::new(
                crate::yaml::load_map(&label, &text, None, &|v| std::env::var(v).ok())
                    .map_err(|problems| Error::Problems { problems })?,
            )
        };
        return Ok(vec![handle]);
    }
    let session = Rc::new(session(Mode::Record));
    let mut interpreter = Interpreter::new(
        &limits()?,
        session,
        Rc::new(Recorder::default()),
        Rc::new(Discard),
    );
    interpreter.set_args(&at.args);
    let evaluation = interpreter.eval_file(file)?;
    Ok(interpreter.selected_maps(&evaluation))
}
