//! Handles: script values that share the state they refer to, as docker-map's Python objects do,
//! so `let web = m.containers.web; web.image = "nginx";` changes the map.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use crate::model::client::ClientConfig;
use crate::model::{ContainerMap, Value};

/// A container map, and how the images it declares are built (`m.images.NAME = df`).
#[derive(Clone)]
pub(crate) struct MapHandle {
    pub map: Rc<RefCell<ContainerMap>>,
    pub images: Rc<RefCell<Images>>,
}

/// Image name → how it is built, and where it was declared.
pub(crate) type Images = std::collections::BTreeMap<String, (ImageSource, crate::model::Origin)>;

/// What builds an image: a DockerFile (its context is what it adds) or a context.
#[derive(Clone, Debug)]
pub(crate) enum ImageSource {
    DockerFile(DockerFileHandle),
    Context(ContextHandle),
}

impl ImageSource {
    /// The context it stands for now: a DockerFile is rendered as it is (not finalized: the
    /// recipe may still change it for a later action).
    pub(crate) fn context(&self) -> Result<crate::context::Context, crate::context::ContextError> {
        match self {
            ImageSource::DockerFile(df) => crate::context::Context::of(&df.dockerfile.borrow()),
            ImageSource::Context(ctx) => Ok(ctx.context.borrow().clone()),
        }
    }
}

/// A build context (`docker_context(df)`).
#[derive(Clone)]
pub(crate) struct ContextHandle {
    pub context: Rc<RefCell<crate::context::Context>>,
}

impl ContextHandle {
    pub(crate) fn new(context: crate::context::Context) -> Self {
        ContextHandle {
            context: Rc::new(RefCell::new(context)),
        }
    }
}

impl fmt::Debug for ContextHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DockerContext")
    }
}

/// `m.images`: indexing gives or sets how an image is built.
#[derive(Clone, Debug)]
pub(crate) struct ImagesHandle {
    pub map: MapHandle,
}

impl MapHandle {
    pub(crate) fn new(map: ContainerMap) -> Self {
        MapHandle {
            map: Rc::new(RefCell::new(map)),
            images: Rc::new(RefCell::new(Images::new())),
        }
    }

    /// The map, to read.
    pub(crate) fn read(&self) -> std::cell::Ref<'_, ContainerMap> {
        self.map.borrow()
    }

    /// The map, to change: the recipe's other handles to it see the change.
    pub(crate) fn write(&self) -> std::cell::RefMut<'_, ContainerMap> {
        self.map.borrow_mut()
    }

    pub(crate) fn name(&self) -> String {
        self.read().name.clone()
    }

    pub(crate) fn same(&self, other: &MapHandle) -> bool {
        Rc::ptr_eq(&self.map, &other.map)
    }

    pub(crate) fn snapshot(&self) -> ContainerMap {
        self.read().clone()
    }
}

impl fmt::Debug for MapHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "container_map(\"{}\")", self.name())
    }
}

/// `m.containers`: indexing gives configuration handles.
#[derive(Clone, Debug)]
pub(crate) struct ContainersHandle {
    pub map: MapHandle,
}

/// `m.volumes`, `m.networks`, `m.host`, `m.groups`: indexing gives entries.
#[derive(Clone, Debug)]
pub(crate) struct EntriesHandle {
    pub map: MapHandle,
    pub kind: &'static str,
}

/// One container configuration of a map.
#[derive(Clone)]
pub(crate) struct ConfigHandle {
    pub map: MapHandle,
    pub name: String,
}

impl ConfigHandle {
    /// The configuration's fields as an object map (for copying).
    pub(crate) fn to_value(&self) -> Value {
        self.map
            .read()
            .containers
            .get(&self.name)
            .map_or(Value::Map(Default::default()), |c| c.to_value())
    }
}

impl fmt::Debug for ConfigHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "container `{}.{}`", self.map.name(), self.name)
    }
}

/// A Docker Engine connection's settings (`docker()`); it connects when an action needs it.
#[derive(Clone, Debug)]
pub(crate) struct DockerHandle {
    pub config: Rc<ClientConfig>,
}

impl DockerHandle {
    pub(crate) fn new(config: ClientConfig) -> Self {
        DockerHandle {
            config: Rc::new(config),
        }
    }
}

/// `mapping_client(...)`: maps and the clients they run on.
#[derive(Clone, Debug)]
pub(crate) struct ClientHandle {
    pub client: Rc<MappingClient>,
}

impl ClientHandle {
    pub(crate) fn new(client: MappingClient) -> Self {
        ClientHandle {
            client: Rc::new(client),
        }
    }
}

#[derive(Debug)]
pub(crate) struct MappingClient {
    pub maps: Vec<MapHandle>,
    /// Client name → settings; `default` is docker-map's `__default__`.
    pub clients: Vec<(String, Rc<ClientConfig>)>,
}

/// A DockerFile (`dockerfile(base)`); templates write into it through the handle.
#[derive(Clone)]
pub(crate) struct DockerFileHandle {
    pub dockerfile: Rc<RefCell<crate::dockerfile::DockerFile>>,
}

impl DockerFileHandle {
    pub(crate) fn new(dockerfile: crate::dockerfile::DockerFile) -> Self {
        DockerFileHandle {
            dockerfile: Rc::new(RefCell::new(dockerfile)),
        }
    }
}

impl fmt::Debug for DockerFileHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DockerFile")
    }
}
