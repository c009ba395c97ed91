//! What a configuration on a Swarm client asks for that a Swarm service can't do (`uses` of a
//! container, `network_mode`, `exec_commands`, volume preparation): integrity problems, each at
//! the field that asks for it. Checked with the clients of the maps (`check::clients`).

use std::collections::HashMap;

use super::check::add;
use super::network_mode::NetworkMode;
use super::{name, ContainerConfig, ContainerMap, Problem};

/// What a configuration on a Swarm client asks for that a Swarm service can't do: each is a
/// problem at the field that asks for it.
pub(super) fn swarm_service(
    map: &ContainerMap,
    owners: &HashMap<String, String>,
    cname: &str,
    config: &ContainerConfig,
    client: &str,
    problems: &mut Vec<Problem>,
) {
    let on = format!("container `{cname}` runs on Swarm client `{client}`");
    for u in config.uses.iter().filter(|u| !owners.contains_key(&u.name)) {
        add(
            problems,
            format!(
                "{on}: `uses` `{}` takes the volumes of a container, which a service can't (a Swarm has no `volumes_from`); attach a named volume to `{}` (`attaches`) and use that",
                u.name,
                name::split_instance(&u.name).0
            ),
            config.origin_of("uses"),
        );
    }
    let network = match &config.network_mode {
        Some(NetworkMode::Container { config: other, instance }) => Some(format!(
            "`network_mode` shares the network of container `{}`, which a service can't (its tasks have network namespaces of their own, on any node); put both on a map network (`networks`) instead",
            instance.as_ref().map_or_else(|| other.clone(), |i| format!("{other}.{i}"))
        )),
        Some(NetworkMode::External(other)) => Some(format!(
            "`network_mode` `container:{other}` shares the network of a container, which a service can't (its tasks have network namespaces of their own, on any node); join a network (`networks`) instead"
        )),
        Some(NetworkMode::Host) => Some(
            "`network_mode` `host` does not map onto a service (a service is on the Swarm networks it joins); publish its ports instead (`exposes`, with `deploy.publish_mode: \"host\"` to publish them on the nodes the tasks run on)".to_string(),
        ),
        Some(NetworkMode::Disabled) => Some(
            "`network_mode` `none` does not map onto a service (a service is on the Swarm networks it joins, `networks`, and on no other); drop `network_mode`".to_string(),
        ),
        Some(NetworkMode::Bridge) | None => None,
    };
    if let Some(why) = network {
        add(problems, format!("{on}: {why}"), config.origin_of("network_mode"));
    }
    if !config.exec_commands.is_empty() {
        add(
            problems,
            format!("{on}: `exec_commands` can't be carried out by a service (the Swarm starts and restarts its tasks on any node, without dmap); run them from the image's entrypoint instead"),
            config.origin_of("exec_commands"),
        );
    }
    if config.attaches.is_empty() {
        return;
    }
    if config.permissions.is_some() {
        add(
            problems,
            format!("{on}: `permissions` prepares its attached volumes (`chmod`), and a Swarm does not prepare volumes; give the volume's path that mode in the image (a new volume starts as a copy of it) and drop `permissions`"),
            config.origin_of("permissions"),
        );
    }
    if config.user.is_some() {
        add(
            problems,
            format!("{on}: `user` also prepares its attached volumes (`chown`), and a Swarm does not prepare volumes; give the volume's path that owner in the image (a new volume starts as a copy of it) and set the user with `create_options.user`, which prepares nothing"),
            config.origin_of("user"),
        );
    }
    for a in &config.attaches {
        let Some(volume) = map.volumes.get(&a.name) else {
            continue;
        };
        for (field, set, what) in [
            ("user", volume.user.is_some(), "owner"),
            ("permissions", volume.permissions.is_some(), "mode"),
        ] {
            if set {
                add(
                    problems,
                    format!("{on}: its attached volume `{}` sets `{field}` in the map's `volumes`, which prepares the volume, and a Swarm does not prepare volumes; give the volume's path that {what} in the image (a new volume starts as a copy of it) instead", a.name),
                    &volume.origin,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::check::{self, check};
    use crate::model::{ContainerMap, Origin, Value};

    fn map(yaml_like: Vec<(&str, Value)>) -> ContainerMap {
        ContainerMap::from_value("m", &Value::map(yaml_like), &|_| Origin::default()).expect("map builds")
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
            let problems = check::clients(&[checked], &|_| vec![("default".to_string(), client.clone())]);
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
        let problems = check::clients(&[checked], &|_| clients.clone());
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            ["container `web`: `deploy` is for Swarm clients, and client `edge` is not one (`docker(#{ swarm: true })`)"]
        );
    }
}
