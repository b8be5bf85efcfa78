//! Planning and carrying out `pins artifacts promote FROM TO`: for each of TO's pins, where its
//! build is in FROM's store and where TO reads it, and whether to copy, keep or refuse it.

use anyhow::{anyhow, bail, Result};
use futures::StreamExt as _;
use serde::Serialize;

use super::inventory::process_env;
use super::s3::WriteMode;
use super::store::{each, runtime, Content, Copied, Meta, Method, Stores};
use super::{locate, require, Artifact, Location};
use crate::repo::Repo;
use crate::resolve::{check_versions, resolve, select, Pin};

/// What promotion does with one artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Move {
    /// FROM and TO read the same location.
    InPlace,
    /// The target holds the same content already.
    Present,
    /// The target does not exist yet.
    Copy,
    /// The target differs and `--force` was given.
    Overwrite,
    /// The target differs: refused.
    Conflict,
    /// The source does not exist: refused.
    MissingSource,
}

impl Move {
    /// Whether the step copies bytes.
    pub(crate) fn copies(self) -> bool {
        matches!(self, Move::Copy | Move::Overwrite)
    }

    /// Whether the step stops the whole promotion.
    pub(crate) fn refuses(self) -> bool {
        matches!(self, Move::Conflict | Move::MissingSource)
    }
}

/// One artifact's step.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub pin: Pin,
    pub from: Location,
    pub to: Location,
    pub action: Move,
    pub source: Option<Meta>,
    pub target: Option<Meta>,
    /// The source's content: hashed while copying, or read for the report when not copied.
    pub content: Option<Content>,
    /// How the bytes were copied, once they were.
    pub method: Option<Method>,
}

/// What `pins artifacts promote` asks for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Request {
    pub from: String,
    pub to: String,
    pub only: Vec<String>,
    pub force: bool,
}

/// A planned promotion: the stores it talks to, the runtime that owns their connections, and
/// the steps.
pub(crate) struct Promotion {
    pub from: String,
    pub to: String,
    pub steps: Vec<Step>,
    stores: Stores,
    runtime: tokio::runtime::Runtime,
}

/// Plans promoting the artifacts of TO's (selected) pins from FROM's locations to TO's.
pub(crate) fn plan(repo: &Repo, request: &Request) -> Result<Promotion> {
    let settings = require(repo.artifacts())?;
    let from = resolve(repo, repo.environment(&request.from)?)?;
    let to = resolve(repo, repo.environment(&request.to)?)?;
    if from.environment.name == to.environment.name {
        bail!("FROM and TO are both {}; name two environments", to.environment.name);
    }
    check_versions(&to, repo.policy())?;
    let pins = select(&to.pins, &request.only)?;
    let targets = locate(settings, repo.root(), &pins, &to)?;
    if let Some(pin) = pins.iter().find(|p| !targets.iter().any(|a| a.pin.id() == p.id())) {
        if !request.only.is_empty() {
            bail!("pin `{}` has no artifact (pins.hcl sets skip = true for it)", pin.name);
        }
    }
    let sources = locate(settings, repo.root(), &pins, &from)?;
    for (source, target) in sources.iter().zip(&targets) {
        super::oci::registries::check_pair(&source.location, &target.location)?;
    }
    let stores = Stores::new(
        settings,
        sources.iter().chain(&targets).map(|a| &a.location),
        &process_env,
    )?;
    let runtime = runtime()?;
    let steps = runtime
        .block_on(each(
            sources
                .iter()
                .zip(&targets)
                .map(|(s, t)| plan_step(&stores, s, t, request.force)),
        ))
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    Ok(Promotion {
        from: from.environment.name.clone(),
        to: to.environment.name.clone(),
        steps,
        stores,
        runtime,
    })
}

async fn plan_step(stores: &Stores, source: &Artifact, target: &Artifact, force: bool) -> Result<Step> {
    let (from, to) = (&source.location, &target.location);
    let (source_meta, target_meta) = if from == to {
        let meta = stores.head(from).await?;
        (meta.clone(), meta)
    } else {
        futures::try_join!(stores.head(from), stores.head(to))?
    };
    let action = match (&source_meta, &target_meta) {
        (None, _) => Move::MissingSource,
        (Some(_), Some(_)) if from == to => Move::InPlace,
        (Some(_), None) => Move::Copy,
        (Some(s), Some(t)) => match stores.same_content(from, s, to, t).await? {
            true => Move::Present,
            false if force => Move::Overwrite,
            false => Move::Conflict,
        },
    };
    Ok(Step {
        pin: target.pin.clone(),
        from: from.clone(),
        to: to.clone(),
        action,
        source: source_meta,
        target: target_meta,
        content: None,
        method: None,
    })
}

impl Promotion {
    /// The steps that refuse the promotion.
    pub(crate) fn refused(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.action.refuses())
    }

    /// Why the promotion is refused, or `None` when it may go ahead.
    pub(crate) fn refusal(&self) -> Option<String> {
        let conflicts = self.refused().filter(|s| s.action == Move::Conflict).count();
        let missing = self.refused().count() - conflicts;
        let mut why = Vec::new();
        if conflicts > 0 {
            why.push(format!(
                "{conflicts} target(s) hold different content under the same version (pass --force to overwrite)"
            ));
        }
        if missing > 0 {
            why.push(format!("{missing} source(s) do not exist in {}", self.from));
        }
        let done = match self.steps.iter().any(|s| s.method.is_some()) {
            true => "nothing overwritten",
            false => "nothing copied",
        };
        (!why.is_empty()).then(|| format!("{done}: {}", why.join("; ")))
    }

    /// Copies every step that copies, up to `jobs` at once. `progress` hears a step's index and
    /// the bytes copied so far, `done` each copied step. A target that another writer created
    /// meanwhile is compared again and becomes `present` or `conflict` (see [`Promotion::refusal`]);
    /// a copy that fails stops the promotion with an error naming the artifact.
    pub(crate) fn copy_all(
        &mut self,
        jobs: usize,
        progress: &(dyn Fn(usize, u64) + Sync),
        done: &(dyn Fn(&Step) + Sync),
    ) -> Result<()> {
        let Promotion {
            steps, stores, runtime, ..
        } = self;
        let stores = &*stores;
        let copies = steps
            .iter_mut()
            .enumerate()
            .filter(|(_, s)| s.action.copies())
            .map(|(index, step)| async move {
                copy_step(stores, step, &|n| progress(index, n)).await.map_err(|e| {
                    e.context(format!(
                        "copying {} {} from {} to {} failed; nothing partial is left at the target, and a rerun copies it",
                        step.pin.name, step.pin.version, step.from, step.to
                    ))
                })?;
                done(step);
                Ok::<_, anyhow::Error>(())
            });
        runtime
            .block_on(futures::stream::iter(copies).buffer_unordered(jobs).collect::<Vec<_>>())
            .into_iter()
            .collect::<Result<Vec<_>>>()?;
        Ok(())
    }

    /// Reads the source content of every step that has a source and was not copied, so that
    /// every report entry carries the digest of the bytes it is about.
    pub(crate) fn hash_sources(&mut self) -> Result<()> {
        let stores = &self.stores;
        let pending: Vec<&mut Step> = self
            .steps
            .iter_mut()
            .filter(|s| s.content.is_none() && s.source.is_some())
            .collect();
        let contents = self
            .runtime
            .block_on(each(pending.iter().map(|s| stores.digest(&s.from, false))));
        for (step, content) in pending.into_iter().zip(contents) {
            step.content = content?.map(|(c, _)| c);
        }
        Ok(())
    }
}

/// Copies one step: creates the target only if the key is free, or replaces only the object that
/// was compared (`--force`). When another writer created the target first, compares it again.
async fn copy_step(stores: &Stores, step: &mut Step, progress: &(dyn Fn(u64) + Sync)) -> Result<()> {
    let source = step
        .source
        .clone()
        .ok_or_else(|| anyhow!("internal: copying {} without a source", step.pin.name))?;
    let mode = match (step.action, step.target.as_ref().and_then(|t| t.e_tag.clone())) {
        (Move::Overwrite, Some(e_tag)) => WriteMode::Replace(e_tag),
        (Move::Overwrite, None) if matches!(step.to, Location::File { .. }) => WriteMode::Replace(String::new()),
        _ => WriteMode::Create,
    };
    match stores.copy(&step.from, &source, &step.to, &mode, progress).await? {
        Copied::Done { method, sha256, size } => {
            step.method = Some(method);
            step.content = sha256.map(|sha256| Content { sha256, size });
        }
        Copied::Taken => {
            let target = stores
                .head(&step.to)
                .await?
                .ok_or_else(|| anyhow!("{} was created by another writer and is gone again; run again", step.to))?;
            step.action = match stores.same_content(&step.from, &source, &step.to, &target).await? {
                true => Move::Present,
                false => Move::Conflict,
            };
            step.target = Some(target);
        }
    }
    Ok(())
}
