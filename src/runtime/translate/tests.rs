//! docker-py keywords in the Engine's shapes, table by table.

use bollard::models::{RestartPolicy, RestartPolicyNameEnum};
use serde_json::{json, Value as Json};

use super::*;
use crate::model::options;

/// A model value from JSON, to keep the tables short.
fn v(j: Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => n
            .as_i64()
            .map_or(Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
        Json::String(s) => Value::Str(s),
        Json::Array(items) => Value::List(items.into_iter().map(v).collect()),
        Json::Object(map) => Value::Map(map.into_iter().map(|(k, j)| (k, v(j))).collect()),
    }
}

fn opts(key: &str, input: Json) -> BTreeMap<String, Value> {
    BTreeMap::from([(key.to_string(), v(input))])
}

fn host(key: &str, input: Json) -> Result<Json, TranslateError> {
    let (_, h) = option_fields(&opts(key, input))?;
    Ok(serde_json::to_value(h).unwrap())
}

/// The keywords the table sends to an Engine field of this kind.
fn keys_of(kind: fn(Engine) -> bool) -> Vec<&'static str> {
    options::OPTIONS
        .iter()
        .filter(|d| kind(d.engine))
        .map(|d| d.key)
        .collect()
}

#[test]
fn host_config_keys() {
    let cases = [
        ("auto_remove", json!(true), json!({"AutoRemove": true})),
        ("binds", json!(["/a:/b:ro"]), json!({"Binds": ["/a:/b:ro"]})),
        (
            "binds",
            json!({"/a": {"bind": "/b", "mode": "ro"}, "/c": "/d", "/e": {"bind": "/f", "ro": true}}),
            json!({"Binds": ["/a:/b:ro", "/c:/d:rw", "/e:/f:ro"]}),
        ),
        ("blkio_weight", json!(300), json!({"BlkioWeight": 300})),
        (
            "blkio_weight_device",
            json!([{"Path": "/dev/sda", "Weight": 200}, {"path": "/dev/sdb", "weight": 10}, "/dev/sdc:5"]),
            json!({"BlkioWeightDevice": [
                {"Path": "/dev/sda", "Weight": 200},
                {"Path": "/dev/sdb", "Weight": 10},
                {"Path": "/dev/sdc", "Weight": 5}
            ]}),
        ),
        ("cap_add", json!(["NET_ADMIN"]), json!({"CapAdd": ["NET_ADMIN"]})),
        ("cap_drop", json!(["ALL"]), json!({"CapDrop": ["ALL"]})),
        ("cgroup_parent", json!("/ci"), json!({"CgroupParent": "/ci"})),
        ("cgroupns", json!("host"), json!({"CgroupnsMode": "host"})),
        ("cpu_count", json!(2), json!({"CpuCount": 2})),
        ("cpu_percent", json!(50), json!({"CpuPercent": 50})),
        ("cpu_period", json!(100000), json!({"CpuPeriod": 100000})),
        ("cpu_quota", json!(50000), json!({"CpuQuota": 50000})),
        ("cpu_rt_period", json!(1000), json!({"CpuRealtimePeriod": 1000})),
        ("cpu_rt_runtime", json!(500), json!({"CpuRealtimeRuntime": 500})),
        ("cpu_shares", json!(512), json!({"CpuShares": 512})),
        ("cpuset_cpus", json!("0-3"), json!({"CpusetCpus": "0-3"})),
        ("cpuset_mems", json!("0"), json!({"CpusetMems": "0"})),
        (
            "device_cgroup_rules",
            json!(["c 1:3 mr"]),
            json!({"DeviceCgroupRules": ["c 1:3 mr"]}),
        ),
        (
            "device_read_bps",
            json!([{"path": "/dev/sda", "rate": "1m"}]),
            json!({"BlkioDeviceReadBps": [{"Path": "/dev/sda", "Rate": 1048576}]}),
        ),
        (
            "device_write_bps",
            json!(["/dev/sda:1k"]),
            json!({"BlkioDeviceWriteBps": [{"Path": "/dev/sda", "Rate": 1024}]}),
        ),
        (
            "device_read_iops",
            json!([{"Path": "/dev/sda", "Rate": 100}]),
            json!({"BlkioDeviceReadIOps": [{"Path": "/dev/sda", "Rate": 100}]}),
        ),
        (
            "device_write_iops",
            json!(["/dev/sda:200"]),
            json!({"BlkioDeviceWriteIOps": [{"Path": "/dev/sda", "Rate": 200}]}),
        ),
        (
            "device_requests",
            json!([{"count": -1, "capabilities": [["gpu"]]}, {"driver": "nvidia", "device_ids": ["0"],
                    "capabilities": ["gpu", "compute"], "options": {"a": "b"}}]),
            json!({"DeviceRequests": [
                {"Count": -1, "Capabilities": [["gpu"]]},
                {"Driver": "nvidia", "DeviceIDs": ["0"], "Capabilities": [["gpu", "compute"]],
                 "Options": {"a": "b"}}
            ]}),
        ),
        (
            "devices",
            json!([
                "/dev/sda:/dev/xvda:r",
                "/dev/fuse",
                "/dev/kvm:rw",
                "/dev/a:/dev/b"
            ]),
            json!({"Devices": [
                {"PathOnHost": "/dev/sda", "PathInContainer": "/dev/xvda", "CgroupPermissions": "r"},
                {"PathOnHost": "/dev/fuse", "PathInContainer": "/dev/fuse", "CgroupPermissions": "rwm"},
                {"PathOnHost": "/dev/kvm", "PathInContainer": "/dev/kvm", "CgroupPermissions": "rw"},
                {"PathOnHost": "/dev/a", "PathInContainer": "/dev/b", "CgroupPermissions": "rwm"}
            ]}),
        ),
        ("dns", json!(["8.8.8.8"]), json!({"Dns": ["8.8.8.8"]})),
        ("dns_opt", json!(["ndots:2"]), json!({"DnsOptions": ["ndots:2"]})),
        (
            "dns_search",
            json!(["example.com"]),
            json!({"DnsSearch": ["example.com"]}),
        ),
        (
            "extra_hosts",
            json!({"b": "10.0.0.2", "a": "10.0.0.1"}),
            json!({"ExtraHosts": ["a:10.0.0.1", "b:10.0.0.2"]}),
        ),
        (
            "extra_hosts",
            json!(["a:10.0.0.1"]),
            json!({"ExtraHosts": ["a:10.0.0.1"]}),
        ),
        ("group_add", json!(["video"]), json!({"GroupAdd": ["video"]})),
        ("init", json!(true), json!({"Init": true})),
        ("ipc_mode", json!("host"), json!({"IpcMode": "host"})),
        ("isolation", json!("process"), json!({"Isolation": "process"})),
        (
            "links",
            json!({"db": "database", "cache": null}),
            json!({"Links": ["cache", "db:database"]}),
        ),
        (
            "links",
            json!([["db", "database"], "web:w"]),
            json!({"Links": ["db:database", "web:w"]}),
        ),
        (
            "log_config",
            json!({"type": "json-file", "config": {"max-size": "10m", "max-file": 3}}),
            json!({"LogConfig": {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "3"}}}),
        ),
        ("mem_limit", json!("3g"), json!({"Memory": 3_221_225_472_i64})),
        (
            "mem_reservation",
            json!("8m"),
            json!({"MemoryReservation": 8_388_608}),
        ),
        ("mem_swappiness", json!(0), json!({"MemorySwappiness": 0})),
        ("memswap_limit", json!(-1), json!({"MemorySwap": -1})),
        (
            "memswap_limit",
            json!("1g"),
            json!({"MemorySwap": 1_073_741_824_i64}),
        ),
        (
            "mounts",
            json!([
                {"target": "/data", "source": "vol", "read_only": true, "no_copy": true},
                {"Target": "/run", "Type": "tmpfs", "TmpfsOptions": {"Mode": 448}},
                {"target": "/tmp", "type": "tmpfs", "tmpfs_size": "64m"},
                {"target": "/src", "source": "/home/src", "type": "bind", "propagation": "rslave"},
                "/host:/c:ro",
                "cache:/cache"
            ]),
            json!({"Mounts": [
                {"Target": "/data", "Source": "vol", "Type": "volume", "ReadOnly": true,
                 "VolumeOptions": {"NoCopy": true}},
                {"Target": "/run", "Type": "tmpfs", "TmpfsOptions": {"Mode": 448}},
                {"Target": "/tmp", "Type": "tmpfs", "TmpfsOptions": {"SizeBytes": 67_108_864}},
                {"Target": "/src", "Source": "/home/src", "Type": "bind",
                 "BindOptions": {"Propagation": "rslave"}},
                {"Target": "/c", "Source": "/host", "Type": "bind", "ReadOnly": true},
                {"Target": "/cache", "Source": "cache", "Type": "volume", "ReadOnly": false}
            ]}),
        ),
        (
            "nano_cpus",
            json!(1_500_000_000),
            json!({"NanoCpus": 1_500_000_000}),
        ),
        ("network_mode", json!("host"), json!({"NetworkMode": "host"})),
        ("oom_kill_disable", json!(true), json!({"OomKillDisable": true})),
        ("oom_score_adj", json!(-500), json!({"OomScoreAdj": -500})),
        ("pid_mode", json!("host"), json!({"PidMode": "host"})),
        ("pids_limit", json!(100), json!({"PidsLimit": 100})),
        (
            "port_bindings",
            json!({"80": 8080, "53/udp": ["127.0.0.1", 5353], "443": [8443, "9443"], "22": null,
                   "8000": "127.0.0.1:8000", "9000": {"HostIp": "::1", "HostPort": "9000"}}),
            json!({"PortBindings": {
                "80/tcp": [{"HostIp": "", "HostPort": "8080"}],
                "53/udp": [{"HostIp": "127.0.0.1", "HostPort": "5353"}],
                "443/tcp": [{"HostIp": "", "HostPort": "8443"}, {"HostIp": "", "HostPort": "9443"}],
                "22/tcp": [{"HostIp": "", "HostPort": ""}],
                "8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8000"}],
                "9000/tcp": [{"HostIp": "::1", "HostPort": "9000"}]
            }}),
        ),
        ("privileged", json!(true), json!({"Privileged": true})),
        (
            "publish_all_ports",
            json!(false),
            json!({"PublishAllPorts": false}),
        ),
        ("read_only", json!(true), json!({"ReadonlyRootfs": true})),
        (
            "restart_policy",
            json!({"Name": "on-failure", "MaximumRetryCount": 3}),
            json!({"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3}}),
        ),
        (
            "restart_policy",
            json!({"Name": "always"}),
            json!({"RestartPolicy": {"Name": "always"}}),
        ),
        ("runtime", json!("runc"), json!({"Runtime": "runc"})),
        (
            "security_opt",
            json!(["no-new-privileges"]),
            json!({"SecurityOpt": ["no-new-privileges"]}),
        ),
        ("shm_size", json!("64m"), json!({"ShmSize": 67_108_864})),
        (
            "storage_opt",
            json!({"size": "10G"}),
            json!({"StorageOpt": {"size": "10G"}}),
        ),
        (
            "sysctls",
            json!({"net.core.somaxconn": "1024"}),
            json!({"Sysctls": {"net.core.somaxconn": "1024"}}),
        ),
        (
            "tmpfs",
            json!(["/run:size=64m", "/tmp"]),
            json!({"Tmpfs": {"/run": "size=64m", "/tmp": ""}}),
        ),
        (
            "tmpfs",
            json!({"/run": "size=64m", "/tmp": null}),
            json!({"Tmpfs": {"/run": "size=64m", "/tmp": ""}}),
        ),
        (
            "ulimits",
            json!([{"name": "nofile", "soft": 1024, "hard": 2048}, {"Name": "core", "Soft": 0}, "nproc=64"]),
            json!({"Ulimits": [
                {"Name": "nofile", "Soft": 1024, "Hard": 2048},
                {"Name": "core", "Soft": 0, "Hard": 0},
                {"Name": "nproc", "Soft": 64, "Hard": 64}
            ]}),
        ),
        ("userns_mode", json!("host"), json!({"UsernsMode": "host"})),
        ("uts_mode", json!("host"), json!({"UTSMode": "host"})),
        ("volume_driver", json!("local"), json!({"VolumeDriver": "local"})),
        (
            "volumes_from",
            json!(["data:ro"]),
            json!({"VolumesFrom": ["data:ro"]}),
        ),
        ("privileged", json!(null), json!({})),
    ];
    let covered: Vec<&str> = cases.iter().map(|(k, ..)| *k).collect();
    for (key, input, expected) in cases {
        assert_eq!(host(key, input).unwrap(), expected, "{key}");
    }
    for key in keys_of(|e| matches!(e, Engine::HostConfig(_))) {
        assert!(covered.contains(&key), "no test for `{key}`");
    }
}

#[test]
fn create_keys() {
    let cases = [
        ("labels", json!({"a": "b"}), json!({"Labels": {"a": "b"}})),
        ("working_dir", json!("/app"), json!({"WorkingDir": "/app"})),
        ("tty", json!(true), json!({"Tty": true})),
        ("stdin_open", json!(true), json!({"OpenStdin": true})),
        ("network_disabled", json!(true), json!({"NetworkDisabled": true})),
        ("volumes", json!(["/data"]), json!({"Volumes": {"/data": {}}})),
    ];
    let covered: Vec<&str> = cases.iter().map(|(k, ..)| *k).collect();
    for (key, input, body_json) in cases {
        let (body, h) = option_fields(&opts(key, input)).unwrap();
        assert_eq!(serde_json::to_value(body).unwrap(), body_json, "{key}");
        assert_eq!(serde_json::to_value(h).unwrap(), json!({}), "{key}");
    }
    for key in keys_of(|e| matches!(e, Engine::Body(_))) {
        assert!(covered.contains(&key), "no test for `{key}`");
    }
    // Keywords folded into container fields, and those placed elsewhere, are not body fields.
    for key in keys_of(|e| matches!(e, Engine::Field(_) | Engine::Platform | Engine::EndpointMac)) {
        let input = match key {
            "healthcheck" => json!({"test": "true"}),
            "stop_timeout" => json!(1),
            _ => json!("x"),
        };
        let (body, h) = option_fields(&opts(key, input)).unwrap();
        assert_eq!(
            (
                serde_json::to_value(body).unwrap(),
                serde_json::to_value(h).unwrap()
            ),
            (json!({}), json!({})),
            "{key}"
        );
    }
    let both = BTreeMap::from([
        ("platform".to_string(), Value::str("linux/amd64")),
        ("mac_address".to_string(), Value::str("02:42:ac:11:00:02")),
    ]);
    assert_eq!(platform(&both).as_deref(), Some("linux/amd64"));
    assert_eq!(
        mac_address(&both),
        Some(("mac_address", "02:42:ac:11:00:02".to_string()))
    );
    assert_eq!(platform(&BTreeMap::new()), None);
}

#[test]
fn errors_name_the_key() {
    let cases = [
        ("ulimits", json!([{"name": "nofile"}])),
        ("ulimits", json!([{"nam": "nofile", "soft": 1}])),
        ("ulimits", json!(["nofile"])),
        ("devices", json!(["/dev/a:/dev/b:rwm:x"])),
        ("devices", json!([":/dev/b"])),
        ("mem_limit", json!("lots")),
        ("mem_limit", json!(-1)),
        ("memswap_limit", json!(-2)),
        ("restart_policy", json!({"Name": "sometimes"})),
        ("restart_policy", json!({"MaximumRetryCount": 3})),
        ("port_bindings", json!([80])),
        ("port_bindings", json!({"80": true})),
        ("mounts", json!([{"source": "x"}])),
        ("mounts", json!([{"target": "/x", "type": "nfs"}])),
        ("mounts", json!(["a:b:c:d"])),
        ("blkio_weight", json!(70000)),
        ("blkio_weight_device", json!(["/dev/sda"])),
        ("device_read_bps", json!([{"path": "/dev/sda"}])),
        ("cgroupns", json!("bogus")),
        ("isolation", json!(3)),
        ("privileged", json!("yes")),
        ("log_config", json!("json-file")),
        ("links", json!([["a", "b", "c"]])),
        ("tmpfs", json!(3)),
        ("binds", json!({"/a": {"mode": "ro"}})),
        ("device_requests", json!([{"count": "all"}])),
        ("sysctls", json!(["a=b"])),
    ];
    for (key, input) in cases {
        let err = host(key, input.clone()).expect_err(&format!("{key}: {input}"));
        assert!(
            matches!(&err, TranslateError::Invalid { key: k, .. } if k == key),
            "{key}: {err}"
        );
        assert!(
            err.to_string().starts_with(&format!("invalid `{key}`: ")),
            "{err}"
        );
    }
    let err = command_words(&Value::str("echo 'hi")).unwrap_err();
    assert!(
        err.to_string().starts_with("invalid command line: unterminated"),
        "{err}"
    );
    let err = option_fields(&opts("bogus", json!(1))).unwrap_err();
    assert_eq!(err, TranslateError::Unsupported { key: "bogus".into() });
}

#[test]
fn split_commands() {
    let cases: &[(&str, &[&str])] = &[
        (r#"/bin/sh -c "echo hi""#, &["/bin/sh", "-c", "echo hi"]),
        (r"a\ b c", &["a b", "c"]),
        ("echo 'a \"b\" \\c'", &["echo", "a \"b\" \\c"]),
        (r#"echo "a \"b\" \$HOME \n""#, &["echo", r#"a "b" $HOME \n"#]),
        ("  a\t b\n", &["a", "b"]),
        ("a''b '' \"\"", &["ab", "", ""]),
        ("a\\\nb", &["ab"]),
        ("", &[]),
    ];
    for (text, words) in cases {
        assert_eq!(split_command(text).unwrap(), *words, "{text}");
    }
    for bad in ["echo 'hi", "echo \"hi", "echo hi\\", "\"a\\"] {
        assert!(split_command(bad).is_err(), "{bad}");
    }
}

#[test]
fn updates() {
    let none = BTreeMap::new();
    // `mem_limit` 3g is updated as {memory: 3221225472}, as docker-map does; no memswap is invented
    let body = update_body(&opts("mem_limit", json!("3g")), false)
        .unwrap()
        .unwrap();
    assert_eq!(
        body,
        ContainerUpdateBody {
            memory: Some(3_221_225_472),
            ..Default::default()
        }
    );
    let rp = opts(
        "restart_policy",
        json!({"Name": "on-failure", "MaximumRetryCount": 3}),
    );
    let body = update_body(&rp, false).unwrap().unwrap();
    assert_eq!(
        body.restart_policy,
        Some(RestartPolicy {
            name: Some(RestartPolicyNameEnum::ON_FAILURE),
            maximum_retry_count: Some(3),
        })
    );
    // keys `docker update` cannot change are left out
    let set = BTreeMap::from([
        ("cpu_shares".to_string(), Value::Int(512)),
        ("privileged".to_string(), Value::Bool(true)),
        ("pids_limit".to_string(), Value::Int(10)),
    ]);
    let expected = ContainerUpdateBody {
        cpu_shares: Some(512),
        pids_limit: Some(10),
        ..Default::default()
    };
    assert_eq!(update_body(&set, false).unwrap().unwrap(), expected);
    assert_eq!(
        update_body(&opts("privileged", json!(true)), false).unwrap(),
        None
    );
    assert_eq!(update_body(&none, false).unwrap(), None);
    assert!(update_body(&opts("mem_limit", json!("lots")), false).is_err());
    // Sent with its implied swap limit (the Engine refuses memory above the swap it has); an
    // explicit swap limit is kept.
    let body = update_body(&opts("mem_limit", json!("64m")), true)
        .unwrap()
        .unwrap();
    assert_eq!(
        (body.memory, body.memory_swap),
        (Some(67_108_864), Some(134_217_728))
    );
    let both = BTreeMap::from([
        ("mem_limit".to_string(), Value::str("64m")),
        ("memswap_limit".to_string(), Value::Int(-1)),
    ]);
    let body = update_body(&both, true).unwrap().unwrap();
    assert_eq!((body.memory, body.memory_swap), (Some(67_108_864), Some(-1)));
    // Every keyword the table marks as changing in place reaches the update body.
    for def in options::OPTIONS.iter().filter(|d| d.in_place) {
        let sample = match def.shape {
            options::Shape::Str => json!("0"),
            options::Shape::RestartPolicy => json!({"Name": "always"}),
            options::Shape::Bytes | options::Shape::SwapBytes => json!("64m"),
            _ => json!(1000),
        };
        let body = update_body(&opts(def.key, sample), false).unwrap();
        assert!(body.is_some(), "`{}` is not in the update body", def.key);
    }
}

#[test]
fn create_bodies_keep_what_create_options_add() {
    let yaml = r#"
db: {image: db}
web:
  image: web
  links: db
  healthcheck: {test: [CMD, "true"]}
  host_config: {links: ["other:o"], volumes_from: [extra]}
  create_options: {mac_address: "02:42:ac:11:00:99"}
"#;
    let map = crate::yaml::load_map("b.yaml", yaml, None, &|_| None).unwrap();
    let checked = crate::model::check(&map).unwrap();
    let d = crate::runtime::spec::Desired::build(
        &[checked],
        std::path::Path::new("/"),
        "default",
        &crate::model::client::ClientConfig::default(),
    )
    .unwrap();
    let web = d.container("b.web").unwrap();
    let body = create_body(web, "default", &[]).unwrap();
    let host = body.host_config.clone().unwrap();
    assert_eq!(
        host.links,
        Some(vec!["b.db:db".to_string(), "other:o".to_string()])
    );
    assert_eq!(host.volumes_from, Some(vec!["extra".to_string()]));
    assert!(body.healthcheck.is_some());
    // mac_address reaches the Engine on the endpoint joined at creation
    let endpoints = body.networking_config.unwrap().endpoints_config.unwrap();
    assert_eq!(
        endpoints["bridge"].mac_address.as_deref(),
        Some("02:42:ac:11:00:99")
    );
}

#[test]
fn volume_labels_of_the_map_go_beside_dmaps() {
    let v = crate::runtime::spec::ResolvedVolume {
        user: None,
        permissions: None,
        map: "m".into(),
        name: "m.data".into(),
        owner: "db".into(),
        driver: "local".into(),
        driver_options: BTreeMap::new(),
        labels: [
            ("team".to_string(), "db".to_string()),
            ("dmap.map".to_string(), "x".to_string()),
        ]
        .into(),
    };
    let body = volume_body(&v, "default");
    let labels = body.labels.unwrap();
    assert_eq!(labels["team"], "db");
    assert_eq!(labels["dmap.map"], "m", "dmap's own labels win");
}
