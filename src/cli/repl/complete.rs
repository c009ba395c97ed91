//! What Tab offers at the cursor: inside a string, the target names of the maps in scope (the
//! library names after `import`); after `x.`, the methods and properties of `x`'s type; else
//! variables and functions; after `:`, the REPL's commands (and function names after `:help`).

use crate::script::vocabulary::Vocabulary;

/// The REPL's own commands.
pub(super) const COMMANDS: [&str; 4] = [":help", ":plan", ":status", ":quit"];

/// Where the word being completed starts, and what may replace it.
pub(super) fn complete(line: &str, pos: usize, vocabulary: &Vocabulary) -> (usize, Vec<String>) {
    let before = line.get(..pos).unwrap_or(line);
    if let Some(command) = before.strip_prefix(':') {
        return match command.split_once(' ') {
            None => (0, matching(COMMANDS.iter().map(|c| c.to_string()), before)),
            Some(("help", rest)) => {
                let start = pos - rest.len();
                let mut names: Vec<String> = vocabulary.functions.iter().map(|f| f.name.clone()).collect();
                names.extend(crate::script::vocabulary::TYPES.iter().map(|t| t.to_string()));
                (start, matching(names, rest))
            }
            Some((_, rest)) => {
                let word = rest.rsplit(' ').next().unwrap_or(rest);
                (
                    pos - word.len(),
                    matching(vocabulary.targets.iter().cloned(), word),
                )
            }
        };
    }
    if let Some(open) = open_string(before) {
        let partial = &before[open + 1..];
        let head = before[..open].trim_end();
        if head.ends_with("import") {
            return (open + 1, matching(vocabulary.modules.iter().cloned(), partial));
        }
        return (open + 1, matching(vocabulary.targets.iter().cloned(), partial));
    }
    let word_start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == ':')
        .last()
        .map_or(pos, |(i, _)| i);
    let word = &before[word_start..];
    if let Some(receiver_end) = before[..word_start].strip_suffix('.').map(str::len) {
        let receiver = receiver_name(&before[..receiver_end]);
        let ty = receiver.and_then(|r| {
            vocabulary
                .variables
                .iter()
                .find(|(n, _)| n == r)
                .map(|(_, t)| t.clone())
        });
        let fits = |t: &String| ty.as_ref().is_none_or(|ty| ty == t);
        let mut names: Vec<String> = vocabulary
            .properties
            .iter()
            .filter(|(t, _)| fits(t))
            .map(|(_, p)| p.clone())
            .collect();
        names.extend(
            vocabulary
                .functions
                .iter()
                .filter(|f| f.receiver.as_ref().is_some_and(&fits))
                .map(|f| format!("{}(", f.name)),
        );
        return (word_start, matching(names, word));
    }
    let mut names: Vec<String> = vocabulary.variables.iter().map(|(n, _)| n.clone()).collect();
    names.extend(
        vocabulary
            .functions
            .iter()
            .filter(|f| f.receiver.is_none())
            .map(|f| format!("{}(", f.name)),
    );
    (word_start, matching(names, word))
}

/// The candidates that start with `partial`, sorted, once each.
fn matching(names: impl IntoIterator<Item = String>, partial: &str) -> Vec<String> {
    let mut out: Vec<String> = names.into_iter().filter(|n| n.starts_with(partial)).collect();
    out.sort();
    out.dedup();
    out
}

/// Where the string the cursor is in opened, if it is in one.
fn open_string(text: &str) -> Option<usize> {
    let mut open = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match (c, open) {
            ('\\', Some(_)) if !escaped => {
                escaped = true;
                continue;
            }
            ('"', None) => open = Some(i),
            ('"', Some(_)) if !escaped => open = None,
            _ => {}
        }
        escaped = false;
    }
    open
}

/// The variable a method is called on: `c` in `c.`; none for an expression (`f().`).
fn receiver_name(text: &str) -> Option<&str> {
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map(|(i, _)| i)?;
    Some(&text[start..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::vocabulary::Function;

    fn vocabulary() -> Vocabulary {
        let f = |name: &str, receiver: Option<&str>| Function {
            name: name.into(),
            signature: format!("{name}()"),
            receiver: receiver.map(str::to_string),
            doc: String::new(),
        };
        Vocabulary {
            functions: vec![
                f("container_map", None),
                f("mapping_client", None),
                f("startup", Some("MappingClient")),
                f("status", Some("MappingClient")),
                f("merge", Some("ContainerMap")),
                f("users::create_user", None),
            ],
            properties: vec![
                ("ContainerMap".into(), "containers".into()),
                ("ContainerMap".into(), "name".into()),
                ("ContainerConfig".into(), "image".into()),
            ],
            variables: vec![
                ("c".into(), "MappingClient".into()),
                ("m".into(), "ContainerMap".into()),
            ],
            targets: vec![
                "__all__".into(),
                "web".into(),
                "worker".into(),
                "worker.a".into(),
                "site/web".into(),
            ],
            modules: vec!["dmap/files".into(), "dmap/users".into()],
        }
    }

    #[test]
    fn completes_by_where_the_cursor_is() {
        let v = vocabulary();
        let cases: &[(&str, usize, &[&str])] = &[
            ("con", 0, &["container_map("]),
            ("let x = map", 8, &["mapping_client("]),
            ("c.st", 2, &["startup(", "status("]),
            ("m.", 2, &["containers", "merge(", "name"]),
            ("c.startup(\"wo", 11, &["worker", "worker.a"]),
            ("c.startup(\"site/", 11, &["site/web"]),
            ("import \"dmap/u", 8, &["dmap/users"]),
            (":st", 0, &[":status"]),
            (":help us", 6, &["users::create_user"]),
            (":plan w", 6, &["web", "worker", "worker.a"]),
            ("users::cr", 0, &["users::create_user("]),
            ("print(\"a\"); c.sta", 14, &["startup(", "status("]),
            ("x", 0, &[]),
        ];
        for (line, start, want) in cases {
            let (s, got) = complete(line, line.len(), &v);
            assert_eq!(
                (s, got.as_slice()),
                (
                    *start,
                    &want.iter().map(|w| w.to_string()).collect::<Vec<_>>()[..]
                ),
                "{line:?}"
            );
        }
    }
}
