//! `healthcheck`: a test plus durations in nanoseconds (its forms: docs/recipe-api.md, "Container
//! fields").

use crate::model::input::{invalid, InputError};
use serde::{Deserialize, Serialize};

use super::duration::parse_nanos;
use super::input::{kwargs, InputResult};
use super::value::Value;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct HealthCheck {
    /// `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]` (disables the image's check).
    pub test: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<u64>,
}

const FIELDS: [&str; 5] = ["test", "interval", "timeout", "retries", "start_period"];

impl HealthCheck {
    /// None for nothing (no healthcheck set).
    pub(crate) fn parse(value: &Value) -> InputResult<Option<HealthCheck>> {
        let null = Value::Null;
        match value {
            Value::Null => Ok(None),
            Value::Str(_) => build(value, &null, &null, &null, &null).map(Some),
            Value::List(parts) => {
                if parts.len() > 5 {
                    return Err("invalid healthcheck: expected at most [test, interval, timeout, retries, start_period]".into());
                }
                let at = |i: usize| parts.get(i).unwrap_or(&null);
                build(at(0), at(1), at(2), at(3), at(4)).map(Some)
            }
            Value::Map(map) => {
                let get = kwargs(map, &FIELDS, "a healthcheck")?;
                build(
                    get("test"),
                    get("interval"),
                    get("timeout"),
                    get("retries"),
                    get("start_period"),
                )
                .map(Some)
            }
            other => Err(InputError::expected("a healthcheck", other)),
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        let mut entries = vec![("test", Value::strs(&self.test))];
        let nanos = |n: u64| Value::Int(i64::try_from(n).unwrap_or(i64::MAX));
        if let Some(n) = self.interval {
            entries.push(("interval", nanos(n)));
        }
        if let Some(n) = self.timeout {
            entries.push(("timeout", nanos(n)));
        }
        if let Some(n) = self.retries {
            entries.push(("retries", Value::Int(i64::from(n))));
        }
        if let Some(n) = self.start_period {
            entries.push(("start_period", nanos(n)));
        }
        Value::map(entries)
    }
}

fn build(
    test: &Value,
    interval: &Value,
    timeout: &Value,
    retries: &Value,
    start: &Value,
) -> InputResult<HealthCheck> {
    let test = match test {
        Value::Null => vec!["NONE".to_string()],
        Value::Str(s) if s.is_empty() || s == "NONE" => vec!["NONE".to_string()],
        Value::Str(s) => vec!["CMD-SHELL".to_string(), s.clone()],
        Value::List(words) if words.is_empty() => vec!["NONE".to_string()],
        Value::List(words) => {
            let words = words
                .iter()
                .map(|w| {
                    w.scalar_text()
                        .ok_or_else(|| InputError::expected("a healthcheck test word", w))
                })
                .collect::<InputResult<Vec<_>>>()?;
            match words[0].as_str() {
                "NONE" | "CMD" | "CMD-SHELL" => words,
                _ => std::iter::once("CMD".to_string()).chain(words).collect(),
            }
        }
        other => {
            return Err(InputError::expected(
                "a healthcheck test (a string or a list)",
                other,
            ))
        }
    };
    let duration = |v: &Value, what: &str| -> InputResult<Option<u64>> {
        match v {
            Value::Null => Ok(None),
            v => parse_nanos(v)
                .map_err(|e| e.within(format!("healthcheck {what}")))
                .and_then(|n| at_least_a_millisecond(v, n, what))
                .map(Some),
        }
    };
    let retries = match retries {
        Value::Null => None,
        Value::Int(i) if *i >= 0 => Some(u32::try_from(*i).map_err(|e| invalid!("{e}"))?),
        other => {
            return Err(invalid!(
                "healthcheck retries: expected a whole number, found {other}"
            ))
        }
    };
    Ok(HealthCheck {
        test,
        interval: duration(interval, "interval")?,
        timeout: duration(timeout, "timeout")?,
        retries,
        start_period: duration(start, "start_period")?,
    })
}

/// The Engine refuses a healthcheck duration below 1 ms (0 is its default). A bare number is
/// nanoseconds, as in docker-map and the Engine API, so `interval: 5` is 5 ns: the message says
/// so and suggests the seconds that were most likely meant.
fn at_least_a_millisecond(written: &Value, nanos: u64, what: &str) -> InputResult<u64> {
    if nanos == 0 || nanos >= 1_000_000 {
        return Ok(nanos);
    }
    let hint = match written {
        Value::Int(n) => format!("; write \"{n}s\" for seconds"),
        _ => String::new(),
    };
    Err(invalid!(
        "`{what}` {written} is {nanos} ns: the Engine takes at least 1 ms (or 0 for its default){hint}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::value::Value as V;

    #[test]
    fn healthchecks() {
        // The positional form: test, interval, timeout, retries, start period; a test list of
        // words gets `CMD` in front.
        let input = V::List(vec![
            V::List(vec![V::str("test")]),
            V::str("10ms"),
            V::str("1000 ms"),
            V::Int(3),
            V::str("1m"),
        ]);
        assert_eq!(
            HealthCheck::parse(&input).unwrap(),
            Some(HealthCheck {
                test: vec!["CMD".into(), "test".into()],
                interval: Some(10_000_000),
                timeout: Some(1_000_000_000),
                retries: Some(3),
                start_period: Some(60_000_000_000),
            })
        );
        let none = HealthCheck::parse(&V::str("NONE")).unwrap().unwrap();
        assert_eq!(none.test, vec!["NONE"]);
        let shell = HealthCheck::parse(&V::str("curl -f http://localhost/"))
            .unwrap()
            .unwrap();
        assert_eq!(shell.test, vec!["CMD-SHELL", "curl -f http://localhost/"]);
        let kw = V::map([
            ("test", V::List(vec![V::str("curl"), V::str("x")])),
            ("interval", V::str("1m")),
        ]);
        let hc = HealthCheck::parse(&kw).unwrap().unwrap();
        assert_eq!(hc.test, vec!["CMD", "curl", "x"]);
        assert_eq!(hc.interval, Some(60_000_000_000));
        assert_eq!(HealthCheck::parse(&V::Null).unwrap(), None);
        // a flat list is positional: "x" is no duration
        assert!(HealthCheck::parse(&V::List(vec![V::str("curl"), V::str("x")])).is_err());
        assert!(HealthCheck::parse(&V::map([("tst", V::str("x"))])).is_err());
        assert!(HealthCheck::parse(&V::List(vec![V::str("x"), V::str("2 fortnights")])).is_err());
        let back = HealthCheck::parse(&hc.to_value()).unwrap().unwrap();
        assert_eq!(back, hc);
    }

    #[test]
    fn durations_below_a_millisecond_are_refused() {
        // (the interval as written, the nanoseconds kept, or the error)
        let cases: Vec<(V, Result<u64, &str>)> = vec![
            (V::Int(5), Err("`interval` 5 is 5 ns: the Engine takes at least 1 ms (or 0 for its default); write \"5s\" for seconds")),
            (V::str("500us"), Err("`interval` \"500us\" is 500000 ns: the Engine takes at least 1 ms (or 0 for its default)")),
            (V::str("999999"), Err("is 999999 ns")),
            (V::Int(0), Ok(0)),
            (V::str("0s"), Ok(0)),
            (V::Int(1_000_000), Ok(1_000_000)),
            (V::str("1ms"), Ok(1_000_000)),
            (V::Int(30_000_000_000), Ok(30_000_000_000)),
            (V::str("2s"), Ok(2_000_000_000)),
        ];
        for (interval, want) in cases {
            let hc = HealthCheck::parse(&V::map([
                ("test", V::str("true")),
                ("interval", interval.clone()),
            ]));
            match (hc, want) {
                (Ok(Some(hc)), Ok(n)) => assert_eq!(hc.interval, Some(n), "{interval}"),
                (Err(e), Err(text)) => assert!(e.to_string().contains(text), "{interval}: {e}"),
                (got, want) => panic!("{interval}: {got:?}, expected {want:?}"),
            }
        }
        // every duration of the check is held to it, in either form
        for at in [1, 2, 4] {
            let mut parts = vec![V::str("true"), V::Null, V::Null, V::Null, V::Null];
            parts[at] = V::Int(5);
            assert!(HealthCheck::parse(&V::List(parts)).is_err(), "{at}");
        }
    }
}
