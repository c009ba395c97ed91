//! A container configuration: docker-map's `ContainerConfiguration` (its fields: docs/recipe-api.md,
//! "Container fields").

use crate::model::input::invalid;
use std::collections::BTreeMap;

use serde::Serialize;

use super::depends_on::DependsOn;
use super::deploy::Deploy;
use super::develop::Develop;
use super::duration::parse_seconds;
use super::endpoint::NetworkEndpoint;
use super::exec::ExecCommand;
use super::healthcheck::HealthCheck;
use super::input::{self, boolean, merge_first_key, merge_list, opt_string, string, InputError, InputResult};
use super::link::Link;
use super::name;
use super::network_mode::NetworkMode;
use super::options;
use super::origin::Origin;
use super::port::PortBinding;
use super::user::User;
use super::value::Value;
use super::volume_ref::{AttachedVolume, Bind, UsedVolume};

/// The field names of a container configuration, in docker-map's order.
pub(crate) const FIELDS: [&str; 27] = [
    "image",
    "container_name",
    "abstract",
    "extends",
    "instances",
    "clients",
    "shares",
    "binds",
    "attaches",
    "uses",
    "links",
    "depends_on",
    "exposes",
    "user",
    "permissions",
    "networks",
    "network_mode",
    "exec_commands",
    "healthcheck",
    "persistent",
    "stop_timeout",
    "stop_signal",
    "start_delay",
    "create_options",
    "host_config",
    "deploy",
    "develop",
];

/// The list-valued fields: the only ones a `lists_only` merge touches.
const LIST_FIELDS: [&str; 11] = [
    "instances",
    "clients",
    "shares",
    "binds",
    "attaches",
    "uses",
    "links",
    "depends_on",
    "exposes",
    "networks",
    "exec_commands",
];

/// An unknown field, `value` when it is being set: a Compose service key is answered with
/// docker-map's field or keyword for it (with the value, when docker-map takes it as it is),
/// anything else with the closest field.
fn unknown_field(field: &str, value: Option<&Value>) -> InputError {
    let what = "container field".to_string();
    match super::compose_keys::docker_map_spelling(field, value) {
        Some(hint) => InputError::OtherSpelling {
            what,
            name: field.to_string(),
            hint,
        },
        None => InputError::Unknown {
            what,
            name: field.to_string(),
            suggestion: super::suggest::closest(field, FIELDS).map(str::to_string),
        },
    }
}

/// A container name the Engine takes: `[A-Za-z0-9][A-Za-z0-9_.-]*`.
fn engine_container_name(value: &Value) -> InputResult<Option<String>> {
    let Some(text) = opt_string(value, "a container name")? else {
        return Ok(None);
    };
    let mut chars = text.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(Some(text))
    } else {
        Err(invalid!(
            "invalid container name `{text}`: letters, digits, `_`, `.` and `-`, starting with a letter or digit"
        ))
    }
}

/// Field name → where it was set.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct FieldOrigins(Vec<(&'static str, Origin)>);

impl FieldOrigins {
    pub(crate) fn get(&self, field: &str) -> Option<&Origin> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, o)| o)
    }

    pub(crate) fn insert(&mut self, field: &'static str, origin: Origin) {
        match self.0.iter_mut().find(|(f, _)| *f == field) {
            Some(slot) => slot.1 = origin,
            None => self.0.push((field, origin)),
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'static str, &Origin)> {
        self.0.iter().map(|(f, o)| (*f, o))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct ContainerConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The Engine name of its one container, instead of the map's naming.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    #[serde(rename = "abstract")]
    pub is_abstract: bool,
    pub extends: Vec<String>,
    pub instances: Vec<String>,
    pub clients: Vec<String>,
    pub shares: Vec<String>,
    pub binds: Vec<Bind>,
    pub attaches: Vec<AttachedVolume>,
    pub uses: Vec<UsedVolume>,
    pub links: Vec<Link>,
    pub depends_on: Vec<DependsOn>,
    pub exposes: Vec<PortBinding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<String>,
    pub networks: Vec<NetworkEndpoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<NetworkMode>,
    pub exec_commands: Vec<ExecCommand>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<HealthCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persistent: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_delay: Option<f64>,
    pub create_options: BTreeMap<String, Value>,
    pub host_config: BTreeMap<String, Value>,
    /// How the service runs, on a Swarm client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Deploy>,
    /// What `dmap up --watch` does when files change (Compose's `develop.watch`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub develop: Option<Develop>,
    /// Where the configuration was first created.
    #[serde(skip)]
    pub origin: Origin,
    /// Where each field was last set (a few per configuration: a list is smaller than a map).
    #[serde(skip)]
    pub field_origins: FieldOrigins,
}

impl ContainerConfig {
    pub(crate) fn new(origin: Origin) -> Self {
        ContainerConfig {
            origin,
            ..ContainerConfig::default()
        }
    }

    /// Canonical field name, or an error naming the unknown one (with a suggestion).
    pub(crate) fn field_name(field: &str) -> Result<&'static str, InputError> {
        Self::known_field(field).ok_or_else(|| unknown_field(field, None))
    }

    fn known_field(field: &str) -> Option<&'static str> {
        FIELDS.iter().copied().find(|f| *f == field)
    }

    /// Where `field` was set, else where the configuration was created.
    pub(crate) fn origin_of(&self, field: &str) -> &Origin {
        self.field_origins.get(field).unwrap_or(&self.origin)
    }

    /// Sets one field from an input value, converting every shorthand; the value replaces what
    /// was there.
    pub(crate) fn set_field(&mut self, field: &str, value: &Value, origin: Origin) -> InputResult<()> {
        let field = Self::known_field(field).ok_or_else(|| unknown_field(field, Some(value)))?;
        self.set_parsed(field, value)
            .map_err(|e| e.within(format!("`{field}`")))?;
        self.field_origins.insert(field, origin);
        Ok(())
    }

    fn set_parsed(&mut self, field: &'static str, value: &Value) -> InputResult<()> {
        match field {
            "image" => self.image = opt_image(value)?,
            "container_name" => self.container_name = engine_container_name(value)?,
            "abstract" => self.is_abstract = boolean(value, "abstract")?,
            "extends" => self.extends = names("config", value)?,
            "instances" => self.instances = instances(value)?,
            "clients" => self.clients = names("client", value)?,
            "shares" => self.shares = paths(value)?,
            "binds" => self.binds = Bind::parse_list(value)?,
            "attaches" => self.attaches = AttachedVolume::parse_list(value)?,
            "uses" => self.uses = UsedVolume::parse_list(value)?,
            "links" => self.links = Link::parse_list(value)?,
            "depends_on" => self.depends_on = DependsOn::parse_list(value)?,
            "exposes" => self.exposes = PortBinding::parse_list(value)?,
            "user" => self.user = User::parse(value)?,
            "permissions" => self.permissions = permissions(value)?,
            "networks" => self.networks = NetworkEndpoint::parse_list(value)?,
            "network_mode" => self.network_mode = NetworkMode::parse(value)?,
            "exec_commands" => self.exec_commands = ExecCommand::parse_list(value)?,
            "healthcheck" => self.healthcheck = HealthCheck::parse(value)?,
            "persistent" => {
                self.persistent = match value {
                    Value::Null => None,
                    v => Some(boolean(v, "persistent")?),
                }
            }
            "stop_timeout" => {
                self.stop_timeout = match value {
                    Value::Null => None,
                    v => Some(parse_seconds(v)?.ceil() as u64),
                }
            }
            "stop_signal" => self.stop_signal = options::signal(value)?,
            "start_delay" => {
                self.start_delay = match value {
                    Value::Null => None,
                    v => Some(parse_seconds(v)?),
                }
            }
            "create_options" => self.create_options = options::parse(value, true)?,
            "host_config" => self.host_config = options::parse(value, false)?,
            "deploy" => {
                self.deploy = match value {
                    Value::Null => None,
                    v => Some(Deploy::parse(v)?),
                }
            }
            "develop" => self.develop = Develop::parse(value)?,
            _ => return Err(invalid!("unknown container field `{field}`")),
        }
        Ok(())
    }

    /// A field read back in its normalised form (lists are always lists).
    pub(crate) fn get_field(&self, field: &str) -> InputResult<Value> {
        let field = Self::field_name(field)?;
        let list = |items: Vec<Value>| Value::List(items);
        Ok(match field {
            "image" => Value::opt_str(&self.image),
            "container_name" => Value::opt_str(&self.container_name),
            "abstract" => Value::Bool(self.is_abstract),
            "extends" => Value::strs(&self.extends),
            "instances" => Value::strs(&self.instances),
            "clients" => Value::strs(&self.clients),
            "shares" => Value::strs(&self.shares),
            "binds" => list(self.binds.iter().map(Bind::to_value).collect()),
            "attaches" => list(self.attaches.iter().map(AttachedVolume::to_value).collect()),
            "uses" => list(self.uses.iter().map(UsedVolume::to_value).collect()),
            "links" => list(self.links.iter().map(Link::to_value).collect()),
            "depends_on" => list(self.depends_on.iter().map(DependsOn::to_value).collect()),
            "exposes" => list(self.exposes.iter().map(PortBinding::to_value).collect()),
            "user" => self.user.as_ref().map_or(Value::Null, User::to_value),
            "permissions" => Value::opt_str(&self.permissions),
            "networks" => list(self.networks.iter().map(NetworkEndpoint::to_value).collect()),
            "network_mode" => self
                .network_mode
                .as_ref()
                .map_or(Value::Null, NetworkMode::to_value),
            "exec_commands" => list(self.exec_commands.iter().map(ExecCommand::to_value).collect()),
            "healthcheck" => self
                .healthcheck
                .as_ref()
                .map_or(Value::Null, HealthCheck::to_value),
            "persistent" => self.persistent.map_or(Value::Null, Value::Bool),
            "stop_timeout" => self
                .stop_timeout
                .map_or(Value::Null, |s| Value::Int(i64::try_from(s).unwrap_or(i64::MAX))),
            "stop_signal" => Value::opt_str(&self.stop_signal),
            "start_delay" => self.start_delay.map_or(Value::Null, Value::Float),
            "create_options" => Value::Map(self.create_options.clone()),
            "host_config" => Value::Map(self.host_config.clone()),
            "deploy" => self.deploy.as_ref().map_or(Value::Null, Deploy::to_value),
            "develop" => self.develop.as_ref().map_or(Value::Null, Develop::to_value),
            _ => Value::Null,
        })
    }

    /// All fields that differ from their defaults, as a mapping (the object-map form).
    pub(crate) fn to_value(&self) -> Value {
        let empty = ContainerConfig::default();
        let mut out = BTreeMap::new();
        for field in FIELDS {
            let (Ok(v), Ok(default)) = (self.get_field(field), empty.get_field(field)) else {
                continue;
            };
            if v != default {
                out.insert(field.to_string(), v);
            }
        }
        Value::Map(out)
    }

    /// Sets every field of a mapping; the origin of each field comes from `origin_of(field)`.
    pub(crate) fn set_from_map(
        &mut self,
        map: &BTreeMap<String, Value>,
        origin_of: &dyn Fn(&str) -> Origin,
    ) -> Result<(), Vec<(InputError, Origin)>> {
        let mut errors = Vec::new();
        for (field, value) in map {
            let origin = origin_of(field);
            if let Err(e) = self.set_field(field, value, origin.clone()) {
                errors.push((e, origin));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// docker-map's merge: lists union, first-key lists replace by key, dicts
    /// update, scalars overwrite when set; `abstract` and `extends` are never merged.
    /// `lists_only` merges only the list fields.
    pub(crate) fn merge_from(&mut self, other: &ContainerConfig, lists_only: bool) {
        merge_list(&mut self.instances, &other.instances);
        merge_list(&mut self.clients, &other.clients);
        merge_list(&mut self.shares, &other.shares);
        merge_first_key(&mut self.binds, &other.binds, |b| b.key().to_string());
        merge_first_key(&mut self.attaches, &other.attaches, |a| a.name.clone());
        merge_first_key(&mut self.uses, &other.uses, |u| u.name.clone());
        merge_list(&mut self.links, &other.links);
        merge_first_key(&mut self.depends_on, &other.depends_on, |d| d.container.clone());
        merge_first_key(&mut self.exposes, &other.exposes, PortBinding::key);
        merge_first_key(&mut self.networks, &other.networks, |n| n.network_name.clone());
        merge_list(&mut self.exec_commands, &other.exec_commands);
        if !lists_only {
            fn over<T: Clone>(into: &mut Option<T>, from: &Option<T>) {
                if from.is_some() {
                    into.clone_from(from);
                }
            }
            over(&mut self.image, &other.image);
            over(&mut self.container_name, &other.container_name);
            over(&mut self.user, &other.user);
            over(&mut self.permissions, &other.permissions);
            over(&mut self.network_mode, &other.network_mode);
            over(&mut self.healthcheck, &other.healthcheck);
            over(&mut self.persistent, &other.persistent);
            over(&mut self.stop_timeout, &other.stop_timeout);
            over(&mut self.stop_signal, &other.stop_signal);
            over(&mut self.start_delay, &other.start_delay);
            over(&mut self.deploy, &other.deploy);
            over(&mut self.develop, &other.develop);
            self.create_options
                .extend(other.create_options.iter().map(|(k, v)| (k.clone(), v.clone())));
            self.host_config
                .extend(other.host_config.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        for (field, origin) in other.field_origins.iter() {
            if (!lists_only || LIST_FIELDS.contains(&field)) && field != "abstract" && field != "extends" {
                self.field_origins.insert(field, origin.clone());
            }
        }
    }

    /// Instance names; an empty list means one default instance (`None`).
    pub(crate) fn instance_names(&self) -> Vec<Option<&str>> {
        if self.instances.is_empty() {
            vec![None]
        } else {
            self.instances.iter().map(|i| Some(i.as_str())).collect()
        }
    }

    pub(crate) fn is_persistent(&self) -> bool {
        self.persistent.unwrap_or(false)
    }
}

fn opt_image(value: &Value) -> InputResult<Option<String>> {
    match value {
        Value::Null => Ok(None),
        v => {
            let s = string(v, "an image name")?;
            if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(invalid!("invalid image name `{s}`"));
            }
            if let Some(why) = super::image::reference_problem(&s) {
                return Err(invalid!("invalid image `{s}`: {why}"));
            }
            Ok(Some(s))
        }
    }
}

/// Instances are named: a number is most likely meant as a count, which would make one
/// container named after it, so it is refused with the names that count would take.
fn instances(value: &Value) -> InputResult<Vec<String>> {
    let count = match value {
        Value::Int(n) => n.to_string(),
        Value::Float(x) => x.to_string(),
        _ => return names("instance", value),
    };
    let numbered = match value {
        Value::Int(n @ 1..=3) => (1..=*n)
            .map(|i| format!("\"{i}\""))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Int(n) if *n > 3 => format!("\"1\", \"2\", ..., \"{n}\""),
        _ => "\"1\", \"2\"".to_string(),
    };
    Err(invalid!(
        "{count} is a number, but instances are named (e.g. `[\"a\", \"b\"]`): for numbered containers, name them `[{numbered}]` (on a Swarm client, `deploy.replicas` runs copies of one service)"
    ))
}

fn names(what: &str, value: &Value) -> InputResult<Vec<String>> {
    let list = input::strings(value, &format!("a {what} name"))?;
    for n in &list {
        name::check(what, n)?;
    }
    let mut out = Vec::new();
    merge_list(&mut out, &list);
    Ok(out)
}

fn paths(value: &Value) -> InputResult<Vec<String>> {
    let list = input::strings(value, "a container path")?;
    if let Some(bad) = list.iter().find(|p| !p.starts_with('/')) {
        return Err(invalid!(
            "invalid shared path `{bad}`: container paths are absolute"
        ));
    }
    list.iter().try_for_each(|p| options::not_the_root(p))?;
    let mut out = Vec::new();
    merge_list(&mut out, &list);
    Ok(out)
}

/// `chmod` modes: octal (`750`) or symbolic (`u=rwX,g=rX,o=`).
pub(crate) fn permissions(value: &Value) -> InputResult<Option<String>> {
    let text = match value {
        Value::Null => return Ok(None),
        Value::Int(i) => i.to_string(),
        Value::Str(s) => s.clone(),
        other => return Err(InputError::expected("a chmod mode", other)),
    };
    let octal = (3..=4).contains(&text.len()) && text.chars().all(|c| ('0'..='7').contains(&c));
    let symbolic = !text.is_empty()
        && text.split(',').all(|clause| {
            let who_len = clause.find(['+', '-', '=']).unwrap_or(usize::MAX);
            who_len != usize::MAX
                && clause[..who_len].chars().all(|c| "ugoa".contains(c))
                && clause[who_len..].chars().all(|c| "+-=rwxXst".contains(c))
        });
    if octal || symbolic {
        Ok(Some(text))
    } else {
        Err(invalid!(
            "invalid permissions `{text}`: expected a chmod mode such as `750` or `u=rwX,g=rX,o=`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(fields: &[(&str, Value)]) -> ContainerConfig {
        let mut c = ContainerConfig::default();
        for (f, v) in fields {
            c.set_field(f, v, Origin::default()).unwrap();
        }
        c
    }

    #[test]
    fn unknown_and_bad_fields() {
        let mut c = ContainerConfig::default();
        let err = c
            .set_field("imgae", &Value::str("x"), Origin::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("`imgae`") && err.contains("`image`"), "{err}");
        let err = c
            .set_field("start_options", &Value::Null, Origin::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("`start_options`"), "{err}");
        for (f, v) in [
            ("permissions", Value::str("rwx-all")),
            ("stop_signal", Value::str("sig int")),
            ("shares", Value::str("relative")),
            ("instances", Value::str("a.b")),
            ("persistent", Value::str("yes")),
            ("deploy", Value::map([("replica", Value::Int(2))])),
        ] {
            let err = c.set_field(f, &v, Origin::default()).unwrap_err().to_string();
            assert!(err.contains(&format!("`{f}`")), "{err}");
        }
    }

    #[test]
    fn instances_are_named() {
        let mut c = ContainerConfig::default();
        // (the value, the instances kept, or the error)
        let cases: Vec<(Value, Result<Vec<&str>, &str>)> = vec![
            (Value::str("a"), Ok(vec!["a"])),
            (Value::List(vec![Value::str("a"), Value::str("b")]), Ok(vec!["a", "b"])),
            (Value::List(vec![Value::str("1"), Value::str("2")]), Ok(vec!["1", "2"])),
            (Value::Int(2), Err("`instances`: 2 is a number, but instances are named (e.g. `[\"a\", \"b\"]`): for numbered containers, name them `[\"1\", \"2\"]` (on a Swarm client, `deploy.replicas` runs copies of one service)")),
            (Value::Int(1), Err("`instances`: 1 is a number, but instances are named (e.g. `[\"a\", \"b\"]`): for numbered containers, name them `[\"1\"]`")),
            (Value::Int(5), Err("name them `[\"1\", \"2\", ..., \"5\"]`")),
            (Value::Int(0), Err("`instances`: 0 is a number")),
            (Value::Float(2.5), Err("`instances`: 2.5 is a number")),
        ];
        for (value, want) in cases {
            match (c.set_field("instances", &value, Origin::default()), want) {
                (Ok(()), Ok(names)) => assert_eq!(c.instances, names, "{value}"),
                (Err(e), Err(text)) => assert!(e.to_string().contains(text), "{value}: {e}"),
                (got, want) => panic!("{value}: {got:?}, expected {want:?}"),
            }
        }
    }

    #[test]
    fn merge_like_docker_map() {
        // docker-map's own merge example: two bases, then the configuration's own fields.
        let b1 = config(&[
            ("image", Value::str("x1")),
            ("links", Value::str("l1")),
            ("user", Value::str("u1")),
            (
                "create_options",
                Value::map([("command", Value::str("k1")), ("user", Value::str("m1"))]),
            ),
        ]);
        let b2 = config(&[
            ("image", Value::str("x2")),
            ("links", Value::List(vec![Value::str("l2"), Value::str("l1")])),
            ("create_options", Value::map([("command", Value::str("k2"))])),
            ("persistent", Value::Bool(true)),
        ]);
        let c = config(&[
            ("extends", Value::List(vec![Value::str("b1"), Value::str("b2")])),
            ("links", Value::str("l3")),
            ("create_options", Value::map([("working_dir", Value::str("/n"))])),
        ]);
        let mut merged = ContainerConfig::default();
        merged.merge_from(&b1, false);
        merged.merge_from(&b2, false);
        merged.merge_from(&c, false);
        assert_eq!(merged.image.as_deref(), Some("x2"));
        let links: Vec<&str> = merged.links.iter().map(|l| l.container.as_str()).collect();
        assert_eq!(links, ["l1", "l2", "l3"]);
        assert_eq!(
            merged.user.as_ref().map(ToString::to_string).as_deref(),
            Some("u1")
        );
        assert_eq!(merged.persistent, Some(true));
        assert_eq!(
            Value::Map(merged.create_options.clone()),
            Value::map([
                ("command", Value::str("k2")),
                ("user", Value::str("m1")),
                ("working_dir", Value::str("/n"))
            ])
        );
        assert!(merged.extends.is_empty());
    }

    #[test]
    fn fields_read_back_normalised() {
        // in key order, as the mapping sets them again
        let c = config(&[
            ("attaches", Value::str("a")),
            (
                "deploy",
                Value::map([
                    ("replicas", Value::Int(2)),
                    (
                        "placement",
                        Value::map([("preferences", Value::str("node.labels.zone"))]),
                    ),
                ]),
            ),
            ("instances", Value::str("i")),
        ]);
        assert_eq!(
            c.get_field("attaches").unwrap(),
            Value::List(vec![Value::map([("name", Value::str("a"))])])
        );
        assert_eq!(
            c.get_field("instances").unwrap(),
            Value::List(vec![Value::str("i")])
        );
        let again = {
            let mut d = ContainerConfig::default();
            let Value::Map(m) = c.to_value() else { panic!() };
            d.set_from_map(&m, &|_| Origin::default()).unwrap();
            d
        };
        assert_eq!(again, c);
        assert_eq!(
            c.get_field("deploy").unwrap(),
            Value::map([
                ("replicas", Value::Int(2)),
                (
                    "placement",
                    Value::map([(
                        "preferences",
                        Value::List(vec![Value::map([("spread", Value::str("node.labels.zone"))])])
                    )])
                ),
            ])
        );
        assert_eq!(
            ContainerConfig::default().get_field("deploy").unwrap(),
            Value::Null
        );
    }

    #[test]
    fn deploy_is_overwritten_by_extends() {
        let base = config(&[("deploy", Value::map([("replicas", Value::Int(2))]))]);
        let own = config(&[("deploy", Value::map([("endpoint_mode", Value::str("dnsrr"))]))]);
        let mut merged = ContainerConfig::default();
        merged.merge_from(&base, false);
        assert_eq!(merged.deploy.as_ref().and_then(|d| d.replicas), Some(2));
        merged.merge_from(&ContainerConfig::default(), false);
        assert_eq!(merged.deploy.as_ref().and_then(|d| d.replicas), Some(2));
        merged.merge_from(&own, false);
        // replaced whole, as `healthcheck` is
        let deploy = merged.deploy.unwrap_or_default();
        assert_eq!(deploy.replicas, None);
        assert_eq!(
            deploy.endpoint_mode,
            Some(crate::model::deploy::EndpointMode::Dnsrr)
        );
        let mut lists = ContainerConfig::default();
        lists.merge_from(&base, true);
        assert_eq!(lists.deploy, None);
    }
}
