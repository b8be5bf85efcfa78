//! `pins init`: scaffold pins' layout in an empty folder, or migrate a repository that keeps one
//! `.tfvars` per environment into it without changing any value Terraform sees.
//!
//! The work is a [`Plan`] of whole-file changes, computed without touching the disk; applying it
//! writes every new file first and removes the old ones last.

mod chunk;
mod classify;
mod detect;
mod scaffold;

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::config::{Config, Policy, CONFIG_FILE};
use crate::tfvars::TfVars;
use classify::{EnvFiles, Found, Overrides, Source};
use detect::{Backend, Inputs, ENVIRONMENTS};

/// The pin file of development, and the one staging and production share.
const DEVELOPMENT_PINS: &str = "development.tfvars";
const SHARED_PINS: &str = "shared-release.tfvars";

/// What the user asked for.
#[derive(Debug, Default, Clone)]
pub(crate) struct Options {
    /// `--from ENV=FILE`, in the order given.
    pub from: Vec<(String, String)>,
    pub pin: Vec<String>,
    pub data: Vec<String>,
    /// The environment (`staging` or `production`) whose pins become the shared release.
    pub release_from: Option<String>,
    /// Leave the input files in place.
    pub keep: bool,
    /// Overwrite target files that exist and are not inputs.
    pub force: bool,
    /// Scaffold `setup/backends/<env>.tfbackend` where an environment has no backend file.
    pub backends: bool,
}

/// One file the plan writes (`new`) or removes (`new: None`), with its bytes before (`old`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct FileChange {
    pub path: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The whole change, ready to print or apply.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Plan {
    /// `scaffold` or `migrate`.
    pub mode: &'static str,
    /// The files migrated from (empty when scaffolding).
    pub inputs: Vec<String>,
    pub files: Vec<FileChange>,
    /// Pin values that change under `--release-from`, one line each.
    pub release_changes: Vec<String>,
    pub notes: Vec<String>,
}

/// Computes the plan for the folder `root`; any bad input is an error listing every problem.
pub(crate) fn plan(root: &Path, options: &Options) -> Result<Plan> {
    if let Some(side) = &options.release_from {
        if side != "staging" && side != "production" {
            bail!("--release-from {side}: the shared release comes from staging or production");
        }
    }
    let inputs = if options.from.is_empty() {
        if root.join(SHARED_PINS).exists() {
            bail!("{SHARED_PINS} exists: this repository already uses pins' layout (run `pins check`); pass --from ENV=FILE to migrate other files");
        }
        detect::found(root)?
    } else {
        Some(detect::given(root, &options.from)?)
    };
    let mut plan = match inputs {
        None => scaffold_plan(root, options),
        Some(inputs) => migrate_plan(root, &inputs, options)?,
    };
    refuse_overwrites(root, &mut plan, options)?;
    Ok(plan)
}

fn scaffold_plan(root: &Path, options: &Options) -> Plan {
    let mut files = vec![
        new_file(DEVELOPMENT_PINS, scaffold::DEVELOPMENT),
        new_file(SHARED_PINS, scaffold::SHARED),
    ];
    for env in ENVIRONMENTS {
        files.push(new_file(&format!("data.d/{env}.tfvars"), &scaffold::data(env)));
    }
    let mut plan = Plan {
        mode: "scaffold",
        files,
        ..Plan::default()
    };
    backends(root, options, &mut plan);
    plan
}

fn new_file(path: &str, text: &str) -> FileChange {
    FileChange {
        path: path.to_string(),
        old: None,
        new: Some(text.to_string()),
    }
}

fn migrate_plan(root: &Path, inputs: &Inputs, options: &Options) -> Result<Plan> {
    let envs = load(root, inputs)?;
    let split = split(&envs, options, policy(root)?)?;
    let [dev, stg, prd] = &split.envs;
    let release = match options.release_from.as_deref() {
        Some("production") => &prd.0,
        _ => &stg.0,
    };
    let mut plan = Plan {
        mode: "migrate",
        inputs: inputs.values().flatten().cloned().collect(),
        release_changes: split.differences.clone(),
        ..Plan::default()
    };
    let dev_files = envs.first().map_or(&[][..], |e| &e.files[..]);
    plan.files.push(development_file(dev_files, &dev.0, &dev.1));
    plan.files.push(composed(SHARED_PINS, scaffold::SHARED_HEADER, release));
    for (env, (_, data)) in ENVIRONMENTS.iter().zip(&split.envs) {
        let header = scaffold::data_header(env);
        plan.files
            .push(composed(&format!("data.d/{env}.tfvars"), &header, data));
    }
    backends(root, options, &mut plan);
    remove_inputs(inputs, options, &mut plan);
    Ok(plan)
}

/// Each environment's attributes as (pins, data), in promotion order, and the pins in which
/// staging and production differ (allowed only under `--release-from`).
struct Split<'a> {
    envs: [(Vec<Found<'a>>, Vec<Found<'a>>); 3],
    differences: Vec<String>,
}

/// Classifies every attribute and runs every check, failing with all the problems found.
fn split<'a>(envs: &'a [EnvFiles], options: &Options, policy: Policy) -> Result<Split<'a>> {
    let mut problems = Vec::new();
    let per_env: Vec<Vec<Found>> = envs.iter().map(|e| classify::attributes(e, &mut problems)).collect();
    let all: Vec<Found> = per_env.iter().flatten().copied().collect();
    let overrides = Overrides {
        pin: options.pin.clone(),
        data: options.data.clone(),
    };
    let pins = classify::pin_names(&all, &overrides, policy, &mut problems);
    let parted = per_env
        .iter()
        .map(|found| found.iter().partition(|f| pins.contains(f.name())));
    let Ok(envs): Result<[(Vec<Found>, Vec<Found>); 3], _> = parted.collect::<Vec<_>>().try_into() else {
        bail!("pins init lays out exactly {}", ENVIRONMENTS.join(", "));
    };
    for (env_pins, _) in &envs {
        classify::check_versions(env_pins, policy, &mut problems);
    }
    let [_, (stg_pins, stg_data), (prd_pins, prd_data)] = &envs;
    problems.extend(classify::parity(stg_data, prd_data));
    let differences = classify::release_differences(stg_pins, prd_pins);
    if !differences.is_empty() && options.release_from.is_none() {
        problems.push(format!(
            "staging and production pin different versions, and after the migration they share {SHARED_PINS}:\n  {}\n  help: align them first, or pass --release-from staging (or production) to say whose pins the shared file takes",
            differences.join("\n  ")
        ));
    }
    if !problems.is_empty() {
        bail!("cannot migrate:\n{}", problems.join("\n"));
    }
    Ok(Split { envs, differences })
}

/// The policy of an existing pins.hcl (opaque versions), or the default.
fn policy(root: &Path) -> Result<Policy> {
    match std::fs::read(root.join(CONFIG_FILE)) {
        Ok(bytes) => Ok(Config::parse(&String::from_utf8(bytes).context("pins.hcl is not valid UTF-8")?)?.policy),
        Err(_) => Ok(Policy::default()),
    }
}

/// Parses every input, reporting every file Terraform could not read.
fn load(root: &Path, inputs: &Inputs) -> Result<Vec<EnvFiles>> {
    let mut problems = Vec::new();
    let mut envs = Vec::new();
    for (env, files) in inputs {
        let mut sources = Vec::new();
        for file in files {
            let bytes = crate::source::Source::Tree
                .read(root, file)?
                .with_context(|| format!("{file} does not exist"))?;
            match TfVars::parse(file, bytes) {
                Ok(vars) => sources.push(Source::new(vars)),
                Err(e) => problems.push(e.to_string()),
            }
        }
        envs.push(EnvFiles {
            env: env.clone(),
            files: sources,
        });
    }
    if !problems.is_empty() {
        bail!("cannot migrate:\n{}", problems.join("\n"));
    }
    Ok(envs)
}

/// development.tfvars: the input itself without its data when it was development's only input,
/// so that everything else in it stays as it was; otherwise made of development's pins.
fn development_file(files: &[Source], pins: &[Found], data: &[Found]) -> FileChange {
    if let [only] = files {
        if only.vars.file() == DEVELOPMENT_PINS {
            let cut: Vec<chunk::Chunk> = data.iter().filter_map(|f| only.chunks.get(f.index).copied()).collect();
            return FileChange {
                path: DEVELOPMENT_PINS.into(),
                old: Some(only.vars.text().to_string()),
                new: Some(chunk::without(only.vars.text(), &cut)),
            };
        }
    }
    composed(DEVELOPMENT_PINS, scaffold::DEVELOPMENT_HEADER, pins)
}

fn composed(path: &str, header: &str, found: &[Found]) -> FileChange {
    let newline = found.first().map_or("\n", |f| chunk::newline(f.source.vars.text()));
    let pieces: Vec<(String, bool)> = found.iter().map(|f| f.piece()).collect();
    new_file(path, &chunk::compose(header, newline, &pieces))
}

/// Backend files: pins.hcl where they are not at the default place, and scaffolded ones with
/// `--backends`.
fn backends(root: &Path, options: &Options, plan: &mut Plan) {
    let mut settings = Vec::new();
    for env in ENVIRONMENTS {
        match detect::backend(root, env) {
            Backend::Missing if options.backends => {
                let path = format!("setup/backends/{env}.tfbackend");
                plan.files.push(new_file(&path, &scaffold::backend(env)));
            }
            Backend::Code(file) => {
                plan.notes.push(format!("{file} is Terraform code (a backend block), not -backend-config settings: pins.hcl says `backend_file = false` for {env}; keep using it as before"));
                settings.push((env, None));
            }
            Backend::Missing => settings.push((env, None)),
            Backend::Found(file) => settings.push((env, Some(file))),
            Backend::Default => settings.push((env, Some(format!("setup/backends/{env}.tfbackend")))),
        }
    }
    if settings
        .iter()
        .any(|(env, file)| file.as_deref() != Some(&format!("setup/backends/{env}.tfbackend")))
    {
        plan.files.push(new_file(CONFIG_FILE, &scaffold::config(&settings)));
    }
}

fn remove_inputs(inputs: &Inputs, options: &Options, plan: &mut Plan) {
    if options.keep {
        return;
    }
    let written: BTreeSet<String> = plan.files.iter().map(|f| f.path.clone()).collect();
    let mut removed = BTreeSet::new();
    for file in inputs.values().flatten() {
        if !written.contains(file) && removed.insert(file.clone()) {
            plan.files.push(FileChange {
                path: file.clone(),
                old: None,
                new: None,
            });
        }
    }
}

/// Fills in each target's current bytes; a target that exists and is not an input is refused
/// unless `--force`, listing every such file.
fn refuse_overwrites(root: &Path, plan: &mut Plan, options: &Options) -> Result<()> {
    let inputs: BTreeSet<String> = plan.inputs.iter().cloned().collect();
    let mut refused = Vec::new();
    for change in &mut plan.files {
        let Some(bytes) = crate::source::Source::Tree.read(root, &change.path)? else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let is_input = change.new.is_none() || change.old.is_some() || inputs.contains(&change.path);
        if !is_input && !options.force && change.new.as_deref() != Some(&text) {
            refused.push(change.path.clone());
        }
        change.old = Some(text);
    }
    if !refused.is_empty() {
        bail!(
            "{} already exist{} and would be overwritten; move {} away or pass --force",
            refused.join(", "),
            if refused.len() == 1 { "s" } else { "" },
            if refused.len() == 1 { "it" } else { "them" }
        );
    }
    plan.files.retain(|c| c.old != c.new);
    Ok(())
}

/// Writes the plan: every new or changed file is staged beside its place first, then all are
/// moved into place, and only then are the files they replace removed.
pub(crate) fn apply(root: &Path, plan: &Plan) -> Result<()> {
    let mut staged = Vec::new();
    for change in &plan.files {
        if let Some(text) = &change.new {
            staged.push(crate::write::stage(root, &change.path, text.as_bytes())?);
        }
    }
    for file in staged {
        file.commit()?;
    }
    for change in plan.files.iter().filter(|c| c.new.is_none()) {
        std::fs::remove_file(root.join(&change.path)).with_context(|| format!("removing {}", change.path))?;
    }
    Ok(())
}
