//! Errors from loading a YAML map file. Each names the file and, where known, the key path and line.

use crate::model::Origin;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum YamlError {
    /// The parser rejected the text; the origin has the line and column where it gave up.
    #[error("{message}")]
    Syntax { origin: Origin, message: String },
    #[error("`{}` does not contain a mapping at its top level (found {found})", .origin.file)]
    NotMapping { origin: Origin, found: &'static str },
    /// The origin's key path ends with the key; its line is that of the repeated key.
    #[error("duplicate key `{key}`")]
    DuplicateKey { origin: Origin, key: String },
    /// The origin's line is that of the second document's start.
    #[error("a map file holds one YAML document: a second one starts here")]
    SecondDocument { origin: Origin },
    #[error("key must be a scalar, found {found} (complex keys such as `? [a, b]` are not supported)")]
    BadKey { origin: Origin, found: &'static str },
    #[error("unknown tag `{tag}`")]
    UnknownTag { origin: Origin, tag: String },
    #[error("environment variable `{name}` is not set")]
    UnsetVariable { origin: Origin, name: String },
    #[error("`!env` expects a variable name, found {found}")]
    EnvNotScalar { origin: Origin, found: &'static str },
    #[error("integer `{text}` is out of range")]
    IntOutOfRange { origin: Origin, text: String },
    #[error("`<<` must merge a mapping or a list of mappings, found {found}")]
    BadMerge { origin: Origin, found: &'static str },
}

impl YamlError {
    pub(crate) fn origin(&self) -> Origin {
        match self {
            YamlError::Syntax { origin, .. }
            | YamlError::NotMapping { origin, .. }
            | YamlError::SecondDocument { origin }
            | YamlError::DuplicateKey { origin, .. }
            | YamlError::BadKey { origin, .. }
            | YamlError::UnknownTag { origin, .. }
            | YamlError::UnsetVariable { origin, .. }
            | YamlError::EnvNotScalar { origin, .. }
            | YamlError::IntOutOfRange { origin, .. }
            | YamlError::BadMerge { origin, .. } => origin.clone(),
        }
    }

    pub(super) fn syntax(file: &str, error: &serde_yaml::Error) -> Self {
        let message = error.to_string();
        match error.location() {
            Some(at) => {
                // The message repeats the location the origin already gives; say it once.
                let repeated = format!(" at line {} column {}", at.line(), at.column());
                YamlError::Syntax {
                    origin: Origin::at(file, at.line(), at.column()),
                    message: message.replacen(&repeated, "", 1),
                }
            }
            None => YamlError::Syntax {
                origin: Origin::new(file),
                message,
            },
        }
    }
}
