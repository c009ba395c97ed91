//! Interpolation of `$VAR` and `${VAR...}` in Compose files, as Compose v2 does it.
//!
//! Compose v2.40 links compose-go v2.9, whose `template` package finds substitutions with a
//! regular expression; this module reads the text the same way, quirks included:
//!
//! - `$$` is a literal `$`; `$NAME` and `${NAME}` take a variable (a name is `[A-Za-z_]`
//!   then `[A-Za-z0-9_]*`: no `.` or `-`); a `$` followed by anything else (`$1`, `$ `, `$}`,
//!   a `$` at the end) stays as it is.
//! - `${` must go on with a name and then `}` or one of `:-` `-` `:+` `+` `:?` `?`; anything
//!   else (`${}`, `${ A}`, `${A }`, `${A:x}`, a `${` at the end) makes the whole text invalid.
//! - After an operator, the text up to the last `}` of the line belongs to the substitution
//!   (the regexp's greedy `(.*)}`); compose-go then cuts it at the `}` that closes the `${` by
//!   counting braces, where each `{` hides the character after it (so `${A:-{}x}` has the
//!   default `{}x`), and reads what follows the cut as more text. Without such a `}` on the
//!   line the substitution is invalid: a default can't span lines.
//! - The default, alternative or message is interpolated in turn, before the variable is
//!   looked at: an invalid or failing substitution inside a default that isn't used still
//!   fails, and unset variables there are still reported (compose-go v2.10.1 made this lazy;
//!   Compose v2.40 has it eager).

/// How deep defaults may nest (`${A:-${B:-...}}`); compose-go has no limit, but a text nesting
/// further is no Compose file, and the recursion has to stop somewhere.
const MAX_DEPTH: usize = 100;

/// A text after interpolation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Interpolated {
    pub(crate) text: String,
    /// The variables the text takes without a default (`$VAR`, `${VAR}`) while they are unset,
    /// each once, in the order met: Compose warns that each defaults to a blank string.
    pub(crate) unset: Vec<String>,
}

/// Why a text can't be interpolated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum InterpolationError {
    /// A `${` that doesn't go on as a substitution; `text` is the whole text interpolated.
    #[error("invalid interpolation format in `{text}`: escape a literal `$` as `$$`")]
    Invalid { text: String },
    /// `${VAR:?message}` with `VAR` unset or empty, or `${VAR?message}` with `VAR` unset.
    #[error("required variable `{name}` is missing a value{}", reason(.message))]
    Required { name: String, message: String },
    /// Defaults nested deeper than [`MAX_DEPTH`].
    #[error("interpolation nested deeper than {} levels in `{text}`", MAX_DEPTH)]
    TooDeep { text: String },
}

fn reason(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

/// Interpolates `text`, taking variables from `lookup` (`None`: unset).
pub(crate) fn interpolate(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Interpolated, InterpolationError> {
    let mut scope = Scope {
        lookup,
        unset: Vec::new(),
    };
    match substitute(text, &mut scope, 0) {
        Ok(out) => Ok(Interpolated {
            text: out,
            unset: scope.unset,
        }),
        Err(Fault::Invalid) => Err(InterpolationError::Invalid {
            text: text.to_owned(),
        }),
        Err(Fault::TooDeep) => Err(InterpolationError::TooDeep {
            text: text.to_owned(),
        }),
        Err(Fault::Required { name, message }) => Err(InterpolationError::Required { name, message }),
    }
}

/// What stops a substitution; the text it is named with is added at the top.
enum Fault {
    Invalid,
    TooDeep,
    Required { name: String, message: String },
}

struct Scope<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    unset: Vec<String>,
}

impl Scope<'_> {
    /// A variable taken without a default: blank when unset, and noted.
    fn bare(&mut self, name: &str) -> String {
        match (self.lookup)(name) {
            Some(value) => value,
            None => {
                if !self.unset.iter().any(|n| n == name) {
                    self.unset.push(name.to_owned());
                }
                String::new()
            }
        }
    }
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Where the name starting at `start` ends.
fn name_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|&c| !is_name_char(c))
        .map_or(bytes.len(), |n| start + n)
}

/// One text's substitutions, left to right. Every delimiter is ASCII, so byte positions found
/// here always fall between characters.
fn substitute(text: &str, scope: &mut Scope<'_>, depth: usize) -> Result<String, Fault> {
    if depth > MAX_DEPTH {
        return Err(Fault::TooDeep);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    // `text[copied..]` is not yet in `out`; the next `$` is looked for from `at`.
    let mut copied = 0;
    let mut at = 0;
    let mut closers = LastCloser::default();
    while let Some(found) = text[at..].find('$') {
        let dollar = at + found;
        match bytes.get(dollar + 1) {
            Some(b'$') => {
                out.push_str(&text[copied..dollar]);
                out.push('$');
                at = dollar + 2;
                copied = at;
            }
            Some(&c) if is_name_start(c) => {
                let end = name_end(bytes, dollar + 1);
                out.push_str(&text[copied..dollar]);
                out.push_str(&scope.bare(&text[dollar + 1..end]));
                at = end;
                copied = end;
            }
            Some(b'{') => {
                out.push_str(&text[copied..dollar]);
                at = braced(text, dollar, scope, depth, &mut closers, &mut out)?;
                copied = at;
            }
            // Not a substitution: the `$` stays.
            _ => at = dollar + 1,
        }
    }
    out.push_str(&text[copied..]);
    Ok(out)
}

/// What a `${` operator does with the text after it.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// `:-` and `-`: the text when the variable is absent.
    Default,
    /// `:+` and `+`: the text when the variable is present, else blank.
    Alternative,
    /// `:?` and `?`: an error with the text as message when the variable is absent.
    Required,
}

/// The substitution starting with the `${` at `dollar`, written to `out`; returns where the
/// reading goes on.
fn braced(
    text: &str,
    dollar: usize,
    scope: &mut Scope<'_>,
    depth: usize,
    closers: &mut LastCloser,
    out: &mut String,
) -> Result<usize, Fault> {
    let bytes = text.as_bytes();
    let start = dollar + 2;
    if !bytes.get(start).is_some_and(|&c| is_name_start(c)) {
        return Err(Fault::Invalid);
    }
    let end = name_end(bytes, start);
    let name = &text[start..end];
    let operator = |c: u8| match c {
        b'-' => Some(Kind::Default),
        b'+' => Some(Kind::Alternative),
        b'?' => Some(Kind::Required),
        _ => None,
    };
    // `colon`: an empty variable counts as absent.
    let (kind, colon, body_start) = match bytes.get(end) {
        Some(b'}') => {
            out.push_str(&scope.bare(name));
            return Ok(end + 1);
        }
        Some(b':') => match bytes.get(end + 1).and_then(|&c| operator(c)) {
            Some(kind) => (kind, true, end + 2),
            None => return Err(Fault::Invalid),
        },
        Some(&c) => match operator(c) {
            Some(kind) => (kind, false, end + 1),
            None => return Err(Fault::Invalid),
        },
        None => return Err(Fault::Invalid),
    };
    let last = closers.find(text, body_start).ok_or(Fault::Invalid)?;
    // Cut at the closing brace by compose-go's count, if the count gets there.
    let close = first_closing(&bytes[dollar..=last]).map_or(last, |i| dollar + i);
    let body = &text[body_start..close];

    // Compose v2.40 interpolates the text first, whether it is used or not.
    let body = substitute(body, scope, depth + 1)?;
    let present = (scope.lookup)(name).filter(|value| !colon || !value.is_empty());
    let value = match kind {
        Kind::Default => present.unwrap_or(body),
        Kind::Alternative => present.map(|_| body).unwrap_or_default(),
        Kind::Required => present.ok_or_else(|| Fault::Required {
            name: name.to_owned(),
            message: body,
        })?,
    };
    out.push_str(&value);
    // What follows the cut up to `last` is read as more text: compose-go interpolates it on its
    // own and appends it, which comes to the same, as it ends with the line's last `}`.
    Ok(close + 1)
}

/// compose-go's brace count over a substitution (`${...}`): the index of the `}` that brings
/// the count back to zero, where a `{` also skips the byte after it.
fn first_closing(substitution: &[u8]) -> Option<usize> {
    let mut open = 0usize;
    let mut i = 0;
    while i < substitution.len() {
        match substitution[i] {
            b'}' => {
                open = open.saturating_sub(1);
                if open == 0 {
                    return Some(i);
                }
            }
            b'{' => {
                open += 1;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The last `}` of a line from a position on, remembered for the line so that many
/// substitutions on one long line don't each search it to its end.
#[derive(Default)]
struct LastCloser {
    /// The position searched from, the end of its line, and the last `}` in between.
    cached: Option<(usize, usize, Option<usize>)>,
}

impl LastCloser {
    fn find(&mut self, text: &str, from: usize) -> Option<usize> {
        if let Some((start, line_end, last)) = self.cached {
            if start <= from && from <= line_end {
                return last.filter(|&l| l >= from);
            }
        }
        let line_end = text[from..].find('\n').map_or(text.len(), |n| from + n);
        let last = text[from..line_end].rfind('}').map(|n| from + n);
        self.cached = Some((from, line_end, last));
        last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The variables of compose-go's template tests.
    fn vars(name: &str) -> Option<String> {
        match name {
            "FOO" => Some("first".into()),
            "BAR" => Some(String::new()),
            "JSON" => Some(r#"{"json":2}"#.into()),
            _ => None,
        }
    }

    fn run(text: &str) -> Result<Interpolated, InterpolationError> {
        interpolate(text, &vars)
    }

    fn check(cases: &[(&str, &str)]) {
        for &(text, expected) in cases {
            match run(text) {
                Ok(out) => assert_eq!(out.text, expected, "interpolating {text:?}"),
                Err(e) => panic!("interpolating {text:?}: {e}"),
            }
        }
    }

    #[test]
    fn plain_text_and_escapes() {
        check(&[
            ("foo", "foo"),
            ("", ""),
            ("$${foo}", "${foo}"),
            ("$$FOO", "$FOO"),
            ("$$$FOO", "$first"),
            ("a$$b$$", "a$b$"),
            ("héllo $FOO wörld", "héllo first wörld"),
        ]);
    }

    #[test]
    fn a_dollar_before_no_name_stays() {
        check(&[
            ("a $ string", "a $ string"),
            ("^REGEX$", "^REGEX$"),
            ("$}", "$}"),
            ("$", "$"),
            ("$1", "$1"),
            ("$-", "$-"),
            ("5$ or $5", "5$ or $5"),
            ("$é$FOO", "$éfirst"),
        ]);
    }

    #[test]
    fn names() {
        check(&[
            ("This $FOO var", "This first var"),
            ("This ${FOO} var", "This first var"),
            // see docker/compose#8601
            ("$FOO-bar", "first-bar"),
            ("$FOO.bar", "first.bar"),
            ("$FOObar", ""),
            ("${FOO}bar", "firstbar"),
            ("$_", ""),
        ]);
        let lookup = |name: &str| (name == "a_1").then(|| "x".to_owned());
        let out = interpolate("$a_1 ${a_1}", &lookup).map(|o| o.text);
        assert_eq!(out, Ok("x x".to_owned()));
    }

    #[test]
    fn unset_variables_are_blank_and_reported() {
        for text in ["This ${missing} var", "This $missing var"] {
            let out = run(text).expect("valid");
            assert_eq!(out.text, "This  var");
            assert_eq!(out.unset, ["missing"]);
        }
        // Empty is set.
        let out = run("This ${BAR} var").expect("valid");
        assert_eq!((out.text.as_str(), out.unset.len()), ("This  var", 0));
        // Once each, in order; not when a default or an alternative is there.
        let out = run("$B $A ${B} ${C:-c} ${D-d} ${E:+e} ${F+f}").expect("valid");
        assert_eq!(out.unset, ["B", "A"]);
        // Inside defaults too.
        let out = run("${X:-${Y}}").expect("valid");
        assert_eq!(out.unset, ["Y"]);
    }

    #[test]
    fn defaults() {
        check(&[
            ("ok ${missing:-def}", "ok def"),
            ("ok ${missing-def}", "ok def"),
            ("ok ${BAR:-def}", "ok def"),
            ("ok ${FOO:-def}", "ok first"),
            ("ok ${BAR-def}", "ok "),
            ("ok ${missing:-}", "ok "),
            ("ok ${BAR:-}", "ok "),
            ("ok ${BAR:-/non:-alphanumeric}", "ok /non:-alphanumeric"),
            ("${missing:-a b  c}", "a b  c"),
            ("${missing:-$$}", "$"),
            ("${missing:-a$}", "a$"),
            ("${missing:-$$FOO}", "$FOO"),
        ]);
    }

    #[test]
    fn alternatives() {
        check(&[
            ("ok ${UNSET_VAR:+presence_value}", "ok "),
            ("ok ${UNSET_VAR+presence_value}", "ok "),
            ("ok ${FOO:+presence_value}", "ok presence_value"),
            ("ok ${FOO+presence_value}", "ok presence_value"),
            ("ok ${BAR+presence_value}", "ok presence_value"),
            ("ok ${BAR:+presence_value}", "ok "),
        ]);
    }

    #[test]
    fn text_around_does_not_change_the_operator() {
        check(&[
            ("-ok ${BAR:-defaultValue}", "-ok defaultValue"),
            ("+ok ${UNSET:-${BAR-defaultValue}}", "+ok "),
            ("-ok ${FOO:-defaultValue}", "-ok first"),
            (":-ok ${UNSET-defaultValue}", ":-ok defaultValue"),
            (":-ok ${BAR-defaultValue}", ":-ok "),
            (":?ok ${BAR-defaultValue}", ":?ok "),
            (":?ok ${BAR:-defaultValue}", ":?ok defaultValue"),
            (":+ok ${BAR:-defaultValue}", ":+ok defaultValue"),
            ("+ok ${BAR-defaultValue}", "+ok "),
            ("?ok ${BAR:-defaultValue}", "?ok defaultValue"),
        ]);
    }

    #[test]
    fn the_first_operator_wins() {
        check(&[
            ("${UNSET_VAR-myerror?msg}", "myerror?msg"),
            ("${FOO?bar-baz}", "first"),
            ("${UNSET_VAR-va:-lu:?e}", "va:-lu:?e"),
            ("${UNSET_VAR:-va?lu+e}", "va?lu+e"),
            ("${FOO:+va:?lu:-e}", "va:?lu:-e"),
            ("${FOO+va-lu?e}", "va-lu?e"),
        ]);
        assert_eq!(
            run("${UNSET_VAR?bar-baz}"),
            Err(InterpolationError::Required {
                name: "UNSET_VAR".into(),
                message: "bar-baz".into(),
            })
        );
    }

    #[test]
    fn nested_defaults() {
        check(&[
            ("ok ${UNSET_VAR-$FOO}", "ok first"),
            ("ok ${UNSET_VAR-${FOO}}", "ok first"),
            ("ok ${UNSET_VAR-${FOO} ${FOO}}", "ok first first"),
            ("ok ${BAR:-$FOO}", "ok first"),
            ("ok ${BAR:-${FOO}}", "ok first"),
            ("ok ${BAR:-${FOO} ${FOO}}", "ok first first"),
            ("ok ${BAR+$FOO}", "ok first"),
            ("ok ${BAR+$FOO ${FOO:+second}}", "ok first second"),
            ("${A:-${B:-${C:-deep}}}", "deep"),
            ("${A:-${B:-x}y}z", "xyz"),
            ("ok ${SUBDOMAIN:-redis}.${FOO:?}", "ok redis.first"),
        ]);
    }

    #[test]
    fn braces_in_defaults() {
        check(&[
            (r#"ok ${missing:-{"json":1}}"#, r#"ok {"json":1}"#),
            (r#"ok ${missing-{"json":1}}"#, r#"ok {"json":1}"#),
            (r#"ok ${JSON:-{"json":1}}"#, r#"ok {"json":2}"#),
            (r#"ok ${JSON-{"json":1}}"#, r#"ok {"json":2}"#),
            // What follows the closing brace is more text.
            ("${missing:-a}b}", "ab}"),
            ("${missing:-x}-${FOO}", "x-first"),
            ("${A:-a} ${B:-b} $FOO ${C:+c}", "a b first "),
            ("${A:-a}\n${B:-b}\n${FOO}", "a\nb\nfirst"),
            // compose-go's count skips the character after a `{`.
            ("${missing:-{}x}", "{}x"),
            ("${missing:-{x}", "{x"),
            ("${missing:-a{b}c}", "a{b}c"),
        ]);
    }

    #[test]
    fn required() {
        check(&[
            ("ok ${FOO:?err}", "ok first"),
            ("ok ${FOO?err}", "ok first"),
            ("ok ${BAR?err}", "ok "),
        ]);
        let cases = [
            (
                "not ok ${UNSET_VAR:?Mandatory Variable Unset}",
                "UNSET_VAR",
                "Mandatory Variable Unset",
            ),
            (
                "not ok ${BAR:?Mandatory Variable Empty}",
                "BAR",
                "Mandatory Variable Empty",
            ),
            ("not ok ${UNSET_VAR:?}", "UNSET_VAR", ""),
            (
                "not ok ${UNSET_VAR?Mandatory Variable Unset}",
                "UNSET_VAR",
                "Mandatory Variable Unset",
            ),
            ("not ok ${UNSET_VAR?}", "UNSET_VAR", ""),
            (
                "not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}",
                "UNSET_VAR",
                "Mandatory Variable first",
            ),
            (
                "not ok ${UNSET_VAR?Mandatory Variable ${FOO}}",
                "UNSET_VAR",
                "Mandatory Variable first",
            ),
        ];
        for (text, name, message) in cases {
            let expected = InterpolationError::Required {
                name: name.into(),
                message: message.into(),
            };
            assert_eq!(run(text), Err(expected), "interpolating {text:?}");
        }
    }

    #[test]
    fn invalid() {
        for text in [
            "${",
            "${}",
            "${ }",
            "${ foo}",
            "${foo }",
            "${foo!}",
            "${foo:x}",
            "${foo:}",
            "${1}",
            "${foo.bar}",
            "${foo-bar}}${",
            "${foo:-bar",
            "${foo:-bar\n}",
            "a $FOO ${}",
            "ok ${missing:-${ BAR}}",
            "ok ${missing:-x}${ BAR}",
        ] {
            let expected = InterpolationError::Invalid { text: text.into() };
            assert_eq!(run(text), Err(expected), "interpolating {text:?}");
        }
    }

    #[test]
    fn defaults_are_interpolated_even_when_not_used() {
        // As in Compose v2.40 (compose-go v2.9); compose-go v2.10.1 no longer does.
        assert_eq!(
            run("${FOO:-${X:?needed}}"),
            Err(InterpolationError::Required {
                name: "X".into(),
                message: "needed".into(),
            })
        );
        assert!(matches!(
            run("${FOO:-${ X}}"),
            Err(InterpolationError::Invalid { .. })
        ));
        let out = run("${FOO:+${FOO},}B ${FOO?$Y}").expect("valid");
        assert_eq!(out.text, "first,B first");
        assert_eq!(out.unset, ["Y"]);
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = |n: usize| format!("{}x{}", "${A:-".repeat(n), "}".repeat(n));
        assert_eq!(run(&deep(MAX_DEPTH)).map(|o| o.text), Ok("x".into()));
        assert!(matches!(
            run(&deep(MAX_DEPTH + 2)),
            Err(InterpolationError::TooDeep { .. })
        ));
    }

    #[test]
    fn many_substitutions_on_one_line() {
        let text = "${A:-a}".repeat(20_000);
        assert_eq!(run(&text).map(|o| o.text), Ok("a".repeat(20_000)));
    }

    #[test]
    fn messages() {
        let message = |text: &str| run(text).map_err(|e| e.to_string()).err();
        assert_eq!(
            message("a ${ VAR}").as_deref(),
            Some("invalid interpolation format in `a ${ VAR}`: escape a literal `$` as `$$`")
        );
        assert_eq!(
            message("${V:?set it}").as_deref(),
            Some("required variable `V` is missing a value: set it")
        );
        assert_eq!(
            message("${V?}").as_deref(),
            Some("required variable `V` is missing a value")
        );
    }
}
