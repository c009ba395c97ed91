//! The recipe API: the functions, properties and indexers recipes call (spec §2).

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, EvalAltResult, Map, NativeCallContext};

use super::convert::{to_dynamic, to_value};
use super::error::{origin_at, raise, raise_one};
use super::handles::{
    ClientHandle, ConfigHandle, ContainersHandle, DockerHandle, EntriesHandle, MapHandle, MappingClient,
};
use crate::model::client::ClientConfig;
use crate::model::{check_maps, ContainerMap, Origin, Problem, Value};

type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// What the recipe created and handed on; shared by all registered functions.
#[derive(Default)]
pub struct Session {
    /// The main recipe's label, for positions without a source.
    pub main: Arc<str>,
    /// Every map the recipe created (`container_map`, `load_map`).
    pub created: Vec<MapHandle>,
    /// Maps handed to `mapping_client`.
    pub handed: Vec<MapHandle>,
    /// How actions run: against the Engine, planned only, or recorded without any Engine.
    pub mode: super::actions::Mode,
    /// Actions recorded in `Mode::Record` (`dmap check`/`show`).
    pub recorded: Vec<String>,
    /// The tokio runtime actions block on, made on first use; Rhai itself never runs in it.
    pub runtime: Option<tokio::runtime::Runtime>,
    /// Connections by client address, reused across actions.
    pub drivers: Vec<crate::runtime::driver::Driver>,
}

pub type SharedSession = Rc<RefCell<Session>>;

pub(super) fn here(ctx: &NativeCallContext, session: &SharedSession) -> Origin {
    let source: Arc<str> = match ctx.call_source() {
        Some(s) => s.into(),
        None => session.borrow().main.clone(),
    };
    origin_at(&source, ctx.call_position())
}

fn value_of(d: &Dynamic, what: &str, origin: &Origin) -> Fallible<Value> {
    to_value(d).map_err(|e| raise_one(Problem::new(format!("{what}: {e}"), origin.clone())))
}

/// The directory relative paths of the calling file are resolved against.
fn caller_dir(origin: &Origin) -> PathBuf {
    origin.base_dir()
}

pub fn register(engine: &mut Engine, session: &SharedSession) {
    engine
        .register_type_with_name::<MapHandle>("ContainerMap")
        .register_type_with_name::<ContainersHandle>("Containers")
        .register_type_with_name::<EntriesHandle>("MapEntries")
        .register_type_with_name::<ConfigHandle>("ContainerConfig")
        .register_type_with_name::<DockerHandle>("Docker")
        .register_type_with_name::<ClientHandle>("MappingClient");
    register_maps(engine, session);
    register_containers(engine, session);
    register_entries(engine, session);
    register_configs(engine, session);
    register_clients(engine, session);
    super::actions::register(engine, session);
}

fn new_map(session: &SharedSession, map: ContainerMap) -> MapHandle {
    let handle = MapHandle::new(map);
    session.borrow_mut().created.push(handle.clone());
    handle
}

fn register_maps(engine: &mut Engine, session: &SharedSession) {
    let s = session.clone();
    engine.register_fn(
        "container_map",
        move |ctx: NativeCallContext, name: &str| -> Fallible<MapHandle> {
            let origin = here(&ctx, &s);
            let map = ContainerMap::new(name, origin).map_err(raise_one)?;
            Ok(new_map(&s, map))
        },
    );
    let s = session.clone();
    engine.register_fn(
        "container_map",
        move |ctx: NativeCallContext, name: &str, init: Map| -> Fallible<MapHandle> {
            let origin = here(&ctx, &s);
            let value = value_of(&Dynamic::from_map(init), "container_map", &origin)?;
            let map = ContainerMap::from_value(name, &value, &|_| origin.clone()).map_err(raise)?;
            Ok(new_map(&s, map))
        },
    );
    for with_name in [false, true] {
        let s = session.clone();
        let load = move |ctx: &NativeCallContext, path: &str, name: Option<&str>| -> Fallible<MapHandle> {
            let origin = here(ctx, &s);
            let full = caller_dir(&origin).join(path);
            let label = full
                .strip_prefix("./")
                .unwrap_or(&full)
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&full).map_err(|e| {
                raise_one(Problem::new(
                    format!("can't read map file `{label}`: {}", io_reason(&e)),
                    origin.clone(),
                ))
            })?;
            let map =
                crate::yaml::load_map(&label, &text, name, &|v| std::env::var(v).ok()).map_err(raise)?;
            Ok(new_map(&s, map))
        };
        if with_name {
            engine.register_fn(
                "load_map",
                move |ctx: NativeCallContext, path: &str, name: &str| load(&ctx, path, Some(name)),
            );
        } else {
            engine.register_fn("load_map", move |ctx: NativeCallContext, path: &str| {
                load(&ctx, path, None)
            });
        }
    }
    engine.register_get("name", |m: &mut MapHandle| m.name());
    let s = session.clone();
    engine.register_indexer_get(
        move |ctx: NativeCallContext, m: &mut MapHandle, key: &str| -> Fallible<Dynamic> {
            match key {
                "containers" => Ok(Dynamic::from(ContainersHandle(m.clone()))),
                "volumes" | "networks" | "host" | "groups" => Ok(Dynamic::from(EntriesHandle {
                    map: m.clone(),
                    kind: static_kind(key),
                })),
                _ => {
                    let v =
                        m.0.borrow()
                            .get_property(key)
                            .map_err(|e| raise_one(Problem::new(e, here(&ctx, &s))))?;
                    Ok(to_dynamic(&v))
                }
            }
        },
    );
    let s = session.clone();
    engine.register_indexer_set(
        move |ctx: NativeCallContext, m: &mut MapHandle, key: &str, value: Dynamic| -> Fallible<()> {
            let origin = here(&ctx, &s);
            // Write-back of a handle read from this same map changes nothing.
            if let Some(c) = value.clone().try_cast::<ContainersHandle>() {
                if c.0.same(m) {
                    return Ok(());
                }
                let other = c.0 .0.borrow().containers.clone();
                m.0.borrow_mut().containers = other;
                return Ok(());
            }
            if let Some(e) = value.clone().try_cast::<EntriesHandle>() {
                if e.map.same(m) && e.kind == key {
                    return Ok(());
                }
                let v = e
                    .map
                    .0
                    .borrow()
                    .get_property(e.kind)
                    .map_err(|e| raise_one(Problem::new(e, origin.clone())))?;
                return m.0.borrow_mut().set_property(key, &v, origin).map_err(raise_one);
            }
            let v = value_of(&value, &format!("`{key}`"), &origin)?;
            m.0.borrow_mut().set_property(key, &v, origin).map_err(raise_one)
        },
    );
    let s = session.clone();
    engine.register_fn(
        "check",
        move |ctx: NativeCallContext, m: &mut MapHandle| -> Fallible<()> {
            let _ = here(&ctx, &s);
            let map = m.snapshot();
            check_maps(&[&map], None).map(|_| ()).map_err(raise)
        },
    );
    let s = session.clone();
    engine.register_fn(
        "merge",
        move |ctx: NativeCallContext, m: &mut MapHandle, other: MapHandle| {
            let _ = here(&ctx, &s);
            let other = other.snapshot();
            m.0.borrow_mut().merge_from(&other, false);
        },
    );
    let s = session.clone();
    engine.register_fn(
        "merge",
        move |ctx: NativeCallContext, m: &mut MapHandle, other: Map| -> Fallible<()> {
            let origin = here(&ctx, &s);
            let v = value_of(&Dynamic::from_map(other), "merge", &origin)?;
            let name = m.name();
            let other = ContainerMap::from_value(&name, &v, &|_| origin.clone()).map_err(raise)?;
            m.0.borrow_mut().merge_from(&other, false);
            Ok(())
        },
    );
    engine.register_fn("to_string", |m: &mut MapHandle| format!("{m:?}"));
    engine.register_fn("to_debug", |m: &mut MapHandle| format!("{m:?}"));
    engine.register_fn("to_map", |m: &mut MapHandle| to_dynamic(&m.0.borrow().to_value()));
}

fn static_kind(key: &str) -> &'static str {
    match key {
        "volumes" => "volumes",
        "networks" => "networks",
        "host" => "host",
        _ => "groups",
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn register_containers(engine: &mut Engine, session: &SharedSession) {
    let s = session.clone();
    engine.register_indexer_get(
        move |ctx: NativeCallContext, c: &mut ContainersHandle, name: &str| -> Fallible<ConfigHandle> {
            let origin = here(&ctx, &s);
            c.0 .0.borrow_mut().config_mut(name, origin).map_err(raise_one)?;
            Ok(ConfigHandle {
                map: c.0.clone(),
                name: name.to_string(),
            })
        },
    );
    let s = session.clone();
    engine.register_indexer_set(
        move |ctx: NativeCallContext, c: &mut ContainersHandle, name: &str, value: Dynamic| -> Fallible<()> {
            let origin = here(&ctx, &s);
            if let Some(h) = value.clone().try_cast::<ConfigHandle>() {
                if h.map.same(&c.0) && h.name == name {
                    return Ok(());
                }
            }
            let v = value_of(&value, &format!("container `{name}`"), &origin)?;
            let Value::Map(fields) = v else {
                return Err(raise_one(Problem::new(
                    format!("container `{name}`: expected an object map of fields, found {v}"),
                    origin,
                )));
            };
            let mut map = c.0 .0.borrow_mut();
            let mut fresh = crate::model::ContainerConfig::new(origin.clone());
            fresh
                .set_from_map(&fields, &|_| origin.clone())
                .map_err(|errors| {
                    raise(
                        errors
                            .into_iter()
                            .map(|(e, o)| Problem::new(format!("container `{name}`: {e}"), o))
                            .collect(),
                    )
                })?;
            map.config_mut(name, origin).map_err(raise_one)?;
            map.containers.insert(name.to_string(), fresh);
            Ok(())
        },
    );
    engine.register_fn("keys", |c: &mut ContainersHandle| -> Array {
        c.0 .0
            .borrow()
            .entry_names("containers")
            .into_iter()
            .map(Dynamic::from)
            .collect()
    });
    engine.register_fn("len", |c: &mut ContainersHandle| {
        c.0 .0.borrow().containers.len() as rhai::INT
    });
    engine.register_fn("contains", |c: &mut ContainersHandle, name: &str| {
        c.0 .0.borrow().containers.contains_key(name)
    });
    engine.register_fn("remove", |c: &mut ContainersHandle, name: &str| {
        c.0 .0.borrow_mut().remove_entry("containers", name)
    });
    engine.register_fn("to_string", |c: &mut ContainersHandle| {
        format!("containers of {:?}", c.0)
    });
    engine.register_fn("to_debug", |c: &mut ContainersHandle| {
        format!("containers of {:?}", c.0)
    });
}

fn register_entries(engine: &mut Engine, session: &SharedSession) {
    engine.register_indexer_get(|e: &mut EntriesHandle, name: &str| -> Dynamic {
        e.map
            .0
            .borrow()
            .get_entry(e.kind, name)
            .map_or(Dynamic::UNIT, |v| to_dynamic(&v))
    });
    let s = session.clone();
    engine.register_indexer_set(
        move |ctx: NativeCallContext, e: &mut EntriesHandle, name: &str, value: Dynamic| -> Fallible<()> {
            let origin = here(&ctx, &s);
            let v = value_of(&value, &format!("`{}.{name}`", e.kind), &origin)?;
            e.map
                .0
                .borrow_mut()
                .set_entry(e.kind, name, &v, origin)
                .map_err(raise_one)
        },
    );
    engine.register_fn("keys", |e: &mut EntriesHandle| -> Array {
        e.map
            .0
            .borrow()
            .entry_names(e.kind)
            .into_iter()
            .map(Dynamic::from)
            .collect()
    });
    engine.register_fn("len", |e: &mut EntriesHandle| {
        e.map.0.borrow().entry_names(e.kind).len() as rhai::INT
    });
    engine.register_fn("contains", |e: &mut EntriesHandle, name: &str| {
        e.map.0.borrow().get_entry(e.kind, name).is_some()
    });
    engine.register_fn("remove", |e: &mut EntriesHandle, name: &str| {
        e.map.0.borrow_mut().remove_entry(e.kind, name)
    });
    engine.register_fn("to_string", |e: &mut EntriesHandle| {
        format!("{} of {:?}", e.kind, e.map)
    });
    engine.register_fn("to_debug", |e: &mut EntriesHandle| {
        format!("{} of {:?}", e.kind, e.map)
    });
}

fn register_configs(engine: &mut Engine, session: &SharedSession) {
    let s = session.clone();
    engine.register_indexer_get(
        move |ctx: NativeCallContext, c: &mut ConfigHandle, field: &str| -> Fallible<Dynamic> {
            let map = c.map.0.borrow();
            let value = match map.containers.get(&c.name) {
                Some(config) => config.get_field(field),
                None => crate::model::ContainerConfig::default().get_field(field),
            };
            value.map(|v| to_dynamic(&v)).map_err(|e| {
                raise_one(Problem::new(
                    format!("container `{}`: {e}", c.name),
                    here(&ctx, &s),
                ))
            })
        },
    );
    let s = session.clone();
    engine.register_indexer_set(
        move |ctx: NativeCallContext, c: &mut ConfigHandle, field: &str, value: Dynamic| -> Fallible<()> {
            let origin = here(&ctx, &s);
            let v = value_of(&value, &format!("container `{}`: `{field}`", c.name), &origin)?;
            let mut map = c.map.0.borrow_mut();
            let config = map.config_mut(&c.name, origin.clone()).map_err(raise_one)?;
            config
                .set_field(field, &v, origin.clone())
                .map_err(|e| raise_one(Problem::new(format!("container `{}`: {e}", c.name), origin)))
        },
    );
    engine.register_get("name", |c: &mut ConfigHandle| c.name.clone());
    engine.register_fn("to_map", |c: &mut ConfigHandle| to_dynamic(&c.to_value()));
    engine.register_fn("to_string", |c: &mut ConfigHandle| format!("{c:?}"));
    engine.register_fn("to_debug", |c: &mut ConfigHandle| format!("{c:?}"));
}

fn register_clients(engine: &mut Engine, session: &SharedSession) {
    engine.register_fn("docker", || DockerHandle(Rc::new(ClientConfig::default())));
    let s = session.clone();
    engine.register_fn(
        "docker",
        move |ctx: NativeCallContext, settings: Map| -> Fallible<DockerHandle> {
            let origin = here(&ctx, &s);
            let v = value_of(&Dynamic::from_map(settings), "docker", &origin)?;
            let config = ClientConfig::parse(&v)
                .map_err(|e| raise_one(Problem::new(format!("docker: {e}"), origin)))?;
            Ok(DockerHandle(Rc::new(config)))
        },
    );
    engine.register_fn("to_string", |d: &mut DockerHandle| match &d.0.base_url {
        Some(u) => format!("docker({u})"),
        None => "docker()".to_string(),
    });

    // mapping_client(maps[, client or #{ name: client }])
    let s = session.clone();
    let make = move |ctx: &NativeCallContext, maps: Dynamic, clients: Dynamic| -> Fallible<ClientHandle> {
        let origin = here(ctx, &s);
        let fail = |m: String| raise_one(Problem::new(format!("mapping_client: {m}"), origin.clone()));
        let maps: Vec<MapHandle> = if let Some(m) = maps.clone().try_cast::<MapHandle>() {
            vec![m]
        } else if let Some(list) = maps.clone().try_cast::<Array>() {
            list.into_iter()
                .map(|d| {
                    d.clone()
                        .try_cast::<MapHandle>()
                        .ok_or_else(|| fail(format!("expected container maps, found {}", d.type_name())))
                })
                .collect::<Fallible<_>>()?
        } else {
            return Err(fail(format!(
                "expected a container map or an array of them, found {}",
                maps.type_name()
            )));
        };
        if maps.is_empty() {
            return Err(fail("no maps given".into()));
        }
        let mut names: Vec<String> = Vec::new();
        for m in &maps {
            let n = m.name();
            if names.contains(&n) {
                return Err(fail(format!("two maps are named `{n}`")));
            }
            names.push(n);
        }
        let clients: Vec<(String, Rc<ClientConfig>)> = if clients.is_unit() {
            vec![("default".to_string(), Rc::new(ClientConfig::default()))]
        } else if let Some(d) = clients.clone().try_cast::<DockerHandle>() {
            vec![("default".to_string(), d.0)]
        } else if let Some(by_name) = clients.clone().try_cast::<Map>() {
            let mut out = Vec::new();
            for (name, d) in by_name {
                crate::model::name::check("client", &name).map_err(fail)?;
                let d = d.clone().try_cast::<DockerHandle>().ok_or_else(|| {
                    fail(format!(
                        "client `{name}`: expected docker(...), found {}",
                        d.type_name()
                    ))
                })?;
                out.push((name.to_string(), d.0));
            }
            out
        } else {
            return Err(fail(format!(
                "expected docker(...) or an object map of them, found {}",
                clients.type_name()
            )));
        };
        let mut sess = s.borrow_mut();
        for m in &maps {
            if !sess.handed.iter().any(|h| h.same(m)) {
                sess.handed.push(m.clone());
            }
        }
        Ok(ClientHandle(Rc::new(MappingClient { maps, clients })))
    };
    let mk = make.clone();
    engine.register_fn("mapping_client", move |ctx: NativeCallContext, maps: Dynamic| {
        mk(&ctx, maps, Dynamic::UNIT)
    });
    engine.register_fn(
        "mapping_client",
        move |ctx: NativeCallContext, maps: Dynamic, clients: Dynamic| make(&ctx, maps, clients),
    );
    engine.register_fn("to_string", |c: &mut ClientHandle| {
        format!(
            "mapping_client([{}])",
            c.0.maps
                .iter()
                .map(|m| format!("{m:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
}
