//! Comparing the effective pins (and data) of two environments.

use std::path::Path;

use anyhow::Result;
use foldhash::HashMap;
use serde::Serialize;

use serde_json::Value as Json;

use crate::edit::dry_run_preview;
use crate::plan::{self, Guards};
use crate::repo::{split_spec, Repo};
use crate::resolve::{check_versions, resolve, Datum, Effective, Pin};
use crate::tfvars::Str;
use crate::version::{classify, Kind};

/// One pin compared across two sides: `from` is the version it has, `to` the one it would get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub pin: Str,
    pub from: Option<Str>,
    pub to: Option<Str>,
    pub kind: Kind,
}

/// One data variable compared across two sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct DataChange {
    pub variable: Str,
    pub from: Option<Json>,
    pub to: Option<Json>,
}

/// Pins of two sides compared: the changes, and how many pins are equal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Comparison {
    /// Differing pins (and equal ones when asked for), in the new side's order, then the pins
    /// only the old side has.
    pub changes: Vec<Change>,
    pub identical: usize,
}

/// Every pin of either side, matched by identity, each going from `old`'s version to `new`'s:
/// the change taking `new`'s pins into `old` would make (`pins diff FROM TO` compares TO as old
/// with FROM as new, exactly as `promote FROM TO` plans it). Equal pins are listed only with
/// `keep_equal` (a 100k-pin comparison would otherwise hold a change per pin).
pub fn compare_pins(old: &[Pin], new: &[Pin], keep_equal: bool) -> Comparison {
    let old_index: HashMap<(&str, Option<&str>), usize> =
        old.iter().enumerate().map(|(i, p)| (p.id_parts(), i)).collect();
    let mut matched = vec![false; old.len()];
    let mut out = Comparison::default();
    for pn in new {
        let po = old_index.get(&pn.id_parts()).and_then(|&i| {
            if let Some(m) = matched.get_mut(i) {
                *m = true;
            }
            old.get(i)
        });
        let from = po.map(|p| p.version.clone());
        let kind = classify(from.as_deref(), Some(&pn.version));
        if kind == Kind::Unchanged {
            out.identical += 1;
            if !keep_equal {
                continue;
            }
        }
        out.changes.push(Change {
            kind,
            pin: pn.name.clone(),
            from,
            to: Some(pn.version.clone()),
        });
    }
    for po in old.iter().zip(&matched).filter(|(_, m)| !**m).map(|(p, _)| p) {
        out.changes.push(Change {
            pin: po.name.clone(),
            from: Some(po.version.clone()),
            to: None,
            kind: Kind::Removed,
        });
    }
    out
}

/// The data variables whose effective values differ, sorted by name, from `a`'s value to `b`'s.
pub(crate) fn compare_data(a: &[Datum], b: &[Datum]) -> Vec<DataChange> {
    let b_index: HashMap<&str, &Datum> = b.iter().map(|d| (&*d.name, d)).collect();
    let a_index: HashMap<&str, &Datum> = a.iter().map(|d| (&*d.name, d)).collect();
    let mut names: Vec<&str> = a_index.keys().chain(b_index.keys()).copied().collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|n| DataChange {
            variable: n.into(),
            from: a_index.get(n).map(|d| d.value.clone()),
            to: b_index.get(n).map(|d| d.value.clone()),
        })
        .filter(|c| c.from != c.to)
        .collect()
}

/// One side of a comparison: an environment, maybe read at a git revision (`ENV@REV`).
pub(crate) struct Side {
    pub repo: Repo,
    pub effective: Effective,
}

impl Side {
    /// Loads `ENV` or `ENV@REV` from the repository at `root`, its versions checked.
    pub(crate) fn load(root: &Path, spec: &str) -> Result<Side> {
        let (name, rev) = split_spec(spec);
        let repo = Repo::open_maybe_at(root, rev)?;
        let effective = resolve(&repo, repo.environment(name)?)?;
        check_versions(&effective, repo.policy())?;
        Ok(Side { repo, effective })
    }

    /// `staging` or `staging@origin/staging`.
    pub(crate) fn label(&self) -> String {
        match self.repo.revision() {
            Some(rev) => format!("{}@{rev}", self.effective.environment.name),
            None => self.effective.environment.name.clone(),
        }
    }

    /// The unified diff that `pins promote FROM TO --dry-run` prints for this side's (TO's) pin
    /// file with `from`'s pins: the same plan and preview, with downgrades and pre-releases
    /// allowed (a diff shows them rather than refusing). Empty when the file would not change.
    pub(crate) fn promotion_patch(&self, from: &Side) -> Result<String> {
        let Some(vars) = self.effective.files.first() else {
            return Ok(String::new());
        };
        let guards = Guards {
            allow_downgrade: true,
            allow_prerelease: true,
            shared: self.repo.sharing(&self.effective.environment.pin_file).len() > 1,
            policy: self.repo.policy(),
        };
        let plan = plan::promote(vars, &from.effective.pins, false, guards)?;
        Ok(dry_run_preview(&plan).unwrap_or_default())
    }
}
