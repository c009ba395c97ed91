//! The text of every recipe and library evaluated, by the label positions name it with: for
//! pointing into object-map literals, whose keys Rhai gives no positions for.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use crate::model::Origin;

#[derive(Default)]
pub struct Sources {
    texts: RefCell<HashMap<Arc<str>, Arc<str>>>,
}

impl Sources {
    pub fn add(&self, label: &str, text: &str) {
        self.texts.borrow_mut().insert(label.into(), text.into());
    }

    /// Where key path `path` of an object-map literal passed at `call` is written: each key's
    /// first `key:` (or `"key":`) after the previous one, starting at the call. The call itself
    /// when the text is unknown or the key is not written there (built by code, not a literal).
    pub fn locate(&self, call: &Origin, path: &[&str]) -> Origin {
        let texts = self.texts.borrow();
        let (Some(text), Some(line), Some(column)) = (texts.get(&call.file), call.line, call.column) else {
            return call.clone();
        };
        let Some(mut offset) = offset_of(text, line, column) else {
            return call.clone();
        };
        for key in path {
            match find_key(text, offset, key) {
                Some(at) => offset = at,
                None => return call.clone(),
            }
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Origin::at(call.file.clone(), line, column)
    }
}

/// The byte offset of a 1-based line and column.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let rest = &text[start..];
    let within = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    Some(start + within)
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
