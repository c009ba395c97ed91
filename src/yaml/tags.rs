//! The docker-map tags: `!path` / `!path_lazy` expand like Python's
//! `os.path.expanduser(os.path.expandvars(v))`; `!env` reads a variable.

use crate::model::Value;

pub(super) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Expands every scalar in `value`, however deeply nested (docker-map only handled one level).
pub(super) fn expand_paths(value: Value, env: Env) -> Value {
    match value {
        Value::List(items) => Value::List(items.into_iter().map(|v| expand_paths(v, env)).collect()),
        Value::Map(map) => Value::Map(map.into_iter().map(|(k, v)| (k, expand_paths(v, env))).collect()),
        scalar => match scalar.scalar_text() {
            Some(text) => Value::Str(expand_user(expand_vars(&text, env), env)),
            None => scalar,
        },
    }
}

/// `$NAME` and `${NAME}`; unset variables stay as written, as in Python.
fn expand_vars(text: &str, env: Env) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let (name, len) = match after.strip_prefix('{') {
            Some(braced) => braced.find('}').map_or(("", 0), |end| (&braced[..end], end + 2)),
            None => {
                let len = after
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                (&after[..len], len)
            }
        };
        match env(name).filter(|_| len > 0) {
            Some(value) => out.push_str(&value),
            None => {
                out.push('$');
                out.push_str(&after[..len]);
            }
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// A leading `~` is the HOME variable; `~user` is left alone (there is no password database to ask).
fn expand_user(text: String, env: Env) -> String {
    let Some(after) = text.strip_prefix('~') else {
        return text;
    };
    let (user, tail) = after.split_at(after.find('/').unwrap_or(after.len()));
    let home = match env("HOME") {
        Some(home) if user.is_empty() => home,
        _ => return text,
    };
    let joined = format!("{}{tail}", home.trim_end_matches('/'));
    if joined.is_empty() {
        "/".to_string()
    } else {
        joined
    }
}
