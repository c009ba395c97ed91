//! Loading docker-map style YAML map files into the neutral [`Value`] tree, with the docker-map
//! tags resolved, merge keys applied, and a way back from a key path to its line.

mod error;
mod lines;
mod map;
mod tags;

pub(crate) use map::load_map;

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::Arc;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess,
};

use crate::model::{Origin, Value};

pub(crate) use error::YamlError;
use lines::Lines;
use tags::Env;

/// A parsed map file: its root mapping, and what is needed to find the line of a key path.
#[derive(Debug)]
pub(crate) struct YamlDocument {
    file: Arc<str>,
    root: Value,
    lines: Lines,
}

impl YamlDocument {
    /// Always a [`Value::Map`].
    pub(crate) fn root(&self) -> &Value {
        &self.root
    }

    #[cfg(test)]
    pub(crate) fn into_root(self) -> Value {
        self.root
    }

    /// The origin of a key path. Segments are mapping keys, or list indexes written in decimal;
    /// the key path reads `web.binds[1]`. The line is that of the key (or list item) when the
    /// text has it in block style, else `None`.
    pub(crate) fn origin(&self, path: &[&str]) -> Origin {
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
pub(crate) fn parse(
    file: &str,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<YamlDocument, YamlError> {
    let node = Node::read(text).map_err(|e| match lines::second_document(text) {
        Some(line) if e.location().is_none() => YamlError::SecondDocument {
            origin: Origin {
                line: Some(line),
                ..Origin::new(file)
            },
        },
        _ => YamlError::syntax(file, &e),
    })?;
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
            // At the first complex key below the mapping: its own path can't be written.
            origin: Origin {
                line: self.lines.complex_key(path).or_else(|| self.lines.find(path, 0)),
                ..self.origin(path)
            },
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
mod docker_map_tests;
#[cfg(test)]
mod tests;
