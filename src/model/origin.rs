//! Where a model item came from: a recipe position or a YAML key path.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

/// The source of a model item. Recipes give a line and column; YAML files give a key path and,
/// where the parser knows it, a line.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Origin {
    /// The file as the user named it (or `<repl>`, `<inline>`); empty when unknown.
    pub file: Arc<str>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// For YAML: the dotted key path, e.g. `web.binds`.
    pub key_path: Option<String>,
}

impl Origin {
    pub(crate) fn new(file: impl Into<Arc<str>>) -> Self {
        Origin {
            file: file.into(),
            ..Origin::default()
        }
    }

    pub(crate) fn at(file: impl Into<Arc<str>>, line: usize, column: usize) -> Self {
        Origin {
            file: file.into(),
            line: Some(line),
            column: Some(column),
            key_path: None,
        }
    }

    pub(crate) fn is_known(&self) -> bool {
        !self.file.is_empty() || self.line.is_some()
    }

    /// The directory relative paths written in this file are resolved against.
    pub(crate) fn base_dir(&self) -> PathBuf {
        if self.file.is_empty() || self.file.starts_with('<') {
            return PathBuf::from(".");
        }
        match Path::new(&*self.file).parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// Same file, with a key path below this one (YAML).
    pub(crate) fn with_key(&self, key_path: String, line: Option<usize>) -> Self {
        Origin {
            file: self.file.clone(),
            line,
            column: None,
            key_path: Some(key_path),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file: &str = if self.file.is_empty() {
            "<unknown>"
        } else {
            &self.file
        };
        match (&self.key_path, self.line, self.column) {
            (Some(key), Some(line), _) => write!(f, "{file}: {key} (line {line})"),
            (Some(key), None, _) => write!(f, "{file}: {key}"),
            (None, Some(line), Some(col)) => write!(f, "{file}:{line}:{col}"),
            (None, Some(line), None) => write!(f, "{file}:{line}"),
            (None, None, _) => write!(f, "{file}"),
        }
    }
}

impl Serialize for Origin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
