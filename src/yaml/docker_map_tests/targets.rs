//! Targets in docker-map's grammar: `CONFIG`, `CONFIG.INSTANCE`, groups, `MAP/X`, `__all__`.

use super::*;

/// docker-map's maps m and n. docker-map requested "instance i" of configs that declare no
/// instances (`n.e`); in dmap an instance a config does not declare is an error, so `e` declares
/// `[i, j]` here. `base` is an abstract config added for the error case.
const TARGET_MAP_M: &str = r#"
c: {instances: [i]}
d: {instances: [i]}
base: {abstract: true}
groups: {default: [c.i, d.i]}
"#;
const TARGET_MAP_N: &str = r#"
e: {instances: [i, j]}
networks: {nn1: {}}
groups: {default: [e]}
"#;

#[test]
fn targets_in_docker_maps_grammar() {
    let (m, n) = (load("m", TARGET_MAP_M), load("n", TARGET_MAP_N));
    let checked = check_maps(&[&m, &n], None).expect("maps m and n are valid");
    let all4 = ["m/c.i", "m/d.i", "n/e.i", "n/e.j"];
    let cases: &[(&[&str], &[&str])] = &[
        // docker-map 'm.c' → (m, c, i)
        (&["m/c"], &["m/c.i"]),
        // without a prefix, the first map is meant
        (&["c"], &["m/c.i"]),
        (&["c.i"], &["m/c.i"]),
        // docker-map ['m.c.', 'd', ('n', 'e', ['i', 'j'])] with default map m and instance i
        (&["m/c.i", "d.i", "n/e.i", "n/e.j"], &all4),
        // docker-map ['m.default', 'n.default', 'n.e.j'] with instance i; `n/default` means every
        // instance of e, so `n/e.j` adds nothing new (each target once, first position kept)
        (&["m/default", "n/default", "n/e.j"], &all4),
        (&["default"], &["m/c.i", "m/d.i"]),
        (&["n/e"], &["n/e.i", "n/e.j"]),
        (&["n/e.j", "n/e"], &["n/e.j", "n/e.i"]),
        // `__all__` without a prefix is the first map; abstract configs are never targets
        (&["__all__"], &["m/c.i", "m/d.i"]),
        (&["n/__all__"], &["n/e.i", "n/e.j"]),
        (&["__all__/__all__"], &all4),
        // `__all__/X`: X in every map that has it
        (&["__all__/e"], &["n/e.i", "n/e.j"]),
        (&["__all__/default"], &all4),
    ];
    for (requested, expected) in cases {
        assert_eq!(
            targets(requested, &checked),
            Ok(expected.iter().map(|e| e.to_string()).collect()),
            "targets {requested:?}"
        );
    }
}

#[test]
fn targets_all_of_a_map_and_one_config_everywhere() {
    // docker-map: 'm.__all__' with m = {c1, c2, c3} → all three; '__all__.c1' → c1 in every map.
    let p = load("p", "c1: {}\nc2: {}\nc3: {}\n");
    let q = load("q", "c1: {}\nx: {}\n");
    let r = load("r", "y: {}\n");
    let checked = check_maps(&[&p, &q, &r], None).expect("valid maps");
    let cases: &[(&[&str], &[&str])] = &[
        (&["p/__all__"], &["p/c1", "p/c2", "p/c3"]),
        (&["__all__/c1"], &["p/c1", "q/c1"]),
        (&["__all__/y"], &["r/y"]),
        (&["q/__all__", "__all__/c1"], &["q/c1", "q/x", "p/c1"]),
    ];
    for (requested, expected) in cases {
        assert_eq!(
            targets(requested, &checked),
            Ok(expected.iter().map(|e| e.to_string()).collect()),
            "targets {requested:?}"
        );
    }
}

#[test]
fn target_errors_name_the_offender() {
    let (m, n) = (load("m", TARGET_MAP_M), load("n", TARGET_MAP_N));
    let checked = check_maps(&[&m, &n], None).expect("maps m and n are valid");
    // (target, phrases the error must contain)
    let cases: &[(&str, &[&str])] = &[
        ("zz", &["`zz`"]),                        // unknown config
        ("n/c", &["`c`"]),                        // config of another map
        ("other/c", &["unknown map", "`other`"]), // unknown map
        ("c.k", &["instance", "`k`"]),            // unknown instance
        ("n/e.k", &["instance", "`k`"]),          // undeclared instance (docker-map allowed it)
        ("base", &["abstract", "`base`"]),        // abstract config
        ("m/base.i", &["`base`"]),                // abstract config with an instance
        ("default.i", &["group", "`default`"]),   // a group takes no instance
        ("n/default.i", &["group", "`default`"]),
        ("__all__/zz", &["`zz`"]), // in no map
    ];
    for (target, phrases) in cases {
        match targets(&[target], &checked) {
            Ok(ids) => panic!("target `{target}` should fail, gave {ids:?}"),
            Err(e) => {
                let e = e.to_string();
                for phrase in *phrases {
                    assert!(
                        e.contains(phrase),
                        "target `{target}`: error `{e}` lacks `{phrase}`"
                    );
                }
            }
        }
    }
    // One bad target spoils the whole request.
    assert!(targets(&["c", "zz"], &checked).is_err());
}
