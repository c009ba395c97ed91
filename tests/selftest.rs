//! Proves the test support (tests/support): the Docker fixture against the real Engine, and the
//! harness that runs the binary.

use std::collections::HashMap;

use crate::support::{busybox_image, docker, runtime, DockerTest};
use bollard::models::{
    ContainerCreateBody, EndpointSettings, HostConfig, Mount, MountType, NetworkCreateRequest,
    NetworkingConfig, VolumeCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, InspectContainerOptions, StartContainerOptions,
};

#[test]
fn fixture_runs_a_container_and_cleans_up() {
    let rt = runtime();
    let image = busybox_image();
    assert!(image.starts_with("dmap-test/busybox:"), "{image}");

    let test = DockerTest::new("fixture_runs_a_container_and_cleans_up");
    let container = format!("{}.probe", test.name);
    let volume = format!("{}.data", test.name);
    let network = format!("{}.net", test.name);

    rt.block_on(async {
        let docker = docker().await;
        docker
            .create_volume(VolumeCreateRequest {
                name: Some(volume.clone()),
                labels: Some(test.labels()),
                ..Default::default()
            })
            .await
            .expect("create volume");
        docker
            .create_network(NetworkCreateRequest {
                name: network.clone(),
                labels: Some(test.labels()),
                ..Default::default()
            })
            .await
            .expect("create network");
        let body = ContainerCreateBody {
            image: Some(image.clone()),
            cmd: Some(vec!["sleep".into(), "300".into()]),
            labels: Some(test.labels()),
            host_config: Some(HostConfig {
                mounts: Some(vec![Mount {
                    target: Some("/data".into()),
                    source: Some(volume.clone()),
                    typ: Some(MountType::VOLUME),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            networking_config: Some(NetworkingConfig {
                endpoints_config: Some(HashMap::from([(network.clone(), EndpointSettings::default())])),
            }),
            ..Default::default()
        };
        let options = CreateContainerOptionsBuilder::default().name(&container).build();
        docker
            .create_container(Some(options), body)
            .await
            .expect("create container");
        docker
            .start_container(&container, None::<StartContainerOptions>)
            .await
            .expect("start container");

        let inspected = test.inspect(&container).await;
        assert_eq!(inspected.state.and_then(|state| state.running), Some(true));
        assert_eq!(test.containers().await.len(), 1);
        assert!(test.volume_exists(&volume).await);
        assert!(test.network_exists(&network).await);

        let script = "id app && ls -ld /tmp && echo hi > /data/x && cat /data/x";
        let (code, output) = test.exec_output(&container, &["sh", "-c", script]).await;
        assert_eq!(code, 0, "{output}");
        let lines: Vec<&str> = output.lines().collect();
        assert_eq!(lines.len(), 3, "{output}");
        assert_eq!(
            lines[0], "uid=2000(app) gid=2000(app) groups=2000(app)",
            "{output}"
        );
        assert!(lines[1].starts_with("drwxrwxrwt"), "{output}");
        assert!(lines[1].ends_with("/tmp"), "{output}");
        assert_eq!(lines[2], "hi", "{output}");

        let (code, output) = test
            .exec_output(&container, &["sh", "-c", "echo oops >&2; exit 3"])
            .await;
        assert_eq!((code, output.as_str()), (3, "oops\n"));
    });

    drop(test);

    rt.block_on(async {
        let docker = docker().await;
        let error = docker
            .inspect_container(&container, None::<InspectContainerOptions>)
            .await
            .expect_err("the container should be gone");
        assert!(crate::support::is_not_found(&error), "{error}");
        let error = docker
            .inspect_volume(&volume)
            .await
            .expect_err("the volume should be gone");
        assert!(crate::support::is_not_found(&error), "{error}");
        let error = docker
            .inspect_network(&network, None)
            .await
            .expect_err("the network should be gone");
        assert!(crate::support::is_not_found(&error), "{error}");
    });
}

#[test]
fn parallel_docker_tests_get_distinct_names() {
    let names: Vec<String> = (0..2)
        .map(|_| std::thread::spawn(|| DockerTest::new("parallel").name.clone()))
        .collect::<Vec<_>>()
        .into_iter()
        .map(|handle| handle.join().expect("DockerTest::new"))
        .collect();
    assert_ne!(names[0], names[1]);
    let valid = |name: &str| {
        name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    for name in &names {
        assert!(valid(name), "{name}");
        assert!(name.starts_with("t-parallel-"), "{name}");
    }
    let test = DockerTest::new("parallel");
    assert!(test.owns_name(&test.name));
    assert!(test.owns_name(&format!("/{}.app.web", test.name)));
    assert!(!test.owns_name(&format!("{}0.app", test.name)));
}

#[test]
fn drop_cleans_up_after_a_panic_inside_the_runtime() {
    let rt = runtime();
    let image = busybox_image();
    let name = std::sync::Mutex::new(String::new());
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            // Owned by the future: dropped while unwinding, inside the runtime.
            let test = DockerTest::new("drop_after_panic");
            *name.lock().unwrap() = test.name.clone();
            let docker = docker().await;
            let body = ContainerCreateBody {
                image: Some(image.clone()),
                cmd: Some(vec!["sleep".into(), "300".into()]),
                ..Default::default()
            };
            // Named only (no label): found through the `<name>.` prefix, as dmap's objects are.
            let options = CreateContainerOptionsBuilder::default()
                .name(&format!("{}.app.web", test.name))
                .build();
            docker
                .create_container(Some(options), body)
                .await
                .expect("create container");
            docker
                .create_volume(VolumeCreateRequest {
                    name: Some(format!("{}.app", test.name)),
                    ..Default::default()
                })
                .await
                .expect("create volume");
            panic!("deliberate failure");
        })
    }));
    assert!(outcome.is_err());
    let name = name.into_inner().unwrap();
    rt.block_on(async {
        let docker = docker().await;
        let error = docker
            .inspect_container(&format!("{name}.app.web"), None::<InspectContainerOptions>)
            .await
            .expect_err("the container should be gone");
        assert!(crate::support::is_not_found(&error), "{error}");
        let error = docker
            .inspect_volume(&format!("{name}.app"))
            .await
            .expect_err("the volume should be gone");
        assert!(crate::support::is_not_found(&error), "{error}");
    });
}

// ------------------------------------------------------------------------------------------------
// The harness
// ------------------------------------------------------------------------------------------------

use crate::support::harness::{unindent, Test, TMP};

#[test]
fn unindent_drops_the_shared_indentation_and_the_framing_lines() {
    let cases = [
        ("\n    a\n      b\n\n    c\n    ", "a\n  b\n\nc\n"),
        ("a\nb", "a\nb\n"),
        ("\n  x\n", "x\n"),
    ];
    for (text, want) in cases {
        assert_eq!(unindent(text), want, "{text:?}");
    }
}

#[test]
fn exact_output_checks_fail_on_any_difference_and_temporary_paths_are_normalised() {
    let t = Test::new().file("a.rhai", "let m = container_map(\"bad name\");\n");
    let path = t.path().join("a.rhai");
    let out = t.args(["check".as_ref(), path.as_os_str()]).run();
    out.failure();
    let shown = format!("--> {TMP}/a.rhai:1:9\n");
    out.stderr_has(&shown);
    let exact = out.stderr.clone();
    out.stderr(&exact);
    for wrong in [
        exact.replacen("1:9", "1:8", 1),
        exact.trim_end().to_string(),
        format!("{exact}\n"),
    ] {
        let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            out.stderr(&wrong);
        }));
        assert!(failed.is_err(), "{wrong:?} passed for {exact:?}");
    }
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        out.status(0);
    }));
    assert!(failed.is_err(), "a wrong exit code passed");
}

#[test]
fn a_run_past_its_timeout_is_killed_and_fails() {
    let t = Test::new()
        .file("loop.rhai", "loop { }\n")
        .args(["run", "loop.rhai"])
        .timeout(std::time::Duration::from_millis(1));
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.run()));
    assert!(failed.is_err(), "an endless run passed");
}
