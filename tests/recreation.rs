//! Recreation that never leaves a service down, against the real Engine (docs/engine.md,
//! "Recreating safely"): the new container is created beside the old one, the old one stops, the
//! new one starts (and becomes healthy where something waits for it); on failure the new one is
//! removed and the old one — with what is bound to it — runs again, its data and port intact, and
//! the error says so. A crash in between leaves only a labelled container the next run handles.

use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{CreateContainerOptionsBuilder, RenameContainerOptions};

use crate::support::recipe::*;
use crate::support::{busybox_image, docker, runtime, DockerTest};

/// app serves a page on a published port and keeps data in a named volume; side joins its
/// network namespace, web links it. Phase `good` starts it all, `bad` changes app's command to
/// one that does not exist, `fixed` to another that works.
const SERVICE: &str = r#"
let port = parse_int(ARGS[3]);
m.volumes.data = "/data";
let version = if phase == "fixed" { "v2" } else { "v1" };
let serve = `mkdir -p /www && echo ${version} > /www/index.html && echo kept >> /data/x && exec httpd -f -p 80 -h /www`;
let command = if phase == "bad" { ["/no/such/program"] } else { ["sh", "-c", serve] };
m.containers.app = #{
    image: img, attaches: "data", exposes: [[80, port, "127.0.0.1"]], stop_signal: "SIGKILL",
    create_options: #{ command: command },
};
m.containers.side = #{ image: img, network_mode: "app", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
m.containers.web = #{ image: img, links: "app", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
let c = mapping_client(m);
show(c.update("__all__"));
"#;

/// The page app serves on `port`.
fn page(port: &str) -> String {
    let response = http_get(port.parse().expect("port"));
    response
        .split_once("\r\n\r\n")
        .map_or(response.as_str(), |(_, body)| body)
        .trim()
        .to_string()
}

#[test]
fn a_failed_recreation_restores_the_previous_container_and_what_is_bound_to_it() {
    let rt = runtime();
    let t = DockerTest::new("restore");
    let recipe = Recipe::new(&t, &busybox_image(), SERVICE);
    let port = free_port().to_string();
    let (app, side, web) = (n(&t, "app"), n(&t, "side"), n(&t, "web"));
    recipe.run_with("good", &[&port]).success();
    let before = rt.block_on(async {
        [
            id_of(&t, &app).await,
            id_of(&t, &side).await,
            id_of(&t, &web).await,
        ]
    });
    assert_eq!(page(&port), "v1");

    let out = recipe.run_with("bad", &[&port]);
    out.failure();
    out.stderr_has(&format!("error: failed to recreate container `{app}`: "));
    out.stderr_has("no/such/program");
    out.stderr_has("; the previous container was restored");
    rt.block_on(async {
        // The same containers run again: the service is back, its port and data intact.
        let after = [
            id_of(&t, &app).await,
            id_of(&t, &side).await,
            id_of(&t, &web).await,
        ];
        assert_eq!(before, after, "the old containers are kept");
        assert_running(&t, &[app.clone(), side.clone(), web.clone()]).await;
        assert_eq!(
            names(&t).await,
            sorted(&[app.clone(), side.clone(), web.clone()]),
            "no new container is left"
        );
        let (code, data) = t.exec_output(&app, &["cat", "/data/x"]).await;
        assert_eq!(
            (code, data.trim()),
            (0, "kept\nkept"),
            "the volume's data survived (a line per start)"
        );
    });
    assert_eq!(page(&port), "v1");
    // The old recipe finds nothing to do.
    assert_no_steps(&recipe.run_with("good", &[&port]));

    // A working change recreates app in one step, then what is bound to it.
    let out = recipe.run_with("fixed", &[&port]);
    out.success();
    assert_eq!(out.steps_of(&app, "recreate").len(), 1, "{out}");
    assert_eq!(
        out.steps_of(&side, "recreate")[0].reason,
        format!("`{app}` is recreated"),
        "{out}"
    );
    assert_eq!(out.steps_of(&web, "recreate").len(), 1, "{out}");
    assert_eq!(page(&port), "v2");
    rt.block_on(async {
        let after = [
            id_of(&t, &app).await,
            id_of(&t, &side).await,
            id_of(&t, &web).await,
        ];
        for (i, name) in ["app", "side", "web"].iter().enumerate() {
            assert_ne!(before[i], after[i], "{name} recreated");
        }
        assert_eq!(names(&t).await, sorted(&[app.clone(), side.clone(), web.clone()]));
        let (code, data) = t.exec_output(&app, &["cat", "/data/x"]).await;
        assert_eq!(
            (code, data.trim()),
            (0, "kept\nkept\nkept"),
            "named volume kept across the recreation"
        );
    });
    assert_no_steps(&recipe.run_with("fixed", &[&port]));
}

/// A dependency with a healthcheck whose new version never becomes healthy: its dependent
/// waits for it, so the recreation waits too (within `wait_timeout`), fails, and restores it.
#[test]
fn a_recreation_that_never_becomes_healthy_where_something_waits_is_rolled_back() {
    let rt = runtime();
    let t = DockerTest::new("restore_health");
    let recipe = Recipe::new(
        &t,
        &busybox_image(),
        r#"
let healthy = if phase == "sick" { "false" } else { "true" };
m.containers.db = #{
    image: img, stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600", environment: #{ V: phase } },
    healthcheck: #{ test: ["CMD", healthy], interval: "200ms", retries: 1 },
};
m.containers.web = #{ image: img, links: "db", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
let c = mapping_client(m, docker(#{ wait_timeout: 30 }));
show(c.update("__all__"));
"#,
    );
    let (db, web) = (n(&t, "db"), n(&t, "web"));
    recipe.run("well").success();
    let before = rt.block_on(async { [id_of(&t, &db).await, id_of(&t, &web).await] });
    let out = recipe.run("sick");
    out.failure();
    out.stderr_has(&format!(
        "error: failed to recreate container `{db}`: container `{db}.dmap-new` is unhealthy; the previous container was restored"
    ));
    rt.block_on(async {
        assert_eq!(before, [id_of(&t, &db).await, id_of(&t, &web).await]);
        assert_running(&t, &[db.clone(), web.clone()]).await;
        assert_eq!(names(&t).await, sorted(&[db.clone(), web.clone()]));
    });
    assert_no_steps(&recipe.run("well"));
}

/// A container created under the temporary name of a recreation, labelled for the map, as a
/// run killed during a recreation leaves it.
async fn leave_replacement(t: &DockerTest, map: &str, name: &str, image: &str) {
    let labels = std::collections::HashMap::from([("dmap.map".to_string(), map.to_string()), t.label()]);
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        cmd: Some(vec!["sleep".into(), "3600".into()]),
        labels: Some(labels),
        volumes: Some(vec!["/scratch".to_string()]),
        ..Default::default()
    };
    let options = CreateContainerOptionsBuilder::default().name(name).build();
    docker()
        .await
        .create_container(Some(options), body)
        .await
        .unwrap_or_else(|e| panic!("cannot create {name}: {e}"));
}

/// Renames a container behind dmap's back.
async fn rename(from: &str, to: &str) {
    let options = RenameContainerOptions { name: to.to_string() };
    docker()
        .await
        .rename_container(from, options)
        .await
        .unwrap_or_else(|e| panic!("cannot rename {from}: {e}"));
}

#[test]
fn what_an_interrupted_recreation_leaves_is_cleaned_up_or_finished_by_the_next_run() {
    let rt = runtime();
    let t = DockerTest::new("interrupted_recreation");
    let image = busybox_image();
    let recipe = Recipe::new(
        &t,
        &image,
        r#"
m.containers.app = #{ image: img, shares: "/cache", stop_signal: "SIGKILL", create_options: #{ command: "sh -c 'echo kept >> /cache/x; exec sleep 3600'" } };
let c = mapping_client(m);
if phase == "status" {
    for l in c.status().leftovers { print(`LEFTOVER ${l.what} ${l.name}`); }
} else if phase == "down" {
    show(c.shutdown("__all__", #{ remove_attached: true }));
} else {
    show(c.update("__all__"));
}
"#,
    );
    let app = n(&t, "app");
    let temp = format!("{app}.dmap-new");
    recipe.run("up").success();
    let id = rt.block_on(async { id_of(&t, &app).await });

    // Killed before the old container was removed: the new one goes, with its own anonymous
    // volume; the old one is left alone, and nothing is called an orphan.
    rt.block_on(leave_replacement(&t, &t.name, &temp, &image));
    let scratch =
        rt.block_on(async { volume_at(&t.inspect(&temp).await, "/scratch").expect("anonymous volume") });
    let out = recipe.run("status");
    out.success()
        .stdout_has(&format!("LEFTOVER replacement {temp}\n"));
    let out = recipe.run("up");
    out.success();
    assert_eq!(out.steps_of(&temp, "remove_leftover").len(), 1, "{out}");
    assert!(!out.stderr.contains("orphan"), "{out}");
    rt.block_on(async {
        assert_eq!(id_of(&t, &app).await, id);
        assert!(try_inspect(&temp).await.is_none());
        assert!(
            docker().await.inspect_volume(&scratch).await.is_err(),
            "the leftover's own anonymous volume is removed with it"
        );
    });

    // Killed after the old container was removed: the new one (here: the old one under the
    // temporary name) takes the name, keeping the anonymous volume it mounts.
    let cache = rt.block_on(async {
        let cache = volume_at(&t.inspect(&app).await, "/cache").expect("anonymous volume");
        rename(&app, &temp).await;
        cache
    });
    let out = recipe.run("up");
    out.success();
    assert_eq!(out.steps_of(&app, "rename").len(), 1, "{out}");
    rt.block_on(async {
        assert_eq!(id_of(&t, &app).await, id, "the same container, under its name");
        assert_eq!(volume_at(&t.inspect(&app).await, "/cache"), Some(cache.clone()));
    });
    assert_no_steps(&recipe.run("up"));
    // and its data volume is never orphaned: `down --volumes` removes it
    rt.block_on(rename(&app, &temp));
    recipe.run("down").success();
    rt.block_on(async {
        assert!(names(&t).await.is_empty());
        assert!(
            docker().await.inspect_volume(&cache).await.is_err(),
            "the anonymous volume went with its container"
        );
    });
}
