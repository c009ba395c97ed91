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
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .ok_or_else(|| invalid!("invalid size `{text}`: expected e.g. \"512m\" or \"1g\""))
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
