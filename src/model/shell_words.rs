//! Command strings split into words as a POSIX shell would.

/// Why a command string is not a list of words.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub(crate) enum WordsError {
    #[error("unterminated {quote} quote in `{text}`")]
    Unterminated { quote: Quote, text: String },
    #[error("trailing backslash in `{text}`")]
    TrailingBackslash { text: String },
}

/// Which quote was left open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Quote {
    Single,
    Double,
}

impl std::fmt::Display for Quote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Quote::Single => "single",
            Quote::Double => "double",
        })
    }
}

/// Splits a command string like a POSIX shell: whitespace separates words; single quotes keep
/// everything literal; double quotes keep all but `\` before `$`, `` ` ``, `"`, `\` and newline;
/// a backslash outside quotes escapes the next character. (docker-map split on spaces.)
pub(crate) fn split_words(text: &str) -> Result<Vec<String>, WordsError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                continue;
            }
            '\'' => loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(c) => word.push(c),
                    None => return Err(unterminated(Quote::Single, text)),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some('\n') => {}
                        Some(c @ ('$' | '`' | '"' | '\\')) => word.push(c),
                        Some(c) => word.extend(['\\', c]),
                        None => return Err(unterminated(Quote::Double, text)),
                    },
                    Some(c) => word.push(c),
                    None => return Err(unterminated(Quote::Double, text)),
                }
            },
            '\\' => match chars.next() {
                Some('\n') => continue,
                Some(c) => word.push(c),
                None => {
                    return Err(WordsError::TrailingBackslash {
                        text: text.to_string(),
                    })
                }
            },
            c => word.push(c),
        }
        in_word = true;
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

fn unterminated(quote: Quote, text: &str) -> WordsError {
    WordsError::Unterminated {
        quote,
        text: text.to_string(),
    }
}
