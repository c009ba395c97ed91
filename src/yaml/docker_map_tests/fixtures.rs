//! docker-map's test fixtures, checked as maps.

use super::*;

#[test]
fn fixture_map_data_1_is_valid() {
    let map = load("main", MAP_DATA_1);
    let checked = check(&map).unwrap_or_else(|p| panic!("{p:#?}"));
    // network_mode: app_server.instance1 is a dependency on that instance only.
    assert_eq!(
        shown(checked.graph.direct_dependencies(&c("app_extra"))),
        [
            "C app_server.instance1",
            "IMG registry.example.com/app_extra:custom"
        ]
    );
    // web_server: the owner of app_server_socket (all instances), then its links.
    assert_eq!(
        shown(checked.graph.direct_dependencies(&c("web_server"))),
        [
            "C app_server.instance1",
            "C app_server.instance2",
            "VOL web_server/web_log",
            "IMG registry.example.com/nginx:latest"
        ]
    );
    // Per-instance host aliases give every instance a path.
    assert_eq!(
        map.host["app_config"].path_for(Some("instance2")),
        Some("config/app2")
    );
}

#[test]
fn fixture_map_data_1_new_is_valid() {
    let map = load("main", MAP_DATA_1_NEW);
    let checked = check(&map).unwrap_or_else(|p| panic!("{p:#?}"));
    // The endpoint links of network `app` are dependencies, after the network itself.
    let deps = shown(checked.graph.direct_dependencies(&c("web_server")));
    assert_eq!(
        deps,
        [
            "NET app",
            "C app_server.instance1",
            "C app_server.instance2",
            "VOL web_server/web_log",
            "IMG registry.example.com/nginx:latest"
        ]
    );
}

#[test]
fn fixture_map_data_3_is_valid() {
    let map = load("main", MAP_DATA_3);
    let checked = check(&map).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(checked.configs.keys().collect::<Vec<_>>(), ["server"]);
}

#[test]
fn fixture_map_data_2_with_parent_names() {
    // Every reference resolves with `use_attached_parent_name: true`. But `server2` extends
    // `server` and so inherits `exposes: {8443: [8443, private]}`: two containers bind host port
    // 8443 on the same interface of the same client. docker-map had no port check; dmap reports
    // it. The fixture's `restart_policy: {MaximumRetryCount: 3, Name: always}` is a value the
    // Engine refuses (a retry count belongs to `on-failure`): reported for both configurations
    // that have it. Those are the only problems of the map.
    let map = map_data_2(true);
    let found = problems_of(&map);
    assert_eq!(found.len(), 3, "{found:#?}");
    for cfg in ["server", "server2"] {
        assert!(
            found.contains(&format!("container `{cfg}`: `host_config` `restart_policy`: restart policy `always` takes no retry count (3): only `on-failure` does")),
            "{found:#?}"
        );
    }
    let ports = found
        .iter()
        .find(|p| p.contains("8443"))
        .expect("the port problem");
    assert!(
        ports.contains("`main.server`") && ports.contains("`main.server2`"),
        "{ports}"
    );
    // Without that duplicate and with a policy the Engine takes, the map passes (server2
    // extends server, and takes its `host_config` with it).
    let mut fixed = map.clone();
    fixed
        .containers
        .get_mut("server")
        .unwrap()
        .set_field(
            "host_config",
            &Value::map([("restart_policy", s("always"))]),
            Default::default(),
        )
        .unwrap();
    fixed
        .containers
        .get_mut("server2")
        .unwrap()
        .set_field(
            "exposes",
            &Value::map([("8443", Value::List(vec![Value::Int(9443), s("private")]))]),
            Default::default(),
        )
        .unwrap();
    let checked = check(&fixed).unwrap_or_else(|p| panic!("{p:#?}"));
    // server2's exposes replaced by key (same port, same interface): 8443 → 9443.
    assert_eq!(
        checked.configs["server2"].exposes,
        [binding(8443, Some(9443), Some("private"))]
    );
    assert_eq!(checked.configs.len(), 13);
}

#[test]
fn fixture_map_data_2_without_parent_names() {
    // Without `use_attached_parent_name`, attached volumes are used by their bare alias, and
    // `cfg.something` names a container instance. `redis.redis_socket` is therefore the
    // instance `redis_socket` of `redis`, which has only `queue` and `cache`: docker-map's check
    // item 4 ("No shared or attached volumes found for used volume(s): redis.redis_socket").
    // dmap must reject it too, once for each config that inherits the `uses` from
    // abstract_config: server, server2, worker, worker_q2. Bare aliases must also be unique per
    // map (check item 3): `app_log` is attached by server, server2, worker and worker_q2, and
    // `server_log` by server and server2.
    let map = map_data_2(false);
    let found = problems_of(&map);
    let (uses, others): (Vec<&String>, Vec<&String>) =
        found.iter().partition(|p| p.contains("redis.redis_socket"));
    for cfg in ["server", "server2", "worker", "worker_q2"] {
        let hits: Vec<&&String> = uses
            .iter()
            .filter(|p| p.contains(&format!("container `{cfg}` uses `redis.redis_socket`")))
            .collect();
        assert_eq!(hits.len(), 1, "{cfg}: {found:#?}");
        assert!(hits[0].contains("no instance `redis_socket`"), "{}", hits[0]);
    }
    assert_eq!(uses.len(), 4, "{found:#?}");
    assert!(!others.is_empty(), "{found:#?}");
    // server2 inherits server's host port 8443: reported alongside the reference problems.
    assert!(
        others.iter().any(|p| p.contains("both bind host port 8443")),
        "{found:#?}"
    );
    for p in others
        .iter()
        .filter(|p| !p.contains("host port") && !p.contains("restart_policy"))
    {
        assert!(p.contains("attached by both"), "{p}");
        assert!(p.contains("`app_log`") || p.contains("`server_log`"), "{p}");
    }
    for alias in ["`app_log`", "`server_log`"] {
        assert!(others.iter().any(|p| p.contains(alias)), "{alias}: {found:#?}");
    }

    // Using the bare alias instead makes that reference valid; the duplicates remain.
    let mut bare = map.clone();
    bare.containers
        .get_mut("abstract_config")
        .unwrap()
        .set_field("uses", &s("redis_socket"), Default::default())
        .unwrap();
    let found = problems_of(&bare);
    assert!(
        !found.is_empty()
            && found.iter().all(|p| p.contains("attached by both")
                || p.contains("both bind host port 8443")
                || p.contains("restart policy `always` takes no retry count")),
        "{found:#?}"
    );
}
