//! Each action's decisions against made-up Engine states.

use super::*;

#[test]
fn startup_on_an_empty_engine_builds_everything_dependencies_first() {
    let d = desired();
    let p = run(
        Action::Startup,
        &["m.web"],
        &d,
        &Snapshot::default(),
        &Options::default(),
    );
    for image in ["web:latest", "app:latest", "db:latest"] {
        index(&p, &format!("pull {image}: absent"));
    }
    index(&p, "create_network m.backend: absent");
    index(&p, "create_volume m.app_socket: absent");
    index(&p, "prepare_volume m.app_socket: chown 2000:2000");
    assert!(after(
        &p,
        "create m.app.a: absent",
        "create_network m.backend: absent"
    ));
    assert!(after(
        &p,
        "create m.web: absent",
        "create_volume m.app_socket: absent"
    ));
    assert!(after(
        &p,
        "start m.app.a: created",
        "prepare_volume m.app_socket: chown 2000:2000"
    ));
    // app waits for db's healthcheck; web waits for both app instances to run
    assert!(after(
        &p,
        "start m.app.a: created",
        "wait_healthy m.db: `m.app.a` waits for it"
    ));
    assert!(after(
        &p,
        "wait_healthy m.db: `m.app.a` waits for it",
        "start m.db: created"
    ));
    assert!(after(&p, "start m.web: created", "start m.app.b: created"));
    // a new container runs its restart and initial commands
    assert_eq!(
        p.steps[index(&p, "exec m.web: after start")].kind,
        StepKind::ExecCommands {
            container: "m.web".into(),
            commands: vec![0, 1]
        }
    );
    // side is not a dependency of web
    assert!(!lines(&p).iter().any(|l| l.contains("m.side")));
}

#[test]
fn startup_and_update_of_a_converged_engine_do_nothing() {
    // docker-map re-created existing networks and re-pulled images on startup
    let d = desired();
    let s = converged(&d);
    for action in [Action::Create, Action::Startup, Action::Start, Action::Update] {
        let p = run(action.clone(), &all(&d), &d, &s, &Options::default());
        assert_eq!(lines(&p), Vec::<String>::new(), "{action:?}");
    }
}

#[test]
fn update_names_the_field_that_changed() {
    let d = desired();
    let mut s = converged(&d);
    let web = s
        .containers
        .get_mut("m.web")
        .and_then(|c| c.spec.as_mut())
        .expect("web");
    web.environment.insert("OLD".into(), "1".into());
    let p = run(Action::Update, &["m.web"], &d, &s, &Options::default());
    assert_eq!(
        lines(&p),
        [
            // side joins web's network namespace: it is recreated with it, targeted or not,
            // once web's recreation succeeded
            "recreate m.web: env `OLD` removed",
            "exec m.web: after start",
            "recreate m.side: `m.web` is recreated",
        ]
    );
    assert!(after(
        &p,
        "recreate m.side: `m.web` is recreated",
        "recreate m.web: env `OLD` removed",
    ));
    // web's recreation stops side (bound to it) before web, and starts it again on failure
    assert_eq!(
        p.steps[index(&p, "recreate m.web: env `OLD` removed")].kind,
        StepKind::ReplaceContainer {
            container: "m.web".into(),
            carry: vec![],
            start: true,
            wait: false,
            was_running: true,
            stop_first: vec!["m.side".into()],
        }
    );
}

#[test]
fn a_changed_image_recreates_and_so_do_containers_sharing_the_namespace() {
    let d = desired();
    let mut s = converged(&d);
    s.images
        .insert("web:latest".into(), "sha256:2222222222222222222222222222".into());
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    let l = lines(&p);
    assert!(
        l.contains(&"recreate m.web: image changed sha256:111111111111… → sha256:222222222222…".to_string()),
        "{l:#?}"
    );
    // side uses web's image too, and web's network namespace
    assert!(
        l.iter().any(|x| x.starts_with("recreate m.side: image changed")),
        "{l:#?}"
    );
    assert!(!l.iter().any(|x| x.contains("m.app.a")), "{l:#?}");
}

#[test]
fn recreating_a_dependency_recreates_its_namespace_and_volume_users_only() {
    let d = desired();
    let mut s = converged(&d);
    s.containers
        .get_mut("m.web")
        .and_then(|c| c.spec.as_mut())
        .expect("web")
        .environment
        .insert("X".into(), "1".into());
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    let l = lines(&p);
    assert!(
        l.contains(&"recreate m.side: `m.web` is recreated".to_string()),
        "{l:#?}"
    );
    assert!(after(
        &p,
        "recreate m.side: `m.web` is recreated",
        "recreate m.web: env `X` removed"
    ));
}

#[test]
fn changed_limits_update_in_place_compared_with_the_engine() {
    let d = desired();
    let mut s = converged(&d);
    let web = s.containers.get_mut("m.web").expect("web");
    let mut older = web.spec.clone().expect("spec");
    older
        .options
        .insert("mem_limit".into(), crate::model::Value::str("32m"));
    web.host_config = engine_limits(&older);
    web.spec = Some(older);
    let p = run(Action::Update, &["m.web"], &d, &s, &Options::default());
    assert_eq!(lines(&p), ["update m.web: `mem_limit` 32m → 64m"]);
    // After `docker update` the recorded spec still says 32m, but the Engine has 64m: settled.
    let web = s.containers.get_mut("m.web").expect("web");
    web.host_config = engine_limits(&d.containers.iter().find(|c| c.name == "m.web").expect("web").spec);
    let p = run(Action::Update, &["m.web"], &d, &s, &Options::default());
    assert_eq!(lines(&p), Vec::<String>::new());
}

#[test]
fn a_removed_container_is_created_again_and_a_stopped_one_started() {
    let d = desired();
    let mut s = converged(&d);
    s.containers.remove("m.app.a");
    s.containers.get_mut("m.app.b").expect("app.b").state = RunState::Exited { code: 137 };
    let p = run(
        Action::Update,
        &["m.app.a", "m.app.b"],
        &d,
        &s,
        &Options::default(),
    );
    assert_eq!(
        lines(&p),
        [
            // web links app.a, side joins web's namespace: bound to a new container, both are
            // recreated in the same run, though only app.a and app.b are targeted
            "prepare_volume m.app_socket: chown 2000:2000",
            "create m.app.a: absent",
            "wait_healthy m.db: `m.app.a` waits for it",
            "start m.app.a: created",
            "start m.app.b: stopped (exit code 137)",
            "recreate m.web: `m.app.a` is created",
            "exec m.web: after start",
            "recreate m.side: `m.web` is recreated",
        ]
    );
}

#[test]
fn persistent_containers_keep_their_image_and_are_started() {
    let d = desired();
    let mut s = converged(&d);
    s.images.insert("db:latest".into(), "sha256:3333333333333".into());
    s.containers.get_mut("m.db").expect("db").state = RunState::Exited { code: 0 };
    // persistence protects from recreation and removal, not from starting
    let p = run(Action::Update, &["m.db"], &d, &s, &Options::default());
    assert_eq!(lines(&p), ["start m.db: stopped (exit code 0)"]);
    let p = run(Action::Startup, &["m.app.a"], &d, &s, &Options::default());
    assert_eq!(lines(&p), ["start m.db: stopped (exit code 0)"]);
    let o = Options {
        update_persistent: true,
        ..Options::default()
    };
    let p = run(Action::Update, &["m.db"], &d, &s, &o);
    assert!(
        lines(&p)
            .iter()
            .any(|l| l.starts_with("recreate m.db: image changed")),
        "{:#?}",
        lines(&p)
    );
}

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
fn foreign_objects_are_left_alone_unless_adopted() {
    let d = desired();
    let mut s = converged(&d);
    s.containers.get_mut("m.web").expect("web").labels.clear();
    let err = plan(
        &Action::Update,
        &["m.web".to_string()],
        &d,
        &s,
        &Options::default(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        [PlanError::Foreign {
            kind: "container",
            name: "m.web".into(),
            map: "m".into()
        }]
    );
    assert!(err[0].to_string().contains("adopt: true"));
    let o = Options {
        adopt: true,
        ..Options::default()
    };
    let p = run(Action::Update, &["m.web"], &d, &s, &o);
    assert!(
        lines(&p).contains(&"recreate m.web: adopted".to_string()),
        "{:#?}",
        lines(&p)
    );
    // a foreign container on the map's network keeps the network and is named
    let mut s = converged(&d);
    s.networks
        .get_mut("m.backend")
        .expect("net")
        .containers
        .push("intruder".into());
    let err = plan(&Action::Shutdown, &all(&d), &d, &s, &Options::default()).unwrap_err();
    assert_eq!(
        err,
        [PlanError::ForeignAttached {
            network: "m.backend".into(),
            container: "intruder".into()
        }]
    );
}

#[test]
fn orphans_are_reported_and_removed_only_when_asked() {
    let d = desired();
    let mut s = converged(&d);
    let mut orphan = s.containers["m.side"].clone();
    orphan.name = "m.gone".into();
    s.containers.insert("m.gone".into(), orphan);
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    assert!(p.steps.is_empty());
    assert_eq!(p.notes.len(), 1);
    assert!(p.notes[0].contains("`m.gone`") && p.notes[0].contains("remove_orphans"));
    let o = Options {
        remove_orphans: true,
        ..Options::default()
    };
    let p = run(Action::Update, &all(&d), &d, &s, &o);
    assert_eq!(lines(&p), ["stop m.gone: orphan", "remove m.gone: orphan"]);
    // Removed before anything starts: it may hold a port a new container needs.
    s.containers.remove("m.app.a");
    let p = run(Action::Update, &all(&d), &d, &s, &o);
    let remove = p
        .steps
        .iter()
        .position(|st| st.to_string() == "remove m.gone: orphan")
        .expect("removal");
    let start = p
        .steps
        .iter()
        .find(|st| st.to_string().starts_with("start m.app.a"))
        .expect("start");
    assert!(start.deps.contains(&remove), "{:?}", lines(&p));
}

#[test]
fn a_changed_volume_driver_is_reported_not_acted_on() {
    let d = desired();
    let mut s = converged(&d);
    s.volumes.get_mut("m.app_socket").expect("volume").driver = "nfs".into();
    s.containers.remove("m.app.a");
    let p = run(Action::Update, &["m.app.a"], &d, &s, &Options::default());
    assert!(!lines(&p)
        .iter()
        .any(|l| l.contains("_volume m.app_socket: absent") || l.starts_with("remove_volume")));
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("`m.app_socket`") && n.contains("recreate_volumes")),
        "{:?}",
        p.notes
    );
}

#[test]
fn start_restart_signal_and_pull() {
    let d = desired();
    let mut s = converged(&d);
    let err = plan(
        &Action::Start,
        &["m.web".to_string()],
        &d,
        &Snapshot::default(),
        &Options::default(),
    )
    .unwrap_err();
    assert!(err.contains(&PlanError::Absent { name: "m.web".into() }));
    s.containers.get_mut("m.web").expect("web").state = RunState::Created;
    let p = run(Action::Start, &["m.web"], &d, &s, &Options::default());
    assert_eq!(
        lines(&p),
        ["start m.web: never started", "exec m.web: after start"]
    );
    let p = run(
        Action::Restart,
        &["m.app.a"],
        &d,
        &converged(&d),
        &Options::default(),
    );
    assert_eq!(lines(&p), ["stop m.app.a: restart", "start m.app.a: restart"]);
    let p = run(
        Action::Restart,
        &["m.web"],
        &d,
        &converged(&d),
        &Options::default(),
    );
    assert_eq!(
        p.steps[2].kind,
        StepKind::ExecCommands {
            container: "m.web".into(),
            commands: vec![0]
        }
    );
    let p = run(
        Action::Signal("SIGHUP".into()),
        &["m.web", "m.app.a"],
        &d,
        &converged(&d),
        &Options::default(),
    );
    assert_eq!(
        lines(&p),
        ["signal m.app.a: send SIGHUP", "signal m.web: send SIGHUP"]
    );
    let o = Options {
        pull_all_images: false,
        ..Options::default()
    };
    let p = run(Action::PullImages, &["m.web"], &d, &converged(&d), &o);
    assert!(p.steps.is_empty());
    let p = run(
        Action::PullImages,
        &["m.web"],
        &d,
        &converged(&d),
        &Options::default(),
    );
    assert!(lines(&p).contains(&"pull web:latest: pull_all_images".to_string()));
}

#[test]
fn missing_network_is_connected_in_place() {
    let d = desired();
    let mut s = converged(&d);
    s.containers.get_mut("m.app.a").expect("app.a").networks.clear();
    let p = run(Action::Update, &["m.app.a"], &d, &s, &Options::default());
    assert_eq!(lines(&p), ["connect m.app.a m.backend: not connected"]);
}

#[test]
fn forced_updates_and_anonymous_volumes_carry_over() {
    let yaml = "svc: {image: x, shares: /cache}\n";
    let map = crate::yaml::load_map("n.yaml", yaml, None, &|_| None).expect("loads");
    let checked = crate::model::check(&map).expect("checks");
    let d = Desired::build(&[checked], Path::new("/"), "default", &ClientConfig::default()).expect("desired");
    let s = converged(&d);
    let o = Options {
        force_update: ["n.svc".to_string()].into(),
        ..Options::default()
    };
    let p = run(Action::Update, &["n.svc"], &d, &s, &o);
    let create = &p.steps[index(&p, "recreate n.svc: forced")];
    assert_eq!(
        create.kind,
        StepKind::ReplaceContainer {
            container: "n.svc".into(),
            carry: vec![("/cache".into(), format!("{:064x}", 6))],
            start: true,
            wait: false,
            was_running: true,
            stop_first: vec![],
        }
    );
}

#[test]
fn recreate_volumes_recreates_the_volume_and_every_container_using_it() {
    let d = desired();
    let mut s = converged(&d);
    s.volumes.get_mut("m.app_socket").expect("volume").driver = "nfs".into();
    let o = Options {
        recreate_volumes: true,
        ..Options::default()
    };
    let p = run(Action::Update, &all(&d), &d, &s, &o);
    let l = lines(&p);
    let rm = l
        .iter()
        .find(|x| x.starts_with("remove_volume m.app_socket: recreate_volumes"))
        .expect("removal")
        .clone();
    let cr = l
        .iter()
        .find(|x| x.starts_with("create_volume m.app_socket: recreate_volumes"))
        .expect("creation")
        .clone();
    for user in ["m.web", "m.app.a", "m.app.b"] {
        let removed = format!("remove {user}: recreate: volume `m.app_socket` is recreated");
        let created = format!("create {user}: recreate: volume `m.app_socket` is recreated");
        assert!(after(&p, &rm, &removed), "{user}: {l:#?}");
        assert!(after(&p, &created, &cr), "{user}: {l:#?}");
    }
    // side uses web's namespace, so it follows web, and is torn down first with it: it can't
    // outlive web's removal
    assert!(
        after(
            &p,
            "stop m.web: recreate: volume `m.app_socket` is recreated",
            "stop m.side: recreate: `m.web` is recreated"
        ),
        "{l:#?}"
    );
    assert!(
        l.contains(&"create m.side: recreate: `m.web` is recreated".to_string()),
        "{l:#?}"
    );
    assert!(
        !l.iter()
            .any(|x| x.starts_with("remove m.db") || x.starts_with("create m.db")),
        "{l:#?}"
    );
    // a container outside the update still using it stops the plan
    let err = plan(&Action::Update, &["m.app.a".to_string()], &d, &s, &o).unwrap_err();
    assert!(
        err.iter()
            .any(|e| matches!(e, PlanError::VolumeInUse { volume, .. } if volume == "m.app_socket")),
        "{err:?}"
    );
}

#[test]
fn a_changed_network_is_recreated_and_its_containers_reconnected() {
    let d = desired();
    let mut s = converged(&d);
    s.networks.get_mut("m.backend").expect("network").driver = "macvlan".into();
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    let l = lines(&p);
    let removed = "remove_network m.backend: changed: driver `macvlan` → `bridge`";
    let created = "create_network m.backend: changed: driver `macvlan` → `bridge`";
    for member in ["m.app.a", "m.app.b"] {
        assert!(
            after(
                &p,
                removed,
                &format!("disconnect {member} m.backend: network is recreated (driver `macvlan` → `bridge`)")
            ),
            "{l:#?}"
        );
        assert!(
            after(
                &p,
                &format!("connect {member} m.backend: network recreated"),
                created
            ),
            "{l:#?}"
        );
    }
    assert!(
        !l.iter()
            .any(|x| x.starts_with("create m.") || x.starts_with("stop m.")),
        "containers stay: {l:#?}"
    );
}

#[test]
fn wait_waits_for_what_is_not_healthy_and_for_what_starts() {
    let d = desired();
    let mut s = converged(&d);
    let o = Options {
        wait: true,
        ..Options::default()
    };
    // db (healthcheck) runs but is still starting: waited for; the rest has no healthcheck
    s.containers.get_mut("m.db").expect("db").health = Some("starting".into());
    let l = lines(&run(Action::Update, &all(&d), &d, &s, &o));
    assert_eq!(l, ["wait_healthy m.db: --wait"], "{l:#?}");
    // healthy: nothing to do
    s.containers.get_mut("m.db").expect("db").health = Some("healthy".into());
    assert_eq!(
        lines(&run(Action::Update, &all(&d), &d, &s, &o)),
        Vec::<String>::new()
    );
    // started in this run: waited for after its start
    let p = run(Action::Startup, &all(&d), &d, &Snapshot::default(), &o);
    assert!(
        after(
            &p,
            "wait_healthy m.db: `m.app.a` waits for it",
            "start m.db: created"
        ),
        "{:#?}",
        lines(&p)
    );
}

#[test]
fn a_paused_container_is_seen_and_unpaused_by_what_brings_it_up() {
    let d = desired();
    let mut s = converged(&d);
    s.containers.get_mut("m.db").expect("db").state = RunState::Paused;
    for action in [Action::Update, Action::Startup, Action::Start] {
        let p = run(action.clone(), &["m.db"], &d, &s, &Options::default());
        assert_eq!(lines(&p), ["unpause m.db: paused"], "{action:?}");
    }
    // Paused counts as running for what takes it down: it is stopped first.
    let p = run(Action::Shutdown, &["m.db"], &d, &s, &Options::default());
    assert!(
        lines(&p).iter().any(|l| l.starts_with("stop m.db")),
        "{:#?}",
        lines(&p)
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

#[test]
fn a_recreated_dependency_stops_its_recreated_dependents_with_it() {
    // web uses the volume db attaches: it depends on db without being bound to it. Both change:
    // db's recreation stops web too (at once, neither is bound to the other), and web's
    // recreation follows db's; a failure of db's starts the old web again
    let yaml = "db: {image: x, attaches: data}\nweb: {image: x, uses: data}\nvolumes: {data: /data}\n";
    let map = crate::yaml::load_map("n.yaml", yaml, None, &|_| None).expect("loads");
    let checked = crate::model::check(&map).expect("checks");
    let d = Desired::build(&[checked], Path::new("/"), "default", &ClientConfig::default()).expect("desired");
    let s = converged(&d);
    let o = Options {
        force_update: ["n.db".to_string(), "n.web".to_string()].into(),
        ..Options::default()
    };
    let p = run(Action::Update, &all(&d), &d, &s, &o);
    assert_eq!(lines(&p), ["recreate n.db: forced", "recreate n.web: forced"]);
    assert!(after(&p, "recreate n.web: forced", "recreate n.db: forced"));
    assert!(matches!(
        &p.steps[0].kind,
        StepKind::ReplaceContainer { stop_first, was_running: true, .. } if *stop_first == ["n.web"]
    ));
    // only the dependency changes: the dependent keeps running
    let o = Options {
        force_update: ["n.db".to_string()].into(),
        ..Options::default()
    };
    let p = run(Action::Update, &all(&d), &d, &s, &o);
    assert!(
        !lines(&p).iter().any(|l| l.contains("n.web: forced")),
        "{:#?}",
        lines(&p)
    );
    assert!(matches!(
        &p.steps[0].kind,
        StepKind::ReplaceContainer { stop_first, .. } if stop_first.is_empty()
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
