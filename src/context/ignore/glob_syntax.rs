//! The syntax errors Go's `filepath.Match` finds in a pattern, which `patternmatcher.New` reports
//! before anything is compiled.

use crate::context::pattern_syntax::PatternSyntaxError;

/// The syntax check `patternmatcher.New` gets from Go's `filepath.Match(pattern, ".")`, which
/// reads the whole pattern: `\` must escape something; a `[` class (optionally `^`-negated; `!`
/// is no negation in Go) must hold at least one character or range, closed by `]`; a range's ends
/// may be escaped but not be a bare `-` or `]`.
pub(super) fn check_glob_syntax(pattern: &str) -> Result<(), PatternSyntaxError> {
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next().ok_or(PatternSyntaxError::TrailingBackslash)?;
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
fn glob_class_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<(), PatternSyntaxError> {
    match chars.next() {
        None => return Err(PatternSyntaxError::UnclosedClass),
        Some('-' | ']') => return Err(PatternSyntaxError::BareClassMember),
        Some('\\') => {
            chars.next().ok_or(PatternSyntaxError::TrailingBackslash)?;
        }
        Some(_) => {}
    }
    match chars.peek() {
        None => Err(PatternSyntaxError::UnclosedClass),
        Some(_) => Ok(()),
    }
}
