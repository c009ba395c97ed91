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
