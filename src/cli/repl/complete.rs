//! What Tab offers at the cursor: inside a string, the target names of the maps in scope (the
//! library names after `import`); after `x.` or `x.y.z.`, what that expression is known to have:
//! the properties and methods of its type and its entries (`m.containers.`: the configurations;
//! an object map's keys), else every property and method; else variables and functions; after
//! `:`, the REPL's commands (and function names after `:help`).

use crate::script::vocabulary::{Receiver, Vocabulary};

/// The REPL's own commands.
pub(super) const COMMANDS: [&str; 4] = [":help", ":plan", ":status", ":quit"];

/// Where the word being completed starts, and what may replace it; `receiver` says what a chain
/// of properties on a variable is.
pub(super) fn complete(
    line: &str,
    pos: usize,
    vocabulary: &Vocabulary,
    receiver: &dyn Fn(&[String]) -> Option<Receiver>,
) -> (usize, Vec<String>) {
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
        let known = chain(&before[..receiver_end]).and_then(|c| receiver(&c));
        let fits = |t: &String| known.as_ref().is_none_or(|r| r.ty == *t);
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
                .filter(|f| f.receiver.as_ref().is_some_and(fits))
                .map(|f| format!("{}(", f.name)),
        );
        if let Some(r) = known {
            names.extend(r.entries.into_iter().filter(|e| is_identifier(e)));
        }
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

/// The variable and the properties read on it before a `.`: `["m", "containers", "web"]` for
/// `m.containers.web` or `m.containers["web"]`; none for anything else (`f().x`, `a[0]`).
fn chain(text: &str) -> Option<Vec<String>> {
    let mut names = Vec::new();
    let mut rest = text;
    loop {
        if let Some(inside) = rest.strip_suffix("\"]") {
            // `x["name"]`: `x` comes right before it.
            let open = inside.rfind("[\"")?;
            names.push(inside[open + 2..].to_string());
            rest = &inside[..open];
            continue;
        }
        let start = rest
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
            .last()
            .map(|(i, _)| i)?;
        names.push(rest[start..].to_string());
        rest = &rest[..start];
        match rest.strip_suffix('.') {
            Some(before) => rest = before,
            None => break,
        }
    }
    // A variable starts it: not a number, a module's item (`a::b`) or what an expression gives.
    let first = names.last()?;
    let after_expression = rest.ends_with([')', ']', '"', '`', '\'', ':', '?']);
    if after_expression || !is_identifier(first) {
        return None;
    }
    names.reverse();
    Some(names)
}

/// A name written after a `.` as it is: `web`, not `web-1`.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::Interpreter;

    /// The scope the cases complete in.
    const RECIPE: &str = r#"
        let m = container_map("site");
        m.containers.web = #{ image: "x", instances: ["a", "b"] };
        m.containers.worker = #{ image: "y" };
        m.groups.front = ["web"];
        m.volumes.data = #{};
        m.volumes["odd-name"] = #{};
        let other = container_map("other");
        other.containers.db.image = "z";
        let c = mapping_client([m, other]);
        let df = dockerfile("scratch");
        let o = #{ one: 1, two: #{ three: 3 } };
        let s = "text";
        fn twice(x) { x * 2 }
    "#;

    fn interpreter() -> Interpreter {
        let mut interpreter = Interpreter::for_tests();
        if let Err(e) = interpreter.eval_text("scope.rhai", RECIPE) {
            panic!("{e}");
        }
        interpreter
    }

    #[test]
    fn completes_by_where_the_cursor_is_and_what_is_before_the_dot() {
        let interpreter = interpreter();
        let v = interpreter.vocabulary();
        let receiver = |chain: &[String]| interpreter.receiver(chain);
        let cases: &[(&str, usize, &[&str])] = &[
            ("con", 0, &["container_map("]),
            ("let x = map", 8, &["mapping_client("]),
            ("tw", 0, &["twice("]),
            // A method of the variable's type.
            ("c.st", 2, &["start(", "startup(", "status(", "stop("]),
            // A map's properties (its getter's and its indexer's) and methods.
            (
                "m.",
                2,
                &[
                    "builder",
                    "check(",
                    "clients",
                    "containers",
                    "default_domain",
                    "default_tag",
                    "groups",
                    "host",
                    "host_root",
                    "images",
                    "merge(",
                    "name",
                    "naming",
                    "networks",
                    "repository",
                    "set_hostname",
                    "to_debug(",
                    "to_map(",
                    "to_string(",
                    "use_attached_parent_name",
                    "volumes",
                ],
            ),
            // The configurations of `m.containers`, and its methods.
            (
                "m.containers.",
                13,
                &[
                    "contains(",
                    "keys(",
                    "len(",
                    "remove(",
                    "to_debug(",
                    "to_string(",
                    "web",
                    "worker",
                ],
            ),
            // A configuration's fields, by either syntax; one not made yet has them too.
            ("m.containers.web.i", 17, &["image", "instances"]),
            ("m.containers[\"web\"].ima", 20, &["image"]),
            (
                "m.containers.nope.st",
                18,
                &["start_delay", "stop_signal", "stop_timeout"],
            ),
            (
                "let w = m.containers.web.to_",
                25,
                &["to_debug(", "to_map(", "to_string("],
            ),
            // The entries of `m.volumes` that can follow a dot.
            (
                "m.volumes.",
                10,
                &[
                    "contains(",
                    "data",
                    "keys(",
                    "len(",
                    "remove(",
                    "to_debug(",
                    "to_string(",
                ],
            ),
            ("m.groups.f", 9, &["front"]),
            // An object map's keys, at any depth.
            ("o.", 2, &["one", "two"]),
            ("o.two.", 6, &["three"]),
            ("df.add_", 3, &["add_archive(", "add_file(", "add_volume("]),
            // A string has no properties nor methods of dmap's.
            ("s.", 2, &[]),
            // Not a variable: every property and method.
            ("f().ima", 4, &["image", "images"]),
            ("nope.ima", 5, &["image", "images"]),
            ("o.one.ima", 6, &[]),
            // Targets of the maps made so far: the first map's, and each map's prefixed.
            ("c.startup(\"wo", 11, &["worker"]),
            ("c.startup(\"web", 11, &["web", "web.a", "web.b"]),
            ("c.startup(\"other/", 11, &["other/__all__", "other/db"]),
            ("import \"dmap/u", 8, &["dmap/users"]),
            (":st", 0, &[":status"]),
            (
                ":help users::create_u",
                6,
                &["users::create_user", "users::create_user_cmd"],
            ),
            (":help ContainerC", 6, &["ContainerConfig"]),
            (":plan w", 6, &["web", "web.a", "web.b", "worker"]),
            (
                "users::create_us",
                0,
                &["users::create_user(", "users::create_user_cmd("],
            ),
            ("print(\"a\"); c.sta", 14, &["start(", "startup(", "status("]),
            ("xyz", 0, &[]),
        ];
        for (line, start, want) in cases {
            let (s, got) = complete(line, line.len(), &v, &receiver);
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

    #[test]
    fn a_chain_is_a_variable_and_the_properties_read_on_it() {
        let cases: &[(&str, Option<&[&str]>)] = &[
            ("m", Some(&["m"])),
            ("x = m.containers.web", Some(&["m", "containers", "web"])),
            ("m.containers[\"web\"]", Some(&["m", "containers", "web"])),
            ("m[\"containers\"][\"web\"]", Some(&["m", "containers", "web"])),
            ("f()", None),
            ("f().x", None),
            ("a[0]", None),
            ("users::x", None),
            ("1", None),
            ("", None),
        ];
        for (text, want) in cases {
            let want = want.map(|w| w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            assert_eq!(chain(text), want, "{text:?}");
        }
    }
}
