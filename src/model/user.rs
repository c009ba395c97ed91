//! A container or volume user: `2000`, `"name"`, `"name:group"` or `["name", "group"]`.

use crate::model::input::invalid;
use std::fmt;

use serde::Serialize;

use super::input::InputResult;
use super::value::Value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct User {
    pub name: String,
    pub group: Option<String>,
}

impl User {
    pub(crate) fn parse(value: &Value) -> InputResult<Option<User>> {
        let (name, group) = match value {
            Value::Null => return Ok(None),
            Value::Int(i) if *i >= 0 => (i.to_string(), None),
            Value::Str(s) => match s.split_once(':') {
                Some((u, g)) => (u.to_string(), Some(g.to_string())),
                None => (s.clone(), None),
            },
            Value::List(parts) if parts.len() == 2 => {
                let part = |v: &Value| v.scalar_text().filter(|s| !s.is_empty());
                match (part(&parts[0]), part(&parts[1])) {
                    (Some(u), Some(g)) => (u, Some(g)),
                    _ => return Err(invalid!("invalid user {value}: expected [user, group]")),
                }
            }
            other => {
                return Err(invalid!(
                    "invalid user {other}: expected a user id, `name`, `name:group` or [name, group]"
                ))
            }
        };
        let valid = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '$'))
        };
        if !valid(&name) || group.as_deref().is_some_and(|g| !valid(g)) {
            return Err(invalid!("invalid user {value}"));
        }
        Ok(Some(User { name, group }))
    }

    /// `user:group` for chown; the group defaults to the user.
    pub(crate) fn owner(&self) -> String {
        format!("{}:{}", self.name, self.group.as_deref().unwrap_or(&self.name))
    }

    pub(crate) fn to_value(&self) -> Value {
        Value::str(self.to_string())
    }
}

impl fmt::Display for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.group {
            Some(g) => write!(f, "{}:{g}", self.name),
            None => write!(f, "{}", self.name),
        }
    }
}

impl Serialize for User {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users() {
        let cases: Vec<(Value, &str, &str, &str)> = vec![
            (Value::Int(2000), "2000", "2000", "2000:2000"),
            (Value::str("app"), "app", "app", "app:app"),
            (Value::str("u:g"), "u", "u:g", "u:g"),
            (
                Value::List(vec![Value::str("u"), Value::str("g")]),
                "u",
                "u:g",
                "u:g",
            ),
        ];
        for (input, name, shown, owner) in cases {
            let u = User::parse(&input).unwrap().unwrap();
            assert_eq!(u.name, name);
            assert_eq!(u.to_string(), shown);
            assert_eq!(u.owner(), owner);
        }
        assert_eq!(User::parse(&Value::Null).unwrap(), None);
        for bad in [
            Value::str(""),
            Value::str("a b"),
            Value::Int(-1),
            Value::Bool(true),
        ] {
            assert!(User::parse(&bad).is_err(), "{bad}");
        }
    }
}
