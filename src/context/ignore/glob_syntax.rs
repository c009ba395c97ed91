//! The syntax errors Go's `filepath.Match` finds in a pattern, which `patternmatcher.New` reports
//! before anything is compiled.

const TRAILING_BACKSLASH: &str = "`\\` at the end escapes nothing";

/// The syntax check `patternmatcher.New` gets from Go's `filepath.Match(pattern, ".")`, which
/// reads the whole pattern: `\` must escape something; a `[` class (optionally `^`-negated; `!`
/// is no negation in Go) must hold at least one character or range, closed by `]`; a range's ends
/// may be escaped but not be a bare `-` or `]`.
pub(super) fn check_glob_syntax(pattern: &str) -> Result<(), String> {
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next().ok_or_else(|| TRAILING_BACKSLASH.to_string())?;
            }
            '[' => {
                chars.next_if_eq(&'^');
                let mut members = 0;
                loop {
                    if members > 0 && chars.next_if_eq(&']').is_some() {
                        break;
                    }
                    glob_class_char(&mut chars)?;
                    if chars.next_if_eq(&'-').is_some() {
                        glob_class_char(&mut chars)?;
                    }
                    members += 1;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Go's `getEsc`: one end of a class range, which must be followed by more of the pattern.
fn glob_class_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<(), String> {
    match chars.next() {
        None => return Err("`[` is never closed".into()),
        Some('-' | ']') => return Err("a bare `-` or `]` cannot be a character class member here".into()),
        Some('\\') => {
            chars.next().ok_or_else(|| TRAILING_BACKSLASH.to_string())?;
        }
        Some(_) => {}
    }
    match chars.peek() {
        None => Err("`[` is never closed".into()),
        Some(_) => Ok(()),
    }
}
