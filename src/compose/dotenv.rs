//! `.env` files as Compose reads them.
//!
//! Compose v2.40 reads the project's `.env` (or its `--env-file`s) with compose-go v2.9's
//! `dotenv` parser; this module reads them the same way, quirks included:
//!
//! - A statement is `KEY=value` or `KEY: value`, optionally after `export `; blank lines and
//!   lines starting with `#` are skipped. A key is letters, digits, `_`, `.`, `-`, `[` and `]`
//!   (`a[1]`, `VAR.WITH.DOTS`, `456` all are keys); spaces around it are dropped, a space
//!   inside it is an error. A line holding only a key (`KEY` then a line break) takes `KEY`
//!   from the lookup, and sets nothing when it is unset there; the same line at the very end
//!   of the text, with no line break after it, is read as the value of an empty key instead.
//! - An unquoted value runs to the end of the line, cut at the first ` #` (a space, then `#`),
//!   trimmed. `'single'` quotes keep their text as it is (`\'` is a quote). `"double"`
//!   quotes read `\n`, `\t`, `\"`, `\\`, `\$`, ... and `\0` with octal digits, keep other
//!   backslashes, and may span lines. Both kinds of quotes end the value: what follows the
//!   closing quote on the line is read as the next statement (a `#` there starts a comment).
//! - Unquoted and double-quoted values are interpolated as Compose files are
//!   ([`super::interpolate`]), taking variables from the lookup first, then from the keys
//!   read so far (of this file and of those read before it into the same [`Dotenv`]).

use std::collections::HashMap;

use super::interpolate::{interpolate, InterpolationError};

/// The variables of `.env` files, in the order their keys first appear; a key set again keeps
/// its place and takes the later value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Dotenv {
    vars: Vec<(String, String)>,
    /// Where each key is in `vars`.
    index: HashMap<String, usize>,
    unset: Vec<String>,
}

/// Why a `.env` file can't be read. Lines count from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DotenvError {
    /// `text` is the line from the start of the key on.
    #[error(
        "line {line}: unexpected character `{}` in variable name `{text}`",
        .character.escape_debug()
    )]
    UnexpectedCharacter {
        line: usize,
        character: char,
        text: String,
    },
    #[error("line {line}: variable name `{key}` contains a space")]
    SpaceInName { line: usize, key: String },
    #[error("line {line}: `export` without a variable name")]
    MissingName { line: usize },
    /// `line` is where the value starts; `text` is the value to the end of that line.
    #[error("line {line}: unterminated quoted value `{text}`")]
    Unterminated { line: usize, text: String },
    /// The value starting on `line` can't be interpolated.
    #[error("line {line}: {error}")]
    Interpolation {
        line: usize,
        // Not a `#[source]`: it is part of the message.
        error: InterpolationError,
    },
}

/// The variables of one `.env` file, whose values may refer to `lookup` (the environment).
pub(crate) fn parse(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Dotenv, DotenvError> {
    let mut dotenv = Dotenv::default();
    dotenv.read(text, lookup)?;
    Ok(dotenv)
}

impl Dotenv {
    /// Reads one more file, as Compose reads several `--env-file`s: its keys override those of
    /// the files before, and its values may refer to them (after `lookup`). After an error,
    /// what was read of the file before it is kept.
    pub(crate) fn read(
        &mut self,
        text: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), DotenvError> {
        let src = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut at = 0;
        while let Some(start) = statement_start(src, at) {
            let key = locate_key(src, start)?;
            if key.name.contains(' ') {
                return Err(DotenvError::SpaceInName {
                    line: line_at(src, start),
                    key: key.name.to_owned(),
                });
            }
            if key.inherited {
                if let Some(value) = lookup(key.name) {
                    self.set(key.name, value);
                }
                at = key.next;
                continue;
            }
            let (value, next) = self.value(src, key.next, lookup)?;
            self.set(key.name, value);
            at = next;
        }
        Ok(())
    }

    /// The variables, in the order their keys first appeared.
    pub(crate) fn vars(&self) -> &[(String, String)] {
        &self.vars
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.index.get(key).map(|&i| self.vars[i].1.as_str())
    }

    /// The variables values took while unset (blank), each once: Compose warns about them.
    pub(crate) fn unset(&self) -> &[String] {
        &self.unset
    }

    fn set(&mut self, key: &str, value: String) {
        match self.index.get(key) {
            Some(&i) => self.vars[i].1 = value,
            None => {
                self.index.insert(key.to_owned(), self.vars.len());
                self.vars.push((key.to_owned(), value));
            }
        }
    }

    /// The value starting at `at` (spaces before it skipped), and where the next statement
    /// may start.
    fn value(
        &mut self,
        src: &str,
        at: usize,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(String, usize), DotenvError> {
        let rest = &src[at..];
        let quote = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => q,
            _ => {
                let (line, next) = match rest.find('\n') {
                    Some(n) => (&rest[..n], at + n + 1),
                    None => (rest, src.len()),
                };
                let value = line.find(" #").map_or(line, |n| &line[..n]).trim_end();
                return Ok((self.expand(value, line_at(src, at), lookup)?, next));
            }
        };
        // Up to the closing quote: a backslash before the quote is dropped, others are kept.
        let mut raw = String::new();
        let mut escaped = false;
        for (i, c) in rest.char_indices().skip(1) {
            if c == quote && !escaped {
                let value = if quote == '"' {
                    self.expand(&unescape(&raw), line_at(src, at), lookup)?
                } else {
                    raw
                };
                return Ok((value, at + i + 1));
            }
            if c == '\\' && !escaped {
                escaped = true;
                continue;
            }
            if escaped && c != quote {
                raw.push('\\');
            }
            escaped = false;
            raw.push(c);
        }
        Err(DotenvError::Unterminated {
            line: line_at(src, at),
            text: first_line(rest).to_owned(),
        })
    }

    /// A value interpolated with `lookup`, then the keys read so far.
    fn expand(
        &mut self,
        value: &str,
        line: usize,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<String, DotenvError> {
        let vars = |name: &str| lookup(name).or_else(|| self.get(name).map(str::to_owned));
        let out = interpolate(value, &vars).map_err(|error| DotenvError::Interpolation { line, error })?;
        for name in out.unset {
            if !self.unset.contains(&name) {
                self.unset.push(name);
            }
        }
        Ok(out.text)
    }
}

/// compose-go's `isSpace`: white space, but not a line break.
fn is_blank(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}')
}

fn line_at(src: &str, at: usize) -> usize {
    1 + src.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count()
}

fn first_line(text: &str) -> &str {
    text.split('\n').next().unwrap_or(text)
}

/// Where the next statement starts from `at` on, past white space and comment lines.
fn statement_start(src: &str, mut at: usize) -> Option<usize> {
    loop {
        at += src[at..].find(|c: char| !c.is_whitespace())?;
        if !src[at..].starts_with('#') {
            return Some(at);
        }
        at += src[at..].find('\n')?;
    }
}

/// A statement's key.
struct Key<'a> {
    name: &'a str,
    /// A key alone on its line, taken from the environment.
    inherited: bool,
    /// Where the value starts (spaces skipped), or the next statement after an inherited key.
    next: usize,
}

fn locate_key(src: &str, start: usize) -> Result<Key<'_>, DotenvError> {
    let mut at = start;
    // `export` and white space (a line break too), then spaces.
    let after_export = src[at..].strip_prefix("export");
    if after_export.is_some_and(|s| s.starts_with(['\t', '\n', '\u{c}', '\r', ' '])) {
        at += "export".len();
        at = skip_blanks(src, at);
    }
    let rest = &src[at..];
    let mut end = None;
    for (i, c) in rest.char_indices() {
        match c {
            c if is_blank(c) => {}
            '=' | ':' | '\n' => {
                end = Some((i, c == '\n'));
                break;
            }
            '_' | '.' | '-' | '[' | ']' => {}
            c if c.is_alphabetic() || c.is_numeric() => {}
            c => {
                return Err(DotenvError::UnexpectedCharacter {
                    line: line_at(src, at + i),
                    character: c,
                    text: first_line(rest).to_owned(),
                })
            }
        }
    }
    if rest.is_empty() {
        return Err(DotenvError::MissingName {
            line: line_at(src, start),
        });
    }
    // No `=`, `:` or line break before the end: compose-go reads the whole as a value.
    let (name, value_at, inherited) = match end {
        Some((i, inherited)) => (&rest[..i], at + i + 1, inherited),
        None => ("", at, false),
    };
    Ok(Key {
        name: name.trim_end(),
        inherited,
        next: skip_blanks(src, value_at),
    })
}

fn skip_blanks(src: &str, at: usize) -> usize {
    src[at..]
        .find(|c: char| !is_blank(c))
        .map_or(src.len(), |n| at + n)
}

/// A double-quoted value's escapes: `\a \b \f \n \r \t \v \\ \"` as in C, `\$` as `$$` (a
/// literal `$` to interpolation), `\0` and up to three digits as compose-go reads it (three
/// octal digits up to `\0377` are a character; otherwise the `0` is dropped and the rest kept).
/// Any other backslash stays.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(n) = rest.find('\\') {
        out.push_str(&rest[..n]);
        rest = &rest[n + 1..];
        let simple = match rest.chars().next() {
            Some('a') => Some("\u{7}"),
            Some('b') => Some("\u{8}"),
            Some('f') => Some("\u{c}"),
            Some('n') => Some("\n"),
            Some('r') => Some("\r"),
            Some('t') => Some("\t"),
            Some('v') => Some("\u{b}"),
            Some('\\') => Some("\\"),
            Some('"') => Some("\""),
            Some('$') => Some("$$"),
            _ => None,
        };
        if let Some(text) = simple {
            out.push_str(text);
            rest = &rest[1..];
        } else if let Some(after_zero) = rest.strip_prefix('0') {
            let digits = after_zero.bytes().take(3).take_while(u8::is_ascii_digit).count();
            let (digits, after) = after_zero.split_at(digits);
            match octal(digits) {
                Some(c) => out.push(c),
                None => {
                    out.push('\\');
                    out.push_str(digits);
                }
            }
            rest = after;
        } else {
            out.push('\\');
        }
    }
    out.push_str(rest);
    out
}

/// Three octal digits up to 377, as a character.
fn octal(digits: &str) -> Option<char> {
    if digits.len() != 3 {
        return None;
    }
    let value = u32::from_str_radix(digits, 8).ok()?;
    if value > 0o377 {
        return None;
    }
    char::from_u32(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn vars(text: &str) -> Vec<(String, String)> {
        match parse(text, &no_env) {
            Ok(dotenv) => dotenv.vars().to_vec(),
            Err(e) => panic!("parsing {text:?}: {e}"),
        }
    }

    /// The variables of `text` as `KEY=value; ...`.
    fn show(text: &str) -> String {
        joined(&vars(text))
    }

    fn joined(vars: &[(String, String)]) -> String {
        let vars: Vec<String> = vars.iter().map(|(k, v)| format!("{k}={v}")).collect();
        vars.join("; ")
    }

    /// An environment of `pairs`.
    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find_map(|&(k, v)| (k == name).then(|| v.to_owned()))
    }

    #[test]
    fn one_statement() {
        let cases = [
            ("FOO=bar", "FOO", "bar"),
            ("FOO =bar", "FOO", "bar"),
            ("FOO= bar", "FOO", "bar"),
            (r#"FOO="bar""#, "FOO", "bar"),
            ("FOO='bar'", "FOO", "bar"),
            (r#"FOO="escaped\"bar""#, "FOO", r#"escaped"bar"#),
            (r#"FOO="\"quoted\"""#, "FOO", r#""quoted""#),
            (r#"FOO="'d'""#, "FOO", "'d'"),
            ("OPTION_A: 1", "OPTION_A", "1"),
            ("OPTION_A: Foo=bar", "OPTION_A", "Foo=bar"),
            ("OPTION_A=1:B", "OPTION_A", "1:B"),
            ("export OPTION_A=2", "OPTION_A", "2"),
            (r"export OPTION_B='\n'", "OPTION_B", r"\n"),
            ("export exportFoo=2", "exportFoo", "2"),
            ("exportFOO=2", "exportFOO", "2"),
            ("export_FOO =2", "export_FOO", "2"),
            ("export.FOO= 2", "export.FOO", "2"),
            ("export\tOPTION_A=2", "OPTION_A", "2"),
            ("  export OPTION_A=2", "OPTION_A", "2"),
            ("\texport OPTION_A=2", "OPTION_A", "2"),
            (r#"export OPTION_A="export A""#, "OPTION_A", "export A"),
            (r#"FOO="bar\nbaz""#, "FOO", "bar\nbaz"),
            (r"FOO=a\tb", "FOO", r"a\tb"),
            (r#"FOO="a\tb""#, "FOO", "a\tb"),
            (r"FOO='a\tb'", "FOO", r"a\tb"),
            (
                r#"KEY="Z\aZ\bZ\fZ\nZ\rZ\tZ\vZ\\Z\0123Z""#,
                "KEY",
                "Z\u{7}Z\u{8}Z\u{c}Z\nZ\rZ\tZ\u{b}Z\\ZSZ",
            ),
            ("FOO.BAR=foobar", "FOO.BAR", "foobar"),
            ("FOO=foobar=", "FOO", "foobar="),
            ("FOO=bar ", "FOO", "bar"),
            ("FOO=bar # this is foo", "FOO", "bar"),
            ("FOO=bar #this is foo", "FOO", "bar"),
            ("FOO=bar #", "FOO", "bar"),
            ("FOO=123#not-a-comment", "FOO", "123#not-a-comment"),
            // Spaces before the value go first: this `#` starts the value.
            ("FOO= #bar", "FOO", "#bar"),
            ("FOO=a\t#b", "FOO", "a\t#b"),
            (r#"FOO="bar#baz""#, "FOO", "bar#baz"),
            (r##"FOO="bar#baz"#"##, "FOO", "bar#baz"),
            (r#"FOO="bar#baz" # comment"#, "FOO", "bar#baz"),
            ("FOO='bar#baz' # comment", "FOO", "bar#baz"),
            (r#"FOO="bar#baz#bang" # comment"#, "FOO", "bar#baz#bang"),
            (r#"FOO="ba#r""#, "FOO", "ba#r"),
            ("FOO='ba#r'", "FOO", "ba#r"),
            (r#"FOO="bar\n\ b\az""#, "FOO", "bar\n\\ b\u{7}z"),
            (r#"FOO="bar\\\n\ b\az""#, "FOO", "bar\\\n\\ b\u{7}z"),
            (r#"FOO="bar\\r\ b\az""#, "FOO", "bar\\r\\ b\u{7}z"),
            (r#"FOO="bar\nbaz\\""#, "FOO", "bar\nbaz\\"),
            (r"FOO='a\\b'", "FOO", r"a\\b"),
            (r"OPTION_K='Let\'s go!'", "OPTION_K", "Let's go!"),
            (r#"="value""#, "", "value"),
            (" KEY =value", "KEY", "value"),
            ("   KEY=value", "KEY", "value"),
            ("\tKEY=value", "KEY", "value"),
            // Octal escapes, and what compose-go makes of `\0` without three octal digits.
            (r#"KEY="\0123""#, "KEY", "S"),
            (r#"KEY="\01234""#, "KEY", "S4"),
            (r#"KEY="\0000""#, "KEY", "\0"),
            (r#"KEY="\0377""#, "KEY", "\u{ff}"),
            (r#"KEY="\0400""#, "KEY", r"\400"),
            (r#"KEY="\01x""#, "KEY", r"\1x"),
            (r#"KEY="a\0b""#, "KEY", r"a\b"),
            (r#"KEY="\09""#, "KEY", r"\9"),
            // Other escapes stay.
            (r#"KEY="\x07""#, "KEY", r"\x07"),
            (r#"KEY="\u12e4""#, "KEY", r"\u12e4"),
            (r#"KEY="\U00101234""#, "KEY", r"\U00101234"),
            (r#"KEY="\c\'\é""#, "KEY", r"\c\'\é"),
            ("KEY=été", "KEY", "été"),
        ];
        for (text, key, value) in cases {
            assert_eq!(show(text), format!("{key}={value}"), "parsing {text:?}");
        }
    }

    #[test]
    fn files() {
        assert_eq!(show("ONE=1\nTWO='2'\nTHREE = \"3\""), "ONE=1; TWO=2; THREE=3");
        // compose-go's fixtures/plain.env; Compose keeps `456` (only godotenv's `Read` drops
        // keys starting with a digit).
        let plain = "OPTION_A=1\nOPTION_B=2\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\n\
                     456 = ABC\nOPTION_F = \nOPTION_G=\nOPTION_H = my string # Inline comment\n";
        let expected = "OPTION_A=1; OPTION_B=2; OPTION_C=3; OPTION_D=4; OPTION_E=5; 456=ABC; \
                        OPTION_F=; OPTION_G=; OPTION_H=my string";
        assert_eq!(show(plain), expected);
        // fixtures/utf8-bom.env
        assert_eq!(show(&format!("\u{feff}{plain}")), expected);
        // fixtures/quoted.env
        let quoted = "OPTION_A='1'\nOPTION_B='2'\nOPTION_C=''\nOPTION_D='\\n'\nOPTION_E=\"1\"\n\
                      OPTION_F=\"2\"\nOPTION_G=\"\"\nOPTION_H=\"\\n\"\n\
                      OPTION_I = \"echo 'asd'\" # Inline comment\n\
                      OPTION_J = 'first line\nsecond line\nthird line\nand so on'\n\
                      OPTION_K='Let\\'s go!'\nOPTION_Z = \"last value\"\n";
        let expected = "OPTION_A=1; OPTION_B=2; OPTION_C=; OPTION_D=\\n; OPTION_E=1; OPTION_F=2; \
                        OPTION_G=; OPTION_H=\n; OPTION_I=echo 'asd'; \
                        OPTION_J=first line\nsecond line\nthird line\nand so on; \
                        OPTION_K=Let's go!; OPTION_Z=last value";
        assert_eq!(show(quoted), expected);
        // fixtures/unquoted.env
        let unquoted = "OPTION_A = \"some quoted phrase\"\n\
                        OPTION_B=first one with an unquoted phrase\n\
                        OPTION_C = then another one with an unquoted phrase\n\
                        OPTION_D = then another one with an unquoted phrase special è char\n\
                        OPTION_E = \"then another one quoted phrase\"\n";
        let expected = "OPTION_A=some quoted phrase; OPTION_B=first one with an unquoted phrase; \
                        OPTION_C=then another one with an unquoted phrase; \
                        OPTION_D=then another one with an unquoted phrase special è char; \
                        OPTION_E=then another one quoted phrase";
        assert_eq!(show(unquoted), expected);
        // fixtures/exported.env, equals.env, special.env
        let exported = "export OPTION_A=2\nexport OPTION_B='\\n'\n";
        assert_eq!(show(exported), "OPTION_A=2; OPTION_B=\\n");
        let equals = "export OPTION_A='postgres://localhost:5432/database?sslmode=disable'\n\n";
        assert_eq!(
            show(equals),
            "OPTION_A=postgres://localhost:5432/database?sslmode=disable"
        );
        let special = "VAR.WITH.DOTS=dots\nVAR_WITH_UNDERSCORES=under\nVAR-WITH-DASHES=dashes\n";
        let expected = "VAR.WITH.DOTS=dots; VAR_WITH_UNDERSCORES=under; VAR-WITH-DASHES=dashes";
        assert_eq!(show(special), expected);
        // parser_test.go's input
        let input = "\na=b\na[1]=c\na.propertyKey=d\nárvíztűrő-TÜKÖRFÚRÓGÉP=ÁRVÍZTŰRŐ-tükörfúrógép\n";
        let expected = "a=b; a[1]=c; a.propertyKey=d; árvíztűrő-TÜKÖRFÚRÓGÉP=ÁRVÍZTŰRŐ-tükörfúrógép";
        assert_eq!(show(input), expected);
        let urls = "TEST_URLS=\"stratum+tcp://a.com:3333\nstratum+tcp://a.com:443\"";
        assert_eq!(
            show(urls),
            "TEST_URLS=stratum+tcp://a.com:3333\nstratum+tcp://a.com:443"
        );
        let many: Vec<String> = (0..1000).map(|i| format!("KEY{i}=VALUE{i}")).collect();
        assert_eq!(vars(&many.join("\n")).len(), 1000);
    }

    #[test]
    fn nothing_to_read() {
        // Each text between the `|`s.
        for text in "|\n|\r\n|\t\t |# Comment|\t # comment|#a\n\n  #b\n".split('|') {
            assert_eq!(vars(text), [], "parsing {text:?}");
        }
    }

    #[test]
    fn line_endings_and_duplicates() {
        assert_eq!(show("A=1\r\nB='2'\r\nC = 3 \r\n"), "A=1; B=2; C=3");
        // The later value wins, the key keeps its place.
        assert_eq!(show("A=1\nB=2\nA=3"), "A=3; B=2");
    }

    #[test]
    fn text_after_a_closing_quote_is_the_next_statement() {
        assert_eq!(show("A=\"1\"B=2\nC='3' # note\n"), "A=1; B=2; C=3");
        let dotenv = parse("A='1' junk\n", &env(&[("junk", "j")])).expect("valid");
        assert_eq!(joined(dotenv.vars()), "A=1; junk=j");
    }

    #[test]
    fn keys_alone_come_from_the_environment() {
        let lookup = env(&[("VAR_TO_BE_LOADED_FROM_OS_ENV", "SOME_RANDOM_VALUE")]);
        let text = "foo=bar\nVAR_TO_BE_LOADED_FROM_OS_ENV\nbar=baz\n";
        let dotenv = parse(text, &lookup).expect("valid");
        let expected = "foo=bar; VAR_TO_BE_LOADED_FROM_OS_ENV=SOME_RANDOM_VALUE; bar=baz";
        assert_eq!(joined(dotenv.vars()), expected);
        assert_eq!(show("VARIABLE_NOT_FOUND\n"), "");
        assert_eq!(show("A=1\nA\n"), "A=1");
        assert_eq!(show("export A\n  B \r\n"), "");
        // compose-go's quirk: with no line break after it, a key alone is a value.
        assert_eq!(show("A=1\nVAR"), "A=1; =VAR");
    }

    #[test]
    fn expansion() {
        let cases = [
            ("FOO=test\nBAR=$FOO", "FOO=test; BAR=test"),
            ("FOO=test\nBAR=${FOO}bar", "FOO=test; BAR=testbar"),
            ("BAR=$FOO", "BAR="),
            ("FOO=test\nBAR=\"quote $FOO\"", "FOO=test; BAR=quote test"),
            ("BAR='quote $FOO'", "BAR=quote $FOO"),
            (r#"FOO="foo\$BAR""#, "FOO=foo$BAR"),
            (r#"FOO="foo\${BAR}""#, "FOO=foo${BAR}"),
            (
                "FOO=test\nBAR=\"foo\\${FOO} ${FOO}\"",
                "FOO=test; BAR=foo${FOO} test",
            ),
            ("FOO=$$BAR", "FOO=$BAR"),
            // Unquoted values read no escapes: the backslash stays, `$BAR` is taken.
            (r"FOO=\$BAR", r"FOO=\"),
            ("A=${B:-x y}z # c", "A=x yz"),
        ];
        for (text, expected) in cases {
            assert_eq!(show(text), expected, "parsing {text:?}");
        }
        let lookup = env(&[("ME", "YES")]);
        let dotenv = parse("TEST=$ME\nOTHER=${NOPE}${ME}$NOPE", &lookup).expect("valid");
        assert_eq!(dotenv.get("TEST"), Some("YES"));
        assert_eq!(dotenv.get("OTHER"), Some("YES"));
        assert_eq!(dotenv.unset(), ["NOPE"]);
    }

    #[test]
    fn expansion_operators() {
        let lookup = env(&[("EMPTY_VAR", ""), ("TEST_VAR", "Test Value")]);
        let cases = [
            ("${UNSET_VAR:-Default Value}", Ok("Default Value")),
            ("${EMPTY_VAR:-Default Value}", Ok("Default Value")),
            ("${TEST_VAR:-Default Value}", Ok("Test Value")),
            ("${UNSET_VAR-Default Value}", Ok("Default Value")),
            ("${EMPTY_VAR-Default Value}", Ok("")),
            ("${TEST_VAR-Default Value}", Ok("Test Value")),
            ("${UNSET_VAR:?Test error}", Err("UNSET_VAR")),
            ("${EMPTY_VAR:?Test error}", Err("EMPTY_VAR")),
            ("${TEST_VAR:?Default Value}", Ok("Test Value")),
            ("${UNSET_VAR?Test error}", Err("UNSET_VAR")),
            ("${EMPTY_VAR?Test error}", Ok("")),
            ("${TEST_VAR?Default Value}", Ok("Test Value")),
        ];
        for (value, expected) in cases {
            let text = format!("RESULT={value}");
            let result = parse(&text, &lookup);
            let expected = match expected {
                Ok(value) => Ok(format!("RESULT={value}")),
                Err(name) => Err(DotenvError::Interpolation {
                    line: 1,
                    error: InterpolationError::Required {
                        name: name.into(),
                        message: "Test error".into(),
                    },
                }),
            };
            assert_eq!(result.map(|d| joined(d.vars())), expected, "parsing {text:?}");
        }
    }

    #[test]
    fn the_environment_comes_before_the_file() {
        let substitutions = "OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\n\
                             OPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n";
        let defaults = substitutions.replacen("OPTION_A=1", "OPTION_A=${OPTION_A:-1}", 1);
        let values = |text: &str, lookup: &dyn Fn(&str) -> Option<String>| {
            let dotenv = parse(text, lookup).expect("valid");
            assert_eq!(dotenv.unset(), ["OPTION_NOT_DEFINED"]);
            let values: Vec<String> = dotenv.vars().iter().map(|(_, v)| v.clone()).collect();
            values
        };
        let five = env(&[("OPTION_A", "5")]);
        assert_eq!(values(substitutions, &no_env), ["1", "1", "1", "1_1", ""]);
        assert_eq!(values(substitutions, &five), ["1", "5", "5", "5_5", ""]);
        assert_eq!(values(&defaults, &no_env), ["1", "1", "1", "1_1", ""]);
        assert_eq!(values(&defaults, &five), ["5", "5", "5", "5_5", ""]);
    }

    #[test]
    fn several_files() {
        let base = "\nENV_HOSTNAME=localhost\nENV_MY_URL=\"http://${ENV_HOSTNAME}\"\n";
        let over = "\nENV_HOSTNAME=dev.my-company.com\nENV_MY_URL=\"http://${ENV_HOSTNAME}\"\n";
        let read = |lookup: &dyn Fn(&str) -> Option<String>| {
            let mut dotenv = Dotenv::default();
            dotenv.read(base, lookup).expect("valid");
            dotenv.read(over, lookup).expect("valid");
            joined(dotenv.vars())
        };
        let expected = "ENV_HOSTNAME=dev.my-company.com; ENV_MY_URL=http://dev.my-company.com";
        assert_eq!(read(&no_env), expected);
        let expected = "ENV_HOSTNAME=dev.my-company.com; ENV_MY_URL=http://host.local";
        assert_eq!(read(&env(&[("ENV_HOSTNAME", "host.local")])), expected);
    }

    #[test]
    fn errors() {
        let message = |text: &str| parse(text, &no_env).map_err(|e| e.to_string()).err();
        let cases = [
            (
                "%!(EXTRA string)=foo",
                "line 1: unexpected character `%` in variable name `%!(EXTRA string)=foo`",
            ),
            (
                "A=1\n\nlol$wut\nB=2",
                "line 3: unexpected character `$` in variable name `lol$wut`",
            ),
            (
                "a\u{1}b=1",
                "line 1: unexpected character `\\u{1}` in variable name `a\u{1}b=1`",
            ),
            // compose-go's fixtures/invalid1.env
            (
                "# some comments\nfoo=\"\n  a\n  multine\n  value\n\"\nINVALID LINE\nzot=qix",
                "line 7: variable name `INVALID LINE` contains a space",
            ),
            (
                "A=1\nFOO BAR=2",
                "line 2: variable name `FOO BAR` contains a space",
            ),
            ("A=1\nexport ", "line 2: `export` without a variable name"),
            // The line where the value starts.
            ("A=1\nB=\"two\nlines", "line 2: unterminated quoted value `\"two`"),
            (
                "A=${B:?needed}",
                "line 1: required variable `B` is missing a value: needed",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(message(text).as_deref(), Some(expected), "parsing {text:?}");
        }
        // Each value between the spaces.
        for value in r#"" "value "value\" "value' ' 'value 'value\' 'value""#.split(' ') {
            let text = format!("KEY={value}");
            let expected = DotenvError::Unterminated {
                line: 1,
                text: value.into(),
            };
            assert_eq!(parse(&text, &no_env), Err(expected), "parsing {text:?}");
        }
        assert_eq!(
            parse("A=1\nB=\"${ X}\"", &no_env),
            Err(DotenvError::Interpolation {
                line: 2,
                error: InterpolationError::Invalid { text: "${ X}".into() },
            })
        );
    }
}
