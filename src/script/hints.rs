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
            .map(|s| readable(engine, &s))
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
/// → `startup(MappingClient, any) -> array`: each type as [`type_name`] names it.
pub(crate) fn readable(engine: &Engine, signature: &str) -> String {
    let Some(open) = signature.find('(') else {
        return signature.to_string();
    };
    let close = matching(signature, open).unwrap_or(signature.len());
    let name = &signature[..open];
    let params: Vec<String> = split_top(&signature[open + 1..close.min(signature.len())])
        .into_iter()
        .map(|p| {
            let (param, ty) = p.split_once(": ").map_or(("", p), |(a, b)| (a.trim(), b.trim()));
            match (param, type_name(engine, ty)) {
                ("" | "_", ty) => ty,
                (param, ty) if ty == "any" => param.to_string(),
                (param, ty) => format!("{param}: {ty}"),
            }
        })
        .collect();
    let ret = signature
        .get(close + 1..)
        .and_then(|r| r.trim().strip_prefix("->"))
        .map(|r| type_name(engine, r.trim()))
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

/// `(MappingClient, &str | ImmutableString | String)` → `(MappingClient, string)`: the types of
/// Rhai's own messages, which name dmap's types as recipes do already.
fn readable_types(list: &str) -> String {
    let inner = list.trim().trim_start_matches('(').trim_end_matches(')');
    let types: Vec<String> = split_top(inner).into_iter().map(shorthand).collect();
    format!("({})", types.join(", "))
}

/// A Rust type of a registered function's signature as a recipe knows it: the name `type_of()`
/// gives its values (`string`, `array`, `map`, `ContainerMap`, as the engine maps it), Rhai's
/// `int` and `float` for `i64` and `f64`, `any` for a value of any type; what a fallible
/// function returns is what it returns when it does not fail.
fn type_name(engine: &Engine, ty: &str) -> String {
    let ty = ty
        .trim()
        .trim_start_matches("&mut ")
        .trim_start_matches('&')
        .trim();
    // `Result<T, Box<EvalAltResult>>`: T.
    if ty.split('<').next().is_some_and(|b| b.ends_with("Result")) && ty.ends_with('>') {
        if let Some(first) = ty
            .find('<')
            .and_then(|open| split_top(&ty[open + 1..ty.len() - 1]).first().copied())
        {
            return type_name(engine, first);
        }
    }
    let mapped = engine.map_type_name(ty);
    if mapped != ty {
        return shorthand(mapped);
    }
    // Signatures write generic types without spaces, `std::any::type_name` with them: Rhai's
    // arrays and object maps by their parts.
    let base = ty.split('<').next().unwrap_or(ty);
    let args = ty
        .find('<')
        .map(|open| split_top(&ty[open + 1..ty.len().saturating_sub(1)]));
    let is = |arg: Option<&&str>, last: &str| arg.is_some_and(|a| a.rsplit("::").next() == Some(last));
    match (base.rsplit("::").next().unwrap_or(base), args.as_deref()) {
        ("Vec", Some([item])) if is(Some(item), "Dynamic") => "array".into(),
        ("BTreeMap", Some([key, value])) if key.contains("SmartString") && is(Some(value), "Dynamic") => {
            "map".into()
        }
        _ => shorthand(ty),
    }
}

/// Rhai's names for its standard types, in the short forms recipes write: `int`, `float`,
/// `string` (for any of Rust's string types), `any`.
fn shorthand(ty: &str) -> String {
    let ty = ty.trim();
    if ty
        .split(" | ")
        .any(|t| matches!(t.trim(), "str" | "&str" | "String" | "ImmutableString" | "string"))
    {
        return "string".into();
    }
    match ty.rsplit("::").next().unwrap_or(ty) {
        "?" | "Dynamic" => "any".into(),
        "i64" | "INT" => "int".into(),
        "f64" | "FLOAT" => "float".into(),
        "Array" => "array".into(),
        "Map" => "map".into(),
        _ => ty.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_read_as_a_person_writes_them() {
        let interpreter = crate::script::Interpreter::for_tests();
        let engine = interpreter.parts().0;
        let handle = std::any::type_name::<crate::script::handles::MapHandle>();
        let context = std::any::type_name::<crate::script::handles::ContextHandle>();
        let fails = ",alloc::boxed::Box<rhai::types::error::EvalAltResult>>";
        let cases = [
            (
                format!("startup(_: &mut MappingClient, _: types::dynamic::Dynamic) -> core::result::Result<alloc::vec::Vec<rhai::types::dynamic::Dynamic>{fails}"),
                "startup(MappingClient, any) -> array",
            ),
            (
                format!("container_map(_: string, _: map) -> core::result::Result<{handle}{fails}"),
                "container_map(string, map) -> ContainerMap",
            ),
            ("len(string: &str) -> i64".into(), "len(string: string) -> int"),
            ("sqrt(x: f64) -> f64".into(), "sqrt(x: float) -> float"),
            (
                format!("docker_context(_: &mut DockerFile) -> core::result::Result<{context}{fails}"),
                "docker_context(DockerFile) -> DockerContext",
            ),
            (
                format!("status(_: &mut MappingClient) -> core::result::Result<alloc::collections::btree::map::BTreeMap<smartstring::SmartString<smartstring::config::LazyCompact>,rhai::types::dynamic::Dynamic>{fails}"),
                "status(MappingClient) -> map",
            ),
            ("env(_: &str) -> alloc::string::String".into(), "env(string) -> string"),
            ("keys(_: &mut Containers) -> rhai::Array".into(), "keys(Containers) -> array"),
            // What is no Rhai type stays as Rust names it (a test over every signature finds it).
            (
                "f(_: &mut Containers) -> alloc::collections::btree::map::BTreeMap<alloc::string::String,i64>".into(),
                "f(Containers) -> alloc::collections::btree::map::BTreeMap<alloc::string::String,i64>",
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(readable(engine, &raw), want, "{raw}");
        }
        assert_eq!(
            readable_types("(MappingClient, &str | ImmutableString | String, i64)"),
            "(MappingClient, string, int)"
        );
    }
}
