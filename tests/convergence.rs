//! Convergence that survives drift, against the real Engine (docs/engine.md, "How update
//! decides"): containers bound to a recreated one (links, `volumes_from`, a network namespace)
//! are recreated with it and work afterwards; stale bindings left on the Engine are repaired;
//! volume preparation, anonymous volumes, networks, persistent containers, adoption, volume
//! changes, orphans and health waits. Every check looks at the Engine (inspect, exec).

use std::time::{Duration, Instant};

use bollard::models::{ContainerCreateBody, HostConfig, NetworkCreateRequest, VolumeCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder, RestartContainerOptions,
    StopContainerOptions,
};

use crate::support::recipe::*;
use crate::support::{busybox_image, docker, runtime, DockerTest};

/// Force-removes a container behind dmap's back.
async fn rm_f(name: &str) {
    let options = RemoveContainerOptionsBuilder::default().force(true).build();
    docker()
        .await
        .remove_container(name, Some(options))
        .await
        .unwrap_or_else(|e| panic!("cannot remove {name}: {e}"));
}

async fn stop(name: &str) {
    docker()
        .await
        .stop_container(
            name,
            Some(StopContainerOptions {
                signal: None,
                t: Some(1),
            }),
        )
        .await
        .unwrap_or_else(|e| panic!("cannot stop {name}: {e}"));
}

/// Runs `sh -c script` in `container`: exit code and output. An exec into a container whose link
/// target is gone fails at the Engine, so a successful exec proves the container is sound.
async fn sh(t: &DockerTest, container: &str, script: &str) -> (i64, String) {
    t.exec_output(container, &["sh", "-c", script]).await
}

#[track_caller]
fn assert_exec(result: (i64, String), what: &str) -> String {
    assert_eq!(result.0, 0, "{what}: {}", result.1);
    result.1
}

// ------------------------------------------------------------------------------------------------
// Dependents of a recreated container
// ------------------------------------------------------------------------------------------------

/// db; web links db on the default bridge (a legacy link); reader takes files' volumes; side
/// joins db's network namespace. The phase picks what happens.
const BOUND: &str = r#"
m.containers.db = #{
    image: img, stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600", environment: #{ V: if phase == "change" { "2" } else { "1" } } },
};
m.containers.files = #{
    image: img, shares: "/files", stop_signal: "SIGKILL",
    create_options: #{ command: "sh -c 'echo kept > /files/x; exec sleep 3600'" },
};
m.containers.web = #{ image: img, links: "db", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
m.containers.reader = #{ image: img, uses: "files", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
m.containers.side = #{ image: img, network_mode: "db", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
let c = mapping_client(m);
if phase == "startup" { show(c.startup("__all__")); }
if phase == "update" { show(c.update("__all__")); }
if phase == "startup_db" { show(c.startup("db")); }
if phase == "change" { show(c.update("db")); }
if phase == "force" { show(c.update(["db", "files"], #{ force_update: ["db", "files"] })); }
if phase == "adopt" { show(c.update("__all__", #{ adopt: true })); }
"#;

/// Every dependent works: web resolves `db` to db's current address, reader sees the file in
/// files' volume, side has db's network.
async fn assert_dependents_work(t: &DockerTest) {
    let db = n(t, "db");
    let ip = t
        .inspect(&db)
        .await
        .network_settings
        .and_then(|n| n.networks)
        .and_then(|n| n.get("bridge").and_then(|e| e.ip_address.clone()))
        .unwrap_or_default();
    assert!(!ip.is_empty(), "db has an address on the bridge");
    let hosts = assert_exec(sh(t, &n(t, "web"), "cat /etc/hosts").await, "exec into web");
    assert!(
        hosts
            .lines()
            .any(|l| l.starts_with(&format!("{ip}\t")) && l.contains("db")),
        "web's link points at db's current address {ip}:\n{hosts}"
    );
    let file = assert_exec(sh(t, &n(t, "reader"), "cat /files/x").await, "exec into reader");
    assert_eq!(file.trim(), "kept");
    let addr = assert_exec(sh(t, &n(t, "side"), "ip -o -4 addr show").await, "exec into side");
    assert!(
        addr.contains(&ip),
        "side is in db's network namespace ({ip}):\n{addr}"
    );
}

async fn ids(t: &DockerTest, names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for name in names {
        out.push(id_of(t, &n(t, name)).await);
    }
    out
}

#[test]
fn a_dependency_recreated_by_each_trigger_takes_its_dependents_along() {
    let rt = runtime();
    let t = DockerTest::new("bound_triggers");
    let recipe = Recipe::new(&t, &busybox_image(), BOUND);
    recipe.run("startup").success();
    rt.block_on(async {
        assert_dependents_work(&t).await;
        let dependents = ["web", "reader", "side"];

        // A target that names only the dependency, whose spec changed.
        let before = ids(&t, &dependents).await;
        let out = recipe.run("change");
        out.success();
        assert_eq!(
            out.steps_of(&n(&t, "web"), "recreate")[0].reason,
            format!("`{}` is recreated", n(&t, "db")),
            "{out}"
        );
        let after = ids(&t, &dependents).await;
        assert_ne!(before[0], after[0], "web recreated");
        assert_ne!(before[2], after[2], "side recreated");
        assert_eq!(before[1], after[1], "reader is not bound to db");
        assert_dependents_work(&t).await;
        assert_no_steps(&recipe.run("change"));

        // Removed behind dmap's back: created again, and its dependents with it.
        rm_f(&n(&t, "db")).await;
        let out = recipe.run("update");
        out.success();
        assert_eq!(out.steps_of(&n(&t, "db"), "create")[0].reason, "absent", "{out}");
        assert_eq!(out.steps_of(&n(&t, "side"), "recreate").len(), 1, "{out}");
        assert_dependents_work(&t).await;
        assert_no_steps(&recipe.run("update"));

        // Forced: both dependencies; files' data survives in its anonymous volume.
        let before = ids(&t, &dependents).await;
        recipe.run("force").success();
        let after = ids(&t, &dependents).await;
        for (i, name) in dependents.iter().enumerate() {
            assert_ne!(before[i], after[i], "{name} recreated");
        }
        assert_dependents_work(&t).await;
        assert_no_steps(&recipe.run("update"));

        // Only the dependency started: its bound dependents come along though not targeted.
        rm_f(&n(&t, "db")).await;
        let out = recipe.run("startup_db");
        out.success();
        assert_eq!(out.steps_of(&n(&t, "web"), "recreate").len(), 1, "{out}");
        assert_dependents_work(&t).await;
        assert_no_steps(&recipe.run("update"));
    });
}

#[test]
fn adopting_a_dependency_recreates_its_dependents_and_sticks() {
    let rt = runtime();
    let t = DockerTest::new("bound_adopt");
    let recipe = Recipe::new(&t, &busybox_image(), BOUND);
    recipe.run("startup").success();
    rt.block_on(async {
        // A person replaces db with a container of their own.
        let db = n(&t, "db");
        rm_f(&db).await;
        let body = ContainerCreateBody {
            image: Some(busybox_image()),
            cmd: Some(vec!["sleep".into(), "3600".into()]),
            labels: Some(t.labels()),
            ..Default::default()
        };
        let docker = docker().await;
        let options = CreateContainerOptionsBuilder::default().name(&db).build();
        docker
            .create_container(Some(options), body)
            .await
            .expect("create");
        docker.start_container(&db, None).await.expect("start");
        recipe
            .run("update")
            .failure()
            .stderr_has(&format!("container `{db}` exists but was not created by dmap"));
        let out = recipe.run("adopt");
        out.success();
        assert_eq!(out.steps_of(&db, "recreate")[0].reason, "adopted", "{out}");
        assert_eq!(out.steps_of(&n(&t, "web"), "recreate").len(), 1, "{out}");
        assert_dependents_work(&t).await;
        // Adoption sticks: a plain update needs no `adopt`, and does nothing.
        assert_no_steps(&recipe.run("update"));
    });
}

#[test]
fn stale_bindings_left_on_the_engine_are_repaired_by_one_update() {
    let rt = runtime();
    let t = DockerTest::new("bound_stale");
    let recipe = Recipe::new(&t, &busybox_image(), BOUND);
    recipe.run("startup").success();
    rt.block_on(async {
        let docker = docker().await;
        // The namespace owner restarted behind dmap's back: side is left with only loopback.
        docker
            .restart_container(
                &n(&t, "db"),
                Some(RestartContainerOptions {
                    signal: None,
                    t: Some(1),
                }),
            )
            .await
            .expect("restart");
        let lo_only = sh(&t, &n(&t, "side"), "ip -o -4 addr show").await.1;
        assert!(!lo_only.contains("eth0"), "side lost its network: {lo_only}");
        // An interrupted run: db was recreated, its dependents not (same labels and spec, so
        // only the timestamps tell).
        let old = t.inspect(&n(&t, "files")).await;
        let old_volume = volume_at(&old, "/files").expect("files' volume");
        rm_f(&n(&t, "files")).await;
        let config = old.config.clone().unwrap_or_default();
        let body = ContainerCreateBody {
            image: config.image.clone(),
            cmd: config.cmd.clone(),
            labels: config.labels.clone(),
            volumes: config.volumes.clone(),
            stop_signal: config.stop_signal.clone(),
            host_config: Some(HostConfig::default()),
            ..Default::default()
        };
        let options = CreateContainerOptionsBuilder::default()
            .name(&n(&t, "files"))
            .build();
        docker
            .create_container(Some(options), body)
            .await
            .expect("create");
        docker
            .start_container(&n(&t, "files"), None)
            .await
            .expect("start");
        // And a stopped dependency.
        stop(&n(&t, "web")).await;

        let out = recipe.run("update");
        out.success();
        assert!(
            out.steps_of(&n(&t, "side"), "recreate")[0]
                .reason
                .contains("was restarted after it joined its network namespace"),
            "{out}"
        );
        assert!(
            out.steps_of(&n(&t, "reader"), "recreate")[0]
                .reason
                .contains("was recreated after it took its volumes"),
            "{out}"
        );
        assert_dependents_work(&t).await;
        assert_no_steps(&recipe.run("update"));
        // The first `files`' volume, which `rm -f` left behind, is no longer mounted by anything
        // (reader now shares the new one's): removed here, as a person would.
        let _ = docker
            .remove_volume(
                &old_volume,
                None::<bollard::query_parameters::RemoveVolumeOptions>,
            )
            .await;
    });
}

// ------------------------------------------------------------------------------------------------
// Volume preparation, anonymous volumes
// ------------------------------------------------------------------------------------------------

const PREPARED: &str = r#"
m.volumes.a = "/a";
m.volumes.b = "/b";
m.volumes.c = #{ default_path: "/c", user: "nobody", permissions: "0700" };
m.containers.store = #{
    image: img, attaches: ["a", "b", "c"], user: "app", permissions: "u=rwX,g=rX,o=", stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600" },
};
let c = mapping_client(m);
show(c.startup("store"));
"#;

#[test]
fn a_container_with_several_prepared_volumes() {
    let rt = runtime();
    let t = DockerTest::new("prepared_volumes");
    let recipe = Recipe::new(&t, &busybox_image(), PREPARED);
    let store = n(&t, "store");
    rt.block_on(async {
        // A helper an interrupted run left behind, still labelled as dmap's.
        let left = format!("{store}.prepare.{}", n(&t, "old"));
        let mut labels = t.labels();
        labels.insert("dmap.map".into(), t.name.clone());
        labels.insert("dmap.kind".into(), "helper".into());
        let body = ContainerCreateBody {
            image: Some(busybox_image()),
            cmd: Some(vec!["sleep".into(), "3600".into()]),
            labels: Some(labels),
            ..Default::default()
        };
        let options = CreateContainerOptionsBuilder::default().name(&left).build();
        docker()
            .await
            .create_container(Some(options), body)
            .await
            .expect("create");

        let out = recipe.run("startup");
        out.success();
        for v in ["a", "b", "c"] {
            assert_eq!(out.steps_of(&n(&t, v), "prepare_volume").len(), 1, "{out}");
        }
        let owners = assert_exec(sh(&t, &store, "stat -c '%n %u %a' /a /b /c").await, "stat");
        assert_eq!(
            owners.trim(),
            "/a 2000 750\n/b 2000 750\n/c 65534 700",
            "{owners}"
        );
        assert!(try_inspect(&left).await.is_none(), "the leftover helper is gone");
        for v in ["a", "b", "c"] {
            assert!(try_inspect(&format!("{store}.prepare.{}", n(&t, v)))
                .await
                .is_none());
        }
    });
}

#[test]
fn data_in_anonymous_and_image_declared_volumes_survives_a_recreate() {
    let rt = runtime();
    let mut leftovers = Leftovers::default();
    let t = DockerTest::new("anonymous_volumes");
    let image = format!("dmap-test/with-volume:{}", t.name.to_lowercase());
    leftovers.images.push(image.clone());
    rt.block_on(build(
        &rt.block_on(docker()),
        &format!("FROM {}\nVOLUME /declared\n", busybox_image()),
        &image,
    ));
    let recipe = Recipe::new(
        &t,
        &image,
        r#"
m.containers.keeper = #{
    image: img, shares: "/shared", stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600", environment: #{ ROUND: phase } },
};
let c = mapping_client(m);
if phase == "down" { show(c.shutdown("keeper", #{ remove_attached: true })); } else { show(c.update("keeper")); }
"#,
    );
    let keeper = n(&t, "keeper");
    recipe.run("1").success();
    rt.block_on(async {
        let first = t.inspect(&keeper).await;
        let declared = volume_at(&first, "/declared").expect("image volume");
        let shared = volume_at(&first, "/shared").expect("shares volume");
        leftovers.volumes.extend([declared.clone(), shared.clone()]);
        assert_exec(
            sh(&t, &keeper, "echo d > /declared/f && echo s > /shared/f").await,
            "write",
        );
        let out = recipe.run("2");
        out.success();
        assert_eq!(out.steps_of(&keeper, "recreate").len(), 1, "recreated: {out}");
        let second = t.inspect(&keeper).await;
        assert_ne!(first.id, second.id);
        assert_eq!(
            volume_at(&second, "/declared").as_deref(),
            Some(declared.as_str())
        );
        assert_eq!(volume_at(&second, "/shared").as_deref(), Some(shared.as_str()));
        let data = assert_exec(sh(&t, &keeper, "cat /declared/f /shared/f").await, "read");
        assert_eq!(data.trim(), "d\ns");
        // `remove_attached` removes them too, like `down -v`.
        recipe.run("down").success();
        assert!(!t.volume_exists(&declared).await && !t.volume_exists(&shared).await);
    });
}

// ------------------------------------------------------------------------------------------------
// Networks
// ------------------------------------------------------------------------------------------------

const NETWORKED: &str = r#"
m.networks.net = #{ internal: phase == "internal" };
m.containers.a = #{ image: img, networks: "net", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
m.containers.b = #{ image: img, networks: "net", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
m.containers.free = #{
    image: img, networks: if phase == "bridge" { [] } else { ["net"] }, stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600" },
};
let c = mapping_client(m);
if phase == "internal" { show(c.update("a")); } else { show(c.update("__all__")); }
"#;

async fn networks_of(t: &DockerTest, name: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = t
        .inspect(name)
        .await
        .network_settings
        .and_then(|n| n.networks)
        .unwrap_or_default()
        .into_iter()
        .map(|(net, e)| (net, e.network_id.unwrap_or_default()))
        .collect();
    out.sort();
    out
}

#[test]
fn a_recreated_network_reconnects_every_member_and_an_empty_list_means_the_bridge() {
    let rt = runtime();
    let t = DockerTest::new("networks_converge");
    let recipe = Recipe::new(&t, &busybox_image(), NETWORKED);
    let net = n(&t, "net");
    recipe.run("plain").success();
    rt.block_on(async {
        let b_id = id_of(&t, &n(&t, "b")).await;
        // Only `a` is targeted; b and free are on the network too.
        let out = recipe.run("internal");
        out.success();
        assert_eq!(out.steps_of(&net, "create_network").len(), 1, "{out}");
        let new_id = t.inspect(&n(&t, "b")).await;
        assert_eq!(new_id.id.as_deref(), Some(b_id.as_str()), "b kept, reconnected");
        for member in ["a", "b", "free"] {
            let nets = networks_of(&t, &n(&t, member)).await;
            assert_eq!(nets.len(), 1, "{member}: {nets:?}");
            assert_eq!(nets[0].0, net, "{member}: {nets:?}");
        }
        let internal = docker()
            .await
            .inspect_network(&net, None)
            .await
            .expect("net")
            .internal;
        assert_eq!(internal, Some(true));
        assert_no_steps(&recipe.run("internal"));

        // `networks` emptied: back on the default bridge, in place.
        let free_id = id_of(&t, &n(&t, "free")).await;
        recipe.run("bridge").success();
        assert_eq!(id_of(&t, &n(&t, "free")).await, free_id, "not recreated");
        let nets = networks_of(&t, &n(&t, "free")).await;
        assert_eq!(
            nets.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["bridge"]
        );
        assert_no_steps(&recipe.run("bridge"));
    });
}

// ------------------------------------------------------------------------------------------------
// Persistent containers
// ------------------------------------------------------------------------------------------------

const PERSISTENT: &str = r#"
m.containers.cache = #{ image: img, stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
m.containers.db = #{
    image: img, persistent: true, links: "cache", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" },
};
m.containers.web = #{ image: img, links: "db", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
let c = mapping_client(m);
if phase == "startup" { show(c.startup("web")); }
if phase == "shutdown" { show(c.shutdown("__all__", #{ remove_persistent: false })); }
"#;

#[test]
fn persistent_containers_are_started_and_kept_running_with_what_they_need() {
    let rt = runtime();
    let t = DockerTest::new("persistent_kept");
    let recipe = Recipe::new(&t, &busybox_image(), PERSISTENT);
    recipe.run("startup").success();
    rt.block_on(async {
        stop(&n(&t, "db")).await;
        let out = recipe.run("startup");
        out.success();
        assert_eq!(out.steps_of(&n(&t, "db"), "start").len(), 1, "{out}");
        assert_running(&t, &[n(&t, "cache"), n(&t, "db"), n(&t, "web")]).await;

        recipe.run("shutdown").success();
        assert!(try_inspect(&n(&t, "web")).await.is_none(), "web removed");
        assert_running(&t, &[n(&t, "cache"), n(&t, "db")]).await;
        assert_exec(
            sh(&t, &n(&t, "db"), "true").await,
            "db's link to cache still works",
        );
    });
}

// ------------------------------------------------------------------------------------------------
// Adoption of volumes and networks
// ------------------------------------------------------------------------------------------------

const ADOPTING: &str = r#"
m.volumes.data = "/data";
m.networks.net = #{};
m.containers.db = #{
    image: img, attaches: "data", networks: "net", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" },
};
if phase == "more" { m.containers.extra = #{ image: img, attaches: "more", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } }; m.volumes.more = "/more"; }
let c = mapping_client(m);
if phase == "adopt" { show(c.startup("__all__", #{ adopt: true })); }
if phase == "plain" || phase == "more" { show(c.update("__all__")); }
if phase == "down" { show(c.shutdown("__all__", #{ remove_attached: true })); }
"#;

#[test]
fn adopted_volumes_and_networks_stay_adopted_and_foreign_ones_are_refused() {
    let rt = runtime();
    let t = DockerTest::new("adopt_sticks");
    let recipe = Recipe::new(&t, &busybox_image(), ADOPTING);
    let (data, net, more) = (n(&t, "data"), n(&t, "net"), n(&t, "more"));
    rt.block_on(async {
        let docker = docker().await;
        for volume in [&data, &more] {
            let request = VolumeCreateRequest {
                name: Some(volume.clone()),
                labels: Some(t.labels()),
                ..Default::default()
            };
            docker.create_volume(request).await.expect("volume");
        }
        let request = NetworkCreateRequest {
            name: net.clone(),
            labels: Some(t.labels()),
            ..Default::default()
        };
        docker.create_network(request).await.expect("network");

        recipe
            .run("plain")
            .failure()
            .stderr_has(&format!("volume `{data}` exists but was not created by dmap"));
        let out = recipe.run("adopt");
        out.success();
        assert_eq!(out.steps_of(&data, "adopt").len(), 1, "{out}");
        assert_eq!(out.steps_of(&net, "adopt").len(), 1, "{out}");
        assert_running(&t, &[n(&t, "db")]).await;
        // Later runs need no `adopt`; data in the adopted volume is the container's.
        assert_no_steps(&recipe.run("plain"));
        // A foreign volume not adopted is still refused.
        recipe
            .run("more")
            .failure()
            .stderr_has(&format!("volume `{more}` exists but was not created by dmap"));
        // And adopted objects are the map's to remove.
        recipe.run("down").success();
        assert!(!t.volume_exists(&data).await && !t.network_exists(&net).await);
        let markers = docker
            .list_volumes(None::<bollard::query_parameters::ListVolumesOptions>)
            .await
            .expect("volumes")
            .volumes
            .unwrap_or_default()
            .into_iter()
            .filter(|v| v.labels.get("dmap.map") == Some(&t.name))
            .count();
        assert_eq!(markers, 0, "no adoption markers left");
    });
}

// ------------------------------------------------------------------------------------------------
// Volume settings, orphans, health
// ------------------------------------------------------------------------------------------------

/// One attached volume, with local tmpfs options in phase `tmpfs`, without in the others.
const VOLUME_OPTIONS: &str = r#"
m.volumes.scratch = if phase == "tmpfs" {
    #{ default_path: "/scratch", driver_options: #{ type: "tmpfs", device: "tmpfs" } }
} else { "/scratch" };
m.containers.svc = #{ image: img, attaches: "scratch", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
let c = mapping_client(m);
show(c.update("svc"));
"#;

#[test]
fn a_volume_whose_options_changed_or_were_removed_is_reported_both_ways() {
    for (first, then, change) in [
        (
            "tmpfs",
            "plain",
            "(device=tmpfs, type=tmpfs) → `local` (no options)",
        ),
        (
            "plain",
            "tmpfs",
            "(no options) → `local` (device=tmpfs, type=tmpfs)",
        ),
    ] {
        let t = DockerTest::new(&format!("volume_options_{first}"));
        let recipe = Recipe::new(&t, &busybox_image(), VOLUME_OPTIONS);
        let volume = n(&t, "scratch");
        recipe.run(first).success();
        let out = recipe.run(then);
        out.success().stderr_has(&format!(
            "volume `{volume}` has changed (driver `local` {change}); it is kept"
        ));
        // Kept: the data in it survives, and nothing else happened.
        assert_no_steps(&out);
    }
}

#[test]
fn orphans_are_removed_within_the_targets_map_and_their_network_after_them() {
    let rt = runtime();
    let t = DockerTest::new("orphans_scope");
    let other = DockerTest::new("orphans_scope_other");
    let recipe = Recipe::new(
        &t,
        &busybox_image(),
        &format!(
            r#"
let o = container_map("{}");
m.networks.net = #{{}};
m.containers.a = #{{ image: img, networks: "net", stop_signal: "SIGKILL", create_options: #{{ command: "sleep 3600" }} }};
o.containers.x = #{{ image: img, stop_signal: "SIGKILL", create_options: #{{ command: "sleep 3600" }} }};
if phase == "startup" {{
    m.containers.gone = #{{ image: img, networks: "net", stop_signal: "SIGKILL", create_options: #{{ command: "sleep 3600" }} }};
    o.containers.y = #{{ image: img, stop_signal: "SIGKILL", create_options: #{{ command: "sleep 3600" }} }};
}}
let c = mapping_client([m, o]);
if phase == "startup" {{ show(c.startup(["__all__", "{0}/__all__"])); }}
if phase == "shutdown" {{ show(c.shutdown("__all__", #{{ remove_orphans: true }})); }}
"#,
            other.name
        ),
    );
    recipe.run("startup").success();
    let out = recipe.run("shutdown");
    out.success();
    rt.block_on(async {
        assert!(
            try_inspect(&n(&t, "gone")).await.is_none(),
            "the orphan is removed\n{out}"
        );
        assert!(
            !t.network_exists(&n(&t, "net")).await,
            "its network goes after it\n{out}"
        );
        assert!(
            try_inspect(&n(&other, "y")).await.is_some(),
            "the other map's orphan stays\n{out}"
        );
        assert_running(&t, &[n(&other, "x")]).await;
    });
}

#[test]
fn a_dependency_already_unhealthy_fails_at_once_naming_it() {
    let rt = runtime();
    let t = DockerTest::new("unhealthy_now");
    let recipe = Recipe::new(
        &t,
        &busybox_image(),
        r#"
m.containers.db = #{
    image: img, stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" },
    healthcheck: #{ test: ["CMD", "false"], interval: "200ms", retries: 1 },
};
m.containers.web = #{ image: img, links: "db", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
let c = mapping_client(m, docker(#{ wait_timeout: 50 }));
if phase == "db" { show(c.startup("db")); } else { show(c.startup("web")); }
"#,
    );
    let db = n(&t, "db");
    recipe.run("db").success();
    rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let health = t
                .inspect(&db)
                .await
                .state
                .and_then(|s| s.health)
                .and_then(|h| h.status);
            if health.map(|h| h.to_string()).as_deref() == Some("unhealthy") {
                break;
            }
            assert!(Instant::now() < deadline, "db never became unhealthy");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let out = recipe.run("web");
    out.failure().stderr_has(&format!(
        "error: failed to wait for container `{db}` to be healthy: container `{db}` is unhealthy"
    ));
    assert!(
        out.elapsed < Duration::from_secs(20),
        "did not wait for the 50 s limit\n{out}"
    );
}

#[test]
fn a_link_to_a_stopped_container_is_one_error_naming_it() {
    let rt = runtime();
    let t = DockerTest::new("link_to_stopped");
    let recipe = Recipe::new(
        &t,
        &busybox_image(),
        r#"
m.containers.db = #{ image: img, stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
m.containers.web = #{ image: img, links: "db", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
let c = mapping_client(m);
if phase == "startup" { show(c.startup("web")); } else { show(c.restart("web")); }
"#,
    );
    recipe.run("startup").success();
    rt.block_on(stop(&n(&t, "db")));
    let out = recipe.run("restart");
    out.failure().stderr_has(&format!(
        "error: failed to start container `{}`: it links to container `{}`, which is not running",
        n(&t, "web"),
        n(&t, "db")
    ));
    assert_eq!(
        out.stderr.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{out}"
    );
}

#[test]
fn shutdown_with_remove_attached_removes_the_volumes_and_networks_of_containers_already_gone() {
    let rt = runtime();
    let t = DockerTest::new("remove_attached_gone");
    let recipe = Recipe::new(
        &t,
        &busybox_image(),
        r#"
m.volumes.data = "/data";
m.networks.net = #{};
m.containers.db = #{ image: img, attaches: "data", networks: "net", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
let c = mapping_client(m);
if phase == "startup" { show(c.startup("db")); } else { show(c.shutdown("__all__", #{ remove_attached: true })); }
"#,
    );
    recipe.run("startup").success();
    rt.block_on(async {
        rm_f(&n(&t, "db")).await;
        let out = recipe.run("shutdown");
        out.success();
        assert!(!t.volume_exists(&n(&t, "data")).await, "{out}");
        assert!(!t.network_exists(&n(&t, "net")).await, "{out}");
    });
}

#[test]
fn a_removed_network_alias_is_removed_on_the_engine() {
    let rt = runtime();
    let t = DockerTest::new("alias_removed");
    let recipe = Recipe::new(
        &t,
        &busybox_image(),
        r#"
m.networks.backend = #{};
m.containers.app = #{
    image: img, stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" },
    networks: if phase == "v1" { #{ backend: #{ aliases: "app" } } } else { "backend" },
};
let c = mapping_client(m);
show(c.update("app"));
"#,
    );
    let (app, backend) = (n(&t, "app"), n(&t, "backend"));
    recipe.run("v1").success();
    rt.block_on(async {
        let aliases = |info: bollard::models::ContainerInspectResponse| {
            info.network_settings
                .and_then(|n| n.networks)
                .and_then(|n| n.get(&backend).and_then(|e| e.aliases.clone()))
                .unwrap_or_default()
        };
        let id = id_of(&t, &app).await;
        assert!(aliases(t.inspect(&app).await).contains(&"app".to_string()));
        let out = recipe.run("v2");
        out.success();
        assert_eq!(
            out.steps_of(&app, "connect")[0].reason,
            "aliases changed",
            "{out}"
        );
        assert_eq!(id_of(&t, &app).await, id, "changed in place");
        assert!(!aliases(t.inspect(&app).await).contains(&"app".to_string()));
        assert_no_steps(&recipe.run("v2"));
    });
}

/// A keyword of `create_options` that duplicates a container field is that field: the container
/// is created with it and dmap stops it with it. (`sleep` as PID 1 ignores SIGTERM, so a stop
/// lasts the whole timeout: 1 s here, the default 10 s if the keyword were not honoured.)
#[test]
fn a_stop_timeout_in_create_options_is_the_one_dmap_stops_with() {
    let rt = runtime();
    let t = DockerTest::new("stop_timeout_option");
    let recipe = Recipe::new(
        &t,
        &busybox_image(),
        r#"
m.containers.sleeper = #{ image: img, create_options: #{ command: "sleep 3600", stop_timeout: 1 } };
let c = mapping_client(m);
if phase == "up" { show(c.startup("sleeper")); } else { show(c.stop("sleeper")); }
"#,
    );
    let sleeper = n(&t, "sleeper");
    recipe.run("up").success();
    rt.block_on(async {
        let info = t.inspect(&sleeper).await;
        assert_eq!(info.config.and_then(|c| c.stop_timeout), Some(1));
    });
    let out = recipe.run("stop");
    out.success();
    assert!(
        out.elapsed < Duration::from_secs(8),
        "stopped with the default timeout, not the option's: {out}"
    );
    rt.block_on(async {
        assert!(!is_running(&t.inspect(&sleeper).await));
    });
}

/// A container someone paused is seen: the plan says so, and an update unpauses it (then has
/// nothing left to do).
#[test]
fn a_paused_container_is_unpaused_by_an_update() {
    let rt = runtime();
    let t = DockerTest::new("paused");
    let recipe = Recipe::new(
        &t,
        &busybox_image(),
        r#"
m.containers.app = #{ image: img, stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
let c = mapping_client(m);
if phase == "plan" { show(c.plan("update", "app")); } else { show(c.update("app")); }
"#,
    );
    let app = n(&t, "app");
    recipe.run("up").success();
    rt.block_on(async {
        docker().await.pause_container(&app).await.expect("pause");
    });
    let plan = recipe.run("plan");
    plan.success();
    assert_eq!(plan.steps_of(&app, "unpause")[0].reason, "paused", "{plan}");
    recipe.run("up").success();
    rt.block_on(async {
        let state = t.inspect(&app).await.state.unwrap_or_default();
        assert_eq!((state.running, state.paused), (Some(true), Some(false)));
    });
    assert_no_steps(&recipe.run("up"));
}

/// A helper a killed run left (holding an attached volume) is shown by `status` and removed by
/// `down --volumes` before the volume it mounts, which goes too.
#[test]
fn a_leftover_helper_is_shown_and_removed_by_down() {
    let rt = runtime();
    let t = DockerTest::new("leftover_helper");
    let recipe = Recipe::new(
        &t,
        &busybox_image(),
        r#"
m.volumes.data = "/data";
m.containers.app = #{ image: img, attaches: "data", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
let c = mapping_client(m);
if phase == "status" {
    for h in c.status().leftovers { print(`LEFTOVER ${h.what} ${h.name}`); }
} else if phase == "down" {
    show(c.shutdown("app", #{ remove_attached: true }));
} else {
    show(c.startup("app"));
}
"#,
    );
    recipe.run("up").success();
    let (helper, data) = (n(&t, "app.prepare.data"), n(&t, "data"));
    rt.block_on(async {
        let mut labels = t.labels();
        labels.insert("dmap.map".into(), t.name.clone());
        labels.insert("dmap.kind".into(), "helper".into());
        let body = ContainerCreateBody {
            image: Some(busybox_image()),
            cmd: Some(vec!["sleep".into(), "3600".into()]),
            labels: Some(labels),
            host_config: Some(HostConfig {
                binds: Some(vec![format!("{data}:/data")]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let options = CreateContainerOptionsBuilder::default().name(&helper).build();
        docker()
            .await
            .create_container(Some(options), body)
            .await
            .expect("create helper");
    });
    let out = recipe.run("status");
    out.success();
    assert!(out.stdout.contains(&format!("LEFTOVER helper {helper}")), "{out}");
    let out = recipe.run("down");
    out.success();
    assert_eq!(out.steps_of(&helper, "remove_leftover").len(), 1, "{out}");
    rt.block_on(async {
        assert!(try_inspect(&helper).await.is_none(), "{out}");
        assert!(!t.volume_exists(&data).await, "{out}");
    });
}

/// A container that `uses` another's volumes, after that container was removed behind dmap's
/// back and created again by `up`, shares the new container's volume — it does not keep a
/// copy of the old one.
#[test]
fn a_volumes_from_dependent_shares_the_recreated_sources_new_volume() {
    let rt = runtime();
    let t = DockerTest::new("uses_recreated");
    let recipe = Recipe::new(
        &t,
        &busybox_image(),
        r#"
m.containers.store = #{ image: img, shares: "/data", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
m.containers.reader = #{ image: img, uses: "store", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
let c = mapping_client(m);
show(c.update("__all__"));
"#,
    );
    let (store, reader) = (n(&t, "store"), n(&t, "reader"));
    recipe.run("up").success();
    rt.block_on(async {
        let old = volume_at(&t.inspect(&store).await, "/data").expect("store's volume");
        rm_f(&store).await;
        let out = recipe.run("up");
        out.success();
        let new = volume_at(&t.inspect(&store).await, "/data").expect("store's new volume");
        assert_ne!(old, new, "a new store has a new volume");
        assert_eq!(
            volume_at(&t.inspect(&reader).await, "/data"),
            Some(new),
            "reader shares the new store's volume\n{out}"
        );
        // The old volume is no longer mounted by anything: removed here, as a person would.
        let _ = docker()
            .await
            .remove_volume(&old, None::<bollard::query_parameters::RemoveVolumeOptions>)
            .await;
    });
    assert_no_steps(&recipe.run("up"));
}

/// Environment values never reach dmap's labels in plain text: the recorded spec holds a digest
/// per variable, and a changed value is still a reason naming the variable, never its value.
#[test]
fn environment_values_are_recorded_as_digests_and_changes_named_without_them() {
    let rt = runtime();
    let t = DockerTest::new("env_digests");
    let recipe = Recipe::new(
        &t,
        &busybox_image(),
        r#"
let password = if phase == "v2" { "correct-horse" } else { "hunter2-secret" };
m.containers.app = #{ image: img, stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600", environment: #{ DB_PASSWORD: password } } };
let c = mapping_client(m);
show(c.update("app"));
"#,
    );
    let app = n(&t, "app");
    recipe.run("v1").success();
    rt.block_on(async {
        let info = t.inspect(&app).await;
        let labels = labels(&info);
        assert!(
            labels.values().all(|v| !v.contains("hunter2-secret")),
            "a label holds the value: {labels:?}"
        );
        assert!(labels["dmap.spec"].contains("DB_PASSWORD"), "{labels:?}");
        assert!(env(&info).contains(&"DB_PASSWORD=hunter2-secret".to_string()));
    });
    assert_no_steps(&recipe.run("v1"));
    let out = recipe.run("v2");
    out.success();
    assert_eq!(
        out.steps_of(&app, "recreate")[0].reason,
        "env `DB_PASSWORD` changed",
        "{out}"
    );
    assert!(
        !out.stdout.contains("correct-horse") && !out.stderr.contains("correct-horse"),
        "{out}"
    );
    assert_no_steps(&recipe.run("v2"));
}
