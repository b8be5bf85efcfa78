//! The repository: its configuration (pins.hcl or the defaults), its environments in promotion
//! order, and their var-files, read from the working tree or a git revision.

use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use crate::artifacts::settings::Settings as ArtifactSettings;
use indexmap::IndexMap;

use crate::config::{BackendFile, Config, EnvironmentConfig, Policy, CONFIG_FILE};
use crate::holds::Hold;
use crate::policy::Rules;
use crate::source::Source;
use crate::tfvars::TfVars;

/// Where release records go unless pins.hcl says otherwise.
pub(crate) const DEFAULT_RECORDS_DIR: &str = ".pins/records";

/// One environment of the promotion flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Environment {
    pub name: String,
    pub branch: String,
    pub pin_file: String,
    pub data_files: Vec<String>,
    pub backend_file: Option<String>,
}

impl Environment {
    /// The var-files in the order Terraform is given them: the pin file, then the data files.
    pub(crate) fn var_files(&self) -> Vec<&str> {
        std::iter::once(self.pin_file.as_str())
            .chain(self.data_files.iter().map(String::as_str))
            .collect()
    }
}

/// A repository of environments, read from one source.
#[derive(Debug, Clone)]
pub(crate) struct Repo {
    root: PathBuf,
    source: Source,
    environments: Vec<Environment>,
    policy: Policy,
    records_dir: String,
    artifacts: Option<ArtifactSettings>,
    trusted_keys: Vec<String>,
    /// Where Terraform runs, repository-relative; `""` is the root.
    module_dir: String,
    promotion: IndexMap<String, Rules>,
    holds: Vec<Hold>,
}

impl Repo {
    /// Opens the working tree at `root`.
    pub(crate) fn open(root: &Path) -> Result<Repo> {
        Repo::open_source(root, Source::Tree)
    }

    /// Opens the repository at `root` as it was at git revision `rev`.
    pub(crate) fn open_at(root: &Path, rev: &str) -> Result<Repo> {
        Repo::open_source(root, Source::at_revision(root, rev)?)
    }

    /// Opens the working tree, or a revision when one is given.
    pub(crate) fn open_maybe_at(root: &Path, rev: Option<&str>) -> Result<Repo> {
        match rev {
            Some(rev) => Repo::open_at(root, rev),
            None => Repo::open(root),
        }
    }

    fn open_source(root: &Path, source: Source) -> Result<Repo> {
        if !root.is_dir() {
            bail!("repository {} is not a directory", root.display());
        }
        let text = match source.read(root, CONFIG_FILE)? {
            Some(bytes) => Some(String::from_utf8(bytes).context("pins.hcl is not valid UTF-8")?),
            None => None,
        };
        let config = text.as_deref().map_or_else(|| Ok(Config::defaults()), Config::parse)?;
        let environments = environments(&config)?
            .into_iter()
            .map(|env| canonical_files(&source, root, env))
            .collect::<Result<Vec<_>>>()?;
        let module_dir = config.module_dir.clone().unwrap_or_default();
        if !module_dir.is_empty() {
            check_path("module_dir", &module_dir)?;
        }
        let module_dir = source.canonical(root, &module_dir)?;
        let records_dir = config.records_dir.clone().unwrap_or_else(|| DEFAULT_RECORDS_DIR.into());
        check_path("records_dir", &records_dir)?;
        let artifacts = config
            .artifacts
            .as_ref()
            .map(ArtifactSettings::from_config)
            .transpose()?;
        crate::sign::trusted_keys(&config.trusted_keys, "pins.hcl trusted_keys")?;
        let promotion = crate::policy::rules(&config.promotion);
        let holds = crate::holds::read(text.as_deref().unwrap_or_default(), &environments)?;
        Ok(Repo {
            root: root.to_path_buf(),
            source,
            environments,
            policy: config.policy,
            records_dir,
            artifacts,
            trusted_keys: config.trusted_keys,
            module_dir,
            promotion,
            holds,
        })
    }

    /// Where Terraform runs (the root module), repository-relative; `""` is the root.
    pub(crate) fn module_dir(&self) -> &str {
        &self.module_dir
    }

    /// Whether the module folder exists (the root always does).
    pub(crate) fn module_dir_exists(&self) -> bool {
        self.source.is_dir(&self.root, &self.module_dir)
    }

    /// `path` (repository-relative) as written from the module folder, where Terraform runs.
    #[allow(clippy::wrong_self_convention)] // a path from the module dir, not a constructor
    pub(crate) fn from_module_dir(&self, path: &str) -> String {
        let depth = self.module_dir.split('/').filter(|p| !p.is_empty()).count();
        match path.strip_prefix(&format!("{}/", self.module_dir)) {
            Some(inside) if depth > 0 => inside.to_string(),
            _ => format!("{}{path}", "../".repeat(depth)),
        }
    }

    /// The var-files Terraform loads by itself from the module folder, in its order (before any
    /// `-var-file`): `terraform.tfvars`, `terraform.tfvars.json`, then `*.auto.tfvars` and
    /// `*.auto.tfvars.json` by name. Repository-relative and canonical.
    pub(crate) fn auto_files(&self) -> Result<Vec<String>> {
        let names = self.source.list(&self.root, &self.module_dir)?;
        let fixed = ["terraform.tfvars", "terraform.tfvars.json"];
        let auto = names
            .iter()
            .filter(|n| n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json"));
        let ordered = fixed
            .iter()
            .filter(|f| names.iter().any(|n| n == *f))
            .map(|f| f.to_string())
            .chain(auto.cloned());
        ordered
            .map(|name| {
                let rel = match self.module_dir.as_str() {
                    "" => name,
                    dir => format!("{dir}/{name}"),
                };
                self.source.canonical(&self.root, &rel)
            })
            .collect()
    }

    /// The repository's root folder.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// The git revision this repository was read at, if not the working tree.
    pub(crate) fn revision(&self) -> Option<&str> {
        self.source.revision()
    }

    /// The version policy.
    pub(crate) fn policy(&self) -> Policy {
        self.policy
    }

    /// Every environment's promotion rules, keyed by the environment promoted into.
    pub(crate) fn promotions(&self) -> &IndexMap<String, Rules> {
        &self.promotion
    }

    /// The promotion rules for promoting into `env`, if pins.hcl has a `promotion` block for it.
    pub(crate) fn promotion(&self, env: &str) -> Option<&Rules> {
        self.promotion.get(env)
    }

    /// The holds of pins.hcl, in file order.
    pub(crate) fn holds(&self) -> &[Hold] {
        &self.holds
    }

    /// The folder that release records go to by default.
    pub(crate) fn records_dir(&self) -> &str {
        &self.records_dir
    }

    /// The `artifacts` block of pins.hcl, if there is one.
    pub(crate) fn artifacts(&self) -> Option<&ArtifactSettings> {
        self.artifacts.as_ref()
    }

    /// The public keys whose signatures on records are accepted: `PINS_TRUSTED_KEYS` (keys
    /// separated by spaces or commas) when it is set, else `trusted_keys` of pins.hcl. Empty when
    /// records need no signature.
    pub(crate) fn trusted_keys(&self) -> Result<Vec<minisign::PublicKey>> {
        match std::env::var(crate::sign::TRUSTED_VARIABLE) {
            Ok(keys) if !keys.trim().is_empty() => {
                let keys: Vec<String> = keys
                    .split([' ', ',', '\n'])
                    .filter(|k| !k.is_empty())
                    .map(str::to_string)
                    .collect();
                crate::sign::trusted_keys(&keys, crate::sign::TRUSTED_VARIABLE)
            }
            _ => crate::sign::trusted_keys(&self.trusted_keys, "pins.hcl trusted_keys"),
        }
    }

    /// The environments in promotion order.
    pub(crate) fn environments(&self) -> &[Environment] {
        &self.environments
    }

    /// The environment called `name`, or an error that suggests the closest name.
    pub(crate) fn environment(&self, name: &str) -> Result<&Environment> {
        check_name(name)?;
        self.environments.iter().find(|e| e.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.environments.iter().map(|e| e.name.as_str()).collect();
            anyhow!(
                "unknown environment `{name}`{}; environments are: {}",
                suggest(name, &names),
                names.join(", ")
            )
        })
    }

    /// The environment that is promoted into `env`, if any.
    pub(crate) fn predecessor(&self, env: &Environment) -> Option<&Environment> {
        let i = self.environments.iter().position(|e| e.name == env.name)?;
        i.checked_sub(1).and_then(|p| self.environments.get(p))
    }

    /// The environment tested before `target` is deployed, as this repository (the tested
    /// revision) declares it: `explicit` if given, else the one `target` is promoted from.
    pub(crate) fn tested_environment(&self, target: &str, explicit: Option<&str>) -> Result<&Environment> {
        if let Some(name) = explicit {
            return self.environment(name);
        }
        let at = self.revision().map(|r| format!(" at {r}")).unwrap_or_default();
        let env = self
            .environment(target)
            .with_context(|| format!("finding what was tested before {target} by pins.hcl{at}"))?;
        self.predecessor(env).ok_or_else(|| {
            anyhow!("{target} is first in the promotion order of pins.hcl{at}; say which environment was tested with --tested-env")
        })
    }

    /// How `other`'s environments differ from this repository's (read at `rev`), if they do.
    pub(crate) fn disagreement(&self, other: &Repo, rev: &str) -> Option<String> {
        if self.environments == other.environments {
            return None;
        }
        let describe = |repo: &Repo| {
            let list: Vec<String> = repo
                .environments
                .iter()
                .map(|e| format!("{} ({})", e.name, e.var_files().join(", ")))
                .collect();
            list.join(" → ")
        };
        let here = other
            .revision()
            .map_or("the working tree".to_string(), |r| format!("revision {r}"));
        Some(format!(
            "pins.hcl at {rev} and in {here} disagree on the environments; what was tested is judged by {rev}'s: {} (here: {})",
            describe(self),
            describe(other)
        ))
    }

    /// Every environment whose pin file is `env`'s pin file (`env` included).
    pub(crate) fn sharing(&self, pin_file: &str) -> Vec<&Environment> {
        self.environments.iter().filter(|e| e.pin_file == pin_file).collect()
    }

    /// The bytes of a repository file, or `None` if it does not exist.
    pub(crate) fn read(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        self.source.read(&self.root, rel)
    }

    /// Reads and parses a var-file; a missing file is an error, as it is for Terraform.
    pub(crate) fn load(&self, rel: &str) -> Result<TfVars> {
        let bytes = self.read(rel)?.ok_or_else(|| missing_file(rel, self.revision()))?;
        Ok(TfVars::parse(rel, bytes)?)
    }
}

fn missing_file(rel: &str, rev: Option<&str>) -> anyhow::Error {
    match rev {
        Some(rev) => anyhow!("{rel} does not exist at revision {rev}"),
        None => anyhow!("{rel} does not exist; create it or fix the environment's files in pins.hcl"),
    }
}

/// The environments a configuration declares, in promotion order (the defaults when it declares
/// none).
pub(crate) fn environments_of(config: &Config) -> Result<Vec<Environment>> {
    environments(config)
}

fn environments(config: &Config) -> Result<Vec<Environment>> {
    if config.environment.is_empty() {
        // A pins.hcl that only sets a policy keeps the default environments.
        return environments(&Config {
            order: config.order.clone(),
            ..Config::defaults()
        });
    }
    let mut out: Vec<Environment> = Vec::new();
    for name in config.promotion_order()? {
        let declared = config
            .environment
            .get(&name)
            .ok_or_else(|| anyhow!("pins.hcl: `order` names unknown `{name}`"))?;
        let env = environment(&name, declared)?;
        if let Some(other) = out.iter().find(|o| o.branch == env.branch) {
            bail!(
                "pins.hcl: environments `{}` and `{}` both use branch `{}`; each environment needs its own branch",
                other.name,
                env.name,
                env.branch
            );
        }
        out.push(env);
    }
    Ok(out)
}

fn environment(name: &str, c: &EnvironmentConfig) -> Result<Environment> {
    check_name(name).context("pins.hcl")?;
    let env = Environment {
        name: name.to_string(),
        branch: c.branch.clone().unwrap_or_else(|| name.to_string()),
        pin_file: c.pin_file.clone().unwrap_or_else(|| format!("{name}.tfvars")),
        data_files: c
            .data_files
            .clone()
            .unwrap_or_else(|| vec![format!("data.d/{name}.tfvars")]),
        backend_file: match &c.backend_file {
            BackendFile::Default => Some(format!("setup/backends/{name}.tfbackend")),
            BackendFile::None => None,
            BackendFile::Path(path) => Some(path.clone()),
        },
    };
    let field = |f: &str| format!("environment \"{name}\" {f}");
    check_path(&field("pin_file"), &env.pin_file)?;
    for data in &env.data_files {
        check_path(&field("data_files"), data)?;
    }
    if let Some(backend) = &env.backend_file {
        check_path(&field("backend_file"), backend)?;
    }
    Ok(env)
}

/// `env` with every path in its canonical spelling, so one file is one file however pins.hcl
/// spells it; refuses a data file that is the pin file under another name.
fn canonical_files(source: &Source, root: &Path, env: Environment) -> Result<Environment> {
    let canonical = |p: &str| {
        source
            .canonical(root, p)
            .with_context(|| format!("pins.hcl: environment `{}`", env.name))
    };
    let pin_file = canonical(&env.pin_file)?;
    let data_files = env
        .data_files
        .iter()
        .map(|d| canonical(d))
        .collect::<Result<Vec<_>>>()?;
    if let Some((spelled, _)) = env.data_files.iter().zip(&data_files).find(|(_, d)| **d == pin_file) {
        bail!(
            "pins.hcl: environment `{}` lists its pin file {pin_file} as a data file too ({spelled})",
            env.name
        );
    }
    let backend_file = env.backend_file.as_deref().map(canonical).transpose()?;
    Ok(Environment {
        pin_file,
        data_files,
        backend_file,
        ..env
    })
}

/// Refuses environment names that could be read as a path or an option.
pub(crate) fn check_name(name: &str) -> Result<()> {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        bail!(
            "`{}` is not a valid environment name (letters, digits, `-` and `_`)",
            name.escape_debug()
        );
    }
    Ok(())
}

/// Refuses a configured path that is absolute or climbs out of the repository.
pub(crate) fn check_path(field: &str, path: &str) -> Result<()> {
    let p = Path::new(path);
    let bad = if path.is_empty() || path.contains('\0') {
        Some("is empty or holds a NUL byte")
    } else if p.is_absolute() || path.starts_with('\\') {
        Some("is absolute; paths are relative to the repository root")
    } else if p
        .components()
        .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)))
    {
        Some("climbs out with `..`; paths must stay inside the repository")
    } else {
        None
    };
    match bad {
        Some(why) => bail!("pins.hcl: {field} `{}` {why}", path.escape_debug()),
        None => Ok(()),
    }
}

/// ` (did you mean `x`?)` naming up to three known names close to `name`, closest first.
pub(crate) fn suggest(name: &str, known: &[&str]) -> String {
    let mut close: Vec<(f64, &str)> = known
        .iter()
        .map(|k| (strsim::jaro_winkler(name, k), *k))
        .filter(|(score, _)| *score > 0.8)
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let names: Vec<String> = close.iter().take(3).map(|(_, k)| format!("`{k}`")).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => format!(" (did you mean {one}?)"),
        [rest @ .., last] => format!(" (did you mean {} or {last}?)", rest.join(", ")),
    }
}

/// Splits `ENV@REV` into the environment and the git revision.
pub(crate) fn split_spec(spec: &str) -> (&str, Option<&str>) {
    match spec.split_once('@') {
        Some((env, rev)) => (env, Some(rev)),
        None => (spec, None),
    }
}
