//! The limits that stop a runaway recipe with a clear error, and how the environment sets them.

use std::time::Duration;

/// The variable that sets the operation limit.
pub(crate) const MAX_OPERATIONS_VAR: &str = "DMAP_MAX_OPERATIONS";
/// The variable that sets the wall-clock limit, in seconds.
pub(crate) const EVAL_TIMEOUT_VAR: &str = "DMAP_EVAL_TIMEOUT";
/// The variable that sets the memory limit, in MiB.
pub(crate) const MAX_MEMORY_VAR: &str = "DMAP_MAX_MEMORY";
/// What the progress callback stops an evaluation with when its time is up (Ctrl-C stops it
/// with `()`).
pub(crate) const TIMED_OUT: &str = "dmap: wall-clock limit";

/// What the progress callback stops an evaluation with when the process holds more heap than
/// the memory limit: the limit, in MiB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OverMemory(pub u64);

/// How many times the memory limit the heap may reach at all: allocations past that fail and
/// end the process. The limit is looked at between two operations, and one operation may
/// allocate a multiple of what the recipe holds (`s += s` holds the old string and the new one
/// of twice its size at once): the ceiling stops one operation that would take the machine
/// (`blob(100_000_000_000)`), well above what a recipe growing step by step reaches before it
/// is stopped with an error.
pub(crate) const CEILING_FACTOR: u64 = 4;

#[derive(Clone, Debug)]
pub(crate) struct Limits {
    pub max_operations: u64,
    pub max_call_levels: usize,
    pub max_modules: usize,
    /// The heap the process may hold while a recipe runs, in MiB. Rhai's own limits on the size
    /// of strings, arrays and maps are not used: with any of them set, Rhai measures the whole
    /// value after every call that changes it, which makes `a.push(x)` in a loop quadratic.
    pub max_memory_mib: u64,
    /// How long evaluating one text may take while the session only records (`check`, `show`,
    /// what `up` and `plan` load): no Engine is waited for then.
    pub eval_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_operations: 10_000_000,
            max_call_levels: 64,
            max_modules: 512,
            max_memory_mib: 2048,
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
    /// The defaults, with what `DMAP_MAX_OPERATIONS`, `DMAP_EVAL_TIMEOUT` and `DMAP_MAX_MEMORY`
    /// set (read through `var`). An empty variable is unset.
    pub(crate) fn from_env(var: &dyn Fn(&str) -> Option<String>) -> Result<Limits, LimitsError> {
        let mut limits = Limits::default();
        if let Some(ops) = positive(var, MAX_OPERATIONS_VAR, "operations")? {
            limits.max_operations = ops;
        }
        if let Some(seconds) = positive(var, EVAL_TIMEOUT_VAR, "seconds")? {
            limits.eval_timeout = Duration::from_secs(seconds);
        }
        if let Some(mib) = positive(var, MAX_MEMORY_VAR, "MiB")? {
            limits.max_memory_mib = mib;
        }
        Ok(limits)
    }

    /// The memory limit in bytes.
    pub(crate) fn max_memory_bytes(&self) -> usize {
        usize::try_from(self.max_memory_mib.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
    }

    /// The heap's ceiling in bytes: `CEILING_FACTOR` times the memory limit.
    pub(crate) fn heap_ceiling_bytes(&self) -> usize {
        self.max_memory_bytes()
            .saturating_mul(usize::try_from(CEILING_FACTOR).unwrap_or(usize::MAX))
    }
}

/// A whole number above 0: Rhai reads an operation limit of 0 as none, and a time or a memory
/// limit of 0 would stop every recipe.
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
        let read = |ops: Option<&str>, timeout: Option<&str>, memory: Option<&str>| {
            let owned = |v: Option<&str>| v.map(str::to_string);
            let (ops, timeout, memory) = (owned(ops), owned(timeout), owned(memory));
            Limits::from_env(&move |name| match name {
                MAX_OPERATIONS_VAR => ops.clone(),
                EVAL_TIMEOUT_VAR => timeout.clone(),
                MAX_MEMORY_VAR => memory.clone(),
                _ => None,
            })
            .map(|l| (l.max_operations, l.eval_timeout.as_secs(), l.max_memory_mib))
            .map_err(|e| e.to_string())
        };
        // the three variables, and the operations, seconds and MiB they set, or the error
        type Case = (
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
            Result<(u64, u64, u64), &'static str>,
        );
        let cases: &[Case] = &[
            (None, None, None, Ok((10_000_000, 60, 2048))),
            (Some(""), Some(""), Some(""), Ok((10_000_000, 60, 2048))),
            (Some("500"), Some("5"), Some("64"), Ok((500, 5, 64))),
            (
                Some("1_000_000"),
                None,
                Some(" 4_096 "),
                Ok((1_000_000, 60, 4096)),
            ),
            (
                Some("0"),
                None,
                None,
                Err("`DMAP_MAX_OPERATIONS` must be a whole number above 0 (operations), found `0`"),
            ),
            (
                Some("lots"),
                None,
                None,
                Err("`DMAP_MAX_OPERATIONS` must be a whole number above 0 (operations), found `lots`"),
            ),
            (
                Some("-5"),
                None,
                None,
                Err("`DMAP_MAX_OPERATIONS` must be a whole number above 0 (operations), found `-5`"),
            ),
            (
                None,
                Some("1.5"),
                None,
                Err("`DMAP_EVAL_TIMEOUT` must be a whole number above 0 (seconds), found `1.5`"),
            ),
            (
                None,
                Some("0"),
                None,
                Err("`DMAP_EVAL_TIMEOUT` must be a whole number above 0 (seconds), found `0`"),
            ),
            (
                None,
                None,
                Some("0"),
                Err("`DMAP_MAX_MEMORY` must be a whole number above 0 (MiB), found `0`"),
            ),
            (
                None,
                None,
                Some("2G"),
                Err("`DMAP_MAX_MEMORY` must be a whole number above 0 (MiB), found `2G`"),
            ),
        ];
        for (ops, timeout, memory, want) in cases {
            assert_eq!(
                read(*ops, *timeout, *memory),
                want.map_err(str::to_string),
                "{ops:?} {timeout:?} {memory:?}"
            );
        }
    }

    #[test]
    fn the_memory_limit_and_the_ceiling_are_counted_in_bytes_without_overflow() {
        for (mib, bytes, ceiling) in [
            (1, 1 << 20, 4 << 20),
            (2048, 2048 << 20, 8192 << 20),
            (u64::MAX, usize::MAX, usize::MAX),
        ] {
            let limits = Limits {
                max_memory_mib: mib,
                ..Limits::default()
            };
            assert_eq!(limits.max_memory_bytes(), bytes, "{mib}");
            assert_eq!(limits.heap_ceiling_bytes(), ceiling, "{mib}");
        }
    }
}
