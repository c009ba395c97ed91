//! `links`: legacy container links (their forms: docs/recipe-api.md, "Container fields").

use crate::model::input::invalid;
use serde::Serialize;

use super::input::{items, kwargs, opt_string, string, tuple, InputResult, Item};
use super::name;
use super::value::Value;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Link {
    /// `cfg` or `cfg.instance`.
    pub container: String,
    /// Defaults to the hostname of the linked container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

impl Link {
    pub(crate) fn parse_list(value: &Value) -> InputResult<Vec<Link>> {
        let mut out: Vec<Link> = Vec::new();
        for item in items(value, &["container", "alias"], &["container"]) {
            let link = Link::parse(&item)?;
            if !out.contains(&link) {
                out.push(link);
            }
        }
        Ok(out)
    }

    fn parse(item: &Item) -> InputResult<Link> {
        let (container, alias) = match item {
            Item::Pair(k, v) => (Value::str(k), v.clone()),
            Item::Single(Value::Map(map)) => {
                let get = kwargs(map, &["container", "alias"], "a link")?;
                (get("container").clone(), get("alias").clone())
            }
            Item::Single(v) => match tuple(v).as_slice() {
                [c] => (c.clone(), Value::Null),
                [c, a] => (c.clone(), a.clone()),
                other => {
                    return Err(invalid!(
                        "invalid link {}: expected a container or [container, alias]",
                        Value::List(other.to_vec())
                    ))
                }
            },
        };
        let container = string(&container, "a linked container")?;
        name::check_reference("linked container", &container)?;
        let alias = opt_string(&alias, "a link alias")?;
        if let Some(a) = &alias {
            check_alias(a)?;
        }
        Ok(Link { container, alias })
    }

    pub(crate) fn to_value(&self) -> Value {
        match &self.alias {
            None => Value::map([("container", Value::str(&self.container))]),
            Some(a) => Value::map([
                ("container", Value::str(&self.container)),
                ("alias", Value::str(a)),
            ]),
        }
    }
}

/// Link and network aliases are hostnames: letters, digits, `-`, `_` and `.`.
pub(crate) fn check_alias(alias: &str) -> InputResult<()> {
    let ok = !alias.is_empty()
        && alias.len() <= 253
        && alias
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && alias.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(invalid!(
            "invalid alias `{alias}`: use letters, digits, `-`, `_` and `.`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::value::Value as V;

    fn link(c: &str, a: Option<&str>) -> Link {
        Link {
            container: c.into(),
            alias: a.map(Into::into),
        }
    }

    #[test]
    fn link_items() {
        let cases: Vec<(V, Link)> = vec![
            (V::str("a"), link("a", None)),
            (V::List(vec![V::str("a")]), link("a", None)),
            (V::map([("container", V::str("a"))]), link("a", None)),
            (V::List(vec![V::str("a"), V::Null]), link("a", None)),
            (V::List(vec![V::str("b"), V::str("b_")]), link("b", Some("b_"))),
            (
                V::map([("container", V::str("b")), ("alias", V::str("b_"))]),
                link("b", Some("b_")),
            ),
            (V::str("e.1"), link("e.1", None)),
        ];
        for (input, expected) in cases {
            assert_eq!(
                Link::parse_list(&V::List(vec![input.clone()])).unwrap(),
                vec![expected],
                "{input}"
            );
        }
        // The whole list written as one mapping (container → alias).
        let m = V::map([("a", V::Null), ("b", V::str("b_"))]);
        assert_eq!(
            Link::parse_list(&m).unwrap(),
            vec![link("a", None), link("b", Some("b_"))]
        );
        assert!(Link::parse_list(&V::str("a/b")).is_err());
        assert!(Link::parse_list(&V::List(vec![V::List(vec![V::str("a"), V::str("b c")])])).is_err());
    }
}
