//! The option table: its invariants, the shapes it accepts, the Engine's limits it enforces.

use super::limit::is_root_destination;
use super::size::parse_bytes;
use super::*;
use crate::model::value::Value;

#[test]
fn sizes() {
    let cases: &[(&str, u64)] = &[
        ("64m", 64 << 20),
        ("1g", 1 << 30),
        ("1gb", 1 << 30),
        ("512k", 512 << 10),
        ("100", 100),
        ("100b", 100),
    ];
    for (text, bytes) in cases {
        assert_eq!(parse_bytes(text).unwrap(), *bytes, "{text}");
    }
    assert!(parse_bytes("lots").is_err());
    assert!(parse_bytes("1x").is_err());
}

#[test]
fn keys_and_shapes() {
    let opts = Value::map([
        (
            "environment",
            Value::List(vec![Value::str("A=1"), Value::str("B=x=y")]),
        ),
        ("mem_limit", Value::str("64m")),
        ("command", Value::str("worker -A MyApp")),
        (
            "entrypoint",
            Value::List(vec![Value::str("/bin/tini"), Value::str("--")]),
        ),
    ]);
    let parsed = parse(&opts, true).unwrap();
    assert_eq!(
        parsed["environment"],
        Value::map([("A", Value::str("1")), ("B", Value::str("x=y"))])
    );
    // the mapping form gives the same
    let env = Value::map([(
        "environment",
        Value::map([("A", Value::Int(1)), ("B", Value::str("x=y"))]),
    )]);
    assert_eq!(parse(&env, true).unwrap()["environment"], parsed["environment"]);
    let err = parse(&Value::map([("enviroment", Value::Null)]), true)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`enviroment`") && err.contains("`environment`"),
        "{err}"
    );
    assert!(parse(&Value::map([("command", Value::str("x"))]), false).is_err());
    assert!(parse(&Value::map([("mem_limit", Value::str("lots"))]), true).is_err());
    assert!(parse(&Value::map([("privileged", Value::str("yes"))]), false).is_err());
    // accepted keys reach the Engine; one it no longer has is refused, not dropped
    let err = parse(&Value::map([("kernel_memory", Value::str("64m"))]), false)
        .unwrap_err()
        .to_string();
    assert!(err.contains("`kernel_memory` is not supported"), "{err}");
    let rp = parse(
        &Value::map([("restart_policy", Value::str("on-failure:3"))]),
        false,
    )
    .unwrap();
    assert_eq!(
        rp["restart_policy"],
        Value::map([
            ("MaximumRetryCount", Value::Int(3)),
            ("Name", Value::str("on-failure"))
        ])
    );
    assert!(parse(&Value::map([("restart_policy", Value::str("sometimes"))]), false).is_err());
}

#[test]
fn table_is_sorted_and_each_field_has_one_keyword() {
    let keys: Vec<&str> = OPTIONS.iter().map(|d| d.key).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(keys, sorted, "one entry per keyword, sorted");
    for field in [
        Field::Command,
        Field::Entrypoint,
        Field::Environment,
        Field::Healthcheck,
        Field::User,
        Field::Hostname,
        Field::Domainname,
        Field::StopSignal,
        Field::StopTimeout,
    ] {
        let n = OPTIONS
            .iter()
            .filter(|d| d.engine == Engine::Field(field))
            .count();
        assert_eq!(n, 1, "{field:?}");
    }
    // Only host-config fields change in place, and only what the Engine's update body has.
    for d in OPTIONS.iter().filter(|d| d.in_place) {
        assert!(matches!(d.engine, Engine::HostConfig(_)), "{}", d.key);
    }
    // Folded keywords are container fields, so create_options alone takes them.
    for d in OPTIONS.iter().filter(|d| matches!(d.engine, Engine::Field(_))) {
        assert_eq!(d.accepted, Accepted::Create, "{}", d.key);
    }
}

#[test]
fn folded_keywords_are_found_by_field() {
    let opts = BTreeMap::from([
        ("stop_timeout".to_string(), Value::Int(1)),
        ("mem_limit".to_string(), Value::str("64m")),
    ]);
    let values = FieldValues::of(&opts);
    assert_eq!(values.get(Field::StopTimeout), Some(&Value::Int(1)));
    assert_eq!(values.get(Field::StopSignal), None);
}

/// `(keyword, value, the error's end)`: what the Engine would refuse, refused when checked.
#[test]
fn engine_limits() {
    let refused: &[(&str, Value, &str)] = &[
        (
            "mem_limit",
            Value::str("4m"),
            "4m is below the Engine's minimum of 6m",
        ),
        (
            "mem_limit",
            Value::Int(12),
            "12b is below the Engine's minimum of 6m",
        ),
        (
            "mem_reservation",
            Value::str("1k"),
            "1k is below the Engine's minimum of 6m",
        ),
        (
            "cpu_period",
            Value::Int(500),
            "500 is not within 1000..1000000 (or 0 for the default)",
        ),
        (
            "cpu_quota",
            Value::Int(999),
            "999 is below the Engine's minimum of 1000",
        ),
        (
            "blkio_weight",
            Value::Int(5),
            "5 is not within 10..1000 (or 0 for the default)",
        ),
        (
            "blkio_weight",
            Value::Int(70000),
            "70000 is not within 10..1000 (or 0 for the default)",
        ),
        (
            "oom_score_adj",
            Value::Int(2000),
            "2000 is not within -1000..1000",
        ),
        ("mem_swappiness", Value::Int(101), "101 is not within -1..100"),
        ("cpu_shares", Value::Int(-1), "-1 is below 0"),
        ("nano_cpus", Value::Int(-5), "-5 is below 0"),
        ("stop_timeout", Value::Int(-1), "-1 is below 0"),
        (
            "stop_signal",
            Value::str("sig int"),
            "unknown signal `sig int`: expected a Linux signal name such as `SIGINT` or `TERM`, `SIGRTMIN+n`, `SIGRTMAX-n`, or a number from 1 to 64",
        ),
        (
            "restart_policy",
            Value::str("always:3"),
            "restart policy `always` takes no retry count (3): only `on-failure` does",
        ),
        (
            "restart_policy",
            Value::str("on-failure:-1"),
            "restart policy `on-failure`: the retry count can't be negative (-1)",
        ),
        (
            "cgroupns",
            Value::str("bogus"),
            "expected one of `private`, `host`, found \"bogus\"",
        ),
        (
            "ulimits",
            Value::List(vec![Value::str("nofile=many")]),
            "`nofile=many`: the limit `many` is not an integer",
        ),
        (
            "binds",
            Value::List(vec![Value::str("/srv:/")]),
            "mount destination `/` is the container's root, which the Engine can't mount over",
        ),
        (
            "mounts",
            Value::List(vec![Value::map([("target", Value::str("/a/.."))])]),
            "mount destination `/a/..` is the container's root, which the Engine can't mount over",
        ),
        (
            "tmpfs",
            Value::List(vec![Value::str("//:size=1m")]),
            "mount destination `//` is the container's root, which the Engine can't mount over",
        ),
        (
            "volumes",
            Value::List(vec![Value::str("/./")]),
            "mount destination `/./` is the container's root, which the Engine can't mount over",
        ),
    ];
    for (key, value, message) in refused {
        let result = parse(&Value::map([(*key, value.clone())]), true);
        let why = match &result {
            // A limit is the map's check; a malformed value fails where it is set.
            Ok(parsed) => match beyond_limits(parsed).as_slice() {
                [(k, why)] if k == key => why.clone(),
                other => panic!("{key}: {other:?}"),
            },
            Err(e) => e
                .to_string()
                .trim_start_matches(&format!("create_options `{key}`: "))
                .to_string(),
        };
        assert_eq!(why, *message, "{key}");
    }
    let taken: &[(&str, Value)] = &[
        ("mem_limit", Value::str("6m")),
        ("mem_limit", Value::Int(0)),
        ("cpu_period", Value::Int(0)),
        ("cpu_quota", Value::Int(-1)),
        ("blkio_weight", Value::Int(0)),
        ("mem_swappiness", Value::Int(-1)),
        ("memswap_limit", Value::Int(-1)),
        ("restart_policy", Value::str("on-failure:3")),
        ("stop_signal", Value::Int(15)),
        ("binds", Value::List(vec![Value::str("/srv:/srv/data")])),
    ];
    for (key, value) in taken {
        let parsed = parse(&Value::map([(*key, value.clone())]), true).expect(key);
        assert!(beyond_limits(&parsed).is_empty(), "{key} {value}");
    }
}

#[test]
fn root_destinations() {
    for (path, root) in [
        ("/", true),
        ("//", true),
        ("/./", true),
        ("/a/..", true),
        ("/a", false),
        ("/a/../b", false),
        ("relative", false),
    ] {
        assert_eq!(is_root_destination(path), root, "{path}");
    }
}
