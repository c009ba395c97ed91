//! Why a `.dockerignore` pattern is refused: Go's `filepath.Match` syntax check, then the Go
//! regular expression the pattern compiles to, read as Go's `regexp` reads it.

/// A pattern's syntax error, worded as Go words it (`ignore::PatternError` adds the pattern and
/// where it is).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PatternSyntaxError {
    // The glob syntax (`filepath.Match`).
    #[error("`\\` at the end escapes nothing")]
    TrailingBackslash,
    #[error("`[` is never closed")]
    UnclosedClass,
    #[error("a bare `-` or `]` cannot be a character class member here")]
    BareClassMember,

    // The regular expression (`regexp`).
    /// Syntax Go accepts that the translation does not carry over; `rest` is the text from it on.
    #[error("{what} is not supported: `{rest}`")]
    Unsupported { what: &'static str, rest: String },
    #[error("unexpected )")]
    UnexpectedParen,
    #[error("missing closing )")]
    MissingParen,
    #[error("missing argument to repetition operator `{op}`")]
    MissingRepetitionArgument { op: char },
    #[error("invalid nested repetition operator `{op}`")]
    NestedRepetition { op: char },
    #[error("trailing backslash at end of expression")]
    TrailingBackslashInExpression,
    #[error("invalid escape sequence `{sequence}`")]
    InvalidEscape { sequence: String },
    #[error("invalid character class range `{range}`")]
    InvalidClassRange { range: String },
    #[error("invalid or unsupported Unicode class `{sequence}`")]
    UnicodeClass { sequence: String },
    #[error("missing closing ] in `{class}`")]
    MissingBracket { class: String },
}
