//! What a verb (`dmap up`, `plan`, `status`, ...) acts on after evaluating a recipe as `check`
//! does: the maps it selects, grouped by the mapping client they were handed to (with that
//! client's Engines), or the local Engine for maps handed to none; and the images they declare.

use std::cell::Ref;
use std::sync::Arc;

use super::error::Error;
use super::handles::MapHandle;
use super::interpreter::{Evaluation, Interpreter};
use crate::model::client::ClientConfig;
use crate::model::target::{self, PrefixError};
use crate::model::{ContainerMap, Problem};
use crate::session::Declared;

/// Maps acted on together, and the clients they run on.
pub(crate) struct Group {
    pub maps: Vec<MapHandle>,
    /// Client name → settings; the local Engine as `default` when the maps were handed to no
    /// mapping client.
    pub clients: Vec<(String, ClientConfig)>,
}

/// An image a map declares (`m.images.NAME`), for `dmap build` and `dmap dockerfile`.
pub(crate) struct MapImage {
    pub declared: Declared,
    /// Its full reference (the map's `repository` and `default_tag` applied).
    pub reference: String,
    /// The clients its map was handed to (none: the local Engine).
    pub clients: Vec<(String, ClientConfig)>,
}

/// The selected maps (as `check` selects them), each in the group of the first mapping client
/// it was handed to, in the order of the selection.
pub(crate) fn groups(interpreter: &Interpreter, evaluation: &Evaluation) -> Vec<Group> {
    let handed = interpreter.mapping_clients();
    let mut groups: Vec<(Option<usize>, Group)> = Vec::new();
    for m in interpreter.selected_maps(evaluation) {
        let owner = handed
            .iter()
            .position(|c| c.client.maps.iter().any(|h| h.same(&m)));
        if let Some((_, g)) = groups.iter_mut().find(|(o, _)| *o == owner) {
            g.maps.push(m);
            continue;
        }
        let clients = match owner.and_then(|i| handed.get(i)) {
            Some(c) => c
                .client
                .clients
                .iter()
                .map(|(n, cfg)| (n.clone(), (**cfg).clone()))
                .collect(),
            None => vec![(
                crate::model::name::DEFAULT_CLIENT.to_string(),
                ClientConfig::default(),
            )],
        };
        groups.push((
            owner,
            Group {
                maps: vec![m],
                clients,
            },
        ));
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

/// The images the selected maps declare, with their references and the clients each map was
/// handed to: what `dmap build` and `dmap dockerfile` work on.
pub(crate) fn images(interpreter: &Interpreter, evaluation: &Evaluation) -> Result<Vec<MapImage>, Error> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for m in interpreter.selected_maps(evaluation) {
        let clients = interpreter.clients_of(&m.name());
        let declared = match declared(std::slice::from_ref(&m)) {
            Ok(d) => d,
            Err(Error::Recipe { problems: p, .. }) => {
                problems.extend(p);
                continue;
            }
            Err(e) => return Err(e),
        };
        let map = m.read();
        out.extend(declared.into_iter().map(|declared| MapImage {
            reference: crate::session::images::reference(&map, &declared.name),
            declared,
            clients: clients.clone(),
        }));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::Recipe {
            problems,
            trace: Vec::new(),
        })
    }
}

/// The images `maps` declare, rendered as they are now.
pub(crate) fn declared(maps: &[MapHandle]) -> Result<Vec<Declared>, Error> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for m in maps {
        let map = m.name();
        for (name, (source, origin)) in m.images.borrow().iter() {
            match source.context() {
                Ok(context) => out.push(Declared {
                    map: map.clone(),
                    name: name.clone(),
                    context: Arc::new(context),
                    origin: origin.clone(),
                    builder: m.read().builder,
                }),
                Err(e) => problems.push(Problem::new(format!("image `{name}`: {e}"), origin.clone())),
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::Recipe {
            problems,
            trace: Vec::new(),
        })
    }
}

/// The targets of one group (`first`: the group of the first selected map, which targets
/// without a map prefix mean): see [`target::meant_for`].
pub(crate) fn targets_for(group: &Group, first: bool, given: &[String]) -> Vec<String> {
    let borrowed: Vec<Ref<'_, ContainerMap>> = group.maps.iter().map(|m| m.read()).collect();
    let maps: Vec<&ContainerMap> = borrowed.iter().map(|m| &**m).collect();
    target::meant_for(given, &maps, first)
}

/// Checks the map prefixes of targets given to every selected group: see
/// [`target::check_prefixes`].
pub(crate) fn check_prefixes(groups: &[Group], given: &[String]) -> Result<(), PrefixError> {
    let borrowed: Vec<Ref<'_, ContainerMap>> = groups
        .iter()
        .flat_map(|g| g.maps.iter().map(|m| m.read()))
        .collect();
    let maps: Vec<&ContainerMap> = borrowed.iter().map(|m| &**m).collect();
    target::check_prefixes(given, &maps)
}
