//! Image resolution with the map's `repository` and `default_tag` (docs/recipe-api.md, `image`).

/// Splits `name[:tag]`; the text after the last `:` is a tag only if it has no `/`, so a registry
/// port (`host:5000/img`) is not mistaken for one (docker-map's bug). Digests stay in the name.
pub(crate) fn split_tag(image: &str) -> (&str, Option<&str>) {
    if image.contains('@') {
        return (image, None);
    }
    match image.rfind(':') {
        Some(i) if !image[i + 1..].contains('/') => (&image[..i], Some(&image[i + 1..])),
        _ => (image, None),
    }
}

/// Why the Engine would refuse an image reference as written in `image` (a leading `/` that
/// skips the map's `repository` aside), if it would: the grammar of `[host[:port]/]path[:tag]
/// [@algorithm:hex]`, where the path is lowercase.
pub(crate) fn reference_problem(image: &str) -> Option<String> {
    let written = image.strip_prefix('/').unwrap_or(image);
    let (named, digest) = match written.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (written, None),
    };
    if let Some(why) = digest.and_then(digest_problem) {
        return Some(why);
    }
    let (name, tag) = split_tag_of(named);
    if let Some(why) = tag.and_then(tag_problem) {
        return Some(why);
    }
    if name.len() > 255 {
        return Some(format!("the name is {} characters, more than 255", name.len()));
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    if parts.len() > 1 && is_domain(parts[0]) {
        parts.remove(0);
    }
    parts.iter().find(|p| !is_path_component(p)).map(|bad| {
        format!(
            "`{bad}` is no repository path component: lowercase letters and digits, separated by `.`, `_`, `__` or dashes"
        )
    })
}

/// `name[:tag]` of a reference without digest.
fn split_tag_of(named: &str) -> (&str, Option<&str>) {
    match named.rfind(':') {
        Some(i) if !named[i + 1..].contains('/') => (&named[..i], Some(&named[i + 1..])),
        _ => (named, None),
    }
}

fn digest_problem(digest: &str) -> Option<String> {
    let hex_len = |algorithm: &str| match algorithm {
        "sha256" => Some(64),
        "sha384" => Some(96),
        "sha512" => Some(128),
        _ => None,
    };
    let ok = digest.split_once(':').is_some_and(|(algorithm, hex)| {
        hex_len(algorithm).is_some_and(|n| {
            hex.len() == n
                && hex
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        })
    });
    (!ok).then(|| {
        format!(
            "the digest `{digest}` is not `sha256:` and 64 lowercase hexadecimal digits (or sha384, sha512)"
        )
    })
}

/// Why the Engine would refuse a tag (an image's, or the map's `default_tag`), if it would.
pub(crate) fn tag_problem(tag: &str) -> Option<String> {
    (!is_tag(tag))
        .then(|| format!("the tag `{tag}` is not 1 to 128 letters, digits, `_`, `.` and `-` (not first)"))
}

/// Why a map's `repository` can't stand before an image name, if it can't.
pub(crate) fn repository_problem(repository: &str) -> Option<String> {
    reference_problem(&format!("{}/image", repository.trim_end_matches('/')))
}

fn is_tag(tag: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    tag.len() <= 128
        && tag.chars().next().is_some_and(word)
        && tag.chars().all(|c| word(c) || c == '.' || c == '-')
}

/// The first part of a name is a registry when it has a `.` or a port, or is `localhost`.
fn is_domain(part: &str) -> bool {
    let (host, port) = match part.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (part, None),
    };
    let registry = part.contains('.') || port.is_some() || part == "localhost";
    let label = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    registry
        && host.split('.').all(label)
        && port.is_none_or(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// `[a-z0-9]+` runs joined by `.`, `_`, `__` or any number of `-`.
fn is_path_component(part: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !part.starts_with(alnum) || !part.ends_with(alnum) {
        return false;
    }
    let mut separator = String::new();
    for c in part.chars() {
        if alnum(c) {
            let fine = separator.is_empty()
                || [".", "_", "__"].contains(&separator.as_str())
                || separator.chars().all(|s| s == '-');
            if !fine {
                return false;
            }
            separator.clear();
        } else {
            separator.push(c);
        }
    }
    true
}

/// The full image reference of a configuration.
pub(crate) fn resolve(
    image: Option<&str>,
    config: &str,
    repository: Option<&str>,
    default_tag: Option<&str>,
) -> String {
    let (name, tag) = split_tag(image.unwrap_or(config));
    let name = if let Some(stripped) = name.strip_prefix('/') {
        stripped.to_string()
    } else if name.contains('/') {
        name.to_string()
    } else if let Some(repo) = repository.filter(|r| !r.is_empty()) {
        format!("{}/{name}", repo.trim_end_matches('/'))
    } else {
        name.to_string()
    };
    if name.contains('@') {
        return name;
    }
    format!("{name}:{}", tag.or(default_tag).unwrap_or("latest"))
}

impl super::ContainerMap {
    /// The full image reference of a configuration: its `image` (else its name) with the map's
    /// `repository` and `default_tag`.
    pub(crate) fn image_of(&self, cname: &str, config: &super::ContainerConfig) -> String {
        resolve(
            config.image.as_deref(),
            cname,
            self.repository.as_deref(),
            self.default_tag.as_deref(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_the_engine_takes() {
        let digest = format!("sha256:{}", "0123456789abcdef".repeat(4));
        let good = [
            "app".to_string(),
            "/app".into(),
            "app:1.25".into(),
            "app:Latest_1-rc.2".into(),
            "org/app".into(),
            "org/my-app__x.y".into(),
            "a--b".into(),
            "host:5000/img".into(),
            "Registry.Example.com/org/app:1".into(),
            "localhost/app".into(),
            format!("app@{digest}"),
            format!("app:1@{digest}"),
            format!("host:5000/img@{digest}"),
        ];
        for image in &good {
            assert_eq!(reference_problem(image), None, "{image}");
        }
        // (the image, the start of the reason)
        let bad: Vec<(String, &str)> = vec![
            ("app@sha256:xyz".into(), "the digest `sha256:xyz` is not"),
            (format!("app@{}", digest.to_uppercase()), "the digest `SHA256:"),
            (format!("app@md5:{}", &digest[7..]), "the digest `md5:"),
            ("app@".into(), "the digest ``"),
            ("app:v1!".into(), "the tag `v1!` is not"),
            ("app:-v1".into(), "the tag `-v1` is not"),
            ("app:".into(), "the tag `` is not"),
            (format!("app:{}", "t".repeat(129)), "the tag `tttt"),
            ("App".into(), "`App` is no repository path component"),
            ("org/App".into(), "`App` is no repository path"),
            ("org//app".into(), "`` is no repository"),
            ("app.".into(), "`app.` is no"),
            ("a...b".into(), "`a...b` is no"),
            ("a_-b".into(), "`a_-b` is no"),
            ("host:port/img".into(), "`host:port` is no"),
            ("a".repeat(256), "the name is 256 characters"),
        ];
        for (image, why) in &bad {
            let found = reference_problem(image);
            assert!(
                found.as_deref().is_some_and(|f| f.starts_with(why)),
                "{image}: {found:?}"
            );
        }
        // the map's `repository` and `default_tag`
        for (repository, ok) in [
            ("registry.example.com", true),
            ("host:5000/org/", true),
            ("r1", true),
            ("Org", false),
            ("a//b", false),
        ] {
            assert_eq!(repository_problem(repository).is_none(), ok, "{repository}");
        }
        for (tag, ok) in [
            ("devel", true),
            ("1.0-rc_1", true),
            ("", false),
            (".x", false),
            ("a/b", false),
        ] {
            assert_eq!(tag_problem(tag).is_none(), ok, "{tag}");
        }
    }

    #[test]
    fn docs_table() {
        // docker-map's documented table of image names, for a configuration named `app-server`.
        let repo = Some("registry.example.com");
        type Case<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, &'a str);
        let cases: &[Case] = &[
            (None, None, None, "app-server:latest"),
            (Some("image1"), None, None, "image1:latest"),
            (None, repo, None, "registry.example.com/app-server:latest"),
            (Some("image1"), repo, None, "registry.example.com/image1:latest"),
            (None, None, Some("devel"), "app-server:devel"),
            (Some("image1"), None, Some("devel"), "image1:devel"),
            (Some("/image1"), repo, Some("devel"), "image1:devel"),
            (
                Some("image1:one"),
                repo,
                Some("devel"),
                "registry.example.com/image1:one",
            ),
            (Some("/image1:two"), repo, Some("devel"), "image1:two"),
            (Some("ubuntu:16.04"), None, None, "ubuntu:16.04"),
            (Some("host:5000/img"), None, None, "host:5000/img:latest"),
            (Some("host:5000/img:1"), repo, None, "host:5000/img:1"),
            (Some("org/img"), repo, None, "org/img:latest"),
            (None, repo, Some("devel"), "registry.example.com/app-server:devel"),
        ];
        for (image, repository, tag, expected) in cases {
            assert_eq!(
                resolve(*image, "app-server", *repository, *tag),
                *expected,
                "{image:?} {repository:?} {tag:?}"
            );
        }
    }
}
