//! Go's `regexp/syntax` read and written again in the `regex` crate's syntax: the regular
//! expression text Docker's `.dockerignore` patterns compile to means what Go makes of it
//! (`\b` a word boundary, `[[:alpha:]]` a POSIX class, `[*]` a broken class), and the same
//! language is written for the `regex` crate.

use super::pattern_syntax::PatternSyntaxError;
use std::fmt::Write as _;

/// Go's POSIX classes (`[[:alpha:]]`); the `regex` crate knows the same names with the same
/// (ASCII) members.
const POSIX_CLASSES: [&str; 14] = [
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space",
    "upper", "word", "xdigit",
];

/// A member of a character class, kept in a form both syntaxes can say.
enum ClassItem {
    Range(char, char),
    /// `[:name:]` or `[:^name:]`.
    Posix(&'static str, bool),
    /// `\d`, `\s` or `\w` (ASCII in Go), negated for `\D`, `\S`, `\W`.
    Perl(char, bool),
    /// `\pX` or `\PX` for a one-letter general category.
    Unicode(char, bool),
}

impl ClassItem {
    /// Writes the item as a member of a `regex` class (`[...]`).
    fn write(&self, out: &mut String) {
        match *self {
            ClassItem::Range(lo, hi) if lo == hi => push_hex(out, lo),
            ClassItem::Range(lo, hi) => {
                push_hex(out, lo);
                out.push('-');
                push_hex(out, hi);
            }
            ClassItem::Posix(name, negated) => {
                let _ = write!(out, "[:{}{name}:]", if negated { "^" } else { "" });
            }
            ClassItem::Perl(kind, negated) => {
                let members = match kind {
                    'd' => "0-9",
                    // Go's `\s` has no `\v`.
                    's' => r"\t\n\x0C\r\x20",
                    _ => "0-9A-Za-z_",
                };
                let _ = write!(out, "[{}{members}]", if negated { "^" } else { "" });
            }
            // Go's `C` is Cc, Cf, Co and Cs (no Cn); surrogates cannot occur in a `str`.
            ClassItem::Unicode('C', negated) => {
                let _ = write!(
                    out,
                    r"[{}\p{{Cc}}\p{{Cf}}\p{{Co}}]",
                    if negated { "^" } else { "" }
                );
            }
            ClassItem::Unicode(category, negated) => {
                let _ = write!(out, r"\{}{{{category}}}", if negated { 'P' } else { 'p' });
            }
        }
    }
}

/// Writes `c` as a literal `regex` character: letters, digits, `_` and `/` as they are, anything
/// else as `\x{...}`, which no syntax can misread.
fn push_hex(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || c == '_' || c == '/' {
        out.push(c);
    } else {
        let _ = write!(out, "\\x{{{:X}}}", c as u32);
    }
}

/// Reads a Go regular expression (the language Docker's compiler writes, with Go's `Perl` flags:
/// `^`/`$` at the text's ends only, `.` not matching `\n`) and writes the same language in the
/// `regex` crate's syntax, following `regexp/syntax`'s `parse`, `parseClass` and `parseEscape`.
///
/// Everything Docker's output can hold is read: literals, `^`, `$`, `.`, `(`, `)`, `|`, `*`, `+`,
/// `?` (and lazy `*?`), classes with ranges, escapes, POSIX, Perl and one-letter Unicode classes;
/// the escapes `\A`, `\z`, `\b`, `\B` (ASCII word boundaries, as in Go), `\Q...\E`, `\d`..`\W`,
/// `\pL`, octal `\0`..`\777`, `\x41`, `\x{41}`, `\a`, `\f`, `\n`, `\r`, `\t`, `\v` and escaped
/// punctuation; with Go's errors for the rest (`\1`, `\q`, `\C`, reversed ranges, unknown classes,
/// an unclosed `[`). Docker escapes every `{` and never writes `(?`, so counted repetition, flags
/// and named groups are refused, as are Unicode classes with names longer than a letter (Docker's
/// `\p{Greek}` is `\p\{Greek\}`, which Go rejects anyway).
pub(super) struct GoRegex<'a> {
    chars: &'a [char],
    pos: usize,
    out: String,
}

/// What came last, for Go's checks on repetition operators.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Last {
    /// The start, `(` or `|`: a repetition operator here has nothing to repeat.
    Nothing,
    Atom,
    /// A repetition operator: another one right after it is an error in Go's Perl mode.
    Repeat,
}

impl GoRegex<'_> {
    pub(super) fn translate(go: &str) -> Result<String, PatternSyntaxError> {
        let chars: Vec<char> = go.chars().collect();
        let mut reader = GoRegex {
            chars: &chars,
            pos: 0,
            out: String::with_capacity(go.len() * 2),
        };
        reader.expression()?;
        Ok(reader.out)
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn rest(&self) -> String {
        self.chars[self.pos.min(self.chars.len())..].iter().collect()
    }

    fn expression(&mut self) -> Result<(), PatternSyntaxError> {
        let mut last = Last::Nothing;
        let mut depth = 0usize;
        while let Some(c) = self.peek(0) {
            last = match c {
                '(' => {
                    if self.peek(1) == Some('?') {
                        return Err(PatternSyntaxError::Unsupported {
                            what: "`(?` (flags or named groups)",
                            rest: self.rest(),
                        });
                    }
                    self.pos += 1;
                    depth += 1;
                    self.out.push_str("(?:");
                    Last::Nothing
                }
                ')' => {
                    if depth == 0 {
                        return Err(PatternSyntaxError::UnexpectedParen);
                    }
                    self.pos += 1;
                    depth -= 1;
                    self.out.push(')');
                    Last::Atom
                }
                '|' => {
                    self.pos += 1;
                    self.out.push('|');
                    Last::Nothing
                }
                '*' | '+' | '?' => {
                    match last {
                        Last::Nothing => return Err(PatternSyntaxError::MissingRepetitionArgument { op: c }),
                        Last::Repeat => return Err(PatternSyntaxError::NestedRepetition { op: c }),
                        Last::Atom => {}
                    }
                    self.pos += 1;
                    self.out.push(c);
                    if self.peek(0) == Some('?') {
                        self.pos += 1;
                        self.out.push('?');
                    }
                    Last::Repeat
                }
                '{' => {
                    return Err(PatternSyntaxError::Unsupported {
                        what: "a bare `{` (counted repetition)",
                        rest: self.rest(),
                    })
                }
                '^' => self.emit(1, r"\A"),
                '$' => self.emit(1, r"\z"),
                '.' => self.emit(1, r"[^\n]"),
                '[' => {
                    self.class()?;
                    Last::Atom
                }
                '\\' => self.escape()?,
                c => {
                    self.pos += 1;
                    push_hex(&mut self.out, c);
                    Last::Atom
                }
            };
        }
        if depth > 0 {
            return Err(PatternSyntaxError::MissingParen);
        }
        Ok(())
    }

    fn emit(&mut self, consumed: usize, text: &str) -> Last {
        self.pos += consumed;
        self.out.push_str(text);
        Last::Atom
    }

    /// A `\` outside a class.
    fn escape(&mut self) -> Result<Last, PatternSyntaxError> {
        match self.peek(1) {
            Some('A') => Ok(self.emit(2, r"\A")),
            Some('z') => Ok(self.emit(2, r"\z")),
            Some('b') => Ok(self.emit(2, r"(?-u:\b)")),
            Some('B') => Ok(self.emit(2, r"(?-u:\B)")),
            Some('C') => Err(PatternSyntaxError::InvalidEscape {
                sequence: r"\C".to_string(),
            }),
            Some('Q') => {
                // Literal up to `\E` or the end (Go's `strings.Cut`).
                self.pos += 2;
                while let Some(c) = self.peek(0) {
                    self.pos += 1;
                    if c == '\\' && self.peek(0) == Some('E') {
                        self.pos += 1;
                        break;
                    }
                    push_hex(&mut self.out, c);
                }
                Ok(Last::Atom)
            }
            _ => {
                let item = match self.class_escape()? {
                    Some(item) => item,
                    None => {
                        let c = self.escaped_char()?;
                        ClassItem::Range(c, c)
                    }
                };
                if let ClassItem::Range(c, _) = item {
                    push_hex(&mut self.out, c);
                } else {
                    self.out.push('[');
                    item.write(&mut self.out);
                    self.out.push(']');
                }
                Ok(Last::Atom)
            }
        }
    }

    /// `\pX`, `\PX` (Go's `parseUnicodeClass`) or `\d`..`\W` (`parsePerlClassEscape`) at the cursor.
    fn class_escape(&mut self) -> Result<Option<ClassItem>, PatternSyntaxError> {
        if self.peek(0) != Some('\\') {
            return Ok(None);
        }
        match self.peek(1) {
            Some(p @ ('p' | 'P')) => {
                let start = self.pos;
                let mut negated = p == 'P';
                let mut name = String::new();
                match self.peek(2) {
                    Some('{') => {
                        let close = self.chars[self.pos..].iter().position(|&c| c == '}');
                        let Some(close) = close else {
                            return Err(PatternSyntaxError::InvalidClassRange { range: self.rest() });
                        };
                        name.extend(&self.chars[self.pos + 3..self.pos + close]);
                        self.pos += close + 1;
                    }
                    Some(c) => {
                        name.push(c);
                        self.pos += 3;
                    }
                    None => self.pos += 2,
                }
                if let Some(rest) = name.strip_prefix('^') {
                    negated = !negated;
                    name = rest.to_string();
                }
                match name.as_str() {
                    "C" | "L" | "M" | "N" | "P" | "S" | "Z" => Ok(name
                        .chars()
                        .next()
                        .map(|category| ClassItem::Unicode(category, negated))),
                    _ => {
                        let seq: String = self.chars[start..self.pos].iter().collect();
                        Err(PatternSyntaxError::UnicodeClass { sequence: seq })
                    }
                }
            }
            Some(kind @ ('d' | 's' | 'w' | 'D' | 'S' | 'W')) => {
                self.pos += 2;
                Ok(Some(ClassItem::Perl(
                    kind.to_ascii_lowercase(),
                    kind.is_ascii_uppercase(),
                )))
            }
            _ => Ok(None),
        }
    }

    /// Go's `parseEscape`: the character a `\` sequence at the cursor stands for.
    fn escaped_char(&mut self) -> Result<char, PatternSyntaxError> {
        let start = self.pos;
        let Some(c) = self.peek(1) else {
            return Err(PatternSyntaxError::TrailingBackslashInExpression);
        };
        self.pos += 2;
        let octal = |c: Option<char>| c.and_then(|c| c.to_digit(8));
        let invalid = |reader: &Self| {
            let seq: String = reader.chars[start..reader.pos.min(reader.chars.len())]
                .iter()
                .collect();
            PatternSyntaxError::InvalidEscape { sequence: seq }
        };
        let value = match c {
            c if c.is_ascii() && !c.is_ascii_alphanumeric() => return Ok(c),
            '1'..='7' if octal(self.peek(0)).is_none() => return Err(invalid(self)),
            '0'..='7' => {
                let mut value = c.to_digit(8).unwrap_or_default();
                for _ in 0..2 {
                    match octal(self.peek(0)) {
                        Some(digit) => {
                            value = value * 8 + digit;
                            self.pos += 1;
                        }
                        None => break,
                    }
                }
                value
            }
            'x' => {
                let hex = |c: Option<char>| c.and_then(|c| c.to_digit(16));
                if self.peek(0) == Some('{') {
                    self.pos += 1;
                    let mut value = 0u32;
                    let mut digits = 0;
                    loop {
                        let c = self.peek(0);
                        self.pos += 1;
                        match (c, hex(c)) {
                            (Some('}'), _) if digits > 0 => break,
                            (_, Some(digit)) if value <= 0x10FFFF => {
                                value = value * 16 + digit;
                                digits += 1;
                            }
                            _ => return Err(invalid(self)),
                        }
                    }
                    value
                } else {
                    let (high, low) = (hex(self.peek(0)), hex(self.peek(1)));
                    self.pos += 2;
                    match (high, low) {
                        (Some(high), Some(low)) => high * 16 + low,
                        _ => return Err(invalid(self)),
                    }
                }
            }
            'a' => 0x07,
            'f' => 0x0C,
            'n' => 0x0A,
            'r' => 0x0D,
            't' => 0x09,
            'v' => 0x0B,
            _ => return Err(invalid(self)),
        };
        char::from_u32(value).ok_or_else(|| invalid(self))
    }

    /// Go's `parseClassChar`.
    fn class_char(&mut self, class_start: usize) -> Result<char, PatternSyntaxError> {
        match self.peek(0) {
            None => {
                let class: String = self.chars[class_start..].iter().collect();
                Err(PatternSyntaxError::MissingBracket { class })
            }
            Some('\\') => self.escaped_char(),
            Some(c) => {
                self.pos += 1;
                Ok(c)
            }
        }
    }

    /// Go's `parseClass`, at a `[`: `^` negates; a `]` right after `[` or `[^` is a member; `-`
    /// makes a range unless it comes last.
    fn class(&mut self) -> Result<(), PatternSyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let negated = self.peek(0) == Some('^');
        if negated {
            self.pos += 1;
        }
        let mut items = Vec::new();
        let mut first = true;
        loop {
            if self.peek(0) == Some(']') && !first {
                self.pos += 1;
                break;
            }
            first = false;
            if self.peek(0) == Some('[') && self.peek(1) == Some(':') && self.peek(2).is_some() {
                let tail = &self.chars[self.pos + 2..];
                if let Some(end) = tail.windows(2).position(|w| w == [':', ']']) {
                    let name: String = self.chars[self.pos..self.pos + 2 + end + 2].iter().collect();
                    let inner = &name[2..name.len() - 2];
                    let (negated, bare) = match inner.strip_prefix('^') {
                        Some(bare) => (true, bare),
                        None => (false, inner),
                    };
                    let Some(known) = POSIX_CLASSES.iter().find(|known| **known == bare) else {
                        return Err(PatternSyntaxError::InvalidClassRange { range: name });
                    };
                    items.push(ClassItem::Posix(known, negated));
                    self.pos += 2 + end + 2;
                    continue;
                }
            }
            if let Some(item) = self.class_escape()? {
                items.push(item);
                continue;
            }
            let range_start = self.pos;
            let lo = self.class_char(start)?;
            let mut hi = lo;
            if self.peek(0) == Some('-') && self.peek(1).is_some_and(|c| c != ']') {
                self.pos += 1;
                hi = self.class_char(start)?;
                if hi < lo {
                    let range: String = self.chars[range_start..self.pos].iter().collect();
                    return Err(PatternSyntaxError::InvalidClassRange { range });
                }
            }
            items.push(ClassItem::Range(lo, hi));
        }
        self.out.push('[');
        if negated {
            self.out.push('^');
        }
        for item in &items {
            item.write(&mut self.out);
        }
        self.out.push(']');
        Ok(())
    }
}
