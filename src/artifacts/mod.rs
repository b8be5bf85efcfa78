//! Artifacts: the build each pin names, at a location filled from a template in `pins.hcl` with
//! the environment's effective data and the pin (`s3://${artifact_bucket}/${pin}/${pin}-${version}.zip`).
//!
//! `template` parses and fills templates, this module turns them into [`Location`]s, and `store`
//! reads and copies objects through `object_store` (S3 and local files).

pub(crate) mod discovery;
pub(crate) mod inventory;
pub(crate) mod listing;
pub(crate) mod oci;
pub(crate) mod promotion;
pub(crate) mod s3;
pub(crate) mod settings;
pub(crate) mod store;
pub(crate) mod template;

use std::fmt;
use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value as Json;

use crate::resolve::{Effective, Pin};
use settings::Settings;
use template::Lookup;

/// The schemes a location may use.
pub(crate) const SCHEMES: &str = "s3://, file:// and oci://";

/// One pin's artifact in one environment.
#[derive(Debug, Clone)]
pub(crate) struct Artifact {
    pub pin: Pin,
    pub location: Location,
}

/// Where an artifact is: an S3 object, a local file or an image in an OCI registry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Location {
    S3 { bucket: String, key: String },
    File { path: PathBuf },
    Oci(oci::Reference),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
            Location::File { path } => write!(f, "file://{}", path.display()),
            Location::Oci(reference) => reference.fmt(f),
        }
    }
}

impl Location {
    /// Parses a filled template; a relative `file://` path is relative to the repository `root`.
    pub(crate) fn parse(text: &str, root: &Path) -> Result<Location> {
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
            if !is_bucket_name(bucket) {
                bail!("`{text}`: `{bucket}` is not an S3 bucket name (3 to 63 lowercase letters, digits, `.` and `-`)");
            }
            check_key(text, key)?;
            return Ok(Location::S3 {
                bucket: bucket.to_string(),
                key: key.to_string(),
            });
        }
        if let Some(rest) = text.strip_prefix("file://") {
            check_key(text, rest.trim_start_matches('/'))?;
            let path = Path::new(rest);
            let path = if path.is_absolute() {
                path.to_path_buf()
            } else {
                absolute(root)?.join(path)
            };
            return Ok(Location::File { path });
        }
        if let Some(rest) = text.strip_prefix("oci://") {
            return oci::Reference::parse(text, rest).map(Location::Oci);
        }
        let scheme = text.split_once("://").map_or("", |(s, _)| s);
        if scheme.is_empty() {
            bail!("`{text}` is not a location URL; locations start with {SCHEMES}");
        }
        bail!("`{text}` uses the scheme `{scheme}://`, which pins does not allow; locations start with {SCHEMES}")
    }
}

/// Object keys are paths of non-empty segments, none of them `.` or `..`, no control characters.
fn check_key(text: &str, key: &str) -> Result<()> {
    if key.is_empty() || key.ends_with('/') {
        bail!("`{text}` names no object (the key after the bucket or folder is empty)");
    }
    if key.chars().any(char::is_control) || key.contains('\\') {
        bail!("`{text}` holds a control character or a backslash");
    }
    if let Some(seg) = key.split('/').find(|s| s.is_empty() || *s == "." || *s == "..") {
        bail!("`{text}` has the path segment `{seg}`; keys may not hold empty, `.` or `..` segments");
    }
    Ok(())
}

pub(crate) fn is_bucket_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

fn absolute(root: &Path) -> Result<PathBuf> {
    let root = std::path::absolute(root).with_context(|| format!("finding the absolute path of {}", root.display()))?;
    // Drop `.` components so that locations print cleanly.
    Ok(root.components().filter(|c| !matches!(c, Component::CurDir)).collect())
}

/// The artifacts of `effective`'s pins (pins without one are left out), located with `env_data`:
/// the environment whose data fills the template. Promotion locates `TO`'s pins with `FROM`'s data
/// to find where they come from.
pub(crate) fn locate(settings: &Settings, root: &Path, pins: &[Pin], env_data: &Effective) -> Result<Vec<Artifact>> {
    pins.iter()
        .filter_map(|pin| settings.template(&pin.name, &pin.id()).map(|t| (pin, t)))
        .map(|(pin, (template, what))| {
            let scope = format!("environment `{}`", env_data.environment.name);
            let text = template.render(&what, &scope, |path| lookup(env_data, pin, path))?;
            let location = Location::parse(&text, root)
                .with_context(|| format!("pins.hcl: {what} `{}` for pin {} in {scope}", template.text(), pin.name))?;
            Ok(Artifact {
                pin: pin.clone(),
                location,
            })
        })
        .collect()
}

/// A template variable: the pin's own (`pin`, `version`, `variable`, `key`, `env`), else the
/// environment's data (also as `var.NAME`, as a Terraform module writes it), following `.` into
/// maps.
fn lookup(env: &Effective, pin: &Pin, path: &[String]) -> Lookup {
    let builtin = match path {
        [one] => match one.as_str() {
            "pin" => Some(pin.name.to_string()),
            "version" => Some(pin.version.to_string()),
            "variable" => Some(pin.variable.to_string()),
            "key" => pin.key.as_deref().map(str::to_string),
            "env" => Some(env.environment.name.clone()),
            _ => None,
        },
        _ => None,
    };
    if let Some(value) = builtin {
        return Lookup::Found(value);
    }
    // `var.NAME` reads as in Terraform: the environment's data, never a pin's own name.
    let path = match path.split_first() {
        Some((var, rest)) if var == "var" && !rest.is_empty() => rest,
        _ => path,
    };
    let Some((first, rest)) = path.split_first() else {
        return Lookup::Missing;
    };
    let Some(datum) = env.data.iter().find(|d| *d.name == *first) else {
        return Lookup::Missing;
    };
    let mut value = &datum.value;
    for key in rest {
        match value.get(key.as_str()) {
            Some(v) => value = v,
            None => return Lookup::Missing,
        }
    }
    match value {
        Json::String(s) => Lookup::Found(s.clone()),
        Json::Number(n) => Lookup::Found(n.to_string()),
        Json::Bool(b) => Lookup::Found(b.to_string()),
        Json::Null => Lookup::NotScalar("null"),
        Json::Array(_) => Lookup::NotScalar("a list"),
        Json::Object(_) => Lookup::NotScalar("a map"),
    }
}

/// The `artifacts` settings of a repository, or an error saying how to add them.
pub(crate) fn require(settings: Option<&Settings>) -> Result<&Settings> {
    settings.ok_or_else(|| {
        anyhow!("pins.hcl has no `artifacts` block; add one, e.g.\n  artifacts {{\n    location = \"s3://${{artifact_bucket}}/${{pin}}/${{pin}}-${{version}}.zip\"\n  }}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_and_print() {
        let root = Path::new("/repo");
        let s3 = Location::parse("s3://prod-code/api/api-1.0.0.zip", root).unwrap();
        assert_eq!(s3.to_string(), "s3://prod-code/api/api-1.0.0.zip");
        let abs = Location::parse("file:///var/a/x.zip", root).unwrap();
        assert_eq!(
            abs,
            Location::File {
                path: "/var/a/x.zip".into()
            }
        );
        let rel = Location::parse("file://store/x.zip", root).unwrap();
        assert_eq!(
            rel,
            Location::File {
                path: "/repo/store/x.zip".into()
            }
        );
    }

    #[test]
    fn bad_locations_are_refused() {
        let root = Path::new("/repo");
        for bad in [
            "gs://b/k",
            "https://example.com/x",
            "prod-code/x",
            "s3://Prod_Code/x",
            "s3://prod-code",
            "s3://prod-code/",
            "s3://prod-code/a//b",
            "s3://prod-code/../x",
            "file://../outside.zip",
            "file:///a/./b",
        ] {
            assert!(Location::parse(bad, root).is_err(), "{bad}");
        }
    }
}
