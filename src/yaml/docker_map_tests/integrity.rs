//! docker-map's integrity checks: each problem named with its offender, all reported together.

use super::*;

#[test]
fn integrity_errors_each_reported_with_the_offender() {
    // (what, map, phrases the single problem must contain)
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "link to an unknown container",
            "a: {links: b}",
            &["links to `b`", "unknown container"],
        ),
        (
            "link to a config with instances",
            "a: {links: b}\nb: {instances: [y]}",
            &["links to `b`", "has instances", "`b.y`"],
        ),
        (
            "link to an unknown instance",
            "a: {links: b.z}\nb: {instances: [y]}",
            &["`b.z`", "no instance `z`"],
        ),
        (
            "link on a network endpoint",
            "a: {networks: {n: {links: b}}}\nnetworks: {n: {}}",
            &["links to `b`", "network `n`", "unknown container"],
        ),
        (
            "duplicate attached volume",
            "a: {attaches: v}\nb: {attaches: v}\nvolumes: {v: /p}",
            &["attached volume `v`", "both `a` and `b`"],
        ),
        (
            "bind alias missing from host",
            "a: {binds: v}\nvolumes: {v: /x}",
            &["binds `v`", "not in the map's `host`"],
        ),
        (
            "bind alias missing from volumes",
            "a: {binds: v}\nhost: {v: /h}",
            &["binds `v`", "`volumes`"],
        ),
        (
            "host alias without a path for an instance",
            "a: {binds: v, instances: [x, y]}\nhost: {v: {x: hx}}\nvolumes: {v: /v}",
            &["host alias `v`", "instance `y`"],
        ),
        (
            "attached volume without a path",
            "a: {attaches: v}",
            &["attaches volume `v`", "no path"],
        ),
        (
            "unknown used volume",
            "a: {uses: vol}",
            &["uses `vol`", "neither an attached volume nor a container"],
        ),
        (
            "used container without volumes",
            "a: {uses: b}\nb: {}",
            &["uses container `b`", "no volumes"],
        ),
        (
            "used container with instances",
            "a: {uses: redis}\nredis: {instances: [queue, cache], shares: [/data]}",
            &["uses `redis`", "has instances", "`redis.queue`"],
        ),
        (
            "unknown network",
            "a: {networks: n}",
            &["network `n`", "not in the map's `networks`"],
        ),
        (
            "config name used as a group",
            "a: {}\ngroups: {a: [a]}",
            &["`a`", "both for a container configuration and a group"],
        ),
        (
            "group with an unknown member",
            "a: {}\ngroups: {g: [a, b]}",
            &["group `g`", "unknown container `b`"],
        ),
        (
            "group with an unknown instance",
            "a: {instances: [x]}\ngroups: {g: [a.y]}",
            &["group `g`", "`a.y`"],
        ),
        (
            "unknown network_mode container",
            "a: {network_mode: b}",
            &["network of `b`", "unknown container"],
        ),
        (
            "unknown network_mode instance",
            "a: {network_mode: b.z}\nb: {instances: [y]}",
            &["network of `b.z`", "no instance `z`"],
        ),
        ("self link", "a: {links: a}", &["`a`", "itself"]),
    ];
    for (what, yaml, phrases) in cases {
        let found = problems(yaml);
        assert_eq!(
            found.len(),
            1,
            "{what}: expected one problem, got {found:#?}\n{yaml}"
        );
        for phrase in *phrases {
            assert!(
                found[0].contains(phrase),
                "{what}: `{}` lacks `{phrase}`",
                found[0]
            );
        }
    }
}

#[test]
fn integrity_passes() {
    let cases: &[(&str, &str)] = &[
        ("attached volume with its own path", "a: {attaches: {v: /p}}"),
        (
            "used attached volume",
            "a: {attaches: v}\nb: {uses: v}\nvolumes: {v: /p}",
        ),
        ("used container with shares", "a: {shares: /data}\nb: {uses: a}"),
        (
            "used instance",
            "a: {instances: [x, y], shares: /data}\nb: {uses: a.x}",
        ),
        ("link to an instance", "a: {links: b.y}\nb: {instances: [y]}"),
        (
            "preset networks",
            "a: {networks: [bridge]}\nb: {network_mode: host}",
        ),
        (
            "network_mode of a config with instances",
            "a: {network_mode: b}\nb: {instances: [y, z]}",
        ),
        (
            "only abstract configs",
            "base: {abstract: true, image: x, links: nowhere}",
        ),
        (
            "abstract parent and a child",
            "base: {abstract: true, image: x}\nchild: {extends: base}",
        ),
        ("empty map", "{}"),
    ];
    for (what, yaml) in cases {
        assert_eq!(problems(yaml), Vec::<String>::new(), "{what}:\n{yaml}");
    }
    // A map with only abstract configs is valid and has nothing to run (docker-map crashed on it).
    let map = load("t", "base: {abstract: true, image: x}");
    let checked = check(&map).expect("valid");
    assert!(checked.configs.is_empty());
    assert!(checked.graph.containers().is_empty());
}

#[test]
fn all_problems_of_a_map_are_reported_together() {
    let found = problems("a: {links: zz, networks: nn, uses: vv}");
    assert_eq!(found.len(), 3, "{found:#?}");
    for name in ["`zz`", "`nn`", "`vv`"] {
        assert_eq!(
            found.iter().filter(|p| p.contains(name)).count(),
            1,
            "{name} in {found:#?}"
        );
    }
    // The same over several configs.
    let found = problems("a: {links: zz}\nb: {networks: nn}\nc: {binds: hh}\nvolumes: {hh: /h}");
    assert_eq!(found.len(), 3, "{found:#?}");
}

// check.rs promises that every problem of a map is reported together, but `check_maps` runs the
// graph (cycles) only on maps whose references are clean, the port check only on maps whose
// graph was built, and `Graph::build` stops at the first cycle. The three tests below show each
// symptom of that one cause.

#[test]
fn reference_port_and_cycle_problems_reported_together() {
    // An unknown link, a host port bound twice and a cycle: only the unknown link is reported.
    let found =
        problems("a: {links: zz, exposes: {80: 80}}\nb: {exposes: {80: 80}}\nx: {links: y}\ny: {links: x}");
    assert_eq!(found.len(), 3, "{found:#?}");
}

#[test]
fn cycle_and_port_problems_reported_together() {
    let found = problems("x: {links: y, exposes: {80: 80}}\ny: {links: x}\nb: {exposes: {80: 80}}");
    assert_eq!(found.len(), 2, "{found:#?}");
}

#[test]
fn every_cycle_reported() {
    let found = problems("x: {links: y}\ny: {links: x}\np: {links: q}\nq: {links: p}");
    assert_eq!(found.len(), 2, "{found:#?}");
}

/// Is `message` naming the cycle through `nodes` (in dependency order), starting anywhere?
fn names_cycle(message: &str, nodes: &[&str]) -> bool {
    (0..nodes.len()).any(|start| {
        let mut rotated: Vec<&str> = nodes[start..].iter().chain(&nodes[..start]).copied().collect();
        rotated.push(rotated[0]);
        message.contains(&rotated.join(" -> "))
    })
}

#[test]
fn dependency_cycles_are_problems() {
    // docker-map recursed forever on a two-node cycle.
    let cases: &[(&str, &[&str])] = &[
        ("a: {links: b}\nb: {links: a}", &["a", "b"]),
        ("a: {links: b}\nb: {links: c}\nc: {links: a}", &["a", "b", "c"]),
        // a cycle through a used attached volume and a network_mode
        (
            "a: {uses: v}\nb: {attaches: v, network_mode: a}\nvolumes: {v: /v}",
            &["a", "b"],
        ),
        ("a: {links: b.x}\nb: {instances: [x], links: a}", &["a", "b.x"]),
    ];
    for (yaml, cycle) in cases {
        let found = problems(yaml);
        assert_eq!(found.len(), 1, "{found:#?}\n{yaml}");
        assert!(found[0].contains("circular"), "{}", found[0]);
        assert!(
            names_cycle(&found[0], cycle),
            "`{}` does not name the cycle {cycle:?}",
            found[0]
        );
        // Graph::build alone reports it as well.
        let map = load("t", yaml);
        assert!(Graph::build(&map, &extended(&map)).is_err(), "{yaml}");
    }
}

#[test]
fn extends_problems() {
    // An `extends` cycle.
    let map = load("t", "a: {extends: b}\nb: {extends: a}");
    let found: Vec<String> = map
        .extended()
        .expect_err("cycle")
        .into_iter()
        .map(|p| p.message)
        .collect();
    assert!(!found.is_empty());
    for p in &found {
        assert!(p.contains("extends itself") && names_cycle(p, &["a", "b"]), "{p}");
    }
    assert!(!problems_of(&map).is_empty());
    // Through an abstract config, too.
    let found = problems("base: {abstract: true, extends: a}\na: {extends: base}");
    assert!(
        !found.is_empty() && found.iter().all(|p| p.contains("extends itself")),
        "{found:#?}"
    );
    // A config that extends itself.
    let found = problems("a: {extends: a}");
    assert!(
        !found.is_empty() && found.iter().all(|p| p.contains("extends itself")),
        "{found:#?}"
    );
    // An unknown parent (docker-map: plain KeyError('zz')).
    let found = problems("a: {extends: zz}");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("extends unknown container `zz`"),
        "{}",
        found[0]
    );
}

#[test]
fn host_port_conflicts() {
    // (what, map, conflict expected)
    let cases: &[(&str, &str, bool)] = &[
        (
            "two containers, one host port",
            "a: {exposes: {80: 80}}\nb: {exposes: {8080: 80}}",
            true,
        ),
        (
            "different explicit interfaces",
            "a: {exposes: [[80, 80, 10.0.0.1]]}\nb: {exposes: [[80, 80, 10.0.0.2]]}",
            false,
        ),
        (
            "all addresses vs one",
            "a: {exposes: [[80, 80, 0.0.0.0]]}\nb: {exposes: [[80, 80, 10.0.0.1]]}",
            true,
        ),
        (
            "no interface vs one",
            "a: {exposes: {80: 80}}\nb: {exposes: [[80, 80, 10.0.0.1]]}",
            true,
        ),
        (
            "same interface alias",
            "a: {exposes: [[80, 80, private]]}\nb: {exposes: [[80, 80, private]]}",
            true,
        ),
        (
            "different protocols",
            "a: {exposes: [['53/udp', 53]]}\nb: {exposes: [[53, 53]]}",
            false,
        ),
        (
            "same udp port",
            "a: {exposes: [['53/udp', 53]]}\nb: {exposes: [['53/udp', 53]]}",
            true,
        ),
        (
            "two instances of one config",
            "a: {instances: [x, y], exposes: {80: 80}}",
            true,
        ),
        (
            "different host ports",
            "a: {exposes: {80: 80}}\nb: {exposes: {80: 8080}}",
            false,
        ),
        (
            "exposed only, not published",
            "a: {exposes: [80]}\nb: {exposes: [80]}",
            false,
        ),
        (
            "abstract config does not bind",
            "base: {abstract: true, exposes: {80: 80}}\nb: {exposes: {80: 80}}",
            false,
        ),
        (
            "inherited binding",
            "base: {abstract: true, exposes: {80: 80}}\nb: {extends: base}\nc: {extends: base}",
            true,
        ),
    ];
    for (what, yaml, conflict) in cases {
        let found = problems(yaml);
        if *conflict {
            assert_eq!(found.len(), 1, "{what}: {found:#?}");
            assert!(found[0].contains("both bind host port"), "{what}: {}", found[0]);
        } else {
            assert_eq!(found, Vec::<String>::new(), "{what}");
        }
    }
    // The offending containers are named by their Engine names.
    let found = problems("a: {instances: [x, y], exposes: {80: 80}}");
    assert!(
        found[0].contains("`t.a.x`") && found[0].contains("`t.a.y`") && found[0].contains("80"),
        "{}",
        found[0]
    );
    let found = problems("a: {exposes: [['53/udp', 53]]}\nb: {exposes: [['53/udp', 53]]}");
    assert!(found[0].contains("53/udp"), "{}", found[0]);
}

#[test]
fn host_port_conflicts_across_maps_and_interfaces() {
    let one = load("one", "web: {exposes: {80: 80}}");
    let two = load("two", "web: {exposes: {80: 80}}");
    let found = check_maps(&[&one, &two], None).expect_err("port 80 twice");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].message.contains("`one.web`") && found[0].message.contains("`two.web`"),
        "{}",
        found[0]
    );

    // Maps on different clients do not conflict.
    let three = load("three", "clients: [other]\nweb: {exposes: {80: 80}}");
    assert!(check_maps(&[&one, &three], None).is_ok());

    // An interface alias is resolved through the clients' interfaces.
    let alias = load(
        "alias",
        "a: {exposes: [[80, 80, private]]}\nb: {exposes: [[80, 80, 10.0.0.11]]}",
    );
    let interfaces = |name: &str, _ipv6: bool| -> Option<IpAddr> {
        (name == "private").then(|| "10.0.0.11".parse().unwrap())
    };
    assert!(
        check_maps(&[&alias], Some(&interfaces)).is_err(),
        "private is 10.0.0.11"
    );
    let elsewhere = |name: &str, _ipv6: bool| -> Option<IpAddr> {
        (name == "private").then(|| "10.0.0.12".parse().unwrap())
    };
    assert!(
        check_maps(&[&alias], Some(&elsewhere)).is_ok(),
        "private is 10.0.0.12"
    );
}
