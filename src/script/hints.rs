//! Hints for recipe errors: which function was meant, with the forms it takes.

use rhai::{Engine, AST};

use crate::model::suggest::closest;

/// The functions a recipe can call (dmap's, Rhai's, the recipe's own), as `name(params)`.
pub(crate) struct Hints {
    signatures: Vec<String>,
}

impl Hints {
    pub(crate) fn new(engine: &Engine, ast: Option<&AST>) -> Hints {
        let mut signatures: Vec<String> = engine
            .gen_fn_signatures(true)
            .into_iter()
            .map(|s| readable(&s))
            .collect();
        if let Some(ast) = ast {
            for f in ast.iter_functions() {
                signatures.push(format!("{}({})", f.name, f.params.join(", ")));
            }
        }
        // The stdlib's, as imported under their last segment (`users::create_user(...)`).
        signatures.extend(
            super::docs::stdlib_docs()
                .iter()
                .map(super::docs::FnDoc::signature),
        );
        signatures.sort();
        signatures.dedup();
        Hints { signatures }
    }

    /// For Rhai's `Function not found: NAME (TYPES)`: what was called, the function most likely
    /// meant and the forms it takes.
    pub(crate) fn function_not_found(&self, signature: &str) -> String {
        let name = signature.split([' ', '(']).next().unwrap_or(signature);
        let args = signature
            .find('(')
            .map(|i| readable_types(&signature[i..]))
            .unwrap_or_default();
        let called = if args.is_empty() {
            format!("function `{name}` not found")
        } else {
            format!("function `{name}` not found for arguments {args}")
        };
        let same_name: Vec<&String> = self
            .signatures
            .iter()
            .filter(|s| s.split('(').next() == Some(name))
            .collect();
        if !same_name.is_empty() {
            let forms: Vec<String> = same_name.iter().take(6).map(|s| format!("`{s}`")).collect();
            return format!("{called}; it takes {}", forms.join(", "));
        }
        let names: Vec<&str> = self
            .signatures
            .iter()
            .filter_map(|s| s.split('(').next())
            .collect();
        match closest(name, names.iter().copied()) {
            Some(meant) => {
                let forms: Vec<String> = self
                    .signatures
                    .iter()
                    .filter(|s| s.split('(').next() == Some(meant))
                    .take(6)
                    .map(|s| format!("`{s}`"))
                    .collect();
                format!("{called} (did you mean `{meant}`? {})", forms.join(", "))
            }
            None => called,
        }
    }
}

/// `startup(_: &mut MappingClient, _: types::dynamic::Dynamic) -> core::result::Result<...>`
/// → `startup(MappingClient, any) -> array`.
pub(crate) fn readable(signature: &str) -> String {
    let Some(open) = signature.find('(') else {
        return signature.to_string();
    };
    let close = matching(signature, open).unwrap_or(signature.len());
    let name = &signature[..open];
    let params: Vec<String> = split_top(&signature[open + 1..close.min(signature.len())])
        .into_iter()
        .map(|p| {
            let (param, ty) = p.split_once(": ").map_or(("", p), |(a, b)| (a.trim(), b.trim()));
            match (param, type_name(ty)) {
                ("" | "_", ty) => ty,
                (param, ty) if ty == "any" => param.to_string(),
                (param, ty) => format!("{param}: {ty}"),
            }
        })
        .collect();
    let ret = signature
        .get(close + 1..)
        .and_then(|r| r.trim().strip_prefix("->"))
        .map(|r| type_name(r.trim()))
        .filter(|r| r != "()")
        .map(|r| format!(" -> {r}"))
        .unwrap_or_default();
    format!("{name}({}){ret}", params.join(", "))
}

/// The index of the bracket closing the one at `open`.
fn matching(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in text.char_indices().skip_while(|(i, _)| *i < open) {
        match c {
            '(' | '<' => depth += 1,
            ')' | '>' if !text[..i].ends_with('-') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits on commas outside brackets.
fn split_top(list: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in list.char_indices() {
        match c {
            '(' | '<' => depth += 1,
            ')' | '>' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(list[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(list[start..].trim());
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// `(MappingClient, &str | ImmutableString | String)` → `(MappingClient, string)`.
fn readable_types(list: &str) -> String {
    let inner = list.trim().trim_start_matches('(').trim_end_matches(')');
    let types: Vec<String> = split_top(inner).into_iter().map(type_name).collect();
    format!("({})", types.join(", "))
}

/// A Rust or Rhai type as recipes know it.
fn type_name(ty: &str) -> String {
    let ty = ty
        .trim()
        .trim_start_matches("&mut ")
        .trim_start_matches('&')
        .trim();
    if ty
        .split(" | ")
        .any(|t| matches!(t.trim(), "str" | "String" | "ImmutableString" | "string"))
    {
        return "string".into();
    }
    // `Result<T, Box<EvalAltResult>>`: what a fallible function returns is T.
    if ty.split('<').next().is_some_and(|b| b.ends_with("Result")) && ty.ends_with('>') {
        if let Some(first) = ty
            .find('<')
            .and_then(|open| split_top(&ty[open + 1..ty.len() - 1]).first().copied())
        {
            return type_name(first);
        }
    }
    let base = ty.split('<').next().unwrap_or(ty);
    let last = base.rsplit("::").next().unwrap_or(base);
    match last {
        "?" | "Dynamic" => "any".into(),
        "i64" | "INT" => "int".into(),
        "f64" | "FLOAT" => "float".into(),
        "Array" | "array" | "Vec" => "array".into(),
        "Map" | "map" => "map".into(),
        "MapHandle" => "ContainerMap".into(),
        "ContainersHandle" => "Containers".into(),
        "EntriesHandle" => "MapEntries".into(),
        "ConfigHandle" => "ContainerConfig".into(),
        "DockerHandle" => "Docker".into(),
        "ClientHandle" => "MappingClient".into(),
        "ContextHandle" => "DockerContext".into(),
        "DockerFileHandle" => "DockerFile".into(),
        "ImagesHandle" => "MapImages".into(),
        "ActionFailure" => "ActionError".into(),
        "String" => "string".into(),
        "BTreeMap" | "HashMap" => "map".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_read_as_a_person_writes_them() {
        assert_eq!(
            readable(
                "startup(_: &mut MappingClient, _: types::dynamic::Dynamic) -> core::result::Result<alloc::vec::Vec<rhai::types::dynamic::Dynamic>,alloc::boxed::Box<rhai::types::error::EvalAltResult>>"
            ),
            "startup(MappingClient, any) -> array"
        );
        assert_eq!(
            readable("container_map(_: string, _: map) -> core::result::Result<dmap::script::handles::MapHandle,alloc::boxed::Box<rhai::types::error::EvalAltResult>>"),
            "container_map(string, map) -> ContainerMap"
        );
        assert_eq!(readable("len(string: &str) -> i64"), "len(string: string) -> int");
        assert_eq!(
            readable("docker_context(_: &mut DockerFileHandle) -> core::result::Result<dmap::script::handles::ContextHandle,alloc::boxed::Box<rhai::types::error::EvalAltResult>>"),
            "docker_context(DockerFile) -> DockerContext"
        );
        assert_eq!(
            readable("status(_: &mut MappingClient) -> core::result::Result<alloc::collections::btree::map::BTreeMap<alloc::string::String, rhai::types::dynamic::Dynamic>,alloc::boxed::Box<rhai::types::error::EvalAltResult>>"),
            "status(MappingClient) -> map"
        );
        assert_eq!(
            readable("env(_: &str) -> alloc::string::String"),
            "env(string) -> string"
        );
        assert_eq!(
            readable_types("(MappingClient, &str | ImmutableString | String)"),
            "(MappingClient, string)"
        );
    }
}
