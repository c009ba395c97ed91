//! Keyword values in the Engine API's JSON form (its field names and types), so that a map is
//! checked in full before anything is sent. Mappings that docker-py spells with API keys (`Path`,
//! `DeviceIDs`) are also accepted with its keyword spelling (`path`, `device_ids`): keys are
//! compared without case and `_`.

use crate::model::input::{invalid, InputError};
use std::collections::BTreeMap;

pub(crate) use serde_json::Value as Json;
use serde_json::{json, Map};

use super::shape::{Shape, RESTART_POLICIES};
use super::size::parse_bytes;
use crate::model::healthcheck::HealthCheck;
use crate::model::input::InputResult;
use crate::model::shell_words::split_words;
use crate::model::value::Value;

/// A normalised value of `shape` as the Engine takes it.
pub(super) fn to_engine(shape: Shape, v: &Value) -> InputResult<Json> {
    Ok(match shape {
        Shape::Str | Shape::OneOf(_) | Shape::Signal => Json::String(string(v)?),
        Shape::Int => json!(int(v)?),
        Shape::Bool => json!(boolean(v)?),
        Shape::Bytes => json!(bytes(v)?),
        Shape::SwapBytes if is_minus_one(v) => json!(-1),
        Shape::SwapBytes => json!(bytes(v)?),
        Shape::Command => json!(command(v)?),
        Shape::StrList => json!(strings(v)?),
        Shape::Paths => Json::Object(strings(v)?.into_iter().map(|p| (p, json!({}))).collect()),
        Shape::StrMap => Json::Object(str_map(v)?),
        Shape::Env => json!(environment(v)?),
        Shape::RestartPolicy => restart_policy(v)?,
        Shape::Healthcheck => match HealthCheck::parse(v)? {
            Some(check) => health(&check),
            None => Json::Null,
        },
        Shape::Binds => json!(binds(v)?),
        Shape::WeightDevices => Json::Array(items(v, weight_device)?),
        Shape::Throttle { sized } => Json::Array(items(v, |d| throttle(d, sized))?),
        Shape::DeviceRequests => Json::Array(items(v, device_request)?),
        Shape::Devices => Json::Array(items(v, device)?),
        Shape::Pairs => json!(pairs(v)?),
        Shape::LogConfig => log_config(v)?,
        Shape::Mounts => Json::Array(items(v, mount)?),
        Shape::PortBindings => port_bindings(v)?,
        Shape::Tmpfs => Json::Object(tmpfs(v)?),
        Shape::Ulimits => Json::Array(items(v, ulimit)?),
    })
}

/// A healthcheck as the Engine's `HealthConfig`: durations in nanoseconds.
pub(crate) fn health(check: &HealthCheck) -> Json {
    let mut out = Map::new();
    out.insert("Test".into(), json!(check.test));
    for (name, value) in [
        ("Interval", check.interval),
        ("Timeout", check.timeout),
        ("StartPeriod", check.start_period),
    ] {
        if let Some(n) = value {
            out.insert(name.into(), json!(i64::try_from(n).unwrap_or(i64::MAX)));
        }
    }
    if let Some(r) = check.retries {
        out.insert("Retries".into(), json!(r));
    }
    Json::Object(out)
}

// ---- scalars and plain collections

fn string(v: &Value) -> InputResult<String> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        Value::Int(i) => Ok(i.to_string()),
        other => Err(InputError::expected("a string", other)),
    }
}

fn int(v: &Value) -> InputResult<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        other => Err(InputError::expected("an integer", other)),
    }
}

fn boolean(v: &Value) -> InputResult<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(InputError::expected("a boolean", other)),
    }
}

/// docker-py's sizes: an integer number of bytes or a string such as `"64m"`.
fn bytes(v: &Value) -> InputResult<i64> {
    let n = match v {
        Value::Int(i) if *i >= 0 => return Ok(*i),
        Value::Str(s) => parse_bytes(s)?,
        other => return Err(InputError::expected("a size such as \"64m\"", other)),
    };
    i64::try_from(n).map_err(|_| invalid!("size `{v}` is out of range"))
}

fn is_minus_one(v: &Value) -> bool {
    matches!(v, Value::Int(-1)) || matches!(v, Value::Str(s) if s.trim() == "-1")
}

fn list(v: &Value) -> InputResult<&[Value]> {
    match v {
        Value::List(items) => Ok(items),
        other => Err(InputError::expected("a list", other)),
    }
}

fn items<T>(v: &Value, one: impl Fn(&Value) -> InputResult<T>) -> InputResult<Vec<T>> {
    list(v)?.iter().map(one).collect()
}

fn strings(v: &Value) -> InputResult<Vec<String>> {
    match v {
        Value::Str(s) => Ok(vec![s.clone()]),
        v => items(v, string),
    }
}

fn str_map(v: &Value) -> InputResult<Map<String, Json>> {
    match v {
        Value::Map(map) => map
            .iter()
            .map(|(k, v)| Ok((k.clone(), Json::String(string(v)?))))
            .collect(),
        other => Err(InputError::expected("a mapping of strings", other)),
    }
}

fn command(v: &Value) -> InputResult<Vec<String>> {
    match v {
        Value::Str(s) => Ok(split_words(s)?),
        v => items(v, string),
    }
}

/// `K=V` words sorted by key.
fn environment(v: &Value) -> InputResult<Vec<String>> {
    match v {
        Value::Map(map) => map
            .iter()
            .map(|(k, v)| match v {
                Value::Null => Ok(format!("{k}=")),
                v => v
                    .scalar_text()
                    .map(|t| format!("{k}={t}"))
                    .ok_or_else(|| InputError::expected(format!("a value for `{k}`"), v)),
            })
            .collect(),
        v => strings(v),
    }
}

/// `{a: b}` → `["a:b"]` (sorted; `a` alone for a null `b`); a list of `"a:b"` or `[a, b]` as is.
fn pairs(v: &Value) -> InputResult<Vec<String>> {
    let pair = |a: &str, b: &Value| match b {
        Value::Null => Ok(a.to_string()),
        b => Ok(format!("{a}:{}", string(b)?)),
    };
    match v {
        Value::Map(map) => map.iter().map(|(a, b)| pair(a, b)).collect(),
        Value::Str(s) => Ok(vec![s.clone()]),
        v => items(v, |item| match item {
            Value::List(ab) => match ab.as_slice() {
                [a, b] => pair(&string(a)?, b),
                _ => Err(InputError::expected("a pair [a, b]", item)),
            },
            item => string(item),
        }),
    }
}

// ---- mappings with named fields

/// A mapping's fields by normalised key (lowercase, no `_`), unknown keys rejected, nulls dropped.
struct Fields<'a>(BTreeMap<String, &'a Value>);

impl<'a> Fields<'a> {
    fn of(v: &'a Value, allowed: &[&str]) -> InputResult<Self> {
        let Value::Map(map) = v else {
            return Err(InputError::expected("a mapping", v));
        };
        let mut fields = BTreeMap::new();
        for (key, value) in map.iter().filter(|(_, v)| !v.is_null()) {
            let norm: String = key
                .chars()
                .filter(|c| *c != '_')
                .flat_map(char::to_lowercase)
                .collect();
            if !allowed.contains(&norm.as_str()) {
                return Err(invalid!("unknown key `{key}` in {v}"));
            }
            if fields.insert(norm, value).is_some() {
                return Err(invalid!("key `{key}` given twice in {v}"));
            }
        }
        Ok(Fields(fields))
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).copied()
    }

    fn req(&self, name: &str) -> InputResult<&'a Value> {
        self.get(name).ok_or_else(|| invalid!("missing `{name}`"))
    }
}

/// A JSON object built field by field, leaving out what is not given.
#[derive(Default)]
struct Object(Map<String, Json>);

impl Object {
    fn set(mut self, name: &str, value: impl Into<Json>) -> Self {
        self.0.insert(name.into(), value.into());
        self
    }

    fn opt<T: Into<Json>>(mut self, name: &str, value: Option<T>) -> Self {
        if let Some(v) = value {
            self.0.insert(name.into(), v.into());
        }
        self
    }

    /// A field from a mapping field, converted; left out when not given.
    fn from<T: Into<Json>>(
        self,
        name: &str,
        fields: &Fields,
        key: &str,
        convert: impl FnOnce(&Value) -> InputResult<T>,
    ) -> InputResult<Self> {
        Ok(self.opt(name, fields.get(key).map(convert).transpose()?))
    }

    fn done(self) -> Json {
        Json::Object(self.0)
    }
}

/// One of the Engine's words for an enumeration.
fn word(v: &Value, what: &str, words: &[&str]) -> InputResult<String> {
    let w = string(v)?;
    if words.contains(&w.as_str()) {
        Ok(w)
    } else {
        Err(invalid!(
            "unknown {what} `{w}` (expected one of {})",
            words.join(", ")
        ))
    }
}

/// `{Path, Weight}` or `"path:weight"`.
fn weight_device(v: &Value) -> InputResult<Json> {
    let (path, weight) = match v {
        Value::Str(s) => {
            let (path, weight) = s
                .rsplit_once(':')
                .ok_or_else(|| invalid!("expected `path:weight`, found `{s}`"))?;
            (
                path.to_string(),
                weight.parse::<u16>().map_err(|e| invalid!("`{s}`: {e}"))?,
            )
        }
        v => {
            let f = Fields::of(v, &["path", "weight"])?;
            let weight = int(f.req("weight")?)?;
            (
                string(f.req("path")?)?,
                u16::try_from(weight).map_err(|_| invalid!("weight {weight} is out of range"))?,
            )
        }
    };
    Ok(json!({"Path": path, "Weight": weight}))
}

/// `{Path, Rate}` or `"path:rate"`; rates in bytes accept sizes such as `"1m"`.
fn throttle(v: &Value, sized: bool) -> InputResult<Json> {
    let rate = |r: &Value| if sized { bytes(r) } else { int(r) };
    let (path, rate) = match v {
        Value::Str(s) => {
            let (path, r) = s
                .rsplit_once(':')
                .ok_or_else(|| invalid!("expected `path:rate`, found `{s}`"))?;
            let r = match r.parse::<i64>() {
                Ok(n) => Value::Int(n),
                Err(_) => Value::str(r),
            };
            (path.to_string(), rate(&r)?)
        }
        v => {
            let f = Fields::of(v, &["path", "rate"])?;
            (string(f.req("path")?)?, rate(f.req("rate")?)?)
        }
    };
    Ok(json!({"Path": path, "Rate": rate}))
}

/// docker-py's `"/dev/host[:/dev/container][:rwm]"`; like the Docker CLI, `"/dev/x:rw"` too.
fn device(v: &Value) -> InputResult<Json> {
    let text = string(v)?;
    let is_perms = |p: &str| !p.is_empty() && p.chars().all(|c| matches!(c, 'r' | 'w' | 'm'));
    let (host, container, perms) = match text.split(':').collect::<Vec<_>>()[..] {
        [h] => (h, h, "rwm"),
        [h, p] if is_perms(p) => (h, h, p),
        [h, c] => (h, c, "rwm"),
        [h, c, p] if is_perms(p) => (h, c, p),
        _ => {
            return Err(invalid!(
                "expected `/dev/host[:/dev/container][:rwm]`, found `{text}`"
            ))
        }
    };
    if host.is_empty() || container.is_empty() {
        return Err(invalid!("empty device path in `{text}`"));
    }
    Ok(json!({"PathOnHost": host, "PathInContainer": container, "CgroupPermissions": perms}))
}

fn device_request(v: &Value) -> InputResult<Json> {
    let f = Fields::of(v, &["count", "driver", "capabilities", "deviceids", "options"])?;
    let capabilities = |c: &Value| -> InputResult<Json> {
        Ok(match list(c)? {
            flat if flat.iter().all(|c| !matches!(c, Value::List(_))) => json!([items(c, string)?]),
            _ => json!(items(c, strings)?),
        })
    };
    Ok(Object::default()
        .from("Driver", &f, "driver", string)?
        .from("Count", &f, "count", int)?
        .from("DeviceIDs", &f, "deviceids", strings)?
        .from("Capabilities", &f, "capabilities", capabilities)?
        .from("Options", &f, "options", |o| str_map(o).map(Json::Object))?
        .done())
}

/// `{name, soft, hard}` (either limit defaults to the other) or the CLI's `"name=soft[:hard]"`.
fn ulimit(v: &Value) -> InputResult<Json> {
    let (name, soft, hard) = match v {
        Value::Str(s) => {
            let (name, limits) = s
                .split_once('=')
                .ok_or_else(|| invalid!("expected `name=soft[:hard]`, found `{s}`"))?;
            let num = |n: &str| {
                n.parse::<i64>()
                    .map_err(|_| invalid!("`{s}`: the limit `{n}` is not an integer"))
            };
            let (soft, hard) = match limits.split_once(':') {
                Some((soft, hard)) => (num(soft)?, num(hard)?),
                None => (num(limits)?, num(limits)?),
            };
            (name.to_string(), Some(soft), Some(hard))
        }
        v => {
            let f = Fields::of(v, &["name", "soft", "hard"])?;
            let limit = |key: &str| f.get(key).map(int).transpose();
            (string(f.req("name")?)?, limit("soft")?, limit("hard")?)
        }
    };
    if soft.is_none() && hard.is_none() {
        return Err(invalid!("ulimit `{name}` needs `soft` or `hard`"));
    }
    Ok(json!({"Name": name, "Soft": soft.or(hard), "Hard": hard.or(soft)}))
}

fn log_config(v: &Value) -> InputResult<Json> {
    let f = Fields::of(v, &["type", "config"])?;
    Ok(Object::default()
        .from("Type", &f, "type", string)?
        .from("Config", &f, "config", |c| str_map(c).map(Json::Object))?
        .done())
}

fn restart_policy(v: &Value) -> InputResult<Json> {
    let f = Fields::of(v, &["name", "maximumretrycount"])?;
    Ok(Object::default()
        .set("Name", word(f.req("name")?, "restart policy", &RESTART_POLICIES)?)
        .from("MaximumRetryCount", &f, "maximumretrycount", int)?
        .done())
}

/// A mapping of the Engine's own shape, passed on as it is (`BindOptions`, `TmpfsOptions`).
fn as_json(v: &Value) -> InputResult<Json> {
    serde_json::to_value(v).map_err(|e| invalid!("{v} can't be sent: {e}"))
}

const MOUNT_TYPES: [&str; 5] = ["bind", "volume", "tmpfs", "npipe", "cluster"];
const PROPAGATIONS: [&str; 6] = ["private", "rprivate", "shared", "rshared", "slave", "rslave"];

/// docker-py `Mount`s: mappings with its keywords (or the API's keys), or `"source:target[:ro]"`.
fn mount(v: &Value) -> InputResult<Json> {
    if let Value::Str(s) = v {
        return mount_string(s);
    }
    let f = Fields::of(
        v,
        &[
            "target",
            "source",
            "type",
            "readonly",
            "consistency",
            "propagation",
            "nocopy",
            "labels",
            "driverconfig",
            "tmpfssize",
            "tmpfsmode",
            "bindoptions",
            "volumeoptions",
            "tmpfsoptions",
        ],
    )?;
    let options = |key: &str| -> InputResult<Map<String, Json>> {
        match f.get(key).map(as_json).transpose()? {
            Some(Json::Object(m)) => Ok(m),
            Some(other) => Err(InputError::expected(format!("a mapping for `{key}`"), other)),
            None => Ok(Map::new()),
        }
    };
    let mut bind = options("bindoptions")?;
    if let Some(p) = f.get("propagation") {
        bind.insert(
            "Propagation".into(),
            json!(word(p, "propagation", &PROPAGATIONS)?),
        );
    }
    let mut volume = options("volumeoptions")?;
    if let Some(n) = f.get("nocopy") {
        volume.insert("NoCopy".into(), json!(boolean(n)?));
    }
    if let Some(l) = f.get("labels") {
        volume.insert("Labels".into(), Json::Object(str_map(l)?));
    }
    if let Some(d) = f.get("driverconfig") {
        let config = match d {
            Value::Str(name) => json!({"Name": name}),
            d => {
                let d = Fields::of(d, &["name", "options"])?;
                Object::default()
                    .from("Name", &d, "name", string)?
                    .from("Options", &d, "options", |o| str_map(o).map(Json::Object))?
                    .done()
            }
        };
        volume.insert("DriverConfig".into(), config);
    }
    let mut tmpfs = options("tmpfsoptions")?;
    if let Some(s) = f.get("tmpfssize") {
        tmpfs.insert("SizeBytes".into(), json!(bytes(s)?));
    }
    if let Some(m) = f.get("tmpfsmode") {
        tmpfs.insert("Mode".into(), json!(int(m)?));
    }
    let typ = match f.get("type") {
        Some(t) => word(t, "mount type", &MOUNT_TYPES)?,
        None => "volume".into(),
    };
    let nonempty = |m: Map<String, Json>| (!m.is_empty()).then_some(Json::Object(m));
    Ok(Object::default()
        .set("Target", string(f.req("target")?)?)
        .from("Source", &f, "source", string)?
        .set("Type", typ)
        .from("ReadOnly", &f, "readonly", boolean)?
        .from("Consistency", &f, "consistency", string)?
        .opt("BindOptions", nonempty(bind))
        .opt("VolumeOptions", nonempty(volume))
        .opt("TmpfsOptions", nonempty(tmpfs))
        .done())
}

/// docker-py's `Mount.parse_mount_string`: a source starting with `/` is a bind, else a volume.
fn mount_string(s: &str) -> InputResult<Json> {
    let (source, target, read_only) = match s.split(':').collect::<Vec<_>>()[..] {
        [target] => (None, target, false),
        [source, target] => (Some(source), target, false),
        [source, target, mode @ ("ro" | "rw")] => (Some(source), target, mode == "ro"),
        _ => return Err(invalid!("expected `source:target[:ro|rw]`, found `{s}`")),
    };
    if target.is_empty() {
        return Err(invalid!("empty mount target in `{s}`"));
    }
    let typ = match source {
        Some(source) if source.starts_with('/') => "bind",
        _ => "volume",
    };
    Ok(Object::default()
        .set("Target", target)
        .opt("Source", source)
        .set("Type", typ)
        .set("ReadOnly", read_only)
        .done())
}

/// A list of `"host:container[:mode]"`, or docker-py's mapping `{host: container}` (mode `rw`) /
/// `{host: {bind, mode | ro}}`.
fn binds(v: &Value) -> InputResult<Vec<String>> {
    let Value::Map(map) = v else {
        return strings(v);
    };
    map.iter()
        .map(|(host, spec)| match spec {
            Value::Map(_) => {
                let f = Fields::of(spec, &["bind", "mode", "ro"])?;
                let ro = f.get("ro").map(boolean).transpose()?;
                let mode = f.get("mode").map(string).transpose()?;
                let mode = match (ro, mode) {
                    (Some(true), _) => "ro".to_string(),
                    (Some(false), _) => "rw".to_string(),
                    (None, mode) => mode.unwrap_or_else(|| "rw".into()),
                };
                Ok(format!("{host}:{}:{mode}", string(f.req("bind")?)?))
            }
            spec => Ok(format!("{host}:{}:rw", string(spec)?)),
        })
        .collect()
}

/// `{tmpfs path: options}` or a list of `"path[:options]"`.
fn tmpfs(v: &Value) -> InputResult<Map<String, Json>> {
    match v {
        Value::Map(map) => map
            .iter()
            .map(|(path, opts)| match opts {
                Value::Null => Ok((path.clone(), json!(""))),
                opts => Ok((path.clone(), json!(string(opts)?))),
            })
            .collect(),
        v => Ok(strings(v)?
            .into_iter()
            .map(|item| match item.split_once(':') {
                Some((path, opts)) => (path.to_string(), json!(opts)),
                None => (item, json!("")),
            })
            .collect()),
    }
}

/// docker-py's `port_bindings`: `{container port ("80", 80, "53/udp"): binding or list of
/// bindings}`; a binding is a host port, `[ip]`, `[ip, port]`, `"ip:port"`, `{HostIp, HostPort}`,
/// or null (any free port).
fn port_bindings(v: &Value) -> InputResult<Json> {
    let Value::Map(map) = v else {
        return Err(InputError::expected("a mapping of container ports", v));
    };
    let mut out = Map::new();
    for (port, spec) in map {
        let key = if port.contains('/') {
            port.clone()
        } else {
            format!("{port}/tcp")
        };
        let bindings = match spec {
            Value::List(items) if !is_ip_port(items) => {
                items.iter().map(port_binding).collect::<InputResult<_>>()?
            }
            spec => vec![port_binding(spec)?],
        };
        out.insert(key, Json::Array(bindings));
    }
    Ok(Json::Object(out))
}

/// `[ip]` or `[ip, port]` (docker-py's tuple), told from a list of ports by its non-numeric head.
fn is_ip_port(items: &[Value]) -> bool {
    matches!(items, [Value::Str(ip)] | [Value::Str(ip), Value::Str(_) | Value::Int(_)] if ip.parse::<u16>().is_err())
}

fn port_binding(v: &Value) -> InputResult<Json> {
    let binding = |ip: &str, port: String| json!({"HostIp": ip.trim_start_matches('[').trim_end_matches(']'), "HostPort": port});
    match v {
        Value::Null => Ok(binding("", String::new())),
        Value::Int(_) => Ok(binding("", string(v)?)),
        Value::Str(s) => Ok(match s.rsplit_once(':') {
            Some((ip, port)) => binding(ip, port.to_string()),
            None => binding("", s.clone()),
        }),
        Value::List(items) if is_ip_port(items) => match items.as_slice() {
            [ip] => Ok(binding(&string(ip)?, String::new())),
            [ip, port] => Ok(binding(&string(ip)?, string(port)?)),
            _ => Err(InputError::expected("[ip, port]", v)),
        },
        Value::Map(_) => {
            let f = Fields::of(v, &["hostip", "hostport"])?;
            let field = |key: &str| f.get(key).map(string).transpose();
            Ok(binding(
                &field("hostip")?.unwrap_or_default(),
                field("hostport")?.unwrap_or_default(),
            ))
        }
        other => Err(InputError::expected(
            "a host port, [ip, port] or {HostIp, HostPort}",
            other,
        )),
    }
}
