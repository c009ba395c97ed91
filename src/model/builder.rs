//! Which of the Engine's builders builds a map's images: BuildKit (the Engine's API version 2
//! builder: `RUN --mount`, stages in parallel) or the classic one. A map chooses with its
//! `builder` property, the command line with `--builder`; unchosen, the runtime takes BuildKit
//! where the Engine offers it (`DOCKER_BUILDKIT=0` asks for the classic builder, as the docker CLI
//! reads it).

use serde::Serialize;

use super::input::{invalid, string, InputResult};
use super::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub(crate) enum Builder {
    #[serde(rename = "buildkit")]
    BuildKit,
    #[serde(rename = "classic")]
    Classic,
}

impl Builder {
    pub(crate) const NAMES: [&'static str; 2] = ["buildkit", "classic"];

    /// `"buildkit"`, `"classic"`; `()` leaves the choice to the Engine.
    pub(crate) fn parse(value: &Value) -> InputResult<Option<Builder>> {
        if value.is_null() {
            return Ok(None);
        }
        let text = string(value, "a builder")?;
        Builder::named(&text).map(Some).ok_or_else(|| {
            invalid!(
                "unknown builder `{text}`: expected {}",
                Self::NAMES.map(|n| format!("`{n}`")).join(" or ")
            )
        })
    }

    pub(crate) fn named(name: &str) -> Option<Builder> {
        match name {
            "buildkit" => Some(Builder::BuildKit),
            "classic" => Some(Builder::Classic),
            _ => None,
        }
    }

    /// What `DOCKER_BUILDKIT` asks for, as the docker CLI reads it (a boolean; anything else
    /// chooses nothing).
    pub(crate) fn from_docker_buildkit(value: &str) -> Option<Builder> {
        match value.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "t" => Some(Builder::BuildKit),
            "0" | "false" | "f" => Some(Builder::Classic),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Builder::BuildKit => Self::NAMES[0],
            Builder::Classic => Self::NAMES[1],
        }
    }

    pub(crate) fn to_value(builder: Option<Builder>) -> Value {
        builder.map_or(Value::Null, |b| Value::str(b.name()))
    }
}

/// The choices that come before a map's own, and the one that comes after it: the command
/// line's `--builder`, then the map's `builder`, then `DOCKER_BUILDKIT`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Choice {
    /// `--builder`.
    pub flag: Option<Builder>,
    /// `DOCKER_BUILDKIT`, as `from_docker_buildkit` reads it.
    pub env: Option<Builder>,
}

impl Choice {
    /// The builder for a map whose `builder` is `map`, and what chose it (as a message names it);
    /// None: the Engine's.
    pub(crate) fn pick(&self, map: Option<Builder>) -> Option<(Builder, String)> {
        if let Some(b) = self.flag {
            return Some((b, format!("`--builder {}`", b.name())));
        }
        if let Some(b) = map {
            return Some((b, format!("the map's `builder: \"{}\"`", b.name())));
        }
        self.env.map(|b| {
            let value = if b == Builder::BuildKit { 1 } else { 0 };
            (b, format!("`DOCKER_BUILDKIT={value}`"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_are_read_by_name() {
        let cases: [(Value, Result<Option<Builder>, &str>); 4] = [
            (Value::str("buildkit"), Ok(Some(Builder::BuildKit))),
            (Value::str("classic"), Ok(Some(Builder::Classic))),
            (Value::Null, Ok(None)),
            (
                Value::str("buildx"),
                Err("unknown builder `buildx`: expected `buildkit` or `classic`"),
            ),
        ];
        for (value, expected) in cases {
            let got = Builder::parse(&value).map_err(|e| e.to_string());
            assert_eq!(got, expected.map_err(str::to_string), "{value:?}");
        }
    }

    #[test]
    fn the_command_line_comes_first_then_the_map_then_docker_buildkit() {
        let flag = Choice {
            flag: Some(Builder::Classic),
            env: Some(Builder::BuildKit),
        };
        assert_eq!(
            flag.pick(Some(Builder::BuildKit)),
            Some((Builder::Classic, "`--builder classic`".to_string()))
        );
        let env = Choice {
            flag: None,
            env: Some(Builder::Classic),
        };
        assert_eq!(
            env.pick(Some(Builder::BuildKit)),
            Some((Builder::BuildKit, "the map's `builder: \"buildkit\"`".to_string()))
        );
        assert_eq!(
            env.pick(None),
            Some((Builder::Classic, "`DOCKER_BUILDKIT=0`".to_string()))
        );
        assert_eq!(Choice::default().pick(None), None);
    }

    #[test]
    fn docker_buildkit_is_read_as_the_docker_cli_reads_it() {
        for (text, expected) in [
            ("1", Some(Builder::BuildKit)),
            ("true", Some(Builder::BuildKit)),
            ("0", Some(Builder::Classic)),
            ("FALSE", Some(Builder::Classic)),
            ("", None),
            ("maybe", None),
        ] {
            assert_eq!(Builder::from_docker_buildkit(text), expected, "{text}");
        }
    }
}
