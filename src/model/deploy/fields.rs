//! Reading the values of a `deploy` mapping: mappings with known keys (an unknown one gets the
//! closest known key as a hint), choices among names, whole numbers and durations, each error
//! naming the key it is at.

use crate::model::input::invalid;
use std::collections::BTreeMap;

use crate::model::duration::parse_nanos;
use crate::model::input::{InputError, InputResult};
use crate::model::suggest::closest;
use crate::model::value::Value;

/// The keys of a mapping, rejecting unknown ones with the closest known key.
pub(super) fn keys<'a>(
    value: &'a Value,
    allowed: &[&str],
    what: &str,
) -> InputResult<impl Fn(&str) -> &'a Value> {
    let map: &'a BTreeMap<String, Value> = match value {
        Value::Map(m) => m,
        other => return Err(InputError::expected(format!("{what} as a mapping"), other)),
    };
    if let Some(bad) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        let hint = match closest(bad, allowed.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("expected {}", one_of(allowed)),
        };
        return Err(InputError::UnknownKey {
            what: what.to_string(),
            key: bad.clone(),
            hint,
        });
    }
    Ok(move |k: &str| map.get(k).unwrap_or(&Value::Null))
}

/// `a`, `b` or `c`.
fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

pub(super) fn choice<T: Copy>(
    value: &Value,
    all: &[T],
    name: impl Fn(T) -> &'static str,
    key: &str,
) -> InputResult<Option<T>> {
    if value.is_null() {
        return Ok(None);
    }
    if let Some(found) = value
        .as_str()
        .and_then(|s| all.iter().copied().find(|x| name(*x) == s))
    {
        return Ok(Some(found));
    }
    let names: Vec<&str> = all.iter().map(|x| name(*x)).collect();
    let hint = value
        .as_str()
        .and_then(|s| closest(s, names.iter().copied()))
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    Err(invalid!(
        "`{key}`: expected {}, found {value}{hint}",
        one_of(&names)
    ))
}

pub(super) fn whole(value: &Value, key: &str) -> InputResult<Option<u64>> {
    match value {
        Value::Null => Ok(None),
        Value::Int(i) if *i >= 0 => u64::try_from(*i).map(Some).map_err(|e| invalid!("`{key}`: {e}")),
        other => Err(invalid!(
            "`{key}`: expected a whole number (0 or more), found {other}"
        )),
    }
}

pub(super) fn nanos(value: &Value, key: &str) -> InputResult<Option<u64>> {
    match value {
        Value::Null => Ok(None),
        v => parse_nanos(v).map(Some).map_err(|e| e.within(format!("`{key}`"))),
    }
}

pub(super) fn int(n: u64) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}
