//! Overrides: the reasons a person gave `promote --override` to let versions past an
//! environment's promotion rules. They live in `.pins/overrides/ENV.json`, committed with the
//! promotion: `verify ENV` accepts a version an override covers, and `pins record ENV` copies the
//! overrides of the versions it records into the record.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::record::Override;
use crate::repo::Repo;

/// The format tag of an overrides file.
const FORMAT: &str = "pins-overrides/1";

/// Where the overrides of promotions into `env` live, repository-relative.
pub(crate) fn path(env: &str) -> String {
    format!(".pins/overrides/{env}.json")
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: String,
    environment: String,
    overrides: Vec<Override>,
}

/// The overrides of promotions into `env` (none when the file does not exist).
pub(crate) fn read(repo: &Repo, env: &str) -> Result<Vec<Override>> {
    let rel = path(env);
    let Some(bytes) = repo.read(&rel)? else {
        return Ok(Vec::new());
    };
    let file: File = serde_json::from_slice(&bytes).with_context(|| format!("{rel} is not a pins overrides file"))?;
    if file.format != FORMAT || file.environment != env {
        bail!(
            "{rel}: expected format {FORMAT} for environment {env}, found {} for {}",
            file.format,
            file.environment
        );
    }
    Ok(file.overrides)
}

/// The overrides file after a promotion: `added`, and the earlier overrides of pins the promotion
/// did not change (`changed`: their ids), whose versions `env` still has.
pub(crate) fn render(env: &str, earlier: Vec<Override>, added: &[Override], changed: &[String]) -> String {
    let mut overrides: Vec<Override> = earlier.into_iter().filter(|o| !changed.contains(&o.pin)).collect();
    overrides.extend(added.iter().cloned());
    let file = File {
        format: FORMAT.into(),
        environment: env.into(),
        overrides,
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    text
}

/// The overrides of promotions into `env` that let in versions `pins` (id → version) holds: what
/// the next record of `env` carries.
pub(crate) fn for_record(repo: &Repo, env: &str, pins: &BTreeMap<String, String>) -> Result<Vec<Override>> {
    let all = read(repo, env)?;
    Ok(all
        .into_iter()
        .filter(|o| pins.get(&o.pin) == Some(&o.version))
        .collect())
}

/// The override that let `version` of pin `id` in, if any.
pub(crate) fn covering<'a>(overrides: &'a [Override], id: &str, version: &str) -> Option<&'a Override> {
    overrides.iter().rev().find(|o| o.pin == id && o.version == version)
}
