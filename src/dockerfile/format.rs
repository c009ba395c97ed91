//! How values are written in Dockerfile instructions: exec-form commands, JSON lists, ports,
//! labels.

use crate::model::shell_words::{split_words, WordsError};
use crate::model::Value;

/// A value an instruction can't be written from.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub(crate) enum FormatError {
    /// A value of the wrong shape; `found` is the value as it reads in messages.
    #[error("expected {expected}, found {found}")]
    Expected { expected: &'static str, found: String },
    #[error(transparent)]
    Words(#[from] WordsError),
}

fn expected(expected: &'static str, found: &Value) -> FormatError {
    FormatError::Expected {
        expected,
        found: found.to_string(),
    }
}

/// A JSON string as Python's `json.dumps` writes it (non-ASCII as `\uXXXX`), which is what
/// docker-map's Dockerfiles contain.
pub(crate) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `["a", "b"]`, items separated by `, ` as docker-map writes them.
pub(crate) fn json_list<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<String> = items.iter().map(|s| json_string(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// The words of a command value: a list as it is (items as text), a string split as a shell
/// would (docker-map split on single spaces, ignoring quotes).
pub(crate) fn command_words(value: &Value) -> Result<Vec<String>, FormatError> {
    match value {
        Value::Str(s) => Ok(split_words(s)?),
        Value::List(items) => Ok(items.iter().map(text).collect()),
        other => Err(expected("a command (a string or a list)", other)),
    }
}

/// A command for `CMD` / `ENTRYPOINT` / `SHELL`: the exec form (a JSON list), or with `shell` the
/// shell form (a list joined with spaces, a string as it is). An empty command is `[]`.
pub(crate) fn command(value: &Value, shell: bool) -> Result<String, FormatError> {
    let empty =
        matches!(value, Value::Str(s) if s.is_empty()) || matches!(value, Value::List(l) if l.is_empty());
    if empty {
        return Ok("[]".into());
    }
    if shell {
        return match value {
            Value::Str(s) => Ok(s.clone()),
            Value::List(items) => Ok(items.iter().map(text).collect::<Vec<_>>().join(" ")),
            other => Err(expected("a command (a string or a list)", other)),
        };
    }
    command_words(value).map(|w| json_list(&w))
}

/// `EXPOSE`'s arguments: a number, a string as it is (`"80 443"`), or a list of either.
pub(crate) fn expose(value: &Value) -> Result<Vec<String>, FormatError> {
    match value {
        Value::Int(_) | Value::Str(_) => Ok(vec![text(value)]),
        Value::List(items) => items
            .iter()
            .map(|i| match i {
                Value::Int(_) | Value::Str(_) => Ok(text(i)),
                other => Err(expected("a port", other)),
            })
            .collect(),
        other => Err(expected("ports (a number, a string or a list)", other)),
    }
}

/// `"k"="v"` pairs; a newline in a value continues the instruction on the next line, and quotes
/// and backslashes are escaped (docker-map wrote them as they were, breaking the instruction).
pub(crate) fn labels(labels: &[(String, String)]) -> Vec<String> {
    let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    labels
        .iter()
        .map(|(k, v)| format!("\"{}\"=\"{}\"", quote(k), quote(v).replace('\n', "\\\n")))
        .collect()
}

/// A scalar as Dockerfile text.
pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => other.scalar_text().unwrap_or_else(|| other.to_string()),
    }
}

/// A path in an `ADD` instruction: spaces escaped as `\ `.
pub(crate) fn escape_spaces(path: &str) -> String {
    path.replace(' ', "\\ ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        let cases: &[(Value, bool, &str)] = &[
            (
                Value::List(vec![Value::str("python"), Value::str("app.py"), Value::Int(8000)]),
                false,
                r#"["python", "app.py", "8000"]"#,
            ),
            (
                Value::str("/usr/bin/tini --"),
                false,
                r#"["/usr/bin/tini", "--"]"#,
            ),
            // the quoting fix: docker-map gave ["/bin/sh", "-c", "\"echo", "hi\""]
            (
                Value::str(r#"/bin/sh -c "echo hi""#),
                false,
                r#"["/bin/sh", "-c", "echo hi"]"#,
            ),
            (Value::str(r"a\ b c"), false, r#"["a b", "c"]"#),
            (Value::List(vec![Value::str("a"), Value::str("b")]), true, "a b"),
            (Value::str("a b"), true, "a b"),
            (Value::str(""), false, "[]"),
            (Value::List(vec![]), true, "[]"),
        ];
        for (value, shell, expected) in cases {
            assert_eq!(command(value, *shell).unwrap(), *expected, "{value}");
        }
        assert!(command(&Value::str("echo 'unclosed"), false).is_err());
    }

    #[test]
    fn json_as_python_writes_it() {
        assert_eq!(json_list(&["/data", "/logs"]), r#"["/data", "/logs"]"#);
        assert_eq!(json_string("é\"\\"), r#""\u00e9\"\\""#);
        assert_eq!(json_string("😀"), r#""\ud83d\ude00""#);
    }

    #[test]
    fn ports_and_labels() {
        assert_eq!(expose(&Value::Int(80)).unwrap(), ["80"]);
        assert_eq!(expose(&Value::str("80 443")).unwrap(), ["80 443"]);
        assert_eq!(
            expose(&Value::List(vec![Value::Int(80), Value::str("443/tcp")])).unwrap(),
            ["80", "443/tcp"]
        );
        assert_eq!(
            labels(&[
                ("desc".into(), "line1\nline2".into()),
                ("q".into(), "say \"hi\"".into())
            ]),
            ["\"desc\"=\"line1\\\nline2\"", "\"q\"=\"say \\\"hi\\\"\""]
        );
    }
}
