//! Convergence that survives drift: bindings to recreated containers, stale bindings left on the
//! Engine, networks, persistent containers, adoption, volumes, orphans, helpers.

use super::*;

fn observed<'a>(s: &'a mut Snapshot, name: &str) -> &'a mut ObservedContainer {
    s.containers.get_mut(name).unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn a_forced_dependency_recreates_everything_bound_to_it_though_not_targeted() {
    let d = desired();
    let s = converged(&d);
    let o = Options {
        force_update: ["m.app.a".to_string()].into(),
        ..Options::default()
    };
    let p = run(Action::Update, &["m.app.a"], &d, &s, &o);
    let l = lines(&p);
    assert!(l.contains(&"recreate m.app.a: forced".to_string()), "{l:#?}");
    assert!(
        l.contains(&"recreate m.web: `m.app.a` is recreated".to_string()),
        "{l:#?}"
    );
    assert!(
        l.contains(&"recreate m.side: `m.web` is recreated".to_string()),
        "{l:#?}"
    );
    // dependents stop first (within app.a's recreation, which starts them again if it fails),
    // are recreated once what they bind to was, and run again
    assert!(matches!(
        &p.steps[index(&p, "recreate m.app.a: forced")].kind,
        StepKind::ReplaceContainer { stops, .. } if *stops == [vec!["m.side"], vec!["m.web"], vec!["m.app.a"]]
    ));
    assert!(after(
        &p,
        "recreate m.web: `m.app.a` is recreated",
        "recreate m.app.a: forced"
    ));
    assert!(after(
        &p,
        "recreate m.side: `m.web` is recreated",
        "recreate m.web: `m.app.a` is recreated"
    ));
    // app.b and db are not bound to app.a
    for other in ["m.app.b", "m.db"] {
        assert!(
            !l.iter().any(|x| x.starts_with(&format!("create {other}"))),
            "{l:#?}"
        );
    }
}

#[test]
fn startup_of_only_the_dependency_recreates_its_bound_dependents() {
    let d = desired();
    let mut s = converged(&d);
    s.containers.remove("m.web");
    // side is still there, in the namespace of a web that is gone
    let p = run(Action::Startup, &["m.web"], &d, &s, &Options::default());
    let l = lines(&p);
    assert!(l.contains(&"create m.web: absent".to_string()), "{l:#?}");
    assert!(
        l.contains(&"recreate m.side: `m.web` is created".to_string()),
        "{l:#?}"
    );
    assert!(matches!(
        &p.steps[index(&p, "recreate m.side: `m.web` is created")].kind,
        StepKind::ReplaceContainer { start: true, .. }
    ));
}

#[test]
fn a_stopped_bound_dependent_is_recreated_but_left_stopped() {
    let d = desired();
    let mut s = converged(&d);
    observed(&mut s, "m.side").state = RunState::Exited { code: 0 };
    let o = Options {
        force_update: ["m.web".to_string()].into(),
        ..Options::default()
    };
    let p = run(Action::Update, &["m.web"], &d, &s, &o);
    let l = lines(&p);
    assert!(
        l.contains(&"recreate m.side: `m.web` is recreated".to_string()),
        "{l:#?}"
    );
    assert!(matches!(
        &p.steps[index(&p, "recreate m.side: `m.web` is recreated")].kind,
        StepKind::ReplaceContainer { start: false, stops, .. } if stops.is_empty()
    ));
}

#[test]
fn stale_bindings_left_on_the_engine_are_repaired_by_the_next_update() {
    let d = desired();
    // web's namespace owner id is not the current web (a manual `docker rm` and re-create)
    let mut s = converged(&d);
    observed(&mut s, "m.side").host_config = serde_json::json!({"NetworkMode": "container:old-web-id"});
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    assert!(
        lines(&p).contains(
            &"recreate m.side: `m.web` was recreated after it joined its network namespace".to_string()
        ),
        "{:#?}",
        lines(&p)
    );
    // web was restarted after side started: side's namespace is gone
    let mut s = converged(&d);
    observed(&mut s, "m.side").host_config = serde_json::json!({"NetworkMode": "container:id-m.web"});
    observed(&mut s, "m.web").started_at = Some(5);
    let p = run(Action::Startup, &all(&d), &d, &s, &Options::default());
    assert!(
        lines(&p).contains(
            &"recreate m.side: `m.web` was restarted after it joined its network namespace".to_string()
        ),
        "{:#?}",
        lines(&p)
    );
    // app.a was created after web linked to it
    let mut s = converged(&d);
    observed(&mut s, "m.app.a").created = 7;
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    assert!(
        lines(&p).contains(&"recreate m.web: `m.app.a` was recreated after it linked to it".to_string()),
        "{:#?}",
        lines(&p)
    );
    // once repaired, nothing is stale
    let mut s = converged(&d);
    observed(&mut s, "m.side").host_config = serde_json::json!({"NetworkMode": "container:id-m.web"});
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    assert_eq!(lines(&p), Vec::<String>::new());
}

#[test]
fn a_stopped_namespace_owner_started_by_update_recreates_its_namespace_users() {
    let d = desired();
    let mut s = converged(&d);
    observed(&mut s, "m.web").state = RunState::Exited { code: 137 };
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    let l = lines(&p);
    assert!(
        l.contains(&"start m.web: stopped (exit code 137)".to_string()),
        "{l:#?}"
    );
    assert!(
        l.contains(&"recreate m.side: `m.web` is started and its network namespace is new".to_string()),
        "{l:#?}"
    );
    assert!(after(
        &p,
        "recreate m.side: `m.web` is started and its network namespace is new",
        "start m.web: stopped (exit code 137)"
    ));
}

#[test]
fn shutdown_keeping_persistent_containers_keeps_what_they_need() {
    let yaml = r#"
db: {image: db, persistent: true, links: cache, uses: files}
cache: {image: cache}
files: {image: files, shares: /files}
web: {image: web, links: db}
"#;
    let map = crate::yaml::load_map("k.yaml", yaml, None, &|_| None).expect("loads");
    let checked = crate::model::check(&map).expect("checks");
    let d = Desired::build(&[checked], Path::new("/"), "default", &ClientConfig::default()).expect("desired");
    let s = converged(&d);
    let o = Options {
        remove_persistent: false,
        ..Options::default()
    };
    let p = run(Action::Shutdown, &all(&d), &d, &s, &o);
    assert_eq!(lines(&p), ["stop k.web: running", "remove k.web: shutdown"]);
}

#[test]
fn remove_attached_removes_the_volumes_of_containers_already_gone() {
    let d = desired();
    let mut s = converged(&d);
    s.containers.clear();
    for n in s.networks.values_mut() {
        n.containers.clear();
    }
    let o = Options {
        remove_attached: true,
        ..Options::default()
    };
    let p = run(Action::Shutdown, &all(&d), &d, &s, &o);
    assert_eq!(
        lines(&p),
        [
            "remove_volume m.app_socket: remove_attached",
            "remove_network m.backend: no containers left"
        ]
    );
}

#[test]
fn a_recreated_network_reconnects_every_container_of_the_map_on_it() {
    let d = desired();
    let mut s = converged(&d);
    s.networks.get_mut("m.backend").expect("backend").driver = "macvlan".into();
    // only app.a is targeted; web, app.b and db are on the network too
    let p = run(Action::Update, &["m.db"], &d, &s, &Options::default());
    let l = lines(&p);
    for c in ["m.web", "m.app.a", "m.app.b", "m.db"] {
        let connect = format!("connect {c} m.backend: network recreated");
        assert!(l.contains(&connect), "{c}: {l:#?}");
        assert!(after(
            &p,
            &connect,
            "create_network m.backend: changed: driver `macvlan` → `bridge`"
        ));
    }
}

#[test]
fn a_container_whose_networks_became_empty_returns_to_the_default_bridge() {
    let yaml = "solo: {image: x}\nnetworks: {net: {}}\n";
    let map = crate::yaml::load_map("b.yaml", yaml, None, &|_| None).expect("loads");
    let checked = crate::model::check(&map).expect("checks");
    let d = Desired::build(&[checked], Path::new("/"), "default", &ClientConfig::default()).expect("desired");
    let mut s = converged(&d);
    observed(&mut s, "b.solo").networks = [("b.net".to_string(), ObservedEndpoint::default())].into();
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    assert_eq!(
        lines(&p),
        [
            "connect b.solo bridge: not connected",
            "disconnect b.solo b.net: back on the default bridge"
        ]
    );
}

#[test]
fn a_removed_alias_is_detected_and_the_engine_own_aliases_ignored() {
    let yaml = "svc: {image: x, networks: {backend: {aliases: [app, api]}}}\nnetworks: {backend: {}}\n";
    let map = crate::yaml::load_map("a.yaml", yaml, None, &|_| None).expect("loads");
    let checked = crate::model::check(&map).expect("checks");
    let d = Desired::build(&[checked], Path::new("/"), "default", &ClientConfig::default()).expect("desired");
    let mut s = converged(&d);
    let hostname = d.containers[0].spec.hostname.clone().expect("hostname");
    // what the Engine reports: the given aliases, plus the short id and the hostname
    let endpoint = |aliases: &[&str]| ObservedEndpoint {
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        ipv4_address: None,
    };
    let short = "id-a.svc";
    observed(&mut s, "a.svc").networks = [(
        "a.backend".to_string(),
        endpoint(&["app", "api", short, &hostname]),
    )]
    .into();
    assert_eq!(
        lines(&run(Action::Update, &all(&d), &d, &s, &Options::default())),
        Vec::<String>::new()
    );
    observed(&mut s, "a.svc").networks = [(
        "a.backend".to_string(),
        endpoint(&["app", "api", "old", short, &hostname]),
    )]
    .into();
    assert_eq!(
        lines(&run(Action::Update, &all(&d), &d, &s, &Options::default())),
        [
            "disconnect a.svc a.backend: aliases changed",
            "connect a.svc a.backend: aliases changed"
        ]
    );
}

#[test]
fn volume_driver_options_changed_or_removed_are_reported_both_ways() {
    let d = desired();
    let mut s = converged(&d);
    s.volumes.get_mut("m.app_socket").expect("volume").options =
        [("o".to_string(), "bind".to_string())].into();
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    assert!(p.steps.is_empty());
    assert_eq!(p.notes.len(), 1, "{:#?}", p.notes);
    assert!(
        p.notes[0].contains("`m.app_socket` has changed (driver `local` (o=bind) → `local` (no options))")
    );
}

#[test]
fn orphans_stay_within_the_targets_map_and_networks_go_after_them() {
    let yaml = "a: {image: x, networks: net}\nnetworks: {net: {}}\n";
    let map = crate::yaml::load_map("o.yaml", yaml, None, &|_| None).expect("loads");
    let other = crate::yaml::load_map("p.yaml", "b: {image: x}\n", None, &|_| None).expect("loads");
    let checked = crate::model::check_maps(&[&map, &other], None).expect("checks");
    let d = Desired::build(&checked, Path::new("/"), "default", &ClientConfig::default()).expect("desired");
    let mut s = converged(&d);
    let orphan = |name: &str, map: &str| ObservedContainer {
        id: format!("id-{name}"),
        name: name.into(),
        state: RunState::Running,
        labels: [(crate::runtime::labels::MAP.to_string(), map.to_string())].into(),
        ..ObservedContainer::default()
    };
    s.containers.insert("o.gone".into(), orphan("o.gone", "o"));
    s.containers.insert("p.gone".into(), orphan("p.gone", "p"));
    s.networks
        .get_mut("o.net")
        .expect("net")
        .containers
        .push("o.gone".into());
    let o = Options {
        remove_orphans: true,
        ..Options::default()
    };
    let p = run(Action::Shutdown, &["o.a"], &d, &s, &o);
    let l = lines(&p);
    assert!(l.contains(&"remove o.gone: orphan".to_string()), "{l:#?}");
    assert!(!l.iter().any(|x| x.contains("p.gone")), "{l:#?}");
    assert!(after(
        &p,
        "remove_network o.net: no containers left",
        "remove o.gone: orphan"
    ));
}

#[test]
fn adopted_volumes_need_no_adopt_later_and_foreign_ones_are_still_refused() {
    let d = desired();
    let mut s = converged(&d);
    s.volumes.get_mut("m.app_socket").expect("volume").labels.clear();
    let err = plan(&Action::Update, &all(&d), &d, &s, &Options::default()).expect_err("foreign");
    assert!(
        matches!(&err[0], PlanError::Foreign { kind: "volume", .. }),
        "{err:?}"
    );
    let o = Options {
        adopt: true,
        ..Options::default()
    };
    let p = run(Action::Update, &all(&d), &d, &s, &o);
    assert_eq!(lines(&p), ["adopt m.app_socket: adopt: true"]);
    s.volumes.get_mut("m.app_socket").expect("volume").adopted_by = Some("m".into());
    assert_eq!(
        lines(&run(Action::Update, &all(&d), &d, &s, &Options::default())),
        Vec::<String>::new()
    );
    // adopted by another map is still foreign
    s.volumes.get_mut("m.app_socket").expect("volume").adopted_by = Some("other".into());
    assert!(plan(&Action::Update, &all(&d), &d, &s, &Options::default()).is_err());
}

#[test]
fn helpers_left_by_an_interrupted_run_are_removed_before_preparing_again() {
    let d = desired();
    let mut s = converged(&d);
    s.containers.remove("m.app.a");
    let helper = ObservedContainer {
        name: "m.app.a.prepare.m.app_socket".into(),
        state: RunState::Running,
        labels: [
            (crate::runtime::labels::MAP.to_string(), "m".to_string()),
            (crate::runtime::labels::KIND.to_string(), "helper".to_string()),
        ]
        .into(),
        ..ObservedContainer::default()
    };
    s.containers.insert(helper.name.clone(), helper);
    let p = run(Action::Startup, &["m.app.a"], &d, &s, &Options::default());
    assert!(after(
        &p,
        "prepare_volume m.app_socket: chown 2000:2000",
        "remove_leftover m.app.a.prepare.m.app_socket: left by an interrupted run"
    ));
    // a helper is never an orphan
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    assert!(p.notes.is_empty(), "{:#?}", p.notes);
    // `down` removes it too, and `down --volumes` removes the volume it mounts only after it
    let mut mounted = s.containers["m.app.a.prepare.m.app_socket"].clone();
    let mut s = converged(&d);
    mounted.mounts.push(crate::runtime::snapshot::ObservedMount {
        target: "/socket".into(),
        kind: crate::runtime::spec::MountKind::Volume,
        source: "m.app_socket".into(),
    });
    s.containers.insert(mounted.name.clone(), mounted);
    let p = run(Action::Shutdown, &all(&d), &d, &s, &Options::default());
    assert!(
        lines(&p).contains(
            &"remove_leftover m.app.a.prepare.m.app_socket: left by an interrupted run".to_string()
        ),
        "{:#?}",
        lines(&p)
    );
    let o = Options {
        remove_attached: true,
        ..Options::default()
    };
    let p = run(Action::Shutdown, &all(&d), &d, &s, &o);
    assert!(after(
        &p,
        "remove_volume m.app_socket: remove_attached",
        "remove_leftover m.app.a.prepare.m.app_socket: left by an interrupted run"
    ));
    // `stop` leaves it for the next run that prepares or removes
    let p = run(Action::Stop, &all(&d), &d, &s, &Options::default());
    assert!(
        !lines(&p).iter().any(|l| l.starts_with("remove_leftover")),
        "{:#?}",
        lines(&p)
    );
}

#[test]
fn a_mac_address_needs_an_engine_that_honours_it() {
    let yaml = "svc: {image: x, create_options: {mac_address: '02:42:ac:11:00:99'}}\n";
    let map = crate::yaml::load_map("x.yaml", yaml, None, &|_| None).expect("loads");
    let checked = crate::model::check(&map).expect("checks");
    let d = Desired::build(&[checked], Path::new("/"), "default", &ClientConfig::default()).expect("desired");
    let mut s = Snapshot {
        api_version: (1, 41),
        ..Snapshot::default()
    };
    let err = plan(&Action::Startup, &all(&d), &d, &s, &Options::default()).expect_err("refused");
    assert_eq!(
        err[0].to_string(),
        "container `x.svc` sets `mac_address`, which the Engine honours from API 1.44 on; this Engine speaks API 1.41"
    );
    s.api_version = (1, 44);
    assert!(plan(&Action::Startup, &all(&d), &d, &s, &Options::default()).is_ok());
}

#[test]
fn remove_attached_also_removes_the_anonymous_volumes_of_removed_containers() {
    let yaml = "svc: {image: x, shares: /cache}\n";
    let map = crate::yaml::load_map("n.yaml", yaml, None, &|_| None).expect("loads");
    let checked = crate::model::check(&map).expect("checks");
    let d = Desired::build(&[checked], Path::new("/"), "default", &ClientConfig::default()).expect("desired");
    let s = converged(&d);
    let volume = format!("{:064x}", 6);
    let plain = run(Action::Shutdown, &all(&d), &d, &s, &Options::default());
    assert!(
        !lines(&plain).iter().any(|l| l.contains(&volume)),
        "kept unless asked"
    );
    let o = Options {
        remove_attached: true,
        ..Options::default()
    };
    let p = run(Action::Shutdown, &all(&d), &d, &s, &o);
    let line = format!("remove_volume {volume}: remove_attached (anonymous)");
    assert!(after(&p, &line, "remove n.svc: shutdown"), "{:#?}", lines(&p));
}

/// The new container of a recreation, under its temporary name, as a crash left it.
fn replacement_left(s: &mut Snapshot, name: &str) {
    let mut new = s.containers[name].clone();
    new.name = crate::runtime::translate::replacement_name(name);
    new.id = format!("id-{}", new.name);
    s.containers.insert(new.name.clone(), new);
}

#[test]
fn a_recreation_interrupted_before_the_old_container_was_removed_is_planned_again() {
    let d = desired();
    let mut s = converged(&d);
    replacement_left(&mut s, "m.db");
    // the new container goes (its carried volumes are the old one's), nothing else changes, and
    // it is no orphan
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    assert_eq!(
        lines(&p),
        ["remove_leftover m.db.dmap-new: left by an interrupted recreation"]
    );
    assert!(p.notes.is_empty(), "{:#?}", p.notes);
    // a recreation waits for it: it needs the temporary name
    let o = Options {
        force_update: ["m.db".to_string()].into(),
        ..Options::default()
    };
    let p = run(Action::Update, &["m.db"], &d, &s, &o);
    assert!(after(
        &p,
        "recreate m.db: forced",
        "remove_leftover m.db.dmap-new: left by an interrupted recreation"
    ));
    // `down` removes it with the rest
    let p = run(Action::Shutdown, &all(&d), &d, &s, &Options::default());
    assert!(
        lines(&p).contains(&"remove_leftover m.db.dmap-new: left by an interrupted recreation".to_string()),
        "{:#?}",
        lines(&p)
    );
}

#[test]
fn a_recreation_interrupted_after_the_old_container_was_removed_is_finished() {
    let d = desired();
    let mut s = converged(&d);
    replacement_left(&mut s, "m.db");
    s.containers.remove("m.db");
    for n in s.networks.values_mut() {
        for member in &mut n.containers {
            if member == "m.db" {
                *member = "m.db.dmap-new".into();
            }
        }
    }
    // it takes the old one's name (removing it would orphan the old one's anonymous volumes),
    // and is then what the map wants: nothing else happens
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    assert_eq!(
        lines(&p),
        ["rename m.db: left by an interrupted recreation, after the old container was removed"]
    );
    assert_eq!(
        p.steps[0].kind,
        StepKind::RenameContainer {
            container: "m.db".into(),
            from: "m.db.dmap-new".into()
        }
    );
    // `down` renames it first, then stops and removes it as m.db
    let p = run(Action::Shutdown, &all(&d), &d, &s, &Options::default());
    assert!(after(
        &p,
        "remove m.db: shutdown",
        "rename m.db: left by an interrupted recreation, after the old container was removed"
    ));
}

#[test]
fn a_container_bound_to_one_torn_down_first_is_torn_down_with_it() {
    // web is recreated and its network too: it can't run beside its replacement, so it is torn
    // down first, and so is side, which would otherwise run on in web's dead namespace
    let d = desired();
    let mut s = converged(&d);
    s.networks.get_mut("m.backend").expect("net").driver = "overlay".into();
    let o = Options {
        force_update: ["m.web".to_string()].into(),
        ..Options::default()
    };
    let p = run(Action::Update, &all(&d), &d, &s, &o);
    let l = lines(&p);
    assert!(after(
        &p,
        "remove_network m.backend: changed: driver `overlay` → `bridge`",
        "remove m.web: recreate: forced"
    ));
    assert!(after(
        &p,
        "stop m.web: recreate: forced",
        "stop m.side: recreate: `m.web` is recreated"
    ));
    assert!(
        l.contains(&"create m.side: recreate: `m.web` is recreated".to_string()),
        "{l:#?}"
    );
    assert!(!l.iter().any(|x| x.starts_with("recreate ")), "{l:#?}");
}
