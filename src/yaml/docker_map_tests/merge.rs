//! Inheritance (`extends`) and map merges, docker-map's rules.

use super::*;

#[test]
fn inheritance_of_worker_and_server() {
    let map = map_data_2(false);
    let configs = extended(&map);
    assert!(!configs.contains_key("abstract_config") && !configs.contains_key("abstract_worker"));

    // worker extends abstract_worker, which extends abstract_config
    let worker = &configs["worker"];
    assert_eq!(
        worker.binds,
        [alias_bind("app_config", true), alias_bind("app_data", false)]
    );
    assert_eq!(names(&worker.uses, |u| &u.name), ["redis.redis_socket"]);
    assert_eq!(names(&worker.attaches, |a| &a.name), ["app_log"]);
    assert_eq!(
        worker.user.as_ref().map(ToString::to_string).as_deref(),
        Some("app_user")
    );
    assert_eq!(worker.image.as_deref(), Some("server"));
    assert_eq!(worker.links, [link("svc", Some("svc_alias1"))]);
    assert_eq!(
        Value::Map(worker.create_options.clone()),
        Value::map([
            ("mem_limit", s("2g")),
            ("cpu_shares", Value::Int(10)),
            ("entrypoint", s("celery")),
            ("command", s("worker -A MyApp -Q queue1,queue2")),
        ])
    );
    assert_eq!(
        Value::Map(worker.host_config.clone()),
        Value::map([(
            "restart_policy",
            Value::map([("MaximumRetryCount", Value::Int(0)), ("Name", s("always"))])
        )])
    );
    assert!(!worker.is_abstract);

    // server extends abstract_config
    let server = &configs["server"];
    assert_eq!(
        server.links,
        [link("svc", Some("svc_alias1")), link("svc", Some("svc_alias2"))]
    );
    assert_eq!(names(&server.attaches, |a| &a.name), ["app_log", "server_log"]);
    assert_eq!(
        server.user.as_ref().map(ToString::to_string).as_deref(),
        Some("server_user")
    );
    assert_eq!(server.exposes, [binding(8443, Some(8443), Some("private"))]);
    assert_eq!(
        server.binds,
        [alias_bind("app_config", true), alias_bind("app_data", false)]
    );
    assert_eq!(server.permissions.as_deref(), Some("u=rwX,g=rX,o="));
    assert_eq!(
        Value::Map(server.create_options.clone()),
        Value::map([("mem_limit", s("1g")), ("cpu_shares", Value::Int(15))])
    );
    assert_eq!(
        Value::Map(server.host_config.clone()),
        Value::map([(
            "restart_policy",
            Value::map([("MaximumRetryCount", Value::Int(3)), ("Name", s("always"))])
        )])
    );

    // server2 extends server: links add up
    let server2 = &configs["server2"];
    assert_eq!(
        server2.links,
        [
            link("svc", Some("svc_alias1")),
            link("svc", Some("svc_alias2")),
            link("svc2", None)
        ]
    );
    assert_eq!(
        server2.user.as_ref().map(ToString::to_string).as_deref(),
        Some("server_user")
    );

    // MAP_DATA_3: the child of an abstract config is a plain copy
    let m3 = load("main", MAP_DATA_3);
    let c3 = extended(&m3);
    assert_eq!(c3.keys().collect::<Vec<_>>(), ["server"]);
    assert_eq!(
        c3["server"].binds,
        [path_bind("/var/lib/web/config", "web/config", true)]
    );
    assert_eq!(names(&c3["server"].attaches, |a| &a.name), ["web_log"]);
    assert_eq!(c3["server"].image.as_deref(), Some("server"));
}

#[test]
fn merge_lists_only() {
    let map = map_data_2(false);
    let mut merged = map.containers["abstract_config"].clone();
    merged.merge_from(&map.containers["server"], true);
    // scalars and dicts kept
    assert_eq!(
        merged.user.as_ref().map(ToString::to_string).as_deref(),
        Some("app_user")
    );
    assert!(merged.create_options.is_empty(), "{:?}", merged.create_options);
    assert!(merged.host_config.is_empty(), "{:?}", merged.host_config);
    assert_eq!(merged.image.as_deref(), Some("server"));
    // lists merged
    assert_eq!(
        merged.binds,
        [alias_bind("app_config", true), alias_bind("app_data", false)]
    );
    assert_eq!(names(&merged.attaches, |a| &a.name), ["app_log", "server_log"]);
    assert_eq!(
        merged.links,
        [link("svc", Some("svc_alias1")), link("svc", Some("svc_alias2"))]
    );
    assert_eq!(merged.exposes, [binding(8443, Some(8443), Some("private"))]);
    assert_eq!(names(&merged.uses, |u| &u.name), ["redis.redis_socket"]);

    // Without lists_only the scalars and dicts of server win; `abstract` and `extends` never merge.
    let mut full = map.containers["abstract_config"].clone();
    full.merge_from(&map.containers["server"], false);
    assert_eq!(
        full.user.as_ref().map(ToString::to_string).as_deref(),
        Some("server_user")
    );
    assert_eq!(
        Value::Map(full.create_options.clone()),
        Value::map([("mem_limit", s("1g")), ("cpu_shares", Value::Int(15))])
    );
    assert!(full.is_abstract);
    assert!(full.extends.is_empty());
}

#[test]
fn map_merge_example() {
    // docker-map's documented map-merge example, as docker-map behaves. docker-map's `create_options` keys `a`, `b`, `c` are not Engine
    // options, which dmap rejects, so real keys stand in: a → cpu_shares, b → labels (a dict
    // that is replaced, not deep-merged), c → working_dir. `volumes: {v1: ...}` gives map 1 the
    // v1 whose `default_path` the example says is kept.
    let base = r#"
repository: r1
volumes: {v1: /data/v1}
a:
  image: i1
  uses: v1
  binds: [[/x, /hx, ro]]
  create_options: {cpu_shares: 1, labels: {x: '1'}}
  exposes: [[80, 8080]]
"#;
    let other = r#"
repository: r2
host_root: /root2
a:
  image: i2
  uses: [v2, v1]
  binds: [[/x, /hx2], [/y, /hy]]
  create_options: {labels: {y: '2'}, working_dir: /w}
  exposes: [[80, 9090], 443]
volumes: {v1: {driver: x}}
"#;
    let mut map = load("main", base);
    map.merge_from(&load("main", other), false);
    assert_eq!(map.repository.as_deref(), Some("r2"));
    assert_eq!(map.host_root.as_deref(), Some("/root2"));
    let a = &map.containers["a"];
    assert_eq!(a.image.as_deref(), Some("i2"));
    assert_eq!(names(&a.uses, |u| &u.name), ["v1", "v2"]);
    assert_eq!(
        a.binds,
        [path_bind("/x", "/hx2", false), path_bind("/y", "/hy", false)]
    );
    assert_eq!(
        a.exposes,
        [binding(80, Some(9090), None), binding(443, None, None)]
    );
    assert_eq!(
        Value::Map(a.create_options.clone()),
        Value::map([
            ("cpu_shares", Value::Int(1)),
            ("labels", Value::map([("y", s("2"))])),
            ("working_dir", s("/w")),
        ])
    );
    let v1 = &map.volumes["v1"];
    assert_eq!(v1.default_path.as_deref(), Some("/data/v1"));
    assert_eq!(v1.driver, "x");

    // lists_only: map-level scalars and host_root stay; containers merge their lists only.
    let mut map = load("main", base);
    map.merge_from(&load("main", other), true);
    assert_eq!(map.repository.as_deref(), Some("r1"));
    assert_eq!(map.host_root, None);
    let a = &map.containers["a"];
    assert_eq!(a.image.as_deref(), Some("i1"));
    assert_eq!(names(&a.uses, |u| &u.name), ["v1", "v2"]);
    assert_eq!(
        a.binds,
        [path_bind("/x", "/hx2", false), path_bind("/y", "/hy", false)]
    );
    assert_eq!(
        Value::Map(a.create_options.clone()),
        Value::map([
            ("cpu_shares", Value::Int(1)),
            ("labels", Value::map([("x", s("1"))]))
        ])
    );
}

#[test]
fn map_merge_from_value_equals_yaml() {
    // The same merge with the other side built from the dict layout.
    let mut from_yaml = load("main", "a: {image: i1, links: b}\nb: {}");
    let mut from_value = from_yaml.clone();
    let other_yaml = load("main", "repository: r2\na: {links: [c, b]}\nc: {}");
    let other_value = ContainerMap::from_value(
        "main",
        &Value::map([
            ("repository", s("r2")),
            ("a", Value::map([("links", Value::List(vec![s("c"), s("b")]))])),
            ("c", Value::map::<&str>([])),
        ]),
        &|_| Default::default(),
    )
    .expect("valid dict layout");
    from_yaml.merge_from(&other_yaml, false);
    from_value.merge_from(&other_value, false);
    assert_eq!(from_yaml.to_value(), from_value.to_value());
    assert_eq!(
        from_yaml.containers["a"].links,
        [link("b", None), link("c", None)]
    );
    assert_eq!(from_yaml.repository.as_deref(), Some("r2"));
}
