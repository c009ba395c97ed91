//! The project: its name (`-p`, `COMPOSE_PROJECT_NAME`, `name:`, the directory's name, as
//! Compose decides it) and which services its profiles enable.

use super::Source;
use crate::model::Value;

/// The project name, normalised as Compose normalises it: lower case, only `a-z`, `0-9`, `_`
/// and `-`, starting with a letter or digit.
pub(super) fn name(
    src: &Source<'_>,
    declared: Option<&Value>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let declared = match declared {
        None | Some(Value::Null) => None,
        Some(Value::Str(s)) => Some(s.clone()),
        Some(other) => {
            return Err(format!(
                "`name`: expected the project name as a string, found {other}"
            ))
        }
    };
    let raw = src
        .project
        .map(str::to_string)
        .or_else(|| lookup("COMPOSE_PROJECT_NAME").filter(|n| !n.is_empty()))
        .or(declared)
        .or_else(|| src.dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let name = normalise(&raw);
    if name.is_empty() {
        return Err(format!(
            "project name `{raw}` has no letter or digit: name the project with `name:` or COMPOSE_PROJECT_NAME"
        ));
    }
    Ok(name)
}

fn normalise(raw: &str) -> String {
    let kept: String = raw
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'))
        .collect();
    kept.trim_start_matches(['_', '-']).to_string()
}

/// The profiles enabled: those given, and `COMPOSE_PROFILES` (comma-separated).
pub(super) fn profiles(src: &Source<'_>, lookup: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let mut active: Vec<String> = src.profiles.to_vec();
    if let Some(list) = lookup("COMPOSE_PROFILES") {
        active.extend(
            list.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string),
        );
    }
    active
}

/// A service runs when it names no profile, or one that is enabled (`*` enables all).
pub(super) fn enabled(service: &Value, active: &[String]) -> bool {
    let Value::Map(m) = service else {
        return true;
    };
    match m.get("profiles") {
        Some(Value::List(profiles)) if !profiles.is_empty() => profiles
            .iter()
            .filter_map(Value::as_str)
            .any(|p| active.iter().any(|a| a == p || a == "*")),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn names_are_normalised_as_compose_does() {
        for (raw, want) in [
            ("myapp", "myapp"),
            ("My App", "myapp"),
            ("my.app_1-x", "myapp_1-x"),
            ("__x", "x"),
            ("-_9lives", "9lives"),
            ("Ünïcode", "ncode"),
            ("...", ""),
        ] {
            assert_eq!(normalise(raw), want, "{raw}");
        }
    }
}
