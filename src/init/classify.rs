//! Which attributes of the input files are pins and which are data, and the checks that make a
//! migration safe: one definition per environment, valid versions, staging and production
//! sharing their pins, and their data in parity. Each check returns every problem it finds.

use std::collections::BTreeSet;

use crate::config::Policy;
use crate::init::chunk::{self, Chunk};
use crate::tfvars::{Attribute, Node, TfVars};
use crate::version;

/// One parsed input file and the chunk of each of its attributes.
#[derive(Debug)]
pub(super) struct Source {
    pub vars: TfVars,
    pub chunks: Vec<Chunk>,
}

impl Source {
    /// Reads the chunks of a parsed file.
    pub(super) fn new(vars: TfVars) -> Source {
        let chunks = chunk::chunks(&vars);
        Source { vars, chunks }
    }
}

/// An environment's input files, in Terraform's order.
#[derive(Debug)]
pub(super) struct EnvFiles {
    pub env: String,
    pub files: Vec<Source>,
}

/// One attribute where it was found.
#[derive(Debug, Clone, Copy)]
pub(super) struct Found<'a> {
    pub source: &'a Source,
    pub index: usize,
}

impl<'a> Found<'a> {
    /// The attribute.
    pub(super) fn attr(self) -> &'a Attribute {
        self.source
            .vars
            .iter()
            .as_slice()
            .get(self.index)
            .unwrap_or_else(|| unreachable!())
    }

    /// Its name.
    pub(super) fn name(self) -> &'a str {
        &self.attr().name
    }

    /// Its bytes with attached comments, and whether a blank line preceded them.
    pub(super) fn piece(self) -> (String, bool) {
        let chunk = self
            .source
            .chunks
            .get(self.index)
            .copied()
            .unwrap_or_else(|| unreachable!());
        (chunk::text(&self.source.vars, chunk).into_owned(), chunk.blank_before)
    }

    /// `file:line:col` of its value.
    pub(super) fn place(self) -> String {
        self.place_of(&self.attr().value)
    }

    fn place_of(self, node: &Node) -> String {
        format!(
            "{}:{}",
            self.source.vars.file(),
            self.source.vars.position(node.span.start())
        )
    }
}

/// `--pin` and `--data`: names whose classification the user decides.
#[derive(Debug, Default, Clone)]
pub(super) struct Overrides {
    pub pin: Vec<String>,
    pub data: Vec<String>,
}

/// Every attribute of an environment; an attribute set in two of its files is a problem
/// (Terraform would let the later file win, and a migration could not keep both).
pub(super) fn attributes<'a>(env: &'a EnvFiles, problems: &mut Vec<String>) -> Vec<Found<'a>> {
    let mut out: Vec<Found<'a>> = Vec::new();
    for source in &env.files {
        for index in 0..source.vars.iter().len() {
            let found = Found { source, index };
            if let Some(first) = out.iter().find(|f| f.name() == found.name()) {
                problems.push(format!(
                    "{}: `{}` is set for {} twice, here and at {}; keep one definition",
                    found.place(),
                    found.name(),
                    env.env,
                    first.place()
                ));
                continue;
            }
            out.push(found);
        }
    }
    out
}

/// The names that are pins: forced with `--pin`, or version-shaped somewhere and not `--data`.
pub(super) fn pin_names(
    all: &[Found],
    overrides: &Overrides,
    policy: Policy,
    problems: &mut Vec<String>,
) -> BTreeSet<String> {
    for name in overrides.pin.iter().filter(|n| overrides.data.contains(n)) {
        problems.push(format!("`{name}` is given to both --pin and --data; choose one"));
    }
    for name in overrides.pin.iter().chain(&overrides.data) {
        if !all.iter().any(|f| f.name() == name) {
            let mut known: Vec<&str> = all.iter().map(|f| f.name()).collect();
            known.sort_unstable();
            known.dedup();
            problems.push(format!(
                "`{name}` (--pin/--data) is set in no input file{}",
                crate::repo::suggest(name, &known)
            ));
        }
    }
    all.iter()
        .filter(|f| !overrides.data.iter().any(|d| d == f.name()))
        .filter(|f| overrides.pin.iter().any(|p| p == f.name()) || looks_like_pin(&f.attr().value, policy))
        .map(|f| f.name().to_string())
        .collect()
}

/// A version string, or a non-empty map whose values are all version strings.
fn looks_like_pin(node: &Node, policy: Policy) -> bool {
    let is_version = |n: &Node| n.as_str().is_some_and(|s| version::validate(s, policy).is_ok());
    match node.entries() {
        Some(entries) => !entries.is_empty() && entries.iter().all(|e| is_version(&e.value)),
        None => is_version(node),
    }
}

/// Every value of a pin that is not a valid version, as a problem.
pub(super) fn check_versions(pins: &[Found], policy: Policy, problems: &mut Vec<String>) {
    for found in pins {
        let node = &found.attr().value;
        let values: Vec<&Node> = match node.entries() {
            Some(entries) => entries.iter().map(|e| &e.value).collect(),
            None => vec![node],
        };
        for value in values {
            let why = match value.as_str() {
                Some(s) => version::validate(s, policy).err().map(|e| format!("`{s}` {e}")),
                None => Some(format!("it holds {}, not a version string", value.kind())),
            };
            if let Some(why) = why {
                problems.push(format!(
                    "{}: pin `{}` is not a valid version: {why}; fix it, or pass --data {} to keep it as data",
                    found.place_of(value),
                    found.name(),
                    found.name()
                ));
            }
        }
    }
}

/// Every difference between staging's and production's pins, one line each.
pub(super) fn release_differences(staging: &[Found], production: &[Found]) -> Vec<String> {
    let mut out = Vec::new();
    for s in staging {
        match production.iter().find(|p| p.name() == s.name()) {
            None => out.push(format!(
                "`{}`: staging sets it at {}, production does not",
                s.name(),
                s.place()
            )),
            Some(p) => out.extend(value_differences(*s, *p)),
        }
    }
    for p in production
        .iter()
        .filter(|p| !staging.iter().any(|s| s.name() == p.name()))
    {
        out.push(format!(
            "`{}`: production sets it at {}, staging does not",
            p.name(),
            p.place()
        ));
    }
    out
}

fn value_differences(s: Found, p: Found) -> Vec<String> {
    let (sv, pv) = (&s.attr().value, &p.attr().value);
    if sv.to_json() == pv.to_json() {
        return Vec::new();
    }
    let (Some(se), Some(pe)) = (sv.entries(), pv.entries()) else {
        return vec![format!(
            "`{}`: staging {} at {}, production {} at {}",
            s.name(),
            sv.to_json(),
            s.place(),
            pv.to_json(),
            p.place()
        )];
    };
    let mut keys: Vec<&str> = se.iter().chain(pe).map(|e| &*e.key).collect();
    keys.dedup();
    let keys: BTreeSet<&str> = keys.into_iter().collect();
    let last = |entries: &'_ [crate::tfvars::Entry], key: &str| {
        entries.iter().rev().find(|e| &*e.key == key).map(|e| e.value.clone())
    };
    let show = |side: &Found, node: &Option<Node>| match node {
        Some(n) => format!("{} at {}", n.to_json(), side.place_of(n)),
        None => "not set".to_string(),
    };
    keys.into_iter()
        .filter_map(|key| {
            let (a, b) = (last(se, key), last(pe, key));
            let same = a.as_ref().map(Node::to_json) == b.as_ref().map(Node::to_json);
            (!same).then(|| {
                format!(
                    "`{}.{key}`: staging {}, production {}",
                    s.name(),
                    show(&s, &a),
                    show(&p, &b)
                )
            })
        })
        .collect()
}

/// Staging and production will share a pin file, so they must define the same data variables;
/// reported as `pins check` reports a parity finding.
pub(super) fn parity(staging: &[Found], production: &[Found]) -> Vec<String> {
    let mut out = Vec::new();
    for (a, b, a_name, b_name) in [
        (staging, production, "staging", "production"),
        (production, staging, "production", "staging"),
    ] {
        for missing in b.iter().filter(|f| !a.iter().any(|g| g.name() == f.name())) {
            out.push(format!(
                "{}: {a_name} does not set `{}`, which {b_name} sets here; environments sharing shared-release.tfvars must define the same data [parity]\n  help: add `{}` to {a_name}'s input (or remove it from {b_name}'s), or pass --pin {} if it is a version",
                missing.place(),
                missing.name(),
                missing.name(),
                missing.name()
            ));
        }
    }
    out
}
