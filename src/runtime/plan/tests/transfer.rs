//! Several Engines, one build: a client with `image_transfer: "copy"` copies a declared image it
//! lacks from a client that builds or holds it, instead of building it; the first copying client
//! builds it when no other does; what a client holds up to date is neither built nor copied.

use super::builds::{built_with, with_build, NEW, OLD};
use super::*;
use crate::runtime::plan::transfer::{plan_all, sources, Party};

/// One client of the action: its name, whether it copies, and what its Engine holds.
struct Client {
    name: &'static str,
    copies: bool,
    observed: Snapshot,
}

/// An Engine holding everything but image `app`, nothing running.
fn lacking(d: &Desired) -> Snapshot {
    let mut s = Snapshot::default();
    for image in d.images.iter().filter(|i| *i != "app:latest") {
        s.images.insert(image.clone(), IMAGE_ID.into());
    }
    s
}

/// Converged, `app` built from `digest`.
fn holding(d: &Desired, digest: &str) -> Snapshot {
    let mut s = converged(d);
    built_with(&mut s, digest);
    s
}

fn client(name: &'static str, copies: bool, observed: Snapshot) -> Client {
    Client {
        name,
        copies,
        observed,
    }
}

/// Each client's plan (the same maps everywhere, `app` declared from context NEW), in order.
fn plans(action: Action, clients: &[Client], options: &Options) -> Vec<Plan> {
    plans_with(action, clients, &with_build(NEW), options)
}

fn plans_with(action: Action, clients: &[Client], d: &Desired, options: &Options) -> Vec<Plan> {
    let parties: Vec<Party<'_>> = clients
        .iter()
        .map(|c| Party {
            client: c.name,
            copies: c.copies,
            engine: Some((d, &c.observed)),
        })
        .collect();
    let targets = all(d);
    plan_all(&action, &parties, options, |i, o| {
        plan(&action, &targets, d, &clients[i].observed, o)
    })
    .into_iter()
    .map(|p| p.unwrap_or_else(|e| panic!("plan fails: {e:?}")))
    .collect()
}

fn image_steps(p: &Plan) -> Vec<String> {
    lines(p)
        .into_iter()
        .filter(|l| l.starts_with("build ") || l.starts_with("copy "))
        .collect()
}

const CONTEXT_CHANGED: &str = "context changed (sha256:aaaaaaaaaaaa… → sha256:bbbbbbbbbbbb…)";

#[test]
fn a_copying_client_copies_what_another_builds_and_creates_after_the_copy() {
    let d = with_build(NEW);
    let p = plans(
        Action::Startup,
        &[
            client("main", false, lacking(&d)),
            client("edge", true, lacking(&d)),
        ],
        &Options::default(),
    );
    assert_eq!(image_steps(&p[0]), ["build app:latest: image `app`: absent"]);
    let copy = "copy app:latest: image `app`: absent; copied from `main`";
    assert_eq!(image_steps(&p[1]), [copy]);
    assert!(
        after(&p[1], "create m.app.a: absent", copy),
        "{:#?}",
        lines(&p[1])
    );
    assert!(
        p[1].steps.iter().any(|s| s.kind
            == StepKind::CopyImage {
                image: "app:latest".into(),
                from: "main".into()
            }
            && s.deps.is_empty()),
        "a copy waits for nothing on its own client"
    );
    // The client that builds is planned as it would be alone.
    assert_eq!(
        p[0],
        plans(
            Action::Startup,
            &[client("main", false, lacking(&d))],
            &Options::default()
        )[0]
    );
}

#[test]
fn an_image_held_up_to_date_is_neither_built_nor_copied() {
    let d = with_build(NEW);
    let p = plans(
        Action::Update,
        &[
            client("main", false, lacking(&d)),
            client("edge", true, holding(&d, NEW)),
        ],
        &Options::default(),
    );
    assert_eq!(image_steps(&p[0]), ["build app:latest: image `app`: absent"]);
    assert_eq!(lines(&p[1]), Vec::<String>::new());
}

#[test]
fn a_stale_image_is_copied_and_its_containers_recreated_after_the_copy() {
    let d = with_build(NEW);
    let p = plans(
        Action::Update,
        &[
            client("main", false, holding(&d, NEW)),
            client("edge", true, holding(&d, OLD)),
        ],
        &Options::default(),
    );
    assert_eq!(lines(&p[0]), Vec::<String>::new());
    let copy = format!("copy app:latest: image `app`: {CONTEXT_CHANGED}; copied from `main`");
    assert_eq!(image_steps(&p[1]), [copy.as_str()]);
    for inst in ["m.app.a", "m.app.b"] {
        let recreate = format!("recreate {inst}: image `app` copied");
        assert!(after(&p[1], &recreate, &copy), "{:#?}", lines(&p[1]));
    }
}

#[test]
fn when_every_client_copies_the_first_builds_and_the_others_copy_from_it() {
    let d = with_build(NEW);
    let p = plans(
        Action::Update,
        &[
            client("a", true, holding(&d, OLD)),
            client("b", true, lacking(&d)),
            client("c", true, holding(&d, OLD)),
        ],
        &Options::default(),
    );
    assert_eq!(
        image_steps(&p[0]),
        [format!("build app:latest: image `app`: {CONTEXT_CHANGED}")]
    );
    assert_eq!(
        image_steps(&p[1]),
        ["copy app:latest: image `app`: absent; copied from `a`"]
    );
    assert_eq!(
        image_steps(&p[2]),
        [format!(
            "copy app:latest: image `app`: {CONTEXT_CHANGED}; copied from `a`"
        )]
    );
    assert!(lines(&p[0]).contains(&"recreate m.app.a: image `app` rebuilt".to_string()));
}

#[test]
fn without_a_source_a_copying_client_builds() {
    let d = with_build(NEW);
    // Alone.
    let p = plans(
        Action::Startup,
        &[client("edge", true, lacking(&d))],
        &Options::default(),
    );
    assert_eq!(image_steps(&p[0]), ["build app:latest: image `app`: absent"]);
    // Beside a client whose image comes from another context.
    let other = with_build(OLD);
    let parties = [
        Party {
            client: "main",
            copies: false,
            engine: Some((&other, &lacking(&other))),
        },
        Party {
            client: "edge",
            copies: true,
            engine: Some((&d, &lacking(&d))),
        },
    ];
    let first: Vec<Plan> = [&other, &d]
        .iter()
        .zip(&parties)
        .map(|(desired, p)| {
            run(
                Action::Startup,
                &all(desired),
                desired,
                p.engine.expect("engine").1,
                &Options::default(),
            )
        })
        .collect();
    let chosen = sources(&parties, &[Some(&first[0]), Some(&first[1])]);
    assert!(chosen.iter().all(BTreeMap::is_empty), "{chosen:?}");
    // A client that makes no images (a Swarm) is no source.
    let none = Party {
        client: "swarm",
        copies: false,
        engine: None,
    };
    let parties = [none, Party { ..parties[1] }];
    let chosen = sources(&parties, &[None, Some(&first[1])]);
    assert!(chosen.iter().all(BTreeMap::is_empty), "{chosen:?}");
}

#[test]
fn a_source_that_holds_the_image_is_preferred_to_one_that_builds_it() {
    let d = with_build(NEW);
    // `main` builds it; `spare` copies and holds it up to date: ready at once.
    let p = plans(
        Action::Startup,
        &[
            client("main", false, lacking(&d)),
            client("spare", true, holding(&d, NEW)),
            client("edge", true, lacking(&d)),
        ],
        &Options::default(),
    );
    assert_eq!(image_steps(&p[0]), ["build app:latest: image `app`: absent"]);
    assert_eq!(lines(&p[1]), Vec::<String>::new());
    assert_eq!(
        image_steps(&p[2]),
        ["copy app:latest: image `app`: absent; copied from `spare`"]
    );
    // Among holders, one that builds (does not copy) first.
    let p = plans(
        Action::Startup,
        &[
            client("spare", true, holding(&d, NEW)),
            client("main", false, holding(&d, NEW)),
            client("edge", true, lacking(&d)),
        ],
        &Options::default(),
    );
    assert_eq!(
        image_steps(&p[2]),
        ["copy app:latest: image `app`: absent; copied from `main`"]
    );
}

#[test]
fn build_policies_with_copying_clients() {
    let d = with_build(NEW);
    // --build: the first copying client builds again; the others hold it up to date, and copy
    // nothing.
    let always = Options {
        build: BuildPolicy::Always,
        ..Options::default()
    };
    let p = plans(
        Action::Update,
        &[
            client("a", true, holding(&d, NEW)),
            client("b", true, holding(&d, NEW)),
        ],
        &always,
    );
    assert_eq!(image_steps(&p[0]), ["build app:latest: image `app`: --build"]);
    assert_eq!(lines(&p[1]), Vec::<String>::new());
    // A client that builds builds again; a copying one that lacks it copies.
    let p = plans(
        Action::Update,
        &[
            client("main", false, holding(&d, NEW)),
            client("edge", true, holding(&d, OLD)),
        ],
        &always,
    );
    assert_eq!(image_steps(&p[0]), ["build app:latest: image `app`: --build"]);
    assert_eq!(
        image_steps(&p[1]),
        [format!(
            "copy app:latest: image `app`: {CONTEXT_CHANGED}; copied from `main`"
        )]
    );
    // --no-build: neither built nor copied.
    let never = Options {
        build: BuildPolicy::Never,
        ..Options::default()
    };
    let p = plans(
        Action::Update,
        &[
            client("main", false, holding(&d, NEW)),
            client("edge", true, holding(&d, OLD)),
        ],
        &never,
    );
    assert!(p.iter().all(|p| image_steps(p).is_empty()), "{p:#?}");
}

#[test]
fn up_push_on_a_copying_client_pushes_after_the_copy() {
    let d = with_build(NEW);
    let push = Options {
        push: true,
        ..Options::default()
    };
    let p = plans(
        Action::Update,
        &[
            client("main", false, holding(&d, NEW)),
            client("edge", true, holding(&d, OLD)),
        ],
        &push,
    );
    let copy = format!("copy app:latest: image `app`: {CONTEXT_CHANGED}; copied from `main`");
    assert!(
        after(&p[1], "push app:latest: --push", &copy),
        "{:#?}",
        lines(&p[1])
    );
}

#[test]
fn actions_that_make_no_images_plan_as_before() {
    let d = with_build(NEW);
    let clients = [
        client("main", false, holding(&d, NEW)),
        client("edge", true, holding(&d, OLD)),
    ];
    for action in [Action::Stop, Action::Restart, Action::Shutdown] {
        let p = plans_with(action.clone(), &clients, &d, &Options::default());
        for (c, p) in clients.iter().zip(&p) {
            assert_eq!(
                *p,
                run(action.clone(), &all(&d), &d, &c.observed, &Options::default())
            );
        }
    }
}
