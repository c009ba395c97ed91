//! `dmap dockerfile`, `dmap build` and `dmap push`: the images a recipe's maps declare, printed,
//! built on the Engines the maps are handed to, or pushed to their registry.

use std::io::Write as _;

use super::args::Recipe;
use super::error::Error;
use super::load::{recipe_images, select};
use super::{session, session_error, ui::Ui};
use crate::model::client::ClientConfig;
use crate::model::Origin;
use crate::session::{Build, BuildRequest, Mode};

pub(super) fn dockerfile(recipe: &Recipe, name: Option<String>) -> Result<(), Error> {
    let (args, file) = (&recipe.args, &recipe.file);
    let images = recipe_images(file, args)?;
    let names: Vec<String> = name.into_iter().collect();
    let chosen = select(&images, &names, file)?;
    let mut out = std::io::stdout().lock();
    let several = chosen.len() > 1;
    for (i, image) in chosen.iter().enumerate() {
        if several {
            let gap = if i == 0 { "" } else { "\n" };
            writeln!(
                out,
                "{gap}# image `{}` ({}) of map `{}`",
                image.declared.name, image.reference, image.declared.map
            )
            .map_err(Error::Output)?;
        }
        out.write_all(image.declared.context.dockerfile.as_bytes())
            .map_err(Error::Output)?;
    }
    Ok(())
}

pub(super) fn build(recipe: &Recipe, names: &[String], ui: &Ui) -> Result<(), Error> {
    build_or_push(recipe, names, ui, false)
}

/// `dmap push`: each image built where it is not up to date, on the first Engine its map is handed
/// to, and pushed from there.
pub(super) fn push(recipe: &Recipe, names: &[String], ui: &Ui) -> Result<(), Error> {
    build_or_push(recipe, names, ui, true)
}

fn build_or_push(recipe: &Recipe, names: &[String], ui: &Ui, push: bool) -> Result<(), Error> {
    let (args, file) = (&recipe.args, &recipe.file);
    let images = recipe_images(file, args)?;
    let chosen = select(&images, names, file)?;
    let session = session(Mode::Apply);
    let reporter = ui.reporter();
    // Client by client, each client's builds in parallel.
    let mut by_client: Vec<(String, ClientConfig, Vec<Build>)> = Vec::new();
    for image in chosen {
        let mut clients = if image.clients.is_empty() {
            vec![(
                crate::model::name::DEFAULT_CLIENT.to_string(),
                ClientConfig::default(),
            )]
        } else {
            image.clients.clone()
        };
        if push {
            clients.truncate(1);
        }
        for (client, config) in clients {
            let build = Build {
                name: image.declared.name.clone(),
                tags: vec![image.reference.clone()],
                context: image.declared.context.clone(),
                origin: image.declared.origin.clone(),
                reason: if push { "dmap push" } else { "dmap build" }.into(),
                builder: image.declared.builder,
            };
            match by_client
                .iter_mut()
                .find(|(n, c, _)| *n == client && *c == config)
            {
                Some((_, _, builds)) => builds.push(build),
                None => by_client.push((client, config, vec![build])),
            }
        }
    }
    for (client, config, builds) in &by_client {
        let request = BuildRequest {
            client,
            config,
            builds,
            changed_only: push,
            push,
        };
        session
            .build(&request, reporter.as_ref())
            .map_err(|e| session_error(e, Origin::default()))?;
    }
    Ok(())
}
