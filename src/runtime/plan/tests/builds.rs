//! Images built from a context: built when missing or changed, never pulled, recreating the
//! containers that use them (after the build, so a failed build leaves them running); an
//! unchanged context plans nothing.

use std::sync::Arc;

use super::*;
use crate::context::Context;
use crate::dockerfile::{DockerFile, Trace};
use crate::model::Origin;
use crate::runtime::spec::DesiredBuild;

pub(super) const OLD: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub(super) const NEW: &str = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/// The fixture map with image `app` (used by both app instances) built from a context.
pub(super) fn with_build(digest: &str) -> Desired {
    let mut d = desired();
    let df = DockerFile::new(Some("scratch"), Trace::new(Origin::at("r.rhai", 1, 1)));
    let context = Context::of(&df).expect("renders");
    d.builds.insert(
        "app:latest".into(),
        DesiredBuild {
            name: "app".into(),
            reference: "app:latest".into(),
            extra_tags: Vec::new(),
            context: Arc::new(context),
            digest: digest.into(),
            builder: None,
        },
    );
    d
}

pub(super) fn built_with(s: &mut Snapshot, digest: &str) {
    s.image_contexts.insert("app:latest".into(), digest.into());
}

#[test]
fn an_unchanged_context_plans_nothing() {
    let d = with_build(OLD);
    let mut s = converged(&d);
    built_with(&mut s, OLD);
    for action in [Action::Startup, Action::Update, Action::Create] {
        let p = run(action.clone(), &all(&d), &d, &s, &Options::default());
        assert_eq!(lines(&p), Vec::<String>::new(), "{action:?}");
    }
}

#[test]
fn a_changed_context_is_built_then_its_containers_are_recreated() {
    let d = with_build(NEW);
    let mut s = converged(&d);
    built_with(&mut s, OLD);
    for action in [Action::Update, Action::Startup] {
        let p = run(action.clone(), &all(&d), &d, &s, &Options::default());
        let l = lines(&p);
        let build =
            "build app:latest: image `app`: context changed (sha256:aaaaaaaaaaaa… → sha256:bbbbbbbbbbbb…)";
        assert_eq!(l.iter().filter(|x| x.starts_with("build ")).count(), 1, "{l:#?}");
        for inst in ["m.app.a", "m.app.b"] {
            let recreate = format!("recreate {inst}: image `app` rebuilt");
            assert!(after(&p, &recreate, build), "{action:?} {l:#?}");
        }
        // web links both instances: it is recreated with them; db is not touched
        assert!(
            l.contains(&"recreate m.web: `m.app.a` is recreated".to_string()),
            "{l:#?}"
        );
        assert!(
            !l.iter()
                .any(|x| x.starts_with("stop m.db") || x.starts_with("create m.db")),
            "{l:#?}"
        );
        assert!(!l.iter().any(|x| x.starts_with("pull ")), "{l:#?}");
        // what is bound to them stops only once the image is built, too: web and side are
        // stopped by the recreation of the first instance (dependents first), which the other
        // waits for
        let first = p
            .steps
            .iter()
            .find(|s| {
                matches!(&s.kind, StepKind::ReplaceContainer { stops, .. }
                    if stops.len() == 3 && stops[..2] == [vec!["m.side".to_string()], vec!["m.web".to_string()]])
            })
            .map(ToString::to_string)
            .unwrap_or_else(|| panic!("no recreation stops side and web first: {l:#?}"));
        assert!(after(&p, &first, build), "{l:#?}");
        assert!(
            after(
                &p,
                "recreate m.app.b: image `app` rebuilt",
                "recreate m.app.a: image `app` rebuilt"
            ) || after(
                &p,
                "recreate m.app.a: image `app` rebuilt",
                "recreate m.app.b: image `app` rebuilt"
            ),
            "{l:#?}"
        );
    }
}

#[test]
fn a_missing_image_is_built_not_pulled_and_create_waits_for_it() {
    let d = with_build(NEW);
    let mut s = Snapshot::default();
    for image in &d.images {
        if image != "app:latest" {
            s.images.insert(image.clone(), IMAGE_ID.into());
        }
    }
    let p = run(Action::Startup, &all(&d), &d, &s, &Options::default());
    let l = lines(&p);
    assert!(
        after(
            &p,
            "create m.app.a: absent",
            "build app:latest: image `app`: absent"
        ),
        "{l:#?}"
    );
    assert!(!l.iter().any(|x| x.starts_with("pull ")), "{l:#?}");

    // pull_images leaves it alone, and says so
    let p = run(Action::PullImages, &all(&d), &d, &s, &Options::default());
    assert!(
        !lines(&p).iter().any(|x| x.contains("app:latest")),
        "{:#?}",
        lines(&p)
    );
    assert_eq!(
        p.notes,
        ["image `app:latest` is built from its map's context, not pulled"]
    );

    // pull_before_update does not pull it either
    let o = Options {
        pull_before_update: true,
        ..Options::default()
    };
    let mut s = converged(&d);
    built_with(&mut s, NEW);
    let p = run(Action::Update, &all(&d), &d, &s, &o);
    assert!(
        !lines(&p).iter().any(|x| x.contains("app:latest")),
        "{:#?}",
        lines(&p)
    );
}

#[test]
fn an_image_dmap_did_not_build_is_built_over() {
    let d = with_build(NEW);
    let s = converged(&d);
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    assert!(
        lines(&p)
            .contains(&"build app:latest: image `app`: no context recorded (not built by dmap)".to_string()),
        "{:#?}",
        lines(&p)
    );
}

#[test]
fn create_builds_only_for_what_it_creates_and_persistent_containers_keep_their_image() {
    let d = with_build(NEW);
    let mut s = converged(&d);
    built_with(&mut s, OLD);
    let p = run(Action::Create, &all(&d), &d, &s, &Options::default());
    assert_eq!(lines(&p), Vec::<String>::new());

    // db is persistent: rebuilt, but kept unless update_persistent
    let mut d = with_build(NEW);
    let mut b = d.builds.remove("app:latest").expect("build");
    b.reference = "db:latest".into();
    b.name = "db".into();
    d.builds.insert("db:latest".into(), b);
    let mut s = converged(&d);
    s.image_contexts.insert("db:latest".into(), OLD.into());
    let p = run(Action::Update, &["m.db"], &d, &s, &Options::default());
    let l = lines(&p);
    assert!(l.iter().any(|x| x.starts_with("build db:latest")), "{l:#?}");
    assert!(!l.iter().any(|x| x.contains("m.db")), "{l:#?}");
    let o = Options {
        update_persistent: true,
        ..Options::default()
    };
    let p = run(Action::Update, &["m.db"], &d, &s, &o);
    assert!(
        lines(&p).contains(&"recreate m.db: image `db` rebuilt".to_string()),
        "{:#?}",
        lines(&p)
    );
}

#[test]
fn independent_builds_wait_for_nothing() {
    let mut d = with_build(NEW);
    let mut db = d.builds.get("app:latest").cloned().expect("build");
    db.reference = "db:latest".into();
    db.name = "db".into();
    d.builds.insert("db:latest".into(), db);
    let s = Snapshot::default();
    let p = run(Action::Startup, &all(&d), &d, &s, &Options::default());
    let builds: Vec<&Step> = p.steps.iter().filter(|s| s.kind.name() == "build").collect();
    assert_eq!(builds.len(), 2, "{:#?}", lines(&p));
    assert!(builds.iter().all(|b| b.deps.is_empty()), "{:#?}", lines(&p));
}

#[test]
fn build_policies_always_and_never() {
    let d = with_build(OLD);
    let mut s = converged(&d);
    built_with(&mut s, OLD);
    // --build: built again, its containers left alone (the cache gives the same image)
    let o = Options {
        build: BuildPolicy::Always,
        ..Options::default()
    };
    let l = lines(&run(Action::Update, &all(&d), &d, &s, &o));
    assert_eq!(l, ["build app:latest: image `app`: --build"], "{l:#?}");
    // --no-build: nothing, even for a changed context
    let d = with_build(NEW);
    let o = Options {
        build: BuildPolicy::Never,
        ..Options::default()
    };
    assert_eq!(
        lines(&run(Action::Update, &all(&d), &d, &s, &o)),
        Vec::<String>::new()
    );
}

#[test]
fn up_push_pushes_each_declared_image_once_after_its_build() {
    let d = with_build(NEW);
    let mut s = converged(&d);
    built_with(&mut s, OLD);
    let push = Options {
        push: true,
        ..Options::default()
    };
    let p = run(Action::Update, &all(&d), &d, &s, &push);
    let l = lines(&p);
    assert_eq!(l.iter().filter(|x| x.starts_with("push ")).count(), 1, "{l:#?}");
    assert!(after(
        &p,
        "push app:latest: --push",
        "build app:latest: image `app`: context changed (sha256:aaaaaaaaaaaa… → sha256:bbbbbbbbbbbb…)"
    ));
    // Up to date: pushed all the same, nothing else.
    built_with(&mut s, NEW);
    let p = run(Action::Update, &all(&d), &d, &s, &push);
    assert_eq!(lines(&p), ["push app:latest: --push"]);
}
