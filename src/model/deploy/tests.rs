//! `deploy` read from its shorthands, read back normalised, its errors, and its serialized form.

use super::placement::Preference;
use super::*;
use crate::model::value::Value as V;

const SECOND: u64 = 1_000_000_000;

fn spread(label: &str) -> Preference {
    Preference { spread: label.into() }
}

#[test]
fn shorthands() {
    let cases: Vec<(V, Deploy)> = vec![
        (V::Null, Deploy::default()),
        (V::map::<&str>([]), Deploy::default()),
        (
            V::map([("replicas", V::Int(3))]),
            Deploy {
                replicas: Some(3),
                ..Deploy::default()
            },
        ),
        (
            V::map([("replicas", V::Int(0))]),
            Deploy {
                replicas: Some(0),
                ..Deploy::default()
            },
        ),
        // a single constraint is a one-item list
        (
            V::map([(
                "placement",
                V::map([("constraints", V::str("node.role == manager"))]),
            )]),
            Deploy {
                placement: Placement {
                    constraints: vec!["node.role == manager".into()],
                    preferences: Vec::new(),
                },
                ..Deploy::default()
            },
        ),
        (
            V::map([(
                "placement",
                V::map([
                    (
                        "constraints",
                        V::List(vec![
                            V::str("node.role==worker"),
                            V::str("node.labels.ssd != false"),
                        ]),
                    ),
                    (
                        "preferences",
                        V::List(vec![V::map([("spread", V::str("node.labels.zone"))])]),
                    ),
                ]),
            )]),
            Deploy {
                placement: Placement {
                    constraints: vec!["node.role==worker".into(), "node.labels.ssd != false".into()],
                    preferences: vec![spread("node.labels.zone")],
                },
                ..Deploy::default()
            },
        ),
        // a label alone is a spread preference, and one preference a one-item list
        (
            V::map([(
                "placement",
                V::map([(
                    "preferences",
                    V::List(vec![V::str("node.labels.zone"), V::str("node.labels.rack")]),
                )]),
            )]),
            Deploy {
                placement: Placement {
                    constraints: Vec::new(),
                    preferences: vec![spread("node.labels.zone"), spread("node.labels.rack")],
                },
                ..Deploy::default()
            },
        ),
        (
            V::map([("placement", V::map([("preferences", V::str("node.labels.zone"))]))]),
            Deploy {
                placement: Placement {
                    constraints: Vec::new(),
                    preferences: vec![spread("node.labels.zone")],
                },
                ..Deploy::default()
            },
        ),
        (
            V::map([(
                "placement",
                V::map([("preferences", V::map([("spread", V::str("node.labels.zone"))]))]),
            )]),
            Deploy {
                placement: Placement {
                    constraints: Vec::new(),
                    preferences: vec![spread("node.labels.zone")],
                },
                ..Deploy::default()
            },
        ),
        (
            V::map([
                ("endpoint_mode", V::str("dnsrr")),
                ("publish_mode", V::str("host")),
            ]),
            Deploy {
                endpoint_mode: Some(EndpointMode::Dnsrr),
                publish_mode: Some(PublishMode::Host),
                ..Deploy::default()
            },
        ),
        (
            V::map([
                ("endpoint_mode", V::str("vip")),
                ("publish_mode", V::str("ingress")),
            ]),
            Deploy {
                endpoint_mode: Some(EndpointMode::Vip),
                publish_mode: Some(PublishMode::Ingress),
                ..Deploy::default()
            },
        ),
        (
            V::map([(
                "update_config",
                V::map([
                    ("parallelism", V::Int(2)),
                    ("delay", V::str("10s")),
                    ("failure_action", V::str("rollback")),
                    ("monitor", V::str("1m")),
                    ("max_failure_ratio", V::Float(0.25)),
                    ("order", V::str("start-first")),
                ]),
            )]),
            Deploy {
                update_config: Some(UpdateConfig {
                    parallelism: Some(2),
                    delay: Some(10 * SECOND),
                    failure_action: Some(FailureAction::Rollback),
                    monitor: Some(60 * SECOND),
                    max_failure_ratio: Some(0.25),
                    order: Some(UpdateOrder::StartFirst),
                }),
                ..Deploy::default()
            },
        ),
        // a whole ratio, integer nanoseconds, the other choices
        (
            V::map([(
                "update_config",
                V::map([
                    ("max_failure_ratio", V::Int(1)),
                    ("delay", V::Int(500)),
                    ("failure_action", V::str("pause")),
                    ("order", V::str("stop-first")),
                ]),
            )]),
            Deploy {
                update_config: Some(UpdateConfig {
                    max_failure_ratio: Some(1.0),
                    delay: Some(500),
                    failure_action: Some(FailureAction::Pause),
                    order: Some(UpdateOrder::StopFirst),
                    ..UpdateConfig::default()
                }),
                ..Deploy::default()
            },
        ),
        (
            V::map([("update_config", V::map([("failure_action", V::str("continue"))]))]),
            Deploy {
                update_config: Some(UpdateConfig {
                    failure_action: Some(FailureAction::Continue),
                    ..UpdateConfig::default()
                }),
                ..Deploy::default()
            },
        ),
        // set, even empty
        (
            V::map([("update_config", V::map::<&str>([]))]),
            Deploy {
                update_config: Some(UpdateConfig::default()),
                ..Deploy::default()
            },
        ),
        (
            V::map([(
                "restart_policy",
                V::map([
                    ("condition", V::str("on-failure")),
                    ("delay", V::str("5s")),
                    ("max_attempts", V::Int(3)),
                    ("window", V::str("2m")),
                ]),
            )]),
            Deploy {
                restart_policy: Some(RestartPolicy {
                    condition: Some(RestartCondition::OnFailure),
                    delay: Some(5 * SECOND),
                    max_attempts: Some(3),
                    window: Some(120 * SECOND),
                }),
                ..Deploy::default()
            },
        ),
        (
            V::map([("restart_policy", V::map([("condition", V::str("none"))]))]),
            Deploy {
                restart_policy: Some(RestartPolicy {
                    condition: Some(RestartCondition::None),
                    ..RestartPolicy::default()
                }),
                ..Deploy::default()
            },
        ),
        (
            V::map([("restart_policy", V::map([("condition", V::str("any"))]))]),
            Deploy {
                restart_policy: Some(RestartPolicy {
                    condition: Some(RestartCondition::Any),
                    ..RestartPolicy::default()
                }),
                ..Deploy::default()
            },
        ),
    ];
    for (input, want) in cases {
        let got = Deploy::parse(&input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(got, want, "{input}");
        // read back normalised, and the same again
        let back = Deploy::parse(&got.to_value()).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(back, got, "{input} read back as {}", got.to_value());
    }
}

#[test]
fn errors() {
    let deploy = |k: &str, v: V| V::map([(k, v)]);
    let cases: Vec<(V, &str)> = vec![
        (V::str("3"), "expected `deploy` as a mapping, found \"3\""),
        (
            deploy("replica", V::Int(3)),
            "unknown key `replica` in `deploy` (did you mean `replicas`?)",
        ),
        (
            deploy("resources", V::Null),
            "unknown key `resources` in `deploy` (expected `replicas`, `placement`, `endpoint_mode`, `publish_mode`, `update_config` or `restart_policy`)",
        ),
        (
            deploy("replicas", V::Int(-1)),
            "`replicas`: expected a whole number (0 or more), found -1",
        ),
        (
            deploy("replicas", V::str("3")),
            "`replicas`: expected a whole number (0 or more), found \"3\"",
        ),
        (
            deploy("placement", V::str("node.role == manager")),
            "expected `placement` as a mapping, found \"node.role == manager\"",
        ),
        (
            deploy("placement", V::map([("constraint", V::str("x"))])),
            "unknown key `constraint` in `placement` (did you mean `constraints`?)",
        ),
        (
            deploy("placement", V::map([("constraints", V::str("node.role"))])),
            "`placement.constraints`: invalid constraint `node.role`: expected `ATTRIBUTE == VALUE` or `ATTRIBUTE != VALUE`, e.g. `node.role == manager`",
        ),
        (
            deploy("placement", V::map([("constraints", V::str("== manager"))])),
            "`placement.constraints`: invalid constraint `== manager`",
        ),
        (
            deploy("placement", V::map([("constraints", V::List(vec![V::Bool(true)]))])),
            "`placement.constraints`: expected a placement constraint as a string, found true",
        ),
        (
            deploy(
                "placement",
                V::map([("preferences", V::map([("spred", V::str("node.labels.zone"))]))]),
            ),
            "unknown key `spred` in a placement preference (did you mean `spread`?)",
        ),
        (
            deploy("placement", V::map([("preferences", V::List(vec![V::Int(1)]))])),
            "`placement.preferences`: expected a node label to spread over (`\"node.labels.zone\"` or `#{ spread: \"node.labels.zone\" }`), found 1",
        ),
        (
            deploy("placement", V::map([("preferences", V::str(""))])),
            "`placement.preferences`: expected a node label to spread over",
        ),
        (
            deploy("endpoint_mode", V::str("vips")),
            "`endpoint_mode`: expected `vip` or `dnsrr`, found \"vips\" (did you mean `vip`?)",
        ),
        (
            deploy("endpoint_mode", V::Bool(true)),
            "`endpoint_mode`: expected `vip` or `dnsrr`, found true",
        ),
        (
            deploy("publish_mode", V::str("global")),
            "`publish_mode`: expected `ingress` or `host`, found \"global\"",
        ),
        (
            deploy("update_config", V::Int(1)),
            "expected `update_config` as a mapping, found 1",
        ),
        (
            deploy("update_config", V::map([("delya", V::str("1s"))])),
            "unknown key `delya` in `update_config` (did you mean `delay`?)",
        ),
        (
            deploy("update_config", V::map([("parallelism", V::Float(1.5))])),
            "`update_config.parallelism`: expected a whole number (0 or more), found 1.5",
        ),
        (
            deploy("update_config", V::map([("delay", V::str("2 fortnights"))])),
            "`update_config.delay`: invalid duration `2 fortnights`",
        ),
        (
            deploy("update_config", V::map([("monitor", V::Bool(true))])),
            "`update_config.monitor`: expected a duration such as \"30s\", found true",
        ),
        (
            deploy("update_config", V::map([("failure_action", V::str("stop"))])),
            "`update_config.failure_action`: expected `continue`, `pause` or `rollback`, found \"stop\"",
        ),
        (
            deploy("update_config", V::map([("max_failure_ratio", V::Float(1.5))])),
            "`update_config.max_failure_ratio`: expected a ratio from 0 to 1, found 1.5",
        ),
        (
            deploy("update_config", V::map([("max_failure_ratio", V::Int(2))])),
            "`update_config.max_failure_ratio`: expected a ratio from 0 to 1, found 2",
        ),
        (
            deploy("update_config", V::map([("order", V::str("start_first"))])),
            "`update_config.order`: expected `stop-first` or `start-first`, found \"start_first\" (did you mean `start-first`?)",
        ),
        (
            deploy("restart_policy", V::str("always")),
            "expected `restart_policy` as a mapping, found \"always\"",
        ),
        (
            deploy("restart_policy", V::map([("conditions", V::str("any"))])),
            "unknown key `conditions` in `restart_policy` (did you mean `condition`?)",
        ),
        (
            deploy("restart_policy", V::map([("condition", V::str("on_failure"))])),
            "`restart_policy.condition`: expected `none`, `on-failure` or `any`, found \"on_failure\" (did you mean `on-failure`?)",
        ),
        (
            deploy("restart_policy", V::map([("max_attempts", V::Int(-3))])),
            "`restart_policy.max_attempts`: expected a whole number (0 or more), found -3",
        ),
        (
            deploy("restart_policy", V::map([("window", V::str("1x"))])),
            "`restart_policy.window`: invalid duration `1x`",
        ),
        (
            deploy("restart_policy", V::map([("delay", V::Int(-1))])),
            "`restart_policy.delay`: expected a duration",
        ),
    ];
    for (input, want) in cases {
        match Deploy::parse(&input) {
            Ok(d) => panic!("{input}: parsed as {d:?}"),
            Err(e) => assert!(
                e.to_string().starts_with(want),
                "{input}:\n  got  {e}\n  want {want}"
            ),
        }
    }
}

#[test]
fn serialized_without_empty_fields() {
    let d = Deploy::parse(&V::map([
        ("replicas", V::Int(2)),
        ("placement", V::map([("preferences", V::str("node.labels.zone"))])),
        ("restart_policy", V::map([("condition", V::str("on-failure"))])),
    ]))
    .unwrap_or_default();
    let json = serde_json::to_string(&d).unwrap_or_default();
    assert_eq!(
        json,
        r#"{"replicas":2,"placement":{"preferences":[{"spread":"node.labels.zone"}]},"restart_policy":{"condition":"on-failure"}}"#
    );
    let back: Deploy = serde_json::from_str(&json).unwrap_or_default();
    assert_eq!(back, d);
    assert_eq!(
        serde_json::to_string(&Deploy::default()).unwrap_or_default(),
        "{}"
    );
}
