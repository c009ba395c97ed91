//! Durations in nanoseconds: integers are nanoseconds (docker-map), strings carry units.

use super::input::{InputError, InputResult};
use super::value::Value;
use crate::model::input::invalid;

/// `10us`, `1000 ms`, `1m30s`, `1.5s`, `2h`; a bare number is nanoseconds. Unknown units are
/// errors (docker-map read `2h` as 2 ns).
pub(crate) fn parse_nanos(value: &Value) -> InputResult<u64> {
    match value {
        Value::Int(i) if *i >= 0 => u64::try_from(*i).map_err(|e| invalid!("{e}")),
        Value::Str(s) => parse_text(s),
        other => Err(InputError::expected("a duration such as \"30s\"", other)),
    }
}

fn parse_text(text: &str) -> InputResult<u64> {
    let bad = || {
        invalid!(
            "invalid duration `{text}`: expected a number with a unit (ns, us, ms, s, m, h), e.g. \"1m30s\""
        )
    };
    let s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return Err(bad());
    }
    if let Ok(n) = s.parse::<u64>() {
        return Ok(n);
    }
    let mut total: f64 = 0.0;
    let mut rest = s.as_str();
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        if num_len == 0 {
            return Err(bad());
        }
        let number: f64 = rest[..num_len].parse().map_err(|_| bad())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(bad()),
        };
        total += number * factor;
        rest = &rest[unit_len..];
    }
    if total > u64::MAX as f64 {
        return Err(bad());
    }
    Ok(total.round() as u64)
}

/// Seconds: a number, or a duration string (`"10s"`, `"1m"`).
pub(crate) fn parse_seconds(value: &Value) -> InputResult<f64> {
    match value {
        Value::Int(i) if *i >= 0 => Ok(*i as f64),
        Value::Float(f) if *f >= 0.0 && f.is_finite() => Ok(*f),
        Value::Str(s) => {
            if let Ok(n) = s.trim().parse::<f64>() {
                if n >= 0.0 && n.is_finite() {
                    return Ok(n);
                }
            }
            Ok(parse_text(s)? as f64 / 1e9)
        }
        other => Err(InputError::expected("seconds (a number or e.g. \"10s\")", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let cases: &[(&str, u64)] = &[
            ("10us", 10_000),
            ("1000 ms", 1_000_000_000),
            ("1m", 60_000_000_000),
            ("5s", 5_000_000_000),
            ("2h", 7_200_000_000_000),
            ("1m30s", 90_000_000_000),
            ("1.5s", 1_500_000_000),
            ("250", 250),
        ];
        for (text, nanos) in cases {
            assert_eq!(parse_nanos(&Value::str(*text)).unwrap(), *nanos, "{text}");
        }
        assert_eq!(parse_nanos(&Value::Int(42)).unwrap(), 42);
        for bad in ["2x", "s", "", "1..2s", "-1s"] {
            assert!(parse_nanos(&Value::str(bad)).is_err(), "{bad}");
        }
        assert!(parse_nanos(&Value::Int(-1)).is_err());
        assert_eq!(parse_seconds(&Value::str("1m")).unwrap(), 60.0);
        assert_eq!(parse_seconds(&Value::Int(5)).unwrap(), 5.0);
        assert_eq!(parse_seconds(&Value::Float(0.5)).unwrap(), 0.5);
    }
}
