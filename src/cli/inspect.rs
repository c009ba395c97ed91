//! `dmap check` and `dmap show`: a recipe or YAML map checked, or its resolved model printed;
//! no Engine is contacted.

use std::io::Write as _;
use std::path::Path;

use super::error::Error;
use super::load::{checked, load};
use super::show;
use crate::model::ContainerMap;

pub(super) fn check(file: &Path, args: &[String]) -> Result<(), Error> {
    let (maps, clients) = load(file, args)?;
    let refs: Vec<&ContainerMap> = maps.iter().collect();
    let checked = checked(&refs, &clients)?;
    let mut out = std::io::stdout().lock();
    if checked.is_empty() {
        writeln!(out, "no maps in `{}`", file.display()).map_err(Error::Output)?;
    }
    for c in &checked {
        let instances = c.graph.containers().len();
        let attached: usize = c.configs.values().map(|cfg| cfg.attaches.len()).sum();
        writeln!(
            out,
            "map `{}` is valid: {} containers ({} instances), {} attached volumes, {} networks",
            c.map.name,
            c.configs.len(),
            instances,
            attached,
            c.map.networks.len()
        )
        .map_err(Error::Output)?;
    }
    // The process ends now: freeing a large model piece by piece is wasted time.
    std::mem::forget(checked);
    std::mem::forget(maps);
    Ok(())
}

pub(super) fn show(json: bool, file: &Path, args: &[String]) -> Result<(), Error> {
    let (maps, clients) = load(file, args)?;
    let refs: Vec<&ContainerMap> = maps.iter().collect();
    let checked = checked(&refs, &clients)?;
    let cwd = std::env::current_dir().map_err(|source| Error::Read {
        path: ".".into(),
        source,
    })?;
    let model = crate::model::resolved::resolve(&checked, &cwd);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        serde_json::to_writer_pretty(&mut out, &model).map_err(|e| Error::Output(e.into()))?;
        out.write_all(b"\n").map_err(Error::Output)?;
    } else {
        out.write_all(show::text(&model).as_bytes())
            .map_err(Error::Output)?;
    }
    out.flush().map_err(Error::Output)?;
    // The process ends now: freeing a large model piece by piece is wasted time.
    std::mem::forget(model);
    std::mem::forget(checked);
    std::mem::forget(maps);
    Ok(())
}
