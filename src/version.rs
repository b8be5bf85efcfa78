//! Versions and bump levels, and how a change from one version to another is classified.
//! Pure: no I/O.

use std::cmp::Ordering;
use std::fmt;

use serde::Serialize;

use crate::config::Policy;

/// Versions longer than this are refused: no artifact is named so, and it bounds the work.
pub const MAX_LEN: usize = 128;

/// How a pin changed from one side to the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Added,
    Removed,
    Major,
    Minor,
    Patch,
    Prerelease,
    Downgrade,
    Changed,
    Unchanged,
}

impl Kind {
    /// The lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Added => "added",
            Kind::Removed => "removed",
            Kind::Major => "major",
            Kind::Minor => "minor",
            Kind::Patch => "patch",
            Kind::Prerelease => "prerelease",
            Kind::Downgrade => "downgrade",
            Kind::Changed => "changed",
            Kind::Unchanged => "unchanged",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A bump level for `pins bump PIN major|minor|patch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Major,
    Minor,
    Patch,
}

/// A semantic version as written, with its optional leading `v`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub v_prefix: bool,
    pub semver: semver::Version,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", if self.v_prefix { "v" } else { "" }, self.semver)
    }
}

/// Parses a semantic version (semver 2.0, optional leading `v`).
pub fn parse(text: &str) -> Result<Version, String> {
    if text.len() > MAX_LEN {
        return Err(format!(
            "is {} bytes long; versions are limited to {MAX_LEN}",
            text.len()
        ));
    }
    let (v_prefix, rest) = match text.strip_prefix('v') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    match semver::Version::parse(rest) {
        Ok(semver) => Ok(Version { v_prefix, semver }),
        Err(e) => Err(format!(
            "is not a semantic version ({e}); expected MAJOR.MINOR.PATCH such as 1.4.2"
        )),
    }
}

/// Checks a version against the policy: semver, or any plain token when opaque versions are on.
pub fn validate(text: &str, policy: Policy) -> Result<(), String> {
    if !policy.opaque_versions {
        return parse(text).map(|_| ());
    }
    if text.is_empty() || text.len() > MAX_LEN {
        return Err(format!("must be 1 to {MAX_LEN} bytes long"));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("holds whitespace or control characters".into());
    }
    Ok(())
}

/// Whether a version is a pre-release (`1.2.0-rc.1`).
pub fn is_prerelease(text: &str) -> bool {
    parse(text).is_ok_and(|v| !v.semver.pre.is_empty())
}

/// Classifies the change from `from` to `to`, either side possibly absent.
pub fn classify(from: Option<&str>, to: Option<&str>) -> Kind {
    let (from, to) = match (from, to) {
        (None, None) => return Kind::Unchanged,
        (None, Some(_)) => return Kind::Added,
        (Some(_), None) => return Kind::Removed,
        (Some(a), Some(b)) if a == b => return Kind::Unchanged,
        (Some(a), Some(b)) => (a, b),
    };
    // The `v` prefix is spelling, not order: `v3.1.4` → `1.0.0` is a downgrade all the same.
    match (parse(from), parse(to)) {
        (Ok(a), Ok(b)) if a.semver == b.semver => Kind::Changed,
        (Ok(a), Ok(b)) => classify_semver(&a.semver, &b.semver),
        _ => Kind::Changed,
    }
}

fn classify_semver(a: &semver::Version, b: &semver::Version) -> Kind {
    if b.cmp_precedence(a) == Ordering::Less {
        Kind::Downgrade
    } else if a.major != b.major {
        Kind::Major
    } else if a.minor != b.minor {
        Kind::Minor
    } else if a.patch != b.patch {
        Kind::Patch
    } else {
        Kind::Prerelease
    }
}

/// The next version at `level` after `current`, keeping its `v` prefix.
pub fn bump(current: &str, level: Level) -> Result<String, String> {
    let Version { v_prefix, semver: v } = parse(current)?;
    let next = match level {
        Level::Major => semver::Version::new(v.major + 1, 0, 0),
        Level::Minor => semver::Version::new(v.major, v.minor + 1, 0),
        Level::Patch if !v.pre.is_empty() => semver::Version::new(v.major, v.minor, v.patch),
        Level::Patch => semver::Version::new(v.major, v.minor, v.patch + 1),
    };
    Ok(Version { v_prefix, semver: next }.to_string())
}

/// Whether going from `from` to `to` is a downgrade.
pub fn is_downgrade(from: &str, to: &str) -> bool {
    classify(Some(from), Some(to)) == Kind::Downgrade
}

/// Whether `a` is a newer semantic version than `b` (false when either is not one).
pub fn is_newer(a: &str, b: &str) -> bool {
    match (parse(a), parse(b)) {
        (Ok(a), Ok(b)) => a.semver.cmp_precedence(&b.semver) == Ordering::Greater,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_kind() {
        let cases = [
            (None, Some("1.0.0"), Kind::Added),
            (Some("1.0.0"), None, Kind::Removed),
            (Some("1.0.0"), Some("2.0.0"), Kind::Major),
            (Some("1.0.0"), Some("1.1.0"), Kind::Minor),
            (Some("1.0.0"), Some("1.0.1"), Kind::Patch),
            (Some("1.0.0-rc.1"), Some("1.0.0"), Kind::Prerelease),
            (Some("1.0.0+a"), Some("1.0.0+b"), Kind::Prerelease),
            (Some("1.2.0"), Some("1.1.9"), Kind::Downgrade),
            (Some("abc"), Some("def"), Kind::Changed),
            (Some("v1.0.0"), Some("v1.0.1"), Kind::Patch),
            (Some("v3.1.4"), Some("1.0.0"), Kind::Downgrade),
            (Some("2.5.0"), Some("v2.0.0"), Kind::Downgrade),
            (Some("1.0.0"), Some("v1.1.0"), Kind::Minor),
            (Some("v1.0.0"), Some("1.0.0"), Kind::Changed),
            (Some("1.0.0"), Some("1.0.0"), Kind::Unchanged),
        ];
        for (a, b, kind) in cases {
            assert_eq!(classify(a, b), kind, "{a:?} -> {b:?}");
        }
    }

    #[test]
    fn newer_compares_precedence_only() {
        assert!(is_newer("1.10.0", "1.9.0"));
        assert!(is_newer("v2.0.0", "1.9.0"));
        assert!(!is_newer("1.0.0+b2", "1.0.0+b1"));
        assert!(!is_newer("1.0.0", "opaque-build"));
    }

    #[test]
    fn bumps_keep_the_prefix() {
        assert_eq!(bump("v1.4.2", Level::Minor), Ok("v1.5.0".into()));
        assert_eq!(bump("1.4.2", Level::Major), Ok("2.0.0".into()));
        assert_eq!(bump("1.4.2-rc.1", Level::Patch), Ok("1.4.2".into()));
    }

    #[test]
    fn rejects_malformed_versions() {
        for bad in ["", "v", "1.2", "01.2.3", "1.2.3-", "1.2.3.4", &"9".repeat(200)] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
