//! The validated `artifacts` block of `pins.hcl`: templates by pin name and store settings.
//! It knows pins only by name, so the repository can hold it without depending on resolution.

use anyhow::{bail, Result};
use indexmap::IndexMap;

use super::template::Template;
use super::{is_bucket_name, store};
use crate::config::{ArtifactsConfig, PinArtifactConfig, StoreConfig};

/// The validated `artifacts` block of `pins.hcl`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    location: Option<Template>,
    pins: IndexMap<String, PinSetting>,
    stores: IndexMap<String, StoreConfig>,
}

#[derive(Debug, Clone)]
enum PinSetting {
    Skip,
    /// Its own template, or the default one (`None`), and what discovery may pick for it.
    At(Option<Template>, Choice),
}

/// Which versions found in a store a pin may move to (`pins outdated`, `pins bump PIN latest`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Choice {
    /// The pin block's `constraint`.
    pub constraint: Option<semver::VersionReq>,
    /// The pin block's `prerelease = true`.
    pub prerelease: bool,
}

impl Settings {
    /// Checks the templates and store keys of the `artifacts` block.
    pub(crate) fn from_config(config: &ArtifactsConfig) -> Result<Settings> {
        let location = config
            .location
            .as_deref()
            .map(|t| Template::parse("artifacts location", t))
            .transpose()?;
        let mut pins = IndexMap::new();
        for (name, pin) in &config.pin {
            pins.insert(name.clone(), pin_setting(name, pin)?);
        }
        for (key, store) in &config.store {
            if let Some(registry) = key.strip_prefix("oci://") {
                check_registry_store(key, registry, store)?;
                continue;
            }
            let bucket = key.strip_prefix("s3://").unwrap_or_default();
            if !is_bucket_name(bucket) {
                bail!("pins.hcl: artifacts store \"{key}\": a store is named by its bucket, like \"s3://prod-code\", or by its registry, like \"oci://ghcr.io\"");
            }
            if let Some(endpoint) = &store.endpoint {
                store::check_endpoint(key, endpoint, store.allow_http.unwrap_or(false))?;
            }
        }
        Ok(Settings {
            location,
            pins,
            stores: config.store.clone(),
        })
    }

    /// What discovery may pick for the pin `name` (`id` is its `variable.key`).
    pub(crate) fn choice(&self, name: &str, id: &str) -> Choice {
        match self.pins.get(name).or_else(|| self.pins.get(id)) {
            Some(PinSetting::At(_, choice)) => choice.clone(),
            _ => Choice::default(),
        }
    }

    /// The connection settings of the store `s3://BUCKET`, if `pins.hcl` has any.
    pub(crate) fn store(&self, bucket: &str) -> Option<&StoreConfig> {
        self.stores.get(&format!("s3://{bucket}"))
    }

    /// The settings of the registry store `oci://REGISTRY`, if `pins.hcl` has any.
    pub(crate) fn registry(&self, registry: &str) -> Option<&StoreConfig> {
        self.stores.get(&format!("oci://{registry}"))
    }

    /// The template of the pin `name` (`id` is its `variable.key`), or `None` when the pin has no
    /// artifact.
    pub(crate) fn template(&self, name: &str, id: &str) -> Option<(&Template, String)> {
        let setting = self.pins.get(name).or_else(|| self.pins.get(id));
        match setting {
            Some(PinSetting::Skip) => None,
            Some(PinSetting::At(Some(t), _)) => Some((t, format!("artifacts pin \"{name}\" location"))),
            Some(PinSetting::At(None, _)) | None => {
                self.location.as_ref().map(|t| (t, "artifacts location".to_string()))
            }
        }
    }

    /// Pin names in `pin "…"` blocks that `is_pin` does not know (likely typos).
    pub(crate) fn unknown_pins(&self, is_pin: impl Fn(&str) -> bool) -> Vec<String> {
        self.pins.keys().filter(|k| !is_pin(k)).cloned().collect()
    }
}

/// One `pin "NAME" { … }` block: skipped, or located (by its own template or the default one)
/// with what discovery may pick.
fn pin_setting(name: &str, pin: &PinArtifactConfig) -> Result<PinSetting> {
    let block = format!("pins.hcl: artifacts pin \"{name}\"");
    if pin.skip {
        if let Some(field) = [
            (pin.location.is_some(), "location"),
            (pin.constraint.is_some(), "constraint"),
            (pin.prerelease, "prerelease"),
        ]
        .iter()
        .find_map(|(set, field)| set.then_some(field))
        {
            bail!("{block} sets both `{field}` and `skip = true`; a skipped pin has no artifact, keep one");
        }
        return Ok(PinSetting::Skip);
    }
    if pin.location.is_none() && pin.constraint.is_none() && !pin.prerelease {
        bail!("{block} needs a `location`, a `constraint`, `prerelease = true` or `skip = true`");
    }
    let template = pin
        .location
        .as_deref()
        .map(|t| Template::parse(&format!("artifacts pin \"{name}\" location"), t))
        .transpose()?;
    let choice = Choice {
        constraint: pin.constraint.as_ref().map(|c| c.0.clone()),
        prerelease: pin.prerelease,
    };
    Ok(PinSetting::At(template, choice))
}

/// A registry store block (`store "oci://ghcr.io" { allow_http = true }`) takes `allow_http` and
/// `env_prefix` only: the S3 settings mean nothing to a registry.
fn check_registry_store(key: &str, registry: &str, store: &StoreConfig) -> Result<()> {
    let probe = format!("{key}/x:1");
    if registry.contains('/') || super::oci::Reference::parse(&probe, &format!("{registry}/x:1")).is_err() {
        bail!("pins.hcl: artifacts store \"{key}\": a registry store is named by its registry host, like \"oci://ghcr.io\" or \"oci://127.0.0.1:5000\"");
    }
    let s3_only = [
        ("endpoint", store.endpoint.is_some()),
        ("region", store.region.is_some()),
        ("instance_credentials", store.instance_credentials),
    ];
    if let Some((name, _)) = s3_only.iter().find(|(_, set)| *set) {
        bail!("pins.hcl: artifacts store \"{key}\": `{name}` is an S3 setting; a registry store takes `allow_http` and `env_prefix`");
    }
    Ok(())
}
