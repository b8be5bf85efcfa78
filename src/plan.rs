//! Planning an edit of a pin file for `bump` and `promote`: which pins change, the guards they
//! must pass, and the new text (spliced, never re-rendered).

use std::collections::{HashMap, HashSet};

use anyhow::{anyhow, bail, Result};

use crate::config::Policy;
use crate::diff::Change;
use crate::repo::suggest;
use crate::resolve::{file_pins, find, find_in_file, locate, Pin};
use crate::tfvars::splice::{self, Edit, NewValue};
use crate::tfvars::{Attribute, Node, TfVars};
use crate::version::{self, classify, Kind, Level};

/// A planned edit of one file.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub file: String,
    pub old: &'a str,
    pub new: String,
    pub changes: Vec<Change>,
    /// Pins only in the target, kept (or, with `--prune`, listed as removed in `changes`).
    pub kept: Vec<String>,
    /// The byte edits of `old` that give `new` (each replaces one span of the old text).
    pub edits: Vec<Edit>,
}

impl Plan<'_> {
    /// Whether the file would change.
    pub fn changes_file(&self) -> bool {
        self.old != self.new
    }
}

/// What may be written, beyond what the policy allows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Guards {
    pub allow_downgrade: bool,
    pub allow_prerelease: bool,
    /// The pin file is shared by several environments (the release file).
    pub shared: bool,
    pub policy: Policy,
}

impl Guards {
    /// Refuses a new version that is invalid, a downgrade, or a pre-release in a shared file.
    pub fn check(&self, pin: &str, from: Option<&str>, to: &str) -> Result<()> {
        version::validate(to, self.policy).map_err(|why| anyhow!("version `{}` for {pin} {why}", to.escape_debug()))?;
        if let Some(from) = from {
            if version::is_downgrade(from, to) && !self.allow_downgrade {
                bail!("{pin}: {to} is older than the current {from}; pass --allow-downgrade to roll back on purpose");
            }
        }
        if self.shared && version::is_prerelease(to) && !self.allow_prerelease && !self.policy.allow_prerelease {
            bail!("{pin}: {to} is a pre-release and this pin file is shared by several environments; pass --allow-prerelease or set policy {{ allow_prerelease = true }} in pins.hcl");
        }
        Ok(())
    }
}

/// What `bump` asks for.
#[derive(Debug, Clone)]
pub enum Target {
    Exact(String),
    Level(Level),
}

impl Target {
    /// Reads `major`, `minor`, `patch` or a version.
    pub fn parse(text: &str) -> Target {
        match text {
            "major" => Target::Level(Level::Major),
            "minor" => Target::Level(Level::Minor),
            "patch" => Target::Level(Level::Patch),
            other => Target::Exact(other.to_string()),
        }
    }
}

/// Plans setting one pin of `vars`.
pub fn bump<'a>(
    vars: &'a TfVars,
    name: &str,
    target: &Target,
    expect: Option<&str>,
    create: bool,
    guards: Guards,
) -> Result<Plan<'a>> {
    let found = find_in_file(vars, name);
    let pins = if found.is_some() { Vec::new() } else { file_pins(vars) };
    let Some(pin) = found.as_ref().or_else(|| find(&pins, name)) else {
        if let Some(attr) = vars.get(name).filter(|a| !crate::resolve::is_pin_value(&a.value)) {
            // The reason goes into the message: the source excerpt and its caret end the error.
            let why = format!(
                "`{name}` is {}, not a version string; pins only edits quoted versions (or maps of them)",
                attr.value.kind()
            );
            bail!("{}", vars.error_at(attr.value.span.start(), why));
        }
        if !create {
            bail!(
                "unknown pin `{name}` in {}{}; pass --create to add it",
                vars.file(),
                suggestion(name, &pins)
            );
        }
        return create_pin(vars, &pins, name, target, expect, guards);
    };
    if let Some(expected) = expect {
        check_expected(vars, pin, expected)?;
    }
    let new = match target {
        Target::Exact(v) => v.clone(),
        Target::Level(level) => version::bump(&pin.version, *level)
            .map_err(|why| anyhow!("cannot bump {}: `{}` {why}", pin.name, pin.version))?,
    };
    guards.check(&pin.name, Some(&pin.version), &new)?;
    let node = locate(vars, pin).ok_or_else(|| anyhow!("{} vanished from {}", pin.name, vars.file()))?;
    let edit = splice::replace_string(node, &new).map_err(|why| {
        anyhow!(
            "{}: {}",
            vars.error_at(node.span.start(), format!("cannot edit {}", pin.name)),
            why
        )
    })?;
    let change = Change {
        pin: pin.name.clone(),
        kind: classify(Some(&pin.version), Some(&new)),
        from: Some(pin.version.clone()),
        to: Some(new.into()),
    };
    Ok(plan(vars, vec![edit], vec![change], Vec::new()))
}

/// `--expect OLD`: refuses unless the file still holds `expected` for `pin`.
fn check_expected(vars: &TfVars, pin: &Pin, expected: &str) -> Result<()> {
    if expected != &*pin.version {
        bail!(
            "{}: expected {expected} but {} holds {}; someone else changed it, nothing was written",
            pin.name,
            vars.file(),
            pin.version
        );
    }
    Ok(())
}

/// Plans moving several pins of `vars` forward at once (`bump --latest`): each `(id, version)` of
/// `targets` is set unless the file already holds that version or a newer one (it may have changed
/// since the versions were chosen). `expect` is `(pin, OLD)` for `--expect`.
pub fn bump_all<'a>(
    vars: &'a TfVars,
    targets: &[(String, String)],
    expect: Option<(&str, &str)>,
    guards: Guards,
) -> Result<Plan<'a>> {
    let pins = file_pins(vars);
    let named = |name: &str| find(&pins, name).ok_or_else(|| anyhow!("unknown pin `{name}` in {}", vars.file()));
    if let Some((name, expected)) = expect {
        check_expected(vars, named(name)?, expected)?;
    }
    let locations = Locations::new(vars);
    let mut edits = Vec::new();
    let mut changes = Vec::new();
    for (name, new) in targets {
        let pin = named(name)?;
        if !version::is_newer(new, &pin.version) {
            continue;
        }
        guards.check(&pin.name, Some(&pin.version), new)?;
        let node = locations
            .get(pin)
            .ok_or_else(|| anyhow!("{} vanished from {}", pin.name, vars.file()))?;
        edits.push(splice::replace_string(node, new).map_err(|why| {
            anyhow!(
                "{}: {why}",
                vars.error_at(node.span.start(), format!("cannot edit {}", pin.name))
            )
        })?);
        changes.push(Change {
            pin: pin.name.clone(),
            kind: classify(Some(&pin.version), Some(new)),
            from: Some(pin.version.clone()),
            to: Some(new.as_str().into()),
        });
    }
    Ok(plan(vars, edits, changes, Vec::new()))
}

fn create_pin<'a>(
    vars: &'a TfVars,
    pins: &[Pin],
    name: &str,
    target: &Target,
    expect: Option<&str>,
    guards: Guards,
) -> Result<Plan<'a>> {
    let Target::Exact(new) = target else {
        bail!("a new pin needs an explicit version, not a bump level")
    };
    if expect.is_some_and(|e| !e.is_empty()) {
        bail!("{name} does not exist yet, so --expect cannot match");
    }
    guards.check(name, None, new)?;
    let (variable, key) = placement(vars, pins, name)?;
    let edit = match &key {
        Some(key) => match vars.get(&variable) {
            Some(attr) => splice::insert_entries(vars, &attr.value, &[(key.clone(), new.clone())]),
            None => splice::append_attributes(
                vars,
                &[(variable.clone(), NewValue::Map(vec![(key.clone(), new.clone())]))],
            ),
        },
        None => splice::append_attributes(vars, &[(variable.clone(), NewValue::Version(new.clone()))]),
    };
    let change = Change {
        pin: name.into(),
        from: None,
        to: Some(new.as_str().into()),
        kind: Kind::Added,
    };
    Ok(plan(vars, vec![edit], vec![change], Vec::new()))
}

/// Where a new pin goes: `variable.key` as said, the only map of pins, or a top-level attribute.
fn placement(vars: &TfVars, pins: &[Pin], name: &str) -> Result<(String, Option<String>)> {
    check_new_name(name)?;
    if let Some((variable, key)) = name.split_once('.') {
        if vars.get(variable).is_some_and(|a| a.value.entries().is_none()) {
            bail!(
                "{variable} in {} is not a map, so {name} cannot be added to it",
                vars.file()
            );
        }
        return Ok((variable.to_string(), Some(key.to_string())));
    }
    let mut maps: Vec<&str> = pins.iter().filter(|p| p.key.is_some()).map(|p| &*p.variable).collect();
    maps.dedup();
    match maps.as_slice() {
        [] => Ok((name.to_string(), None)),
        [only] => Ok((only.to_string(), Some(name.to_string()))),
        several => bail!(
            "{} holds several maps of pins ({}); name the new pin as MAP.{name}",
            vars.file(),
            several.join(", ")
        ),
    }
}

fn check_new_name(name: &str) -> Result<()> {
    let ok = !name.is_empty() && name.len() <= 128 && name.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c));
    if !ok || name.starts_with('.') || name.ends_with('.') || name.matches('.').count() > 1 {
        bail!(
            "`{}` is not a valid pin name (letters, digits, `-`, `_`, and one `.` between a map and a key)",
            name.escape_debug()
        );
    }
    Ok(())
}

/// Plans copying `from` pins into `vars`, a different pin file.
pub fn promote<'a>(vars: &'a TfVars, from: &[Pin], prune: bool, guards: Guards) -> Result<Plan<'a>> {
    let existing = file_pins(vars);
    let existing_index: HashMap<String, &Pin> = existing.iter().map(|p| (p.id(), p)).collect();
    let from_ids: HashSet<String> = from.iter().map(Pin::id).collect();
    let locations = Locations::new(vars);
    let mut edits = Vec::new();
    let mut changes = Vec::new();
    let mut additions: Vec<(&Pin, String)> = Vec::new();
    for pin in from {
        guards
            .check(&pin.name, None, &pin.version)
            .map_err(|e| anyhow!("{e} (in {}:{})", pin.origin.file, pin.origin.position))?;
        match existing_index.get(&pin.id()) {
            Some(current) if current.version == pin.version => {}
            Some(current) => {
                guards.check(&pin.name, Some(&current.version), &pin.version)?;
                let node = locations
                    .get(current)
                    .ok_or_else(|| anyhow!("{} vanished from {}", current.name, vars.file()))?;
                edits.push(splice::replace_string(node, &pin.version).map_err(|why| {
                    anyhow!(
                        "{}: {why}",
                        vars.error_at(node.span.start(), format!("cannot edit {}", current.name))
                    )
                })?);
                changes.push(Change {
                    pin: pin.name.clone(),
                    from: Some(current.version.clone()),
                    to: Some(pin.version.clone()),
                    kind: classify(Some(&current.version), Some(&pin.version)),
                });
            }
            None => {
                additions.push((pin, pin.version.to_string()));
                changes.push(Change {
                    pin: pin.name.clone(),
                    from: None,
                    to: Some(pin.version.clone()),
                    kind: Kind::Added,
                });
            }
        }
    }
    let mut kept = Vec::new();
    let mut removed = Vec::new();
    for stale in existing.iter().filter(|p| !from_ids.contains(&p.id())) {
        if prune {
            removed.push(stale);
            changes.push(Change {
                pin: stale.name.clone(),
                from: Some(stale.version.clone()),
                to: None,
                kind: Kind::Removed,
            });
        } else {
            kept.push(stale.name.to_string());
        }
    }
    edits.extend(entry_edits(vars, &additions, &removed)?);
    Ok(plan(vars, edits, changes, kept))
}

/// The node of every pin of a file, found in one pass (promote touches many pins of one map).
struct Locations<'a> {
    nodes: HashMap<String, &'a Node>,
}

impl<'a> Locations<'a> {
    fn new(vars: &'a TfVars) -> Self {
        let mut nodes = HashMap::new();
        for attr in vars.iter() {
            nodes.insert(attr.name.to_string(), &attr.value);
            for entry in attr.value.entries().unwrap_or_default() {
                // Later duplicates overwrite earlier ones: Terraform uses the last.
                nodes.insert(format!("{}.{}", attr.name, entry.key), &entry.value);
            }
        }
        Locations { nodes }
    }

    fn get(&self, pin: &Pin) -> Option<&'a Node> {
        self.nodes.get(&pin.id()).copied()
    }
}

/// The insertions and removals of whole pins, planned per variable: a map's removals and
/// additions are planned together so that they apply as one.
fn entry_edits(vars: &TfVars, additions: &[(&Pin, String)], removed: &[&Pin]) -> Result<Vec<Edit>> {
    let mut edits = Vec::new();
    let mut top_level: Vec<(String, NewValue)> = Vec::new();
    let mut gone_variables: Vec<&Attribute> = Vec::new();
    let mut variables: Vec<&str> = additions
        .iter()
        .map(|(p, _)| &*p.variable)
        .chain(removed.iter().map(|p| &*p.variable))
        .collect();
    variables.sort_unstable();
    variables.dedup();
    for variable in variables {
        let new: Vec<(&Pin, &String)> = additions
            .iter()
            .filter(|(p, _)| &*p.variable == variable)
            .map(|(p, v)| (*p, v))
            .collect();
        let gone: Vec<&Pin> = removed.iter().copied().filter(|p| &*p.variable == variable).collect();
        match vars.get(variable) {
            // A whole top-level pin goes; removals and additions at the top level apply together.
            Some(attr) if attr.value.entries().is_none() && new.is_empty() => gone_variables.push(attr),
            Some(attr) => edits.extend(variable_edits(vars, attr, &new, &gone)?),
            None => top_level.extend(new_variable(variable, &new)),
        }
    }
    edits.extend(splice::edit_top_level(vars, &gone_variables, &top_level));
    Ok(edits)
}

/// Edits of one existing variable: a whole top-level pin removed, or a map's entries removed and
/// added. A pin whose shape differs (a map entry where the file has a string) is refused.
fn variable_edits(vars: &TfVars, attr: &Attribute, new: &[(&Pin, &String)], gone: &[&Pin]) -> Result<Vec<Edit>> {
    let Some(entries) = attr.value.entries() else {
        if let Some((pin, _)) = new.first() {
            bail!(
                "{}: `{}` is {} in {} but {} is a map entry in the source; change its shape by hand",
                vars.error_at(attr.name_span.start(), "cannot promote"),
                attr.name,
                attr.value.kind(),
                vars.file(),
                pin.id()
            );
        }
        return Ok(vec![splice::remove_attribute(vars, attr)]);
    };
    let mut keyed: Vec<(String, String)> = Vec::new();
    for (pin, version) in new {
        let Some(key) = &pin.key else {
            bail!(
                "{}: `{}` is a map in {} but a single version in the source; change its shape by hand",
                vars.error_at(attr.name_span.start(), "cannot promote"),
                attr.name,
                vars.file()
            );
        };
        keyed.push((key.to_string(), version.to_string()));
    }
    let remove: Vec<usize> = (0..entries.len())
        .filter(|&i| {
            entries
                .get(i)
                .is_some_and(|e| gone.iter().any(|p| p.key.as_deref() == Some(&*e.key)))
        })
        .collect();
    Ok(splice::edit_entries(vars, &attr.value, &remove, &keyed))
}

/// A variable the file does not have yet: top-level pins, or a new map.
fn new_variable(variable: &str, new: &[(&Pin, &String)]) -> Vec<(String, NewValue)> {
    let entries: Vec<(String, String)> = new
        .iter()
        .filter_map(|(p, v)| p.key.as_ref().map(|k| (k.to_string(), v.to_string())))
        .collect();
    if entries.is_empty() {
        return new
            .iter()
            .map(|(_, v)| (variable.to_string(), NewValue::Version(v.to_string())))
            .collect();
    }
    vec![(variable.to_string(), NewValue::Map(entries))]
}

fn plan<'a>(vars: &'a TfVars, edits: Vec<Edit>, changes: Vec<Change>, kept: Vec<String>) -> Plan<'a> {
    let new = splice::apply(vars.text(), &edits);
    Plan {
        file: vars.file().to_string(),
        old: vars.text(),
        new,
        changes,
        kept,
        edits,
    }
}

/// ` (did you mean …?)` for an unknown pin.
pub fn suggestion(name: &str, pins: &[Pin]) -> String {
    let names: Vec<&str> = pins.iter().map(|p| &*p.name).collect();
    suggest(name, &names)
}
