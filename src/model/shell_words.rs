//! Command strings split into words as a POSIX shell would.

/// Splits a command string like a POSIX shell: whitespace separates words; single quotes keep
/// everything literal; double quotes keep all but `\` before `$`, `` ` ``, `"`, `\` and newline;
/// a backslash outside quotes escapes the next character. (docker-map split on spaces.)
pub fn split_words(text: &str) -> Result<Vec<String>, String> {
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
                    None => return Err(format!("unterminated single quote in `{text}`")),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some('\n') => {}
                        Some(c @ ('$' | '`' | '"' | '\\')) => word.push(c),
                        Some(c) => word.extend(['\\', c]),
                        None => return Err(format!("unterminated double quote in `{text}`")),
                    },
                    Some(c) => word.push(c),
                    None => return Err(format!("unterminated double quote in `{text}`")),
                }
            },
            '\\' => match chars.next() {
                Some('\n') => continue,
                Some(c) => word.push(c),
                None => return Err(format!("trailing backslash in `{text}`")),
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
