//! Line numbers for key paths. The parser keeps no positions in its values, so the source text is
//! scanned instead: an indentation-aware walk of block-style YAML that records where each mapping
//! key and list item starts. Flow collections are recorded by their own key only.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::Seg;

/// Every key and list item found in the text: the hash of its path → its 1-based lines, in text
/// order. Indexed by a hash, since every field of a big map asks for its line and storing each
/// path would cost more than the parse.
#[derive(Debug, Default)]
pub(super) struct Lines {
    entries: HashMap<u64, Vec<usize>>,
    /// The lines of complex keys (`? [a, b]`, `[a, b]: x`), by the hash of their mapping's path.
    complex_keys: HashMap<u64, Vec<usize>>,
}

fn path_hash<'a>(segs: impl Iterator<Item = &'a Seg>) -> u64 {
    let mut h = DefaultHasher::new();
    for seg in segs {
        seg.hash(&mut h);
    }
    h.finish()
}

impl Lines {
    pub(super) fn scan(text: &str) -> Lines {
        let mut scanner = Scanner::default();
        for (i, line) in text.lines().enumerate() {
            scanner.line(line, i + 1);
        }
        Lines {
            entries: scanner.entries,
            complex_keys: scanner.complex_keys,
        }
    }

    /// The line of the first complex key of the mapping at `path`.
    pub(super) fn complex_key(&self, path: &[Seg]) -> Option<usize> {
        self.complex_keys
            .get(&path_hash(path.iter()))
            .and_then(|lines| lines.first())
            .copied()
    }

    /// The line of the `nth` (from 0) occurrence of `path`; repeated keys occur more than once.
    pub(super) fn find(&self, path: &[Seg], nth: usize) -> Option<usize> {
        self.entries
            .get(&path_hash(path.iter()))
            .and_then(|lines| lines.get(nth))
            .copied()
    }
}

#[derive(Debug, Default)]
enum Skip {
    #[default]
    Nothing,
    /// The body of a block scalar: lines indented deeper than its parent, and blank lines.
    Block { parent: usize },
    /// The rest of a flow collection or quoted scalar that did not end on its first line.
    Flow(Flow),
}

#[derive(Debug, Default)]
struct Scanner {
    /// Open keys and list items, each with the column it starts at.
    stack: Vec<(usize, Seg)>,
    skip: Skip,
    entries: HashMap<u64, Vec<usize>>,
    complex_keys: HashMap<u64, Vec<usize>>,
}

impl Scanner {
    fn line(&mut self, line: &str, number: usize) {
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        match &mut self.skip {
            Skip::Block { parent } if content.trim().is_empty() || indent > *parent => return,
            Skip::Flow(flow) => {
                flow.feed(line);
                if !flow.is_open() {
                    self.skip = Skip::Nothing;
                }
                return;
            }
            _ => self.skip = Skip::Nothing,
        }
        if content.is_empty() || content.starts_with('#') {
            return;
        }
        if indent == 0 && (is_marker(line, "---") || is_marker(line, "...") || line.starts_with('%')) {
            self.stack.clear();
            return;
        }
        let (mut column, mut rest, mut parent) = (indent, content, indent);
        while let Some(after) = rest
            .strip_prefix('-')
            .filter(|a| a.is_empty() || a.starts_with([' ', '\t']))
        {
            self.item(column, number);
            parent = column;
            let trimmed = after.trim_start();
            column += 1 + after.len() - trimmed.len();
            rest = trimmed;
        }
        if is_complex_key(rest) {
            self.stack.retain(|(c, _)| *c < column);
            let hash = path_hash(self.stack.iter().map(|(_, seg)| seg));
            self.complex_keys.entry(hash).or_default().push(number);
        }
        let value = match split_key(rest) {
            Some((key, value)) => {
                self.key(column, key, number);
                parent = column;
                value
            }
            None => rest,
        };
        let value = skip_properties(value);
        if is_block_indicator(value) {
            self.skip = Skip::Block { parent };
        } else if value.starts_with(['[', '{', '"', '\'']) {
            let mut flow = Flow::default();
            flow.feed(value);
            if flow.is_open() {
                self.skip = Skip::Flow(flow);
            }
        }
    }

    fn item(&mut self, column: usize, number: usize) {
        self.stack.retain(|(c, _)| *c <= column);
        match self.stack.last_mut() {
            Some((c, Seg::Index(i))) if *c == column => *i += 1,
            _ => self.stack.push((column, Seg::Index(0))),
        }
        self.record(number);
    }

    fn key(&mut self, column: usize, key: String, number: usize) {
        self.stack.retain(|(c, _)| *c < column);
        self.stack.push((column, Seg::Key(key)));
        self.record(number);
    }

    fn record(&mut self, number: usize) {
        let hash = path_hash(self.stack.iter().map(|(_, seg)| seg));
        self.entries.entry(hash).or_default().push(number);
    }
}

/// The line of the start of a second YAML document in `text`: a `---` after content, or
/// content after a `...` end marker. Only a text the parser refused is scanned.
pub(super) fn second_document(text: &str) -> Option<usize> {
    let (mut content, mut ended) = (false, false);
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if is_marker(line, "---") {
            if content || ended {
                return Some(i + 1);
            }
            let rest = line[3..].trim();
            content = !rest.is_empty() && !rest.starts_with('#');
        } else if is_marker(line, "...") {
            ended = true;
        } else if trimmed.is_empty() || trimmed.starts_with('#') || line.starts_with('%') {
        } else if ended {
            return Some(i + 1);
        } else {
            content = true;
        }
    }
    None
}

/// An explicit key (`? KEY`) or a flow collection used as a key (`[a, b]: x`).
fn is_complex_key(text: &str) -> bool {
    if text == "?" || text.starts_with("? ") || text.starts_with("?\t") {
        return true;
    }
    if !text.starts_with(['[', '{']) {
        return false;
    }
    let (mut depth, mut quote, mut escaped, mut end) = (0usize, None, false, None);
    for (i, c) in text.char_indices() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '[' | '{' => depth += 1,
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        if depth == 0 {
            end = Some(i + c.len_utf8());
            break;
        }
    }
    end.is_some_and(|end| {
        let after = text[end..].trim_start();
        after
            .strip_prefix(':')
            .is_some_and(|v| v.is_empty() || v.starts_with([' ', '\t']))
    })
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// Splits `key: value` into the key's text (unquoted) and the value; `None` when the text
/// does not start with a block mapping key.
fn split_key(text: &str) -> Option<(String, &str)> {
    let (key, after) = match text.chars().next()? {
        '"' | '\'' => {
            let (key, len) = quoted(text)?;
            (key, text[len..].trim_start())
        }
        c if "[]{},#&*!|>%@`".contains(c) => return None,
        // An explicit `? key` is too rare in map files to be worth following.
        '?' if text.len() == 1 || text[1..].starts_with([' ', '\t']) => return None,
        _ => {
            let end = key_end(text)?;
            (text[..end].trim_end().to_string(), &text[end..])
        }
    };
    let value = after.strip_prefix(':')?;
    (value.is_empty() || value.starts_with([' ', '\t'])).then(|| (key, value.trim_start()))
}

/// Where a plain key ends: at the first `:` followed by a space or the end of the line,
/// unless a comment starts first.
fn key_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find_map(|i| match bytes[i] {
        b'#' if i > 0 && bytes[i - 1] == b' ' => Some(None),
        b':' if matches!(bytes.get(i + 1), None | Some(b' ' | b'\t')) => Some(Some(i)),
        _ => None,
    })?
}

/// A quoted scalar at the start of `text`: its unescaped text and its length with the quotes.
fn quoted(text: &str) -> Option<(String, usize)> {
    let mut chars = text.char_indices();
    let (_, quote) = chars.next()?;
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' if quote == '\'' => {
                if text[i + 1..].starts_with('\'') {
                    chars.next();
                    out.push('\'');
                } else {
                    return Some((out, i + 1));
                }
            }
            '"' if quote == '"' => return Some((out, i + 1)),
            '\\' if quote == '"' => match chars.next()?.1 {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                '0' => out.push('\0'),
                escaped => out.push(escaped),
            },
            _ => out.push(c),
        }
    }
    None
}

/// Drops a leading anchor and tag (`&a !path`) from a value.
fn skip_properties(mut value: &str) -> &str {
    while value.starts_with(['&', '!']) {
        let end = value.find([' ', '\t']).unwrap_or(value.len());
        value = value[end..].trim_start();
    }
    value
}

/// `|`, `>`, with optional chomping and indentation indicators, then nothing but a comment.
fn is_block_indicator(value: &str) -> bool {
    let Some(rest) = value.strip_prefix(['|', '>']) else {
        return false;
    };
    let rest = rest.trim_start_matches(|c: char| c == '+' || c == '-' || c.is_ascii_digit());
    rest.is_empty() || rest.starts_with([' ', '\t'])
}

/// Tracks brackets and quotes across lines so that the inside of a flow collection or a quoted
/// scalar is not mistaken for block keys.
#[derive(Debug, Default)]
struct Flow {
    depth: usize,
    quote: Option<char>,
    escaped: bool,
    /// Just closed a single quote: another `'` right after is an escaped quote, not a new scalar.
    closed_single: bool,
}

impl Flow {
    fn feed(&mut self, text: &str) {
        let mut token_start = true;
        for c in text.chars() {
            let reopen = std::mem::take(&mut self.closed_single) && c == '\'';
            match self.quote {
                _ if reopen => self.quote = Some('\''),
                Some('"') if self.escaped => self.escaped = false,
                Some('"') if c == '\\' => self.escaped = true,
                Some('\'') if c == '\'' => {
                    self.quote = None;
                    self.closed_single = true;
                }
                Some(q) if c == q => self.quote = None,
                Some(_) => {}
                None => match c {
                    '#' if token_start => return,
                    '[' | '{' => self.depth += 1,
                    ']' | '}' => self.depth = self.depth.saturating_sub(1),
                    '"' | '\'' if token_start => self.quote = Some(c),
                    _ => {}
                },
            }
            token_start = self.quote.is_none() && (c.is_whitespace() || "[{,:".contains(c));
        }
        self.closed_single = false;
    }

    fn is_open(&self) -> bool {
        self.depth > 0 || self.quote.is_some()
    }
}
