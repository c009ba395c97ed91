//! The desired state of a client's Engine: the resolved model of the checked maps for that
//! client (every container as dmap would create it, the volumes and networks it needs), the
//! images it runs, and those built rather than pulled.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use crate::context::Context;
use crate::model::check::Checked;
use crate::model::client::ClientConfig;
use crate::model::resolved::{self, ClientContext};
pub(crate) use crate::model::resolved::{
    Binding, ContainerSpec, EndpointSpec, MountKind, MountSpec, Prepare, ResolvedContainer, ResolvedNetwork,
    ResolvedVolume,
};
use crate::model::Problem;

/// An image built from a context instead of pulled: declared by a map (`m.images.NAME = df`) or
/// asked for by `d.build`.
#[derive(Clone, Debug)]
pub(crate) struct DesiredBuild {
    /// The name it was declared under (`m.images.NAME`), or the tag given to `d.build`.
    pub name: String,
    /// The full reference it is tagged with.
    pub reference: String,
    /// More tags for the same image.
    pub extra_tags: Vec<String>,
    pub context: Arc<Context>,
    /// `sha256:HEX` of the uncompressed context tar, recorded on the image.
    pub digest: String,
    /// The builder chosen for it; None: BuildKit where the Engine offers it.
    pub builder: Option<crate::model::builder::Builder>,
}

/// Everything the maps want on one client.
#[derive(Clone, Debug, Default)]
pub(crate) struct Desired {
    pub client: String,
    pub maps: Vec<String>,
    pub containers: Vec<ResolvedContainer>,
    pub volumes: Vec<ResolvedVolume>,
    pub networks: Vec<ResolvedNetwork>,
    pub images: BTreeSet<String>,
    /// Images built rather than pulled, by reference.
    pub builds: BTreeMap<String, DesiredBuild>,
    /// The abstract configurations of the maps, as (map, configuration): they run no container
    /// (`scale: 0`, `--scale CONFIG=0`), so containers left of one are scaled away.
    pub abstract_configs: BTreeSet<(String, String)>,
    /// Engine name → index in `containers`.
    by_name: HashMap<String, usize>,
}

impl Desired {
    pub(crate) fn container(&self, name: &str) -> Option<&ResolvedContainer> {
        self.by_name.get(name).and_then(|i| self.containers.get(*i))
    }

    /// Builds the desired state of `client` from checked maps: their resolved model, with the
    /// volumes of the containers that run there.
    pub(crate) fn build(
        maps: &[Checked],
        cwd: &Path,
        client_name: &str,
        client: &ClientConfig,
    ) -> Result<Desired, Vec<Problem>> {
        let context = ClientContext {
            name: client_name,
            config: client,
        };
        let model = resolved::resolve_for(maps, cwd, context)?;
        let mut desired = Desired {
            client: client_name.to_string(),
            maps: maps.iter().map(|c| c.map.name.clone()).collect(),
            abstract_configs: maps
                .iter()
                .flat_map(|c| {
                    c.map
                        .containers
                        .iter()
                        .filter(|(_, config)| config.is_abstract)
                        .map(|(name, _)| (c.map.name.clone(), name.clone()))
                })
                .collect(),
            ..Desired::default()
        };
        for rmap in model.maps {
            let runs_here = |owner: &str| rmap.containers.iter().any(|c| c.config == owner);
            let volumes: Vec<ResolvedVolume> = rmap
                .volumes
                .iter()
                .filter(|v| runs_here(&v.owner))
                .cloned()
                .collect();
            desired.volumes.extend(volumes);
            desired.networks.extend(rmap.networks);
            desired
                .images
                .extend(rmap.containers.iter().map(|c| c.spec.image.clone()));
            desired.containers.extend(rmap.containers);
        }
        desired.by_name = desired
            .containers
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), i))
            .collect();
        Ok(desired)
    }
}
