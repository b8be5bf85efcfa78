//! `pins.hcl`: the optional configuration, read with serde, and the zero-configuration defaults.

mod reader;

use anyhow::{bail, Result};
use indexmap::IndexMap;
use serde::Deserialize;

use crate::policy::spec;

/// The file name of the configuration at the repository root.
pub const CONFIG_FILE: &str = "pins.hcl";

/// The configuration as written in `pins.hcl`; every field is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub environment: IndexMap<String, EnvironmentConfig>,
    pub order: Option<Vec<String>>,
    #[serde(default)]
    pub policy: Policy,
    pub records_dir: Option<String>,
    pub artifacts: Option<ArtifactsConfig>,
    /// Public keys (minisign base64, `RWQ…`) whose signed records `verify --tested` accepts; once
    /// set, unsigned records are refused.
    #[serde(default)]
    pub trusted_keys: Vec<String>,
    /// Where Terraform runs (the root module), relative to the repository root; default the root.
    pub module_dir: Option<String>,
    /// Rules for promoting into an environment, keyed by that environment.
    #[serde(default)]
    pub promotion: IndexMap<String, PromotionConfig>,
    /// `hold "PIN" "ENV" { … }` blocks, read with their positions by `crate::holds`.
    #[serde(default)]
    pub hold: serde::de::IgnoredAny,
}

/// One `promotion "ENV" { … }` block: the rules a version must pass to be promoted into ENV from
/// the environment before it. Each value is checked as it is read (see [`crate::policy::spec`]).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromotionConfig {
    /// How long the upstream environment must have had the version (`24h`, `90m`, `2d`).
    pub min_soak: Option<spec::Soak>,
    /// A release record of the upstream environment must cover the version.
    #[serde(default)]
    pub require_record: bool,
    /// The kinds of change `promote --auto` may make unattended.
    #[serde(default)]
    pub auto: Vec<spec::AutoKind>,
    /// `freeze "NAME" { from, to }`: no promotions between two instants.
    #[serde(default)]
    pub freeze: IndexMap<String, spec::Freeze>,
    /// `window "NAME" { days, from, to, zone }`: promotions only inside these weekly windows.
    #[serde(default)]
    pub window: IndexMap<String, spec::Window>,
}

/// The `artifacts { … }` block: where each pin's build artifact lives in an environment.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArtifactsConfig {
    /// The location template, e.g. `s3://${artifact_bucket}/${pin}/${pin}-${version}.zip`.
    pub location: Option<String>,
    /// Per-pin overrides, keyed by the pin's name (or `variable.key`).
    #[serde(default)]
    pub pin: IndexMap<String, PinArtifactConfig>,
    /// Connection settings per store, keyed by `s3://BUCKET`.
    #[serde(default)]
    pub store: IndexMap<String, StoreConfig>,
}

/// One `pin "NAME" { … }` block inside `artifacts`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinArtifactConfig {
    /// This pin's own location template.
    pub location: Option<String>,
    /// The pin has no artifact in an object store (a container image tag, say).
    #[serde(default)]
    pub skip: bool,
    /// Which versions `pins outdated` and `pins bump PIN latest` may pick: a semver requirement
    /// such as `^1.4` or `>=1.2, <2`.
    pub constraint: Option<Constraint>,
    /// Pre-releases found in the store are candidates for this pin.
    #[serde(default)]
    pub prerelease: bool,
}

/// A semver requirement, checked when `pins.hcl` is read so that a bad one is reported at its
/// line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint(pub semver::VersionReq);

impl<'de> Deserialize<'de> for Constraint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Parsed inside the visitor, so that the reader places an error at the string itself.
        deserializer.deserialize_str(ConstraintVisitor)
    }
}

struct ConstraintVisitor;

impl serde::de::Visitor<'_> for ConstraintVisitor {
    type Value = Constraint;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a semver requirement such as \"^1.4\"")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Constraint, E> {
        semver::VersionReq::parse(text).map(Constraint).map_err(|e| {
            E::custom(format!(
                "`{}` is not a semver requirement ({e}); write one such as \"^1.4\" or \">=1.2, <2\"",
                text.escape_debug()
            ))
        })
    }
}

/// One `store "s3://BUCKET" { … }` block: how to reach that bucket (cross-account setups give
/// each bucket its own endpoint and credentials). Secrets never go here, only the names of the
/// environment variables that hold them.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// An S3-compatible endpoint URL (MinIO, moto, a VPC endpoint).
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// Allow a plain-http endpoint.
    pub allow_http: Option<bool>,
    /// Read this store's `AWS_*` variables with this prefix: `PROD_` reads `PROD_AWS_ACCESS_KEY_ID`.
    /// Without it, `PINS_<BUCKET>_AWS_*` are read when any is set, else the plain `AWS_*`.
    pub env_prefix: Option<String>,
    /// Take credentials from the instance or container role when no keys are set.
    #[serde(default)]
    pub instance_credentials: bool,
}

/// One `environment "NAME" { … }` block.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentConfig {
    pub branch: Option<String>,
    pub pin_file: Option<String>,
    pub data_files: Option<Vec<String>>,
    #[serde(default)]
    pub backend_file: BackendFile,
}

/// `backend_file`: unset or `true` (the default path), `false` (no backend file), or a path.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum BackendFile {
    #[default]
    Default,
    None,
    Path(String),
}

impl<'de> Deserialize<'de> for BackendFile {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BackendFileVisitor)
    }
}

struct BackendFileVisitor;

impl serde::de::Visitor<'_> for BackendFileVisitor {
    type Value = BackendFile;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a path, or false for no backend file")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<BackendFile, E> {
        Ok(BackendFile::Path(v.to_string()))
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<BackendFile, E> {
        Ok(if v { BackendFile::Default } else { BackendFile::None })
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<BackendFile, E> {
        Err(E::custom("null is not a path; write `backend_file = false` for an environment without a backend file, or leave it out for the default"))
    }
}

/// What versions the repository accepts.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Allow pre-release versions in a pin file that several environments share.
    #[serde(default)]
    pub allow_prerelease: bool,
    /// Accept versions that are not semantic versions (compared as opaque strings).
    #[serde(default)]
    pub opaque_versions: bool,
}

/// `text` without a leading UTF-8 byte-order mark: positions in `pins.hcl` count from after it.
pub(crate) fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// An error at byte `offset` of `pins.hcl`'s text (without its byte-order mark), shown as
/// `pins.hcl:line:col` with the line and a caret.
pub(crate) fn error_at(text: &str, offset: usize, message: &str) -> crate::tfvars::SourceError {
    reader::source_error(CONFIG_FILE, text, offset, message)
}

impl Config {
    /// Parses the text of `pins.hcl` (a leading byte-order mark is allowed, as in a var-file).
    pub fn parse(text: &str) -> Result<Config> {
        Ok(reader::from_str_checked(
            CONFIG_FILE,
            without_bom(text),
            Config::check_promotion,
        )?)
    }

    /// Where the entry at `path` (keys and block labels from the root) starts in pins.hcl `text`.
    pub fn entry_position(text: &str, path: &[String]) -> Option<crate::tfvars::Position> {
        reader::entry_position(without_bom(text), path)
    }

    /// Each `promotion` block names an environment that something is promoted into.
    fn check_promotion(&self) -> Result<(), reader::Misplaced> {
        let Some(names) = self.environment_names() else {
            return Ok(());
        };
        for env in self.promotion.keys() {
            let message = match names.iter().position(|n| n == env) {
                None => format!(
                    "promotion \"{env}\" names an unknown environment; environments are: {}",
                    names.join(", ")
                ),
                Some(0) => format!("promotion \"{env}\": {env} is the first environment, nothing is promoted into it; put the rules on the environment that receives the promotion"),
                Some(_) => continue,
            };
            let path = vec!["promotion".to_string(), env.clone()];
            return Err(reader::Misplaced { path, message });
        }
        Ok(())
    }

    /// The environment names in promotion order (the defaults' when none is declared), or `None`
    /// when the order itself is wrong (reported where environments are read).
    fn environment_names(&self) -> Option<Vec<String>> {
        if !self.environment.is_empty() {
            return self.promotion_order().ok();
        }
        let defaults = Config {
            order: self.order.clone(),
            ..Config::defaults()
        };
        defaults.promotion_order().ok()
    }

    /// Where the value of top-level setting `key` (`module_dir`, say) starts in pins.hcl's `text`.
    pub fn position_of(text: &str, key: &str) -> Option<crate::tfvars::Position> {
        reader::value_position(without_bom(text), key)
    }

    /// The default configuration: development → staging → production, staging and production
    /// sharing `shared-release.tfvars`.
    pub fn defaults() -> Config {
        let mut environment = IndexMap::new();
        for (name, pin_file) in [
            ("development", "development.tfvars"),
            ("staging", "shared-release.tfvars"),
            ("production", "shared-release.tfvars"),
        ] {
            let env = EnvironmentConfig {
                pin_file: Some(pin_file.into()),
                ..EnvironmentConfig::default()
            };
            environment.insert(name.to_string(), env);
        }
        Config {
            environment,
            ..Config::default()
        }
    }

    /// The environment names in promotion order, checked for gaps, repeats and unknown names.
    pub fn promotion_order(&self) -> Result<Vec<String>> {
        let declared: Vec<String> = self.environment.keys().cloned().collect();
        let Some(order) = &self.order else { return Ok(declared) };
        for (i, name) in order.iter().enumerate() {
            if !self.environment.contains_key(name) {
                bail!("pins.hcl: `order` names `{name}`, which is not a declared environment");
            }
            if order.iter().take(i).any(|n| n == name) {
                bail!("pins.hcl: `order` names `{name}` twice; the promotion order must be a line, not a cycle");
            }
        }
        if let Some(missing) = declared.iter().find(|n| !order.contains(n)) {
            bail!("pins.hcl: `order` leaves out environment `{missing}`; list every environment once");
        }
        Ok(order.clone())
    }
}
