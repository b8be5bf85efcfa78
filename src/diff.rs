//! Comparing the effective pins (and data) of two environments.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::resolve::{Datum, Pin};
use crate::tfvars::Str;
use crate::version::{classify, Kind};

/// One pin compared across two sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub pin: Str,
    pub from: Option<Str>,
    pub to: Option<Str>,
    pub kind: Kind,
}

/// One data variable compared across two sides.
#[derive(Debug, Clone, PartialEq)]
pub struct DataChange {
    pub variable: Str,
    pub from: Option<Json>,
    pub to: Option<Json>,
}

/// Pins of two sides compared: the changes, and how many pins are equal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Comparison {
    /// Differing pins (and equal ones when asked for), in `a`'s order then `b`'s new ones.
    pub changes: Vec<Change>,
    pub identical: usize,
}

/// Every pin of either side, matched by identity; equal pins are listed only with `keep_equal`
/// (a 100k-pin comparison would otherwise hold a change per pin).
pub fn compare_pins(a: &[Pin], b: &[Pin], keep_equal: bool) -> Comparison {
    let b_index: HashMap<(&str, Option<&str>), usize> = b.iter().enumerate().map(|(i, p)| (p.id_parts(), i)).collect();
    let mut matched = vec![false; b.len()];
    let mut out = Comparison::default();
    for pa in a {
        let pb = b_index.get(&pa.id_parts()).and_then(|&i| {
            if let Some(m) = matched.get_mut(i) {
                *m = true;
            }
            b.get(i)
        });
        let to = pb.map(|p| p.version.clone());
        let kind = classify(Some(&pa.version), to.as_deref());
        if kind == Kind::Unchanged {
            out.identical += 1;
            if !keep_equal {
                continue;
            }
        }
        let pin = pb.map_or(&pa.name, |p| &p.name).clone();
        out.changes.push(Change {
            kind,
            pin,
            from: Some(pa.version.clone()),
            to,
        });
    }
    for pb in b.iter().zip(&matched).filter(|(_, m)| !**m).map(|(p, _)| p) {
        out.changes.push(Change {
            pin: pb.name.clone(),
            from: None,
            to: Some(pb.version.clone()),
            kind: Kind::Added,
        });
    }
    out
}

/// The data variables whose effective values differ, sorted by name.
pub fn compare_data(a: &[Datum], b: &[Datum]) -> Vec<DataChange> {
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

/// `3 pins differ: 1 major, 2 patch`, or that none do (`identical` pins are equal).
pub fn summary(changes: &[Change], identical: usize) -> String {
    let differing: Vec<&Change> = changes.iter().filter(|c| c.kind != Kind::Unchanged).collect();
    if differing.is_empty() {
        return format!("no pins differ ({identical} identical)");
    }
    let mut counts: Vec<(Kind, usize)> = Vec::new();
    for c in &differing {
        match counts.iter_mut().find(|(k, _)| *k == c.kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((c.kind, 1)),
        }
    }
    counts.sort();
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let noun = if differing.len() == 1 {
        "pin differs"
    } else {
        "pins differ"
    };
    format!("{} {noun}: {}", differing.len(), parts.join(", "))
}
