//! `depends_on`: start order and waits without a binding, as Compose's `depends_on` (forms:
//! docs/recipe-api.md, "Container fields"). A container starts once what it depends on has
//! started (or is healthy, or has run to completion, as the condition says), and stops before it.

use serde::Serialize;

use super::input::{boolean, invalid, items, kwargs, string, InputResult, Item};
use super::name;
use super::value::Value;

/// When a dependency counts as ready for its dependent to start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) enum Condition {
    /// It has started.
    #[default]
    #[serde(rename = "service_started")]
    Started,
    /// Its healthcheck passes.
    #[serde(rename = "service_healthy")]
    Healthy,
    /// It has run and exited with code 0.
    #[serde(rename = "service_completed_successfully")]
    CompletedSuccessfully,
}

impl Condition {
    pub(crate) const NAMES: [&'static str; 3] = [
        "service_started",
        "service_healthy",
        "service_completed_successfully",
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Condition::Started => Self::NAMES[0],
            Condition::Healthy => Self::NAMES[1],
            Condition::CompletedSuccessfully => Self::NAMES[2],
        }
    }

    fn parse(value: &Value) -> InputResult<Condition> {
        let text = string(value, "a `depends_on` condition")?;
        match Self::NAMES.iter().position(|n| *n == text) {
            Some(0) => Ok(Condition::Started),
            Some(1) => Ok(Condition::Healthy),
            Some(_) => Ok(Condition::CompletedSuccessfully),
            None => Err(invalid!(
                "unknown `depends_on` condition `{text}`: expected one of {}",
                Self::NAMES.map(|n| format!("`{n}`")).join(", ")
            )),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct DependsOn {
    /// `cfg` or `cfg.instance`.
    pub container: String,
    pub condition: Condition,
    /// When false, a dependency that is not in the map (or not run) is passed over.
    pub required: bool,
    /// The dependent is restarted when dmap restarts or recreates the dependency.
    pub restart: bool,
}

const KEYS: [&str; 4] = ["container", "condition", "required", "restart"];

impl DependsOn {
    /// A list of names, or a mapping name → `#{ condition, required, restart }`; a later entry
    /// for the same container replaces the earlier one.
    pub(crate) fn parse_list(value: &Value) -> InputResult<Vec<DependsOn>> {
        let mut out: Vec<DependsOn> = Vec::new();
        for item in items(value, &KEYS, &["container"]) {
            let dep = DependsOn::parse(&item)?;
            match out.iter_mut().find(|d| d.container == dep.container) {
                Some(slot) => *slot = dep,
                None => out.push(dep),
            }
        }
        Ok(out)
    }

    fn parse(item: &Item) -> InputResult<DependsOn> {
        let (container, options) = match item {
            Item::Pair(k, v) => (Value::str(k), v.clone()),
            Item::Single(Value::Map(map)) => {
                let get = kwargs(map, &KEYS, "a `depends_on` entry")?;
                let container = get("container").clone();
                let options: Vec<(&str, Value)> = KEYS[1..].iter().map(|k| (*k, get(k).clone())).collect();
                (container, Value::map(options))
            }
            Item::Single(v) => (v.clone(), Value::Null),
        };
        let container = string(&container, "a dependency")?;
        name::check_reference("dependency", &container)?;
        let (condition, required, restart) = match &options {
            Value::Null => (Condition::default(), true, false),
            Value::Map(map) => {
                let get = kwargs(map, &KEYS[1..], "a `depends_on` entry")?;
                let condition = match get("condition") {
                    Value::Null => Condition::default(),
                    v => Condition::parse(v)?,
                };
                let required = match get("required") {
                    Value::Null => true,
                    v => boolean(v, "`required`")?,
                };
                (condition, required, boolean(get("restart"), "`restart`")?)
            }
            other => {
                return Err(invalid!(
                    "invalid `depends_on` entry for `{container}`: expected a mapping of `condition`, `required`, `restart`, found {}",
                    other.type_name()
                ))
            }
        };
        Ok(DependsOn {
            container,
            condition,
            required,
            restart,
        })
    }

    pub(crate) fn to_value(&self) -> Value {
        let mut entries = vec![
            ("container", Value::str(&self.container)),
            ("condition", Value::str(self.condition.name())),
        ];
        if !self.required {
            entries.push(("required", Value::Bool(false)));
        }
        if self.restart {
            entries.push(("restart", Value::Bool(true)));
        }
        Value::map(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(container: &str, condition: Condition, required: bool, restart: bool) -> DependsOn {
        DependsOn {
            container: container.to_string(),
            condition,
            required,
            restart,
        }
    }

    #[test]
    fn every_form_reads_as_compose_reads_it() {
        use Condition::*;
        let healthy = Value::map([("condition", Value::str("service_healthy"))]);
        let cases: Vec<(Value, Vec<DependsOn>)> = vec![
            (Value::str("db"), vec![dep("db", Started, true, false)]),
            (
                Value::List(vec![Value::str("db"), Value::str("cache.a")]),
                vec![
                    dep("db", Started, true, false),
                    dep("cache.a", Started, true, false),
                ],
            ),
            (
                Value::map([
                    ("db", healthy.clone()),
                    (
                        "migrate",
                        Value::map([
                            ("condition", Value::str("service_completed_successfully")),
                            ("required", Value::Bool(false)),
                            ("restart", Value::Bool(true)),
                        ]),
                    ),
                ]),
                vec![
                    dep("db", Healthy, true, false),
                    dep("migrate", CompletedSuccessfully, false, true),
                ],
            ),
            // a list element as a one-entry mapping, and the keyword form
            (
                Value::List(vec![
                    Value::map([("db", healthy)]),
                    Value::map([("container", Value::str("web")), ("restart", Value::Bool(true))]),
                ]),
                vec![dep("db", Healthy, true, false), dep("web", Started, true, true)],
            ),
            // the later entry for a container wins
            (
                Value::List(vec![
                    Value::str("db"),
                    Value::map([("db", Value::map([("required", Value::Bool(false))]))]),
                ]),
                vec![dep("db", Started, false, false)],
            ),
            (Value::Null, vec![]),
        ];
        for (input, want) in cases {
            let got = DependsOn::parse_list(&input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(got, want, "{input}");
            let back = Value::List(got.iter().map(DependsOn::to_value).collect());
            assert_eq!(
                DependsOn::parse_list(&back).ok(),
                Some(want),
                "round trip of {input}"
            );
        }
    }

    #[test]
    fn bad_entries_say_what_is_wrong() {
        let cases: Vec<(Value, &str)> = vec![
            (
                Value::map([("db", Value::map([("condition", Value::str("healthy"))]))]),
                "unknown `depends_on` condition `healthy`: expected one of `service_started`, `service_healthy`, `service_completed_successfully`",
            ),
            (
                Value::map([("db", Value::map([("when", Value::str("x"))]))]),
                "unknown key `when` in a `depends_on` entry (expected `condition`, `required`, `restart`)",
            ),
            (Value::str("a b"), "invalid dependency reference `a b`"),
            (
                Value::map([("db", Value::str("service_healthy"))]),
                "invalid `depends_on` entry for `db`: expected a mapping of `condition`, `required`, `restart`, found a string",
            ),
            (
                Value::map([("db", Value::map([("required", Value::str("no"))]))]),
                "expected `required` as a boolean, found \"no\"",
            ),
        ];
        for (input, want) in cases {
            let err = DependsOn::parse_list(&input)
                .expect_err(&input.to_string())
                .to_string();
            assert_eq!(err, want, "{input}");
        }
    }
}
