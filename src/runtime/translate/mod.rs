//! The map's options in the Engine's requests: the container create body, its host config, the
//! body of `docker update`. Where each keyword goes and its Engine value come from the option
//! table ([`crate::model::options`]); this module only places them.

use std::collections::BTreeMap;

use bollard::models::{ContainerCreateBody, ContainerUpdateBody, HealthConfig, HostConfig};
use serde::de::DeserializeOwned;
mod body;

use crate::model::options::{self, Engine, Json};
use crate::model::shell_words::split_words;
pub(crate) use body::*;

use crate::model::healthcheck::HealthCheck;
use crate::model::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TranslateError {
    #[error("invalid `{key}`: {message}")]
    Invalid { key: String, message: String },
    #[error("unsupported option `{key}`")]
    Unsupported { key: String },
    #[error("invalid command line: {message}")]
    Words { message: String },
}

/// Engine fields by their API names, each with the keyword that gave it.
type Fields = Vec<(&'static str, &'static str, Json)>;

/// The keywords of `options` that land in `place`, as Engine fields.
fn fields(
    options: &BTreeMap<String, Value>,
    place: impl Fn(Engine) -> Option<&'static str>,
) -> Result<Fields, TranslateError> {
    let mut out = Fields::new();
    for (key, value) in options.iter().filter(|(_, v)| !v.is_null()) {
        let def = options::get(key).ok_or_else(|| TranslateError::Unsupported { key: key.clone() })?;
        let Some(name) = place(def.engine) else {
            continue;
        };
        let json = def.engine_value(value).map_err(|e| TranslateError::Invalid {
            key: key.clone(),
            message: e.to_string(),
        })?;
        out.push((def.key, name, json));
    }
    Ok(out)
}

/// An Engine type from its fields; one the type does not take names its keyword.
fn typed<T: DeserializeOwned>(fields: &Fields) -> Result<T, TranslateError> {
    let object = |items: &mut dyn Iterator<Item = (&str, &Json)>| {
        Json::Object(items.map(|(n, j)| (n.to_string(), j.clone())).collect())
    };
    let all = object(&mut fields.iter().map(|(_, n, j)| (*n, j)));
    serde_json::from_value(all).map_err(|whole| {
        // The keyword whose field the type refuses (else all of them).
        let refused = fields.iter().find_map(|(key, name, json)| {
            serde_json::from_value::<T>(object(&mut std::iter::once((*name, json))))
                .err()
                .map(|e| (key.to_string(), e.to_string()))
        });
        let (key, message) = refused.unwrap_or_else(|| {
            let keys: Vec<&str> = fields.iter().map(|(k, ..)| *k).collect();
            (keys.join("`, `"), whole.to_string())
        });
        TranslateError::Invalid { key, message }
    })
}

/// What the options set in the create body and in its host config. Keywords folded into
/// container fields, `platform` and `mac_address` are placed elsewhere (see [`platform`] and
/// [`mac_address`]).
pub(crate) fn option_fields(
    options: &BTreeMap<String, Value>,
) -> Result<(ContainerCreateBody, HostConfig), TranslateError> {
    let body = fields(options, |e| match e {
        Engine::Body(name) => Some(name),
        _ => None,
    })?;
    let host = fields(options, |e| match e {
        Engine::HostConfig(name) => Some(name),
        _ => None,
    })?;
    Ok((typed(&body)?, typed(&host)?))
}

/// What `docker update` can change in place: the keywords the table marks so, that the map sets.
/// None if it sets none of them.
///
/// With `implied_swap`, a memory limit without a swap limit also sends the swap limit the
/// Engine gives such a container at creation (twice the memory): the Engine refuses a memory
/// limit above the swap limit it has, and the container then matches a fresh one.
pub(crate) fn update_body(
    options: &BTreeMap<String, Value>,
    implied_swap: bool,
) -> Result<Option<ContainerUpdateBody>, TranslateError> {
    let in_place = fields(options, |e| match e {
        Engine::HostConfig(name) => Some(name),
        _ => None,
    })?
    .into_iter()
    .filter(|(key, ..)| options::get(key).is_some_and(|d| d.in_place))
    .collect();
    let mut body: ContainerUpdateBody = typed(&in_place)?;
    if implied_swap && body.memory_swap.is_none() {
        body.memory_swap = body.memory.map(|m| m.saturating_mul(2));
    }
    Ok((body != ContainerUpdateBody::default()).then_some(body))
}

/// The keyword in `options` that lands in `place`, and its text.
fn text_for(options: &BTreeMap<String, Value>, place: Engine) -> Option<(&'static str, String)> {
    options.iter().find_map(|(key, v)| {
        let def = options::get(key).filter(|d| d.engine == place)?;
        Some((def.key, v.scalar_text()?))
    })
}

/// `platform`: a query parameter of container creation, not part of the body.
pub(crate) fn platform(options: &BTreeMap<String, Value>) -> Option<String> {
    text_for(options, Engine::Platform).map(|(_, text)| text)
}

/// `mac_address` (the keyword, and the address): set on the container's endpoint in the network
/// it joins at creation (`EndpointSettings.MacAddress`), which the Engine honours from API 1.44
/// on ([`MAC_ADDRESS_API`]); older Engines read it only from the body, which bollard does not
/// send.
pub(crate) fn mac_address(options: &BTreeMap<String, Value>) -> Option<(&'static str, String)> {
    text_for(options, Engine::EndpointMac)
}

/// A command string split into words as a shell would.
pub(crate) fn split_command(text: &str) -> Result<Vec<String>, TranslateError> {
    split_words(text).map_err(|e| TranslateError::Words {
        message: e.to_string(),
    })
}

/// The first Engine API version that honours an endpoint's `MacAddress` at creation.
pub(crate) const MAC_ADDRESS_API: (usize, usize) = (1, 44);

/// The Engine's form of a model healthcheck.
pub(crate) fn health_config(check: &HealthCheck) -> HealthConfig {
    serde_json::from_value(options::health(check)).unwrap_or_default()
}

#[cfg(test)]
mod tests;
