//! The limits that stop a runaway recipe with a clear error, and how the environment sets them.

use std::time::Duration;

/// The variable that sets the operation limit.
pub(crate) const MAX_OPERATIONS_VAR: &str = "DMAP_MAX_OPERATIONS";
/// The variable that sets the wall-clock limit, in seconds.
pub(crate) const EVAL_TIMEOUT_VAR: &str = "DMAP_EVAL_TIMEOUT";
/// What the progress callback stops an evaluation with when its time is up (Ctrl-C stops it
/// with `()`).
pub(crate) const TIMED_OUT: &str = "dmap: wall-clock limit";

#[derive(Clone, Debug)]
pub(crate) struct Limits {
    pub max_operations: u64,
    pub max_call_levels: usize,
    /// Bytes of one string.
    pub max_string_size: usize,
    /// Items of one array or map, nested ones counted.
    pub max_collection_size: usize,
    pub max_modules: usize,
    /// How long evaluating one text may take while the session only records (`check`, `show`,
    /// what `up` and `plan` load): no Engine is waited for then.
    pub eval_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_operations: 10_000_000,
            max_call_levels: 64,
            max_string_size: 16 << 20,
            max_collection_size: 1_000_000,
            max_modules: 512,
            eval_timeout: Duration::from_secs(60),
        }
    }
}

/// A limit the environment sets to something that is no limit.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{name}` must be a whole number above 0 ({what}), found `{value}`")]
pub(crate) struct LimitsError {
    name: &'static str,
    what: &'static str,
    value: String,
}

impl Limits {
    /// The defaults, with what `DMAP_MAX_OPERATIONS` and `DMAP_EVAL_TIMEOUT` set (read through
    /// `var`). An empty variable is unset.
    pub(crate) fn from_env(var: &dyn Fn(&str) -> Option<String>) -> Result<Limits, LimitsError> {
        let mut limits = Limits::default();
        if let Some(ops) = positive(var, MAX_OPERATIONS_VAR, "operations")? {
            limits.max_operations = ops;
        }
        if let Some(seconds) = positive(var, EVAL_TIMEOUT_VAR, "seconds")? {
            limits.eval_timeout = Duration::from_secs(seconds);
        }
        Ok(limits)
    }
}

/// A whole number above 0: Rhai reads an operation limit of 0 as none, and a time of 0 would
/// stop every recipe.
fn positive(
    var: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
    what: &'static str,
) -> Result<Option<u64>, LimitsError> {
    let Some(value) = var(name).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    match value.trim().replace('_', "").parse::<u64>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(LimitsError { name, what, value }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_sets_positive_limits() {
        let read = |ops: Option<&str>, timeout: Option<&str>| {
            let (ops, timeout) = (ops.map(str::to_string), timeout.map(str::to_string));
            Limits::from_env(&move |name| match name {
                MAX_OPERATIONS_VAR => ops.clone(),
                EVAL_TIMEOUT_VAR => timeout.clone(),
                _ => None,
            })
            .map(|l| (l.max_operations, l.eval_timeout.as_secs()))
            .map_err(|e| e.to_string())
        };
        // the two variables, and the operations and seconds they set, or the error
        type Case = (
            Option<&'static str>,
            Option<&'static str>,
            Result<(u64, u64), &'static str>,
        );
        let cases: &[Case] = &[
            (None, None, Ok((10_000_000, 60))),
            (Some(""), Some(""), Ok((10_000_000, 60))),
            (Some("500"), Some("5"), Ok((500, 5))),
            (Some("1_000_000"), None, Ok((1_000_000, 60))),
            (
                Some("0"),
                None,
                Err("`DMAP_MAX_OPERATIONS` must be a whole number above 0 (operations), found `0`"),
            ),
            (
                Some("lots"),
                None,
                Err("`DMAP_MAX_OPERATIONS` must be a whole number above 0 (operations), found `lots`"),
            ),
            (
                Some("-5"),
                None,
                Err("`DMAP_MAX_OPERATIONS` must be a whole number above 0 (operations), found `-5`"),
            ),
            (
                None,
                Some("1.5"),
                Err("`DMAP_EVAL_TIMEOUT` must be a whole number above 0 (seconds), found `1.5`"),
            ),
            (
                None,
                Some("0"),
                Err("`DMAP_EVAL_TIMEOUT` must be a whole number above 0 (seconds), found `0`"),
            ),
        ];
        for (ops, timeout, want) in cases {
            assert_eq!(
                read(*ops, *timeout),
                want.map_err(str::to_string),
                "{ops:?} {timeout:?}"
            );
        }
    }
}
