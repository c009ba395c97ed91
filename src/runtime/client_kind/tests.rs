//! The seam between a session and the kinds of client, without an Engine: which kind a client
//! is, what each kind wants, plans, refuses and follows.

use std::path::Path;

use super::{ClientDesired, ClientKind, ClientSnapshot};
use crate::model::client::ClientConfig;
use crate::runtime::plan::{Action, Options, Plan};
use crate::runtime::snapshot::Snapshot;
use crate::runtime::spec::Desired;
use crate::runtime::swarm::observe::SwarmSnapshot;

const MAP: &str = r#"
db:
  image: db
app:
  image: app
  links: [[db, database]]
"#;

fn config(swarm: bool) -> ClientConfig {
    ClientConfig {
        swarm,
        ..ClientConfig::default()
    }
}

fn desired(kind: ClientKind) -> ClientDesired {
    let map = crate::yaml::load_map("k.yaml", MAP, None, &|_| None).expect("map loads");
    let checked = crate::model::check(&map).expect("map checks");
    let swarm = kind == ClientKind::Swarm;
    let d = Desired::build(&[checked], Path::new("/"), "default", &config(swarm)).expect("desired");
    kind.desired(d).expect("desired as the kind runs it")
}

fn empty(kind: ClientKind) -> ClientSnapshot {
    match kind {
        ClientKind::Engine => ClientSnapshot::Engine(Snapshot::default()),
        ClientKind::Swarm => ClientSnapshot::Swarm(SwarmSnapshot::default()),
    }
}

fn targets() -> Vec<String> {
    vec!["k.db".to_string(), "k.app".to_string()]
}

fn step_names(plan: &Plan) -> Vec<(&'static str, String)> {
    plan.steps
        .iter()
        .map(|s| (s.kind.name(), s.kind.subject().to_string()))
        .collect()
}

#[test]
fn a_client_is_of_the_kind_its_settings_say() {
    for (swarm, kind) in [(false, ClientKind::Engine), (true, ClientKind::Swarm)] {
        assert_eq!(ClientKind::of(&config(swarm)), kind, "swarm: {swarm}");
        assert_eq!(desired(kind).kind(), kind, "swarm: {swarm}");
    }
}

#[test]
fn a_swarm_wants_the_containers_as_services_and_an_engine_none() {
    let engine = desired(ClientKind::Engine);
    let swarm = desired(ClientKind::Swarm);
    assert!(engine.services().is_empty());
    let names: Vec<&str> = swarm.services().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["k_db", "k_app"]);
    // The containers' desired state is the same for both: targets and images are read there.
    let containers = |d: &ClientDesired| -> Vec<String> {
        d.desired().containers.iter().map(|c| c.name.clone()).collect()
    };
    assert_eq!(containers(&engine), containers(&swarm));
    assert_eq!(containers(&engine), ["k.db", "k.app"]);
}

#[test]
fn each_kind_plans_what_it_runs() {
    let cases: [(ClientKind, Vec<(&str, &str)>); 2] = [
        (
            ClientKind::Engine,
            vec![
                ("pull", "db:latest"),
                ("create", "k.db"),
                ("start", "k.db"),
                ("pull", "app:latest"),
                ("create", "k.app"),
                ("start", "k.app"),
            ],
        ),
        (
            ClientKind::Swarm,
            vec![
                ("create_network", "k_default"),
                ("create_service", "k_db"),
                ("wait_service", "k_db"),
                ("create_service", "k_app"),
                ("wait_service", "k_app"),
            ],
        ),
    ];
    for (kind, want) in cases {
        let plan = desired(kind)
            .plan(&Action::Startup, &targets(), &empty(kind), &Options::default())
            .expect("plans");
        let got = step_names(&plan);
        let want: Vec<(&str, String)> = want.into_iter().map(|(a, s)| (a, s.to_string())).collect();
        assert_eq!(got, want, "{kind:?}");
    }
}

#[test]
fn only_an_engine_pulls_before_an_update() {
    let engine = desired(ClientKind::Engine)
        .pulls(&targets(), &empty(ClientKind::Engine), &Options::default())
        .expect("plans");
    let pulls = engine.map(|p| step_names(&p));
    assert_eq!(
        pulls,
        Some(vec![
            ("pull", "db:latest".to_string()),
            ("pull", "app:latest".to_string())
        ])
    );
    let swarm = desired(ClientKind::Swarm)
        .pulls(&targets(), &empty(ClientKind::Swarm), &Options::default())
        .expect("plans");
    assert!(swarm.is_none(), "a Swarm's nodes pull what their tasks run");
}

#[test]
fn a_swarm_runs_declared_images_from_the_maps_registry_and_refuses_exec() {
    let engine = ClientKind::Engine;
    assert_eq!(engine.build_refusal("c", "img", "m", None), None);
    assert_eq!(engine.exec_refusal("c", "m.web"), None);
    let swarm = ClientKind::Swarm;
    assert_eq!(swarm.build_refusal("c", "img", "m", Some("reg:5000")), None);
    let build = swarm.build_refusal("c", "img", "m", None).expect("refused");
    assert_eq!(
        build,
        "image `img` is declared by map `m` to be built, and Swarm client `c` runs it from a registry its nodes pull from: set the map's `repository` to that registry (`m.repository = \"HOST:PORT\"`), where the manager pushes it"
    );
    let exec = swarm.exec_refusal("c", "m.web.a").expect("refused");
    assert!(
        exec.starts_with("`m.web.a` runs on Swarm client `c` as service `m_web_a`:"),
        "{exec}"
    );
}

#[test]
fn logs_follow_a_container_or_its_service() {
    for (kind, want) in [
        (ClientKind::Engine, ("m.web.a", false)),
        (ClientKind::Swarm, ("m_web_a", true)),
    ] {
        assert_eq!(kind.followed("m.web.a"), (want.0.to_string(), want.1), "{kind:?}");
    }
}
