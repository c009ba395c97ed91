//! Containers the caller runs once (`dmap job`, `script`), and containers a scale left over.

use super::*;
use crate::runtime::plan::{Existing, RunOnce};

/// `api` depends on db (healthy) and uses its image; `worker` has numbered instances.
const MAP: &str = r#"
api:
  image: api
  networks: app
  depends_on:
    db: {condition: service_healthy}
db:
  image: db
  networks: app
worker:
  image: api
  instances: ["1", "2"]
  networks: app
networks:
  app: {}
"#;

fn desired() -> Desired {
    let map = crate::yaml::load_map("o.yaml", MAP, None, &|_| None).expect("map loads");
    let checked = crate::model::check(&map).expect("map checks");
    Desired::build(&[checked], Path::new("/"), "default", &ClientConfig::default()).expect("desired")
}

fn once(existing: Existing) -> Options {
    Options {
        run_once: Some(RunOnce {
            containers: ["o.api".to_string()].into(),
            existing,
            dependencies: true,
        }),
        ..Options::default()
    }
}

#[test]
fn what_a_container_run_once_needs_is_brought_up_and_waited_for_but_not_the_container() {
    let d = desired();
    let p = run(
        Action::Startup,
        &["o.api"],
        &d,
        &Snapshot::default(),
        &once(Existing::Keep),
    );
    assert_eq!(
        lines(&p),
        [
            "pull db:latest: absent",
            "create_network o.app: absent",
            "create o.db: absent",
            "start o.db: created",
            "pull api:latest: absent",
            "wait_healthy o.db: `o.api` waits for it",
        ]
    );
    // Its own container, if it exists, is left as it is (a job has a name of its own).
    let mut s = converged(&d);
    s.containers.get_mut("o.db").expect("db").state = RunState::Exited { code: 0 };
    let p = run(Action::Startup, &["o.api"], &d, &s, &once(Existing::Keep));
    assert_eq!(
        lines(&p),
        [
            "start o.db: stopped (exit code 0)",
            "wait_healthy o.db: `o.api` waits for it"
        ]
    );
}

#[test]
fn without_its_dependencies_only_its_image_and_networks_are_brought_up() {
    let d = desired();
    let mut o = once(Existing::Keep);
    if let Some(r) = o.run_once.as_mut() {
        r.dependencies = false;
    }
    let p = run(Action::Startup, &["o.api"], &d, &Snapshot::default(), &o);
    assert_eq!(
        lines(&p),
        ["pull api:latest: absent", "create_network o.app: absent"]
    );
}

#[test]
fn a_script_refuses_or_removes_the_container_of_its_name() {
    let d = desired();
    let s = converged(&d);
    let refused = plan(
        &Action::Startup,
        &["o.api".into()],
        &d,
        &s,
        &once(Existing::Refuse),
    );
    assert_eq!(refused, Err(vec![PlanError::Existed { name: "o.api".into() }]));
    let p = run(Action::Startup, &["o.api"], &d, &s, &once(Existing::Remove));
    assert!(after(
        &p,
        "remove o.api: remove_existing_before",
        "stop o.api: remove_existing_before"
    ));
    assert!(
        !lines(&p).iter().any(|l| l.starts_with("create o.api")),
        "{:#?}",
        lines(&p)
    );
}

#[test]
fn containers_a_scale_left_over_are_removed_and_named_instances_stay_orphans() {
    let d = desired();
    let mut s = converged(&d);
    let mut extra = |name: &str, config: &str, instance: Option<&str>| {
        let mut o = s.containers["o.worker.1"].clone();
        o.name = name.into();
        o.labels
            .insert(crate::runtime::labels::CONFIG.into(), config.into());
        match instance {
            Some(i) => o.labels.insert(crate::runtime::labels::INSTANCE.into(), i.into()),
            None => o.labels.remove(crate::runtime::labels::INSTANCE),
        };
        s.containers.insert(name.into(), o);
    };
    extra("o.worker.3", "worker", Some("3"));
    extra("o.worker", "worker", None);
    extra("o.worker.x", "worker", Some("x"));
    let p = run(
        Action::Update,
        &["o.worker.1", "o.worker.2"],
        &d,
        &s,
        &Options::default(),
    );
    for gone in ["o.worker.3", "o.worker"] {
        assert!(
            lines(&p).contains(&format!("remove {gone}: scaled down")),
            "{gone}: {:#?} {:#?}",
            lines(&p),
            p.notes
        );
    }
    assert!(
        !lines(&p).iter().any(|l| l.contains("o.worker.x")),
        "{:#?}",
        lines(&p)
    );
    assert!(
        p.notes.iter().any(|n| n.contains("`o.worker.x`")),
        "{:#?}",
        p.notes
    );
    // A configuration made abstract (scaled to 0) runs none: its containers go too.
    let map = crate::yaml::load_map(
        "o.yaml",
        &MAP.replace("worker:\n", "worker:\n  abstract: true\n"),
        None,
        &|_| None,
    )
    .expect("map loads");
    let checked = crate::model::check(&map).expect("map checks");
    let zero =
        Desired::build(&[checked], Path::new("/"), "default", &ClientConfig::default()).expect("desired");
    for i in ["1", "2"] {
        let o = s.containers.get_mut(&format!("o.worker.{i}")).expect("worker");
        o.labels
            .insert(crate::runtime::labels::CONFIG.into(), "worker".into());
    }
    let p = run(Action::Update, &["o.api", "o.db"], &zero, &s, &Options::default());
    for gone in ["o.worker.1", "o.worker.2", "o.worker.3", "o.worker", "o.worker.x"] {
        assert!(
            lines(&p).contains(&format!("remove {gone}: scaled down")),
            "{gone}: {:#?}",
            lines(&p)
        );
    }
    // Another configuration's update leaves them alone.
    let p = run(Action::Update, &["o.db"], &d, &s, &Options::default());
    assert!(
        !lines(&p).iter().any(|l| l.contains("scaled down")),
        "{:#?}",
        lines(&p)
    );
}
