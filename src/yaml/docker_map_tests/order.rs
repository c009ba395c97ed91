//! Dependency order: docker-map's dependency paths, dependents, stop order.

use super::*;

#[test]
fn dependency_path_of_server_with_parent_names() {
    let map = map_data_2(true);
    let graph = graph_unchecked(&map);
    let server_path = [
        "IMG registry.example.com/sub_sub_svc:latest",
        "C sub_sub_svc",
        "IMG registry.example.com/sub_svc:latest",
        "C sub_svc",
        "VOL redis/redis_socket",
        "VOL redis/redis_log",
        "IMG registry.example.com/redis:latest",
        "IMG registry.example.com/svc:latest",
        "C redis.queue",
        "C redis.cache",
        "C svc",
        "VOL server/app_log",
        "VOL server/server_log",
        "IMG registry.example.com/server:latest",
    ];
    assert_eq!(shown(graph.dependencies(&c("server"))), server_path);

    let merged = graph.merged_paths(&[c("server"), c("worker"), c("worker_q2")], false);
    let merged: Vec<(String, Vec<String>)> = merged.iter().map(|(i, p)| (i.to_string(), shown(p))).collect();
    assert_eq!(
        merged,
        [
            ("C server".to_string(), server_path.map(String::from).to_vec()),
            ("C worker".to_string(), vec!["VOL worker/app_log".to_string()]),
            (
                "C worker_q2".to_string(),
                vec!["VOL worker_q2/app_log".to_string()]
            ),
        ]
    );
}

#[test]
fn dependencies_and_dependents_of_the_resolution_map() {
    let map = load("test_map", DEPENDENCY_MAP);
    // Loaded with checks off in docker-map: `a` uses `c`, which shares nothing.
    assert!(check(&map).is_err());
    let graph = graph_unchecked(&map);

    assert_eq!(
        shown(graph.dependencies(&c("a"))),
        [
            "IMG e:latest",
            "C e.1",
            "C e.2",
            "VOL d/dv",
            "IMG d:latest",
            "IMG f:latest",
            "C d.1",
            "C d.2",
            "C f",
            "IMG b:latest",
            "IMG c:latest",
            "C b",
            "C c",
            "IMG a:latest",
        ]
    );
    assert_eq!(
        shown(graph.dependencies(&c("l"))),
        ["IMG e:latest", "C e.1", "IMG l:latest"]
    );

    // Stop/remove order: dependents, outermost first.
    assert_eq!(
        shown(graph.dependents(&c("e.1"))),
        ["C a", "C x", "C b", "C d.1", "C d.2", "C l"]
    );
    assert_eq!(shown(graph.dependents(&c("f"))), ["C a", "C x", "C b"]);
    assert_eq!(shown(graph.dependents(&c("a"))), Vec::<String>::new());
}

#[test]
fn simple_chain_stop_order() {
    // b links a, c links b: `stop a` stops c, b, then a.
    let map = load("chain", "a: {}\nb: {links: a}\nc: {links: b}");
    let checked = check(&map).expect("valid");
    let graph = &checked.graph;
    assert_eq!(shown(graph.dependents(&c("a"))), ["C c", "C b"]);
    let merged = graph.merged_paths(&[c("a")], true);
    let mut order: Vec<String> = Vec::new();
    for (input, path) in &merged {
        order.extend(shown(path));
        order.push(input.to_string());
    }
    assert_eq!(order, ["C c", "C b", "C a"]);
    // and the start order of c is a, b (then c)
    assert_eq!(
        shown(graph.dependencies(&c("c"))),
        ["IMG a:latest", "C a", "IMG b:latest", "C b", "IMG c:latest"]
    );
}
