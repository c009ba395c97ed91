//! Volume references of a container: `binds`, `uses` and `attaches` (their forms: docs/recipe-api.md,
//! "Container fields").

use crate::model::input::invalid;
use serde::Serialize;

use super::input::{self, is_flag, is_path, items, kwargs, read_only, string, tuple, InputResult, Item};
use super::name;
use super::options::not_the_root;
use super::value::Value;

/// An entry of `binds`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(crate) enum Bind {
    /// A host alias from the map's `host`, mounted at the path of the map's `volumes` entry.
    Alias { name: String, readonly: bool },
    /// A container path bound to a host path.
    Path {
        path: String,
        host_path: String,
        readonly: bool,
    },
}

impl Bind {
    pub(crate) fn key(&self) -> &str {
        match self {
            Bind::Alias { name, .. } => name,
            Bind::Path { path, .. } => path,
        }
    }

    pub(crate) fn parse_list(value: &Value) -> InputResult<Vec<Bind>> {
        let list = items(
            value,
            &["name", "path", "host_path", "readonly"],
            &["name", "path"],
        )
        .into_iter()
        .map(|item| Bind::parse(&item))
        .collect::<InputResult<Vec<_>>>()?;
        Ok(input::dedup_first_key(list, |b| b.key().to_string()))
    }

    fn parse(item: &Item) -> InputResult<Bind> {
        let parts = match item {
            Item::Pair(k, v) => pair_parts(k, v),
            Item::Single(Value::Map(map)) => {
                let get = kwargs(map, &["name", "path", "host_path", "readonly"], "a bind")?;
                return if get("path").is_null() {
                    alias(get("name"), get("readonly"))
                } else {
                    host(get("path"), get("host_path"), get("readonly"))
                };
            }
            Item::Single(Value::Str(s)) if s.contains(':') => return compose_style(s),
            Item::Single(v) => tuple(v),
        };
        match parts.as_slice() {
            [a] => alias(a, &Value::Null),
            [a, flag] if is_flag(flag) || flag.is_null() => alias(a, flag),
            [path, host_part] => match host_part {
                Value::List(inner) => match inner.as_slice() {
                    [h] => host(path, h, &Value::Null),
                    [h, ro] => host(path, h, ro),
                    _ => Err(invalid!(
                        "invalid bind of `{}`: expected [host_path] or [host_path, ro]",
                        path_text(path)
                    )),
                },
                h => host(path, h, &Value::Null),
            },
            [path, h, ro] => host(path, h, ro),
            _ => Err(invalid!(
                "invalid bind {}: expected an alias, [alias, ro], [path, host_path] or [path, host_path, ro]",
                Value::List(parts.clone())
            )),
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        match self {
            Bind::Alias { name, readonly } => {
                Value::map([("name", Value::str(name)), ("readonly", Value::Bool(*readonly))])
            }
            Bind::Path {
                path,
                host_path,
                readonly,
            } => Value::map([
                ("path", Value::str(path)),
                ("host_path", Value::str(host_path)),
                ("readonly", Value::Bool(*readonly)),
            ]),
        }
    }
}

fn path_text(v: &Value) -> String {
    v.scalar_text().unwrap_or_else(|| v.to_string())
}

fn pair_parts(key: &str, value: &Value) -> Vec<Value> {
    let mut parts = vec![Value::str(key)];
    match value {
        // `{d: [dh, true]}` is `(d, dh, true)`; `{c: [ch]}` is `(c, ch)`.
        Value::List(inner) if inner.len() == 2 && is_flag(&inner[1]) && !is_flag(&inner[0]) => {
            parts.extend(inner.iter().cloned());
        }
        other => parts.push(other.clone()),
    }
    parts
}

fn alias(name_value: &Value, ro: &Value) -> InputResult<Bind> {
    let name = string(name_value, "a volume alias")?;
    name::check("volume alias", &name)?;
    Ok(Bind::Alias {
        name,
        readonly: read_only(ro)?,
    })
}

fn host(path: &Value, host_path: &Value, ro: &Value) -> InputResult<Bind> {
    let path = string(path, "a container path")?;
    if !is_path(&path) {
        return Err(invalid!(
            "invalid bind `{path}`: a container path starts with `/` (an alias needs no host path)"
        ));
    }
    not_the_root(&path)?;
    let host_path = match host_path {
        Value::Null => {
            return Err(invalid!("invalid bind `{path}`: no host path given"));
        }
        v => string(v, "a host path")?,
    };
    Ok(Bind::Path {
        path,
        host_path,
        readonly: read_only(ro)?,
    })
}

/// Docker's `HOST:CONTAINER[:ro|rw]`.
fn compose_style(s: &str) -> InputResult<Bind> {
    let parts: Vec<&str> = s.split(':').collect();
    let (host_path, path, ro) = match parts.as_slice() {
        [h, p] => (*h, *p, Value::Null),
        [h, p, mode] => (*h, *p, Value::str(*mode)),
        _ => return Err(invalid!("invalid bind `{s}`: expected HOST:CONTAINER[:ro|rw]")),
    };
    host(&Value::str(path), &Value::str(host_path), &ro).map_err(|e| e.within(format!("invalid bind `{s}`")))
}

/// An entry of `uses`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct UsedVolume {
    /// An attached alias (`alias` or `parent.alias`), or a container `cfg` / `cfg.instance`.
    pub name: String,
    /// Mount path override (named volumes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub readonly: bool,
}

impl UsedVolume {
    pub(crate) fn parse_list(value: &Value) -> InputResult<Vec<UsedVolume>> {
        let list = items(value, &["name", "path", "readonly"], &["name"])
            .into_iter()
            .map(|item| UsedVolume::parse(&item))
            .collect::<InputResult<Vec<_>>>()?;
        Ok(input::dedup_first_key(list, |u| u.name.clone()))
    }

    fn parse(item: &Item) -> InputResult<UsedVolume> {
        let parts = match item {
            Item::Pair(k, v) => pair_parts(k, v),
            Item::Single(Value::Map(map)) => {
                let get = kwargs(map, &["name", "path", "readonly"], "a used volume")?;
                return used(get("name"), get("path"), get("readonly"));
            }
            Item::Single(v) => tuple(v),
        };
        match parts.as_slice() {
            [a] => used(a, &Value::Null, &Value::Null),
            [a, flag] if is_flag(flag) || flag.is_null() => used(a, &Value::Null, flag),
            [a, Value::List(inner)] => match inner.as_slice() {
                [p] => used(a, p, &Value::Null),
                [p, ro] => used(a, p, ro),
                _ => Err(invalid!("invalid used volume `{}`", path_text(a))),
            },
            [a, p] => used(a, p, &Value::Null),
            [a, p, ro] => used(a, p, ro),
            _ => Err(invalid!(
                "invalid used volume {}: expected a name, [name, ro], [name, path] or [name, path, ro]",
                Value::List(parts.clone())
            )),
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        let mut entries = vec![("name", Value::str(&self.name))];
        if let Some(p) = &self.path {
            entries.push(("path", Value::str(p)));
        }
        entries.push(("readonly", Value::Bool(self.readonly)));
        Value::map(entries)
    }
}

fn used(name_value: &Value, path: &Value, ro: &Value) -> InputResult<UsedVolume> {
    let name = string(name_value, "a used volume name")?;
    check_dotted("used volume", &name)?;
    let path = match path {
        Value::Null => None,
        v => {
            let p = string(v, "a mount path")?;
            if !p.starts_with('/') {
                return Err(invalid!(
                    "invalid mount path `{p}` for used volume `{name}`: it must be absolute"
                ));
            }
            not_the_root(&p)?;
            Some(p)
        }
    };
    Ok(UsedVolume {
        name,
        path,
        readonly: read_only(ro)?,
    })
}

/// `a` or `a.b`: each part follows the name grammar.
fn check_dotted(what: &str, reference: &str) -> InputResult<()> {
    name::check_reference(what, reference)
}

/// An entry of `attaches`: a named volume owned by this container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct AttachedVolume {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl AttachedVolume {
    pub(crate) fn parse_list(value: &Value) -> InputResult<Vec<AttachedVolume>> {
        let list = items(value, &["name", "path"], &["name"])
            .into_iter()
            .map(|item| AttachedVolume::parse(&item))
            .collect::<InputResult<Vec<_>>>()?;
        Ok(input::dedup_first_key(list, |a| a.name.clone()))
    }

    fn parse(item: &Item) -> InputResult<AttachedVolume> {
        let parts = match item {
            Item::Pair(k, v) => vec![Value::str(k), v.clone()],
            Item::Single(Value::Map(map)) => {
                let get = kwargs(map, &["name", "path"], "an attached volume")?;
                return attached(get("name"), get("path"));
            }
            Item::Single(v) => tuple(v),
        };
        match parts.as_slice() {
            [a] => attached(a, &Value::Null),
            [a, Value::Bool(false)] | [a, Value::Null] => attached(a, &Value::Null),
            [a, flag] if is_flag(flag) => match read_only(flag) {
                Ok(true) => Err(invalid!("attached volume `{}` can't be read-only", path_text(a))),
                _ => attached(a, &Value::Null),
            },
            [a, p] => attached(a, p),
            _ => Err(invalid!(
                "invalid attached volume {}: expected a name or [name, path]",
                Value::List(parts.clone())
            )),
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        match &self.path {
            None => Value::map([("name", Value::str(&self.name))]),
            Some(p) => Value::map([("name", Value::str(&self.name)), ("path", Value::str(p))]),
        }
    }
}

fn attached(name_value: &Value, path: &Value) -> InputResult<AttachedVolume> {
    let name = string(name_value, "an attached volume name")?;
    name::check("volume alias", &name)?;
    let path = match path {
        Value::Null => None,
        v => {
            let p = string(v, "a mount path")?;
            if !p.starts_with('/') {
                return Err(invalid!(
                    "invalid mount path `{p}` for attached volume `{name}`: it must be absolute"
                ));
            }
            not_the_root(&p)?;
            Some(p)
        }
    };
    Ok(AttachedVolume { name, path })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::value::Value as V;

    fn s(x: &str) -> V {
        V::str(x)
    }
    fn l(items: Vec<V>) -> V {
        V::List(items)
    }
    fn shared(name: &str, ro: bool) -> Bind {
        Bind::Alias {
            name: name.into(),
            readonly: ro,
        }
    }
    fn hostv(p: &str, h: &str, ro: bool) -> Bind {
        Bind::Path {
            path: p.into(),
            host_path: h.into(),
            readonly: ro,
        }
    }

    #[test]
    fn bind_items() {
        let cases: Vec<(V, Bind)> = vec![
            (s("a"), shared("a", false)),
            (l(vec![s("a")]), shared("a", false)),
            (l(vec![s("a"), V::Bool(false)]), shared("a", false)),
            (l(vec![s("b"), s("ro")]), shared("b", true)),
            (V::map([("b", s("ro"))]), shared("b", true)),
            (l(vec![s("b"), V::Bool(true)]), shared("b", true)),
            (l(vec![s("/c"), s("ch")]), hostv("/c", "ch", false)),
            (
                l(vec![s("/c"), s("ch"), V::Bool(false)]),
                hostv("/c", "ch", false),
            ),
            (l(vec![s("/c"), l(vec![s("ch")])]), hostv("/c", "ch", false)),
            (
                l(vec![s("/c"), l(vec![s("ch"), s("rw")])]),
                hostv("/c", "ch", false),
            ),
            (V::map([("/c", s("ch"))]), hostv("/c", "ch", false)),
            (V::map([("/c", l(vec![s("ch")]))]), hostv("/c", "ch", false)),
            (l(vec![s("/d"), s("dh"), s("ro")]), hostv("/d", "dh", true)),
            (
                V::map([("/d", l(vec![s("dh"), V::Bool(true)]))]),
                hostv("/d", "dh", true),
            ),
            (V::map([("name", s("a"))]), shared("a", false)),
            (
                V::map([
                    ("path", s("/p")),
                    ("host_path", s("hp")),
                    ("readonly", V::Bool(true)),
                ]),
                hostv("/p", "hp", true),
            ),
            // docker-map's documented `- app_data:` (None) is a plain alias here, not a broken bind
            (V::map([("app_data", V::Null)]), shared("app_data", false)),
            (s("/srv/data:/data:ro"), hostv("/data", "/srv/data", true)),
        ];
        for (input, expected) in cases {
            let got = Bind::parse_list(&l(vec![input.clone()])).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(got, vec![expected], "input {input}");
        }
    }

    #[test]
    fn bind_whole_list_forms_agree() {
        // The whole list written as one mapping means what the same items written as a list mean.
        let as_map = V::map([
            ("a", V::Bool(false)),
            ("b", s("ro")),
            ("/c", s("ch")),
            ("/d", l(vec![s("dh"), V::Bool(true)])),
        ]);
        let as_list = l(vec![
            s("a"),
            l(vec![s("b"), s("ro")]),
            l(vec![s("/c"), l(vec![s("ch")])]),
            l(vec![s("/d"), s("dh"), V::Bool(true)]),
        ]);
        let expected = vec![
            shared("a", false),
            shared("b", true),
            hostv("/c", "ch", false),
            hostv("/d", "dh", true),
        ];
        let mut from_map = Bind::parse_list(&as_map).unwrap();
        from_map.sort_by(|x, y| {
            x.key()
                .trim_start_matches('/')
                .cmp(y.key().trim_start_matches('/'))
        });
        assert_eq!(from_map, expected);
        assert_eq!(Bind::parse_list(&as_list).unwrap(), expected);
    }

    #[test]
    fn bind_errors() {
        for bad in [
            l(vec![s("c"), s("ch")]), // container path must be a path
            l(vec![s("a"), s("b"), s("c"), s("d")]),
            s("bad alias"),
            l(vec![s("/c"), s("ch"), s("maybe")]),
            V::map([("name", s("a")), ("colour", s("red"))]),
        ] {
            assert!(Bind::parse_list(&l(vec![bad.clone()])).is_err(), "{bad}");
        }
    }

    fn used_v(name: &str, path: Option<&str>, ro: bool) -> UsedVolume {
        UsedVolume {
            name: name.into(),
            path: path.map(Into::into),
            readonly: ro,
        }
    }

    #[test]
    fn used_items() {
        let cases: Vec<(V, UsedVolume)> = vec![
            (s("a"), used_v("a", None, false)),
            (s("redis.redis_socket"), used_v("redis.redis_socket", None, false)),
            (l(vec![s("a"), s("ro")]), used_v("a", None, true)),
            (V::map([("a", V::Bool(true))]), used_v("a", None, true)),
            (l(vec![s("a"), s("/p")]), used_v("a", Some("/p"), false)),
            (V::map([("a", s("/p"))]), used_v("a", Some("/p"), false)),
            (l(vec![s("a"), s("/p"), s("ro")]), used_v("a", Some("/p"), true)),
            (
                V::map([("a", l(vec![s("/p"), V::Bool(true)]))]),
                used_v("a", Some("/p"), true),
            ),
            (
                V::map([("name", s("a")), ("path", s("/p"))]),
                used_v("a", Some("/p"), false),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                UsedVolume::parse_list(&l(vec![input.clone()])).unwrap(),
                vec![expected],
                "{input}"
            );
        }
        assert!(UsedVolume::parse_list(&s("a/b")).is_err());
        assert!(UsedVolume::parse_list(&l(vec![l(vec![s("a"), s("rel")])])).is_err());
    }

    fn att(name: &str, path: Option<&str>) -> AttachedVolume {
        AttachedVolume {
            name: name.into(),
            path: path.map(Into::into),
        }
    }

    #[test]
    fn attached_items() {
        let cases: Vec<(V, AttachedVolume)> = vec![
            (s("a"), att("a", None)),
            (l(vec![s("a")]), att("a", None)),
            (V::map([("name", s("a"))]), att("a", None)),
            (l(vec![s("a"), V::Null]), att("a", None)),
            (l(vec![s("a"), V::Bool(false)]), att("a", None)),
            (l(vec![s("c"), s("/p1")]), att("c", Some("/p1"))),
            (V::map([("c", s("/p1"))]), att("c", Some("/p1"))),
            (
                V::map([("name", s("c")), ("path", s("/p1"))]),
                att("c", Some("/p1")),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                AttachedVolume::parse_list(&l(vec![input.clone()])).unwrap(),
                vec![expected],
                "{input}"
            );
        }
        // A list mixing the item forms: a name, a name with a flag, a name-to-path mapping.
        let list = l(vec![
            s("a"),
            l(vec![s("b"), V::Bool(false)]),
            V::map([("c", s("/p1"))]),
        ]);
        assert_eq!(
            AttachedVolume::parse_list(&list).unwrap(),
            vec![att("a", None), att("b", None), att("c", Some("/p1"))]
        );
        let err = AttachedVolume::parse_list(&l(vec![l(vec![s("a"), s("ro")])]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("read-only"), "{err}");
        assert!(AttachedVolume::parse_list(&l(vec![l(vec![s("a"), s("/p"), s("x")])])).is_err());
    }

    #[test]
    fn readback_round_trips() {
        let binds = vec![shared("a", true), hostv("/c", "ch", false)];
        let v = V::List(binds.iter().map(Bind::to_value).collect());
        assert_eq!(Bind::parse_list(&v).unwrap(), binds);
        let used = vec![used_v("a", Some("/p"), true), used_v("b", None, false)];
        let v = V::List(used.iter().map(UsedVolume::to_value).collect());
        assert_eq!(UsedVolume::parse_list(&v).unwrap(), used);
        let attached = vec![att("a", None), att("c", Some("/p"))];
        let v = V::List(attached.iter().map(AttachedVolume::to_value).collect());
        assert_eq!(AttachedVolume::parse_list(&v).unwrap(), attached);
    }
}
