//! The Swarm planner, without an Engine.

use bollard::models::{NetworkAttachmentConfig, ServiceSpec, TaskSpec};

use std::collections::BTreeMap;

use super::observe::{ObservedNetwork, ObservedService, SwarmSnapshot};
use super::spec::WantedService;
use crate::runtime::observe::HeldImage;
use crate::runtime::plan::{Action, BuildPolicy, Options, Plan, PlanError};
use crate::runtime::spec::DesiredBuild;

/// The plan of services that run no declared image.
fn plan(
    action: &Action,
    targets: &[String],
    wanted: &[WantedService],
    networks: &[(String, String)],
    observed: &SwarmSnapshot,
    options: &Options,
) -> Result<Plan, Vec<PlanError>> {
    super::plan::plan(
        action,
        targets,
        wanted,
        networks,
        observed,
        options,
        &BTreeMap::new(),
    )
}

fn wanted(name: &str, depends_on: &[&str], replicas: u64, digest: &str) -> WantedService {
    WantedService {
        containers: vec![format!("m.{name}")],
        name: format!("m_{name}"),
        container: format!("m.{name}"),
        map: "m".into(),
        spec: ServiceSpec {
            task_template: Some(TaskSpec {
                networks: Some(vec![NetworkAttachmentConfig {
                    target: Some("m_default".into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        },
        digest: digest.into(),
        base_digest: format!("base-{}", digest.trim_end_matches(&['3', '5'][..])),
        replicas,
        depends_on: depends_on.iter().map(|d| format!("m_{d}")).collect(),
        build: None,
    }
}

fn stack(app_replicas: u64) -> Vec<WantedService> {
    vec![
        wanted("db", &[], 1, "db1"),
        wanted("app", &["db"], app_replicas, &format!("app{app_replicas}")),
        wanted("front", &["app"], 1, "front1"),
    ]
}

fn running(w: &[WantedService]) -> SwarmSnapshot {
    let mut s = SwarmSnapshot::default();
    s.networks.insert(
        "m_default".into(),
        ObservedNetwork {
            id: "n1".into(),
            map: Some("m".into()),
        },
    );
    for x in w {
        s.services.insert(
            x.name.clone(),
            ObservedService {
                id: x.name.clone(),
                name: x.name.clone(),
                map: Some("m".into()),
                digest: Some(x.digest.clone()),
                base_digest: Some(x.base_digest.clone()),
                replicas: x.replicas,
                running: x.replicas as usize,
                networks: vec!["m_default".into()],
                ..Default::default()
            },
        );
    }
    s
}

fn lines(p: &Plan) -> Vec<String> {
    p.steps.iter().map(ToString::to_string).collect()
}

fn all() -> Vec<String> {
    ["m.db", "m.app", "m.front"].map(String::from).into()
}

const NETS: &[(&str, &str)] = &[("m_default", "m")];

fn nets() -> Vec<(String, String)> {
    NETS.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn startup_creates_networks_then_services_dependencies_first_each_waited_for() {
    let w = stack(3);
    let p = plan(
        &Action::Startup,
        &["m.front".into()],
        &w,
        &nets(),
        &SwarmSnapshot::default(),
        &Options::default(),
    )
    .expect("plan");
    assert_eq!(
        lines(&p),
        [
            "create_network m_default: absent",
            "create_service m_db: absent",
            "wait_service m_db: 0 of 1 tasks running",
            "create_service m_app: absent",
            "wait_service m_app: 0 of 3 tasks running",
            "create_service m_front: absent",
            "wait_service m_front: 0 of 1 tasks running",
        ]
    );
    // app is created once db's tasks run, and after the network.
    assert_eq!(p.steps[3].deps, vec![2, 0]);
}

#[test]
fn update_touches_only_changed_services_and_scales_when_only_replicas_differ() {
    let w = stack(3);
    let s = running(&w);
    assert!(
        plan(&Action::Update, &all(), &w, &nets(), &s, &Options::default())
            .expect("plan")
            .steps
            .is_empty()
    );
    let mut changed = stack(3);
    changed[1].digest = "app-other".into();
    changed[1].base_digest = "base-other".into();
    let p = plan(
        &Action::Update,
        &all(),
        &changed,
        &nets(),
        &s,
        &Options::default(),
    )
    .expect("plan");
    assert_eq!(
        lines(&p),
        [
            "update_service m_app: spec changed",
            "wait_service m_app: 3 of 3 tasks running"
        ]
    );
    let p = plan(
        &Action::Update,
        &all(),
        &stack(5),
        &nets(),
        &s,
        &Options::default(),
    )
    .expect("plan");
    assert_eq!(
        lines(&p),
        [
            "update_service m_app: replicas 3 → 5",
            "wait_service m_app: 3 of 5 tasks running"
        ]
    );
    // startup creates what is missing and leaves changed services alone.
    let p = plan(
        &Action::Startup,
        &all(),
        &changed,
        &nets(),
        &s,
        &Options::default(),
    )
    .expect("plan");
    assert!(p.steps.is_empty(), "{:?}", lines(&p));
}

#[test]
fn shutdown_removes_dependents_first_then_the_network_and_stop_scales_to_zero() {
    let w = stack(3);
    let s = running(&w);
    let p = plan(
        &Action::Shutdown,
        &["m.db".into()],
        &w,
        &nets(),
        &s,
        &Options::default(),
    )
    .expect("plan");
    assert_eq!(
        lines(&p),
        [
            "remove_service m_front: shutdown",
            "remove_service m_app: shutdown",
            "remove_service m_db: shutdown",
            "remove_network m_default: shutdown",
        ]
    );
    assert_eq!(p.steps[2].deps, vec![1]);
    let p = plan(
        &Action::Stop,
        &["m.front".into()],
        &w,
        &nets(),
        &s,
        &Options::default(),
    )
    .expect("plan");
    assert_eq!(lines(&p), ["scale_service m_front: stop: scaled to 0"]);
    // A stopped service is brought back by startup.
    let mut stopped = s.clone();
    if let Some(f) = stopped.services.get_mut("m_front") {
        f.replicas = 0;
        f.running = 0;
        f.digest = Some("scaled to 0".into());
    }
    let p = plan(
        &Action::Startup,
        &["m.front".into()],
        &w,
        &nets(),
        &stopped,
        &Options::default(),
    )
    .expect("plan");
    assert_eq!(
        lines(&p),
        [
            "update_service m_front: stopped (0 replicas)",
            "wait_service m_front: 0 of 1 tasks running"
        ]
    );
}

#[test]
fn foreign_services_are_refused_and_orphans_noted_or_removed() {
    let w = stack(3);
    let mut s = running(&w);
    if let Some(db) = s.services.get_mut("m_db") {
        db.map = None;
    }
    let err = plan(&Action::Update, &all(), &w, &nets(), &s, &Options::default()).expect_err("foreign");
    assert!(
        err[0]
            .to_string()
            .contains("service `m_db` exists but was not created by dmap"),
        "{err:?}"
    );
    let mut s = running(&w);
    s.services.insert(
        "m_gone".into(),
        ObservedService {
            name: "m_gone".into(),
            map: Some("m".into()),
            ..Default::default()
        },
    );
    let p = plan(&Action::Update, &all(), &w, &nets(), &s, &Options::default()).expect("plan");
    assert!(
        p.notes.iter().any(|n| n.contains("service `m_gone`")),
        "{:?}",
        p.notes
    );
    let o = Options {
        remove_orphans: true,
        ..Options::default()
    };
    let p = plan(&Action::Update, &all(), &w, &nets(), &s, &o).expect("plan");
    assert_eq!(lines(&p), ["remove_service m_gone: orphan"]);
}

mod specs {
    use std::path::Path;

    use bollard::models::{EndpointPortConfigPublishModeEnum, EndpointSpecModeEnum, MountType};

    use crate::model::client::ClientConfig;
    use crate::runtime::spec::Desired;
    use crate::runtime::swarm::spec::services;

    const MAP: &str = r#"
volumes:
  data: /data
db:
  image: db
  attaches: data
app:
  image: app
  links: [[db, database]]
  exposes: [80, [8080, 18080]]
  deploy: { replicas: 3, endpoint_mode: dnsrr, publish_mode: host }
  create_options: { command: "serve --port 80", environment: { A: "1" } }
"#;

    fn desired() -> Desired {
        let map = crate::yaml::load_map("s.yaml", MAP, None, &|_| None).expect("map loads");
        let checked = crate::model::check(&map).expect("map checks");
        Desired::build(&[checked], Path::new("/"), "default", &ClientConfig::default()).expect("desired")
    }

    #[test]
    fn containers_become_services_named_as_docker_stack_names_them() {
        let d = desired();
        let (wanted, networks) = services(&d).expect("services");
        assert_eq!(networks, vec![("s_default".to_string(), "s".to_string())]);
        let names: Vec<&str> = wanted.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["s_db", "s_app"]);
        let db = &wanted[0];
        let app = &wanted[1];
        assert_eq!(app.depends_on, ["s_db"]);
        assert_eq!(app.replicas, 3);
        // The link is an alias of db on the network both are on.
        let db_nets = db
            .spec
            .task_template
            .as_ref()
            .and_then(|t| t.networks.clone())
            .unwrap_or_default();
        assert_eq!(db_nets[0].aliases.as_deref(), Some(&["database".to_string()][..]));
        // The named volume is `MAP_ALIAS`.
        let mounts = db
            .spec
            .task_template
            .as_ref()
            .and_then(|t| t.container_spec.as_ref())
            .and_then(|c| c.mounts.clone())
            .unwrap_or_default();
        assert_eq!(
            (mounts[0].source.as_deref(), mounts[0].typ),
            (Some("s_data"), Some(MountType::VOLUME))
        );
        // Only a port with a host port is published; the mode and endpoint mode from `deploy`.
        let endpoint = app.spec.endpoint_spec.clone().unwrap_or_default();
        assert_eq!(endpoint.mode, Some(EndpointSpecModeEnum::DNSRR));
        let ports = endpoint.ports.unwrap_or_default();
        assert_eq!(ports.len(), 1, "{ports:?}");
        assert_eq!(
            (ports[0].target_port, ports[0].published_port),
            (Some(8080), Some(18080))
        );
        assert_eq!(
            ports[0].publish_mode,
            Some(EndpointPortConfigPublishModeEnum::HOST)
        );
        let container = app
            .spec
            .task_template
            .as_ref()
            .and_then(|t| t.container_spec.clone())
            .unwrap_or_default();
        assert_eq!(
            container.args,
            Some(vec!["serve".into(), "--port".into(), "80".into()])
        );
        assert_eq!(container.env, Some(vec!["A=1".into()]));
        // The digest is stable (labels are a hash map) and recorded.
        let (again, _) = services(&d).expect("services");
        assert_eq!(again[1].digest, app.digest);
        let labels = app.spec.labels.clone().unwrap_or_default();
        assert_eq!(labels.get("dmap.spec"), Some(&app.digest));
        assert_eq!(labels.get("dmap.map").map(String::as_str), Some("s"));
    }
}

/// `m.app` runs the declared image `reg:5000/app:latest`, whose context has digest `digest`.
fn built(digest: &str) -> (Vec<WantedService>, BTreeMap<String, DesiredBuild>) {
    let reference = "reg:5000/app:latest".to_string();
    let mut app = wanted("app", &[], 2, "app2");
    app.spec.task_template = Some(bollard::models::TaskSpec {
        container_spec: Some(bollard::models::TaskSpecContainerSpec {
            image: Some(reference.clone()),
            ..Default::default()
        }),
        ..app.spec.task_template.clone().unwrap_or_default()
    });
    app.build = Some(reference.clone());
    let df = crate::dockerfile::DockerFile::new(Some("scratch"), Default::default());
    let context = crate::context::Context::of(&df).expect("renders");
    let build = DesiredBuild {
        name: "app".into(),
        reference: reference.clone(),
        extra_tags: vec![],
        context: std::sync::Arc::new(context),
        digest: digest.into(),
        builder: None,
    };
    (vec![app], BTreeMap::from([(reference, build)]))
}

fn held(context: &str, pushed: Option<&str>) -> HeldImage {
    HeldImage {
        context: Some(context.into()),
        pushed: pushed.map(str::to_string),
    }
}

#[test]
fn a_declared_image_is_built_on_the_manager_pushed_and_its_services_pinned_to_the_digest() {
    let (w, builds) = built("ctx1");
    let targets = vec!["m.app".to_string()];
    let run = |observed: &SwarmSnapshot, options: &Options| {
        lines(
            &super::plan::plan(&Action::Update, &targets, &w, &nets(), observed, options, &builds)
                .expect("plan"),
        )
    };
    // Nothing on the manager: built, pushed, then the service created.
    let s = SwarmSnapshot {
        networks: running(&[]).networks,
        ..SwarmSnapshot::default()
    };
    assert_eq!(
        run(&s, &Options::default()),
        [
            "build reg:5000/app:latest: image `app`: absent",
            "push reg:5000/app:latest: for the Swarm's nodes",
            "create_service m_app: absent",
            "wait_service m_app: 0 of 2 tasks running",
        ]
    );
    // Running pinned to what the manager pushed: nothing to do.
    let pinned = w[0].pinned("sha256:aaa");
    assert_eq!(
        pinned
            .spec
            .task_template
            .as_ref()
            .and_then(|t| t.container_spec.as_ref())
            .and_then(|c| c.image.as_deref()),
        Some("reg:5000/app:latest@sha256:aaa")
    );
    assert_ne!(pinned.digest, w[0].digest);
    let mut s = running(std::slice::from_ref(&pinned));
    s.images
        .insert("reg:5000/app:latest".into(), held("ctx1", Some("sha256:aaa")));
    assert!(run(&s, &Options::default()).is_empty());
    // Pushed again elsewhere (the manager's image has another digest now): the service follows.
    s.images
        .insert("reg:5000/app:latest".into(), held("ctx1", Some("sha256:bbb")));
    assert_eq!(
        run(&s, &Options::default()),
        [
            "update_service m_app: spec changed",
            "wait_service m_app: 2 of 2 tasks running"
        ]
    );
    // A changed context: rebuilt, pushed, and the service rolled onto it.
    s.images
        .insert("reg:5000/app:latest".into(), held("ctx0", Some("sha256:aaa")));
    assert_eq!(
        run(&s, &Options::default()),
        [
            "build reg:5000/app:latest: image `app`: context changed (ctx0 → ctx1)",
            "push reg:5000/app:latest: for the Swarm's nodes",
            "update_service m_app: image `app` rebuilt",
            "wait_service m_app: 2 of 2 tasks running",
        ]
    );
    let p = super::plan::plan(
        &Action::Update,
        &targets,
        &w,
        &nets(),
        &s,
        &Options::default(),
        &builds,
    )
    .expect("plan");
    assert_eq!(
        (p.steps[1].deps.clone(), p.steps[2].deps.clone()),
        (vec![0], vec![1])
    );
    // Built here but never pushed (`dmap build`): pushed, then the service follows.
    s.images.insert("reg:5000/app:latest".into(), held("ctx1", None));
    assert_eq!(
        run(&s, &Options::default()),
        [
            "push reg:5000/app:latest: image `app`: not in its registry yet",
            "update_service m_app: image `app` pushed",
            "wait_service m_app: 2 of 2 tasks running",
        ]
    );
    // --no-build leaves a changed context alone.
    s.images
        .insert("reg:5000/app:latest".into(), held("ctx0", Some("sha256:aaa")));
    let never = Options {
        build: BuildPolicy::Never,
        ..Options::default()
    };
    assert!(run(&s, &never).is_empty());
}
