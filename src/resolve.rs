//! Effective values of an environment with Terraform's precedence: var-files in order, a later
//! file replaces a whole variable (maps are not merged), each value with its provenance.

use anyhow::{bail, Result};
use foldhash::{HashMap, HashMapExt};
use serde_json::Value as Json;

use crate::config::Policy;
use crate::repo::{suggest, Environment, Repo};
use crate::tfvars::{Attribute, Node, Position, Str, TfVars};

/// Where a value was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: Str,
    pub position: Position,
}

/// One pin: an artifact version, at top level or in a map of strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// The name shown to people: the key, or `variable.key` where two maps share a key.
    pub name: Str,
    pub variable: Str,
    pub key: Option<Str>,
    pub version: Str,
    pub origin: Origin,
}

impl Pin {
    /// The unambiguous identity of the pin: `variable` or `variable.key`.
    pub fn id(&self) -> String {
        match &self.key {
            Some(key) => format!("{}.{key}", self.variable),
            None => self.variable.to_string(),
        }
    }

    /// The identity as borrowed parts, for lookups without allocating.
    pub fn id_parts(&self) -> (&str, Option<&str>) {
        (&self.variable, self.key.as_deref())
    }
}

/// One environment-data variable with its effective value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Datum {
    pub name: Str,
    pub value: Json,
    pub origin: Origin,
}

/// What Terraform would see for one environment.
#[derive(Debug, Clone)]
pub(crate) struct Effective {
    pub environment: Environment,
    pub pins: Vec<Pin>,
    pub data: Vec<Datum>,
    /// The parsed var-files, in Terraform's order (the pin file first).
    pub files: Vec<TfVars>,
    /// The files Terraform loads by itself from the module folder, before the var-files.
    #[allow(dead_code)] // owned here so the environment's resolution keeps the files it came from; no reader yet
    pub auto_files: Vec<TfVars>,
}

/// Whether a pin file's attribute holds pins: a string, or a map whose values are all strings.
pub fn is_pin_value(node: &Node) -> bool {
    match node.entries() {
        Some(entries) => entries.iter().all(|e| e.value.as_str().is_some()),
        None => node.as_str().is_some(),
    }
}

/// Resolves the effective pins and data of `env`: the auto-loaded files of the module folder,
/// then the environment's var-files, as Terraform reads them.
pub(crate) fn resolve(repo: &Repo, env: &Environment) -> Result<Effective> {
    let load = |names: Vec<String>| names.iter().map(|f| repo.load(f)).collect::<Result<Vec<_>>>();
    let auto_files = load(repo.auto_files()?)?;
    let files = load(env.var_files().into_iter().map(String::from).collect())?;
    Ok(effective(env, auto_files, files))
}

/// Refuses pins whose versions the policy does not accept: bad input, not something to compare.
pub(crate) fn check_versions(effective: &Effective, policy: Policy) -> Result<()> {
    for pin in &effective.pins {
        if let Err(why) = crate::version::validate(&pin.version, policy) {
            anyhow::bail!(
                "{}:{}: {} = \"{}\" {why}; fix the version, or accept non-semver versions with policy {{ opaque_versions = true }} in pins.hcl",
                pin.origin.file,
                pin.origin.position,
                pin.name,
                pin.version.escape_debug()
            );
        }
    }
    Ok(())
}

/// Computes effective values from already parsed files: the auto-loaded ones, then the
/// var-files (the pin file first).
pub(crate) fn effective(env: &Environment, auto_files: Vec<TfVars>, files: Vec<TfVars>) -> Effective {
    let auto: Vec<&TfVars> = auto_files.iter().collect();
    let refs: Vec<&TfVars> = files.iter().collect();
    let (pins, data) = values(&auto, &refs);
    Effective {
        environment: env.clone(),
        pins,
        data,
        files,
        auto_files,
    }
}

/// The effective pins and data of the auto-loaded files and the var-files given in Terraform's
/// order (the pin file first): later files win, auto-loaded files lose to every var-file.
///
/// Lookups go through each file's own index rather than new maps over all variables: on a
/// 100k-pin file the extra maps would cost more memory than the pins themselves.
pub(crate) fn values(auto: &[&TfVars], files: &[&TfVars]) -> (Vec<Pin>, Vec<Datum>) {
    let Some(pin_file) = files.first() else {
        return (Vec::new(), Vec::new());
    };
    let is_pin_variable = |name: &str| pin_file.get(name).is_some_and(|a| is_pin_value(&a.value));
    let mut pins = Vec::new();
    for attr in pin_file.iter().filter(|a| is_pin_value(&a.value)) {
        let (file, winner) = winner(files, &attr.name).unwrap_or((pin_file, attr));
        collect_pins(file, winner, &mut pins);
    }
    name_pins(&mut pins);
    let all: Vec<&TfVars> = auto.iter().chain(files).copied().collect();
    let mut data: Vec<Datum> = Vec::new();
    for (i, file) in all.iter().enumerate() {
        let later = all.get(i + 1..).unwrap_or_default();
        for attr in file.iter().filter(|a| !is_pin_variable(&a.name)) {
            if later.iter().all(|f| f.get(&attr.name).is_none()) {
                let origin = origin(file, attr.name_span.start());
                data.push(Datum {
                    name: attr.name.clone(),
                    value: attr.value.to_json(),
                    origin,
                });
            }
        }
    }
    data.sort_by(|a, b| a.name.cmp(&b.name));
    (pins, data)
}

/// The file and attribute that set `name` last.
fn winner<'a>(files: &[&'a TfVars], name: &str) -> Option<(&'a TfVars, &'a Attribute)> {
    files.iter().rev().find_map(|f| f.get(name).map(|a| (*f, a)))
}

fn collect_pins(file: &TfVars, attr: &Attribute, pins: &mut Vec<Pin>) {
    if let crate::tfvars::Value::String(version) = &attr.value.value {
        let origin = origin(file, attr.value.span.start());
        let name = attr.name.clone();
        pins.push(Pin {
            name: name.clone(),
            variable: name,
            key: None,
            version: version.clone(),
            origin,
        });
        return;
    }
    let Some(entries) = attr.value.entries() else { return };
    // Sized exactly: on a 100k-pin map, doubling growth would waste a third of the memory.
    pins.reserve_exact(entries.len());
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
    for entry in entries {
        let crate::tfvars::Value::String(version) = &entry.value.value else {
            continue;
        };
        let pin = Pin {
            name: entry.key.clone(),
            variable: attr.name.clone(),
            key: Some(entry.key.clone()),
            version: version.clone(),
            origin: origin(file, entry.value.span.start()),
        };
        // Terraform keeps the last of duplicate keys; keep the first one's place in the order.
        match seen.get(&*entry.key) {
            Some(&i) => {
                if let Some(slot) = pins.get_mut(i) {
                    *slot = pin;
                }
            }
            None => {
                seen.insert(&entry.key, pins.len());
                pins.push(pin);
            }
        }
    }
}

/// Names each pin by its key, or by its id `variable.key` where the key alone is ambiguous: when
/// another pin has the same key, or another pin's id is spelled like this key (a quoted key
/// `"x.y"` beside key `y` of map `x`). Ids are unique, so names are too, and a name is never
/// another pin's id: `find` by name, then by id, always means one pin.
pub fn name_pins(pins: &mut [Pin]) {
    // Keys of one map are unique (duplicates were merged) and top-level names are unique, so a
    // name can only be ambiguous when there are several maps, a map beside top-level pins, or a
    // key with a dot in it.
    let mut maps = pins.iter().filter(|p| p.key.is_some()).map(|p| &p.variable);
    let first_map = maps.next();
    let several_maps = first_map.is_some_and(|m| maps.any(|v| v != m));
    let top_level = pins.iter().any(|p| p.key.is_none());
    let dotted = pins.iter().any(|p| p.key.as_deref().is_some_and(|k| k.contains('.')));
    if !(several_maps || (top_level && first_map.is_some()) || dotted) {
        return;
    }
    let mut counts: HashMap<Str, usize> = HashMap::new();
    for pin in pins.iter() {
        *counts.entry(pin.name.clone()).or_default() += 1;
    }
    let ids: foldhash::HashSet<String> = pins.iter().filter(|p| p.key.is_some()).map(Pin::id).collect();
    for pin in pins.iter_mut() {
        let clash = counts.get(&pin.name).is_some_and(|&n| n > 1) || ids.contains(&*pin.name);
        if clash && pin.key.is_some() {
            pin.name = pin.id().into();
        }
    }
}

fn origin(file: &TfVars, offset: usize) -> Origin {
    Origin {
        file: file.file_str(),
        position: file.position(offset),
    }
}

/// The pins written in one pin file, ignoring other files.
pub fn file_pins(vars: &TfVars) -> Vec<Pin> {
    let mut pins = Vec::new();
    for attr in vars.iter().filter(|a| is_pin_value(&a.value)) {
        collect_pins(vars, attr, &mut pins);
    }
    name_pins(&mut pins);
    pins
}

/// The node holding `pin`'s version in `vars`: the attribute, or the last entry with its key
/// (the one Terraform uses).
pub fn locate<'a>(vars: &'a TfVars, pin: &Pin) -> Option<&'a Node> {
    let attr = vars.get(&pin.variable)?;
    match &pin.key {
        None => Some(&attr.value),
        Some(key) => attr
            .value
            .entries()?
            .iter()
            .rev()
            .find(|e| e.key == *key)
            .map(|e| &e.value),
    }
}

/// Finds the pin called `name`: its name, or its `variable.key` id.
pub(crate) fn find<'a>(pins: &'a [Pin], name: &str) -> Option<&'a Pin> {
    let name = &*crate::tfvars::nfc(name.to_string());
    pins.iter()
        .find(|p| &*p.name == name)
        .or_else(|| pins.iter().find(|p| p.id() == name))
}

/// The pins `only` names, by name or by id (`variable.key`), in `pins`' order; all of them when
/// `only` is empty. Every `--only` goes through here; an unknown name is an error.
pub(crate) fn select(pins: &[Pin], only: &[String]) -> Result<Vec<Pin>> {
    if let Some(name) = only.iter().find(|n| find(pins, n).is_none()) {
        let names: Vec<&str> = pins.iter().map(|p| &*p.name).collect();
        bail!("--only names unknown pin `{name}`{}", suggest(name, &names));
    }
    let wanted = |p: &Pin| only.is_empty() || only.iter().any(|n| **n == *p.name || *n == p.id());
    Ok(pins.iter().filter(|p| wanted(p)).cloned().collect())
}

/// The pin called `name` in one pin file, found without collecting every pin (a bump of one pin in
/// a 100k-pin file stays small); `None` when it is absent or its key alone is ambiguous.
pub(crate) fn find_in_file(vars: &TfVars, name: &str) -> Option<Pin> {
    let name = &*crate::tfvars::nfc(name.to_string());
    let mut found: Option<Pin> = None;
    let mut matches = 0;
    for attr in vars.iter().filter(|a| is_pin_value(&a.value)) {
        let (variable, key) = match name.split_once('.') {
            Some((v, k)) if *attr.name == *v => (true, Some(k)),
            Some(_) => continue,
            None => (false, Some(name)),
        };
        if !variable && *attr.name == *name && attr.value.as_str().is_some() {
            let mut one = Vec::with_capacity(1);
            collect_pins(vars, attr, &mut one);
            found = one.pop();
            matches += 1;
            continue;
        }
        let Some(key) = key else { continue };
        let Some(entry) = attr
            .value
            .entries()
            .and_then(|es| es.iter().rev().find(|e| &*e.key == key))
        else {
            continue;
        };
        let crate::tfvars::Value::String(version) = &entry.value.value else {
            continue;
        };
        let pin_name: Str = if variable { name.into() } else { entry.key.clone() };
        found = Some(Pin {
            name: pin_name,
            variable: attr.name.clone(),
            key: Some(entry.key.clone()),
            version: version.clone(),
            origin: origin(vars, entry.value.span.start()),
        });
        matches += 1;
    }
    if matches == 1 {
        found
    } else {
        None
    }
}
