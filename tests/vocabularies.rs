//! Did-you-mean across vocabularies: a Compose service key in a docker-map configuration (a
//! recipe or a YAML map) is answered with docker-map's field or keyword for it, and a docker-map
//! name in a Compose file with the Compose key (one table: `model::compose_keys`).

use crate::support::harness::{unindent, Output, Test};

/// `dmap check NAME` on `text` in a fresh directory.
#[track_caller]
fn check(name: &str, text: &str) -> Output {
    Test::new().file(name, text).args(["check", name]).run()
}

#[test]
fn compose_spellings_in_a_recipe_name_docker_maps_field_with_the_value_it_would_take() {
    check(
        "r.rhai",
        "let m = container_map(\"shop\");\nm.containers.web.image = \"nginx\";\nm.containers.web.restart = \"always\";\nm\n",
    )
    .failure()
    .stderr(&unindent(
        r#"
            error: container `web`: unknown container field `restart` (Compose's spelling: did you mean `restart_policy: "always"` in `host_config`?)
              --> r.rhai:3:17
               |
             3 | m.containers.web.restart = "always";
               |                 ^
        "#,
    ));
    // In an object-map literal, every field at its line; a value docker-map would read
    // otherwise (`ports`) or refuse (`restart: "sometimes"`) is not offered.
    check(
        "o.rhai",
        r#"let m = container_map("shop");
m.containers.web = #{
    image: "nginx",
    ports: ["8080:80"],
    command: ["nginx", "-g", "daemon off;"],
    restart: "sometimes",
};
m
"#,
    )
    .failure()
    .stderr(&unindent(
        r#"
            error: container `web`: unknown container field `command` (Compose's spelling: did you mean `command: ["nginx", "-g", "daemon off;"]` in `create_options`?)
              --> o.rhai:5:5
               |
             5 |     command: ["nginx", "-g", "daemon off;"],
               |     ^
            error: container `web`: unknown container field `ports` (Compose's spelling: did you mean `exposes`?)
              --> o.rhai:4:5
               |
             4 |     ports: ["8080:80"],
               |     ^
            error: container `web`: unknown container field `restart` (Compose's spelling: did you mean `restart_policy` in `host_config`?)
              --> o.rhai:6:5
               |
             6 |     restart: "sometimes",
               |     ^
        "#,
    ));
    // Inside `host_config`, the keyword.
    check(
        "h.rhai",
        "let m = container_map(\"shop\");\nm.containers.web = #{ image: \"nginx\", host_config: #{ cpus: 2 } };\nm\n",
    )
    .failure()
    .stderr(&unindent(
        r#"
            error: container `web`: `host_config`: unknown host_config key `cpus` (did you mean `nano_cpus`?)
              --> h.rhai:2:39
               |
             2 | m.containers.web = #{ image: "nginx", host_config: #{ cpus: 2 } };
               |                                       ^
        "#,
    ));
}

#[test]
fn compose_spellings_in_a_yaml_map_name_docker_maps_field() {
    check(
        "shop.yaml",
        "web:\n  image: nginx\n  mem_limit: 64m\n  volumes: [/data]\n  stop_grace_period: 10s\n",
    )
    .failure()
    .stderr(&unindent(
        r#"
            error: container `web`: unknown container field `mem_limit` (Compose's spelling: did you mean `mem_limit: "64m"` in `host_config`?)
              --> shop.yaml: web.mem_limit (line 3)
               |
             3 |   mem_limit: 64m
               |   ^
            error: container `web`: unknown container field `volumes` (Compose's spelling: did you mean `binds`, `attaches`, `uses` or `shares`?)
              --> shop.yaml: web.volumes (line 4)
               |
             4 |   volumes: [/data]
               |   ^
            error: container `web`: unknown container field `stop_grace_period` (Compose's spelling: did you mean `stop_timeout`?)
              --> shop.yaml: web.stop_grace_period (line 5)
               |
             5 |   stop_grace_period: 10s
               |   ^
            error: 3 problems found
        "#,
    ));
}

#[test]
fn docker_map_spellings_in_a_compose_file_name_the_compose_key() {
    check(
        "compose.yaml",
        "services:\n  web:\n    image: nginx\n    restart_policy: always\n    exposes: [80]\n    instances: [a, b]\n",
    )
    .failure()
    .stderr(&unindent(
        r#"
            error: service `web`: unknown field `restart_policy` of a Compose service (docker-map's spelling: did you mean `restart`?)
              --> compose.yaml: services.web.restart_policy (line 4)
               |
             4 |     restart_policy: always
               |     ^
            error: service `web`: unknown field `exposes` of a Compose service (docker-map's spelling: did you mean `ports` or `expose`?)
              --> compose.yaml: services.web.exposes (line 5)
               |
             5 |     exposes: [80]
               |     ^
            error: service `web`: unknown field `instances` of a Compose service (docker-map's spelling: did you mean `scale`?)
              --> compose.yaml: services.web.instances (line 6)
               |
             6 |     instances: [a, b]
               |     ^
            error: 3 problems found
        "#,
    ));
}
