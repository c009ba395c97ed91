//! Golden renderings: docker-map's own sample (with its quoting quirks fixed), every method and
//! property, and where each instruction was written.

use super::*;

fn at(line: usize) -> Trace {
    Trace::new(Origin::at("r.rhai", line, 1))
}

fn words(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// docker-map's verified sample, written the same way through dmap's API.
fn sample() -> DockerFile {
    let mut df = DockerFile::new(Some("ubuntu:20.04"), at(1));
    df.prefix("MAINTAINER", &words(&["ME, me@example.com"]), at(2))
        .unwrap();
    df.blank(at(2)).unwrap();
    df.run(&words(&["apt-get update"]), at(3)).unwrap();
    df.comment(Some("A comment"), at(4)).unwrap();
    df.comment(None, at(5)).unwrap();
    df.blank(at(6)).unwrap();
    df.run(&words(&["apt-get", "-y", "upgrade"]), at(7)).unwrap();
    df.run_all(&[words(&["a"]), words(&["b", "c"]), vec![], words(&["d"])], at(8))
        .unwrap();
    df.run_join(&words(&["x", "y", "z"]), at(9)).unwrap();
    df.prefix("ENV", &words(&["A", "1"]), at(10)).unwrap();
    df.add_file(
        "/etc/app/my config.yaml",
        Some("/etc/app/my config.yaml"),
        None,
        true,
        PathBuf::from("."),
        at(11),
    )
    .unwrap();
    df.add_file(
        "some/probe",
        None,
        Some("ctxdir"),
        false,
        PathBuf::from("."),
        at(12),
    )
    .unwrap();
    df.set(
        "volumes",
        &Value::List(vec![Value::str("/data"), Value::str("/logs")]),
        at(13),
    )
    .unwrap();
    df.add_volume("/more", at(14)).unwrap();
    df.set("user", &Value::str("app"), at(15)).unwrap();
    df.set("workdir", &Value::str("/srv"), at(16)).unwrap();
    df.set(
        "shell",
        &Value::List(vec![Value::str("/bin/bash"), Value::str("-c")]),
        at(17),
    )
    .unwrap();
    df.set("entrypoint", &Value::str("/usr/bin/tini --"), at(18))
        .unwrap();
    df.set(
        "command",
        &Value::List(vec![Value::str("python"), Value::str("app.py"), Value::Int(8000)]),
        at(19),
    )
    .unwrap();
    df.set(
        "expose",
        &Value::List(vec![Value::Int(80), Value::str("443/tcp")]),
        at(20),
    )
    .unwrap();
    df.set(
        "labels",
        &Value::map([
            ("maintainer", Value::str("me")),
            ("desc", Value::str("line1\nline2")),
        ]),
        at(21),
    )
    .unwrap();
    df.set("stopsignal", &Value::str("SIGINT"), at(22)).unwrap();
    df.set(
        "healthcheck",
        &Value::str("CMD curl -f http://localhost/ || exit 1"),
        at(23),
    )
    .unwrap();
    df
}

#[test]
fn docker_maps_sample_renders_as_docker_map_does_minus_its_quirks() {
    // Differences from docker-map's output: labels in key order (docker-map: dict order), and
    // `shell` given as a list renders as JSON.
    let expected = r#"FROM ubuntu:20.04

MAINTAINER ME, me@example.com

RUN apt-get update
# A comment
#

RUN apt-get -y upgrade
RUN a
RUN b c

RUN d
RUN x && y && z
ENV A 1
ADD /etc/app/my\ config.yaml /etc/app/my\ config.yaml
ADD ctxdir probe
RUN rm -Rf /etc/app/my\ config.yaml

VOLUME ["/data", "/logs", "/more"]
USER app
WORKDIR /srv
SHELL ["/bin/bash", "-c"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["python", "app.py", "8000"]
EXPOSE 80 443/tcp
LABEL "desc"="line1\
line2" "maintainer"="me"
STOPSIGNAL SIGINT
HEALTHCHECK CMD curl -f http://localhost/ || exit 1
"#;
    assert_eq!(sample().render().unwrap().text, expected);
}

#[test]
fn every_instruction_knows_where_it_was_written() {
    let rendered = sample().render().unwrap();
    let lines: Vec<(String, Option<usize>)> = rendered
        .instructions
        .iter()
        .map(|i| (i.text.clone(), i.trace.at.line))
        .collect();
    assert_eq!(lines[0], ("FROM ubuntu:20.04".to_string(), Some(1)));
    assert_eq!(lines[2], ("RUN apt-get update".to_string(), Some(3)));
    assert!(lines.contains(&("RUN b c".to_string(), Some(8))));
    // the removal of a `remove_final` target belongs to the add_file that asked for it
    assert!(lines.contains(&("RUN rm -Rf /etc/app/my\\ config.yaml".to_string(), Some(11))));
    assert!(lines.contains(&("VOLUME [\"/data\", \"/logs\", \"/more\"]".to_string(), Some(14))));
    assert!(lines.contains(&("CMD [\"python\", \"app.py\", \"8000\"]".to_string(), Some(19))));
    // a label value on two lines is one instruction
    let label = lines.iter().position(|(t, _)| t.starts_with("LABEL")).unwrap();
    assert_eq!(lines[label + 1].0, "STOPSIGNAL SIGINT");
    // comments and blank lines are no instructions: step N of a build is instruction N
    assert_eq!(rendered.instructions.len(), 22);
}

#[test]
fn a_base_less_dockerfile_and_the_empty_one() {
    assert_eq!(
        DockerFile::new(Some("tianon/true:latest"), at(1))
            .render()
            .unwrap()
            .text,
        "FROM tianon/true:latest\n\n"
    );
    assert_eq!(DockerFile::new(None, at(1)).render().unwrap().text, "\n");
}

#[test]
fn shell_form_commands_and_quoting() {
    let mut df = DockerFile::new(Some("x"), at(1));
    df.set("command_shell", &Value::Bool(true), at(2)).unwrap();
    df.set(
        "command",
        &Value::List(vec![Value::str("a"), Value::str("b")]),
        at(3),
    )
    .unwrap();
    df.set("shell", &Value::str("/bin/sh -c"), at(4)).unwrap();
    let text = df.render().unwrap().text;
    assert!(text.contains("CMD a b\n"), "{text}");
    assert!(text.contains("SHELL [\"/bin/sh\", \"-c\"]\n"), "{text}");
    let mut df = DockerFile::new(Some("x"), at(1));
    df.set("command", &Value::str(r#"/bin/sh -c "echo hi""#), at(2))
        .unwrap();
    assert!(df
        .render()
        .unwrap()
        .text
        .contains(r#"CMD ["/bin/sh", "-c", "echo hi"]"#));
    // a command a shell can't split is refused where it is set
    let err = df
        .set("entrypoint", &Value::str("sh -c 'oops"), at(3))
        .unwrap_err();
    assert!(err.to_string().contains("unterminated single quote"), "{err}");
}

#[test]
fn paths_with_spaces_and_context_paths() {
    let mut df = DockerFile::new(Some("x"), at(1));
    let ctx = df
        .add_file(
            "./My Files/conf dir/",
            None,
            None,
            false,
            PathBuf::from("/r"),
            at(2),
        )
        .unwrap();
    assert_eq!(ctx, "conf dir");
    let ctx = df
        .add_file(
            "src",
            Some("/srv/my app"),
            Some("/build/my app"),
            false,
            PathBuf::from("/r"),
            at(3),
        )
        .unwrap();
    assert_eq!(
        ctx, "build/my app",
        "the tar member has no leading `/` and no escapes"
    );
    let name = df
        .add_archive("vendor/deps 1.tar.gz", PathBuf::from("/r"), at(4))
        .unwrap();
    assert_eq!(name, "deps 1.tar.gz");
    let text = df.render().unwrap().text;
    assert!(text.contains("ADD conf\\ dir conf\\ dir\n"), "{text}");
    assert!(text.contains("ADD /build/my\\ app /srv/my\\ app\n"), "{text}");
    assert!(text.contains("ADD deps\\ 1.tar.gz /\n"), "{text}");
    assert_eq!(df.files()[0].source, "./My Files/conf dir/");
    assert_eq!(df.files()[0].base_dir, PathBuf::from("/r"));
    // two sources at one context path, or one outside the context, are errors
    assert!(df
        .add_file("other/conf dir", None, None, false, PathBuf::new(), at(5))
        .is_err());
    assert!(df
        .add_file("a", None, Some("../x"), false, PathBuf::new(), at(6))
        .is_err());
}

#[test]
fn writing_after_finalize_names_the_call() {
    let mut df = DockerFile::new(Some("x"), at(1));
    df.finalize("save", at(2));
    let err = df.run(&words(&["true"]), at(3)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "can't `run`: the DockerFile is finalized (by `save` at r.rhai:2:1), nothing can be written to it any more"
    );
    assert!(df.set("user", &Value::str("app"), at(4)).is_err());
    assert!(df.add_volume("/data", at(5)).is_err());
    // rendering is still possible, and finalizing again changes nothing
    df.finalize("build", at(6));
    assert!(df.render().is_ok());
}

#[test]
fn properties_read_back_and_unknown_ones_are_named() {
    let mut df = DockerFile::new(Some("x"), at(1));
    df.set("expose", &Value::Int(80), at(2)).unwrap();
    assert_eq!(df.get("expose"), Some(Value::Int(80)));
    assert_eq!(df.get("user"), Some(Value::Null));
    let err = df.set("comand", &Value::str("x"), at(3)).unwrap_err();
    assert!(err.to_string().contains("did you mean `command`?"), "{err}");
    assert!(df
        .set("expose", &Value::map([("a", Value::Int(1))]), at(4))
        .is_err());
}
