//! One thing wrong with a map, and where it came from.

use std::fmt;

use serde::Serialize;

use super::origin::Origin;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Problem {
    pub message: String,
    pub origin: Origin,
}

impl Problem {
    pub(crate) fn new(message: impl fmt::Display, origin: Origin) -> Self {
        Problem {
            message: message.to_string(),
            origin,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.origin.is_known() {
            write!(f, "{} ({})", self.message, self.origin)
        } else {
            write!(f, "{}", self.message)
        }
    }
}

/// Adds a problem unless the same one (message and origin) is already there: a check reports each
/// problem once, however many items lead to it.
pub(crate) fn add(problems: &mut Vec<Problem>, message: String, origin: &Origin) {
    let p = Problem::new(message, origin.clone());
    if !problems.contains(&p) {
        problems.push(p);
    }
}
