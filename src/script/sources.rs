//! The text of every recipe and library evaluated, by the label positions name it with: for
//! pointing into object-map literals, whose keys Rhai gives no positions for.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use crate::model::Origin;

#[derive(Default)]
pub(crate) struct Sources {
    texts: RefCell<HashMap<Arc<str>, Text>>,
}

/// A source text and where each of its lines starts.
struct Text {
    text: Arc<str>,
    lines: Vec<usize>,
}

impl Sources {
    pub(crate) fn add(&self, label: &str, text: &str) {
        let lines = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        self.texts.borrow_mut().insert(
            label.into(),
            Text {
                text: text.into(),
                lines,
            },
        );
    }

    /// Where key path `path` of an object-map literal passed at `call` is written: each key's
    /// first `key:` (or `"key":`) after the previous one, starting at the call. The call itself
    /// when the text is unknown or the key is not written there (built by code, not a literal).
    pub(crate) fn locate(&self, call: &Origin, path: &[&str]) -> Origin {
        let texts = self.texts.borrow();
        let (Some(source), Some(line), Some(column)) = (texts.get(&call.file), call.line, call.column) else {
            return call.clone();
        };
        let text = &*source.text;
        let Some(mut offset) = source.offset_of(line, column) else {
            return call.clone();
        };
        for key in path {
            match find_key(text, offset, key) {
                Some(at) => offset = at,
                None => return call.clone(),
            }
        }
        let line = source.lines.partition_point(|start| *start <= offset);
        let start = source.lines.get(line.saturating_sub(1)).copied().unwrap_or(0);
        let column = text[start..offset].chars().count() + 1;
        Origin::at(call.file.clone(), line, column)
    }
}

impl Text {
    /// The byte offset of a 1-based line and column.
    fn offset_of(&self, line: usize, column: usize) -> Option<usize> {
        let start = *self.lines.get(line.checked_sub(1)?)?;
        let rest = &self.text[start..];
        let within = rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i);
        Some(start + within)
    }
}

/// The offset of the next `key:` or `"key":` at or after `from`, as an object-map key (after
/// `{`, `,` or whitespace; not `key::`).
fn find_key(text: &str, from: usize, key: &str) -> Option<usize> {
    let mut at = from;
    while let Some(found) = text.get(at..)?.find(key) {
        let start = at + found;
        let end = start + key.len();
        at = end;
        let quoted = text[..start].ends_with('"') && text[end..].starts_with('"');
        let (open, close) = if quoted {
            (start - 1, end + 1)
        } else {
            (start, end)
        };
        let before_ok = text[..open]
            .chars()
            .next_back()
            .is_none_or(|c| c == '{' || c == ',' || c.is_whitespace());
        let after = text[close..].trim_start();
        if before_ok && after.starts_with(':') && !after.starts_with("::") {
            return Some(open);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_keys_are_found_after_the_call() {
        let s = Sources::default();
        let text = "let m = container_map(\"r\", #{\n    web: #{ image: \"x\", imgae: 1 },\n    \"volumse\": 2,\n});\n";
        s.add("r.rhai", text);
        let call = Origin::at("r.rhai", 1, 9);
        assert_eq!(s.locate(&call, &["web", "imgae"]), Origin::at("r.rhai", 2, 25));
        assert_eq!(s.locate(&call, &["volumse"]), Origin::at("r.rhai", 3, 5));
        // `image` inside `imgae`'s neighbour is not `imgae`; an unknown key falls back to the call
        assert_eq!(s.locate(&call, &["web", "image"]), Origin::at("r.rhai", 2, 13));
        assert_eq!(s.locate(&call, &["nope"]), call);
        assert_eq!(
            s.locate(&Origin::at("other.rhai", 1, 1), &["web"]),
            Origin::at("other.rhai", 1, 1)
        );
    }
}
