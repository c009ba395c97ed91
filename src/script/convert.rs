//! Rhai values to model input values and back.

use rhai::{Array, Dynamic, Map, FLOAT, INT};

use super::handles::{ConfigHandle, MapHandle};
use crate::model::Value;

/// A Rhai value that is no model value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ConvertError {
    #[error("a container map can't be used as a value here")]
    Map,
    #[error("expected a value (string, number, boolean, array or object map), found {type_name}")]
    Unsupported { type_name: &'static str },
}

/// Converts a Rhai value; a container configuration handle becomes its fields, so
/// `m.containers.b = m.containers.a` copies.
pub(crate) fn to_value(d: &Dynamic) -> Result<Value, ConvertError> {
    if d.is_unit() {
        return Ok(Value::Null);
    }
    if let Ok(b) = d.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Ok(i) = d.as_int() {
        return Ok(Value::Int(i));
    }
    if let Ok(f) = d.as_float() {
        return Ok(Value::Float(f));
    }
    if let Ok(c) = d.as_char() {
        return Ok(Value::Str(c.to_string()));
    }
    // Read in place: recipes hand over big literals, and copying them first costs.
    if let Ok(s) = d.as_immutable_string_ref() {
        return Ok(Value::Str(s.to_string()));
    }
    if let Ok(array) = d.as_array_ref() {
        return array
            .iter()
            .map(to_value)
            .collect::<Result<Vec<_>, _>>()
            .map(Value::List);
    }
    if let Ok(map) = d.as_map_ref() {
        return map
            .iter()
            .map(|(k, v)| to_value(v).map(|v| (k.to_string(), v)))
            .collect::<Result<_, _>>()
            .map(Value::Map);
    }
    if let Some(c) = d.clone().try_cast::<ConfigHandle>() {
        return Ok(c.to_value());
    }
    if d.is::<MapHandle>() {
        return Err(ConvertError::Map);
    }
    Err(ConvertError::Unsupported {
        type_name: d.type_name(),
    })
}

pub(crate) fn to_dynamic(v: &Value) -> Dynamic {
    match v {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Int(i) => Dynamic::from_int(*i as INT),
        Value::Float(f) => Dynamic::from_float(*f as FLOAT),
        Value::Str(s) => Dynamic::from(s.clone()),
        Value::List(items) => Dynamic::from_array(items.iter().map(to_dynamic).collect::<Array>()),
        Value::Map(m) => Dynamic::from_map(m.iter().map(|(k, v)| (k.into(), to_dynamic(v))).collect::<Map>()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let v = Value::map([
            (
                "a",
                Value::List(vec![
                    Value::Int(1),
                    Value::Float(1.5),
                    Value::Bool(true),
                    Value::Null,
                ]),
            ),
            ("b", Value::str("x")),
        ]);
        assert_eq!(to_value(&to_dynamic(&v)).unwrap(), v);
    }
}
