//! Model values as Rhai source: strings in double quotes with Rhai's escapes, object-map keys
//! bare only when Rhai reads them back as the same key, numbers as Rhai reads them; short values
//! on one line, longer ones one item per line.

use crate::model::Value;

/// The column no line of a literal should pass, when it can be helped.
const WIDTH: usize = 100;

/// One level of indentation.
const INDENT: usize = 4;

/// How a literal is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Layout {
    /// On one line when it fits, else one item per line.
    Fit,
    /// One item per line when it has more than one.
    Expanded,
}

/// `value` as a Rhai literal that starts at `column` of a line indented by `indent`.
pub(super) fn literal(value: &Value, indent: usize, column: usize, layout: Layout) -> String {
    match value {
        Value::Map(entries) => {
            let entries: Vec<(&str, &Value)> = entries.iter().map(|(k, v)| (k.as_str(), v)).collect();
            object(&entries, indent, column, layout)
        }
        Value::List(items) => {
            let one_line = inline(value);
            if fits(&one_line, column, items.len(), layout) {
                return one_line;
            }
            let inner = indent + INDENT;
            let mut out = String::from("[\n");
            for item in items {
                out.push_str(&" ".repeat(inner));
                out.push_str(&literal(item, inner, inner, Layout::Fit));
                out.push_str(",\n");
            }
            out.push_str(&" ".repeat(indent));
            out.push(']');
            out
        }
        scalar => inline(scalar),
    }
}

/// An object map of `entries`, in their order, as [`literal`] lays one out.
pub(super) fn object(entries: &[(&str, &Value)], indent: usize, column: usize, layout: Layout) -> String {
    let one_line = inline_object(entries);
    if fits(&one_line, column, entries.len(), layout) {
        return one_line;
    }
    let inner = indent + INDENT;
    let mut out = String::from("#{\n");
    for (key, v) in entries {
        let key = map_key(key);
        out.push_str(&" ".repeat(inner));
        out.push_str(&key);
        out.push_str(": ");
        out.push_str(&literal(v, inner, inner + key.len() + 2, Layout::Fit));
        out.push_str(",\n");
    }
    out.push_str(&" ".repeat(indent));
    out.push('}');
    out
}

/// Whether a list or object map of `items` stays on one line.
fn fits(one_line: &str, column: usize, items: usize, layout: Layout) -> bool {
    items == 0 || (column + one_line.len() <= WIDTH && (layout == Layout::Fit || items == 1))
}

/// `value` on one line.
fn inline(value: &Value) -> String {
    match value {
        Value::Null => "()".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => int(*i),
        Value::Float(f) => float(*f),
        Value::Str(s) => string(s),
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Map(entries) => {
            let entries: Vec<(&str, &Value)> = entries.iter().map(|(k, v)| (k.as_str(), v)).collect();
            inline_object(&entries)
        }
    }
}

/// An object map on one line.
fn inline_object(entries: &[(&str, &Value)]) -> String {
    if entries.is_empty() {
        return "#{}".to_string();
    }
    let entries: Vec<String> = entries
        .iter()
        .map(|(k, v)| format!("{}: {}", map_key(k), inline(v)))
        .collect();
    format!("#{{ {} }}", entries.join(", "))
}

/// An integer: Rhai reads `-N` as one literal, except the one whose magnitude has no `i64`.
fn int(i: i64) -> String {
    if i == i64::MIN {
        format!("({} - 1)", i + 1)
    } else {
        i.to_string()
    }
}

/// A float as Rhai reads one back: always with a `.` or an exponent (`1.0`, `1e-7`); the values
/// that have no literal as the divisions that give them.
fn float(f: f64) -> String {
    if f.is_nan() {
        "(0.0 / 0.0)".to_string()
    } else if f.is_infinite() {
        if f > 0.0 { "(1.0 / 0.0)" } else { "(-1.0 / 0.0)" }.to_string()
    } else {
        // `{:?}` keeps a `.0` on whole numbers and writes large and small ones with `e`.
        format!("{f:?}")
    }
}

/// A string in double quotes: `"`, `\` and control characters escaped (a `$` needs no escape
/// there: only backtick strings interpolate).
pub(super) fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() && u32::from(c) <= 0xFFFF => {
                out.push_str(&format!("\\u{:04X}", u32::from(c)))
            }
            c if c.is_control() => out.push_str(&format!("\\U{:08X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An object-map key: bare when Rhai reads it so, else quoted.
fn map_key(key: &str) -> String {
    if bare(key) {
        key.to_string()
    } else {
        string(key)
    }
}

/// Whether `key` can be written bare, both as an object-map key (`#{ key: 1 }`) and as a property
/// (`m.volumes.key`): an ASCII identifier that Rhai reads back as itself, not one of its keywords
/// or reserved words (`let`, `default`, `shared`, ...). Rhai's parser is asked, so a word it
/// reserves in a later version is quoted too.
pub(super) fn bare(key: &str) -> bool {
    let mut chars = key.chars();
    let identifier = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && key.chars().any(|c| c.is_ascii_alphabetic());
    identifier
        && rhai::Engine::new_raw()
            .eval::<rhai::INT>(&format!("let x = #{{ {key}: 7 }}; x.{key}"))
            .is_ok_and(|v| v == 7)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// What Rhai makes of `text`, as a model value.
    fn eval(text: &str) -> Value {
        let d = rhai::Engine::new_raw()
            .eval_expression::<rhai::Dynamic>(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        crate::script::convert::to_value(&d).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn map(entries: &[(&str, Value)]) -> Value {
        Value::Map(
            entries
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn values_read_back_as_themselves() {
        let tricky = Value::Str("a \"quoted\" \\path\\ ${HOME} `tick` \n\r\t\u{1}\u{7f} é 🐳".into());
        let nested = map(&[
            ("image", Value::str("nginx")),
            ("default", Value::Bool(true)),
            ("shared", Value::Null),
            ("type", Value::str("bind")),
            ("com.example.label", Value::str("x")),
            ("my-key", Value::Int(-5)),
            ("", Value::Int(i64::MIN)),
            ("9lives", Value::Int(i64::MAX)),
            ("let", Value::Float(0.5)),
            ("fn", Value::Float(1.0)),
            ("tiny", Value::Float(1e-7)),
            ("huge", Value::Float(1e300)),
            ("neg", Value::Float(-2.5e-12)),
            (
                "list",
                Value::List(vec![tricky.clone(), Value::List(vec![]), map(&[])]),
            ),
        ]);
        for value in [tricky, nested.clone(), Value::List(vec![nested.clone(), nested])] {
            for layout in [Layout::Fit, Layout::Expanded] {
                let text = literal(&value, 0, 0, layout);
                assert_eq!(eval(&text), value, "{text}");
            }
        }
        let inf = eval(&literal(&Value::Float(f64::INFINITY), 0, 0, Layout::Fit));
        assert_eq!(inf, Value::Float(f64::INFINITY));
        let nan = eval(&literal(&Value::Float(f64::NAN), 0, 0, Layout::Fit));
        assert!(matches!(nan, Value::Float(f) if f.is_nan()), "{nan:?}");
    }

    #[test]
    fn keywords_reserved_words_and_other_names_are_quoted() {
        for key in [
            "default", "shared", "let", "fn", "true", "this", "my-key", "a.b", "9x", "_", "",
        ] {
            assert!(!bare(key), "{key}");
        }
        for key in [
            "image",
            "type",
            "create_options",
            "web",
            "_x",
            "default_path",
            "depends_on",
        ] {
            assert!(bare(key), "{key}");
        }
        for field in crate::model::container::FIELDS {
            assert!(bare(field), "{field}");
        }
    }

    #[test]
    fn short_values_stay_on_one_line_and_long_ones_take_a_line_per_item() {
        let short = map(&[
            ("image", Value::str("nginx")),
            ("stop_signal", Value::str("SIGINT")),
        ]);
        assert_eq!(
            literal(&short, 0, 20, Layout::Fit),
            "#{ image: \"nginx\", stop_signal: \"SIGINT\" }"
        );
        assert_eq!(
            literal(&short, 0, 20, Layout::Expanded),
            "#{\n    image: \"nginx\",\n    stop_signal: \"SIGINT\",\n}"
        );
        let one = map(&[("image", Value::str("nginx"))]);
        assert_eq!(literal(&one, 0, 20, Layout::Expanded), "#{ image: \"nginx\" }");
        let words: Vec<Value> = (0..30).map(|i| Value::str(format!("word{i}"))).collect();
        let long = map(&[
            ("command", Value::List(words)),
            ("create", Value::Map(BTreeMap::new())),
        ]);
        let text = literal(&long, 4, 4, Layout::Fit);
        assert!(
            text.starts_with("#{\n        command: [\n            \"word0\",\n"),
            "{text}"
        );
        assert!(
            text.ends_with("        ],\n        create: #{},\n    }"),
            "{text}"
        );
        assert_eq!(eval(&text), long);
    }
}
