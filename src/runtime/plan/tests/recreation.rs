//! Recreation: why a container is recreated, what is recreated with it, and how (beside the old
//! one, or torn down first).

use super::*;

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
            stops: vec![vec!["m.side".into()], vec!["m.web".into()]],
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
            stops: vec![vec!["n.svc".into()]],
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
        StepKind::ReplaceContainer { stops, .. } if *stops == [vec!["n.web", "n.db"]]
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
        StepKind::ReplaceContainer { stops, .. } if *stops == [vec!["n.db"]]
    ));
}
