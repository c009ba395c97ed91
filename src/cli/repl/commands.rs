//! The REPL's own commands (`:help`, `:plan`, `:status`, `:quit`) and how a value is shown.

use std::io::Write as _;

use rhai::Dynamic;

use super::super::args::UpFlags;
use super::super::converge::{planned, render_plan};
use super::super::error::Error;
use super::super::status;
use crate::script::interpreter::Evaluation;
use crate::script::select;
use crate::script::vocabulary::{Function, Vocabulary, TYPES};
use crate::script::Interpreter;

/// What the loop does after a command.
pub(super) enum Next {
    Prompt,
    Quit,
}

pub(super) fn run(command: &str, interpreter: &Interpreter) -> Result<Next, Error> {
    let mut words = command.split_whitespace();
    let name = words.next().unwrap_or("");
    let rest: Vec<String> = words.map(str::to_string).collect();
    let text = match name {
        "q" | "quit" | "exit" => return Ok(Next::Quit),
        "h" | "help" => help(&interpreter.vocabulary(), rest.first().map(String::as_str))?,
        "plan" | "status" => {
            let groups = select::groups(interpreter, &Evaluation { value: Dynamic::UNIT });
            if groups.is_empty() {
                return Err(Error::Usage {
                    message:
                        "no maps in scope: make one with `container_map(\"NAME\")` or `load_map(\"FILE\")`"
                            .into(),
                });
            }
            let session = interpreter.session();
            if name == "plan" {
                render_plan(&planned(&session, &groups, &rest, UpFlags::default())?, false)?
            } else {
                status::text(&status::collect(&session, &groups, &rest)?)
            }
        }
        other => {
            let known = super::complete::COMMANDS.map(|c| &c[1..]);
            let hint = crate::model::suggest::closest(other, known)
                .map(|s| format!(" (did you mean `:{s}`?)"))
                .unwrap_or_default();
            return Err(Error::Usage {
                message: format!(
                    "unknown command `:{other}`{hint}; commands: {}",
                    super::complete::COMMANDS.join(", ")
                ),
            });
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).map_err(Error::Output)?;
    Ok(Next::Prompt)
}

/// `:help`: the commands and every function by kind; `:help NAME`: each form of a function
/// (or the methods and properties of a type) with its doc comment, the text docs/functions.md
/// and docs/stdlib.md are made from.
fn help(v: &Vocabulary, name: Option<&str>) -> Result<String, Error> {
    let Some(name) = name else {
        let mut out = String::from(
            "commands:\n  :help [NAME]         a function's forms and documentation, or a type's methods\n  :plan [TARGET...]    what `dmap plan` would print for the maps in scope\n  :status [TARGET...]  what `dmap status` would print\n  :quit                leave (also Ctrl-D)\n\nTab completes names; an incomplete statement continues on the next line, an empty line submits it.\n",
        );
        let names = |filter: &dyn Fn(&Function) -> bool| {
            let mut n: Vec<&str> = v
                .functions
                .iter()
                .filter(|f| filter(f))
                .map(|f| f.name.as_str())
                .collect();
            n.dedup();
            n.join(", ")
        };
        out.push_str(&format!(
            "\nfunctions: {}\n",
            names(&|f| f.receiver.is_none() && !f.name.contains("::"))
        ));
        for ty in TYPES {
            let methods = names(&|f| f.receiver.as_deref() == Some(ty));
            if !methods.is_empty() {
                out.push_str(&format!("{ty}: {methods}\n"));
            }
        }
        out.push_str(&format!("libraries: {}\n", names(&|f| f.name.contains("::"))));
        return Ok(wrap(&out));
    };
    if TYPES.contains(&name) {
        let mut out = String::new();
        let mut props: Vec<&str> = v
            .properties
            .iter()
            .filter(|(t, _)| t == name)
            .map(|(_, p)| p.as_str())
            .collect();
        props.sort_unstable();
        if !props.is_empty() {
            out.push_str(&format!("properties: {}\n", props.join(", ")));
        }
        let methods: Vec<&Function> = v
            .functions
            .iter()
            .filter(|f| f.receiver.as_deref() == Some(name))
            .collect();
        // Each method's forms, then its doc comment once.
        for (i, f) in methods.iter().enumerate() {
            out.push_str(&format!("  {}\n", f.signature));
            let last_form = methods.get(i + 1).is_none_or(|next| next.name != f.name);
            if last_form && !f.doc.is_empty() {
                out.push_str(&format!("      {}\n", f.doc));
            }
        }
        return Ok(out);
    }
    // `users::create_user`, or `create_user` for a library function.
    let forms: Vec<&Function> = v
        .functions
        .iter()
        .filter(|f| f.name == name || f.name.rsplit("::").next() == Some(name))
        .collect();
    if forms.is_empty() {
        let hint = crate::model::suggest::closest(name, v.functions.iter().map(|f| f.name.as_str()))
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        return Err(Error::Usage {
            message: format!("no function `{name}`{hint}; `:help` lists them"),
        });
    }
    let mut out = String::new();
    for f in &forms {
        out.push_str(&format!("{}\n", f.signature));
    }
    let mut docs: Vec<&str> = forms
        .iter()
        .map(|f| f.doc.as_str())
        .filter(|d| !d.is_empty())
        .collect();
    docs.dedup();
    for d in docs {
        out.push_str(&format!("\n{d}\n"));
    }
    Ok(out)
}

/// Long lists wrapped at 100 columns, continued with an indent.
fn wrap(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut current = String::new();
        for word in line.split(' ') {
            if current.len() + word.len() + 1 > 100 && !current.trim().is_empty() {
                out.push_str(current.trim_end());
                out.push('\n');
                current = "    ".into();
            }
            current.push_str(word);
            current.push(' ');
        }
        out.push_str(current.trim_end());
        out.push('\n');
    }
    out
}

/// A value as the REPL shows it: strings quoted, dmap's objects by type and name.
pub(super) fn show_value(interpreter: &Interpreter, value: &Dynamic) -> String {
    if let Some(m) = value.clone().try_cast::<crate::script::handles::MapHandle>() {
        return format!("ContainerMap `{}`", m.name());
    }
    let ty = interpreter.type_of(value);
    if TYPES.contains(&ty.as_str()) {
        return ty;
    }
    format!("{value:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(receiver: Option<&str>, name: &str, signature: &str, doc: &str) -> Function {
        Function {
            name: name.into(),
            signature: signature.into(),
            receiver: receiver.map(Into::into),
            doc: doc.into(),
        }
    }

    #[test]
    fn help_shows_the_forms_and_the_doc_comment_of_a_function_or_of_each_method_of_a_type() {
        let client = Some("MappingClient");
        let v = Vocabulary {
            functions: vec![
                function(client, "start", "start(MappingClient) -> array", "Starts them."),
                function(
                    client,
                    "start",
                    "start(MappingClient, any) -> array",
                    "Starts them.",
                ),
                function(client, "stop", "stop(MappingClient) -> array", "Stops them."),
                function(None, "env", "env(string) -> string", "A variable."),
            ],
            properties: vec![("MappingClient".into(), "maps".into())],
            ..Vocabulary::default()
        };
        let cases = [
            (
                "MappingClient",
                "properties: maps\n  start(MappingClient) -> array\n  start(MappingClient, any) -> array\n      Starts them.\n  stop(MappingClient) -> array\n      Stops them.\n",
            ),
            (
                "start",
                "start(MappingClient) -> array\nstart(MappingClient, any) -> array\n\nStarts them.\n",
            ),
            ("env", "env(string) -> string\n\nA variable.\n"),
        ];
        for (name, want) in cases {
            assert_eq!(help(&v, Some(name)).ok().as_deref(), Some(want), "{name}");
        }
        assert!(help(&v, Some("stat")).is_err());
    }
}
