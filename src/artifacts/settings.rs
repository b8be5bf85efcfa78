//! The validated `artifacts` block of `pins.hcl`: templates by pin name and store settings.
//! It knows pins only by name, so the repository can hold it without depending on resolution.

use anyhow::{bail, Result};
use indexmap::IndexMap;

use super::template::Template;
use super::{is_bucket_name, store};
use crate::config::{ArtifactsConfig, StoreConfig};

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
    At(Template),
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
            let setting = match (&pin.location, pin.skip) {
                (Some(_), true) => {
                    bail!("pins.hcl: artifacts pin \"{name}\" sets both `location` and `skip = true`; keep one")
                }
                (None, false) => bail!("pins.hcl: artifacts pin \"{name}\" needs a `location` or `skip = true`"),
                (None, true) => PinSetting::Skip,
                (Some(t), false) => PinSetting::At(Template::parse(&format!("artifacts pin \"{name}\" location"), t)?),
            };
            pins.insert(name.clone(), setting);
        }
        for (key, store) in &config.store {
            let bucket = key.strip_prefix("s3://").unwrap_or_default();
            if !is_bucket_name(bucket) {
                bail!("pins.hcl: artifacts store \"{key}\": a store is named by its bucket, like \"s3://prod-code\"");
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

    /// The connection settings of the store `s3://BUCKET`, if `pins.hcl` has any.
    pub(crate) fn store(&self, bucket: &str) -> Option<&StoreConfig> {
        self.stores.get(&format!("s3://{bucket}"))
    }

    /// The template of the pin `name` (`id` is its `variable.key`), or `None` when the pin has no
    /// artifact.
    pub(crate) fn template(&self, name: &str, id: &str) -> Option<(&Template, String)> {
        let setting = self.pins.get(name).or_else(|| self.pins.get(id));
        match setting {
            Some(PinSetting::Skip) => None,
            Some(PinSetting::At(t)) => Some((t, format!("artifacts pin \"{name}\" location"))),
            None => self.location.as_ref().map(|t| (t, "artifacts location".to_string())),
        }
    }

    /// Pin names in `pin "…"` blocks that `is_pin` does not know (likely typos).
    pub(crate) fn unknown_pins(&self, is_pin: impl Fn(&str) -> bool) -> Vec<String> {
        self.pins.keys().filter(|k| !is_pin(k)).cloned().collect()
    }
}
