//! Handles: script values that share the state they refer to, as docker-map's Python objects do,
//! so `let web = m.containers.web; web.image = "nginx";` changes the map.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use crate::model::client::ClientConfig;
use crate::model::{ContainerMap, Value};

/// A container map.
#[derive(Clone)]
pub struct MapHandle(pub Rc<RefCell<ContainerMap>>);

impl MapHandle {
    pub fn new(map: ContainerMap) -> Self {
        MapHandle(Rc::new(RefCell::new(map)))
    }

    pub fn name(&self) -> String {
        self.0.borrow().name.clone()
    }

    pub fn same(&self, other: &MapHandle) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    pub fn snapshot(&self) -> ContainerMap {
        self.0.borrow().clone()
    }
}

impl fmt::Debug for MapHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "container_map(\"{}\")", self.name())
    }
}

/// `m.containers`: indexing gives configuration handles.
#[derive(Clone, Debug)]
pub struct ContainersHandle(pub MapHandle);

/// `m.volumes`, `m.networks`, `m.host`, `m.groups`: indexing gives entries.
#[derive(Clone, Debug)]
pub struct EntriesHandle {
    pub map: MapHandle,
    pub kind: &'static str,
}

/// One container configuration of a map.
#[derive(Clone)]
pub struct ConfigHandle {
    pub map: MapHandle,
    pub name: String,
}

impl ConfigHandle {
    /// The configuration's fields as an object map (for copying).
    pub fn to_value(&self) -> Value {
        self.map
            .0
            .borrow()
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
pub struct DockerHandle(pub Rc<ClientConfig>);

/// `mapping_client(...)`: maps and the clients they run on.
#[derive(Clone, Debug)]
pub struct ClientHandle(pub Rc<MappingClient>);

#[derive(Debug)]
pub struct MappingClient {
    pub maps: Vec<MapHandle>,
    /// Client name → settings; `default` is docker-map's `__default__`.
    pub clients: Vec<(String, Rc<ClientConfig>)>,
}
