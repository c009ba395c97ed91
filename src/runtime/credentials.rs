//! Registry credentials as the docker CLI keeps them: `config.json` in `$DOCKER_CONFIG` (else
//! `~/.docker`), `auths` (base64 `auth`, or `username`/`password`, or an `identitytoken`),
//! `credHelpers` per registry and `credsStore` for the rest (`docker-credential-NAME get`).
//! Reading the file and asking a helper are the edge; which entry a registry takes is pure.

use base64::Engine as _;
use bollard::auth::DockerCredentials;
use serde_json::Value;

/// The Docker Hub's key in `auths`, as `docker login` writes it.
const HUB_KEY: &str = "https://index.docker.io/v1/";

/// Why credentials could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CredentialsError {
    #[error("`{path}` is not a docker config file: {reason}")]
    Config { path: String, reason: String },
    #[error("the credential helper `docker-credential-{helper}` failed for `{registry}`: {reason}")]
    Helper {
        helper: String,
        registry: String,
        reason: String,
    },
}

/// The registry an image reference names: its first component when that is a host (it has a
/// `.` or a `:`, or is `localhost`), else the Docker Hub (`docker.io`).
pub(crate) fn registry_of(reference: &str) -> &str {
    match reference.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => first,
        _ => "docker.io",
    }
}

/// Where a registry's credentials are, by the config file's text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Found {
    Inline(Box<DockerCredentials>),
    /// `docker-credential-NAME`
    Helper(String),
}

/// The entry of `registry` in a config file's text, if it has one.
pub(crate) fn lookup(text: &str, registry: &str, path: &str) -> Result<Option<Found>, CredentialsError> {
    let bad = |reason: String| CredentialsError::Config {
        path: path.to_string(),
        reason,
    };
    let config: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    if let Some(helper) = config["credHelpers"][registry].as_str() {
        return Ok(Some(Found::Helper(helper.to_string())));
    }
    let keys: Vec<String> = if registry == "docker.io" {
        vec![HUB_KEY.into(), "docker.io".into(), "index.docker.io".into()]
    } else {
        vec![
            registry.to_string(),
            format!("https://{registry}"),
            format!("http://{registry}"),
            format!("https://{registry}/v1/"),
            format!("https://{registry}/v2/"),
        ]
    };
    let server = if registry == "docker.io" {
        HUB_KEY
    } else {
        registry
    };
    for key in &keys {
        let Some(entry) = config["auths"].get(key.as_str()) else {
            continue;
        };
        let mut credentials = DockerCredentials {
            serveraddress: Some(server.to_string()),
            ..DockerCredentials::default()
        };
        if let Some(auth) = entry["auth"].as_str().filter(|a| !a.is_empty()) {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|e| bad(format!("`auths.{key}.auth` is not base64: {e}")))?;
            let text =
                String::from_utf8(decoded).map_err(|_| bad(format!("`auths.{key}.auth` is not text")))?;
            let (user, password) = text
                .split_once(':')
                .ok_or_else(|| bad(format!("`auths.{key}.auth` is not `user:password`")))?;
            credentials.username = Some(user.to_string());
            credentials.password = Some(password.to_string());
        } else {
            credentials.username = entry["username"].as_str().map(str::to_string);
            credentials.password = entry["password"].as_str().map(str::to_string);
        }
        credentials.identitytoken = entry["identitytoken"].as_str().map(str::to_string);
        if credentials.username.is_some() || credentials.identitytoken.is_some() {
            return Ok(Some(Found::Inline(Box::new(credentials))));
        }
    }
    Ok(config["credsStore"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(|s| Found::Helper(s.to_string())))
}

/// The credentials for the registry of `reference`, if the user's docker config has any.
pub(crate) async fn for_image(reference: &str) -> Result<Option<DockerCredentials>, CredentialsError> {
    let registry = registry_of(reference);
    let dir = match std::env::var_os("DOCKER_CONFIG") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => match std::env::var_os("HOME") {
            Some(home) => std::path::Path::new(&home).join(".docker"),
            None => return Ok(None),
        },
    };
    let path = dir.join("config.json");
    let Ok(text) = tokio::fs::read_to_string(&path).await else {
        return Ok(None);
    };
    match lookup(&text, registry, &path.display().to_string())? {
        None => Ok(None),
        Some(Found::Inline(credentials)) => Ok(Some(*credentials)),
        Some(Found::Helper(helper)) => from_helper(&helper, registry).await,
    }
}

/// `docker-credential-HELPER get`, the server on stdin: `{ "Username", "Secret" }` (a username
/// `<token>` means the secret is an identity token). A helper that knows nothing of the server
/// gives none.
async fn from_helper(helper: &str, registry: &str) -> Result<Option<DockerCredentials>, CredentialsError> {
    use tokio::io::AsyncWriteExt as _;
    let failed = |reason: String| CredentialsError::Helper {
        helper: helper.to_string(),
        registry: registry.to_string(),
        reason,
    };
    let server = if registry == "docker.io" {
        HUB_KEY
    } else {
        registry
    };
    let mut child = tokio::process::Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| failed(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(server.as_bytes())
            .await
            .map_err(|e| failed(e.to_string()))?;
    }
    let out = child
        .wait_with_output()
        .await
        .map_err(|e| failed(e.to_string()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        // What helpers print when they hold nothing for the server.
        if stdout.contains("credentials not found") {
            return Ok(None);
        }
        return Err(failed(format!("{} {}", out.status, stdout.trim())));
    }
    let answer: Value = serde_json::from_str(&stdout).map_err(|e| failed(e.to_string()))?;
    let user = answer["Username"].as_str().unwrap_or_default();
    let secret = answer["Secret"].as_str().unwrap_or_default().to_string();
    let mut credentials = DockerCredentials {
        serveraddress: Some(server.to_string()),
        ..DockerCredentials::default()
    };
    if user == "<token>" {
        credentials.identitytoken = Some(secret);
    } else {
        credentials.username = Some(user.to_string());
        credentials.password = Some(secret);
    }
    Ok(Some(credentials))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_of_a_reference() {
        for (reference, registry) in [
            ("nginx", "docker.io"),
            ("library/nginx:1", "docker.io"),
            ("user/app", "docker.io"),
            ("127.0.0.1:5000/app:1", "127.0.0.1:5000"),
            ("registry.example.com/team/app", "registry.example.com"),
            ("localhost/app", "localhost"),
        ] {
            assert_eq!(registry_of(reference), registry, "{reference}");
        }
    }

    #[test]
    fn entries_are_found_as_the_docker_cli_writes_them() {
        let config = r#"{
            "auths": {
                "127.0.0.1:5000": { "auth": "YWxpY2U6czNjcmV0" },
                "https://registry.example.com": { "username": "bob", "password": "pw" },
                "https://index.docker.io/v1/": { "auth": "aHViOmh1Yg==" },
                "tokens.example.com": { "identitytoken": "tok" },
                "empty.example.com": {}
            },
            "credHelpers": { "gcr.io": "gcloud" },
            "credsStore": "desktop"
        }"#;
        let inline = |user: Option<&str>, password: Option<&str>, server: &str| {
            Some(Found::Inline(Box::new(DockerCredentials {
                username: user.map(str::to_string),
                password: password.map(str::to_string),
                serveraddress: Some(server.to_string()),
                ..DockerCredentials::default()
            })))
        };
        for (registry, want) in [
            (
                "127.0.0.1:5000",
                inline(Some("alice"), Some("s3cret"), "127.0.0.1:5000"),
            ),
            (
                "registry.example.com",
                inline(Some("bob"), Some("pw"), "registry.example.com"),
            ),
            ("docker.io", inline(Some("hub"), Some("hub"), HUB_KEY)),
            ("gcr.io", Some(Found::Helper("gcloud".into()))),
            ("empty.example.com", Some(Found::Helper("desktop".into()))),
            ("other.example.com", Some(Found::Helper("desktop".into()))),
        ] {
            assert_eq!(lookup(config, registry, "c.json").unwrap(), want, "{registry}");
        }
        let Some(Found::Inline(token)) = lookup(config, "tokens.example.com", "c.json").unwrap() else {
            panic!("an identity token is inline");
        };
        assert_eq!(token.identitytoken.as_deref(), Some("tok"));
        assert_eq!(lookup(r#"{"auths": {}}"#, "docker.io", "c.json").unwrap(), None);
        assert_eq!(
            lookup(r#"{"auths": {"h": {"auth": "!!"}}}"#, "h", "c.json")
                .unwrap_err()
                .to_string(),
            "`c.json` is not a docker config file: `auths.h.auth` is not base64: Invalid symbol 33, offset 0."
        );
    }
}
