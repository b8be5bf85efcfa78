//! One `pins promote FROM TO` under TO's promotion policy: the gate's decision, the overrides file
//! written beside the pin file when a person overrides, and the commit message pins prints.

use anyhow::{bail, Result};
use serde::Serialize;

use super::gate::{Decision, Gate, Mode};
use super::overrides;
use crate::diff::Change;
use crate::plan::{Guards, Plan};
use crate::record::Override;
use crate::repo::{Environment, Repo};
use crate::resolve::Pin;
use crate::tfvars::TfVars;
use crate::write::put;

/// What the policy did to a promotion, for the report.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Outcome {
    #[serde(flatten)]
    pub decision: Decision,
    /// The commit message for the change (null when nothing changes).
    pub commit_message: Option<String>,
}

/// A promotion in progress.
pub(crate) struct Promotion<'r> {
    repo: &'r Repo,
    from: String,
    to: String,
    mode: Mode<'r>,
    dry_run: bool,
    earlier: Vec<Override>,
    decision: Decision,
    changes: Vec<Change>,
}

/// `--override` needs a reason that says something.
pub(crate) fn check_reason(reason: &str) -> Result<&str> {
    if reason.trim().is_empty() {
        bail!("--override needs a reason, e.g. --override \"hotfix for INC-1234, approved by the on-call lead\"");
    }
    Ok(reason)
}

impl<'r> Promotion<'r> {
    /// A promotion from `from` into `to`, reading the overrides already recorded for `to`.
    pub(crate) fn new(
        repo: &'r Repo,
        from: &Environment,
        to: &Environment,
        mode: Mode<'r>,
        dry_run: bool,
    ) -> Result<Self> {
        Ok(Promotion {
            repo,
            from: from.name.clone(),
            to: to.name.clone(),
            mode,
            dry_run,
            earlier: overrides::read(repo, &to.name)?,
            decision: Decision::default(),
            changes: Vec::new(),
        })
    }

    /// Plans the promotion through the gate; records the overrides before the pin file is written.
    pub(crate) fn plan<'v>(
        &mut self,
        gate: &Gate,
        vars: &'v TfVars,
        pins: &[Pin],
        prune: bool,
        guards: Guards,
    ) -> Result<Plan<'v>> {
        let (plan, decision) = gate.plan(vars, pins, prune, guards, self.mode)?;
        if !self.dry_run && plan.changes_file() && !decision.records.is_empty() {
            self.write_overrides(pins, &plan.changes, &decision.records)?;
        }
        self.changes = plan.changes.clone();
        self.decision = decision;
        Ok(plan)
    }

    fn write_overrides(&self, pins: &[Pin], changes: &[Change], added: &[Override]) -> Result<()> {
        let changed: Vec<String> = pins
            .iter()
            .filter(|p| changes.iter().any(|c| c.pin == p.name))
            .map(Pin::id)
            .collect();
        let text = overrides::render(&self.to, self.earlier.clone(), added, &changed);
        let path = self.repo.root().join(overrides::path(&self.to));
        put(&[(&path, Some(text.as_bytes()))])
    }

    /// What the policy did, when TO has rules or the person asked for `--auto` or `--override`.
    pub(crate) fn finish(self, gate: &Gate) -> Option<Outcome> {
        if !gate.has_rules() && !self.mode.auto && self.mode.reason.is_none() {
            return None;
        }
        let commit_message = (!self.changes.is_empty()).then(|| self.commit_message());
        Some(Outcome {
            decision: self.decision,
            commit_message,
        })
    }

    fn commit_message(&self) -> String {
        let how = if self.mode.auto { " (promote --auto)" } else { "" };
        let mut out = format!("Promote {} to {}{how}\n\n", self.from, self.to);
        for c in &self.changes {
            let from = c.from.as_deref().unwrap_or("—");
            let to = c.to.as_deref().unwrap_or("—");
            out.push_str(&format!("  {} {from} → {to} ({})\n", c.pin, c.kind));
        }
        if let Some(reason) = &self.decision.override_reason {
            out.push_str(&format!("\nOverride: {reason}\n"));
            for h in &self.decision.overridden {
                for why in &h.blocked_by {
                    out.push_str(&format!(
                        "  {} {}: {why}\n",
                        h.change.pin,
                        h.change.to.as_deref().unwrap_or("—")
                    ));
                }
            }
        }
        out
    }
}
