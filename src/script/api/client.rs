//! Engines and mapping clients: `docker(...)`, `mapping_client(...)`.

use std::rc::Rc;

use rhai::{Array, Dynamic, Engine, Map, NativeCallContext};

use super::{here, value_of, Fallible, State};
use crate::model::client::ClientConfig;
use crate::model::Problem;
use crate::script::error::raise_one;
use crate::script::handles::{ClientHandle, DockerHandle, MapHandle, MappingClient};

pub(super) fn register(engine: &mut Engine, state: &State) {
    engine.register_fn("docker", || DockerHandle::new(ClientConfig::default()));
    let s = state.clone();
    engine.register_fn(
        "docker",
        move |ctx: NativeCallContext, settings: Map| -> Fallible<DockerHandle> {
            let origin = here(&ctx, &s);
            let v = value_of(&Dynamic::from_map(settings), "docker", &origin)?;
            let config = ClientConfig::parse(&v)
                .map_err(|e| raise_one(Problem::new(format!("docker: {e}"), origin)))?;
            Ok(DockerHandle::new(config))
        },
    );
    engine.register_fn("to_string", |d: &mut DockerHandle| match &d.config.base_url {
        Some(u) => format!("docker({u})"),
        None => "docker()".to_string(),
    });

    // mapping_client(maps[, client or #{ name: client }])
    let s = state.clone();
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
            vec![("default".to_string(), d.config)]
        } else if let Some(by_name) = clients.clone().try_cast::<Map>() {
            let mut out = Vec::new();
            for (name, d) in by_name {
                crate::model::name::check("client", &name).map_err(|e| fail(e.to_string()))?;
                let d = d.clone().try_cast::<DockerHandle>().ok_or_else(|| {
                    fail(format!(
                        "client `{name}`: expected docker(...), found {}",
                        d.type_name()
                    ))
                })?;
                out.push((name.to_string(), d.config));
            }
            out
        } else {
            return Err(fail(format!(
                "expected docker(...) or an object map of them, found {}",
                clients.type_name()
            )));
        };
        let handle = ClientHandle::new(MappingClient { maps, clients });
        s.clients.borrow_mut().push(handle.clone());
        Ok(handle)
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
            c.client
                .maps
                .iter()
                .map(|m| format!("{m:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
}
