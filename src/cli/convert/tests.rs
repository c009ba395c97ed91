//! The recipe `dmap convert` writes, as text. That it makes the same model as the Compose file
//! is tested on the binary (tests/convert.rs).

use std::path::Path;

use super::*;

/// The map of a Compose file in `/p/shop`, loaded without files or environment.
fn compose(text: &str) -> ContainerMap {
    let read = |_: &Path| Err("no such file".to_string());
    let loaded = crate::compose::load(&crate::compose::Source {
        label: "compose.yaml",
        text,
        dir: Path::new("/p/shop"),
        env: &|_| None,
        read: &read,
        project: None,
        profiles: &[],
        env_files: &[],
    });
    match loaded {
        Ok(l) => l.map,
        Err(p) => panic!("{p:#?}"),
    }
}

#[test]
fn a_recipe_has_one_statement_per_entry_and_configuration_with_a_field_per_line() {
    let map = compose(
        "services:\n  web-1:\n    image: nginx\n    ports: [\"8080:80\"]\n    volumes: [data:/srv, ./site:/www:ro]\n  cache:\n    image: redis\n    network_mode: none\nvolumes:\n  data: {}\n",
    );
    let want = r#"// Made by `dmap convert compose.yaml`: the map of the Compose file, as a recipe.
let m = container_map("shop");
m.naming = "compose";

m.volumes.data = #{};

m.networks["default"] = #{};

m.containers.cache = #{
    image: "redis",
    network_mode: "none",
};

m.containers["web-1"] = #{
    image: "nginx",
    binds: [#{ host_path: "/p/shop/site", path: "/www", readonly: true }],
    attaches: [#{ name: "data", path: "/srv" }],
    exposes: [#{ exposed_port: "80", host_port: 8080 }],
    networks: [#{ aliases: ["web-1"], network_name: "default" }],
};

m
"#;
    assert_eq!(recipe(&map, &[], "compose.yaml"), want);
}

#[test]
fn entries_leave_out_what_an_empty_entry_has() {
    assert_eq!(
        without_defaults(
            Value::map([("driver", Value::str("bridge")), ("internal", Value::Bool(true))]),
            default_entry("networks").as_ref()
        ),
        Value::map([("internal", Value::Bool(true))])
    );
    assert_eq!(
        without_defaults(
            Value::map([("driver", Value::str("nfs"))]),
            default_entry("volumes").as_ref()
        ),
        Value::map([("driver", Value::str("nfs"))])
    );
}

#[test]
fn names_rhai_would_not_read_as_properties_are_indexed() {
    assert_eq!(property("web"), ".web");
    assert_eq!(property("web-1"), "[\"web-1\"]");
    assert_eq!(property("default"), "[\"default\"]");
}
