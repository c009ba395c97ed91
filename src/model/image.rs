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

#[cfg(test)]
mod tests {
    use super::*;

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
