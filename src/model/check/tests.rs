//! The checks through their entry points, `check` and `clients`: links, references across
//! clients, and what Swarm clients can run.

use super::check;
use crate::model::{ContainerMap, Origin, Value};

fn map(yaml_like: Vec<(&str, Value)>) -> ContainerMap {
    ContainerMap::from_value("m", &Value::map(yaml_like), &|_| Origin::default()).expect("map builds")
}

#[test]
fn links_need_a_shared_network() {
    let net = || Value::map([("backend", Value::Null)]);
    let cases: Vec<(Value, Value, bool)> = vec![
        // both on the default bridge
        (Value::Null, Value::Null, true),
        // both on the map network
        (Value::str("backend"), Value::str("backend"), true),
        // linker on the bridge, target only on the map network: the Engine refuses
        (Value::Null, Value::str("backend"), false),
        (Value::str("backend"), Value::Null, false),
        // an explicit bridge endpoint shares the default bridge
        (
            Value::List(vec![Value::str("bridge"), Value::str("backend")]),
            Value::Null,
            true,
        ),
    ];
    for (web_nets, db_nets, ok) in cases {
        let mut web = vec![("links", Value::str("db"))];
        if !web_nets.is_null() {
            web.push(("networks", web_nets.clone()));
        }
        let mut db = vec![("image", Value::str("db"))];
        if !db_nets.is_null() {
            db.push(("networks", db_nets.clone()));
        }
        let m = map(vec![
            ("web", Value::map(web)),
            ("db", Value::map(db)),
            ("networks", net()),
        ]);
        let result = check(&m);
        assert_eq!(
            result.is_ok(),
            ok,
            "web {web_nets} db {db_nets}: {:?}",
            result.err()
        );
        if let Err(p) = result {
            assert!(p[0].message.contains("share no network"), "{}", p[0].message);
        }
    }
}

#[test]
fn references_need_a_shared_client() {
    let clients = |c: &[&str]| Value::List(c.iter().map(|x| Value::str(*x)).collect());
    // (web's clients, db's clients, how web refers to db, the problem expected)
    type Case<'a> = (&'a [&'a str], &'a [&'a str], (&'a str, Value), Option<&'a str>);
    let cases: Vec<Case<'_>> = vec![
        (&["a"], &["a", "b"], ("links", Value::str("db")), None),
        (&["a", "b"], &["a"], ("links", Value::str("db")), Some("container `web` links to `db`, but they do not share a client: `web` runs on `b` where `db` does not (it runs on `a`)")),
        (&["b"], &["a"], ("uses", Value::str("db")), Some("container `web` uses volumes of `db`, but they do not share a client: `web` runs on `b`")),
        (&["b"], &["a"], ("uses", Value::str("data")), Some("container `web` uses volumes of `db`")),
        (&["b"], &["a"], ("network_mode", Value::str("db")), Some("container `web` shares the network of `db`")),
        (&[], &[], ("links", Value::str("db")), None),
    ];
    for (web_clients, db_clients, (field, target), want) in cases {
        let mut web = vec![("image", Value::str("web")), (field, target.clone())];
        if !web_clients.is_empty() {
            web.push(("clients", clients(web_clients)));
        }
        let mut db = vec![("image", Value::str("db")), ("attaches", Value::str("data"))];
        if !db_clients.is_empty() {
            db.push(("clients", clients(db_clients)));
        }
        let m = map(vec![
            ("web", Value::map(web)),
            ("db", Value::map(db)),
            ("volumes", Value::map([("data", Value::str("/data"))])),
        ]);
        let result = check(&m);
        match want {
            None => assert!(
                result.is_ok(),
                "{web_clients:?} {db_clients:?} {field}: {:?}",
                result.err()
            ),
            Some(text) => {
                let problems = result.err().unwrap_or_default();
                assert!(
                    problems.iter().any(|p| p.message.starts_with(text)),
                    "{web_clients:?} {db_clients:?} {field}: {problems:?}"
                );
            }
        }
    }
}

#[test]
fn swarm_clients_run_what_maps_onto_a_service() {
    use crate::model::client::ClientConfig;
    let plain = ClientConfig::default();
    let swarm = ClientConfig {
        swarm: true,
        ..ClientConfig::default()
    };
    let on = "container `web` runs on Swarm client `default`: ";
    // (web's fields, whether `default` is a Swarm client, the problems: message start and key path)
    type Case<'a> = (Vec<(&'a str, Value)>, bool, Vec<(String, &'a str)>);
    let deploy = || Value::map([("replicas", Value::Int(2))]);
    let cases: Vec<Case<'_>> = vec![
        (vec![("deploy", deploy())], true, vec![]),
        (
            vec![("deploy", deploy())],
            false,
            vec![(
                "container `web`: `deploy` is for Swarm clients, and client `default` is not one (`docker(#{ swarm: true })`)".into(),
                "web.deploy",
            )],
        ),
        // an attached volume is fine, a container's volumes are not
        (vec![("uses", Value::str("data"))], true, vec![]),
        (
            vec![("uses", Value::str("db"))],
            true,
            vec![(
                format!("{on}`uses` `db` takes the volumes of a container, which a service can't (a Swarm has no `volumes_from`); attach a named volume to `db` (`attaches`) and use that"),
                "web.uses",
            )],
        ),
        (vec![("uses", Value::str("db"))], false, vec![]),
        (
            vec![("network_mode", Value::str("db"))],
            true,
            vec![(
                format!("{on}`network_mode` shares the network of container `db`, which a service can't"),
                "web.network_mode",
            )],
        ),
        (
            vec![("network_mode", Value::str("container:other"))],
            true,
            vec![(
                format!("{on}`network_mode` `container:other` shares the network of a container, which a service can't"),
                "web.network_mode",
            )],
        ),
        (
            vec![("network_mode", Value::str("host"))],
            true,
            vec![(
                format!("{on}`network_mode` `host` does not map onto a service"),
                "web.network_mode",
            )],
        ),
        (
            vec![("network_mode", Value::str("none"))],
            true,
            vec![(
                format!("{on}`network_mode` `none` does not map onto a service"),
                "web.network_mode",
            )],
        ),
        (vec![("network_mode", Value::str("bridge"))], true, vec![]),
        (vec![("network_mode", Value::str("host"))], false, vec![]),
        (
            vec![("exec_commands", Value::str("touch /ready"))],
            true,
            vec![(
                format!("{on}`exec_commands` can't be carried out by a service (the Swarm starts and restarts its tasks on any node, without dmap)"),
                "web.exec_commands",
            )],
        ),
        (vec![("exec_commands", Value::str("touch /ready"))], false, vec![]),
        // volume preparation: only of attached volumes
        (
            vec![("attaches", Value::str("cache")), ("permissions", Value::str("750"))],
            true,
            vec![(
                format!("{on}`permissions` prepares its attached volumes (`chmod`), and a Swarm does not prepare volumes"),
                "web.permissions",
            )],
        ),
        (
            vec![("attaches", Value::str("cache")), ("user", Value::str("app"))],
            true,
            vec![(
                format!("{on}`user` also prepares its attached volumes (`chown`), and a Swarm does not prepare volumes"),
                "web.user",
            )],
        ),
        (
            vec![
                ("attaches", Value::str("cache")),
                ("user", Value::str("app")),
                ("permissions", Value::Int(750)),
            ],
            true,
            vec![
                (format!("{on}`permissions` prepares"), "web.permissions"),
                (format!("{on}`user` also prepares"), "web.user"),
            ],
        ),
        (vec![("user", Value::str("app")), ("permissions", Value::str("750"))], true, vec![]),
        (vec![("attaches", Value::str("cache")), ("permissions", Value::str("750"))], false, vec![]),
        (
            vec![("attaches", Value::str("logs"))],
            true,
            vec![(
                format!("{on}its attached volume `logs` sets `permissions` in the map's `volumes`, which prepares the volume, and a Swarm does not prepare volumes"),
                "volumes.logs",
            )],
        ),
        (vec![("attaches", Value::str("cache"))], true, vec![]),
        (vec![("persistent", Value::Bool(true))], true, vec![]),
    ];
    let origin_of = |path: &[&str]| Origin::new("m.yml").with_key(path.join("."), None);
    for (web, is_swarm, want) in cases {
        let mut fields = vec![("image", Value::str("web"))];
        fields.extend(web.iter().cloned());
        let m = ContainerMap::from_value(
            "m",
            &Value::map([
                ("web", Value::map(fields)),
                (
                    "db",
                    Value::map([("image", Value::str("db")), ("attaches", Value::str("data"))]),
                ),
                (
                    "volumes",
                    Value::map([
                        ("data", Value::str("/data")),
                        ("cache", Value::str("/cache")),
                        (
                            "logs",
                            Value::map([
                                ("default_path", Value::str("/logs")),
                                ("permissions", Value::str("750")),
                            ]),
                        ),
                    ]),
                ),
            ]),
            &origin_of,
        )
        .expect("map builds");
        let checked = check(&m).expect("map checks");
        let client = if is_swarm { swarm.clone() } else { plain.clone() };
        let problems = super::clients(&[(checked.map, &checked.configs)], &|_| {
            vec![("default".to_string(), client.clone())]
        });
        let got: Vec<(&str, Option<&str>)> = problems
            .iter()
            .map(|p| (p.message.as_str(), p.origin.key_path.as_deref()))
            .collect();
        assert_eq!(got.len(), want.len(), "{web:?} swarm {is_swarm}: {got:#?}");
        for ((message, at), (start, key)) in got.iter().zip(&want) {
            assert!(
                message.starts_with(start.as_str()) && *at == Some(*key),
                "{web:?} swarm {is_swarm}:\n  got  {message} at {at:?}\n  want {start} at {key}"
            );
        }
    }
}

#[test]
fn deploy_on_one_swarm_client_of_two() {
    use crate::model::client::ClientConfig;
    let m = map(vec![
        (
            "clients",
            Value::List(vec![Value::str("edge"), Value::str("fleet")]),
        ),
        (
            "web",
            Value::map([
                ("image", Value::str("web")),
                ("deploy", Value::map([("replicas", Value::Int(3))])),
            ]),
        ),
    ]);
    let checked = check(&m).expect("map checks");
    let clients = vec![
        ("edge".to_string(), ClientConfig::default()),
        (
            "fleet".to_string(),
            ClientConfig {
                swarm: true,
                ..ClientConfig::default()
            },
        ),
    ];
    let problems = super::clients(&[(checked.map, &checked.configs)], &|_| clients.clone());
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        ["container `web`: `deploy` is for Swarm clients, and client `edge` is not one (`docker(#{ swarm: true })`)"]
    );
}

#[test]
fn the_container_root_is_no_mount_destination() {
    let root = "is the container's root, which the Engine can't mount over";
    let vols = || ("volumes", Value::map([("data", Value::str("/data"))]));
    // (the map, the destination refused; None: it builds)
    type Fields<'a> = Vec<(&'a str, Value)>;
    let cases: Vec<(Fields<'_>, Option<&str>)> = vec![
        (
            vec![("web", Value::map([("shares", Value::str("/"))]))],
            Some("`/`"),
        ),
        (
            vec![(
                "web",
                Value::map([("shares", Value::List(vec![Value::str("/x"), Value::str("/a/..")]))]),
            )],
            Some("`/a/..`"),
        ),
        (
            vec![("web", Value::map([("binds", Value::str("/srv://"))]))],
            Some("`//`"),
        ),
        (
            vec![(
                "web",
                Value::map([(
                    "binds",
                    Value::List(vec![Value::List(vec![Value::str("/./"), Value::str("/srv")])]),
                )]),
            )],
            Some("`/./`"),
        ),
        (
            vec![
                vols(),
                (
                    "web",
                    Value::map([(
                        "attaches",
                        Value::List(vec![Value::List(vec![Value::str("data"), Value::str("/")])]),
                    )]),
                ),
            ],
            Some("`/`"),
        ),
        (
            vec![
                vols(),
                (
                    "web",
                    Value::map([(
                        "uses",
                        Value::List(vec![Value::List(vec![Value::str("data"), Value::str("/")])]),
                    )]),
                ),
            ],
            Some("`/`"),
        ),
        (
            vec![("volumes", Value::map([("data", Value::str("/"))]))],
            Some("`/`"),
        ),
        (
            vec![(
                "volumes",
                Value::map([("data", Value::map([("default_path", Value::str("/x/../"))]))]),
            )],
            Some("`/x/../`"),
        ),
        // paths below the root, and `/.x`, are fine
        (
            vec![
                vols(),
                (
                    "web",
                    Value::map([
                        ("shares", Value::str("/.x")),
                        ("binds", Value::str("/srv:/srv")),
                        ("attaches", Value::str("data")),
                    ]),
                ),
            ],
            None,
        ),
    ];
    for (fields, refused) in cases {
        let built = ContainerMap::from_value("m", &Value::map(fields.clone()), &|_| Origin::default());
        match (built, refused) {
            (Ok(_), None) => {}
            (Err(problems), Some(path)) => {
                let message = &problems[0].message;
                assert!(
                    message.contains(&format!("mount destination {path} {root}")),
                    "{message}"
                );
            }
            (built, _) => panic!("{fields:?}: {:?}", built.err()),
        }
    }
}

#[test]
fn derived_hostnames_fit_a_label() {
    let long = "c".repeat(60);
    let config = |extra: Vec<(&str, Value)>| {
        let mut fields = vec![("image", Value::str("app"))];
        fields.extend(extra);
        Value::map(fields)
    };
    // (the map's fields besides the configuration, the configuration's, the problem expected)
    type Case<'a> = (Vec<(&'a str, Value)>, Vec<(&'a str, Value)>, Option<String>);
    let cases: Vec<Case<'_>> = vec![
        // `m-` and 60 characters: 62
        (vec![], vec![], None),
        (
            vec![],
            vec![("instances", Value::str("ab"))],
            Some(format!("container `m.{long}.ab`: the hostname dmap derives from its name, `m-{long}-ab`, is 65 characters, more than the 63 a hostname label allows; shorten the names, or set `create_options.hostname` or the map's `set_hostname: false`")),
        ),
        (
            vec![],
            vec![("clients", Value::str("edge"))],
            Some(format!("container `m.{long}`: the hostname dmap derives from its name and client `edge`, `m-{long}-edge`, is 67 characters")),
        ),
        // no hostname is derived: nothing to check
        (vec![("set_hostname", Value::Bool(false))], vec![("instances", Value::str("ab"))], None),
        (vec![], vec![("instances", Value::str("ab")), ("network_mode", Value::str("host"))], None),
        (
            vec![],
            vec![
                ("instances", Value::str("ab")),
                ("create_options", Value::map([("hostname", Value::str("web"))])),
            ],
            None,
        ),
        // a hostname of its own is held to the same limit
        (
            vec![],
            vec![("create_options", Value::map([("hostname", Value::str("h".repeat(64)))]))],
            Some(format!("container `{long}`: `create_options` `hostname`: hostname `{}` is 64 characters, more than the 63 a hostname label allows", "h".repeat(64))),
        ),
    ];
    for (map_fields, fields, want) in cases {
        let mut all = map_fields.clone();
        all.push((long.as_str(), config(fields.clone())));
        let m = map(all);
        let result = check(&m);
        match (result, &want) {
            (Ok(_), None) => {}
            (Err(problems), Some(text)) => {
                assert_eq!(problems.len(), 1, "{problems:?}");
                assert!(
                    problems[0].message.starts_with(text.as_str()),
                    "{}",
                    problems[0].message
                );
            }
            (result, _) => panic!("{map_fields:?} {fields:?}: {:?}, expected {want:?}", result.err()),
        }
    }
}

#[test]
fn client_problems_come_with_every_other_problem() {
    use super::check_with_clients;
    use crate::model::client::ClientConfig;
    let exposes = || {
        (
            "exposes",
            Value::List(vec![Value::List(vec![
                Value::Int(80),
                Value::Int(8080),
                Value::str("public"),
            ])]),
        )
    };
    let interface = "container `m.web` binds port 80/tcp to interface `public`, which client `default` does not define (its `interfaces` are none)";
    // (the configuration's fields, the problems expected, in order)
    type Fields<'a> = Vec<(&'a str, Value)>;
    let cases: Vec<(Fields<'_>, Vec<&str>)> = vec![
        (vec![exposes()], vec![interface]),
        // a link to nothing used to hide the interface
        (
            vec![exposes(), ("links", Value::str("nope"))],
            vec!["container `web` links to `nope`", interface],
        ),
        (
            vec![("links", Value::str("nope"))],
            vec!["container `web` links to `nope`"],
        ),
        (vec![], vec![]),
    ];
    for (fields, want) in cases {
        let mut web = vec![("image", Value::str("web"))];
        web.extend(fields.clone());
        let m = map(vec![("web", Value::map(web))]);
        let clients = |_: &str| vec![("default".to_string(), ClientConfig::default())];
        let problems = check_with_clients(&[&m], &clients).err().unwrap_or_default();
        let got: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(got.len(), want.len(), "{fields:?}: {got:#?}");
        for (message, start) in got.iter().zip(&want) {
            assert!(message.starts_with(start), "{fields:?}: {message}");
        }
    }
}
