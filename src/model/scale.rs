//! `up --scale CONFIG=N`: a configuration run as numbered instances `1`..`N`, as Compose scales a
//! service, or (N = 0) as no container at all: abstract. Only a configuration without named
//! instances can be scaled; one with a fixed `container_name` runs one container (or none).

use super::ContainerMap;

/// Why a configuration can't be scaled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ScaleError {
    #[error("`--scale {given}`: give `CONFIG=N` with N a number (0: no container)")]
    Syntax { given: String },
    #[error("`--scale`: map `{map}` has no container configuration `{config}`")]
    Unknown { map: String, config: String },
    #[error("`--scale`: configuration `{config}` has named instances ({}); only a configuration without them is scaled", .instances.join(", "))]
    Named { config: String, instances: Vec<String> },
    #[error("`--scale`: configuration `{config}` sets `container_name`, so it runs one container")]
    FixedName { config: String },
}

/// `CONFIG=N` (CONFIG optionally `MAP/`-prefixed) as (map, config, N).
pub(crate) fn parse(given: &str) -> Result<(Option<&str>, &str, u32), ScaleError> {
    let syntax = || ScaleError::Syntax {
        given: given.to_string(),
    };
    let (target, n) = given.split_once('=').ok_or_else(syntax)?;
    let n: u32 = n.trim().parse().map_err(|_| syntax())?;
    let (map, config) = match target.split_once('/') {
        Some((m, c)) => (Some(m), c),
        None => (None, target),
    };
    if config.is_empty() || map == Some("") {
        return Err(syntax());
    }
    Ok((map, config, n))
}

/// Whether an instance name is one a scale gives (`1`, `2`, ...), not a name of its own.
pub(crate) fn is_numbered(instance: &str) -> bool {
    !instance.is_empty() && instance.bytes().all(|b| b.is_ascii_digit())
}

/// Sets `config`'s instances to `1`..`n`; 0 makes it abstract (it runs no container).
pub(crate) fn scale(map: &mut ContainerMap, config: &str, n: u32) -> Result<(), ScaleError> {
    let Some(c) = map.containers.get_mut(config) else {
        return Err(ScaleError::Unknown {
            map: map.name.clone(),
            config: config.to_string(),
        });
    };
    if !c.instances.iter().all(|i| is_numbered(i)) {
        return Err(ScaleError::Named {
            config: config.to_string(),
            instances: c.instances.iter().map(|i| format!("`{i}`")).collect(),
        });
    }
    if n == 0 {
        c.is_abstract = true;
        return Ok(());
    }
    if c.container_name.is_some() {
        return Err(ScaleError::FixedName {
            config: config.to_string(),
        });
    }
    c.instances = (1..=n).map(|i| i.to_string()).collect();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ContainerConfig;

    #[test]
    fn parses_config_and_count() {
        for (given, want) in [
            ("web=3", Ok((None, "web", 3))),
            ("other/web=2", Ok((Some("other"), "web", 2))),
            ("web= 1", Ok((None, "web", 1))),
            ("web=0", Ok((None, "web", 0))),
            ("web", Err(())),
            ("=2", Err(())),
            ("web=x", Err(())),
            ("/web=2", Err(())),
        ] {
            assert_eq!(parse(given).map_err(|_| ()), want, "{given}");
        }
    }

    #[test]
    fn scales_numbered_configurations_only() {
        let mut map = ContainerMap {
            name: "m".into(),
            ..ContainerMap::default()
        };
        map.containers.insert("web".into(), ContainerConfig::default());
        let numbered = ContainerConfig {
            instances: vec!["1".into(), "2".into()],
            ..ContainerConfig::default()
        };
        map.containers.insert("worker".into(), numbered);
        let named = ContainerConfig {
            instances: vec!["a".into()],
            ..ContainerConfig::default()
        };
        map.containers.insert("app".into(), named);
        let fixed = ContainerConfig {
            container_name: Some("db".into()),
            ..ContainerConfig::default()
        };
        map.containers.insert("db".into(), fixed);
        scale(&mut map, "web", 3).unwrap();
        assert_eq!(map.containers["web"].instances, ["1", "2", "3"]);
        scale(&mut map, "worker", 1).unwrap();
        assert_eq!(map.containers["worker"].instances, ["1"]);
        scale(&mut map, "worker", 0).unwrap();
        assert!(map.containers["worker"].is_abstract);
        for (config, want) in [
            ("app", "`--scale`: configuration `app` has named instances (`a`); only a configuration without them is scaled"),
            ("db", "`--scale`: configuration `db` sets `container_name`, so it runs one container"),
            ("nope", "`--scale`: map `m` has no container configuration `nope`"),
        ] {
            assert_eq!(scale(&mut map, config, 2).unwrap_err().to_string(), want);
        }
    }
}
