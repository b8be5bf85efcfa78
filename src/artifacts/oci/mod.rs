//! OCI registries: `oci://REGISTRY/REPOSITORY:TAG` locations, read and written through the
//! distribution API (`/v2/…`). `client` speaks HTTP and authenticates, `api` makes the manifest,
//! blob, upload and tag-list requests, `auth` finds credentials and parses challenges, `manifest`
//! knows the four manifest formats, `copy` promotes an image (every platform of an index) blob by
//! blob, and `registries` gives the other stores' shapes to `artifacts::store`.
//!
//! Plain HTTP is used only for loopback registries (127.0.0.0/8, ::1, `localhost`, as Docker
//! treats them) and for registries whose store block sets `allow_http = true`; TLS everywhere else.

pub(crate) mod api;
pub(crate) mod auth;
pub(crate) mod client;
pub(crate) mod copy;
pub(crate) mod manifest;
pub(crate) mod registries;

use std::fmt;
use std::net::IpAddr;

use anyhow::{bail, Result};

/// An image in a registry, named by a tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Reference {
    /// `host[:port]`, as written.
    pub registry: String,
    /// `team/app`.
    pub repository: String,
    pub tag: String,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "oci://{}/{}:{}", self.registry, self.repository, self.tag)
    }
}

impl Reference {
    /// Parses what follows `oci://` in `text` (the whole location, for messages).
    pub(crate) fn parse(text: &str, rest: &str) -> Result<Reference> {
        let Some((registry, path)) = rest.split_once('/') else {
            bail!("`{text}` names no repository; OCI locations read oci://REGISTRY/REPOSITORY:TAG");
        };
        check_registry(text, registry)?;
        let Some((repository, tag)) = path.rsplit_once(':') else {
            bail!("`{text}` has no tag; OCI locations read oci://REGISTRY/REPOSITORY:TAG, e.g. oci://ghcr.io/team/app:${{version}}");
        };
        if !is_repository(repository) {
            bail!("`{text}`: `{repository}` is not a repository name (lowercase letters and digits, separated by `.`, `_`, `__`, `-` or `/`)");
        }
        if !is_tag(tag) {
            bail!("`{text}`: `{tag}` is not a valid tag (letters, digits, `_`, `.` and `-`, at most 128, not starting with `.` or `-`; a version with `+build` cannot be a tag)");
        }
        Ok(Reference {
            registry: registry.to_string(),
            repository: repository.to_string(),
            tag: tag.to_string(),
        })
    }
}

fn check_registry(text: &str, registry: &str) -> Result<()> {
    let host = host_of(registry);
    let port_ok = registry
        .strip_prefix(host)
        .map(|p| p.is_empty() || p.strip_prefix(':').is_some_and(|n| n.parse::<u16>().is_ok()))
        .unwrap_or(false);
    let host_ok = !host.is_empty()
        && (host.parse::<IpAddr>().is_ok()
            || host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok()
            || host.split('.').all(is_label));
    if !port_ok || !host_ok {
        bail!("`{text}`: `{registry}` is not a registry host (a host name or IP address, optionally with `:PORT`)");
    }
    Ok(())
}

fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// The host of `host[:port]` (an IPv6 address keeps its brackets).
pub(crate) fn host_of(registry: &str) -> &str {
    if registry.starts_with('[') {
        return registry.find(']').and_then(|i| registry.get(..=i)).unwrap_or(registry);
    }
    registry.split(':').next().unwrap_or(registry)
}

/// Whether `registry` is on this machine: `localhost`, 127.0.0.0/8 or ::1.
pub(crate) fn is_loopback(registry: &str) -> bool {
    let host = host_of(registry).trim_matches(['[', ']']);
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The distribution spec's repository grammar: path components of lowercase alphanumerics
/// joined by `.`, `_`, `__` or runs of `-`.
fn is_repository(name: &str) -> bool {
    !name.is_empty() && name.len() <= 255 && name.split('/').all(is_component)
}

fn is_component(part: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let (Some(first), Some(last)) = (part.chars().next(), part.chars().last()) else {
        return false;
    };
    if !alnum(first) || !alnum(last) {
        return false;
    }
    let separators = part.split(alnum).filter(|s| !s.is_empty());
    part.chars().all(|c| alnum(c) || matches!(c, '.' | '_' | '-'))
        && separators
            .clone()
            .all(|s| s == "." || s == "_" || s == "__" || s.chars().all(|c| c == '-'))
}

/// The distribution spec's tag grammar: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub(crate) fn is_tag(tag: &str) -> bool {
    tag.len() <= 128
        && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_and_print() {
        for good in [
            "127.0.0.1:5000/app:1.2.3",
            "ghcr.io/team/app-x/api:v1.0.0-rc.1",
            "localhost/a__b.c--d:latest",
            "[::1]:5000/x:1",
        ] {
            let text = format!("oci://{good}");
            let r = Reference::parse(&text, good).unwrap();
            assert_eq!(r.to_string(), text);
        }
        let r = Reference::parse("", "ghcr.io:443/team/app:1").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_str()),
            ("ghcr.io:443", "team/app", "1")
        );
    }

    #[test]
    fn bad_references_are_refused() {
        for bad in [
            "ghcr.io",
            "ghcr.io/app",
            "ghcr.io/App:1",
            "ghcr.io/app:1+build",
            "ghcr.io/app:.1",
            "ghcr.io/app:",
            "ghcr.io//app:1",
            "ghcr.io/-app:1",
            "ghcr.io/a...b:1",
            "gh_cr.io/app:1",
            "ghcr.io:x/app:1",
            "ghcr.io:99999/app:1",
            ":5000/app:1",
        ] {
            assert!(Reference::parse(bad, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn loopback_is_what_docker_treats_as_local() {
        for local in ["localhost", "localhost:5000", "127.0.0.1:5000", "127.9.8.7", "[::1]:80"] {
            assert!(is_loopback(local), "{local}");
        }
        for remote in ["ghcr.io", "10.0.0.1:5000", "localhost.example.com", "[::2]:5000"] {
            assert!(!is_loopback(remote), "{remote}");
        }
    }
}
