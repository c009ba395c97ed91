//! The general input rules shared by every list-valued field (docs/recipe-api.md, "Container
//! fields"): a single value becomes a one-item list, a mapping becomes a list of `(key, value)`
//! pairs, nothing is empty.

use std::collections::BTreeMap;

use super::shell_words::WordsError;
use super::value::Value;

/// Why an input value could not be converted; the model adds the field and the origin.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub(crate) enum InputError {
    /// A value of the wrong shape; `found` is the value as it reads in messages.
    #[error("expected {expected}, found {found}")]
    Expected { expected: String, found: String },
    /// A key a mapping does not accept; `hint` says what it does accept or the closest key.
    #[error("unknown key `{key}` in {what} ({hint})")]
    UnknownKey { what: String, key: String, hint: String },
    /// A field or option name nobody knows, with the closest known one.
    #[error("unknown {what} `{name}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    Unknown {
        what: String,
        name: String,
        suggestion: Option<String>,
    },
    /// A name of another vocabulary (a Compose service key in a docker-map configuration, or
    /// the other way round); `hint` says what it is called here.
    #[error("unknown {what} `{name}` ({hint})")]
    OtherSpelling {
        what: String,
        name: String,
        hint: String,
    },
    /// A name outside the spec's grammar.
    #[error("invalid {what} name `{name}`: names start with a letter or digit and contain only letters, digits, `_` and `-`")]
    InvalidName { what: String, name: String },
    /// A `cfg` or `cfg.instance` reference outside the name grammar.
    #[error("invalid {what} reference `{reference}`")]
    InvalidReference { what: String, reference: String },
    /// A failure inside a part of the value, prefixed by which part (a field, a key): one line,
    /// as the model's problems are.
    #[error("{context}: {error}")]
    In { context: String, error: Box<InputError> },
    #[error(transparent)]
    Words(#[from] WordsError),
    /// The long tail: a message saying what is wrong.
    #[error("{0}")]
    Invalid(String),
}

impl InputError {
    /// `expected {expected}, found {found}`, the value as it reads in messages.
    pub(crate) fn expected(expected: impl Into<String>, found: impl std::fmt::Display) -> Self {
        InputError::Expected {
            expected: expected.into(),
            found: found.to_string(),
        }
    }

    /// The same failure, prefixed by the part of the value it is in.
    pub(crate) fn within(self, context: impl Into<String>) -> Self {
        InputError::In {
            context: context.into(),
            error: Box::new(self),
        }
    }
}

impl From<String> for InputError {
    fn from(message: String) -> Self {
        InputError::Invalid(message)
    }
}

impl From<&str> for InputError {
    fn from(message: &str) -> Self {
        InputError::Invalid(message.to_string())
    }
}

/// A conversion's result.
pub(crate) type InputResult<T> = Result<T, InputError>;

/// `InputError::Invalid` with a formatted message, for the long tail of one-off failures.
macro_rules! invalid {
    ($($arg:tt)*) => {
        $crate::model::input::InputError::Invalid(format!($($arg)*))
    };
}
pub(crate) use invalid;

/// One entry of a list-valued field.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Item {
    /// A list element (or the whole value when it was a scalar).
    Single(Value),
    /// A `key: value` entry of a mapping (the whole-list mapping form, or a one-entry mapping as a
    /// list element, as YAML's `- app_config: ro` gives).
    Pair(String, Value),
}

/// Applies the general list rule. `kwargs` names the keys that make a mapping a single keyword
/// item (e.g. `{name: "a", readonly: true}`) instead of the whole-list mapping form; `ident` is the
/// key such a mapping must contain.
pub(crate) fn items(value: &Value, kwargs: &[&str], ident: &[&str]) -> Vec<Item> {
    match value {
        Value::Null => Vec::new(),
        Value::List(list) => list.iter().map(|v| list_element(v, kwargs, ident)).collect(),
        Value::Map(map) if is_kwargs(map, kwargs, ident) => vec![Item::Single(value.clone())],
        Value::Map(map) => map
            .iter()
            .map(|(k, v)| Item::Pair(k.clone(), v.clone()))
            .collect(),
        other => vec![Item::Single(other.clone())],
    }
}

fn list_element(value: &Value, kwargs: &[&str], ident: &[&str]) -> Item {
    match value {
        Value::Map(map) if map.len() == 1 && !is_kwargs(map, kwargs, ident) => {
            let (k, v) = map
                .iter()
                .next()
                .map(|(k, v)| (k.clone(), v.clone()))
                .unwrap_or_default();
            Item::Pair(k, v)
        }
        other => Item::Single(other.clone()),
    }
}

pub(crate) fn is_kwargs(map: &BTreeMap<String, Value>, kwargs: &[&str], ident: &[&str]) -> bool {
    !map.is_empty()
        && map.keys().all(|k| kwargs.contains(&k.as_str()))
        && ident.iter().any(|i| map.contains_key(*i))
}

/// Positional elements of a list element: a list is itself, anything else one element.
pub(crate) fn tuple(value: &Value) -> Vec<Value> {
    match value {
        Value::List(items) => items.clone(),
        other => vec![other.clone()],
    }
}

/// docker-map's `is_path`: starts with `/` or `./`.
pub(crate) fn is_path(s: &str) -> bool {
    s.starts_with('/') || s.starts_with("./")
}

/// A read-only flag: booleans, `ro`/`rw`, nothing (read-write), 0/1.
pub(crate) fn read_only(value: &Value) -> InputResult<bool> {
    match value {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(*b),
        Value::Int(i) => Ok(*i != 0),
        Value::Str(s) if s == "ro" => Ok(true),
        Value::Str(s) if s == "rw" || s.is_empty() => Ok(false),
        other => Err(InputError::expected(
            "a read-only flag (`ro`, `rw` or a boolean)",
            other,
        )),
    }
}

/// Whether a value is a read-only flag (used to tell `(alias, ro)` from `(path, host_path)`).
pub(crate) fn is_flag(value: &Value) -> bool {
    matches!(value, Value::Bool(_)) || matches!(value, Value::Str(s) if s == "ro" || s == "rw")
}

pub(crate) fn string(value: &Value, what: &str) -> InputResult<String> {
    match value {
        Value::Str(s) if !s.is_empty() => Ok(s.clone()),
        Value::Int(i) => Ok(i.to_string()),
        other => Err(InputError::expected(format!("{what} as a string"), other)),
    }
}

pub(crate) fn opt_string(value: &Value, what: &str) -> InputResult<Option<String>> {
    match value {
        Value::Null => Ok(None),
        Value::Str(s) if s.is_empty() => Ok(None),
        other => string(other, what).map(Some),
    }
}

/// A list of strings: one string, a list of strings, or nothing.
pub(crate) fn strings(value: &Value, what: &str) -> InputResult<Vec<String>> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::List(items) => items.iter().map(|v| string(v, what)).collect(),
        other => Ok(vec![string(other, what)?]),
    }
}

pub(crate) fn boolean(value: &Value, what: &str) -> InputResult<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        other => Err(InputError::expected(format!("{what} as a boolean"), other)),
    }
}

/// Looks up keyword arguments of a mapping item, rejecting unknown keys.
pub(crate) fn kwargs<'a>(
    map: &'a BTreeMap<String, Value>,
    allowed: &[&str],
    what: &str,
) -> InputResult<impl Fn(&str) -> &'a Value> {
    if let Some(bad) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(InputError::UnknownKey {
            what: what.to_string(),
            key: bad.clone(),
            hint: format!(
                "expected {}",
                allowed
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    Ok(move |k: &str| map.get(k).unwrap_or(&Value::Null))
}

/// Appends and de-duplicates, keeping order (docker-map's `merge_list`).
pub(crate) fn merge_list<T: PartialEq + Clone>(into: &mut Vec<T>, from: &[T]) {
    for item in from {
        if !into.contains(item) {
            into.push(item.clone());
        }
    }
}

/// docker-map's first-key merge: incoming items replace items with the same key in place, new
/// ones are appended.
pub(crate) fn merge_first_key<T: Clone, K: PartialEq>(into: &mut Vec<T>, from: &[T], key: impl Fn(&T) -> K) {
    for item in from {
        match into.iter().position(|existing| key(existing) == key(item)) {
            Some(i) => into[i] = item.clone(),
            None => into.push(item.clone()),
        }
    }
}

/// Removes items whose key appeared earlier, keeping the last one at the first one's place.
pub(crate) fn dedup_first_key<T: Clone, K: PartialEq>(items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    merge_first_key(&mut out, &items, key);
    out
}

/// `create_options` of a volume or network: a mapping of the keys dmap sends to the Engine, each
/// with its shape (`bool` or a mapping of strings); any other key is an error naming it.
pub(crate) fn object_options(
    value: &Value,
    what: &str,
    keys: &[(&str, bool)],
) -> InputResult<BTreeMap<String, Value>> {
    let map = match value {
        Value::Null => return Ok(BTreeMap::new()),
        Value::Map(m) => m,
        other => {
            return Err(InputError::expected("a mapping", other).within(format!("{what} `create_options`")))
        }
    };
    for (key, v) in map {
        let Some((_, is_bool)) = keys.iter().find(|(k, _)| k == key) else {
            let known: Vec<String> = keys.iter().map(|(k, _)| format!("`{k}`")).collect();
            return Err(invalid!(
                "{what} `create_options` key `{key}` is not supported (dmap sends {})",
                known.join(", ")
            ));
        };
        let ok = match (is_bool, v) {
            (true, Value::Bool(_)) => true,
            (false, Value::Map(m)) => m.values().all(|x| x.scalar_text().is_some()),
            _ => false,
        };
        if !ok {
            let shape = if *is_bool {
                "true or false"
            } else {
                "a mapping of strings"
            };
            return Err(InputError::expected(shape, v).within(format!("{what} `create_options` `{key}`")));
        }
    }
    Ok(map.clone())
}
