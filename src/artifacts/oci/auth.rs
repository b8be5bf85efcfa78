//! Registry credentials and authentication challenges.
//!
//! Credentials come, first match wins, from `PINS_REGISTRY_<HOST>_USERNAME` and `…_PASSWORD`
//! (HOST is the registry uppercased, every other character than a letter or digit turned into
//! `_`: `ghcr.io` → `PINS_REGISTRY_GHCR_IO_…`), from `<env_prefix>REGISTRY_USERNAME` and
//! `…_PASSWORD` when the store block sets `env_prefix`, then from Docker's `config.json`
//! (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, `auths.<registry>.auth`).
//! Without any, requests go anonymously. Credential helpers are not run: a registry that asks
//! for credentials that only a helper holds is an error that says so.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use serde::Deserialize;

/// What pins can present to a registry that asks.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Credentials {
    Anonymous,
    Basic {
        username: String,
        password: String,
        from: String,
    },
    /// Docker's config.json names a credential helper for this registry.
    Helper {
        helper: String,
        from: String,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::Basic { username, from, .. } => write!(f, "Basic({username} from {from})"),
            Credentials::Helper { helper, from } => write!(f, "Helper({helper} from {from})"),
        }
    }
}

/// The environment variable that holds `registry`'s user name (`PINS_REGISTRY_GHCR_IO_USERNAME`).
pub(crate) fn env_name(registry: &str, what: &str) -> String {
    let host: String = registry
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("PINS_REGISTRY_{host}_{what}")
}

/// Finds the credentials for `registry`; `env` reads environment variables.
pub(crate) fn credentials(
    registry: &str,
    env_prefix: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Credentials> {
    let mut pairs = vec![(env_name(registry, "USERNAME"), env_name(registry, "PASSWORD"))];
    if let Some(prefix) = env_prefix {
        pairs.push((
            format!("{prefix}REGISTRY_USERNAME"),
            format!("{prefix}REGISTRY_PASSWORD"),
        ));
    }
    for (user_var, pass_var) in pairs {
        match (
            env(&user_var).filter(|v| !v.is_empty()),
            env(&pass_var).filter(|v| !v.is_empty()),
        ) {
            (Some(username), Some(password)) => {
                return Ok(Credentials::Basic {
                    username,
                    password,
                    from: format!("${user_var}"),
                })
            }
            (None, None) => {}
            _ => bail!("only one of {user_var} and {pass_var} is set; set both for {registry}, or neither"),
        }
    }
    match config_path(env) {
        Some(path) if path.exists() => from_docker_config(registry, &path),
        _ => Ok(Credentials::Anonymous),
    }
}

fn config_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(dir) = env("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    env("HOME").map(|home| PathBuf::from(home).join(".docker/config.json"))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct DockerConfig {
    #[serde(default)]
    auths: std::collections::BTreeMap<String, AuthEntry>,
    #[serde(default)]
    cred_helpers: std::collections::BTreeMap<String, String>,
    creds_store: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "lowercase")]
struct AuthEntry {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
    identitytoken: Option<String>,
}

fn from_docker_config(registry: &str, path: &std::path::Path) -> Result<Credentials> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {shown}"))?;
    let config: DockerConfig = serde_json::from_str(&text)
        .map_err(|e| anyhow!("{shown}:{}:{}: {e}", e.line(), e.column()))
        .context("reading Docker's config.json for registry credentials")?;
    let from = format!("{shown}");
    let entry = config.auths.iter().find(|(key, _)| auths_key_matches(key, registry));
    if let Some((key, entry)) = entry {
        if let Some(c) = basic_of(entry, key, &from)? {
            return Ok(c);
        }
    }
    let helper = config.cred_helpers.get(registry).or(config.creds_store.as_ref());
    Ok(match helper {
        Some(helper) => Credentials::Helper {
            helper: helper.clone(),
            from,
        },
        None => Credentials::Anonymous,
    })
}

fn basic_of(entry: &AuthEntry, key: &str, from: &str) -> Result<Option<Credentials>> {
    let from = format!("{from} (auths.\"{key}\")");
    if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        let Some((username, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
            bail!("{from}: `auth` is not base64 of `user:password`");
        };
        let (username, password) = (username.to_string(), password.to_string());
        return Ok(Some(Credentials::Basic {
            username,
            password,
            from,
        }));
    }
    if let (Some(username), Some(password)) = (&entry.username, &entry.password) {
        let (username, password) = (username.clone(), password.clone());
        return Ok(Some(Credentials::Basic {
            username,
            password,
            from,
        }));
    }
    if entry.identitytoken.is_some() {
        bail!(
            "{from} holds an identity token, which pins does not use; set {} and {}",
            env_name(key, "USERNAME"),
            env_name(key, "PASSWORD")
        );
    }
    Ok(None)
}

/// Whether an `auths` key names `registry`: keys may carry a scheme and a path
/// (`https://index.docker.io/v1/`).
fn auths_key_matches(key: &str, registry: &str) -> bool {
    let host = key.split_once("://").map_or(key, |(_, rest)| rest);
    let host = host.split('/').next().unwrap_or(host);
    host == registry || (registry == "docker.io" && host == "index.docker.io")
}

/// What a registry's `WWW-Authenticate` header asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

/// Parses a `WWW-Authenticate` header: `Basic realm="…"` or
/// `Bearer realm="…",service="…",scope="…"` (quoted values may hold commas).
pub(crate) fn parse_challenge(header: &str) -> Result<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    let params = parse_params(rest).ok_or_else(|| malformed(header))?;
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    match scheme.to_ascii_lowercase().as_str() {
        "basic" => Ok(Challenge::Basic),
        "bearer" => {
            let realm = get("realm").filter(|r| r.starts_with("http://") || r.starts_with("https://"));
            let realm = realm.ok_or_else(|| malformed(header))?;
            Ok(Challenge::Bearer {
                realm,
                service: get("service"),
                scope: get("scope"),
            })
        }
        _ => Err(malformed(header)),
    }
}

fn malformed(header: &str) -> anyhow::Error {
    anyhow!("a malformed authentication challenge (WWW-Authenticate: {header:?}); expected Basic, or Bearer with a realm URL")
}

/// `key=value` or `key="quoted, value"` pairs separated by commas; `None` when malformed.
fn parse_params(text: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return None;
        }
        let (value, after) = match after.strip_prefix('"') {
            Some(quoted) => unquote(quoted)?,
            None => {
                let end = after.find(',').unwrap_or(after.len());
                (after.get(..end)?.trim().to_string(), after.get(end..)?)
            }
        };
        out.push((key.to_string(), value));
        rest = after.trim_start();
        rest = match rest.strip_prefix(',') {
            Some(r) => r.trim_start(),
            None if rest.is_empty() => rest,
            None => return None,
        };
    }
    Some(out)
}

/// The value of a quoted string (after its opening quote) and what follows its closing quote.
fn unquote(text: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, text.get(i + 1..)?)),
            '\\' => value.push(chars.next()?.1),
            c => value.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        assert_eq!(parse_challenge(r#"Basic realm="pins-test""#).unwrap(), Challenge::Basic);
        let c = parse_challenge(r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull,push""#).unwrap();
        assert_eq!(
            c,
            Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:a/b:pull,push".into()),
            }
        );
        let c = parse_challenge("bearer realm=http://127.0.0.1:1/t").unwrap();
        assert!(matches!(
            c,
            Challenge::Bearer {
                service: None,
                scope: None,
                ..
            }
        ));
    }

    #[test]
    fn malformed_challenges_are_refused() {
        for bad in [
            "",
            "Bearer",
            "Bearer service=\"x\"",
            "Bearer realm=\"ftp://x\"",
            "Bearer realm=\"https://x",
            "Bearer realm=\"https://x\" service=\"y\"",
            "Bearer =x",
            "Negotiate abc",
        ] {
            let e = parse_challenge(bad).unwrap_err().to_string();
            assert!(e.contains("malformed authentication challenge"), "{bad}: {e}");
        }
    }

    #[test]
    fn credentials_come_from_the_environment_first() {
        let env = |name: &str| match name {
            "PINS_REGISTRY_127_0_0_1_5000_USERNAME" => Some("u".to_string()),
            "PINS_REGISTRY_127_0_0_1_5000_PASSWORD" => Some("p".to_string()),
            "PROD_REGISTRY_USERNAME" => Some("only-user".to_string()),
            _ => None,
        };
        let c = credentials("127.0.0.1:5000", None, &env).unwrap();
        assert!(matches!(c, Credentials::Basic { ref username, .. } if username == "u"));
        let e = credentials("ghcr.io", Some("PROD_"), &env).unwrap_err().to_string();
        assert!(
            e.contains("only one of PROD_REGISTRY_USERNAME and PROD_REGISTRY_PASSWORD"),
            "{e}"
        );
        assert_eq!(credentials("ghcr.io", None, &|_| None).unwrap(), Credentials::Anonymous);
    }

    #[test]
    fn docker_config_auths_and_helpers() {
        let dir = tempfile::tempdir().unwrap();
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:s3cret");
        let json = format!(
            r#"{{"auths":{{"https://ghcr.io/v1/":{{"auth":"{auth}"}},"bad.io":{{"auth":"!!"}}}},"credHelpers":{{"ecr.aws":"ecr-login"}}}}"#
        );
        std::fs::write(dir.path().join("config.json"), json).unwrap();
        let d = dir.path().to_string_lossy().to_string();
        let env = move |name: &str| (name == "DOCKER_CONFIG").then(|| d.clone());
        let c = credentials("ghcr.io", None, &env).unwrap();
        assert!(
            matches!(c, Credentials::Basic { ref username, ref password, .. } if username == "alice" && password == "s3cret")
        );
        assert!(
            matches!(credentials("ecr.aws", None, &env).unwrap(), Credentials::Helper { ref helper, .. } if helper == "ecr-login")
        );
        assert_eq!(credentials("quay.io", None, &env).unwrap(), Credentials::Anonymous);
        assert!(credentials("bad.io", None, &env)
            .unwrap_err()
            .to_string()
            .contains("not base64"));
        std::fs::write(dir.path().join("config.json"), "{\n  \"auths\": [").unwrap();
        let e = format!("{:#}", credentials("ghcr.io", None, &env).unwrap_err());
        assert!(e.contains("config.json:2:"), "{e}");
    }
}
