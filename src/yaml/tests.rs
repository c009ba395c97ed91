//! YAML maps: tags, merge keys, duplicate keys, key paths and lines.
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

#[test]
fn complex_keys_are_errors_at_their_line() {
    for (text, path, line) in [
        ("web:\n  image: x\n? [a, b]\n: {image: x}\n", None, Some(3)),
        ("web:\n  image: x\n[a, b]: {image: x}\n", None, Some(3)),
        ("web:\n  image: x\n  ? {a: 1}\n  : 2\n", Some("web"), Some(3)),
        // a flow mapping hides the key's line: the mapping's own
        ("web: {image: x, [a]: 1}\n", Some("web"), Some(1)),
    ] {
        let e = error(text);
        assert!(matches!(&e, YamlError::BadKey { .. }), "{text:?}: {e}");
        let origin = e.origin();
        assert_eq!(
            (origin.key_path.as_deref(), origin.line),
            (path, line),
            "{text:?}"
        );
    }
    assert_eq!(
        error("? [a, b]\n: 1\n").to_string(),
        "key must be a scalar, found a list (complex keys such as `? [a, b]` are not supported)"
    );
}

#[test]
fn a_second_document_is_an_error_at_its_start() {
    for (text, line) in [
        ("web:\n  image: x\n---\nweb2:\n  image: y\n", 3),
        ("# c\n---\nweb:\n  image: x\n--- # two\nweb2: {}\n", 5),
        ("--- {a: 1}\n---\nb: 2\n", 2),
        ("a: 1\n...\nb: 2\n", 3),
    ] {
        let e = error(text);
        assert!(matches!(&e, YamlError::SecondDocument { .. }), "{text:?}: {e}");
        assert_eq!(e.origin().line, Some(line), "{text:?}");
    }
    // one document, with its markers
    assert!(load("---\na: 1\n...\n").is_ok());
    assert!(load("%YAML 1.1\n---\na: 1\n").is_ok());
}

/// docker-map reads YAML 1.1 merge keys: a key written in the mapping overrides the merged
/// one, earlier merged mappings win over later ones; a key written twice is a duplicate, at
/// its second line, whether or not a merge is involved.
#[test]
fn merge_keys_and_duplicates() {
    let text = "base: &a\n  image: x\n  user: u\nweb:\n  <<: *a\n  image: y\n";
    let Value::Map(map) = root(text) else { panic!() };
    assert_eq!(
        map["web"],
        Value::map([("image", Value::str("y")), ("user", Value::str("u"))])
    );
    for (text, path, line) in [
        (
            "base: &a\n  image: x\nweb:\n  <<: *a\n  image: y\n  image: z\n",
            "web.image",
            6,
        ),
        (
            "base: &a\n  image: x\nweb:\n  image: y\n  <<: *a\n  image: z\n",
            "web.image",
            6,
        ),
        (
            "base: &a\n  image: x\n  image: y\nweb:\n  <<: *a\n",
            "base.image",
            3,
        ),
    ] {
        let e = error(text);
        assert!(matches!(&e, YamlError::DuplicateKey { .. }), "{text:?}: {e}");
        assert_eq!(
            (e.origin().key_path.as_deref(), e.origin().line),
            (Some(path), Some(line)),
            "{text:?}"
        );
    }
}
