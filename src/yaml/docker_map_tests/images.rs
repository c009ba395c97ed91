//! Image names through maps: `repository`, `default_tag`, a leading `/`, registry ports.

use super::*;

#[test]
fn image_names_through_maps() {
    // (repository, default_tag, image, expected) for config `app-server` (the docs table)
    let repo = Some("registry.example.com");
    type Case<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, &'a str);
    let cases: &[Case] = &[
        (None, None, None, "app-server:latest"),
        (None, None, Some("image1"), "image1:latest"),
        (repo, None, None, "registry.example.com/app-server:latest"),
        (repo, None, Some("image1"), "registry.example.com/image1:latest"),
        (None, Some("devel"), None, "app-server:devel"),
        (None, Some("devel"), Some("image1"), "image1:devel"),
        (repo, Some("devel"), Some("/image1"), "image1:devel"),
        (
            repo,
            Some("devel"),
            Some("image1:one"),
            "registry.example.com/image1:one",
        ),
        (repo, Some("devel"), Some("/image1:two"), "image1:two"),
        (repo, Some("devel"), None, "registry.example.com/app-server:devel"),
        (None, None, Some("ubuntu:16.04"), "ubuntu:16.04"),
        // docker-map's bug: it took a registry port without a tag for a tag
        (None, None, Some("host:5000/img"), "host:5000/img:latest"),
        (repo, Some("devel"), Some("host:5000/img"), "host:5000/img:devel"),
        (repo, None, Some("host:5000/img:1.2"), "host:5000/img:1.2"),
        // a name with `/` is used as-is, without the map's repository
        (repo, None, Some("org/img"), "org/img:latest"),
    ];
    for (repository, default_tag, image, expected) in cases {
        let mut yaml = String::new();
        if let Some(r) = repository {
            yaml += &format!("repository: {r}\n");
        }
        if let Some(t) = default_tag {
            yaml += &format!("default_tag: {t}\n");
        }
        match image {
            Some(i) => yaml += &format!("app-server: {{image: '{i}'}}\n"),
            None => yaml += "app-server: {}\n",
        }
        let map = load("img", &yaml);
        let configs = extended(&map);
        assert_eq!(
            map.image_of("app-server", &configs["app-server"]),
            *expected,
            "{yaml}"
        );
        // The graph's image item is the same name.
        let checked = check(&map).unwrap_or_else(|p| panic!("{p:?}"));
        let deps = checked.graph.dependencies(&c("app-server"));
        assert_eq!(shown(&deps), [format!("IMG {expected}")], "{yaml}");
    }
}

#[test]
fn image_names_of_the_fixtures() {
    let m1 = load("main", MAP_DATA_1);
    let configs = extended(&m1);
    let images: Vec<(String, String)> = configs
        .iter()
        .map(|(n, cfg)| (n.clone(), m1.image_of(n, cfg)))
        .collect();
    assert_eq!(
        images,
        [
            (
                "app_extra".to_string(),
                "registry.example.com/app_extra:custom".to_string()
            ),
            (
                "app_server".to_string(),
                "registry.example.com/app:custom".to_string()
            ),
            (
                "web_server".to_string(),
                "registry.example.com/nginx:latest".to_string()
            ),
        ]
    );
    let m2 = map_data_2(true);
    let configs = extended(&m2);
    // `worker` inherits `image: server` from abstract_config.
    assert_eq!(
        m2.image_of("worker", &configs["worker"]),
        "registry.example.com/server:latest"
    );
    assert_eq!(
        m2.image_of("redis", &configs["redis"]),
        "registry.example.com/redis:latest"
    );
    assert_eq!(
        m2.image_of("svc", &configs["svc"]),
        "registry.example.com/svc:latest"
    );
}
