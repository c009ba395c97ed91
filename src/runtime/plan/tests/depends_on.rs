//! `depends_on`: start order and waits by condition, one-shot dependencies, restarts, stop order.

use super::*;

/// api depends on db (healthy), migrate (completed) and cache (started, restart); no links, so
/// no bindings. All on one network of the map (the fixture's Engine has no default bridge).
const MAP: &str = r#"
api:
  image: api
  networks: app
  exec_commands: [[["echo", "again"], null, restart]]
  depends_on:
    db: {condition: service_healthy}
    migrate: {condition: service_completed_successfully}
    cache: {restart: true}
    absent: {required: false}
db:
  image: db
  networks: app
cache:
  image: cache
  networks: app
  healthcheck: {test: ["CMD", "true"]}
migrate:
  image: migrate
  networks: app
networks:
  app: {}
"#;

fn gated() -> Desired {
    let map = crate::yaml::load_map("g.yaml", MAP, None, &|_| None).expect("map loads");
    let checked = crate::model::check(&map).expect("map checks");
    Desired::build(&[checked], Path::new("/"), "default", &ClientConfig::default()).expect("desired")
}

#[test]
fn a_container_starts_once_each_dependency_meets_its_condition() {
    let d = gated();
    let p = run(
        Action::Startup,
        &["g.api"],
        &d,
        &Snapshot::default(),
        &Options::default(),
    );
    // healthy: a wait even though the map gives db no healthcheck (its image may)
    assert!(after(
        &p,
        "wait_healthy g.db: `g.api` waits for it",
        "start g.db: created"
    ));
    assert!(after(
        &p,
        "start g.api: created",
        "wait_healthy g.db: `g.api` waits for it"
    ));
    assert!(after(
        &p,
        "wait_completed g.migrate: `g.api` waits for it",
        "start g.migrate: created"
    ));
    assert!(after(
        &p,
        "start g.api: created",
        "wait_completed g.migrate: `g.api` waits for it"
    ));
    // started: no health wait though cache has a healthcheck
    assert!(after(&p, "start g.api: created", "start g.cache: created"));
    assert!(
        !lines(&p).iter().any(|l| l.starts_with("wait_healthy g.cache")),
        "{:#?}",
        lines(&p)
    );
    // the dependencies are involved as a link's would be; the absent optional one is no problem
    assert_eq!(d.containers.len(), 4);
}

#[test]
fn a_one_shot_that_completed_is_not_run_again_and_is_waited_for_at_once() {
    let d = gated();
    let mut s = converged(&d);
    s.containers.get_mut("g.migrate").expect("migrate").state = RunState::Exited { code: 0 };
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    assert!(lines(&p).is_empty(), "{:#?}", lines(&p));
    // one that failed runs again, and what waits for it waits again
    s.containers.get_mut("g.migrate").expect("migrate").state = RunState::Exited { code: 1 };
    s.containers.get_mut("g.api").expect("api").state = RunState::Exited { code: 0 };
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    assert!(after(
        &p,
        "start g.api: stopped (exit code 0)",
        "wait_completed g.migrate: `g.api` waits for it"
    ));
    assert!(after(
        &p,
        "wait_completed g.migrate: `g.api` waits for it",
        "start g.migrate: stopped (exit code 1)"
    ));
}

#[test]
fn restart_true_restarts_the_dependent_after_its_dependency_started_again() {
    let d = gated();
    let mut s = converged(&d);
    s.containers.get_mut("g.migrate").expect("migrate").state = RunState::Exited { code: 0 };
    s.containers.get_mut("g.cache").expect("cache").state = RunState::Exited { code: 137 };
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    let reason = "`g.cache` restarted (`depends_on` restart)";
    assert!(after(
        &p,
        &format!("stop g.api: {reason}"),
        "start g.cache: stopped (exit code 137)"
    ));
    assert!(after(
        &p,
        &format!("start g.api: {reason}"),
        &format!("stop g.api: {reason}")
    ));
    // its exec commands run after that start as after any other start dmap performs
    let exec = lines(&p)
        .into_iter()
        .find(|l| l.contains("g.api") && l.contains("after start"))
        .unwrap_or_else(|| panic!("no exec after the restart in {:#?}", lines(&p)));
    assert!(after(&p, &exec, &format!("start g.api: {reason}")));
    // without restart, a dependency started again leaves its dependents running
    s.containers.get_mut("g.cache").expect("cache").state = RunState::Running;
    s.containers.get_mut("g.db").expect("db").state = RunState::Exited { code: 0 };
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    assert!(!lines(&p).iter().any(|l| l.contains("g.api")), "{:#?}", lines(&p));
}

#[test]
fn dependents_stop_first_and_bindings_are_not_implied() {
    let d = gated();
    let s = converged(&d);
    let p = run(Action::Stop, &["g.db"], &d, &s, &Options::default());
    assert!(after(&p, "stop g.db: running", "stop g.api: running"));
    let p = run(Action::Shutdown, &all(&d), &d, &s, &Options::default());
    assert!(after(&p, "stop g.cache: running", "stop g.api: running"));
    // a recreated dependency does not recreate what depends on it (that is a binding's rule)
    let mut s = converged(&d);
    if let Some(spec) = s.containers.get_mut("g.db").and_then(|c| c.spec.as_mut()) {
        spec.image = "other".into();
    }
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    assert!(
        lines(&p).iter().any(|l| l.starts_with("recreate g.db")),
        "{:#?}",
        lines(&p)
    );
    assert!(!lines(&p).iter().any(|l| l.contains("g.api")), "{:#?}", lines(&p));
}

#[test]
fn an_unknown_required_dependency_is_a_check_error() {
    let map = crate::yaml::load_map(
        "x.yaml",
        "web: {image: w, depends_on: [db, cache.a]}\ncache: {image: c, instances: [b]}\n",
        None,
        &|_| None,
    )
    .expect("map loads");
    let problems = crate::model::check(&map).expect_err("unknown dependencies");
    let texts: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
    assert_eq!(
        texts,
        [
            "container `web` depends on `db`: unknown container `db` (`required: false` lets it be absent)",
            "container `web` depends on `cache.a`: container `cache` has no instance `a`",
        ]
    );
}
