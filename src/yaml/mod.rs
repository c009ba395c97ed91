//! Loading docker-map style YAML map files into the neutral [`Value`] tree, with the docker-map
//! tags resolved, merge keys applied, and a way back from a key path to its line.

mod error;
mod lines;
mod map;
mod tags;

pub use map::load_map;

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::Arc;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess,
};

use crate::model::{Origin, Value};

pub use error::YamlError;
use lines::Lines;
use tags::Env;

/// A parsed map file: its root mapping, and what is needed to find the line of a key path.
#[derive(Debug)]
pub struct YamlDocument {
    file: Arc<str>,
    root: Value,
    lines: Lines,
}

impl YamlDocument {
    /// Always a [`Value::Map`].
    pub fn root(&self) -> &Value {
        &self.root
    }

    pub fn into_root(self) -> Value {
        self.root
    }

    /// The origin of a key path. Segments are mapping keys, or list indexes written in decimal;
    /// the key path reads `web.binds[1]`. The line is that of the key (or list item) when the
    /// text has it in block style, else `None`.
    pub fn origin(&self, path: &[&str]) -> Origin {
        let mut node = Some(&self.root);
        let segs: Vec<Seg> = path
            .iter()
            .map(|s| match (node, s.parse::<usize>()) {
                (Some(Value::List(items)), Ok(i)) => {
                    node = items.get(i);
                    Seg::Index(i)
                }
                (Some(Value::Map(map)), _) => {
                    node = map.get(*s);
                    Seg::Key(s.to_string())
                }
                _ => {
                    node = None;
                    Seg::Key(s.to_string())
                }
            })
            .collect();
        origin(&self.file, &self.lines, &segs, 0)
    }
}

/// Parses `text`. `file` is the label used in errors and origins (the path as the user wrote it);
/// `env` looks up environment variables for `!env` and `!path`.
pub fn parse(
    file: &str,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<YamlDocument, YamlError> {
    let node = Node::read(text).map_err(|e| YamlError::syntax(file, &e))?;
    let file: Arc<str> = file.into();
    let lines = Lines::scan(text);
    let root = Converter {
        file: &file,
        lines: &lines,
        env,
    }
    .convert(node, &mut Vec::new())?;
    if !matches!(root, Value::Map(_)) {
        return Err(YamlError::NotMapping {
            origin: Origin::new(file),
            found: root.type_name(),
        });
    }
    Ok(YamlDocument { file, root, lines })
}

/// One step of a key path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Seg {
    Key(String),
    Index(usize),
}

/// `web.binds[1]`; `None` for the root.
fn key_path(path: &[Seg]) -> Option<String> {
    let mut out = String::new();
    for (i, seg) in path.iter().enumerate() {
        match seg {
            Seg::Key(key) if i == 0 => out.push_str(key),
            Seg::Key(key) => {
                out.push('.');
                out.push_str(key);
            }
            Seg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    (!path.is_empty()).then_some(out)
}

fn origin(file: &Arc<str>, lines: &Lines, path: &[Seg], nth: usize) -> Origin {
    match key_path(path) {
        Some(key) => Origin::new(file.clone()).with_key(key, lines.find(path, nth)),
        None => Origin::new(file.clone()),
    }
}

/// The parser's view of the text, before tags, merge keys and key normalisation. Unlike
/// `serde_yaml::Value` it keeps repeated keys, so that they are reported with their key path.
#[derive(Debug)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer beyond `i64`, kept as text so the error can name its key.
    BigInt(String),
    Float(f64),
    Str(String),
    List(Vec<Node>),
    Map(Vec<(Node, Node)>),
    /// A local tag (`!path`), without its `!`.
    Tagged(String, Box<Node>),
}

impl Node {
    /// Reads the text. A tagged plain scalar comes back resolved (`!path ~` as null, `!env 1.0`
    /// as 1), so when there is one the text is read again, this time taking them as written.
    fn read(text: &str) -> Result<Node, serde_yaml::Error> {
        let first = NodeSeed(None).deserialize(serde_yaml::Deserializer::from_str(text))?;
        if !first.has_tagged_scalar() {
            return Ok(first);
        }
        NodeSeed(Some(&first)).deserialize(serde_yaml::Deserializer::from_str(text))
    }

    fn is_scalar(&self) -> bool {
        !matches!(self, Node::List(_) | Node::Map(_) | Node::Tagged(..))
    }

    fn has_tagged_scalar(&self) -> bool {
        match self {
            Node::List(items) => items.iter().any(Node::has_tagged_scalar),
            Node::Map(entries) => entries
                .iter()
                .any(|(k, v)| k.has_tagged_scalar() || v.has_tagged_scalar()),
            Node::Tagged(_, inner) => inner.is_scalar() || inner.has_tagged_scalar(),
            _ => false,
        }
    }
}

/// Reads a [`Node`]; on the second reading, guided by the node the first one gave.
#[derive(Clone, Copy)]
struct NodeSeed<'a>(Option<&'a Node>);

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> de::Visitor<'de> for NodeSeed<'_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(i64::try_from(v).map_or_else(|_| Node::BigInt(v.to_string()), Node::Int))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
        Ok(i64::try_from(v).map_or_else(|_| Node::BigInt(v.to_string()), Node::Int))
    }

    fn visit_u128<E>(self, v: u128) -> Result<Node, E> {
        Ok(i64::try_from(v).map_or_else(|_| Node::BigInt(v.to_string()), Node::Int))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let shapes = match self.0 {
            Some(Node::List(items)) => items.as_slice(),
            _ => &[],
        };
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(NodeSeed(shapes.get(items.len())))? {
            items.push(item);
        }
        Ok(Node::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let shapes = match self.0 {
            Some(Node::Map(entries)) => entries.as_slice(),
            _ => &[],
        };
        let mut entries = Vec::new();
        loop {
            let shape = shapes.get(entries.len());
            let Some(key) = map.next_key_seed(NodeSeed(shape.map(|(k, _)| k)))? else {
                break;
            };
            let value = map.next_value_seed(NodeSeed(shape.map(|(_, v)| v)))?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }

    // serde_yaml hands a locally tagged node over as an enum variant named after the tag.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Node, A::Error> {
        let (tag, contents): (String, _) = data.variant()?;
        let inner = match self.0 {
            Some(Node::Tagged(_, inner)) => Some(&**inner),
            _ => None,
        };
        let inner = match inner {
            Some(shape) if shape.is_scalar() => contents.newtype_variant_seed(AsWritten)?,
            shape => contents.newtype_variant_seed(NodeSeed(shape))?,
        };
        Ok(Node::Tagged(tag, Box::new(inner)))
    }
}

/// A scalar's text as written; nothing at all is null.
struct AsWritten;

impl<'de> DeserializeSeed<'de> for AsWritten {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(if text.is_empty() {
            Node::Null
        } else {
            Node::Str(text)
        })
    }
}

/// Turns [`Node`]s into [`Value`]s, resolving tags and merge keys.
struct Converter<'a> {
    file: &'a Arc<str>,
    lines: &'a Lines,
    env: Env<'a>,
}

impl Converter<'_> {
    fn convert(&self, node: Node, path: &mut Vec<Seg>) -> Result<Value, YamlError> {
        Ok(match node {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(b),
            Node::Int(i) => Value::Int(i),
            Node::Float(x) => Value::Float(x),
            Node::Str(s) => Value::Str(s),
            Node::BigInt(text) => {
                return Err(YamlError::IntOutOfRange {
                    origin: self.origin(path),
                    text,
                })
            }
            Node::List(items) => Value::List(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| self.below(path, Seg::Index(i), |p| self.convert(item, p)))
                    .collect::<Result<_, _>>()?,
            ),
            Node::Map(entries) => self.mapping(entries, path)?,
            Node::Tagged(tag, inner) => self.tagged(&tag, *inner, path)?,
        })
    }

    fn mapping(&self, entries: Vec<(Node, Node)>, path: &mut Vec<Seg>) -> Result<Value, YamlError> {
        let mut map = BTreeMap::new();
        let mut merge = None;
        for (key, value) in entries {
            let key = self.key(key, path)?;
            let repeated = if key == "<<" {
                merge.replace(value).is_some()
            } else if map.contains_key(&key) {
                true
            } else {
                let value = self.below(path, Seg::Key(key.clone()), |p| self.convert(value, p))?;
                map.insert(key.clone(), value);
                false
            };
            if repeated {
                let at = [path.as_slice(), &[Seg::Key(key.clone())]].concat();
                // Point at the second occurrence; flow style may hide it, then at the first.
                let nth = usize::from(self.lines.find(&at, 1).is_some());
                let origin = origin(self.file, self.lines, &at, nth);
                return Err(YamlError::DuplicateKey { origin, key });
            }
        }
        if let Some(merge) = merge {
            // Explicit keys win over merged ones, and earlier merged mappings over later ones.
            let merged = self.below(path, Seg::Key("<<".into()), |p| self.convert(merge, p))?;
            let sources = match merged {
                Value::Map(source) => vec![source],
                Value::List(items) => items
                    .into_iter()
                    .map(|item| match item {
                        Value::Map(source) => Ok(source),
                        other => Err(self.bad_merge(path, &other)),
                    })
                    .collect::<Result<_, _>>()?,
                other => return Err(self.bad_merge(path, &other)),
            };
            for (key, value) in sources.into_iter().flatten() {
                map.entry(key).or_insert(value);
            }
        }
        Ok(Value::Map(map))
    }

    /// Keys are text: numbers and booleans become their printed form (`80: 80` has key `"80"`).
    fn key(&self, node: Node, path: &mut Vec<Seg>) -> Result<String, YamlError> {
        let key = self.convert(node, path)?;
        key.scalar_text().ok_or_else(|| YamlError::BadKey {
            origin: self.origin(path),
            found: key.type_name(),
        })
    }

    fn tagged(&self, tag: &str, inner: Node, path: &mut Vec<Seg>) -> Result<Value, YamlError> {
        let value = match tag {
            "path" | "path_lazy" | "env" => self.convert(inner, path)?,
            _ => {
                return Err(YamlError::UnknownTag {
                    origin: self.origin(path),
                    tag: format!("!{}", tag.trim_start_matches('!')),
                })
            }
        };
        if tag != "env" {
            return Ok(tags::expand_paths(value, self.env));
        }
        let Some(name) = value.scalar_text() else {
            return Err(YamlError::EnvNotScalar {
                origin: self.origin(path),
                found: value.type_name(),
            });
        };
        match (self.env)(&name) {
            Some(value) => Ok(Value::Str(value)),
            None => Err(YamlError::UnsetVariable {
                origin: self.origin(path),
                name,
            }),
        }
    }

    fn bad_merge(&self, path: &[Seg], found: &Value) -> YamlError {
        YamlError::BadMerge {
            origin: self.origin(&[path, &[Seg::Key("<<".into())]].concat()),
            found: found.type_name(),
        }
    }

    fn below<T>(&self, path: &mut Vec<Seg>, seg: Seg, f: impl FnOnce(&mut Vec<Seg>) -> T) -> T {
        path.push(seg);
        let result = f(path);
        path.pop();
        result
    }

    fn origin(&self, path: &[Seg]) -> Origin {
        origin(self.file, self.lines, path, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Problem;

    const EXAMPLE: &str = "\
repository: registry.example.com
host_root: /var/lib/site
web_server:
  image: nginx
  binds:
    /etc/nginx:
    - config/nginx
    - ro
  uses: app_server_socket
  attaches: web_log
  exposes:
    80: 80
    443: 443
app_server:
  image: app
  instances:
  - instance1
  - instance2
  binds:
  - app_config: ro
  - app_data
  attaches:
  - app_log
  - app_server_socket
  user: 2000
  permissions: u=rwX,g=rX,o=
  exec_commands:
  - [['/bin/bash', '-c', 'script.sh'], 'root']
volumes:
  web_log: /var/log/nginx
  app_server_socket: /var/lib/app/socket
  app_config: /var/lib/app/config
  app_log: /var/lib/app/log
  app_data: /var/lib/app/data
host:
  app_config:
    instance1: config/app1
    instance2: config/app2
  app_data:
    instance1: data/app1
    instance2: data/app2
";

    fn env(name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/home/me/".into()),
            "BASE" => Some("/srv".into()),
            "USER_ID" => Some("1000".into()),
            _ => None,
        }
    }

    fn load(text: &str) -> Result<YamlDocument, YamlError> {
        parse("map.yaml", text, &env)
    }

    fn root(text: &str) -> Value {
        match load(text) {
            Ok(doc) => doc.into_root(),
            Err(e) => panic!("{text:?} failed: {e}"),
        }
    }

    fn error(text: &str) -> YamlError {
        match load(text) {
            Ok(doc) => panic!("{text:?} parsed as {}", doc.root()),
            Err(e) => e,
        }
    }

    /// The value at `a`, from a document with a single key `a`.
    fn value(text: &str) -> Value {
        match root(text) {
            Value::Map(mut map) => map.remove("a").unwrap_or_else(|| panic!("no `a` in {text:?}")),
            other => panic!("{other}"),
        }
    }

    fn strs(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::str(*s)).collect())
    }

    #[test]
    fn converts_every_kind_of_value() {
        let cases = [
            ("a: ~", Value::Null),
            ("a:", Value::Null),
            ("a: true", Value::Bool(true)),
            ("a: -42", Value::Int(-42)),
            ("a: 0x10", Value::Int(16)),
            ("a: 2.5", Value::Float(2.5)),
            ("a: text", Value::str("text")),
            ("a: '80'", Value::str("80")),
            ("a: !!str 5", Value::str("5")),
            ("a: [1, x]", Value::List(vec![Value::Int(1), Value::str("x")])),
            (
                "a:\n  - 1\n  - x",
                Value::List(vec![Value::Int(1), Value::str("x")]),
            ),
            (
                "a: {y: 1, x: 2}",
                Value::map([("x", Value::Int(2)), ("y", Value::Int(1))]),
            ),
            ("a: |\n  line\n", Value::str("line\n")),
        ];
        for (text, expected) in cases {
            assert_eq!(value(text), expected, "{text:?}");
        }
    }

    #[test]
    fn scalar_keys_become_text() {
        let cases = [
            ("80: x", "80"),
            ("1.5: x", "1.5"),
            ("true: x", "true"),
            ("'a b': x", "a b"),
        ];
        for (text, key) in cases {
            assert_eq!(root(text), Value::map([(key, Value::str("x"))]), "{text:?}");
        }
    }

    #[test]
    fn rejects_null_and_collection_keys() {
        for (text, found) in [
            ("~: x", "nothing"),
            ("? [1]\n: x", "a list"),
            ("a:\n  {b: 1}: x", "a mapping"),
        ] {
            let e = error(text);
            assert!(
                matches!(&e, YamlError::BadKey { found: f, .. } if *f == found),
                "{text:?}: {e}"
            );
        }
        assert_eq!(error("a:\n  ~: x").origin().key_path.as_deref(), Some("a"));
    }

    #[test]
    fn integers_out_of_range_name_their_key() {
        let e = error("a:\n  b: 99999999999999999999\n");
        assert!(matches!(&e, YamlError::IntOutOfRange { text, .. } if text == "99999999999999999999"));
        assert_eq!(e.origin().key_path.as_deref(), Some("a.b"));
        assert_eq!(e.origin().line, Some(2));
    }

    #[test]
    fn duplicate_keys_name_the_key_and_its_second_line() {
        let cases = [
            ("a: 1\nb: 2\na: 3\n", "a", "a", Some(3)),
            (
                "web:\n  exposes:\n    80: 80\n    '80': 81\n",
                "80",
                "web.exposes.80",
                Some(4),
            ),
            ("l:\n- x: 1\n  x: 2\n", "x", "l[0].x", Some(3)),
            ("a: {x: 1, x: 2}\n", "x", "a.x", None),
            ("<<: {x: 1}\n<<: {y: 1}\n", "<<", "<<", Some(2)),
        ];
        for (text, key, path, line) in cases {
            let e = error(text);
            assert!(
                matches!(&e, YamlError::DuplicateKey { key: k, .. } if k == key),
                "{text:?}: {e}"
            );
            let origin = e.origin();
            assert_eq!(origin.key_path.as_deref(), Some(path), "{text:?}");
            assert_eq!(origin.line, line, "{text:?}");
        }
        assert_eq!(
            Problem::from(error("a: 1\na: 2\n")).to_string(),
            "duplicate key `a` (map.yaml: a (line 2))"
        );
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let text = "\
base: &base
  image: app
  user: 1
more: &more
  <<: *base
  restart: always
web:
  <<: [*more, {image: other, extra: 1}]
  user: 2
list: &l [1, 2]
copy: *l
";
        let root = root(text);
        let Value::Map(map) = &root else { panic!() };
        assert_eq!(
            map["web"],
            Value::map([
                ("extra", Value::Int(1)),
                ("image", Value::str("app")),
                ("restart", Value::str("always")),
                ("user", Value::Int(2)),
            ])
        );
        assert_eq!(map["copy"], map["list"]);
        assert!(matches!(
            error("a:\n  <<: 5\n"),
            YamlError::BadMerge {
                found: "an integer",
                ..
            }
        ));
        assert!(matches!(
            error("a:\n  <<: [x]\n"),
            YamlError::BadMerge {
                found: "a string",
                ..
            }
        ));
    }

    #[test]
    fn path_tag_expands_variables_and_home() {
        let cases = [
            ("a: !path $BASE/x", Value::str("/srv/x")),
            ("a: !path ${BASE}x", Value::str("/srvx")),
            ("a: !path $NOPE/${NOPE}/$", Value::str("$NOPE/${NOPE}/$")),
            ("a: !path '${BASE'", Value::str("${BASE")),
            ("a: !path ~", Value::str("/home/me")),
            ("a: !path ~/data", Value::str("/home/me/data")),
            ("a: !path ~other/data", Value::str("~other/data")),
            ("a: !path x/~", Value::str("x/~")),
            ("a: !path 5", Value::str("5")),
            // Tagged scalars are taken as written, not as YAML would resolve them untagged.
            ("a: !path 1.0", Value::str("1.0")),
            ("a: !path null", Value::str("null")),
            ("a: !path 0x10", Value::str("0x10")),
            ("a: !path", Value::Null),
            ("a: !path_lazy ~/$BASE", Value::str("/home/me//srv")),
            ("a: !path [~/a, $BASE]", strs(&["/home/me/a", "/srv"])),
            (
                "a: !path\n  - ~/a\n  - [$BASE]\n",
                Value::List(vec![Value::str("/home/me/a"), strs(&["/srv"])]),
            ),
            (
                "a: !path\n  x: ~/a\n  y:\n    z: $BASE/z\n    l: [~/b, ~]\n",
                Value::map([
                    ("x", Value::str("/home/me/a")),
                    (
                        "y",
                        Value::map([
                            ("l", Value::List(vec![Value::str("/home/me/b"), Value::Null])),
                            ("z", Value::str("/srv/z")),
                        ]),
                    ),
                ]),
            ),
            ("a:\n- !path ~/a\n- b", strs(&["/home/me/a", "b"])),
        ];
        for (text, expected) in cases {
            assert_eq!(value(text), expected, "{text:?}");
        }
        assert_eq!(
            root("!path\nx: ~/a\n"),
            Value::map([("x", Value::str("/home/me/a"))])
        );
    }

    #[test]
    fn env_tag_reads_a_variable() {
        assert_eq!(value("a: !env USER_ID"), Value::str("1000"));
        assert_eq!(value("a: !path [!env BASE, ~/b]"), strs(&["/srv", "/home/me/b"]));
        let e = error("a:\n  b:\n  - !env MISSING\n");
        assert!(matches!(&e, YamlError::UnsetVariable { name, .. } if name == "MISSING"));
        assert_eq!(e.origin().key_path.as_deref(), Some("a.b[0]"));
        assert_eq!(e.origin().line, Some(3));
        assert!(e
            .to_string()
            .contains("environment variable `MISSING` is not set"));
        for (text, found) in [
            ("a: !env [X]", "a list"),
            ("a: !env {X: 1}", "a mapping"),
            ("a: !env", "nothing"),
        ] {
            let e = error(text);
            assert!(
                matches!(&e, YamlError::EnvNotScalar { found: f, .. } if *f == found),
                "{text:?}: {e}"
            );
        }
    }

    #[test]
    fn unknown_tags_are_errors() {
        for (text, path) in [
            ("a: !pth x", "a"),
            ("a:\n  - !pth [x]", "a[0]"),
            ("a: {b: !pth {}}", "a.b"),
        ] {
            let e = error(text);
            assert!(
                matches!(&e, YamlError::UnknownTag { tag, .. } if tag == "!pth"),
                "{text:?}: {e}"
            );
            assert_eq!(e.origin().key_path.as_deref(), Some(path));
            assert!(e.to_string().ends_with("unknown tag `!pth`"), "{e}");
        }
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let e = error("a: 1\nb: [1, 2\nc: 3\n");
        let origin = e.origin();
        assert!(matches!(e, YamlError::Syntax { .. }));
        assert_eq!((origin.line, origin.column), (Some(3), Some(2)));
        assert!(!e.to_string().contains("at line 3 column 2"), "{e}");
        assert!(matches!(error("a: b: c"), YamlError::Syntax { .. }));
    }

    #[test]
    fn root_must_be_a_mapping() {
        for (text, found) in [
            ("", "nothing"),
            ("# only a comment\n", "nothing"),
            ("- a", "a list"),
            ("text", "a string"),
        ] {
            let e = error(text);
            assert!(
                matches!(&e, YamlError::NotMapping { found: f, .. } if *f == found),
                "{text:?}: {e}"
            );
            assert_eq!(
                e.to_string(),
                format!("`map.yaml` does not contain a mapping at its top level (found {found})")
            );
        }
    }

    #[test]
    fn the_docker_map_example_parses() {
        let doc = load(EXAMPLE).unwrap();
        let Value::Map(root) = doc.root() else { panic!() };
        let Value::Map(app) = &root["app_server"] else {
            panic!()
        };
        assert_eq!(app["user"], Value::Int(2000));
        assert_eq!(
            app["binds"],
            Value::List(vec![
                Value::map([("app_config", Value::str("ro"))]),
                Value::str("app_data")
            ])
        );
        assert_eq!(
            app["exec_commands"],
            Value::List(vec![Value::List(vec![
                strs(&["/bin/bash", "-c", "script.sh"]),
                Value::str("root")
            ])])
        );
        let Value::Map(web) = &root["web_server"] else {
            panic!()
        };
        assert_eq!(
            web["exposes"],
            Value::map([("443", Value::Int(443)), ("80", Value::Int(80))])
        );
        assert_eq!(
            web["binds"],
            Value::map([("/etc/nginx", strs(&["config/nginx", "ro"]))])
        );
    }

    #[test]
    fn origins_of_the_example() {
        let doc = load(EXAMPLE).unwrap();
        let cases: &[(&[&str], &str, Option<usize>)] = &[
            (&["repository"], "repository", Some(1)),
            (
                &["web_server", "binds", "/etc/nginx", "1"],
                "web_server.binds./etc/nginx[1]",
                Some(8),
            ),
            (
                &["web_server", "exposes", "443"],
                "web_server.exposes.443",
                Some(13),
            ),
            (
                &["app_server", "instances", "1"],
                "app_server.instances[1]",
                Some(18),
            ),
            (
                &["app_server", "binds", "0", "app_config"],
                "app_server.binds[0].app_config",
                Some(20),
            ),
            (&["app_server", "binds", "1"], "app_server.binds[1]", Some(21)),
            (&["app_server", "user"], "app_server.user", Some(25)),
            (
                &["app_server", "exec_commands", "0"],
                "app_server.exec_commands[0]",
                Some(28),
            ),
            (
                &["app_server", "exec_commands", "0", "1"],
                "app_server.exec_commands[0][1]",
                None,
            ),
            (
                &["host", "app_data", "instance2"],
                "host.app_data.instance2",
                Some(41),
            ),
            (&["app_server", "nope"], "app_server.nope", None),
            (&["app_server", "binds", "7"], "app_server.binds[7]", None),
        ];
        for (path, key_path, line) in cases {
            let origin = doc.origin(path);
            assert_eq!(&*origin.file, "map.yaml");
            assert_eq!(origin.key_path.as_deref(), Some(*key_path), "{path:?}");
            assert_eq!(origin.line, *line, "{path:?}");
        }
    }

    #[test]
    fn origins_through_awkward_text() {
        let text = "\
%YAML 1.2
---
# a comment
'quoted key': 1
\"double \\\"q\\\"\": 2
script: |
  not: a key
    - nor: this

  still: body
after_block: 3
folded: >-
  x: y
flow: {inner: 1,
  other: 2}
multi: \"a: b
  c: d\"
nested:
  - - deep: 1
    - 2
  -
    item: 3
compact:
- k: 1
  j: 2
anchored: &x
  z: 1
last: !path ~ # comment: here
";
        let doc = load(text).unwrap();
        let cases: &[(&[&str], Option<usize>)] = &[
            (&["quoted key"], Some(4)),
            (&["double \"q\""], Some(5)),
            (&["script"], Some(6)),
            (&["after_block"], Some(11)),
            (&["folded"], Some(12)),
            (&["flow"], Some(14)),
            (&["flow", "inner"], None),
            (&["other"], None),
            (&["multi"], Some(16)),
            (&["c"], None),
            (&["nested", "0", "0", "deep"], Some(19)),
            (&["nested", "0", "1"], Some(20)),
            (&["nested", "1", "item"], Some(22)),
            (&["compact", "0", "j"], Some(25)),
            (&["anchored", "z"], Some(27)),
            (&["last"], Some(28)),
            (&["not"], None),
            (&["still"], None),
            (&[], None),
        ];
        for (path, line) in cases {
            assert_eq!(doc.origin(path).line, *line, "{path:?}");
        }
        assert_eq!(doc.origin(&[]).key_path, None);
    }
}
