//! Networks the Engine holds more than once under one name: the unused duplicates of the map go
//! first; anything else is refused, naming them.

use super::*;

const KEPT: &str = "net-m.backend";

/// A network named `m.backend` besides the one observed.
fn duplicate(id: &str, map: Option<&str>, users: &[&str]) -> ObservedNetwork {
    let mut labels = BTreeMap::new();
    if let Some(map) = map {
        labels.insert(crate::runtime::labels::MAP.to_string(), map.to_string());
    }
    ObservedNetwork {
        id: id.into(),
        name: "m.backend".into(),
        driver: "bridge".into(),
        labels,
        containers: users.iter().map(|u| u.to_string()).collect(),
        ..ObservedNetwork::default()
    }
}

const EXTRA: &str = "eb02f64499c1e293b068076467e1a62c8ebd471b40082890fd0e4f490f90462c";

#[test]
fn an_unused_duplicate_of_the_map_goes_before_anything_else() {
    let d = desired();
    let mut s = converged(&d);
    s.duplicate_networks.push(duplicate(EXTRA, Some("m"), &[]));
    let p = run(Action::Update, &all(&d), &d, &s, &Options::default());
    assert_eq!(
        lines(&p),
        ["remove_network m.backend: duplicate eb02f64499c1, unused (keeping net-m.backen)"]
    );
    assert_eq!(
        p.steps[0].kind,
        StepKind::RemoveDuplicateNetwork {
            network: "m.backend".into(),
            id: EXTRA.into()
        }
    );
    assert_eq!(
        p.notes,
        ["network `m.backend` exists 2 times on the Engine (an older dmap could make it twice): keeping net-m.backen (in use), removing the unused eb02f64499c1"]
    );

    // Whatever else the plan does waits for it: until it is gone, the name is ambiguous.
    let mut empty = Snapshot::default();
    empty
        .networks
        .insert("m.backend".into(), duplicate(KEPT, Some("m"), &[]));
    empty.duplicate_networks.push(duplicate(EXTRA, Some("m"), &[]));
    let p = run(Action::Startup, &all(&d), &d, &empty, &Options::default());
    let removal = "remove_network m.backend: duplicate eb02f64499c1, unused (keeping net-m.backen)";
    for (i, step) in p.steps.iter().enumerate() {
        if i != index(&p, removal) {
            assert!(
                after(&p, &step.to_string(), removal),
                "{step} waits for the removal"
            );
        }
    }
    assert!(
        p.notes[0].contains("keeping net-m.backen (the oldest)"),
        "{:?}",
        p.notes
    );

    // A shutdown removes the duplicate first, and the network kept after its last container.
    let p = run(Action::Shutdown, &all(&d), &d, &s, &Options::default());
    assert!(after(&p, "remove_network m.backend: no containers left", removal));
}

#[test]
fn duplicates_that_are_not_the_maps_or_in_use_are_refused_naming_them() {
    let d = desired();
    let cases = [
        (
            "another's",
            duplicate(EXTRA, None, &[]),
            "network `m.backend` is ambiguous: the Engine holds 2 networks of that name (net-m.backen, eb02f64499c1), and eb02f64499c1 was not created by dmap for map `m`; dmap can't tell which to keep: remove all but one (`docker network rm ID`)",
        ),
        (
            "in use too",
            duplicate(EXTRA, Some("m"), &["m.old"]),
            "network `m.backend` is ambiguous: the Engine holds 2 networks of that name (net-m.backen, eb02f64499c1), and several are in use: net-m.backen (by `m.db`, `m.app.a`, `m.app.b`, `m.web`), eb02f64499c1 (by `m.old`); dmap can't tell which to keep: remove all but one (`docker network rm ID`)",
        ),
    ];
    for (what, extra, error) in cases {
        let mut s = converged(&d);
        s.duplicate_networks.push(extra);
        for action in [Action::Update, Action::Shutdown] {
            let errors = plan(&action, &all(&d), &d, &s, &Options::default()).expect_err(what);
            assert_eq!(errors[0].to_string(), error, "{what}");
        }
    }
}

#[test]
fn actions_that_leave_networks_alone_leave_duplicates_alone() {
    let d = desired();
    let mut s = converged(&d);
    s.duplicate_networks.push(duplicate(EXTRA, None, &["m.old"]));
    for action in [Action::Stop, Action::Restart] {
        let p = run(action, &all(&d), &d, &s, &Options::default());
        assert!(
            p.steps
                .iter()
                .all(|s| !matches!(s.kind, StepKind::RemoveDuplicateNetwork { .. })),
            "{:?}",
            lines(&p)
        );
    }
}
