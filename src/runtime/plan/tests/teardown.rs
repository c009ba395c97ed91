//! Stopping and removing: dependents first where they are bound, killed containers at once.

use super::*;

#[test]
fn stop_and_shutdown_go_dependents_first() {
    let d = desired();
    let s = converged(&d);
    let p = run(Action::Stop, &["m.db"], &d, &s, &Options::default());
    assert!(after(&p, "stop m.db: running", "stop m.app.a: running"));
    assert!(after(&p, "stop m.app.a: running", "stop m.web: running"));
    let p = run(Action::Shutdown, &all(&d), &d, &s, &Options::default());
    assert!(after(&p, "remove m.app.a: shutdown", "remove m.web: shutdown"));
    // the map's network goes with its last container; volumes stay
    assert!(after(
        &p,
        "remove_network m.backend: no containers left",
        "remove m.app.b: shutdown"
    ));
    assert!(!lines(&p).iter().any(|l| l.starts_with("remove_volume")));
    let o = Options {
        remove_attached: true,
        ..Options::default()
    };
    let p = run(Action::Shutdown, &all(&d), &d, &s, &o);
    assert!(after(
        &p,
        "remove_volume m.app_socket: remove_attached",
        "remove m.web: shutdown"
    ));
}

#[test]
fn shutdown_keeps_persistent_containers_when_asked_and_never_removes_running_ones_blindly() {
    // docker-map issued a bare REMOVE on a running persistent container
    let d = desired();
    let s = converged(&d);
    let o = Options {
        remove_persistent: false,
        ..Options::default()
    };
    let p = run(Action::Shutdown, &all(&d), &d, &s, &o);
    assert!(!lines(&p).iter().any(|l| l.contains("m.db")), "{:#?}", lines(&p));
    let err = plan(
        &Action::Remove,
        &["m.web".to_string()],
        &d,
        &s,
        &Options::default(),
    )
    .unwrap_err();
    // side shares web's namespace, so it goes first, and it runs too
    assert_eq!(
        err,
        [
            PlanError::Running {
                name: "m.side".into()
            },
            PlanError::Running { name: "m.web".into() }
        ]
    );
}

#[test]
fn stops_wait_only_for_dependents_bound_to_what_they_stop() {
    // `reader` mounts `writer`'s attached volume (no binding), `linker` links to `writer`,
    // `sidecar` shares its network namespace.
    let yaml = "
volumes: {data: /data}
writer: {image: x, attaches: data}
reader: {image: x, uses: data}
linker: {image: x, links: writer}
sidecar: {image: x, network_mode: writer}
";
    let map = crate::yaml::load_map("s.yaml", yaml, None, &|_| None).expect("loads");
    let checked = crate::model::check(&map).expect("checks");
    let d = Desired::build(&[checked], Path::new("/"), "default", &ClientConfig::default()).expect("desired");
    let s = converged(&d);
    let p = run(Action::Shutdown, &all(&d), &d, &s, &Options::default());
    assert!(after(&p, "stop s.writer: running", "stop s.linker: running"));
    assert!(after(&p, "stop s.writer: running", "stop s.sidecar: running"));
    assert!(!after(&p, "stop s.writer: running", "stop s.reader: running"));
    // Removals still go dependents first.
    assert!(after(
        &p,
        "remove s.writer: shutdown",
        "remove s.reader: shutdown"
    ));
}

/// The desired state of a YAML map named `s`.
fn desired_of(yaml: &str) -> Desired {
    let map = crate::yaml::load_map("s.yaml", yaml, None, &|_| None).expect("loads");
    let checked = crate::model::check(&map).expect("checks");
    Desired::build(&[checked], Path::new("/"), "default", &ClientConfig::default()).expect("desired")
}

#[test]
fn a_container_whose_stop_is_a_kill_is_removed_in_one_step_and_holds_up_nothing() {
    // A chain of links a <- b <- c, all killed (any spelling of SIGKILL), each with a volume:
    // `down --volumes` is one forced remove per container, all at once, then the volumes.
    let d = desired_of(
        "
volumes: {va: /a, vb: /b, vc: /c}
a: {image: x, attaches: va, stop_signal: SIGKILL}
b: {image: x, attaches: vb, links: a, stop_signal: kill}
c: {image: x, attaches: vc, links: b, stop_signal: 9}
",
    );
    let s = converged(&d);
    let o = Options {
        remove_attached: true,
        ..Options::default()
    };
    let p = run(Action::Shutdown, &all(&d), &d, &s, &o);
    let mut got = lines(&p);
    got.sort();
    assert_eq!(
        got,
        [
            "remove s.a: running, killed (stop signal SIGKILL)",
            "remove s.b: running, killed (stop signal SIGKILL)",
            "remove s.c: running, killed (stop signal SIGKILL)",
            "remove_volume s.va: remove_attached",
            "remove_volume s.vb: remove_attached",
            "remove_volume s.vc: remove_attached",
        ]
    );
    for (container, volume) in [("a", "va"), ("b", "vb"), ("c", "vc")] {
        let i = index(
            &p,
            &format!("remove s.{container}: running, killed (stop signal SIGKILL)"),
        );
        assert!(p.steps[i].deps.is_empty(), "{:#?}", lines(&p));
        assert!(after(
            &p,
            &format!("remove_volume s.{volume}: remove_attached"),
            &format!("remove s.{container}: running, killed (stop signal SIGKILL)")
        ));
    }
    // A plain stop kills them all at once too.
    let p = run(Action::Stop, &all(&d), &d, &s, &Options::default());
    assert_eq!(p.steps.len(), 3, "{:#?}", lines(&p));
    assert!(p.steps.iter().all(|s| s.deps.is_empty()), "{:#?}", lines(&p));
}

#[test]
fn a_killed_dependent_passes_on_what_its_own_graceful_dependents_need() {
    // a <- b <- c by links; b is killed, a and c stop gracefully: c may need b, and through it a,
    // while it shuts down, so both wait for c's stop; a does not wait for b's kill.
    let d = desired_of(
        "
a: {image: x}
b: {image: x, links: a, stop_signal: SIGKILL}
c: {image: x, links: b}
",
    );
    let s = converged(&d);
    let p = run(Action::Shutdown, &all(&d), &d, &s, &Options::default());
    let killed = "remove s.b: running, killed (stop signal SIGKILL)";
    assert!(after(&p, killed, "stop s.c: running"), "{:#?}", lines(&p));
    assert!(
        after(&p, "stop s.a: running", "stop s.c: running"),
        "{:#?}",
        lines(&p)
    );
    assert!(!after(&p, "stop s.a: running", killed), "{:#?}", lines(&p));
    assert!(
        !lines(&p).iter().any(|l| l.starts_with("stop s.b")),
        "{:#?}",
        lines(&p)
    );
    // Graceful containers are still removed after their dependents.
    assert!(after(&p, "remove s.a: shutdown", killed), "{:#?}", lines(&p));
    // A stopped container whose stop is a kill has nothing to kill: a plain remove.
    let mut s = s;
    s.containers.get_mut("s.b").expect("b").state = RunState::Exited { code: 137 };
    let p = run(Action::Shutdown, &all(&d), &d, &s, &Options::default());
    index(&p, "remove s.b: shutdown");
}
