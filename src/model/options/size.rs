//! Sizes as docker-py reads them (`64m`, `1g`) and as reasons write them back.

use crate::model::input::invalid;
use crate::model::input::InputResult;

/// docker-py's `parse_bytes`: `64m`, `1g`, `512k`, `100b`, plain numbers.
pub(super) fn parse_bytes(text: &str) -> InputResult<u64> {
    let t = text.trim().to_ascii_lowercase();
    let t = t
        .strip_suffix('b')
        .filter(|r| !r.is_empty() && r.ends_with(|c: char| c.is_ascii_alphabetic()))
        .unwrap_or(&t);
    let (num, factor) = match t.chars().last() {
        Some('k') => (&t[..t.len() - 1], 1u64 << 10),
        Some('m') => (&t[..t.len() - 1], 1 << 20),
        Some('g') => (&t[..t.len() - 1], 1 << 30),
        Some('t') => (&t[..t.len() - 1], 1 << 40),
        Some('b') => (&t[..t.len() - 1], 1),
        _ => (t, 1),
    };
    let num = num.trim();
    let whole = num.parse::<u64>().ok().and_then(|n| n.checked_mul(factor));
    // A fraction of a unit (`1.5g`), as Compose reads sizes: whole bytes, rounded down.
    let fraction = || {
        num.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0 && num.contains('.'))
            .map(|f| f * factor as f64)
            .filter(|b| *b < u64::MAX as f64)
            .map(|b| b as u64)
    };
    whole
        .or_else(fraction)
        .ok_or_else(|| invalid!("invalid size `{text}`: expected e.g. \"512m\", \"1g\" or \"1.5g\""))
}

/// Bytes in the largest unit that divides them (`64m`), else with one decimal (`1.5g`).
pub(crate) fn bytes_text(n: i64) -> String {
    for (unit, size) in [("g", 1i64 << 30), ("m", 1 << 20), ("k", 1 << 10)] {
        if n >= size {
            return if n % size == 0 {
                format!("{}{unit}", n / size)
            } else {
                format!("{:.1}{unit}", n as f64 / size as f64)
            };
        }
    }
    format!("{n}b")
}

#[cfg(test)]
mod tests {
    use super::parse_bytes;

    #[test]
    fn sizes_as_docker_py_and_compose_read_them() {
        for (text, want) in [
            ("64m", Some(64 << 20)),
            ("1g", Some(1 << 30)),
            ("1.5G", Some(3 << 29)),
            ("512kb", Some(512 << 10)),
            ("100", Some(100)),
            ("0.5k", Some(512)),
            ("1.5", Some(1)),
            ("-1m", None),
            ("lots", None),
        ] {
            assert_eq!(parse_bytes(text).ok(), want, "{text}");
        }
    }
}
